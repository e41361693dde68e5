"""Typed answers of the Paperless-ngx API (versions 9 and 10), parsed in one place."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Self

from ..http_api import Reader, iso_time, nonempty_str, optional_int, optional_str
from .exceptions import PaperlessInvalidResponseError

# Task states, lower case (API 10 sends them so; API 9 sends upper case).
PENDING: Final = "pending"
STARTED: Final = "started"
SUCCESS: Final = "success"
FAILURE: Final = "failure"
REVOKED: Final = "revoked"


_read = Reader(PaperlessInvalidResponseError)
mapping = _read.mapping
"""`data` as a JSON object, or the client's invalid-response error."""
required_int = _read.integer
"""An integer field that must be present."""


def parse_time(value: object) -> datetime | None:
    """An ISO 8601 time with an offset, or `None`."""
    return iso_time(value)


def page_results(data: object, what: str) -> list[Any]:
    """The `results` of a paginated answer, or the list itself (API 9 task lists)."""
    if isinstance(data, list):
        return data
    return _read.items(mapping(data, what), "results", what)


@dataclass(frozen=True, slots=True)
class Statistics:
    """`GET /api/statistics/`: document counts (the inbox count is `None` without an inbox tag)."""

    documents_total: int
    documents_inbox: int | None = None

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Parse the statistics; `documents_total` is required."""
        item = mapping(data, "statistics")
        return cls(
            documents_total=required_int(item, "documents_total", "statistics"),
            documents_inbox=optional_int(item.get("documents_inbox")),
        )


@dataclass(frozen=True, slots=True)
class SystemStatus:
    """`GET /api/status/`: each component as `OK`, `WARNING` or `ERROR` (`None`: not reported)."""

    version: str | None
    database: str | None
    redis: str | None
    celery: str | None
    index: str | None
    classifier: str | None

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Parse the status; the `database` and `tasks` objects are required."""
        item = mapping(data, "status")
        database = mapping(item.get("database"), "status.database")
        tasks = mapping(item.get("tasks"), "status.tasks")

        def state(source: Mapping[str, Any], key: str) -> str | None:
            value = nonempty_str(source.get(key))
            return value.upper() if value else None

        return cls(
            version=optional_str(item.get("pngx_version")),
            database=state(database, "status"),
            redis=state(tasks, "redis_status"),
            celery=state(tasks, "celery_status"),
            index=state(tasks, "index_status"),
            classifier=state(tasks, "classifier_status"),
        )


