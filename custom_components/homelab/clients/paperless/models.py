"""Typed answers of the Paperless-ngx API (versions 9 and 10), declared once.

Each model's `from_dict` reads its fields by their declared type (see `.._model`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from .._model import JSONDict, Strict, nonempty, opt_str
from ..http_api import ApiModel, iso_time, source
from .exceptions import PaperlessInvalidResponseError

# Task states, lower case (API 10 sends them so; API 9 sends upper case).
PENDING: Final = "pending"
STARTED: Final = "started"
SUCCESS: Final = "success"
FAILURE: Final = "failure"
REVOKED: Final = "revoked"


class _Model(ApiModel, invalid_error=PaperlessInvalidResponseError):
    __slots__ = ()


_strict = Strict(PaperlessInvalidResponseError)
mapping = _strict.as_dict
"""`data` as a JSON object, or the client's invalid-response error."""
required_int = _strict.req_int
"""An integer field that must be present."""


def parse_time(value: object) -> datetime | None:
    """An ISO 8601 time with an offset, or `None`."""
    return iso_time(value)


def page_results(data: object, what: str) -> list[Any]:
    """The `results` of a paginated answer, or the list itself (API 9 task lists)."""
    if isinstance(data, list):
        return data
    return _strict.as_list(mapping(data, what).get("results"), f"{what}.results")


@dataclass(frozen=True, slots=True)
class Statistics(_Model):
    """`GET /api/statistics/`: document counts (the inbox count is `None` without an inbox tag)."""

    documents_total: int
    documents_inbox: int | None = None


def _state(data: JSONDict, key: str) -> str | None:
    """A component's state, upper case (`OK`, `WARNING`, `ERROR`); an empty one is absent."""
    value = nonempty(data, key)
    return value.upper() if value else None


@dataclass(frozen=True, slots=True)
class SystemStatus(_Model):
    """`GET /api/status/`: each component as `OK`, `WARNING` or `ERROR` (`None`: not reported).

    The `database` and `tasks` objects are required.
    """

    required_objects = ("database", "tasks")

    version: str | None = field(metadata=source("pngx_version"))
    database: str | None = field(metadata=source("status", within="database", read=_state))
    redis: str | None = field(metadata=source("redis_status", within="tasks", read=_state))
    celery: str | None = field(metadata=source("celery_status", within="tasks", read=_state))
    index: str | None = field(metadata=source("index_status", within="tasks", read=_state))
    classifier: str | None = field(
        metadata=source("classifier_status", within="tasks", read=_state)
    )


def _lower(data: JSONDict, key: str) -> str | None:
    value = opt_str(data, key)
    return value.lower() if value is not None else None


def _file_name(data: JSONDict, _key: str) -> str | None:
    """API 9: `task_file_name`; API 10: `input_data.filename` (reprocessing: none)."""
    name = data.get("task_file_name")
    input_data = data.get("input_data")
    if name is None and isinstance(input_data, dict):
        name = input_data.get("filename")
    return name if isinstance(name, str) else None


def _task_type(data: JSONDict, key: str) -> str | None:
    """API 10: `task_type`; API 9: `task_name`."""
    return opt_str(data, key if key in data else "task_name")


def _task_error(data: JSONDict, _key: str) -> str | None:
    """Why a failed task failed.

    API 10: `result_data` is `{error_type, error_message, traceback}` (or a duplicate's
    `{duplicate_of, ...}`); API 9: `result` is the message.
    """
    if _lower(data, "status") != FAILURE:
        return None
    result_data = data.get("result_data")
    if isinstance(result_data, dict):
        for key in ("error_message", "reason"):
            if isinstance(result_data.get(key), str):
                return str(result_data[key])
        if isinstance(result_data.get("duplicate_of"), int):
            return f"It is a duplicate of document #{result_data['duplicate_of']}"
    return opt_str(data, "result")


@dataclass(frozen=True, slots=True)
class Task(_Model):
    """One task, in the same shape for both API versions; `id` and `status` are required."""

    id: int
    status: str = field(metadata=source(read=_lower))
    """Lower case: pending, started, success, failure, revoked."""
    created: datetime | None = field(metadata=source("date_created"))
    done: datetime | None = field(default=None, metadata=source("date_done"))
    file_name: str | None = field(default=None, metadata=source(read=_file_name))
    task_type: str | None = field(default=None, metadata=source(read=_task_type))
    acknowledged: bool = False
    started: datetime | None = field(default=None, metadata=source("date_started"))
    """When a worker took it (API 10 only: API 9 has no `date_started`)."""
    error: str | None = field(default=None, metadata=source(read=_task_error))
    """Why it failed: API 10 `result_data.error_message` (or `reason`), API 9 `result`."""


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


def _permissions(data: JSONDict, key: str) -> frozenset[str] | None:
    value = data.get(key)
    return frozenset(p for p in value if isinstance(p, str)) if isinstance(value, list) else None


_USER: Final = source(within="user")


@dataclass(frozen=True, slots=True)
class UserInfo(_Model):
    """`GET /api/ui_settings/`: who the token belongs to (`user`, required), what it may do."""

    required_objects = ("user",)

    username: str | None = field(metadata=_USER)
    is_staff: bool = field(default=False, metadata=_USER)
    is_superuser: bool = field(default=False, metadata=_USER)
    permissions: frozenset[str] = field(default=frozenset(), metadata=source(read=_permissions))

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
class Tag(_Model):
    """One tag; `id` and `name` are required."""

    id: int
    name: str
    document_count: int | None = None


def _ids(data: JSONDict, _key: str) -> tuple[int, ...]:
    """The ids of a page's `results` (required, and each needs an `id`)."""
    return tuple(
        required_int(mapping(doc, "document"), "id") for doc in page_results(data, "documents")
    )


def _all_ids(data: JSONDict, key: str) -> tuple[int, ...]:
    """`all` (Paperless-ngx adds it to API 9 document pages), else the page's own ids."""
    every = data.get(key)
    if not isinstance(every, list):
        return _ids(data, key)
    return tuple(i for i in every if isinstance(i, int) and not isinstance(i, bool))


@dataclass(frozen=True, slots=True)
class DocumentPage(_Model):
    """The ids on one page of `GET /api/documents/`, and how many match in all (`count`)."""

    count: int
    ids: tuple[int, ...] = field(default=(), metadata=source("results", read=_ids))
    all_ids: tuple[int, ...] = field(default=(), metadata=source("all", read=_all_ids))
    """Every matching id, in order (Paperless-ngx adds `all` to document pages)."""
