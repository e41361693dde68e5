"""Actions on VMs and containers: `homelab.start_vm`, `homelab.stop_vm`, `homelab.restart_vm`.

They target VM and container devices (or any entity of one) and take the same code path as
their switch and buttons: `GuestCoordinator.async_run_guest_action`. Stop is graceful unless
`force` is given.
"""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv, device_registry as dr
import probatio as vol

from ...const import DOMAIN
from ...targets import KIND_VM, TARGET_FIELDS, device_label, resolve_targets
from ..runtime import TrueNASConfigEntry
from .coordinator import DEFAULT_JOB_TIMEOUT, GuestAction, GuestKey

ATTR_WAIT = "wait"
ATTR_TIMEOUT = "timeout"
ATTR_FORCE = "force"

_FIELDS = {
    **TARGET_FIELDS,
    vol.Optional(ATTR_WAIT, default=False): cv.boolean,
    vol.Optional(ATTR_TIMEOUT, default=DEFAULT_JOB_TIMEOUT): vol.All(
        vol.Coerce(float), vol.Range(min=1, max=3600)
    ),
}
VM_ACTION_SCHEMA = vol.Schema(_FIELDS)
STOP_VM_SCHEMA = vol.Schema({**_FIELDS, vol.Optional(ATTR_FORCE, default=False): cv.boolean})
ACTIONS: dict[str, GuestAction] = {
    "start_vm": "start",
    "stop_vm": "stop",
    "restart_vm": "restart",
}


def _not_a_vm(device: dr.AnyDeviceEntry, _entry: ConfigEntry[Any]) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="not_a_vm",
        translation_placeholders={"target": device_label(device)},
    )


def _targets(hass: HomeAssistant, call: ServiceCall) -> list[tuple[TrueNASConfigEntry, GuestKey]]:
    return [
        (target.entry, target.key) for target in resolve_targets(hass, call, {KIND_VM}, _not_a_vm)
    ]


async def _run(call: ServiceCall, action: GuestAction) -> ServiceResponse:
    wait: bool = call.data[ATTR_WAIT]
    timeout: float = call.data[ATTR_TIMEOUT]
    force: bool = call.data.get(ATTR_FORCE, False)
    results: dict[str, Any] = {}
    for entry, key in _targets(call.hass, call):
        coordinator = entry.runtime_data.vms
        guest = coordinator.guest(key)
        if (running := coordinator.jobs.get(key)) is not None:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="vm_busy",
                translation_placeholders={"vm": guest.name, "job": running.method},
            )
        result = await coordinator.async_run_guest_action(
            key, action, force=force, wait=wait, timeout=timeout
        )
        if result.state == "FAILED" and not call.return_response:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="vm_action_failed",
                translation_placeholders={"vm": guest.name, "error": result.error or ""},
            )
        results[guest.name] = result.as_dict()
    if not call.return_response:
        return None
    if len(results) == 1:
        single: dict[str, Any] = next(iter(results.values()))
        return single
    return {"vms": results}


def async_register(hass: HomeAssistant) -> None:
    """Register the three VM actions."""
    for service, action in ACTIONS.items():

        async def handler(call: ServiceCall, action: GuestAction = action) -> ServiceResponse:
            return await _run(call, action)

        hass.services.async_register(
            DOMAIN,
            service,
            handler,
            schema=STOP_VM_SCHEMA if action == "stop" else VM_ACTION_SCHEMA,
            supports_response=SupportsResponse.OPTIONAL,
        )