@dataclass(frozen=True, slots=True)
class Task:
    """One task, in the same shape for both API versions."""

    id: int
    status: str
    """Lower case: pending, started, success, failure, revoked."""
    created: datetime | None
    done: datetime | None = None
    file_name: str | None = None
    task_type: str | None = None
    acknowledged: bool = False
    started: datetime | None = None
    """When a worker took it (API 10 only: API 9 has no `date_started`)."""
    error: str | None = None
    """Why it failed: API 10 `result_data.error_message` (or `reason`), API 9 `result`."""

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Parse an API 9 or API 10 task; `id` and `status` are required."""
        item = mapping(data, "task")
        status = _read.text(item, "status", "task")
        # API 9: task_file_name and task_name; API 10: input_data.filename and task_type.
        # Reprocess and bulk-update tasks have an empty input_data: no file name.
        input_data = item.get("input_data")
        file_name = item.get("task_file_name")
        if file_name is None and isinstance(input_data, Mapping):
            file_name = input_data.get("filename")
        task_type = item.get("task_type", item.get("task_name"))
        lowered = status.lower()
        return cls(
            id=required_int(item, "id", "task"),
            status=lowered,
            created=parse_time(item.get("date_created")),
            done=parse_time(item.get("date_done")),
            file_name=optional_str(file_name),
            task_type=optional_str(task_type),
            acknowledged=item.get("acknowledged") is True,
            started=parse_time(item.get("date_started")),
            error=_task_error(item) if lowered == FAILURE else None,
        )


def _task_error(item: Mapping[str, Any]) -> str | None:
    """Why a task failed.

    API 10: `result_data` is `{error_type, error_message, traceback}` (or a duplicate's
    `{duplicate_of, ...}`); API 9: `result` is the message.
    """
    result_data = item.get("result_data")
    if isinstance(result_data, Mapping):
        for key in ("error_message", "reason"):
            if isinstance(result_data.get(key), str):
                return str(result_data[key])
        if isinstance(result_data.get("duplicate_of"), int):
            return f"It is a duplicate of document #{result_data['duplicate_of']}"
    return optional_str(item.get("result"))


@dataclass(frozen=True, slots=True)
class TaskQueue:
    """How deep the consumption queue is, read at `server_time` (the server's clock).

    Acknowledged ("dismissed") tasks are left out: a task orphaned in `started` by a killed
    worker stays so for ever, and dismissing it is how a user says it is no longer waited for.
    """

    pending: int
    started: int
    oldest: datetime | None
    """When the oldest task still waiting or running was created."""
    failed_recent: int
    """Failed tasks not acknowledged, that failed within the window asked for (24 h)."""
    server_time: datetime | None = None
    oldest_task: Task | None = None
    """The oldest task still waiting or running."""
    running: tuple[Task, ...] = ()
    """The tasks running, oldest first (at most a page of them)."""

    @property
    def in_progress(self) -> int:
        """Waiting plus running."""
        return self.pending + self.started


@dataclass(frozen=True, slots=True)
class UserInfo:
    """`GET /api/ui_settings/`: who the token belongs to and what it may do."""

    username: str | None
    is_staff: bool
    is_superuser: bool
    permissions: frozenset[str] = frozenset()

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Parse the `user` and `permissions` of the UI settings."""
        item = mapping(data, "ui_settings")
        user = mapping(item.get("user"), "ui_settings.user")
        permissions = item.get("permissions")
        return cls(
            username=optional_str(user.get("username")),
            is_staff=user.get("is_staff") is True,
            is_superuser=user.get("is_superuser") is True,
            permissions=frozenset(p for p in permissions or () if isinstance(p, str))
            if isinstance(permissions, list)
            else frozenset(),
        )

    def sees_every_task(self, api_version: int) -> bool:
        """Whether every task is listed: on 3.x for staff, on 2.x only for superusers.

        Others see their own and unowned tasks.
        """
        return self.is_superuser or (self.is_staff and api_version >= 10)  # noqa: PLR2004

    def sees_every_document_count(self, api_version: int) -> bool:
        """Whether every document is counted: only for superusers, on both versions.

        Documents (their list, tag counts) are owner-aware for everybody else.
        """
        del api_version  # the same on 2.x and 3.x: owner-aware object permissions
        return self.is_superuser

    def sees_everything(self, api_version: int) -> bool:
        """Whether the counts read with this token are the whole server's."""
        return self.sees_every_task(api_version) and self.sees_every_document_count(api_version)


@dataclass(frozen=True, slots=True)
class Tag:
    """One tag."""

    id: int
    name: str
    document_count: int | None = None

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Parse a tag; `id` and `name` are required."""
        item = mapping(data, "tag")
        return cls(
            name=_read.text(item, "name", "tag"),
            id=required_int(item, "id", "tag"),
            document_count=optional_int(item.get("document_count")),
        )


@dataclass(frozen=True, slots=True)
class DocumentPage:
    """The ids on one page of `GET /api/documents/`, and how many match in all."""

    count: int
    ids: tuple[int, ...]
    all_ids: tuple[int, ...] = ()
    """Every matching id, in order (Paperless-ngx adds `all` to document pages)."""

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Parse a page of documents; `count` is required and each result needs an `id`."""
        item = mapping(data, "documents")
        ids = tuple(
            required_int(mapping(doc, "document"), "id", "document")
            for doc in page_results(item, "documents")
        )
        every = item.get("all")
        all_ids = (
            tuple(i for i in every if optional_int(i) is not None)
            if isinstance(every, list)
            else ids
        )
        return cls(count=required_int(item, "count", "documents"), ids=ids, all_ids=all_ids)
