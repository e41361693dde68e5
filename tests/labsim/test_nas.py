"""The NAS's own devices (#12): disks and their sleep, VMs, containers, services, update,
reboot, certificates, encrypted datasets and reporting.realtime, per release."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from labsim import LabSimulator, Scenario, load_scenario
from labsim.nas.entries import disk_identifier
from tests.labsim.conftest import ADMIN_USER, Connect
from tests.labsim.rpc_client import RpcClient

RELEASES = {
    "25.04": ("25.04.2.6", ["v25.04.0", "v25.04.2"]),
    "25.10": ("25.10.2", ["v25.04.2", "v25.10.0", "v25.10.2"]),
    "26": ("26.0.0", ["v25.10.2", "v26.0.0"]),
}


def on_release(release: str) -> Scenario:
    lab = load_scenario()
    lab.system.version, lab.api_versions = RELEASES[release][0], list(RELEASES[release][1])
    return lab


async def job_end(client: RpcClient, job_id: int) -> dict[str, Any]:
    """Wait for the job's last event (subscribe to core.get_jobs first)."""
    while True:
        params = await client.event("core.get_jobs")
        fields = params["fields"]
        if params["id"] == job_id and fields["state"] in {"SUCCESS", "FAILED"}:
            return dict(fields)


@pytest.fixture
def release() -> str:
    return "25.10"


@pytest.fixture
def scenario(release: str) -> Scenario:
    return on_release(release)


async def disk_log(sim: LabSimulator) -> list[dict[str, Any]]:
    log: list[dict[str, Any]] = await sim.control("GET", "/control/nas/disks/log")
    return log


# ---------------------------------------------------------------- disks


def test_disk_identifiers_follow_the_middleware() -> None:
    """`dev_to_ident` (middlewared/utils/disks.py, TS-25.04 to TS-26): serial and LUN id, else the
    serial, else the device name; the seed lab's disks have a serial and no LUN id."""
    assert disk_identifier("S64BNJ0R123456", "sda", "5000cca2") == (
        "{serial_lunid}S64BNJ0R123456_5000cca2"
    )
    assert disk_identifier("S64BNJ0R123456", "sda") == "{serial}S64BNJ0R123456"
    assert disk_identifier("", "sdz") == "{devicename}sdz"


@pytest.mark.parametrize("release", ["25.10"])
async def test_disk_query_identifies_disks_by_serial(client: RpcClient) -> None:
    disks = await client.call("disk.query")
    for disk in disks:
        assert disk["lunid"] is None
        assert disk["identifier"] == (
            f"{{serial}}{disk['serial']}" if disk["serial"] else f"{{devicename}}{disk['name']}"
        )


@pytest.mark.parametrize("release", ["25.04"])
async def test_2504_standby_powermode_never_queries_a_sleeping_disk(
    sim: LabSimulator, client: RpcClient
) -> None:
    disks = await client.call("disk.query")
    assert {d["name"] for d in disks} == {"sda", "sdb", "sdc", "sdd", "nvme0n1", "nvme1n1"}
    sdd = next(d for d in disks if d["name"] == "sdd")
    assert sdd["hddstandby"] == "30"
    assert sdd["pool"] == "tank"
    assert sdd["togglesmart"] is True
    temps = await client.call("disk.temperatures", [[], {"powermode": "STANDBY"}])
    assert temps["sdd"] is None
    assert temps["sda"] == 34
    (record,) = await disk_log(sim)
    assert "sdd" not in record["read"]
    assert record["woke"] == []
    assert record["skipped_standby"] == ["sdd"]
    assert (await sim.control("GET", "/control/nas"))["disks"]["sdd"]["standby"] is True
    # The default powermode (NEVER) wakes it; only_cached reaches nothing.
    await client.call("disk.temperatures", [["sdd"], {"cache": None}])
    assert (await disk_log(sim))[-1]["woke"] == ["sdd"]
    await client.call("disk.temperatures", [[], {"only_cached": True}])
    assert (await disk_log(sim))[-1]["read"] == []


