"""`homelab.unlock_dataset`: unlock a watched encrypted dataset with its passphrase.

It targets dataset devices (or any entity of one), resolved through `targets.py`'s owned maps.
The passphrase only travels to `pool.dataset.unlock`: it is never stored, logged, put in
diagnostics or returned. The action waits for the job; a wrong passphrase (the job succeeds with
the dataset under `failed`) is a translated error, and so is a dataset that is not locked.

A dataset encrypted with a key (`key_format` HEX or RAW, as the middleware's
`pool.dataset.query` gives it in `key_format.value`; 25.04 to 26) cannot be unlocked with a
passphrase: the action reads the format first and refuses such a dataset with a translated error,
so that the passphrase is not sent at all.
"""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv, device_registry as dr
import probatio as vol

from ...clients.truenas import TrueNASCallError, TrueNASClient, TrueNASError
from ...const import DOMAIN
from ...targets import KIND_DATASET, TARGET_FIELDS, device_label, resolve_targets

SERVICE_UNLOCK_DATASET = "unlock_dataset"
ATTR_PASSPHRASE = "passphrase"  # noqa: S105 - the field's name, not a secret

UNLOCK_DATASET_SCHEMA = vol.Schema(
    {**TARGET_FIELDS, vol.Required(ATTR_PASSPHRASE): vol.All(cv.string, vol.Length(min=1))}
)


PASSPHRASE_FORMAT = "PASSPHRASE"  # noqa: S105 - a key format name, not a secret


async def read_key_format(client: TrueNASClient, dataset: str) -> str | None:
    """The dataset's key format (PASSPHRASE, HEX or RAW; None: not encrypted or not said).

    One `pool.dataset.query` of that dataset alone (no children, no user properties).
    """
    try:
        rows = await client.query(
            "pool.dataset.query",
            [["id", "=", dataset]],
            select=["id", "key_format"],
            extra={"retrieve_children": False, "retrieve_user_props": False},
        )
    except TrueNASCallError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="dataset_unlock_failed",
            translation_placeholders={"dataset": dataset, "error": err.reason or err.errname or ""},
        ) from None
    except TrueNASError:
        raise HomeAssistantError(
            translation_domain=DOMAIN, translation_key="cannot_connect"
        ) from None
    row = rows[0] if isinstance(rows, list) and rows and isinstance(rows[0], dict) else {}
    value = row.get("key_format")
    if isinstance(value, dict):  # a ZFS property: {"value": "PASSPHRASE", "rawvalue": ...}
        value = value.get("value")
    return value.upper() if isinstance(value, str) and value else None


async def _check_passphrase_format(entry: ConfigEntry[Any], dataset: str) -> None:
    """Refuse a locked dataset whose key is not a passphrase (nothing is sent to unlock it)."""
    backups = entry.runtime_data.backups
    usage = backups.data.usage.get(dataset) if backups.data is not None else None
    if usage is None or not usage.encrypted or not usage.locked:
        return  # the coordinator says what is wrong
    key_format = await read_key_format(entry.runtime_data.client, dataset)
    if key_format is not None and key_format != PASSPHRASE_FORMAT:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="dataset_not_passphrase",
            translation_placeholders={"dataset": dataset, "key_format": key_format},
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
        await _check_passphrase_format(target.entry, target.key)
        await target.entry.runtime_data.backups.async_unlock_dataset(
            target.key, call.data[ATTR_PASSPHRASE]
        )


def async_register(hass: HomeAssistant) -> None:
    """Register `homelab.unlock_dataset`."""
    hass.services.async_register(
        DOMAIN, SERVICE_UNLOCK_DATASET, async_unlock_dataset, schema=UNLOCK_DATASET_SCHEMA
    )
