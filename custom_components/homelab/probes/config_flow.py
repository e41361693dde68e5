"""The "Service" subentry flow: add an HTTP health probe, from an app's portal or any URL."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntryState, ConfigSubentryFlow, SubentryFlowResult
from homeassistant.const import CONF_NAME, CONF_URL, CONF_VERIFY_SSL
from homeassistant.helpers.selector import (
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import probatio as vol
from yarl import URL

from ..clients.httpprobe import ExpectedStatus, health_url
from ..clients.httpprobe.probe import DEFAULT_EXPECTED
from ..form_fields import number_box
from ..nas.runtime import TrueNASRuntimeData
from .const import (
    CONF_EXPECTED_STATUS,
    CONF_INTERVAL,
    CONF_KEYWORD,
    DEFAULT_PROBE_INTERVAL,
    MIN_PROBE_INTERVAL,
)

CONF_SOURCE = "source"
CUSTOM = "custom"


def _service_schema() -> vol.Schema:
    return vol.Schema(
        {
            vol.Required(CONF_NAME): str,
            vol.Required(CONF_URL): TextSelector(TextSelectorConfig(type=TextSelectorType.URL)),
            vol.Required(CONF_EXPECTED_STATUS, default=DEFAULT_EXPECTED): str,
            vol.Optional(CONF_KEYWORD): str,
            vol.Required(CONF_VERIFY_SSL, default=True): bool,
            vol.Required(CONF_INTERVAL, default=DEFAULT_PROBE_INTERVAL): number_box(
                MIN_PROBE_INTERVAL, 86400, "s"
            ),
        }
    )


def _validate(user_input: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    errors: dict[str, str] = {}
    data = dict(user_input)
    url = URL(str(data[CONF_URL]).strip())
    if url.scheme not in {"http", "https"} or not url.host:
        errors[CONF_URL] = "invalid_url"
    data[CONF_URL] = str(url)
    try:
        ExpectedStatus.parse(str(data[CONF_EXPECTED_STATUS]))
    except ValueError:
        errors[CONF_EXPECTED_STATUS] = "invalid_status"
    data[CONF_INTERVAL] = int(data[CONF_INTERVAL])
    if not data.get(CONF_KEYWORD):
        data.pop(CONF_KEYWORD, None)
    return data, errors


class ServiceSubentryFlow(ConfigSubentryFlow):
    """Add or change one probed service."""

    def __init__(self) -> None:
        """Start empty; the first step may pre-fill from an app."""
        self._suggested: dict[str, Any] = {}

    def _portals(self) -> dict[str, tuple[str, str]]:
        """App name -> (title, health URL) for the loaded TrueNAS entry's apps with a portal."""
        entry = self._get_entry()
        runtime = entry.runtime_data if entry.state is ConfigEntryState.LOADED else None
        # Not loaded (the NAS is down): no app list to offer, only a custom URL.
        if not isinstance(runtime, TrueNASRuntimeData):
            return {}
        apps = runtime.apps
        return {
            app.name: (app.title or app.name, health_url(app.name, app.first_portal))
            for app in apps.data.values()
            if app.first_portal
        }

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Offer the apps' portals as ready-made probes, or a custom URL."""
        portals = self._portals()
        if not portals:
            return await self.async_step_service()
        if user_input is not None:
            choice = user_input[CONF_SOURCE]
            if choice in portals:
                title, url = portals[choice]
                self._suggested = {CONF_NAME: title, CONF_URL: url}
            return await self.async_step_service()
        options = [
            SelectOptionDict(value=name, label=f"{title} ({url})")
            for name, (title, url) in sorted(portals.items())
        ]
        options.append(SelectOptionDict(value=CUSTOM, label=CUSTOM))
        return self.async_show_form(
            step_id="user",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_SOURCE): SelectSelector(
                        SelectSelectorConfig(options=options, translation_key="probe_source")
                    )
                }
            ),
        )

    async def async_step_service(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Name, URL and what counts as healthy."""
        errors: dict[str, str] = {}
        if user_input is not None:
            data, errors = _validate(user_input)
            if not errors:
                return self.async_create_entry(title=data[CONF_NAME], data=data)
        return self.async_show_form(
            step_id="service",
            data_schema=self.add_suggested_values_to_schema(
                _service_schema(), user_input or self._suggested
            ),
            errors=errors,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Change a probe."""
        subentry = self._get_reconfigure_subentry()
        errors: dict[str, str] = {}
        if user_input is not None:
            data, errors = _validate(user_input)
            if not errors:
                return self.async_update_and_abort(
                    self._get_entry(), subentry, title=data[CONF_NAME], data=data
                )
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                _service_schema(), user_input or dict(subentry.data)
            ),
            errors=errors,
        )
