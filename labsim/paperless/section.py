"""The ``paperless`` scenario section: the server, its user, archive and queue."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from labsim.httpsvc import section_error
from labsim.scenario import _Reader, section_parser

NAME: Final = "paperless"
PENDING: Final = "PENDING"
STARTED: Final = "STARTED"
SUCCESS: Final = "SUCCESS"
FAILURE: Final = "FAILURE"
REVOKED: Final = "REVOKED"
TASK_STATES: Final = (PENDING, STARTED, SUCCESS, FAILURE, REVOKED)
HEALTH_STATES: Final = ("OK", "WARNING", "ERROR")
COMPONENTS: Final = ("database", "redis", "celery", "index", "classifier")
CONSUME: Final = "consume_file"
REPROCESS: Final = "reprocess_document"
BULK_UPDATE: Final = "bulk_update"
TASK_TYPE_NAMES: Final = {
    CONSUME: "Consume File",
    REPROCESS: "Reprocess Document",
    BULK_UPDATE: "Bulk Update",
}
TRIGGER_NAMES: Final = {
    "folder_consume": "Folder Consume",
    "api_upload": "API Upload",
    "manual": "Manual",
    "system": "System",
}
# API 9 on 3.x maps trigger sources back to the old task "type".
V9_TYPES: Final = {"folder_consume": "auto_task", "system": "auto_task"}
BULK_UPDATE_SECONDS: Final = 1.0
ACTIVE_LIMIT: Final = 50
DEFAULT_PAGE_SIZE: Final = 25
OWNER_ID: Final = 3
USERNAME: Final = "paperless"
TASK_ORDERING: Final = ("date_created", "date_done", "status", "task_type")
# Modelled server time of each answer, in seconds. /api/status/ as the recorded 3.0.5 and
# 2.20.15 took (2.2-2.4 s); the others as a real 2.20.15 answered on loopback (granian, SQLite,
# a few documents; medians of the client's own timings, so a little on the high side).
STATUS_SECONDS: Final = 2.3
COSTS: Final = {
    "/api/status/": STATUS_SECONDS,
    "/api/statistics/": 0.1,
    "/api/tags/": 0.11,
    "/api/documents/": 0.16,
    "/api/tasks/": 0.035,
    "/api/tasks/active/": 0.05,
    "/api/tasks/status_counts/": 0.035,
    "/api/ui_settings/": 0.06,
}
DEFAULT_COST: Final = 0.01
JSON: Final = "application/json"
HTML: Final = "text/html"
TITLES: Final = (
    "Invoice",
    "Bank statement",
    "Payslip",
    "Insurance letter",
    "Tax notice",
    "Receipt",
    "Contract",
    "Utility bill",
)
NOT_FOUND_IDS: Final = "Some documents in documents don't exist or were specified twice."


@dataclass(slots=True)
class TaskSeed:
    """A task in the scenario."""

    file: str
    status: str
    created: datetime
    started: datetime | None = None
    done: datetime | None = None
    result: str | None = None
    document: int | None = None
    acknowledged: bool = False


@dataclass(slots=True)
class PaperlessSection:
    """The parsed ``paperless`` section."""

    port: int = 0
    version: str = "2.20.15"
    token: str = ""
    staff: bool = True
    change_documents: bool = True
    processing_seconds: float = 30.0
    workers: int = 1
    timezone: str = "UTC"
    health: dict[str, str] = field(default_factory=lambda: dict.fromkeys(COMPONENTS, "OK"))
    tags: list[str] = field(default_factory=list)
    inbox_tags: list[str] = field(default_factory=list)
    document_count: int = 0
    tagged: dict[str, list[int]] = field(default_factory=dict)
    tasks: list[TaskSeed] = field(default_factory=list)
    origin: datetime | None = None
    """When the scenario was loaded: documents are dated back from it."""


def _tagged(reader: _Reader, count: int) -> dict[str, list[int]]:
    result: dict[str, list[int]] = {}
    for name, spec in reader.mapping("tagged").items():
        if isinstance(spec, list) and all(isinstance(i, int) for i in spec):
            ids = list(spec)
        elif isinstance(spec, Mapping) and set(spec) <= {"newest", "oldest"} and len(spec) == 1:
            (which, amount), *_ = spec.items()
            if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
                raise reader.fail("tagged", f"a count for {name}", spec)
            ids = (
                list(range(max(count - amount, 0) + 1, count + 1))
                if which == "newest"
                else list(range(1, min(amount, count) + 1))
            )
        else:
            raise reader.fail("tagged", f"a list of ids or {{newest|oldest: N}} for {name}", spec)
        if any(not 1 <= i <= count for i in ids):
            raise reader.fail("tagged", f"document ids between 1 and {count} for {name}", spec)
        result[str(name)] = ids
    return result


@section_parser(NAME, optional=True)
def parse_section(reader: _Reader, now: datetime) -> PaperlessSection:
    """Parse the ``paperless`` section."""
    user = reader.child("user", reader.mapping("user"))
    health_reader = reader.child("health", reader.mapping("health"))
    health = {name: health_reader.choice(name, HEALTH_STATES, "OK") for name in COMPONENTS}
    health_reader.finish()
    documents = reader.child("documents", reader.mapping("documents"))
    count = documents.integer("count", 0)
    tagged = _tagged(documents, count)
    documents.finish()
    tags = [str(tag) for tag in reader.seq("tags")]
    for name in [*tagged, *(str(t) for t in reader.seq("inbox_tags"))]:
        if name not in tags:
            raise section_error(reader, f"tag {name!r} is not in paperless.tags")
    tasks: list[TaskSeed] = []
    for item in reader.items("tasks"):
        created = item.time("created", now, "now")
        task = TaskSeed(
            file=item.text("file", required=True),
            status=item.choice("status", TASK_STATES, SUCCESS),
            created=created,
            started=item.opt_time("started", now),
            done=item.opt_time("done", now),
            result=item.opt_text("result"),
            document=item.integer("document", 0) or None,
            acknowledged=item.flag("acknowledged"),
        )
        item.finish()
        tasks.append(task)
    section = PaperlessSection(
        port=reader.integer("port", 0),
        version=reader.text("version", "2.20.15"),
        token=reader.text("token", required=True),
        staff=user.flag("staff", default=True),
        change_documents=user.flag("change_documents", default=True),
        processing_seconds=reader.number("processing_seconds", 30.0),
        workers=reader.integer("workers", 1),
        timezone=reader.text("timezone", "UTC"),
        health=health,
        tags=tags,
        inbox_tags=[str(t) for t in reader.seq("inbox_tags")],
        document_count=count,
        tagged=tagged,
        tasks=tasks,
        origin=now,
    )
    user.finish()
    reader.finish()
    if section.workers < 1:
        raise section_error(reader, "workers must be at least 1")
    return section
