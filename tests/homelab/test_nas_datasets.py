"""Watched datasets: space sensors, the lock sensor of encrypted ones, `homelab.unlock_dataset`.

The sensors read the `pool.dataset.query` the backups coordinator makes anyway (no extra call).
The passphrase must reach neither a log record nor the simulator's call log unredacted.
"""

from __future__ import annotations

import logging

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homelab.const import DOMAIN
from custom_components.homelab.nas.backups.options import CONF_BACKUPS, CONF_DATASETS
from custom_components.homelab.nas.identifiers import dataset_identifier, pool_identifier
from labsim import LabSimulator, load_scenario
from tests.backups_lab import release_lab, seed_data
from tests.common import LabHandle

from .conftest import set_up

pytestmark = pytest.mark.usefixtures("socket_enabled")

RELEASES = ["25.04.2", "25.10.2", "26.0.0"]
SECURE = "tank/secure"
PASSPHRASE = "correct horse battery staple 7Qx"
WRONG = "not-the-passphrase-9Zk"
LOCK = "binary_sensor.tank_secure_encryption_lock"
N8N = "sensor.tank_applications_n8n"
MIB = 1024**2
GIB = 1024**3


def state(hass: HomeAssistant, entity_id: str) -> str:
    current = hass.states.get(entity_id)
    assert current is not None, entity_id
    return current.state


def dataset_device(hass: HomeAssistant, entry: MockConfigEntry, name: str) -> str:
    device = dr.async_get(hass).async_get_device_by_identifier(
        dataset_identifier(entry, name), entry.entry_id
    )
    assert device is not None, name
    return device.id


async def unlock(hass: HomeAssistant, device_id: str, passphrase: str) -> None:
    await hass.services.async_call(
        DOMAIN,
        "unlock_dataset",
        {"device_id": device_id, "passphrase": passphrase},
        blocking=True,
    )


@pytest.mark.parametrize("version", RELEASES)
async def test_dataset_space_sensors(hass: HomeAssistant, version: str) -> None:
    """Used, available, quota and compression ratio of a watched dataset, from the one query."""
    with release_lab(version) as lab:
        await lab.control("POST", "/control/datasets", {"name": "tank/applications/quoted",
                                                         "used": 2 * GIB, "quota": 10 * GIB})  # fmt: skip
        entry = await set_up(hass, lab)
        assert float(state(hass, f"{N8N}_used")) == pytest.approx(850 * MIB / GIB, abs=0.01)
        assert float(state(hass, f"{N8N}_available")) > 0
        assert state(hass, f"{N8N}_quota") == "unknown"
        assert float(state(hass, f"{N8N}_compression_ratio")) == 1.0
        quoted = "sensor.tank_applications_quoted"
        assert float(state(hass, f"{quoted}_quota")) == 10.0
        assert float(state(hass, f"{quoted}_available")) == pytest.approx(8.0, abs=0.01)
        # Unencrypted datasets have no lock sensor.
        assert hass.states.get("binary_sensor.tank_applications_n8n_encryption_lock") is None
        # The sensors sit on the dataset devices, under the pool.
        registry = dr.async_get(hass)
        device = registry.async_get(dataset_device(hass, entry, "tank/applications/n8n"))
        pool = registry.async_get_device_by_identifier(
            pool_identifier(entry, "tank"), entry.entry_id
        )
        assert device is not None
        assert pool is not None
        assert device.via_device_id == pool.id
        # A refresh of the backups makes one `pool.dataset.query`, which reads the space too.
        before = len(await lab.calls())
        await entry.runtime_data.backups.async_refresh()
        queries = [c for c in (await lab.calls())[before:] if c["method"] == "pool.dataset.query"]
        assert len(queries) == 1
        assert "used" in queries[0]["params"][1]["select"]


