"""The "Run now" button of each backup task: the same path as `homelab.trigger_backup`."""

from __future__ import annotations

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.core import callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..runtime import TrueNASConfigEntry
from .entity import BackupTaskEntity, async_add_backup_entities

RUN_NOW = ButtonEntityDescription(key="run_now", translation_key="backup_run_now")


@callback
def async_setup_backup_buttons(
    entry: TrueNASConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """A "Run now" button for every backup task, including tasks created later."""
    async_add_backup_entities(
        entry,
        async_add_entities,
        per_task=lambda backups, key: [RunNowButton(backups, RUN_NOW, key)],
    )


class RunNowButton(BackupTaskEntity, ButtonEntity):
    """Start the task now (refused with a translated error when it is running or disabled)."""

    async def async_press(self) -> None:
        """Start the task; its event entity reports how the run ends."""
        await self.coordinator.async_start_task(self.task_key)
