"""The method table: result shapes as the reference payloads show them."""

from __future__ import annotations

import asyncio
import time

import pytest

from labsim import LabSimulator, Scenario
from labsim.errors import ValidationErrors
from labsim.methods import METHODS, arg
from labsim.rpc import CallContext, Method
from labsim.scenario import Dataset
from labsim.state import human_size
from tests.labsim.rpc_client import RpcClient

POOL_KEYS = {
    "id",
    "name",
    "guid",
    "status",
    "path",
    "scan",
    "expand",
    "is_upgraded",
    "healthy",
    "warning",
    "status_code",
    "status_detail",
    "size",
    "allocated",
    "free",
    "freeing",
    "dedup_table_size",
    "dedup_table_quota",
    "fragmentation",
    "size_str",
    "allocated_str",
    "free_str",
    "freeing_str",
    "autotrim",
    "topology",
}
SCAN_KEYS = {
    "function",
    "state",
    "start_time",
    "end_time",
    "percentage",
    "bytes_to_process",
    "bytes_processed",
    "bytes_issued",
    "pause",
    "errors",
    "total_secs_left",
}
STATS_KEYS = {
    "timestamp",
    "read_errors",
    "write_errors",
    "checksum_errors",
    "ops",
    "bytes",
    "size",
    "allocated",
    "fragmentation",
    "self_healed",
    "configured_ashift",
    "logical_ashift",
    "physical_ashift",
}


def ms_ago(value: dict[str, int]) -> float:
    """Seconds since an EJSON date."""
    return time.time() - value["$date"] / 1000


async def test_system_info(client: RpcClient) -> None:
    info = await client.call("system.info")
    assert set(info) == {
        "version",
        "buildtime",
        "hostname",
        "physmem",
        "model",
        "cores",
        "physical_cores",
        "loadavg",
        "uptime",
        "uptime_seconds",
        "system_serial",
        "system_product",
        "system_product_version",
        "license",
        "boottime",
        "datetime",
        "timezone",
        "system_manufacturer",
        "ecc_memory",
    }
    assert info["hostname"] == "nas"
    assert info["version"] == "25.10.2"
    assert info["model"].startswith("AMD Ryzen 5 5600G")
    assert info["cores"] == 12
    assert info["physmem"] == 68719476736
    assert info["timezone"] == "Europe/Berlin"
    assert set(info["boottime"]) == {"$date"}
    assert abs(ms_ago(info["datetime"])) < 5
    assert info["uptime_seconds"] == pytest.approx(ms_ago(info["boottime"]), abs=5)
    assert info["uptime"].startswith("3 days, 4:05")


async def test_host_id(client: RpcClient, sim: LabSimulator) -> None:
    host_id = await client.call("system.host_id")
    assert host_id == sim.state.host_id
    assert len(host_id) == 64


async def test_pool_query_shape(client: RpcClient) -> None:
    pools = await client.call("pool.query", [[], {}])
    assert [pool["name"] for pool in pools] == ["tank"]  # never the boot pool
    tank = pools[0]
    assert set(tank) == POOL_KEYS
    assert tank["id"] == 1
    assert tank["guid"] == "1234567890123456789"
    assert tank["path"] == "/mnt/tank"
    assert tank["status"] == "ONLINE"
    assert tank["healthy"] is True
    assert tank["warning"] is False
    assert tank["status_code"] == "OK"
    assert tank["status_detail"] is None
    assert tank["size"] == 23991808425984
    assert tank["allocated"] == 8000000000000
    assert tank["free"] == 15991808425984
    assert tank["size_str"] == "23991808425984"
    assert tank["fragmentation"] == "3"
    assert tank["autotrim"] == {
        "parsed": "off",
        "rawvalue": "off",
        "value": "off",
        "source": "DEFAULT",
        "source_info": None,
    }
    scan = tank["scan"]
    assert set(scan) == SCAN_KEYS
    assert scan["function"] == "SCRUB"
    assert scan["state"] == "FINISHED"
    assert scan["errors"] == 0
    assert 3 * 86400 - 60 < ms_ago(scan["end_time"]) < 3 * 86400 + 60
    topology = tank["topology"]
    assert set(topology) == {"data", "log", "cache", "spare", "special", "dedup"}
    (vdev,) = topology["data"]
    assert vdev["type"] == "RAIDZ1"
    assert vdev["name"] == "raidz1-0"
    assert vdev["status"] == "ONLINE"
    assert set(vdev["stats"]) == STATS_KEYS
    assert vdev["stats"]["size"] == tank["size"]
    assert [disk["disk"] for disk in vdev["children"]] == ["sda", "sdb", "sdc", "sdd"]
    disk = vdev["children"][0]
    assert disk["type"] == "DISK"
    assert disk["device"] == "sda1"
    assert disk["path"] == f"/dev/disk/by-partuuid/{disk['name']}"
    assert disk["children"] == []
    assert disk["unavail_disk"] is None
    assert disk["stats"]["read_errors"] == disk["stats"]["checksum_errors"] == 0
    assert disk["stats"]["size"] == tank["size"] // 3  # RAIDZ1 of four: three data disks


