"""`homelab.reboot_nas` and `homelab.shutdown_nas`: the same path as the system device's buttons.

They target the system device of a TrueNAS entry (or any entity of it) and take `delay`
(seconds before the NAS goes down) and `force` (go ahead even while a scrub, resilver,
replication, app update or TrueNAS update runs; refused otherwise). The response is
`{job_id}` per NAS.
"""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse
from homeassistant.helpers import config_validation as cv
import probatio as vol

from ...targets import KIND_SYSTEM, TARGET_FIELDS, resolve_targets
from ..actions import action_response, async_register_actions, refuse_with
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


def _targets(hass: HomeAssistant, call: ServiceCall) -> list[TrueNASConfigEntry]:
    """The entry of every targeted NAS (its system device, or an entity of it)."""
    return [
        target.entry
        for target in resolve_targets(hass, call, {KIND_SYSTEM}, refuse_with("not_a_nas"))
    ]


async def _run(call: ServiceCall, kind: PowerKind) -> ServiceResponse:
    results: dict[str, Any] = {}
    for entry in _targets(call.hass, call):
        job_id = await async_power(
            entry, kind, delay=call.data.get(ATTR_DELAY), force=call.data[ATTR_FORCE]
        )
        results[entry.title] = {"job_id": job_id}
    return action_response(call, results, "nas")


def async_register(hass: HomeAssistant) -> None:
    """Register `homelab.reboot_nas` and `homelab.shutdown_nas`."""
    async_register_actions(hass, ACTIONS, _run, lambda _kind: POWER_SCHEMA)