@pytest.mark.parametrize("release", ["25.04"])
async def test_2504_smart_results_wake_the_disks_they_read(
    sim: LabSimulator, client: RpcClient
) -> None:
    results = await client.call("smart.test.results", [[["disk", "=", "sdc"]]])
    assert results[0]["tests"][0]["status"] == "FAILED"
    assert (await disk_log(sim))[-1]["read"] == ["sdc"]
    assert await client.call("disk.temperature", ["sda", {"powermode": "STANDBY"}]) == 34


async def test_2510_temperatures_refresh_every_disk_and_wake_sleepers(
    sim: LabSimulator, client: RpcClient
) -> None:
    assert await client.call("disk.temperature_agg", [["sdd"], 7])
    assert await disk_log(sim) == []
    temps = await client.call("disk.temperatures", [["sda"], True])
    assert temps == {"sda": [34.0, 60.0]}
    (record,) = await disk_log(sim)
    assert record["requested"] == ["sda"]
    assert "sdd" in record["read"]
    assert record["woke"] == ["sdd"]
    # Within the 5-minute cache nothing is read again; after it, everything is.
    await client.call("disk.temperatures", [])
    assert (await disk_log(sim))[-1]["read"] == []
    await sim.control("POST", "/control/nas/disks/sdd/standby", {"standby": True})
    await sim.control("POST", "/control/nas/clock", {"advance": 301})
    await client.call("disk.temperatures", [["sda"]])
    assert (await disk_log(sim))[-1]["woke"] == ["sdd"]
    error = await client.error("smart.test.results")
    assert error["code"] == -32601


async def test_a_disk_falls_asleep_after_its_standby_timer(sim: LabSimulator) -> None:
    await sim.control("POST", "/control/nas/disks/sdd/standby", {"standby": False})
    await sim.control("POST", "/control/nas/clock", {"advance": 29 * 60})
    assert (await sim.control("GET", "/control/nas"))["disks"]["sdd"]["standby"] is False
    await sim.control("POST", "/control/nas/clock", {"advance": 61})
    assert (await sim.control("GET", "/control/nas"))["disks"]["sdd"]["standby"] is True


# ---------------------------------------------------------------- VMs and containers


async def test_vm_start_fault_stop_job_and_events(sim: LabSimulator, admin: RpcClient) -> None:
    await admin.call("core.subscribe", ["core.get_jobs"])
    await admin.call("core.subscribe", ["vm.query"])
    await sim.control("POST", "/control/nas/vms/win11/fail_start", {"error": "no boot device"})
    error = await admin.error("vm.start", [2])
    assert "no boot device" in error["data"]["reason"]
    job_id = await admin.call("vm.stop", [1, {"force": True}])
    event = await admin.event("vm.query", "changed")
    assert event["id"] == 1
    assert event["state"] == "STOPPED"
    assert "devices" not in event["fields"]
    assert (await job_end(admin, job_id))["state"] == "SUCCESS"
    assert (await admin.call("vm.status", [1]))["state"] == "STOPPED"
    assert await admin.call("vm.start", [1]) is None
    await sim.control("POST", "/control/nas/vms", {"name": "debian", "memory": 1024})
    added = await admin.event("vm.query", "added")
    assert added["fields"]["name"] == "debian"
    await sim.control("DELETE", f"/control/nas/vms/{added['id']}")
    assert (await admin.event("vm.query", "removed"))["id"] == added["id"]