async def test_pool_query_filters(client: RpcClient) -> None:
    assert await client.call("pool.query", [[["name", "=", "nope"]]]) == []
    assert await client.call("pool.query", [[], {"count": True}]) == 1
    tank = await client.call("pool.query", [[["id", "=", 1]], {"get": True, "select": ["name"]}])
    assert tank == {"name": "tank"}
    error = await client.error("pool.query", [[["id", "=", 9]], {"get": True}])
    assert error["code"] == -32001
    assert error["data"]["error"] == 22
    assert error["data"]["errname"] == "EINVAL"
    assert error["data"]["reason"] == "MatchNotFound()"
    assert error["data"]["trace"]["class"] == "MatchNotFound"
    error = await client.error("pool.query", [[["id", "bad", 1]]])
    assert error["code"] == -32602
    assert error["data"]["extra"] == [["filters", "Value error, Invalid operation: bad", 22]]


async def test_pool_query_runtime_errors_are_call_errors(client: RpcClient) -> None:
    error = await client.error("pool.query", [[["name", ">", 5]]])
    assert error["code"] == -32001
    assert error["data"]["errname"] == "EINVAL"
    assert "not supported between" in error["data"]["reason"]


async def test_boot_pool(client: RpcClient) -> None:
    boot = await client.call("boot.get_state")
    assert boot["name"] == "boot-pool"
    # BootGetState is a PoolEntry without id and guid.
    assert "id" not in boot
    assert "guid" not in boot
    assert boot["topology"]["data"][0]["type"] == "MIRROR"
    assert [d["device"] for d in boot["topology"]["data"][0]["children"]] == [
        "nvme0n1p3",
        "nvme1n1p3",
    ]


async def test_dataset_query_cheap_form(client: RpcClient) -> None:
    result = await client.call(
        "pool.dataset.query",
        [
            [["id", "=", "tank/applications/nextcloud"]],
            {
                "extra": {
                    "retrieve_children": False,
                    "properties": ["used", "available"],
                    "retrieve_user_props": False,
                }
            },
        ],
    )
    assert result == [
        {
            "id": "tank/applications/nextcloud",
            "type": "FILESYSTEM",
            "name": "tank/applications/nextcloud",
            "pool": "tank",
            "encrypted": False,
            "encryption_root": None,
            "key_loaded": False,
            "locked": False,
            "mountpoint": "/mnt/tank/applications/nextcloud",
            "children": [],
            "used": {
                "parsed": 412 * 1024**3,
                "rawvalue": str(412 * 1024**3),
                "value": "412 GiB",
                "source": "NONE",
                "source_info": None,
            },
            "available": {
                "parsed": 15991808425984,
                "rawvalue": "15991808425984",
                "value": "14.54 TiB",
                "source": "NONE",
                "source_info": None,
            },
        }
    ]


