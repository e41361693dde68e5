"""Config flow: add a TrueNAS server or one of the lab's services; reauth, reconfigure, options.

The steps live with their product: `nas/config_flow.py` (TrueNAS, with certificate pinning),
`pipeline/config_flow.py` (Ollama, Paperless-ngx, n8n) and `probes/config_flow.py` (the
"Service" subentries of a TrueNAS entry). This flow chooses between them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import ConfigFlowResult, ConfigSubentryFlow, OptionsFlow
from homeassistant.core import callback

from .const import DOMAIN, SUBENTRY_SERVICE
from .entries import HomeLabConfigEntry, is_pipeline_entry
from .nas.config_flow import TrueNASConfigFlow, TrueNASOptionsFlow
from .pipeline.config_flow import PipelineConfigFlow, PipelineOptionsFlow
from .probes.config_flow import ServiceSubentryFlow


class HomeLabConfigFlow(TrueNASConfigFlow, PipelineConfigFlow, domain=DOMAIN):
    """Add a TrueNAS SCALE server, or one of the lab's services."""

    VERSION = 1

    @classmethod
    @callback
    def async_get_supported_subentry_types(
        cls, config_entry: HomeLabConfigEntry
    ) -> dict[str, type[ConfigSubentryFlow]]:
        """A TrueNAS entry holds the lab's HTTP health probes ("Service" subentries)."""
        if is_pipeline_entry(config_entry):
            return {}
        return {SUBENTRY_SERVICE: ServiceSubentryFlow}

    async def async_step_user(self, _user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Choose what to add."""
        return self.async_show_menu(
            step_id="user", menu_options=["truenas", "ollama", "paperless", "n8n"]
        )

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """The key was refused or revoked: ask for a new one, in the entry kind's own step."""
        if is_pipeline_entry(self._get_reauth_entry()):
            return await self.async_step_reauth_service(entry_data)
        return await self.async_step_reauth_confirm()

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change where the entry connects, in the entry kind's own step."""
        if is_pipeline_entry(self._get_reconfigure_entry()):
            return await self.async_step_reconfigure_service(user_input)
        return await self._reconfigure_truenas(user_input)

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: HomeLabConfigEntry) -> OptionsFlow:
        """Options: the poll interval and backups (TrueNAS), or each service's own."""
        if is_pipeline_entry(config_entry):
            return PipelineOptionsFlow()
        return TrueNASOptionsFlow()
