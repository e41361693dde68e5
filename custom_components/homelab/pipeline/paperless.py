"""Polls Paperless-ngx (queue, health, stage tags) and, when configured, Paperless-AI.

What each poll costs the server matters: `/api/status/` takes 2 to 3 s on a real server (it
pings Redis, Celery and the index), so it is read every 15 minutes (every 5 while it reports a
problem or the queue stands still), the token's user hourly, and the document counts (statistics,
tags, the AI backlog, the failed tasks) when the queue changed, or else every 5 minutes. Every
poll reads only the queue: two small task pages. Due times follow the server's clock (its `Date`
header).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Final, override

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from ..clients.paperless import (
    PaperlessAuthenticationError,
    PaperlessClient,
    PaperlessError,
    PaperlessPermissionError,
)
from ..clients.paperless.models import Statistics, SystemStatus, Tag, Task, TaskQueue, UserInfo
from ..clients.paperless_ai import (
    Health,
    PaperlessAIClient,
    PaperlessAINotConfiguredError,
    ProcessingStatus,
)
from ..const import LOGGER
from ..repairs import async_sync_issue
from .const import (
    CONF_AI_PROCESSED_TAG,
    CONF_STAGE_TAGS,
    DEFAULT_AI_PROCESSED_TAG,
    DEFAULT_STAGE_TAGS,
    poll_interval,
)
from .coordinator import ServiceCoordinator

ERROR: str = "ERROR"
OK: str = "OK"
STATUS_INTERVAL: Final = timedelta(minutes=15)
STATUS_RECHECK: Final = timedelta(minutes=5)
"""While the status reports a problem, or the queue has not moved for `STALL_AFTER`."""
STALL_AFTER: Final = timedelta(minutes=2)
RECOVERY_RECHECK: Final = timedelta(minutes=1)
"""While the status reports a problem but the queue moves again: it has probably recovered."""
COUNTS_INTERVAL: Final = timedelta(minutes=5)
COUNTS_BUSY_INTERVAL: Final = timedelta(minutes=2)
"""While documents flow the queue moves at every poll: the counts follow at most this often."""
USER_INTERVAL: Final = timedelta(hours=1)
LIMITED_USER_ISSUE: Final = "paperless_limited_user"


def _due(last: datetime | None, now: datetime, interval: timedelta) -> bool:
    """Whether `interval` has passed since `last` (or the clock went back, or never read)."""
    return last is None or now < last or now - last >= interval


def _task_since(task: Task) -> datetime | None:
    return task.started or task.created


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
    user: UserInfo | None = None
    """The token's user (`None`: not readable)."""
    limited_user: bool = False
    """The token's user sees only its own tasks or documents: the counts are not the server's."""

    def stuck(self, threshold: timedelta) -> bool:
        """The oldest waiting or running task is older than `threshold`, or Celery is in error.

        Dismissed (acknowledged) tasks do not count: a task orphaned in `started` by a killed
        worker stays so for ever, until the user dismisses it.
        """
        if self.status is not None and self.status.celery == ERROR:
            return True
        oldest = self.queue.oldest
        return oldest is not None and self.server_time - oldest > threshold

    def stuck_tasks(self, threshold: timedelta) -> list[Task]:
        """The running tasks that have been running for longer than `threshold`."""
        return [
            task
            for task in self.queue.running
            if (since := _task_since(task)) is not None and self.server_time - since > threshold
        ]

    def stuck_attributes(self, threshold: timedelta) -> dict[str, Any]:
        """What the stuck sensor shows: the oldest task, and the running ones that overran."""
        oldest = self.queue.oldest_task
        return {
            "oldest_task_id": oldest.id if oldest else None,
            "oldest_task_file": oldest.file_name if oldest else None,
            "oldest_task_type": oldest.task_type if oldest else None,
            "oldest_task_status": oldest.status if oldest else None,
            "overrunning_tasks": [
                {"id": task.id, "file": task.file_name, "type": task.task_type}
                for task in self.stuck_tasks(threshold)
            ],
        }


@dataclass(frozen=True, slots=True)
class PaperlessAIData:
    """One poll of Paperless-AI."""

    health: Health
    processing: ProcessingStatus


