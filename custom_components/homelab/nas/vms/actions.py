"""Actions on VMs and containers: `homelab.start_vm`, `homelab.stop_vm`, `homelab.restart_vm`.

They target VM and container devices (or any entity of one) and take the same code path as
their switch and buttons: `GuestCoordinator.async_run_guest_action`. Stop is graceful unless
`force` is given.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv
import probatio as vol

from ...const import DOMAIN
from ...targets import KIND_VM, TARGET_FIELDS
from .. import actions as nas_actions
from ..server_coordinator import refuse_if_busy
from .coordinator import DEFAULT_JOB_TIMEOUT, GuestAction

ATTR_FORCE = "force"

_FIELDS = {**TARGET_FIELDS, **nas_actions.wait_fields(DEFAULT_JOB_TIMEOUT, 3600)}
VM_ACTION_SCHEMA = vol.Schema(_FIELDS)
STOP_VM_SCHEMA = vol.Schema({**_FIELDS, vol.Optional(ATTR_FORCE, default=False): cv.boolean})
ACTIONS: Mapping[str, GuestAction] = nas_actions.lifecycle_actions("vm")


async def _run(call: ServiceCall, action: GuestAction) -> ServiceResponse:
    wait, timeout = nas_actions.wait_of(call)
    force: bool = call.data.get(ATTR_FORCE, False)
    results: dict[str, Any] = {}
    for entry, key in nas_actions.targeted(call, KIND_VM, "not_a_vm"):
        coordinator = entry.runtime_data.vms
        guest = coordinator.guest(key)
        refuse_if_busy(coordinator.jobs, key, "vm_busy", ServiceValidationError, vm=guest.name)
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
    return nas_actions.action_response(call, results, "vms")


def async_register(hass: HomeAssistant) -> None:
    """Register the three VM actions."""
    nas_actions.async_register_actions(
        hass,
        ACTIONS,
        _run,
        lambda action: STOP_VM_SCHEMA if action == "stop" else VM_ACTION_SCHEMA,
    )
