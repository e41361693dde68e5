"""`homelab.unlock_dataset`: unlock a watched encrypted dataset with its passphrase.

It targets dataset devices (or any entity of one), resolved through `targets.py`'s owned maps.
The passphrase only travels to `pool.dataset.unlock`: it is never stored, logged, put in
diagnostics or returned. The action waits for the job; a wrong passphrase (the job succeeds with
the dataset under `failed`) is a translated error, and so is a dataset that is not locked.
"""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv, device_registry as dr
import probatio as vol

from ...const import DOMAIN
from ...targets import KIND_DATASET, TARGET_FIELDS, device_label, resolve_targets

SERVICE_UNLOCK_DATASET = "unlock_dataset"
ATTR_PASSPHRASE = "passphrase"  # noqa: S105 - the field's name, not a secret

UNLOCK_DATASET_SCHEMA = vol.Schema(
    {**TARGET_FIELDS, vol.Required(ATTR_PASSPHRASE): vol.All(cv.string, vol.Length(min=1))}
)


def _not_a_dataset(device: dr.AnyDeviceEntry, _entry: ConfigEntry[Any]) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="not_a_dataset",
        translation_placeholders={"target": device_label(device)},
    )


async def async_unlock_dataset(call: ServiceCall) -> None:
    """Unlock each targeted dataset (the passphrase is read here and handed on only)."""
    targets = resolve_targets(call.hass, call, {KIND_DATASET}, _not_a_dataset)
    for target in targets:
        await target.entry.runtime_data.backups.async_unlock_dataset(
            target.key, call.data[ATTR_PASSPHRASE]
        )


def async_register(hass: HomeAssistant) -> None:
    """Register `homelab.unlock_dataset`."""
    hass.services.async_register(
        DOMAIN, SERVICE_UNLOCK_DATASET, async_unlock_dataset, schema=UNLOCK_DATASET_SCHEMA
    )