async def test_dataset_query_full(client: RpcClient) -> None:
    datasets = await client.call("pool.dataset.query", [])
    names = [ds["name"] for ds in datasets]
    assert names[:2] == ["tank", "tank/applications"]
    assert len(names) == 12
    assert "boot-pool" not in names
    tank = datasets[0]
    assert tank["used"]["parsed"] == 8000000000000
    assert tank["compression"]["source"] == "LOCAL"
    apps = datasets[1]
    children = [child["name"] for child in apps["children"]]
    assert "tank/applications/ollama" in children
    child_sum = sum(child["used"]["parsed"] for child in apps["children"])
    assert apps["used"]["parsed"] == child_sum + 98304
    assert apps["usedbychildren"]["parsed"] == child_sum
    assert apps["user_properties"] == {}
    assert apps["compression"]["source"] == "INHERITED"
    roots = await client.call("pool.dataset.query", [[], {"extra": {"flat": False}}])
    assert [ds["name"] for ds in roots] == ["tank"]
    assert roots[0]["children"][0]["name"] == "tank/applications"


async def test_dataset_query_validation(client: RpcClient) -> None:
    error = await client.error("pool.dataset.query", [[], {"extra": {"properties": "used"}}])
    assert error["data"]["extra"] == [
        ["options.extra.properties", "Input should be a valid list of strings", 22]
    ]
    error = await client.error("pool.dataset.query", [[], {"extra": {"flat": 1}}])
    assert error["data"]["extra"] == [["options.extra.flat", "Input should be a valid boolean", 22]]


async def test_dataset_properties_from_scenario(sim: LabSimulator, client: RpcClient) -> None:
    dataset = sim.state.datasets[0]
    dataset.properties = {
        "comments": "documents",
        "readonly": {"parsed": True, "rawvalue": "on", "value": "ON", "source": "LOCAL"},
    }
    dataset.user_properties = {"org:owner": "ha"}
    dataset.quota = 20 * 1024**3
    item = await client.call("pool.dataset.query", [[["id", "=", dataset.name]], {"get": True}])
    assert item["comments"]["value"] == "documents"
    assert item["readonly"]["parsed"] is True
    assert item["user_properties"]["org:owner"]["value"] == "ha"
    assert item["quota"]["value"] == "20 GiB"
    assert item["available"]["parsed"] == 20 * 1024**3 - dataset.used  # type: ignore[operator]


async def test_explicit_root_dataset(sim: LabSimulator, client: RpcClient) -> None:
    sim.state.datasets.append(Dataset(name="tank", compression="ZSTD"))
    root = await client.call("pool.dataset.query", [[["id", "=", "tank"]], {"get": True}])
    assert root["compression"]["value"] == "ZSTD"
    assert root["used"]["parsed"] == 8000000000000


def test_human_size() -> None:
    assert human_size(0) == "0 B"
    assert human_size(2199023255552) == "2 TiB"
    assert human_size(1536) == "1.5 KiB"
    assert human_size(5 * 1024**6) == "5120 PiB"


async def test_alert_list(client: RpcClient) -> None:
    alerts = await client.call("alert.list")
    assert len(alerts) == 2
    info = alerts[0]
    assert set(info) == {
        "uuid",
        "source",
        "klass",
        "args",
        "node",
        "key",
        "datetime",
        "last_occurrence",
        "dismissed",
        "mail",
        "text",
        "id",
        "level",
        "formatted",
        "one_shot",
    }
    assert info["uuid"] == info["id"]
    assert info["klass"] == "HasUpdate"
    assert info["level"] == "INFO"
    assert info["node"] == "Controller A"
    assert alerts[1]["level"] == "WARNING"


async def test_alert_dismiss_and_restore(admin: RpcClient) -> None:
    await admin.call("core.subscribe", ["alert.list"])
    uuid = (await admin.call("alert.list"))[0]["uuid"]
    assert await admin.call("alert.dismiss", [uuid]) is None
    event = await admin.event("alert.list", "changed")
    assert event["id"] == uuid
    assert event["fields"]["dismissed"] is True
    assert (await admin.call("alert.list"))[0]["dismissed"] is True
    await admin.call("alert.restore", [uuid])
    assert (await admin.event("alert.list", "changed"))["fields"]["dismissed"] is False
    error = await admin.error("alert.dismiss", ["nope"])
    assert error["data"]["errname"] == "ENOENT"
    assert error["data"]["reason"] == "[ENOENT] Alert 'nope' does not exist"


