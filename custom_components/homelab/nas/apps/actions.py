"""Actions on TrueNAS apps: `homelab.start_app`, `homelab.stop_app`, `homelab.restart_app`.

They target app devices (or any entity of one) and take the same code path as the app's
buttons and switch: `AppsCoordinator.async_run_app_action`.
"""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv, device_registry as dr
import probatio as vol

from ...const import DOMAIN
from ...targets import KIND_APP, TARGET_FIELDS, device_label, resolve_targets
from ..runtime import TrueNASConfigEntry
from .coordinator import DEFAULT_JOB_TIMEOUT, AppAction

ATTR_WAIT = "wait"
ATTR_TIMEOUT = "timeout"

APP_ACTION_SCHEMA = vol.Schema(
    {
        **TARGET_FIELDS,
        vol.Optional(ATTR_WAIT, default=False): cv.boolean,
        vol.Optional(ATTR_TIMEOUT, default=DEFAULT_JOB_TIMEOUT): vol.All(
            vol.Coerce(float), vol.Range(min=1, max=3600)
        ),
    }
)
ACTIONS: dict[str, AppAction] = {
    "start_app": "start",
    "stop_app": "stop",
    "restart_app": "restart",
}


def _not_an_app(device: dr.AnyDeviceEntry, _entry: ConfigEntry[Any]) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="not_an_app",
        translation_placeholders={"target": device_label(device)},
    )


def _targets(hass: HomeAssistant, call: ServiceCall) -> list[tuple[TrueNASConfigEntry, str]]:
    """(entry, app name) for every targeted app; anything else named directly is refused."""
    return [
        (target.entry, str(target.key))
        for target in resolve_targets(hass, call, {KIND_APP}, _not_an_app)
    ]


async def _run(call: ServiceCall, action: AppAction) -> ServiceResponse:
    hass = call.hass
    wait: bool = call.data[ATTR_WAIT]
    timeout: float = call.data[ATTR_TIMEOUT]
    results: dict[str, Any] = {}
    for entry, name in _targets(hass, call):
        coordinator = entry.runtime_data.apps
        if name not in coordinator.data:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="unknown_app",
                translation_placeholders={"app": name},
            )
        if coordinator.busy_job(name) is not None:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="app_busy",
                translation_placeholders={"app": name, "job": coordinator.jobs[name].method},
            )
        result = await coordinator.async_run_app_action(name, action, wait=wait, timeout=timeout)
        if result.state == "FAILED" and not call.return_response:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="app_job_failed",
                translation_placeholders={"app": name, "error": result.error or ""},
            )
        results[name] = result.as_dict()
    if not call.return_response:
        return None
    if len(results) == 1:
        single: dict[str, Any] = next(iter(results.values()))
        return single
    return {"apps": results}


def async_register(hass: HomeAssistant) -> None:
    """Register the three app actions."""
    for service, action in ACTIONS.items():

        async def handler(call: ServiceCall, action: AppAction = action) -> ServiceResponse:
            return await _run(call, action)

        hass.services.async_register(
            DOMAIN,
            service,
            handler,
            schema=APP_ACTION_SCHEMA,
            supports_response=SupportsResponse.OPTIONAL,
        )
