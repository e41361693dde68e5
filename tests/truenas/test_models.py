"""Model parsing: required fields fail loudly (invalid response), optional ones default."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.homelab.clients.truenas import (
    Alert,
    Event,
    Job,
    Pool,
    PoolScan,
    SystemInfo,
    TrueNASInvalidResponseError,
    Vdev,
)
from custom_components.homelab.clients.truenas._parse import (
    ejson_datetime,
    opt_float,
    opt_int,
    req_int,
)

DISK = {
    "name": "uuid-a",
    "type": "DISK",
    "status": "FAULTED",
    "stats": {"read_errors": 3, "write_errors": 1, "checksum_errors": 117},
    "children": [],
    "device": "sdb1",
    "disk": "sdb",
}
POOL: dict[str, Any] = {
    "id": 1,
    "name": "tank",
    "status": "DEGRADED",
    "healthy": False,
    "warning": False,
    "size": 1000,
    "allocated": 250,
    "free": 750,
    "fragmentation": "3",
    "scan": {
        "function": "SCRUB",
        "state": "FINISHED",
        "start_time": {"$date": 1785200000000},
        "end_time": {"$date": 1785210000000},
        "percentage": 100.0,
        "errors": 2,
    },
    "topology": {
        "data": [
            {
                "name": "raidz1-0",
                "type": "RAIDZ1",
                "status": "DEGRADED",
                "stats": {},
                "children": [
                    DISK,
                    {**DISK, "name": "uuid-b", "status": "ONLINE", "stats": {}, "disk": "sda"},
                ],
            }
        ],
        "log": [],
        "cache": [],
        "spare": [{**DISK, "name": "uuid-c", "status": "AVAIL", "stats": {}}],
    },
}


def test_pool_parses_topology_and_totals() -> None:
    pool = Pool.from_dict(POOL)
    assert pool.fragmentation == 3
    assert pool.used_percent == 25.0
    assert [disk.disk for disk in pool.disks()] == ["sdb", "sda", "sdb"]
    assert pool.read_errors == 3
    assert pool.write_errors == 1
    assert pool.checksum_errors == 117
    assert pool.disks_not_online == 2
    assert pool.scan is not None
    assert pool.scan.end_time is not None
    assert pool.scan.end_time.year == 2026
    assert pool.with_scan(None).scan is None
    assert pool.with_scan(None).topology == pool.topology


def test_pool_without_scan_or_topology() -> None:
    pool = Pool.from_dict({"id": 2, "name": "new", "status": "ONLINE", "healthy": True})
    assert pool.scan is None
    assert list(pool.disks()) == []
    assert pool.used_percent is None
    assert pool.fragmentation is None


@pytest.mark.parametrize("missing", ["id", "name", "status", "healthy"])
def test_pool_missing_required_field(missing: str) -> None:
    data = {key: value for key, value in POOL.items() if key != missing}
    with pytest.raises(TrueNASInvalidResponseError, match=missing):
        Pool.from_dict(data)


@pytest.mark.parametrize(
    "data",
    [
        None,
        [],
        "pool",
        {**POOL, "healthy": "yes"},
        {**POOL, "name": 5},
        {**POOL, "id": "one"},
        {**POOL, "topology": []},
        {**POOL, "topology": {"data": {}}},
        {**POOL, "scan": {"state": "FINISHED"}},
    ],
)
def test_pool_wrong_shapes(data: Any) -> None:
    with pytest.raises(TrueNASInvalidResponseError):
        Pool.from_dict(data)


def test_vdev_leaves() -> None:
    vdev = Vdev.from_dict(POOL["topology"]["data"][0])
    assert not vdev.is_leaf
    assert [leaf.name for leaf in vdev.leaves()] == ["uuid-a", "uuid-b"]


def test_system_info() -> None:
    info = SystemInfo.from_dict(
        {
            "version": "25.10.2",
            "hostname": "nas",
            "uptime_seconds": 12.5,
            "boottime": {"$date": 1785500000000},
            "cores": 12,
        }
    )
    assert info.boottime is not None
    assert info.cores == 12
    with pytest.raises(TrueNASInvalidResponseError):
        SystemInfo.from_dict({"hostname": "nas"})


def test_alert_and_job_and_event() -> None:
    alert = Alert.from_dict({"uuid": "u", "klass": "VolumeStatus", "level": "CRITICAL"})
    assert alert.is_critical
    assert not Alert.from_dict({"uuid": "u", "klass": "K", "level": "WARNING"}).is_critical
    job = Job.from_dict(
        {"id": 7, "method": "app.start", "state": "RUNNING", "progress": {"percent": 40}}
    )
    assert job.percent == 40
    assert not job.finished
    assert Job.from_dict({"id": 7, "method": "m", "state": "FAILED", "error": "x"}).finished
    event = Event.from_params({"msg": "added", "collection": "alert.list", "id": "u"})
    assert event.fields is None
    with pytest.raises(TrueNASInvalidResponseError):
        Event.from_params({"collection": "x"})


def test_scalar_readers() -> None:
    assert opt_int({"a": "12"}, "a") == 12
    assert opt_int({"a": "x"}, "a") is None
    assert opt_int({"a": True}, "a") is None
    assert opt_float({"a": "1.5"}, "a") == 1.5
    assert opt_float({"a": "x"}, "a") is None
    assert opt_float({"a": None}, "a") is None
    with pytest.raises(TrueNASInvalidResponseError):
        req_int({"a": "x"}, "a")
    assert ejson_datetime({"$date": 10**20}) is None
    assert ejson_datetime({"$date": "x"}) is None
    assert ejson_datetime(None) is None


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=6)
    ),
    max_leaves=30,
)
PARSERS = [
    Pool.from_dict,
    PoolScan.from_dict,
    Vdev.from_dict,
    SystemInfo.from_dict,
    Alert.from_dict,
    Job.from_dict,
    Event.from_params,
]


def _mutations() -> st.SearchStrategy[Any]:
    """Real-looking payloads with fields removed or replaced by arbitrary JSON."""
    return st.builds(
        lambda drop, replace, value: {
            **{k: v for k, v in POOL.items() if k not in drop},
            **dict.fromkeys(replace, value),
        },
        st.sets(st.sampled_from(sorted(POOL))),
        st.sets(st.sampled_from(sorted(POOL))),
        JSON,
    )


@settings(max_examples=300, deadline=None)
@given(payload=JSON | _mutations(), parser=st.sampled_from(PARSERS))
def test_fuzz_parsers_raise_only_invalid_response(payload: Any, parser: Any) -> None:
    """Arbitrary JSON either parses or raises the client's invalid-response error."""
    json.dumps(payload)  # the strategy only makes JSON
    with contextlib.suppress(TrueNASInvalidResponseError):
        parser(payload)