async def test_virt_instances_on_25x(admin: RpcClient) -> None:
    await admin.call("core.subscribe", ["core.get_jobs"])
    await admin.call("core.subscribe", ["virt.instance.query"])
    (instance,) = await admin.call("virt.instance.query")
    assert instance["id"] == "pihole"
    assert instance["status"] == "RUNNING"
    job_id = await admin.call("virt.instance.stop", ["pihole", {"timeout": -1, "force": False}])
    event = await admin.event("virt.instance.query", "changed")
    assert event["fields"] == {"status": "STOPPED"}
    assert (await job_end(admin, job_id))["result"] is True
    assert (await admin.error("container.query"))["code"] == -32601


@pytest.mark.parametrize("release", ["26"])
async def test_containers_on_26(admin: RpcClient) -> None:
    await admin.call("core.subscribe", ["container.query"])
    (container,) = await admin.call("container.query")
    assert container["status"]["state"] == "RUNNING"
    await admin.call("container.stop", [1, {"force": True}])
    event = await admin.event("container.query", "changed")
    assert event["fields"]["status"]["state"] == "STOPPED"
    assert (await admin.error("virt.instance.query"))["code"] == -32601


# ---------------------------------------------------------------- services


async def test_service_control_job_and_fault(sim: LabSimulator, admin: RpcClient) -> None:
    await admin.call("core.subscribe", ["core.get_jobs"])
    await admin.call("core.subscribe", ["service.query"])
    job_id = await admin.call("service.control", ["START", "nfs", {}])
    event = await admin.event("service.query", "changed")
    assert "id" not in event
    assert event["fields"]["state"] == "RUNNING"
    assert (await job_end(admin, job_id))["result"] is True
    await sim.control("POST", "/control/nas/services/ups/fail_start", {})
    job_id = await admin.call("service.control", ["START", "ups", {}])
    assert "not running" in (await job_end(admin, job_id))["error"]


@pytest.mark.parametrize("release", ["25.04"])
async def test_service_start_stop_on_2504(admin: RpcClient) -> None:
    assert await admin.call("service.stop", ["cifs", {}]) is True
    states = {s["service"]: s["state"] for s in await admin.call("service.query")}
    assert states["cifs"] == "STOPPED"
    assert states["ssh"] == "RUNNING"
    assert (await admin.error("service.control", ["START", "nfs", {}]))["code"] == -32601


# ---------------------------------------------------------------- update and power


async def test_update_fails_halfway(sim: LabSimulator, admin: RpcClient) -> None:
    status = await admin.call("update.status")
    assert status["status"]["new_version"]["version"] == "25.10.3"
    await admin.call("core.subscribe", ["core.get_jobs"])
    await sim.control("POST", "/control/nas/update/fail", {"at_percent": 50, "error": "boom"})
    await sim.control("POST", "/control/nas/clock", {"freeze": True})
    job_id = await admin.call("update.run", [{"reboot": False}])
    await sim.control("POST", "/control/nas/clock", {"advance": 20})
    job = await job_end(admin, job_id)
    assert job["state"] == "FAILED"
    assert job["error"] == "boom"
    assert job["progress"]["percent"] == 50


@pytest.mark.parametrize("release", ["25.04"])
async def test_update_on_2504_then_reboot_required(sim: LabSimulator, admin: RpcClient) -> None:
    available = await admin.call("update.check_available")
    assert available["status"] == "AVAILABLE"
    assert available["version"] == "25.10.3"
    await admin.call("core.subscribe", ["core.get_jobs"])
    await sim.control("POST", "/control/nas/clock", {"freeze": True})
    job_id = await admin.call("update.update", [{"reboot": False}])
    await sim.control("POST", "/control/nas/clock", {"advance": 20})
    assert (await job_end(admin, job_id))["result"] is True
    assert (await admin.call("update.check_available"))["status"] == "REBOOT_REQUIRED"


