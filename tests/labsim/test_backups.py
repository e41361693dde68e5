"""The simulator's backups: tasks, jobs, the backup clock, and what listing snapshots costs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import copy
from datetime import UTC, datetime, timedelta
from pathlib import Path
import time
from typing import Any

import pytest
import yaml

from labsim import ControlError, LabSimulator, Scenario, ScenarioError, load_scenario
from labsim.cron import Cron, CronError, parse_field
from labsim.snapshots import SECONDS_PER_SNAPSHOT_WITH_PROPERTIES
from tests.labsim.conftest import ADMIN_USER, Connect
from tests.labsim.rpc_client import RpcClient

DEFAULT = Path(__file__).parents[2] / "labsim" / "scenarios" / "default.yaml"
APP_DATASETS = 10


def lab_data(version: str = "25.10.2", **backups: Any) -> dict[str, Any]:
    """The default scenario as data, at a TrueNAS version, with backups overrides."""
    data = yaml.safe_load(DEFAULT.read_text())
    data["system"]["version"] = version
    known = ["v25.04.0", "v25.04.2", "v25.10.0", "v25.10.2", "v26.0.0"]
    data["api_versions"] = [v for v in known if v[1:6] <= version[:5]]
    data["backups"].update(backups)
    return data


def make_scenario(version: str = "25.10.2", **backups: Any) -> Scenario:
    return load_scenario(lab_data(version, **backups))


@pytest.fixture
async def lab26() -> AsyncIterator[LabSimulator]:
    async with LabSimulator(make_scenario("26.0.0")) as simulator:
        yield simulator


@pytest.fixture
async def lab2504() -> AsyncIterator[LabSimulator]:
    async with LabSimulator(make_scenario("25.04.2")) as simulator:
        yield simulator


async def cost(sim: LabSimulator) -> dict[str, Any]:
    return await sim.control("GET", "/control/snapshot_cost")


async def fast_jobs(sim: LabSimulator, kind: str, task_id: int, seconds: float = 0.3) -> None:
    await sim.control("POST", f"/control/backups/{kind}/{task_id}/set", {"seconds": seconds})


# ---------------------------------------------------------------- cron


def allowed(text: str, field: str) -> set[int]:
    cron_field = parse_field(text, field)
    return {value for value in range(61) if value in cron_field}


def test_cron_fields() -> None:
    assert allowed("*/15", "minute") == {0, 15, 30, 45}
    assert allowed("1-5", "dow") == {1, 2, 3, 4, 5}
    assert allowed("sun,7", "dow") == {0, 7}  # Sunday, by both its numbers
    assert allowed("jan,dec", "month") == {1, 12}
    assert allowed("10/20", "minute") == {10, 30, 50}
    for bad, field in (("61", "minute"), ("x", "hour"), ("*/0", "minute")):
        with pytest.raises(CronError):
            parse_field(bad, field)
    with pytest.raises(CronError, match="HH:MM"):
        Cron.parse({"begin": "late"})


def test_cron_fires() -> None:
    hourly = Cron.parse({"minute": "0", "begin": "08:00", "end": "10:00"})
    start = datetime(2026, 11, 1, 7, 30, tzinfo=UTC)
    fires = list(hourly.fires_between(start, start + timedelta(days=1)))
    assert [f.hour for f in fires] == [8, 9, 10]
    assert hourly.next_after(start) == datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    assert hourly.fires_before(start, 2) == [
        datetime(2026, 10, 31, 9, 0, tzinfo=UTC),
        datetime(2026, 10, 31, 10, 0, tzinfo=UTC),
    ]
    overnight = Cron.parse({"minute": "0", "begin": "22:00", "end": "01:00"})
    assert [t.hour for t in overnight.tod] == [0, 1, 22, 23]
    # dom and dow both restricted: either matches (cron semantics).
    either = Cron.parse({"minute": "0", "hour": "0", "dom": "1", "dow": "mon"})
    days = {f.day for f in either.fires_between(start, start + timedelta(days=10))}
    assert days == {2, 9}  # Mondays (Nov 1 itself is at 00:00, before the start)
    # A bare * leaves the day to the other field.
    mondays = Cron.parse({"minute": "0", "hour": "12", "dow": "mon"})
    assert {f.day for f in mondays.fires_between(start, start + timedelta(days=10))} == {2, 9}
    firsts = Cron.parse({"minute": "0", "hour": "12", "dom": "1", "dow": "*"})
    assert {f.day for f in firsts.fires_between(start, start + timedelta(days=10))} == {1}
    # Sunday is 0 and 7 (Nov 1 2026 is one).
    for sunday in ("0", "7", "sun"):
        sundays = Cron.parse({"minute": "0", "hour": "12", "dow": sunday})
        assert {f.day for f in sundays.fires_between(start, start + timedelta(days=10))} == {1, 8}
    never = Cron.parse({"dom": "31", "month": "2"})
    assert never.next_after(start, horizon_days=400) is None
    assert Cron.parse({"hour": "3"}).tod[0].hour == 3


# ---------------------------------------------------------------- scenario


def test_default_backups_section() -> None:
    section = load_scenario().sections["backups"]
    assert [task.dataset for task in section.snapshot_tasks] == [
        "tank/applications",
        "tank/applications/qbittorrent",
    ]
    assert section.replications[0].periodic_snapshot_tasks == [1]
    assert section.cloudsyncs[1].error is not None


@pytest.mark.parametrize(
    ("backups", "message"),
    [
        ({"snapshot_tasks": [{"dataset": "tank"}]}, "a schedule mapping"),
        ({"snapshot_tasks": [{"dataset": "tank", "schedule": {"minute": "99"}}]}, "outside"),
        (
            {"snapshot_tasks": [{"id": 1, "dataset": "tank", "schedule": {}}] * 2},
            "duplicate ids",
        ),
        (
            {"replication_tasks": [{"name": "r", "target_dataset": "b", "source_datasets": []}]},
            "give a schedule or periodic_snapshot_tasks",
        ),
        (
            {"replication_tasks": [{"name": "r", "target_dataset": "b", "source_datasets": [1]}]},
            "list of strings",
        ),
        ({"generate": {"datasets": 0}}, "datasets >= 1"),
        ({"generate": {"interval": "soon"}}, "a duration"),
        ({"bogus": 1}, "unknown key"),
    ],
)
def test_backups_section_errors(backups: dict[str, Any], message: str) -> None:
    data = yaml.safe_load(DEFAULT.read_text())
    data["backups"] = {"clock": "-0s", **backups}
    with pytest.raises(ScenarioError, match=message):
        load_scenario(data)


def test_generate_at_scale_is_quick() -> None:
    from labsim.backups import backups_of  # noqa: PLC0415
    from labsim.state import LabState  # noqa: PLC0415

    async def build() -> Any:
        state = LabState(
            make_scenario(generate={"datasets": 2000, "snapshots": 100000, "interval": "30m"})
        )
        return state, backups_of(state)

    started = time.perf_counter()
    state, lab = asyncio.run(build())
    assert time.perf_counter() - started < 10
    generated = [name for name in lab.store.by_dataset if name.startswith("tank/archive/")]
    assert len(generated) == 2000
    assert sum(lab.store.count(name) for name in generated) == 100000
    assert len([d for d in state.datasets if d.name.startswith("tank/archive/")]) == 2000


# ---------------------------------------------------------------- methods per version


@pytest.mark.parametrize(
    ("version", "missing"),
    [
        (
            "25.04.2",
            {"pool.snapshot.query", "pool.snapshot.create", "zfs.resource.query",
             "zfs.resource.snapshot.query", "zfs.resource.snapshot.count"},
        ),
        (
            "25.10.2",
            {"zfs.resource.snapshot.query", "zfs.resource.snapshot.count"},
        ),
        ("26.0.0", {"zfs.snapshot.query", "zfs.snapshot.create"}),
    ],
)  # fmt: skip
async def test_methods_follow_the_version(
    connect: Connect, version: str, missing: set[str]
) -> None:
    async with LabSimulator(make_scenario(version)) as simulator:
        client = await connect(simulator)
        for method in (
            "zfs.snapshot.query", "zfs.snapshot.create", "pool.snapshot.query",
            "pool.snapshot.create", "zfs.resource.query", "zfs.resource.snapshot.query",
            "zfs.resource.snapshot.count", "pool.snapshottask.query", "replication.query",
            "cloudsync.query",
        ):  # fmt: skip
            reply = await client.request(method, [[]] if "query" in method else [{}])
            not_found = reply.get("error", {}).get("code") == -32601
            assert not_found == (method in missing), method
        if version.startswith("25.10"):
            # A private service on 25.10 (plugins/zfs_/snapshot.py): no role grants it.
            admin = await connect(simulator, login=ADMIN_USER)
            for method in ("zfs.snapshot.query", "zfs.snapshot.create"):
                error = await client.error(method, [[]] if "query" in method else [{}])
                assert error["data"]["errname"] == "EACCES", method
            assert isinstance(await admin.call("zfs.snapshot.query", [[]]), list)


# ---------------------------------------------------------------- snapshot queries and cost


async def test_legacy_query_rules(sim: LabSimulator, client: RpcClient) -> None:
    await sim.control("DELETE", "/control/snapshot_cost")
    total = (await sim.control("GET", "/control/backups"))["snapshots"]
    nextcloud = "tank/applications/nextcloud"
    # Names fast path: the dataset filter is pushed down, only that dataset is read.
    names = await client.call(
        "pool.snapshot.query", [[["dataset", "=", nextcloud]], {"select": ["name"]}]
    )
    assert len(names) == 337
    assert names[-1] == {"name": f"{nextcloud}@auto-" + names[-1]["name"].split("@auto-")[1]}
    assert (await cost(sim))["names_only"] == 337
    # `in` and a recursive pool filter are pushed down too.
    both = await client.call(
        "pool.snapshot.query",
        [[["dataset", "in", [nextcloud, "tank/applications/n8n"]]], {"select": ["name"]}],
    )
    assert len(both) == 337 + 336
    pool = await client.call("pool.snapshot.query", [[["pool", "=", "tank"]], {"count": True}])
    assert pool == total
    # Count without filters: cached, no snapshot is read.
    before = await cost(sim)
    assert await client.call("pool.snapshot.query", [[], {"count": True}]) == total
    after = await cost(sim)
    assert after["enumerated"] == before["enumerated"]
    # A single id filter reads one snapshot with its properties.
    newest = names[-1]["name"]
    [entry] = await client.call(
        "pool.snapshot.query", [[["id", "=", newest]], {"extra": {"properties": ["creation"]}}]
    )
    assert entry["dataset"] == nextcloud
    assert set(entry["properties"]) == {"creation"}
    assert int(entry["properties"]["creation"]["rawvalue"]) > 0
    assert (await cost(sim))["with_properties"] == 1
    # The trap: a dataset filter with properties reads every snapshot on the system.
    await sim.control("DELETE", "/control/snapshot_cost")
    entries = await client.call(
        "pool.snapshot.query", [[["dataset", "=", nextcloud]], {"extra": {"properties": None}}]
    )
    assert len(entries) == 337
    spent = await cost(sim)
    assert spent["with_properties"] == total
    assert spent["server_seconds"] == pytest.approx(
        total * SECONDS_PER_SNAPSHOT_WITH_PROPERTIES, rel=0.01
    )
    assert spent["methods"]["pool.snapshot.query"]["calls"] == 1
    # min_txg is applied in the kernel: skipped snapshots are not enumerated.
    txg = int(entries[-1]["createtxg"])
    await sim.control("DELETE", "/control/snapshot_cost")
    newer = await client.call(
        "pool.snapshot.query",
        [[["dataset", "=", nextcloud]], {"select": ["name"], "extra": {"min_txg": txg}}],
    )
    assert len(newer) == 1
    assert (await cost(sim))["skipped"] == 336
    error = await client.error(
        "pool.snapshot.query", [[], {"select": ["name"], "extra": {"min_txg": "x"}}]
    )
    assert error["code"] == -32602


async def test_resource_methods(lab26: LabSimulator, connect: Connect) -> None:
    client = await connect(lab26)
    nextcloud = "tank/applications/nextcloud"
    changed = await client.call(
        "zfs.resource.query", [{"paths": [nextcloud], "properties": ["snapshots_changed"]}]
    )
    [entry] = changed
    assert entry["name"] == nextcloud
    assert entry["properties"]["snapshots_changed"]["value"] > 0
    everything = await client.call("zfs.resource.query", [{"properties": None}])
    assert len(everything) == 12
    assert everything[0]["properties"] is None
    children = await client.call(
        "zfs.resource.query", [{"paths": ["tank"], "get_children": True, "get_source": True}]
    )
    assert len(children) == 12
    for bad in ([{"paths": ["tank@x"]}], [{"paths": ["nope"]}], [{"paths": "tank"}],
                [{"paths": ["tank", "tank"]}], [{"properties": 3}], [{"min_txg": "x"}],
                [{"recursive": 1}], ["x"]):  # fmt: skip
        assert (await client.error("zfs.resource.query", bad))["code"] == -32602
    await lab26.control("DELETE", "/control/snapshot_cost")
    counts = await client.call("zfs.resource.snapshot.count", [{"paths": [nextcloud]}])
    assert counts == {nextcloud: 337}
    assert (await cost(lab26))["enumerated"] == 0
    recursive = await client.call(
        "zfs.resource.snapshot.count", [{"paths": ["tank/applications"], "recursive": True}]
    )
    assert recursive[nextcloud] == 337
    roots = await client.call("zfs.resource.snapshot.count", [{}])
    assert set(roots) == {"tank"}
    assert (await client.error("zfs.resource.snapshot.count", [{"paths": ["x"]}]))["code"] == -32602
    snaps = await client.call(
        "zfs.resource.snapshot.query", [{"paths": [nextcloud], "properties": ["creation"]}]
    )
    assert len(snaps) == 337
    newest = max(snaps, key=lambda s: s["createtxg"])
    assert newest["properties"]["creation"]["value"] == int(newest["properties"]["creation"]["raw"])
    assert (await cost(lab26))["with_properties"] == 337
    newer = await client.call(
        "zfs.resource.snapshot.query",
        [{"paths": [nextcloud], "properties": ["creation"], "min_txg": newest["createtxg"]}],
    )
    assert [s["name"] for s in newer] == [newest["name"]]
    one = await client.call("zfs.resource.snapshot.query", [{"paths": [newest["name"]]}])
    assert one[0]["properties"]["creation"]["value"] > 0
    names = await client.call(
        "zfs.resource.snapshot.query",
        [{"paths": ["tank/applications"], "recursive": True, "properties": None}],
    )
    assert len(names) > 3000
    assert names[0]["properties"] is None
    for bad in ([{"paths": ["tank@nope"]}], [{"paths": ["nope"]}]):
        assert (await client.error("zfs.resource.snapshot.query", bad))["code"] == -32602
    await lab26.control("DELETE", "/control/snapshot_cost")
    every = await client.call("zfs.resource.snapshot.query", [{}])
    assert (await cost(lab26))["enumerated"] == len(every)


async def test_snapshot_create(
    sim: LabSimulator, client: RpcClient, lab2504: LabSimulator, connect: Connect
) -> None:
    entry = await client.call(
        "pool.snapshot.create",
        [{"dataset": "tank/applications", "name": "ha-manual-1", "recursive": True}],
    )
    assert entry["name"] == "tank/applications@ha-manual-1"
    assert entry["properties"] == {}
    assert int(entry["createtxg"]) > 0
    children = await client.call(
        "pool.snapshot.query", [[["name", "$", "@ha-manual-1"]], {"select": ["name"]}]
    )
    assert len(children) == 11
    duplicate = await client.error(
        "pool.snapshot.create", [{"dataset": "tank/applications/n8n", "name": "ha-manual-1"}]
    )
    assert duplicate["code"] == -32602
    assert duplicate["data"]["extra"][0][2] == 17  # EEXIST
    schema = await client.call(
        "pool.snapshot.create", [{"dataset": "tank", "naming_schema": "x-%Y"}]
    )
    assert schema["snapshot_name"].startswith("x-20")
    for bad in (
        {"dataset": "tank"},
        {"dataset": "tank", "name": "a", "naming_schema": "b"},
        {"dataset": "tank", "name": "bad name"},
        {"dataset": "nope", "name": "a"},
        {"name": "a"},
        {"dataset": "tank", "name": "a", "recursive": "yes"},
    ):
        assert (await client.error("pool.snapshot.create", [bad]))["code"] == -32602, bad
    assert (await client.error("pool.snapshot.create", ["x"]))["code"] == -32602
    old = await connect(lab2504)
    created = await old.call("zfs.snapshot.create", [{"dataset": "tank", "name": "one"}])
    assert created["id"] == "tank@one"
    again = await old.error("zfs.snapshot.create", [{"dataset": "tank", "name": "one"}])
    assert again["code"] == -32001
    assert again["data"]["errname"] == "EEXIST"


# ---------------------------------------------------------------- tasks and jobs


async def test_snapshot_task_run(sim: LabSimulator, client: RpcClient) -> None:
    [task] = await client.call("pool.snapshottask.query", [[["id", "=", 1]]])
    assert task["state"]["state"] == "FINISHED"
    assert task["schedule"]["hour"] == "*"
    before = task["state"]["datetime"]
    await sim.control("POST", "/control/backups/advance", {"seconds": 90})
    assert await client.call("pool.snapshottask.run", [1]) is None
    [running] = await client.call("pool.snapshottask.query", [[["id", "=", 1]]])
    assert running["state"]["state"] == "RUNNING"
    await asyncio.sleep(1.2)
    [done] = await client.call("pool.snapshottask.query", [[["id", "=", 1]]])
    assert done["state"]["state"] == "FINISHED"
    assert done["state"]["datetime"] != before
    disabled = await client.error("pool.snapshottask.run", [2])
    assert disabled["data"]["reason"] == "[EFAULT] Task is not enabled"
    missing = await client.error("pool.snapshottask.run", [9])
    assert missing["data"]["errname"] == "ENOENT"
    assert (await client.error("pool.snapshottask.run", ["1"]))["code"] == -32602
    assert (await client.error("pool.snapshottask.run", []))["code"] == -32602
    await sim.control("POST", "/control/backups/snapshot_task/1/fail_next", {})
    await client.call("pool.snapshottask.run", [1])
    await asyncio.sleep(1.2)
    [failed] = await client.call("pool.snapshottask.query", [[["id", "=", 1]]])
    assert failed["state"]["state"] == "ERROR"
    assert "out of space" in failed["state"]["error"]


async def test_replication_job(sim: LabSimulator, client: RpcClient) -> None:
    await fast_jobs(sim, "replication", 1, 0.5)
    await client.call("core.subscribe", ["core.get_jobs"])
    job_id = await client.call("replication.run", [1])
    added = await client.event("core.get_jobs", "added")
    assert added["id"] == job_id
    assert added["fields"]["method"] == "replication.run"
    assert added["fields"]["arguments"] == [1]
    assert added["fields"]["state"] == "WAITING"
    running = await client.event("core.get_jobs", "changed")
    assert running["fields"]["state"] == "RUNNING"
    changed = await client.event("core.get_jobs", "changed")
    assert 0 < changed["fields"]["progress"]["percent"] < 100
    [task] = await client.call("replication.query", [[["id", "=", 1]]])
    assert task["state"]["state"] == "RUNNING"
    assert task["state"]["progress"]["bytes_total"] == int(3.4 * 1024**3)
    assert task["job"]["id"] == job_id
    again = await client.call("replication.run", [1])
    while True:
        event = await client.event("core.get_jobs", "changed")
        if event["id"] == again and event["fields"]["state"] != "RUNNING":
            break
    assert event["fields"]["state"] == "FAILED"
    assert event["fields"]["error"] == "[EFAULT] Task is already running"
    while (event := await client.event("core.get_jobs", "changed"))["fields"]["state"] == "RUNNING":
        pass
    assert event["fields"]["state"] == "SUCCESS"
    [task] = await client.call("replication.query", [[["id", "=", 1]]])
    assert task["state"]["state"] == "FINISHED"
    assert task["job"]["state"] == "SUCCESS"
    await sim.control("POST", "/control/backups/replication/1/fail_next", {"error": "boom"})
    failing = await client.call("replication.run", [1])
    while (event := await client.event("core.get_jobs", "changed"))["id"] != failing or event[
        "fields"
    ]["state"] == "RUNNING":
        pass
    assert event["fields"]["error"] == "boom"
    [task] = await client.call("replication.query", [[["id", "=", 1]]])
    assert task["state"] == {**task["state"], "state": "ERROR", "error": "boom"}
    await sim.control("POST", "/control/backups/replication/1/set", {"state": "HOLD"})
    held = await client.call("replication.run", [1])
    [job] = await client.call("core.get_jobs", [[["id", "=", held]]])
    assert job["error"] == "[EFAULT] Task is on hold"
    await sim.control("POST", "/control/backups/replication/1/set", {"enabled": False})
    off = await client.call("replication.run", [1])
    [job] = await client.call("core.get_jobs", [[["id", "=", off]]])
    assert job["error"] == "[EFAULT] Task is not enabled"


@pytest.mark.parametrize(
    ("method", "error"),
    [
        ("replication.run", "[ENOENT] None: Replication 99 does not exist"),
        ("cloudsync.sync", "[ENOENT] None: CloudSync 99 does not exist"),
    ],
)
async def test_unknown_task_gives_a_failed_job(client: RpcClient, method: str, error: str) -> None:
    """The task is looked up inside the job: an unknown id is a job that fails (WAITING first)."""
    await client.call("core.subscribe", ["core.get_jobs"])
    job_id = await client.call(method, [99])
    states = []
    while True:
        event = await client.event("core.get_jobs")
        assert event["id"] == job_id
        states.append(event["fields"]["state"])
        if event["fields"]["state"] == "FAILED":
            break
    assert states == ["WAITING", "RUNNING", "FAILED"]
    assert event["fields"]["error"] == error
    assert event["fields"]["arguments"] == [99]


async def test_cloudsync_queue_abort_and_lock(sim: LabSimulator, client: RpcClient) -> None:
    await fast_jobs(sim, "cloudsync", 1, 5)
    [task] = await client.call("cloudsync.query", [[["id", "=", 1]], {"select": ["job", "locked"]}])
    assert task["job"]["id"] is None
    assert task["job"]["state"] == "SUCCESS"
    first = await client.call("cloudsync.sync", [1])
    queued = await client.call("cloudsync.sync", [1, {"dry_run": False}])
    assert await client.call("cloudsync.sync", [1]) == queued
    [job] = await client.call("core.get_jobs", [[["id", "=", queued]]])
    assert job["state"] == "WAITING"
    [task] = await client.call("cloudsync.query", [[["id", "=", 1]]])
    assert task["job"]["id"] == first
    assert task["job"]["state"] == "RUNNING"
    assert await client.call("cloudsync.abort", [1]) is True
    await asyncio.sleep(0.05)
    [aborted] = await client.call("core.get_jobs", [[["id", "=", first]]])
    assert aborted["state"] == "ABORTED"
    [running] = await client.call("core.get_jobs", [[["id", "=", queued]]])
    assert running["state"] == "RUNNING"
    assert await client.call("cloudsync.abort", [1]) is True
    await asyncio.sleep(0.05)
    assert await client.call("cloudsync.abort", [1]) is False
    assert (await client.error("cloudsync.sync", [1, "x"]))["code"] == -32602
    await sim.control("POST", "/control/backups/cloudsync/1/set", {"locked": True})
    locked = await client.call("cloudsync.sync", [1])
    [job] = await client.call("core.get_jobs", [[["id", "=", locked]]])
    assert job["state"] == "FAILED"
    assert job["error"] == "[EFAULT] Dataset is locked"
    [task] = await client.call("cloudsync.query", [[["id", "=", 1]]])
    assert task["locked"] is True
    assert task["job"]["error"] == "[EFAULT] Dataset is locked"


async def test_cloudsync_success_and_failure(sim: LabSimulator, client: RpcClient) -> None:
    await fast_jobs(sim, "cloudsync", 2, 0.3)
    await sim.control("POST", "/control/backups/cloudsync/2/fail_next", {})
    job_id = await client.call("cloudsync.sync", [2])
    await asyncio.sleep(0.6)
    [job] = await client.call("core.get_jobs", [[["id", "=", job_id]]])
    assert job["error"] == "Failed to upload: 401 Unauthorized (bad_auth_token)"
    job_id = await client.call("cloudsync.sync", [2])
    await asyncio.sleep(0.6)
    [task] = await client.call("cloudsync.query", [[["id", "=", 2]]])
    assert task["job"]["state"] == "SUCCESS"
    assert task["job"]["progress"]["percent"] == 100


async def test_stall_holds_a_job(sim: LabSimulator, client: RpcClient) -> None:
    await fast_jobs(sim, "replication", 1, 0.3)
    await sim.control("POST", "/control/backups/replication/1/stall", {"stalled": True})
    job_id = await client.call("replication.run", [1])
    await asyncio.sleep(0.5)
    [job] = await client.call("core.get_jobs", [[["id", "=", job_id]]])
    assert job["state"] == "RUNNING"
    await sim.control("POST", "/control/backups/replication/1/stall", {"stalled": False})
    await asyncio.sleep(0.5)
    [job] = await client.call("core.get_jobs", [[["id", "=", job_id]]])
    assert job["state"] == "SUCCESS"


# ---------------------------------------------------------------- the backup clock


# Start moments on different weekdays (the weekly cloud sync runs on Saturdays at 05:00): the
# test once passed only when started between Thursday 05:00 and Saturday 05:00 UTC. Each is half
# an hour off the hour: the simulator records a scheduled run whole, with its finish time, at the
# moment it fires, so a start just after a fire would see a finish still in the future.
WEEK_STARTS = [
    "2026-11-30T09:30:00+00:00",  # Monday
    "2026-12-03T05:30:00+00:00",  # Thursday, just after the old window opened
    "2026-12-05T04:30:00+00:00",  # Saturday, before the weekly run
    "2026-12-05T05:30:00+00:00",  # Saturday, after it
    "2026-12-06T23:30:00+00:00",  # Sunday night
]


@pytest.mark.parametrize("start", WEEK_STARTS)
async def test_schedules_run_as_time_passes(start: str, connect: Connect) -> None:
    """A week on the backup clock: every schedule, the weekly one too, comes round once more."""
    async with LabSimulator(make_scenario(clock=start)) as sim:
        client = await connect(sim)
        summary = await sim.control("GET", "/control/backups")
        assert summary["clock"] - datetime.fromisoformat(start) < timedelta(minutes=1)
        await _a_week_passes(sim, client, summary)


async def _a_week_passes(sim: LabSimulator, client: RpcClient, summary: dict[str, Any]) -> None:
    n8n = "tank/applications/n8n"
    count = await client.call("pool.snapshot.query", [[["dataset", "=", n8n]], {"count": True}])
    advanced = await sim.control("POST", "/control/backups/advance", {"seconds": 7 * 86400})
    assert advanced["snapshots"] == summary["snapshots"]  # a week taken, a week pruned
    after = await client.call("pool.snapshot.query", [[["dataset", "=", n8n]], {"count": True}])
    assert after == count
    [task] = await client.call("pool.snapshottask.query", [[["id", "=", 1]]])
    assert task["state"]["state"] == "FINISHED"
    ran = datetime.fromtimestamp(task["state"]["datetime"]["$date"] / 1000, UTC)
    clock = advanced["clock"]
    assert timedelta(0) < clock - ran < timedelta(hours=1)
    [rep] = await client.call("replication.query", [[["id", "=", 1]]])
    [sync] = await client.call("cloudsync.query", [[["id", "=", 2]]])
    assert rep["state"]["state"] == "FINISHED"
    assert sync["job"]["state"] == "SUCCESS"  # its weekly run (Saturday) came and succeeded
    finished = datetime.fromtimestamp(sync["job"]["time_finished"]["$date"] / 1000, UTC)
    assert timedelta(0) < clock - finished <= timedelta(days=7)


async def test_age_pauses_a_task(sim: LabSimulator, client: RpcClient) -> None:
    for kind in ("snapshot_task", "replication", "cloudsync"):
        result = await sim.control("POST", f"/control/backups/{kind}/1/age", {"hours": 30})
        assert result["paused"] is True
    await sim.control("POST", "/control/backups/advance", {"seconds": 7200})
    summary = await sim.control("GET", "/control/backups")
    assert summary["snapshot_tasks"]["1"]["paused"] is True
    [task] = await client.call("pool.snapshottask.query", [[["id", "=", 1]]])
    [rep] = await client.call("replication.query", [[["id", "=", 1]]])
    [sync] = await client.call("cloudsync.query", [[["id", "=", 1]]])
    clock = summary["clock"].timestamp() * 1000
    for moment in (
        task["state"]["datetime"],
        rep["state"]["datetime"],
        sync["job"]["time_finished"],
    ):
        assert clock - moment["$date"] == pytest.approx(32 * 3600 * 1000, abs=5000)
    resumed = await sim.control("POST", "/control/backups/snapshot_task/1/age", {"resume": True})
    assert resumed == {"paused": False}


async def test_control_errors(sim: LabSimulator) -> None:
    for method, path, body in (
        ("POST", "/control/backups/nope/1/fail_next", {}),
        ("POST", "/control/backups/replication/x/fail_next", {}),
        ("POST", "/control/backups/replication/1/stall", {"stalled": "yes"}),
        ("POST", "/control/backups/replication/1/age", {"hours": -1}),
        ("POST", "/control/backups/advance", {"seconds": "x"}),
        ("POST", "/control/backups/version", {"version": "new"}),
        ("POST", "/control/backups/snapshots", {"dataset": 1}),
        ("POST", "/control/backups/snapshots", {"dataset": "nope", "name": "x"}),
        ("POST", "/control/snapshot_cost/delay", {"factor": -1}),
        ("POST", "/control/backups/advance", [1]),
    ):
        with pytest.raises(ControlError):
            await sim.control(method, path, body)


async def test_control_runs_and_snapshots(sim: LabSimulator, client: RpcClient) -> None:
    assert await sim.control("POST", "/control/backups/snapshot_task/1/run") == {"started": True}
    started = await sim.control("POST", "/control/backups/cloudsync/1/run")
    await fast_jobs(sim, "replication", 1, 0.2)
    rep = await sim.control("POST", "/control/backups/replication/1/run")
    assert rep["job_id"] > started["job_id"]
    made = await sim.control(
        "POST", "/control/backups/snapshots", {"dataset": "tank/applications/n8n", "name": "ext"}
    )
    assert made["name"] == "tank/applications/n8n@ext"
    delay = await sim.control("POST", "/control/snapshot_cost/delay", {"factor": 1})
    assert delay == {"factor": 1.0}
    started_at = time.perf_counter()
    await client.call("pool.snapshot.query", [[["id", "=", made["name"]]]])
    assert time.perf_counter() - started_at >= 0.001


async def test_set_version(sim: LabSimulator, connect: Connect) -> None:
    result = await sim.control(
        "POST", "/control/backups/version", {"version": "26.0.0", "drop": True}
    )
    assert result["api_versions"][-1] == "v26.0.0"
    client = await connect()
    info = await client.call("system.info")
    assert info["version"] == "26.0.0"
    assert await client.call("zfs.resource.snapshot.count", [{"paths": ["tank"]}]) == {"tank": 0}
    older = await sim.control("POST", "/control/backups/version", {"version": "25.04.1"})
    assert older["api_versions"] == ["v25.04.0", "v25.04.1"]
    client = await connect()
    assert (await client.error("pool.snapshot.query", [[]]))["code"] == -32601


def test_scenario_copies_are_independent() -> None:
    scenario = make_scenario()
    clone = copy.deepcopy(scenario)
    assert clone.sections["backups"].snapshot_tasks[0].id == 1
