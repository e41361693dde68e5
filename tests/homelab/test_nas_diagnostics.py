"""Disks and watched datasets in the TrueNAS entry's diagnostics and in the LLM's `lab_status`.

Diagnostics are attached to bug reports: a disk's serial is redacted, and neither the API key nor
a dataset's passphrase may appear. `lab_status` goes to a language model: a few figures per
watched dataset, no more.
"""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.homelab.const import DOMAIN
from custom_components.homelab.llm_api import lab_status
from custom_components.homelab.nas.backups.options import CONF_BACKUPS, CONF_DATASETS
from custom_components.homelab.nas.disks.options import CONF_DISK_TEMPERATURES, CONF_DISKS
from custom_components.homelab.nas.identifiers import dataset_identifier
from tests.backups_lab import release_lab
from tests.common import LabHandle

from .conftest import set_up

pytestmark = pytest.mark.usefixtures("socket_enabled")

SECURE = "tank/secure"
QUOTED = "tank/applications/quoted"
N8N = "tank/applications/n8n"
PASSPHRASE = "diagnostics never hold this 4Rt"
GIB = 1024**3
REDACTED = "**REDACTED**"


async def add_datasets(lab: LabHandle) -> None:
    """A dataset with a quota, and an encrypted one, locked."""
    await lab.control("POST", "/control/datasets", {"name": QUOTED, "used": 2 * GIB,
                                                     "quota": 10 * GIB})  # fmt: skip
    await lab.control("POST", "/control/datasets", {
        "name": SECURE, "encrypted": True, "locked": True,
        "key_format": "PASSPHRASE", "passphrase": PASSPHRASE,
    })  # fmt: skip


WATCHED = {CONF_BACKUPS: {CONF_DATASETS: ["*/applications/*", SECURE]}}


async def test_disks_and_datasets_in_diagnostics(
    hass: HomeAssistant, hass_client: ClientSessionGenerator
) -> None:
    """25.04 with temperatures on: each disk's model, pool, state, temperature, last SMART test;
    each watched dataset's space and lock. Serials, the API key and the passphrase never."""
    with release_lab("25.04.2") as lab:
        await add_datasets(lab)
        entry = await set_up(hass, lab, **WATCHED, **{CONF_DISKS: {CONF_DISK_TEMPERATURES: True}})
        serials = {name: disk.serial for name, disk in entry.runtime_data.disks.data.disks.items()}
        await hass.services.async_call(
            DOMAIN,
            "unlock_dataset",
            {"device_id": _dataset_device(hass, entry, SECURE), "passphrase": PASSPHRASE},
            blocking=True,
        )
        await hass.async_block_till_done()
        diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    text = str(diagnostics)
    assert all(serials.values())
    for serial in serials.values():
        assert serial not in text
    for secret in (lab.api_key, PASSPHRASE):
        assert secret not in text

    section = diagnostics["disks"]
    assert section["temperatures_enabled"] is True
    assert section["live_temperatures"] is True
    disks = section["disks"]
    assert set(disks) == set(serials)
    assert {disk["serial"] for disk in disks.values()} == {REDACTED}
    sda = disks["sda"]
    assert sda["model"] == "WDC WD80EFPX-68C4ZN0"
    assert (sda["pool"], sda["state"]) == ("tank", "ONLINE")
    assert 20 < sda["temperature"] < 60
    # The seed lab's failing disk, and the one that sleeps (never read: no temperature).
    assert disks["sdc"]["last_smart_test"]["status"] == "FAILED"
    assert disks["sdd"]["temperature"] is None

    datasets = diagnostics["datasets"]
    assert datasets[QUOTED]["quota"] == 10 * GIB
    assert datasets[QUOTED]["used"] == 2 * GIB
    assert datasets[N8N]["compressratio"] == 1.0
    assert (datasets[N8N]["encrypted"], datasets[N8N]["locked"]) == (False, None)
    # Unlocked by the action above.
    assert (datasets[SECURE]["encrypted"], datasets[SECURE]["locked"]) == (True, False)
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_datasets_in_lab_status(hass: HomeAssistant) -> None:
    """Exposed watched datasets: used and available GiB, a quota if set, the lock if encrypted."""
    with release_lab("25.10.2") as lab:
        await add_datasets(lab)
        entry = await set_up(hass, lab, **WATCHED)
        exposed = {
            device.id
            for device in dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
        }
        (server,) = lab_status(hass, exposed)["servers"]
        datasets: dict[str, Any] = server["backups"]["datasets"]  # type: ignore[index, call-overload]
        assert datasets[QUOTED]["quota_gib"] == 10.0
        assert datasets[QUOTED]["used_gib"] == 2.0
        assert datasets[QUOTED]["available_gib"] == 8.0
        assert "quota_gib" not in datasets[N8N]
        assert "locked" not in datasets[N8N]
        assert datasets[SECURE]["locked"] is True
        # Small: the snapshot figures and these, nothing more.
        assert set(datasets[N8N]) == {"newest_snapshot", "stale", "used_gib", "available_gib"}
        # A dataset whose device is not exposed is left out.
        hidden = _dataset_device(hass, entry, QUOTED)
        (server,) = lab_status(hass, exposed - {hidden})["servers"]
        assert QUOTED not in server["backups"]["datasets"]  # type: ignore[index, call-overload, operator]
        assert await hass.config_entries.async_unload(entry.entry_id)


def _dataset_device(hass: HomeAssistant, entry: MockConfigEntry, name: str) -> str:
    device = dr.async_get(hass).async_get_device_by_identifier(
        dataset_identifier(entry, name), entry.entry_id
    )
    assert device is not None, name
    return device.id
