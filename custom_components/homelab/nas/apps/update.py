"""Update entities: a TrueNAS app's catalog upgrade, installed through `app.upgrade`."""

from __future__ import annotations

from typing import Any

from homeassistant.components.update import (
    UpdateEntity,
    UpdateEntityDescription,
    UpdateEntityFeature,
)
from homeassistant.exceptions import HomeAssistantError

from ...const import DOMAIN
from ..entity import AppEntity

APP_UPDATE = UpdateEntityDescription(key="update", translation_key="app_update")
UPGRADE_TIMEOUT = 1800.0


class AppUpdate(AppEntity, UpdateEntity):
    """The app's catalog version; installing runs `app.upgrade` as a tracked job."""

    _attr_supported_features = UpdateEntityFeature.INSTALL | UpdateEntityFeature.PROGRESS

    @property
    def installed_version(self) -> str | None:
        """The catalog version installed."""
        return self.app.version

    @property
    def latest_version(self) -> str | None:
        """The newest catalog version (the installed one when there is no upgrade)."""
        if self.app.upgrade_available and self.app.latest_version:
            return self.app.latest_version
        return self.app.version

    @property
    def in_progress(self) -> bool:
        """True while an `app.upgrade` job runs."""
        job = self.coordinator.busy_job(self.app_name)
        return job is not None and job.method == "app.upgrade"

    @property
    def update_percentage(self) -> int | None:
        """The upgrade job's progress."""
        job = self.coordinator.busy_job(self.app_name)
        if job is None or job.method != "app.upgrade" or job.percent is None:
            return None
        return int(job.percent)

    async def async_install(self, version: str | None, backup: bool, **kwargs: Any) -> None:
        """Upgrade to the latest version and wait for the job."""
        result = await self.coordinator.async_run_app_action(
            self.app_name, "upgrade", wait=True, timeout=UPGRADE_TIMEOUT
        )
        if result.state == "FAILED":
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="app_job_failed",
                translation_placeholders={"app": self.app_name, "error": result.error or ""},
            )
