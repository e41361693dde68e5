"""Disks against the simulator: devices, pool state, SMART, opt-in temperatures, no disk woken.

The proof that a sleeping disk is never woken reads the simulator's disk access log (`GET
/control/nas/disks/log`): every call that may reach a disk, with the disks it reached (`read`)
and those it woke (`woke`). The seed lab's `sdd` sleeps from the start; `sdb` is put to sleep.
"""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homelab.const import DOMAIN
from custom_components.homelab.nas.disks.options import CONF_DISK_TEMPERATURES, CONF_DISKS
from custom_components.homelab.nas.identifiers import disk_identifier, pool_identifier
from tests.backups_lab import release_lab
from tests.common import LabHandle, wait_for

from .conftest import disk_identifier_now, entry_data, set_up

pytestmark = pytest.mark.usefixtures("socket_enabled")

RELEASES = ["25.04.2", "25.10.2", "26.0.0"]


def state(hass: HomeAssistant, entity_id: str) -> str:
    current = hass.states.get(entity_id)
    assert current is not None, entity_id
    return current.state


async def disk_log(lab: LabHandle) -> list[dict[str, Any]]:
    log: list[dict[str, Any]] = await lab.control("GET", "/control/nas/disks/log")
    return log


async def test_disk_devices(
    hass: HomeAssistant, lab: LabHandle, device_registry: dr.DeviceRegistry
) -> None:
    """A device per disk under its pool, with its state; no temperature read by default."""
    entry = await set_up(hass, lab)
    device = device_registry.async_get_device_by_identifier(
        disk_identifier_now(entry, "sda"), entry.entry_id
    )
    assert device is not None
    assert device.name == "Disk sda"
    assert device.serial_number
    assert device.model
    pool = device_registry.async_get_device_by_identifier(
        pool_identifier(entry, "tank"), entry.entry_id
    )
    assert pool is not None
    assert device.via_device_id == pool.id
    assert state(hass, "sensor.disk_sda_state") == "online"
    assert state(hass, "sensor.disk_sda_pool") == "tank"
    assert state(hass, "sensor.disk_sda_vdev").startswith(("raidz", "mirror"))
    assert float(state(hass, "sensor.disk_sda_size")) > 7
    assert hass.states.get("sensor.disk_sda_temperature") is None
    # No SMART on 25.10 (gone from the API), no temperature without the option.
    assert hass.states.get("sensor.disk_sda_last_smart_test") is None
    assert await disk_log(lab) == []
    methods = {call["method"] for call in await lab.calls()}
    assert not {m for m in methods if m.startswith(("disk.temperature", "smart."))}


async def test_pool_state_follows_the_topology(hass: HomeAssistant, lab: LabHandle) -> None:
    """A degraded disk shows through the pushed pool data, with no disk call of its own."""
    await set_up(hass, lab)
    calls = len(await lab.calls())
    await lab.control("POST", "/control/pool/tank/disk/sdc/state", {"status": "FAULTED"})
    await wait_for(lambda: state(hass, "sensor.disk_sdc_state") == "faulted", timeout=5)
    assert not [c for c in (await lab.calls())[calls:] if c["method"].startswith("disk.")]