async def test_core_get_jobs(client: RpcClient, sim: LabSimulator) -> None:
    assert await client.call("core.get_jobs") == []
    await client.call("core.subscribe", ["core.get_jobs"])
    job = await sim.control(
        "POST",
        "/control/jobs",
        {"method": "app.start", "arguments": ["plex"], "duration_seconds": 0.2, "result": True},
    )
    added = await client.event("core.get_jobs", "added")
    assert added["id"] == job["id"]
    # Added as WAITING, then run (as the middleware's JobsQueue does).
    assert added["fields"]["state"] == "WAITING"
    assert added["fields"]["time_started"] is None
    assert added["fields"]["method"] == "app.start"
    running = await client.event("core.get_jobs", "changed")
    assert running["fields"]["state"] == "RUNNING"
    assert set(running["fields"]["time_started"]) == {"$date"}
    done = await client.event("core.get_jobs", "changed")
    assert done["fields"]["state"] == "SUCCESS"
    assert done["fields"]["progress"]["percent"] == 100
    assert done["fields"]["result"] is True
    jobs = await client.call("core.get_jobs", [[["id", "=", job["id"]]]])
    assert jobs[0]["state"] == "SUCCESS"
    assert set(jobs[0]) == {
        "id",
        "message_ids",
        "method",
        "arguments",
        "transient",
        "description",
        "abortable",
        "logs_path",
        "logs_excerpt",
        "progress",
        "result",
        "result_encoding_error",
        "error",
        "exception",
        "exc_info",
        "state",
        "time_started",
        "time_finished",
        "credentials",
    }


async def test_failing_job_with_progress(client: RpcClient, sim: LabSimulator) -> None:
    await client.call("core.subscribe", ["core.get_jobs"])
    await sim.control(
        "POST",
        "/control/jobs",
        {"method": "replication.run", "arguments": [3], "duration_seconds": 2.2, "error": "boom"},
    )
    await client.event("core.get_jobs", "added")
    running = await client.event("core.get_jobs", "changed")
    assert running["fields"]["state"] == "RUNNING"
    progress = await client.event("core.get_jobs", "changed")
    assert progress["fields"]["progress"]["percent"] == 50
    assert progress["fields"]["state"] == "RUNNING"
    failed = await client.event("core.get_jobs", "changed", timeout=5)
    assert failed["fields"]["state"] == "FAILED"
    assert failed["fields"]["error"] == "boom"
    assert failed["fields"]["exc_info"]["type"] == "CallError"
    assert set(failed["fields"]["time_finished"]) == {"$date"}


def test_methods_table_is_documented() -> None:
    for name, method in METHODS.items():
        assert method.handler.__doc__, name
        assert "." in name


def test_arg_helper() -> None:
    ctx = CallContext(session=None, state=None, method="x", params=[1, True, "s", {}])  # type: ignore[arg-type]
    assert arg(ctx, 0, "a", int) == 1
    assert arg(ctx, 1, "b", bool) is True
    assert arg(ctx, 9, "z", int, default=5) == 5
    for index, kind, message in (
        (1, int, "Input should be a valid integer"),
        (0, bool, "Input should be a valid boolean"),
        (0, str, "Input should be a valid string"),
        (0, dict, "Input should be a valid dictionary"),
        (9, int, "Field required"),
    ):
        with pytest.raises(ValidationErrors) as info:
            arg(ctx, index, "name", kind)
        assert info.value.errors == [("name", message, 22)]


async def test_async_handlers_are_awaited(sim: LabSimulator, client: RpcClient) -> None:
    async def slow_echo(ctx: CallContext) -> object:
        """Echo after a pause."""
        await asyncio.sleep(0.01)
        return ctx.params

    rpc = sim._rpc
    assert rpc is not None
    rpc.methods = {**rpc.methods, "test.echo": Method(slow_echo, 3)}
    assert await client.call("test.echo", [1, "a"]) == [1, "a"]


async def test_boot_pool_datasets_are_not_listed(scenario: Scenario) -> None:
    scenario.datasets.append(Dataset(name="boot-pool/ROOT"))
    async with LabSimulator(scenario, tls=False) as sim:
        names = [d["name"] for d in sim.state.dataset_entries()]
        assert "boot-pool/ROOT" not in names