@pytest.mark.parametrize("version", RELEASES)
async def test_unlock_dataset(
    hass: HomeAssistant, version: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A locked encrypted dataset shows locked; the right passphrase unlocks it, a wrong one not."""
    caplog.set_level(logging.DEBUG)
    with release_lab(version) as lab:
        await lab.control("POST", "/control/datasets", {
            "name": SECURE, "encrypted": True, "locked": True,
            "key_format": "PASSPHRASE", "passphrase": PASSPHRASE,
        })  # fmt: skip
        entry = await set_up(
            hass, lab, **{CONF_BACKUPS: {CONF_DATASETS: ["*/applications/*", SECURE]}}
        )
        assert state(hass, LOCK) == "off"  # the lock class: off is locked
        target = dataset_device(hass, entry, SECURE)

        with pytest.raises(ServiceValidationError) as err:
            await unlock(hass, target, WRONG)
        assert err.value.translation_key == "dataset_wrong_passphrase"
        assert WRONG not in str(err.value)
        assert state(hass, LOCK) == "off"

        await unlock(hass, target, PASSPHRASE)
        await hass.async_block_till_done()
        assert state(hass, LOCK) == "on"

        # Nothing left to unlock.
        with pytest.raises(ServiceValidationError) as err:
            await unlock(hass, target, PASSPHRASE)
        assert err.value.translation_key == "dataset_not_locked"

        # Only a watched dataset's device is a target.
        pool = dr.async_get(hass).async_get_device_by_identifier(
            pool_identifier(entry, "tank"), entry.entry_id
        )
        assert pool is not None
        with pytest.raises(ServiceValidationError) as err:
            await unlock(hass, pool.id, PASSPHRASE)
        assert err.value.translation_key == "not_a_dataset"

        calls = [c for c in await lab.calls() if c["method"] == "pool.dataset.unlock"]
        assert len(calls) == 2
        logged = repr(await lab.calls())
        diagnostics = repr(entry.runtime_data.backups.diagnostics())
    for secret in (PASSPHRASE, WRONG):
        assert secret not in logged
        assert secret not in diagnostics
        for record in caplog.records:
            assert secret not in record.getMessage()
            assert secret not in repr(record.args)
            assert secret not in (record.exc_text or "")


KEYED = "tank/keyed"


async def test_unlock_refused_for_lack_of_role(hass: HomeAssistant) -> None:
    """A user without DATASET_WRITE: TrueNAS answers not-authorized; a translated error says
    which role is missing, the dataset stays locked, and the passphrase appears nowhere."""
    data = seed_data("25.10.2")
    data["users"][0]["roles"] = [r for r in data["users"][0]["roles"] if r != "DATASET_WRITE"]
    scenario = load_scenario(data)
    simulator = LabSimulator(scenario)
    simulator.run_in_thread()
    try:
        lab = LabHandle(simulator, scenario)
        await lab.control("POST", "/control/datasets", {
            "name": SECURE, "encrypted": True, "locked": True,
            "key_format": "PASSPHRASE", "passphrase": PASSPHRASE,
        })  # fmt: skip
        entry = await set_up(
            hass, lab, **{CONF_BACKUPS: {CONF_DATASETS: ["*/applications/*", SECURE]}}
        )
        with pytest.raises(HomeAssistantError) as err:
            await unlock(hass, dataset_device(hass, entry, SECURE), PASSPHRASE)
        assert err.value.translation_key == "dataset_unlock_not_authorized"
        assert err.value.translation_placeholders == {"dataset": SECURE, "role": "DATASET_WRITE"}
        assert str(err.value) == (
            f"TrueNAS refused to unlock {SECURE}: it needs the DATASET_WRITE role for the user "
            "of the API key"  # Home Assistant drops the message's closing period
        )
        await hass.async_block_till_done()
        assert state(hass, LOCK) == "off"
        refused = [c for c in await lab.calls() if c["method"] == "pool.dataset.unlock"]
        assert len(refused) == 1
        assert PASSPHRASE not in repr(await lab.calls())
        assert PASSPHRASE not in str(err.value)
        assert await hass.config_entries.async_unload(entry.entry_id)
    finally:
        simulator.stop_thread()


@pytest.mark.parametrize("version", RELEASES)
async def test_unlock_refuses_a_key_encrypted_dataset(hass: HomeAssistant, version: str) -> None:
    """A dataset encrypted with a HEX key: refused with a translated error before anything is
    sent to `pool.dataset.unlock`; its key format is read with one `pool.dataset.query`."""
    with release_lab(version) as lab:
        await lab.control("POST", "/control/datasets", {
            "name": KEYED, "encrypted": True, "locked": True, "key_format": "HEX",
        })  # fmt: skip
        entry = await set_up(
            hass, lab, **{CONF_BACKUPS: {CONF_DATASETS: ["*/applications/*", KEYED]}}
        )
        before = len(await lab.calls())
        with pytest.raises(ServiceValidationError) as err:
            await unlock(hass, dataset_device(hass, entry, KEYED), PASSPHRASE)
        assert err.value.translation_key == "dataset_not_passphrase"
        assert err.value.translation_placeholders == {"dataset": KEYED, "key_format": "HEX"}
        assert str(err.value).startswith(f"{KEYED} is encrypted with a HEX key, not a passphrase")
        calls = (await lab.calls())[before:]
        assert [c["method"] for c in calls] == ["pool.dataset.query"]
        assert "key_format" in calls[0]["params"][1]["select"]
        assert PASSPHRASE not in repr(await lab.calls())
        assert state(hass, "binary_sensor.tank_keyed_encryption_lock") == "off"
        assert await hass.config_entries.async_unload(entry.entry_id)
