"""Scenario loading: the seed lab, conveniences and clear errors."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import json
from pathlib import Path
from typing import Any

import pytest

from labsim import ScenarioError, load_scenario
from labsim.scenario import (
    DEFAULT_SCENARIO,
    _Reader,
    alert_from_mapping,
    format_alert_text,
    one_of,
    parse_pool,
    parse_scenario,
    parse_size,
    parse_time,
    size_field,
    version_tuple,
)

NOW = datetime(2026, 8, 22, 12, 0, tzinfo=UTC)
KEY = "7-" + "a" * 64

MINIMAL: dict[str, Any] = {
    "schema": 1,
    "system": {"hostname": "box", "version": "25.10.1"},
    "users": [{"username": "u", "api_keys": [{"key": KEY}]}],
    "pools": [
        {"name": "p", "size": "1 TiB", "topology": {"data": [{"type": "DISK", "disk": "sda"}]}}
    ],
}


def minimal(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(MINIMAL)
    data.update(changes)
    return data


def test_default_scenario() -> None:
    scenario = load_scenario()
    assert scenario.source == DEFAULT_SCENARIO
    assert scenario.name == "default"
    assert scenario.system.hostname == "nas"
    assert scenario.system.version == "25.10.2"
    assert scenario.system.cores == 12
    assert scenario.system.physmem == 64 * 1024**3
    assert scenario.system.timezone == "Europe/Berlin"
    assert len(scenario.system.host_id) == 64
    assert scenario.api_versions[0] == "v25.04.0"
    assert scenario.current_version == "v25.10.2"
    user = scenario.users[0]
    assert user.username == "ha-svc"
    assert user.api_key.startswith("1-")
    assert len(user.api_key) == 66
    tank, boot = scenario.pools
    assert tank.name == "tank"
    assert tank.status == "ONLINE"
    assert tank.size == 23991808425984
    assert tank.free == tank.size - tank.allocated
    assert [leaf.disk for leaf in tank.leaves()] == ["sda", "sdb", "sdc", "sdd"]
    assert [leaf.device for leaf in tank.leaves()] == ["sda1", "sdb1", "sdc1", "sdd1"]
    assert tank.topology["data"][0].name == "raidz1-0"
    assert tank.scan is not None
    assert tank.scan.state == "FINISHED"
    assert boot.boot
    assert [leaf.device for leaf in boot.leaves()] == ["nvme0n1p3", "nvme1n1p3"]
    assert len(scenario.datasets) == 10
    assert [alert.level for alert in scenario.alerts] == ["INFO", "WARNING"]
    assert scenario.alerts[1].formatted == (
        "Device: /dev/sdc, 8 Currently unreadable (pending) sectors."
    )


def test_relative_times_follow_the_clock() -> None:
    before = datetime.now(UTC)
    scenario = load_scenario()
    assert before - timedelta(days=3, hours=4, minutes=6) < scenario.system.boottime
    assert scenario.system.boottime < before - timedelta(days=3, hours=4, minutes=5)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("now", NOW),
        ("-3d", NOW - timedelta(days=3)),
        ("+2h30m", NOW + timedelta(hours=2, minutes=30)),
        ("-1.5h", NOW - timedelta(hours=1.5)),
        ("-1w", NOW - timedelta(weeks=1)),
        ("2026-01-02T03:04:05", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2026-01-02T03:04:05+02:00", datetime(2026, 1, 2, 1, 4, 5, tzinfo=UTC)),
        (0, datetime(1970, 1, 1, tzinfo=UTC)),
        (datetime(2026, 1, 1), datetime(2026, 1, 1, tzinfo=UTC)),  # noqa: DTZ001
    ],
)
def test_parse_time(value: Any, expected: datetime) -> None:
    assert parse_time(value, NOW) == expected


@pytest.mark.parametrize("value", ["yesterday", "-3x", True, None, [1]])
def test_parse_time_rejects(value: Any) -> None:
    with pytest.raises((TypeError, ValueError)):
        parse_time(value, NOW)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (123, 123),
        ("123", 123),
        ("2 KiB", 2048),
        ("1.5G", 1610612736),
        ("8 TB", 8 * 10**12),
        ("1 tib", 1024**4),
        ("3 MB", 3 * 10**6),
        ("1 PB", 10**15),
        ("10 B", 10),
    ],
)
def test_parse_size(value: Any, expected: int) -> None:
    assert parse_size(value) == expected


@pytest.mark.parametrize("value", [-1, "lots", "1 XB", "5 iB", True, 1.5, None])
def test_parse_size_rejects(value: Any) -> None:
    with pytest.raises((TypeError, ValueError)):
        parse_size(value)


def test_version_tuple() -> None:
    assert version_tuple("v25.10.2") == (25, 10, 2)
    assert version_tuple("27") == (27,)


def test_minimal_scenario_defaults() -> None:
    scenario = parse_scenario(MINIMAL, now=NOW)
    assert scenario.name == "scenario"
    assert scenario.api_versions == ["v25.10.1"]
    assert scenario.system.physical_cores == 2
    assert scenario.users[0].api_keys[0].id == 7
    assert scenario.users[0].api_keys[0].name == "u-key-7"
    assert scenario.users[0].roles == ["FULL_ADMIN"]
    pool = scenario.pools[0]
    assert pool.path == "/mnt/p"
    assert pool.size == 1024**4
    assert pool.scan is None
    assert pool.topology["data"][0].type == "DISK"
    assert pool.topology["log"] == []
    assert scenario.settings.alert_delay_seconds == 0


def test_pool_shorthand_and_status() -> None:
    pool = parse_pool({"name": "scratch", "disks": ["sde", "sdf"]}, "pool", NOW)
    assert [v.disk for v in pool.topology["data"]] == ["sde", "sdf"]
    assert pool.size == 8_000_000_000_000
    degraded = parse_pool(
        {
            "name": "m",
            "size": 100,
            "topology": {
                "data": [{"type": "MIRROR", "disks": ["a", {"disk": "b", "status": "FAULTED"}]}]
            },
        },
        "pool",
        NOW,
    )
    assert degraded.status == "DEGRADED"
    assert degraded.topology["data"][0].status == "DEGRADED"
    forced = parse_pool({"name": "f", "disks": ["a"], "status": "suspended"}, "pool", NOW)
    assert forced.status == "SUSPENDED"


def test_user_api_key_property_without_keys() -> None:
    scenario = parse_scenario(minimal(users=[{"username": "nokey"}]), now=NOW)
    with pytest.raises(AttributeError, match="no API key"):
        _ = scenario.users[0].api_key


def test_alert_texts() -> None:
    assert format_alert_text("Pool %(volume)s is %(state)s", {"volume": "tank"}) == (
        "Pool tank is %(state)s"
    )
    assert format_alert_text("%s and %s", ["a", "b"]) == "a and b"
    assert format_alert_text("%s", "x") == "x"
    assert format_alert_text("plain", None) == "plain"
    assert format_alert_text("%d", "x") == "%d"
    alert = alert_from_mapping({"klass": "K", "args": {"a": 1}, "text": "A=%(a)s"}, NOW)
    assert alert.formatted == "A=1"
    assert alert.level == "WARNING"
    assert alert.created_at == NOW
    assert alert.source == "K"
    with pytest.raises(ScenarioError, match="give 'formatted' or 'text'"):
        alert_from_mapping({"klass": "K", "args": {"a": 1}}, NOW)


ERRORS: list[tuple[dict[str, Any], str]] = [
    ({}, "system: required"),
    (minimal(schema=2), "schema: this simulator reads schema 1, the file has 2"),
    (minimal(bogus=1), "scenario: unknown key(s) bogus"),
    (minimal(system={"hostname": "x"}), "system.version: required"),
    (
        minimal(system={"hostname": "x", "version": "1", "cores": "many"}),
        "system.cores: expected an integer",
    ),
    (
        minimal(system={"hostname": "x", "version": "1", "loadavg": [1]}),
        "system.loadavg: expected three numbers",
    ),
    (
        minimal(system={"hostname": "x", "version": "1", "ecc_memory": "yes"}),
        "system.ecc_memory: expected true or false",
    ),
    (
        minimal(system={"hostname": "x", "version": "1", "boottime": "soon"}),
        "system.boottime: expected a time",
    ),
    (
        minimal(system={"hostname": "x", "version": "1", "physmem": "lots"}),
        "system.physmem: expected a size",
    ),
    (minimal(system={"hostname": ["x"], "version": "1"}), "system.hostname: expected a string"),
    (minimal(system="nas"), "system: expected a mapping, got str 'nas'"),
    (minimal(api_versions=["25.10"]), "api_versions[0]: expected a version like 'v25.10.2'"),
    (minimal(api_versions=["v1.0.0", "v1.0.0"]), "api_versions: duplicate versions"),
    (minimal(api_versions="v1.0.0"), "api_versions: expected a list"),
    (
        minimal(settings={"scan_event_interval_seconds": 0}),
        "settings.scan_event_interval_seconds: must be positive",
    ),
    (minimal(settings={"max_calls": 5}), "settings: need 1 <= max_running_calls <= max_calls"),
    (
        minimal(settings={"alert_delay_seconds": "soon"}),
        "settings.alert_delay_seconds: expected a number",
    ),
    (minimal(settings=[1]), "settings: expected a mapping"),
    (minimal(users=[{"api_keys": []}]), "users[0].username: required"),
    (
        minimal(users=[{"username": "a", "roles": [1]}]),
        "users[0].roles: expected a list of role names",
    ),
    (minimal(users=[{"username": "a"}, {"username": "a"}]), "users[1]: duplicate username 'a'"),
    (
        minimal(users=[{"username": "a", "api_keys": [{"key": "short"}]}]),
        "users[0].api_keys[0].key: expected '<id>-<64 letters/digits>'",
    ),
    (
        minimal(users=[{"username": "a", "api_keys": [{"key": KEY, "id": 8}]}]),
        "the key starts with 7- but id is 8",
    ),
    (
        minimal(
            users=[
                {"username": "a", "api_keys": [{"key": KEY}]},
                {"username": "b", "api_keys": [{"key": KEY}]},
            ]
        ),
        "users[1]: API key id 7 is used twice",
    ),
    (minimal(pools=[{"size": 1, "disks": ["a"]}]), "pools[0].name: required"),
    (
        minimal(pools=[{"name": "a b", "disks": ["a"]}]),
        "pools[0].name: expected a pool name without whitespace",
    ),
    (
        minimal(pools=[{"name": "p", "size": 1}]),
        "pools[0].topology.data: a pool needs at least one data vdev",
    ),
    (
        minimal(pools=[{"name": "p", "disks": ["a"], "topology": {"data": []}}]),
        "pools[0].disks: expected either 'disks' or 'topology'",
    ),
    (
        minimal(pools=[{"name": "p", "size": 1, "allocated": 2, "disks": ["a"]}]),
        "pools[0].allocated: expected at most size (1)",
    ),
    (
        minimal(pools=[{"name": "p", "disks": ["a"], "status": "BROKEN"}]),
        "pools[0].status: expected one of ONLINE",
    ),
    (
        minimal(pools=[{"name": "p", "topology": {"data": [{"type": "RAID5", "disks": ["a"]}]}}]),
        "pools[0].topology.data[0].type: expected one of RAIDZ1",
    ),
    (
        minimal(pools=[{"name": "p", "topology": {"data": [{"type": "MIRROR", "disks": ["a"]}]}}]),
        "expected at least 2 disks for MIRROR",
    ),
    (
        minimal(pools=[{"name": "p", "topology": {"data": [{"type": "RAIDZ2", "disks": []}]}}]),
        "pools[0].topology.data[0].disks: expected a non-empty list of disks",
    ),
    (
        minimal(pools=[{"name": "p", "topology": {"data": [{"type": "STRIPE", "disks": ["a"]}]}}]),
        "use one 'type: DISK' entry per disk",
    ),
    (
        minimal(pools=[{"name": "p", "topology": {"data": [{"disk": "a", "read_errors": -1.5}]}}]),
        "read_errors: expected an integer",
    ),
    (
        minimal(pools=[{"name": "p", "topology": {"data": [{"disk": "a", "speed": 1}]}}]),
        "pools[0].topology.data[0]: unknown key(s) speed",
    ),
    (
        minimal(pools=[{"name": "p", "topology": {"mirror": []}}]),
        "pools[0].topology: unknown key(s) mirror",
    ),
    (
        minimal(pools=[{"name": "p", "disks": ["a"], "scan": {"state": "RUNNING"}}]),
        "pools[0].scan.state: expected one of SCANNING",
    ),
    (
        minimal(pools=[{"name": "p", "disks": ["a"]}, {"name": "p", "disks": ["b"]}]),
        "pools[1]: duplicate pool name 'p'",
    ),
    (
        minimal(
            pools=[{"name": "p", "id": 3, "disks": ["a"]}, {"name": "q", "id": 3, "disks": ["b"]}]
        ),
        "pools[1]: duplicate pool id 3",
    ),
    (
        minimal(
            pools=[
                {"name": "p", "boot": True, "disks": ["a"]},
                {"name": "q", "boot": True, "disks": ["b"]},
            ]
        ),
        "pools: at most one pool may have 'boot: true'",
    ),
    (
        minimal(datasets=[{"name": "nopool/x"}]),
        "datasets[0].name: expected a dataset in one of the pools ['p']",
    ),
    (minimal(datasets=[{"name": "p/x"}, {"name": "p/x"}]), "datasets[1]: duplicate dataset 'p/x'"),
    (
        minimal(datasets=[{"name": "p/x", "type": "SNAPSHOT"}]),
        "datasets[0].type: expected one of FILESYSTEM, VOLUME",
    ),
    (
        minimal(datasets=[{"name": "p/x", "properties": [1]}]),
        "datasets[0].properties: expected a mapping",
    ),
    (minimal(alerts=[{"level": "INFO"}]), "alerts[0].klass: required"),
    (
        minimal(alerts=[{"klass": "K", "formatted": "x", "level": "LOUD"}]),
        "alerts[0].level: expected one of INFO",
    ),
    (minimal(jobs=[{"id": 1}]), "jobs[0].method: required"),
    (
        minimal(jobs=[{"method": "a", "id": 1}, {"method": "b", "id": 1}]),
        "jobs[1]: duplicate job id 1",
    ),
    (minimal(jobs=[{"method": "a", "state": "DONE"}]), "jobs[0].state: expected one of WAITING"),
    (minimal(users=[1]), "users[0]: expected a mapping, got int 1"),
    (
        minimal(system={"hostname": "x", "version": "1"}),
        "api_versions: required when system.version ('1')",
    ),
    (minimal(system={"hostname": "x", "version": "1.2.3", "model": "y" * 100}), "unknown"),
]


@pytest.mark.parametrize(("data", "message"), ERRORS)
def test_validation_errors(data: dict[str, Any], message: str) -> None:
    if message == "unknown":
        # Long values are shortened in messages, not rejected.
        parse_scenario(data, now=NOW)
        return
    with pytest.raises(ScenarioError) as info:
        parse_scenario(data, now=NOW)
    assert message in str(info.value)


def test_long_values_are_shortened_in_messages() -> None:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(minimal(api_versions="v" * 200), now=NOW)
    assert "..." in str(info.value)
    assert len(str(info.value)) < 120


def test_jobs_and_alerts_in_scenarios() -> None:
    scenario = parse_scenario(
        minimal(
            jobs=[
                {"method": "app.start", "arguments": ["plex"], "state": "RUNNING", "percent": 40}
            ],
            alerts=[{"klass": "K", "formatted": "x", "datetime": "-1h", "dismissed": True}],
        ),
        now=NOW,
    )
    assert scenario.jobs[0].id == 1
    assert scenario.jobs[0].state == "RUNNING"
    assert scenario.alerts[0].created_at == NOW - timedelta(hours=1)
    assert scenario.alerts[0].dismissed


def test_load_json_file(tmp_path: Path) -> None:
    path = tmp_path / "lab.json"
    path.write_text(json.dumps(MINIMAL), encoding="utf-8")
    scenario = load_scenario(path)
    assert scenario.name == "lab"
    assert scenario.source == path


def test_load_mapping() -> None:
    assert load_scenario(MINIMAL).system.hostname == "box"


def test_file_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="cannot read scenario"):
        load_scenario(tmp_path / "missing.yaml")
    bad_json = tmp_path / "bad.json"
    bad_json.write_text("{", encoding="utf-8")
    with pytest.raises(ScenarioError, match="invalid JSON"):
        load_scenario(bad_json)
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("a: [1\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="invalid YAML"):
        load_scenario(bad_yaml)
    invalid = tmp_path / "invalid.yaml"
    invalid.write_text("schema: 1\nsystem: {hostname: x}\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"invalid\.yaml: system\.version: required"):
        load_scenario(invalid)
    not_mapping = tmp_path / "list.yaml"
    not_mapping.write_text("- 1\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="scenario: expected a mapping"):
        load_scenario(not_mapping)


@dataclass(slots=True)
class _Filled:
    name: str
    count: int = 2
    ratio: float = 0.5
    on: bool = True
    note: str | None = None
    state: str = one_of(("UP", "DOWN"), "UP")
    size: int = size_field(1024)
    extra: dict[str, Any] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)


def test_reader_fill_reads_each_field_as_declared() -> None:
    data = {"name": "n", "state": "down", "size": "2 KiB", "extra": {"a": 1}, "tags": ["x"]}
    reader = _Reader(data, "thing")
    filled = reader.fill(_Filled, {"tags": [str(t) for t in reader.seq("tags")]}, count=7)
    assert filled == _Filled("n", 7, 0.5, True, None, "DOWN", 2048, {"a": 1}, ["x"])
    with pytest.raises(ScenarioError, match=r"^thing\.name: required$"):
        _Reader({}, "thing").fill(_Filled, {"tags": []})
    with pytest.raises(ScenarioError, match=r"thing\.state: expected one of UP, DOWN"):
        _Reader({"name": "n", "state": "sideways"}, "thing").fill(_Filled, {"tags": []})
    # A given field is known only under the key its parser read it from.
    with pytest.raises(ScenarioError, match=r"unknown key\(s\) tags"):
        _Reader({"name": "n", "tags": []}, "thing").fill(_Filled, {"tags": []})
    with pytest.raises(TypeError, match="tags"):
        _Reader({"name": "n"}, "thing").fill(_Filled)
