"""Actions on TrueNAS apps: `homelab.start_app`, `homelab.stop_app`, `homelab.restart_app`.

They target app devices (or any entity of one) and take the same code path as the app's
buttons and switch: `AppsCoordinator.async_run_app_action`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
import probatio as vol

from ...const import DOMAIN
from ...targets import KIND_APP, TARGET_FIELDS
from ..actions import (
    action_response,
    async_register_actions,
    lifecycle_actions,
    targeted,
    wait_fields,
    wait_of,
)
from ..server_coordinator import refuse_if_busy
from .coordinator import DEFAULT_JOB_TIMEOUT, AppAction

APP_ACTION_SCHEMA = vol.Schema({**TARGET_FIELDS, **wait_fields(DEFAULT_JOB_TIMEOUT, 3600)})
ACTIONS: Mapping[str, AppAction] = lifecycle_actions("app")


async def _run(call: ServiceCall, action: AppAction) -> ServiceResponse:
    wait, timeout = wait_of(call)
    results: dict[str, Any] = {}
    for entry, name in targeted(call, KIND_APP, "not_an_app"):
        coordinator = entry.runtime_data.apps
        if name not in coordinator.data:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="unknown_app",
                translation_placeholders={"app": name},
            )
        refuse_if_busy(coordinator.jobs, name, "app_busy", ServiceValidationError, app=name)
        result = await coordinator.async_run_app_action(name, action, wait=wait, timeout=timeout)
        if result.state == "FAILED" and not call.return_response:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="app_job_failed",
                translation_placeholders={"app": name, "error": result.error or ""},
            )
        results[name] = result.as_dict()
    return action_response(call, results, "apps")


def async_register(hass: HomeAssistant) -> None:
    """Register the three app actions."""
    async_register_actions(hass, ACTIONS, _run, lambda _action: APP_ACTION_SCHEMA)
