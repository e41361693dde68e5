"""`homelab.reboot_nas` and `homelab.shutdown_nas`: the same path as the system device's buttons.

They target the system device of a TrueNAS entry (or any entity of it) and take `delay`
(seconds before the NAS goes down) and `force` (go ahead even while a scrub, resilver,
replication, app update or TrueNAS update runs; refused otherwise). The response is
`{job_id}` per NAS.
"""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv, device_registry as dr
import probatio as vol

from ...const import DOMAIN
from ...targets import KIND_SYSTEM, TARGET_FIELDS, device_label, resolve_targets
from ..runtime import TrueNASConfigEntry
from .power import PowerKind, async_power

ATTR_DELAY = "delay"
ATTR_FORCE = "force"

POWER_SCHEMA = vol.Schema(
    {
        **TARGET_FIELDS,
        vol.Optional(ATTR_DELAY): vol.All(vol.Coerce(int), vol.Range(min=0, max=3600)),
        vol.Optional(ATTR_FORCE, default=False): cv.boolean,
    }
)
ACTIONS: dict[str, PowerKind] = {"reboot_nas": "reboot", "shutdown_nas": "shutdown"}


def _not_a_nas(device: dr.AnyDeviceEntry, _entry: ConfigEntry[Any]) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="not_a_nas",
        translation_placeholders={"target": device_label(device)},
    )


def _targets(hass: HomeAssistant, call: ServiceCall) -> list[TrueNASConfigEntry]:
    """The entry of every targeted NAS (its system device, or an entity of it)."""
    return [target.entry for target in resolve_targets(hass, call, {KIND_SYSTEM}, _not_a_nas)]


async def _run(call: ServiceCall, kind: PowerKind) -> ServiceResponse:
    results: dict[str, Any] = {}
    for entry in _targets(call.hass, call):
        job_id = await async_power(
            entry, kind, delay=call.data.get(ATTR_DELAY), force=call.data[ATTR_FORCE]
        )
        results[entry.title] = {"job_id": job_id}
    if not call.return_response:
        return None
    if len(results) == 1:
        single: dict[str, Any] = next(iter(results.values()))
        return single
    return {"nas": results}


def async_register(hass: HomeAssistant) -> None:
    """Register `homelab.reboot_nas` and `homelab.shutdown_nas`."""
    for service, kind in ACTIONS.items():

        async def handler(call: ServiceCall, kind: PowerKind = kind) -> ServiceResponse:
            return await _run(call, kind)

        hass.services.async_register(
            DOMAIN,
            service,
            handler,
            schema=POWER_SCHEMA,
            supports_response=SupportsResponse.OPTIONAL,
        )