async def test_reboot_goes_away_and_comes_back(
    sim: LabSimulator, connect: Connect, http: aiohttp.ClientSession
) -> None:
    admin = await connect(login=ADMIN_USER)
    await admin.call("core.subscribe", ["system.reboot"])
    await sim.control("POST", "/control/nas/power/reboot_seconds", {"seconds": 90})
    await sim.control("POST", "/control/nas/clock", {"freeze": True})
    await admin.call("system.reboot", ["UPS on battery", {"delay": None}])
    assert (await admin.event("system.reboot", "added"))["fields"] == {"reason": "UPS on battery"}
    await admin.closed.wait()
    power = await sim.control("GET", "/control/nas/power")
    assert power["power"] == "REBOOTING"
    assert power["back_in"] == 90
    with pytest.raises(aiohttp.ClientConnectionError):
        await http.ws_connect(sim.url, ssl=False)
    await sim.control("POST", "/control/nas/clock", {"advance": 90})
    for _ in range(100):
        if (await sim.control("GET", "/control/nas/power"))["power"] == "ON":
            break
        await sim.control("POST", "/control/nas/clock", {"advance": 0})
    client = await connect()
    assert await client.call("core.get_jobs") == []


async def test_reboot_needs_full_admin(client: RpcClient) -> None:
    assert (await client.error("system.reboot", ["x"]))["data"]["errname"] == "EACCES"


# ---------------------------------------------------------------- certificates, datasets


@pytest.mark.parametrize("release", ["25.10", "26"])
async def test_certificates_and_ui_certificate(client: RpcClient, release: str) -> None:
    certs = await client.call("certificate.query")
    assert [c["name"] for c in certs] == ["truenas_default", "nas-lan-le"]
    assert certs[0]["privatekey"] == "********"
    assert certs[0]["expired"] is False
    general = await client.call("system.general.config")
    assert general["ui_certificate"] == "********"
    assert general.get("ui_certificate_name") == ("truenas_default" if release == "26" else None)


async def test_unlock_a_locked_dataset(sim: LabSimulator, admin: RpcClient) -> None:
    await sim.control(
        "POST",
        "/control/datasets",
        {
            "name": "tank/secure",
            "encrypted": True,
            "locked": True,
            "key_format": "PASSPHRASE",
            "passphrase": "correct horse",
        },
    )
    (secure,) = await admin.call("pool.dataset.query", [[["id", "=", "tank/secure"]]])
    assert secure["locked"] is True
    assert secure["key_format"]["value"] == "PASSPHRASE"
    await admin.call("core.subscribe", ["core.get_jobs"])
    wrong = [{"name": "tank/secure", "passphrase": "wrong"}]
    job = await job_end(
        admin, await admin.call("pool.dataset.unlock", ["tank/secure", {"datasets": wrong}])
    )
    assert job["result"]["failed"]["tank/secure"]["error"] == "Invalid Key"
    right = [{"name": "tank/secure", "passphrase": "correct horse"}]
    job = await job_end(
        admin, await admin.call("pool.dataset.unlock", ["tank/secure", {"datasets": right}])
    )
    assert job["result"] == {"unlocked": ["tank/secure"], "failed": {}}
    assert "correct horse" not in str(job["arguments"])
    assert "correct horse" not in str(await sim.control("GET", "/control/calls"))
    job = await job_end(
        admin, await admin.call("pool.dataset.unlock", ["tank/secure", {"datasets": right}])
    )
    assert job["state"] == "FAILED"
    assert "not locked" in job["error"]


# ---------------------------------------------------------------- reporting


@pytest.mark.parametrize("release", ["25.04", "26"])
async def test_reporting_realtime(client: RpcClient, release: str) -> None:
    name = 'reporting.realtime:{"interval": 2}'
    await client.call("core.subscribe", [name])
    fields = (await client.event(name, "added"))["fields"]
    assert set(fields) >= {"cpu", "disks", "interfaces", "memory", "zfs"}
    assert ("pools" in fields) is (release != "25.04")
    assert fields["interfaces"]["enp5s0"]["speed"] == 2500
    assert 90 <= fields["zfs"]["demand_data_hit_percentage"] <= 100
