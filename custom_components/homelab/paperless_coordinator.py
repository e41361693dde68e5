"""Polls Paperless-ngx (queue, health, stage tags) and, when configured, Paperless-AI."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, override

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .const import LOGGER
from .paperless import (
    PaperlessClient,
    PaperlessPermissionError,
    Statistics,
    SystemStatus,
    Tag,
    TaskQueue,
)
from .paperless_ai import Health, PaperlessAIClient, PaperlessAINotConfiguredError, ProcessingStatus
from .pipeline_const import (
    CONF_AI_PROCESSED_TAG,
    CONF_STAGE_TAGS,
    DEFAULT_AI_PROCESSED_TAG,
    DEFAULT_STAGE_TAGS,
    poll_interval,
)
from .pipeline_coordinator import ServiceCoordinator

ERROR: str = "ERROR"


@dataclass(frozen=True, slots=True)
class PaperlessData:
    """One poll of Paperless-ngx."""

    statistics: Statistics
    queue: TaskQueue
    status: SystemStatus | None
    """`None` when the token's user may not read the system status."""
    server_time: datetime
    api_version: int
    server_version: str | None
    stages: dict[str, int | None] = field(default_factory=dict)
    """Documents per configured stage tag (`None`: no such tag)."""
    ai_backlog: int | None = None
    """Documents without the AI's "processed" tag (`None`: no Paperless-AI configured)."""

    def stuck(self, threshold: timedelta) -> bool:
        """The oldest waiting or running task is older than `threshold`, or Celery is in error."""
        if self.status is not None and self.status.celery == ERROR:
            return True
        oldest = self.queue.oldest
        return oldest is not None and self.server_time - oldest > threshold


@dataclass(frozen=True, slots=True)
class PaperlessAIData:
    """One poll of Paperless-AI."""

    health: Health
    processing: ProcessingStatus


class PaperlessCoordinator(ServiceCoordinator[PaperlessData]):
    """Reads statistics, status, the task queue and tag counts."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry[Any],
        client: PaperlessClient,
        *,
        with_ai: bool,
    ) -> None:
        """Poll at the entry's interval; count the AI backlog when Paperless-AI is configured."""
        super().__init__(
            hass, entry, service="Paperless-ngx", interval=timedelta(seconds=poll_interval(entry))
        )
        self.client = client
        self.with_ai = with_ai
        self.stage_tags: list[str] = list(entry.options.get(CONF_STAGE_TAGS, DEFAULT_STAGE_TAGS))
        self.ai_tag: str = str(entry.options.get(CONF_AI_PROCESSED_TAG, DEFAULT_AI_PROCESSED_TAG))
        self._status_refused_logged = False

    async def _status(self) -> SystemStatus | None:
        try:
            return await self.client.status()
        except PaperlessPermissionError:
            if not self._status_refused_logged:
                LOGGER.info(
                    "%s: the token's user may not read the system status; the health sensors "
                    "stay unavailable (give the user the staff flag or view_system_monitoring)",
                    self.config_entry.title,
                )
                self._status_refused_logged = True
            return None

    async def _count(self, tag: Tag) -> int:
        if tag.document_count is not None:
            return tag.document_count
        return await self.client.count_documents(with_tag=tag.id)

    @override
    async def _fetch(self) -> PaperlessData:
        statistics = await self.client.statistics()
        status = await self._status()
        queue = await self.client.task_queue()
        tags = {tag.name.casefold(): tag for tag in await self.client.tags()}
        stages: dict[str, int | None] = {}
        for name in self.stage_tags:
            tag = tags.get(name.casefold())
            stages[name] = None if tag is None else await self._count(tag)
        ai_backlog: int | None = None
        if self.with_ai:
            ai_tag = tags.get(self.ai_tag.casefold())
            ai_backlog = (
                statistics.documents_total
                if ai_tag is None
                else await self.client.count_documents(without_tag=ai_tag.id)
            )
        return PaperlessData(
            statistics=statistics,
            queue=queue,
            status=status,
            server_time=queue.server_time or dt_util.utcnow(),
            api_version=self.client.api_version or 9,
            server_version=self.client.server_version,
            stages=stages,
            ai_backlog=ai_backlog,
        )


class PaperlessAICoordinator(ServiceCoordinator[PaperlessAIData]):
    """Reads Paperless-AI's health and what it is processing."""

    def __init__(
        self, hass: HomeAssistant, entry: ConfigEntry[Any], client: PaperlessAIClient
    ) -> None:
        """Poll at the Paperless entry's interval."""
        super().__init__(
            hass, entry, service="Paperless-AI", interval=timedelta(seconds=poll_interval(entry))
        )
        self.client = client

    @override
    async def _fetch(self) -> PaperlessAIData:
        health = await self.client.health()
        try:
            processing = await self.client.processing_status()
        except PaperlessAINotConfiguredError as err:
            # Its /health cannot tell; its API redirects to the setup page instead.
            health = Health(status="not_configured", message=str(err))
            processing = ProcessingStatus(is_processing=False, processed_today=0)
        return PaperlessAIData(health=health, processing=processing)