@pytest.mark.parametrize("version", RELEASES)
async def test_sleeping_disks_are_never_woken(hass: HomeAssistant, version: str) -> None:
    """With temperatures on, over an hour of lab time: no call wakes or reaches a sleeping disk."""
    with release_lab(version) as lab:
        await lab.control("POST", "/control/nas/disks/sdb/standby", {"standby": True})
        entry = await set_up(hass, lab, **{CONF_DISKS: {CONF_DISK_TEMPERATURES: True}})
        disks = entry.runtime_data.disks
        for _ in range(4):
            await lab.control("POST", "/control/nas/clock", {"advance": 900})
            await disks.async_refresh()
            await hass.async_block_till_done()
        log = await disk_log(lab)
        summary = await lab.control("GET", "/control/nas")
        assert summary["disks"]["sdd"]["standby"]
        assert summary["disks"]["sdb"]["standby"]
        for record in log:
            assert record["woke"] == [], record
            assert not {"sdb", "sdd"} & set(record["read"]), record
        if version == "25.04.2":
            # A live read: the awake disks have one, the sleeping ones read as unknown.
            assert float(state(hass, "sensor.disk_sda_temperature")) > 20
            assert state(hass, "sensor.disk_sdd_temperature") == "unknown"
            assert state(hass, "sensor.disk_sdb_temperature") == "unknown"
            assert log, "the temperatures were read"
            assert {r["method"] for r in log} <= {"disk.temperatures", "smart.test.results"}
            assert state(hass, "sensor.disk_sdc_last_smart_test") == "failed"
            assert state(hass, "sensor.disk_sda_last_smart_test") == "unknown"
            assert state(hass, "sensor.disk_sdd_last_smart_test") == "unknown"
        else:
            # No safe live read exists: the last day from the reporting history, reaching none.
            assert float(state(hass, "sensor.disk_sda_temperature_24_h_maximum")) > 20
            assert float(state(hass, "sensor.disk_sdd_temperature_24_h_mean")) > 20
            assert hass.states.get("sensor.disk_sda_temperature") is None
            # temperature_agg reads the reporting database: nothing the disk log records.
            assert log == []
            methods = {call["method"] for call in await lab.calls()}
            assert "disk.temperature_agg" in methods
            assert "disk.temperatures" not in methods
            assert "smart.test.results" not in methods
        assert await hass.config_entries.async_unload(entry.entry_id)


async def test_default_25_04_reads_smart_only_of_awake_disks(hass: HomeAssistant) -> None:
    """Temperatures off: a standby-safe probe, then SMART results of the awake disks only."""
    with release_lab("25.04.2") as lab:
        entry = await set_up(hass, lab)
        log = await disk_log(lab)
        assert [r["method"] for r in log] == ["disk.temperatures", "smart.test.results"]
        assert log[0]["skipped_standby"] == ["sdd"]
        assert "sdd" not in log[1]["requested"]
        assert all(record["woke"] == [] for record in log)
        assert hass.states.get("sensor.disk_sda_temperature") is None
        assert state(hass, "sensor.disk_sdc_last_smart_test") == "failed"
        assert state(hass, "sensor.disk_sdc_last_smart_test_at_power_on_hours") == "21950"
        assert await hass.config_entries.async_unload(entry.entry_id)


async def test_disks_once_keyed_by_kernel_name_keep_their_entities(
    hass: HomeAssistant,
    lab: LabHandle,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    """Disks are keyed by TrueNAS's identifier, not `sda` (which a reboot may give another
    disk); a device and entities made under the kernel name are re-keyed, settings kept."""
    entry = MockConfigEntry(domain=DOMAIN, title="nas", unique_id=lab.host_id, data=entry_data(lab))
    entry.add_to_hass(hass)
    old = device_registry.async_get_or_create(
        config_entry_id=entry.entry_id, identifiers={disk_identifier(entry, "sda")}
    )
    made = entity_registry.async_get_or_create(
        "sensor",
        DOMAIN,
        f"{entry.unique_id}_disk_sda_state",
        config_entry=entry,
        device_id=old.id,
        suggested_object_id="first_disk_state",
    )
    entity_registry.async_update_entity(made.entity_id, name="First disk")
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    key = next(key for key, name in entry.runtime_data.disks.data.keys.items() if name == "sda")
    assert key != "sda"
    assert key.startswith("{serial}")  # as TrueNAS builds it for a disk with no LUN id
    device = device_registry.async_get(old.id)
    assert device is not None
    assert device.identifiers == {disk_identifier(entry, key)}
    moved = entity_registry.async_get(made.entity_id)
    assert moved is not None
    assert (moved.unique_id, moved.name, moved.device_id) == (
        f"{entry.unique_id}_disk_{key}_state",
        "First disk",
        old.id,
    )
    assert state(hass, made.entity_id) == "online"
    # The other disks' devices were made under their keys from the start.
    assert not [
        identifier
        for device in dr.async_entries_for_config_entry(device_registry, entry.entry_id)
        for identifier in device.identifiers
        if identifier[1].startswith(f"{entry.unique_id}_disk_sd")
    ]