class PaperlessCoordinator(ServiceCoordinator[PaperlessData]):
    """Reads the task queue every poll; statistics, tags, status and the user when due."""

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
        self._status: SystemStatus | None = None
        self._status_refused = False
        self._status_read: datetime | None = None
        self._counts: tuple[Statistics, dict[str, int | None], int | None] | None = None
        self._counts_read: datetime | None = None
        # The queue moved since the counts were read (they are read again when due).
        self._counts_behind = False
        self._user: UserInfo | None = None
        self._user_read: datetime | None = None
        self._queue_key: tuple[Any, ...] | None = None
        self._failed_recent = 0
        self._queue_moved: datetime | None = None

    def force_full_read(self) -> None:
        """Read everything at the next refresh (after an action changed the server)."""
        self._counts_read = self._status_read = None

    async def _read_status(self) -> SystemStatus | None:
        try:
            status = await self.client.status()
        except PaperlessPermissionError:
            self._status_refused = True
            if not self._status_refused_logged:
                LOGGER.info(
                    "%s: the token's user may not read the system status; the health sensors "
                    "stay unavailable (give the user the staff flag or view_system_monitoring)",
                    self.config_entry.title,
                )
                self._status_refused_logged = True
            return None
        self._status_refused = False
        return status

    async def _read_user(self) -> UserInfo | None:
        try:
            return await self.client.user_info()
        except PaperlessPermissionError:
            return None  # no view_uisettings: judged from the status refusal instead
        except PaperlessAuthenticationError:
            raise
        except PaperlessError as err:
            LOGGER.debug("%s: cannot read the token's user: %s", self.config_entry.title, err)
            return None

    async def _count(self, tag: Tag) -> int:
        if tag.document_count is not None:
            return tag.document_count
        return await self.client.count_documents(with_tag=tag.id)

    async def _read_counts(self) -> tuple[Statistics, dict[str, int | None], int | None]:
        statistics = await self.client.statistics()
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
        return statistics, stages, ai_backlog

    def _queue_moved_at(self, queue: TaskQueue, now: datetime) -> bool:
        """Note when the queue last changed; whether it changed now."""
        key = (
            queue.pending,
            queue.started,
            queue.oldest_task.id if queue.oldest_task else None,
            tuple(task.id for task in queue.running),
        )
        moved = key != self._queue_key
        if moved or self._queue_moved is None:
            self._queue_moved = now
        self._queue_key = key
        return moved

    def _status_due(self, queue: TaskQueue, now: datetime, *, moved: bool) -> bool:
        if self._status_refused:
            return _due(self._status_read, now, USER_INTERVAL)
        if _due(self._status_read, now, STATUS_INTERVAL):
            return True
        status = self._status
        unhealthy = status is not None and any(
            state not in (None, OK)
            for state in (status.database, status.redis, status.celery, status.index)
        )
        stalled = (
            queue.in_progress > 0
            and self._queue_moved is not None
            and now - self._queue_moved >= STALL_AFTER
        )
        if unhealthy and moved:
            return _due(self._status_read, now, RECOVERY_RECHECK)
        return (unhealthy or stalled) and _due(self._status_read, now, STATUS_RECHECK)

    def _limited(self, api_version: int) -> bool:
        if self._user is not None:
            return not self._user.sees_everything(api_version)
        # Without the user's details: the status is refused exactly to the users who are not
        # staff (nor superuser, nor granted system monitoring), who see only their own tasks.
        return self._status_refused

    def _sync_limited_issue(self, limited: bool) -> None:
        async_sync_issue(
            self.hass,
            f"{self.config_entry.entry_id}_{LIMITED_USER_ISSUE}",
            LIMITED_USER_ISSUE,
            {
                "entry": self.config_entry.title,
                "user": (self._user.username if self._user else None) or "?",
            },
            active=limited,
        )

    @override
    async def _fetch(self) -> PaperlessData:
        queue = await self.client.task_queue(failures=False)
        now = queue.server_time or dt_util.utcnow()
        moved = self._queue_moved_at(queue, now)
        self._counts_behind |= moved
        if (
            self._counts is None
            or (self._counts_behind and _due(self._counts_read, now, COUNTS_BUSY_INTERVAL))
            or _due(self._counts_read, now, COUNTS_INTERVAL)
        ):
            # A task that failed left the queue: the failures are read with the counts.
            self._failed_recent = await self.client.recent_failures()
            self._counts = await self._read_counts()
            self._counts_read = now
            self._counts_behind = False
        queue = replace(queue, failed_recent=self._failed_recent)
        if self._status_due(queue, now, moved=moved):
            self._status = await self._read_status()
            self._status_read = now
        if _due(self._user_read, now, USER_INTERVAL):
            self._user = await self._read_user()
            self._user_read = now
        api_version = self.client.api_version or 9
        limited = self._limited(api_version)
        self._sync_limited_issue(limited)
        statistics, stages, ai_backlog = self._counts
        return PaperlessData(
            statistics=statistics,
            queue=queue,
            status=self._status,
            server_time=now,
            api_version=api_version,
            server_version=self.client.server_version,
            stages=dict(stages),
            ai_backlog=ai_backlog,
            user=self._user,
            limited_user=limited,
        )

    async def async_dismiss_stuck(self, threshold: timedelta) -> int:
        """Dismiss (acknowledge) the running tasks older than `threshold`; how many."""
        ids = [task.id for task in self.data.stuck_tasks(threshold)] if self.data else []
        count = await self.client.acknowledge_tasks(ids) if ids else 0
        self.force_full_read()
        await self.async_refresh()
        return count


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
