"""A simulated Paperless-ngx: the REST API in its version 9 (2.x) and version 10 (3.x) shapes.

Scenario section ``paperless`` (absent: no Paperless-ngx)::

    paperless:
      port: 30070
      version: 2.20.15        # 2.x allows API 1-9 (default 9); 3.x allows 9 and 10 (default 10)
      token: 0123...           # the API token (Authorization: Token ...)
      user: {staff: true, change_documents: true}   # staff sees /api/status/
      processing_seconds: 30   # one consume or reprocess task on a worker
      workers: 1
      timezone: Europe/Berlin
      health: {database: OK, redis: OK, celery: OK, index: OK, classifier: OK}
      tags: [inbox, needs-processing, ...]     # ids 1, 2, ... in this order
      inbox_tags: [inbox]
      documents:
        count: 1284                             # ids 1..count, one a day up to now
        tagged: {inbox: {newest: 6}, ai-processed: {oldest: 1270}, automation-failed: [1203]}
      tasks:
        - {file: scan.pdf, status: STARTED, created: "-40s", started: "-10s"}
        - {file: bad.pdf, status: FAILURE, created: "-5h", result: "..."}

Tasks move lazily with the lab clock: free workers take pending tasks oldest first; a task ends
``processing_seconds`` after it started, as a new document (consume) or a touched one (reprocess),
or as a failure when it was queued to fail; a ``bulk_update`` (tagging) takes a second. Nothing
moves while Celery or Redis is in error or the queue is stalled. A killed worker
(``POST kill_worker``) leaves its task ``started`` for ever, as Celery does not redeliver it.

What the real servers do (recorded from 3.0.5 and 2.20.15, see ``tests/paperless/fixtures``):

- ``GET /api/`` answers ``302`` to ``schema/view/`` (no version headers); the Swagger view answers
  ``406`` (HTML) to a JSON ``Accept``, and ``500`` to a wrong token.
- Version headers (``X-Api-Version``, ``X-Version``) come only with an authenticated answer.
- 2.x records only ``consume_file`` tasks and filters ``status`` in upper case (``PENDING``);
  3.x records every task type and filters in lower case, with API 9 too (400 otherwise), while
  API 9 still shows the status in upper case. API 9 task lists are plain lists; API 10 pages
  have no ``all``. ``/api/tasks/active/`` (3.x) lists the newest 50 first.
- 3.x shows a user who is not staff only its own and unowned tasks; both versions show (and
  count) a user who is not a superuser only its own documents (2.20.15 run for real: 0).
- ``POST /api/documents/reprocess/`` is 3.x only: 2.x answers 405.
- ``/api/status/`` takes 2.2 to 2.4 s. Each answer is charged a modelled server time
  (``GET cost``), so benchmarks can add up what a poller costs the server without waiting.

Control routes (``/control/paperless/...``): ``GET state``, ``POST consume {"files"|"count",
"created", "fail", "tags"}``, ``POST fail {"task_ids"}``, ``POST stall {"stalled"}``,
``POST kill_worker``, ``POST health {"celery": "ERROR", ...}``, ``POST version {"version"}``,
``POST user {"staff", "superuser", "user_id", "change_documents"}``, ``POST token {"token"}``,
``POST tag {"name", "documents"}``, ``GET cost`` / ``DELETE cost``, ``POST fault`` /
``DELETE fault``, ``POST reset``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import json
from typing import Any, Final
from zoneinfo import ZoneInfo

from aiohttp import web

from .httpsvc import (
    HTTPService,
    ServiceClock,
    body_time,
    control_body,
    json_response,
    parse_fault,
    section_error,
    service_middleware,
)
from .scenario import SECTION_PARSERS, _Reader, stable_uuid
from .state import LabError

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


def parse_section(reader: _Reader, now: datetime) -> PaperlessSection | None:
    """Parse the ``paperless`` section (``None`` when it is absent)."""
    if not reader.data:
        return None
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


SECTION_PARSERS[NAME] = parse_section


# ---------------------------------------------------------------- state


@dataclass(slots=True)
class Tag:
    """A tag."""

    id: int
    name: str
    inbox: bool = False


@dataclass(slots=True)
class Document:
    """A document (only what the lab needs)."""

    id: int
    title: str
    created: datetime
    added: datetime
    modified: datetime
    tags: set[int] = field(default_factory=set)


@dataclass(slots=True)
class PaperlessTask:
    """A Celery task as Paperless-ngx records it."""

    id: int
    task_id: str
    task_type: str
    file_name: str | None
    status: str
    created: datetime
    started: datetime | None = None
    done: datetime | None = None
    result: str | None = None
    documents: list[int] = field(default_factory=list)
    acknowledged: bool = False
    fail: str | None = None
    tags: list[str] = field(default_factory=list)
    trigger: str = "folder_consume"
    owner: int | None = OWNER_ID
    """3.x: consume tasks belong to the uploader; reprocess and bulk updates to nobody."""
    orphaned: bool = False
    """Its worker was killed: it stays ``STARTED`` for ever and holds no worker."""


def api_versions(server_version: str) -> tuple[list[int], int]:
    """The API versions a server allows and its default: 2.x 1-9 (9); 3.x 9 and 10 (10)."""
    try:
        major = int(server_version.split(".", 1)[0])
    except ValueError:
        major = 2
    if major >= 3:  # noqa: PLR2004 - Paperless-ngx 3.x
        return [9, 10], 10
    return list(range(1, 10)), 9


class PaperlessState:
    """Documents, tags and tasks, moved forward by ``sync``."""

    def __init__(self, section: PaperlessSection, clock: ServiceClock) -> None:
        """Build the scenario's archive."""
        self.section = section
        self.clock = clock
        self.version = section.version
        self.token = section.token
        self.staff = section.staff
        self.superuser = section.staff
        self.user_id = OWNER_ID
        self.change_documents = section.change_documents
        self.cost_requests = 0
        self.cost_seconds = 0.0
        self.cost_by_path: dict[str, int] = {}
        self.health = dict(section.health)
        self.stalled = False
        self.tags: dict[int, Tag] = {}
        for name in section.tags:
            self.tag_named(name, create=True)
        for name in section.inbox_tags:
            tag = self.tag_named(name)
            if tag is not None:
                tag.inbox = True
        origin = section.origin or clock.now()
        self.documents: dict[int, Document] = {}
        for doc_id in range(1, section.document_count + 1):
            created = origin - timedelta(days=section.document_count - doc_id, hours=6)
            self.documents[doc_id] = Document(
                id=doc_id,
                title=f"{TITLES[doc_id % len(TITLES)]} {doc_id}",
                created=created,
                added=created,
                modified=created,
            )
        for name, ids in section.tagged.items():
            tag = self.tag_named(name, create=True)
            assert tag is not None  # noqa: S101 - created above
            for doc_id in ids:
                self.documents[doc_id].tags.add(tag.id)
        self.tasks: list[PaperlessTask] = []
        for seed in section.tasks:
            task = self._new_task(CONSUME, seed.file, seed.created)
            task.status = seed.status
            task.started = seed.started or (seed.created if seed.status != PENDING else None)
            task.done = seed.done or (
                seed.created if seed.status in (SUCCESS, FAILURE, REVOKED) else None
            )
            task.result = seed.result
            task.acknowledged = seed.acknowledged
            if seed.document is not None:
                task.documents = [seed.document]
        self.reprocessed: list[int] = []
        self._synced = clock.now()

    @property
    def major(self) -> int:
        """The server's major version."""
        return 3 if api_versions(self.version)[1] >= 10 else 2  # noqa: PLR2004 - API 10

    def charge(self, path: str) -> None:
        """Count a request and its modelled server time."""
        self.cost_requests += 1
        self.cost_seconds += COSTS.get(path, DEFAULT_COST)
        self.cost_by_path[path] = self.cost_by_path.get(path, 0) + 1

    def visible_task(self, task: PaperlessTask) -> bool:
        """3.x: staff see every task, others their own and unowned ones."""
        return self.major < 3 or self.staff or task.owner in (None, self.user_id)  # noqa: PLR2004

    def visible_documents(self) -> list[Document]:
        """A user who is not a superuser sees (and counts) only its own documents (2.x, 3.x)."""
        docs = list(self.documents.values())
        if self.superuser or self.user_id == OWNER_ID:
            return docs
        return []

    # ------------------------------------------------------------ tags and documents

    def tag_named(self, name: str, *, create: bool = False) -> Tag | None:
        """The tag called ``name`` (case-insensitive), created when asked."""
        for tag in self.tags.values():
            if tag.name.casefold() == name.casefold():
                return tag
        if not create:
            return None
        tag = Tag(id=max(self.tags, default=0) + 1, name=name)
        self.tags[tag.id] = tag
        return tag

    def add_tag(self, doc_ids: Iterable[int], name: str) -> Tag:
        """Tag documents (creating the tag)."""
        tag = self.tag_named(name, create=True)
        assert tag is not None  # noqa: S101 - created
        for doc_id in doc_ids:
            self.documents[doc_id].tags.add(tag.id)
            self.documents[doc_id].modified = self.clock.now()
        return tag

    @property
    def inbox_ids(self) -> set[int]:
        """Ids of the inbox tags."""
        return {tag.id for tag in self.tags.values() if tag.inbox}

    # ------------------------------------------------------------ tasks

    def _new_task(self, task_type: str, file_name: str | None, created: datetime) -> PaperlessTask:
        task_number = len(self.tasks) + 1
        task = PaperlessTask(
            id=task_number,
            task_id=stable_uuid("paperless-task", str(task_number), file_name or task_type),
            task_type=task_type,
            file_name=file_name,
            status=PENDING,
            created=created,
        )
        self.tasks.append(task)
        return task

    def consume(
        self,
        file_name: str,
        created: datetime,
        *,
        fail: str | None = None,
        tags: list[str] | None = None,
        trigger: str = "folder_consume",
    ) -> PaperlessTask:
        """Queue a file for consumption."""
        task = self._new_task(CONSUME, file_name, created)
        task.fail, task.tags, task.trigger = fail, list(tags or []), trigger
        return task

    def reprocess(self, doc_ids: Iterable[int]) -> None:
        """Queue documents for reprocessing (one task each)."""
        now = self.clock.now()
        for doc_id in doc_ids:
            task = self._new_task(REPROCESS, None, now)
            task.documents, task.trigger, task.owner = [doc_id], "manual", None
            self.reprocessed.append(doc_id)

    def bulk_update(self) -> None:
        """3.x records the index update after a tag change as a short ``bulk_update`` task."""
        if self.major < 3:  # noqa: PLR2004 - 2.x records only consume tasks
            return
        task = self._new_task(BULK_UPDATE, None, self.clock.now())
        task.trigger, task.owner = "system", None

    def kill_worker(self) -> list[int]:
        """The running tasks' worker dies: they stay ``STARTED`` for ever, holding nothing."""
        killed = [t.id for t in self.tasks if t.status == STARTED and not t.orphaned]
        for task in self.tasks:
            if task.id in killed:
                task.orphaned = True
        return killed

    @property
    def workers_up(self) -> bool:
        """Celery workers take tasks only while Celery and Redis work and nothing is stalled."""
        return (
            not self.stalled
            and self.health["celery"] != "ERROR"
            and self.health["redis"] != "ERROR"
        )

    def sync(self, now: datetime) -> None:
        """Run the workers up to ``now``."""
        cursor = self._synced
        if not self.workers_up:
            self._synced = max(self._synced, now)
            return
        processing = timedelta(seconds=self.section.processing_seconds)
        short = timedelta(seconds=BULK_UPDATE_SECONDS)
        while True:
            running = [t for t in self.tasks if t.status == STARTED and not t.orphaned]
            free = self.section.workers - len(running)
            waiting = sorted(
                (t for t in self.tasks if t.status == PENDING and t.created <= now),
                key=lambda t: (t.created, t.id),
            )
            for task in waiting[: max(free, 0)]:
                task.status = STARTED
                task.started = max(task.created, cursor)
                running.append(task)
            if not running:
                break
            task = min(
                running,
                key=lambda t: (
                    (t.started or cursor) + (short if t.task_type == BULK_UPDATE else processing),
                    t.id,
                ),
            )
            finish = (task.started or cursor) + (
                short if task.task_type == BULK_UPDATE else processing
            )
            if finish > now:
                break
            self._finish(task, finish)
            cursor = finish
        self._synced = max(self._synced, now)

    def _finish(self, task: PaperlessTask, moment: datetime) -> None:
        task.done = moment
        if task.fail is not None:
            task.status, task.result = FAILURE, task.fail
            return
        task.status = SUCCESS
        if task.task_type == BULK_UPDATE:
            return
        if task.task_type == REPROCESS:
            for doc_id in task.documents:
                if doc_id in self.documents:
                    self.documents[doc_id].modified = moment
            task.result = "Success"
            return
        doc_id = max(self.documents, default=0) + 1
        title = (task.file_name or f"document-{doc_id}").rsplit(".", 1)[0]
        document = Document(id=doc_id, title=title, created=moment, added=moment, modified=moment)
        document.tags |= self.inbox_ids
        for name in task.tags:
            tag = self.tag_named(name, create=True)
            assert tag is not None  # noqa: S101 - created
            document.tags.add(tag.id)
        self.documents[doc_id] = document
        task.documents = [doc_id]
        task.result = f"Success. New document id {doc_id} created"

    def fail(self, task_ids: list[int] | None, reason: str) -> list[int]:
        """End unfinished tasks (all, or these) as failures now."""
        now = self.clock.now()
        failed = []
        for task in self.tasks:
            if task.status in (PENDING, STARTED) and (task_ids is None or task.id in task_ids):
                task.status, task.done, task.result = FAILURE, now, reason
                task.started = task.started or now
                failed.append(task.id)
        return failed

    def resume_running(self) -> None:
        """After a stall the running tasks start over."""
        now = self.clock.now()
        for task in self.tasks:
            if task.status == STARTED and not task.orphaned:
                task.started = now
        self._synced = now

    # ------------------------------------------------------------ JSON

    def time(self, moment: datetime | None) -> str | None:
        """Django REST's ISO 8601, in the server's time zone."""
        if moment is None:
            return None
        return moment.astimezone(ZoneInfo(self.section.timezone)).isoformat(timespec="microseconds")

    def task_v9(self, task: PaperlessTask) -> dict[str, Any]:
        """A task in the API 9 shape: 2.x's own, or 3.x's backwards-compatible one."""
        if self.major >= 3:  # noqa: PLR2004 - 3.x: TaskSerializerV9
            related = self.related_documents(task)
            return {
                "id": task.id,
                "task_id": task.task_id,
                "task_name": task.task_type,
                "task_file_name": task.file_name,
                "type": V9_TYPES.get(task.trigger, "manual_task"),
                "status": task.status,
                "date_created": self.time(task.created),
                "date_done": self.time(task.done),
                "result": task.result if task.task_type == CONSUME else None,
                "acknowledged": task.acknowledged,
                "related_document": related[0] if related else None,
                "duplicate_documents": [],
                "owner": task.owner,
            }
        return {
            "id": task.id,
            "task_id": task.task_id,
            "task_name": task.task_type,
            "task_file_name": task.file_name,
            "date_created": self.time(task.created),
            "date_done": self.time(task.done),
            "type": "auto_task",
            "status": task.status,
            "result": task.result,
            "acknowledged": task.acknowledged,
            "related_document": str(task.documents[0]) if task.documents else None,
            "owner": task.owner,
        }

    @staticmethod
    def related_documents(task: PaperlessTask) -> list[int]:
        """3.x: the document a consume task created (reprocess tasks have none)."""
        if task.task_type == CONSUME and task.status == SUCCESS and task.documents:
            return list(task.documents[:1])
        return []

    def task_v10(self, task: PaperlessTask) -> dict[str, Any]:
        """A task in the API 10 shape (3.x's TaskSerializerV10)."""
        duration = wait = None
        if task.started is not None and task.done is not None:
            duration = (task.done - task.started).total_seconds()
            wait = (task.started - task.created).total_seconds()
        result: dict[str, Any] | None = None
        if task.status == FAILURE:
            error_type, _, message = (task.result or "Unknown error").partition(": ")
            result = {
                "error_type": "ConsumerError" if message else "Exception",
                "error_message": task.result or "Unknown error",
                "traceback": (
                    "Traceback (most recent call last):\n"
                    '  File "/usr/src/paperless/src/documents/tasks.py", line 248, in consume_file\n'
                    f"documents.consumer.ConsumerError: {task.result or error_type}"
                ),
            }
        elif task.status == SUCCESS and task.task_type == CONSUME and task.documents:
            result = {"document_id": task.documents[0]}
        input_data: dict[str, Any] = {}
        if task.task_type == CONSUME and task.file_name is not None:
            input_data = {
                "filename": task.file_name,
                "mime_type": "application/pdf",
                "overrides": {
                    "filename": task.file_name,
                    "owner_id": task.owner,
                    "skip_asn_if_exists": False,
                },
            }
        status = task.status.lower()
        return {
            "id": task.id,
            "task_id": task.task_id,
            "task_type": task.task_type,
            "task_type_display": TASK_TYPE_NAMES.get(task.task_type, task.task_type),
            "trigger_source": task.trigger,
            "trigger_source_display": TRIGGER_NAMES.get(task.trigger, task.trigger),
            "status": status,
            "status_display": status.capitalize(),
            "date_created": self.time(task.created),
            "date_started": self.time(task.started),
            "date_done": self.time(task.done),
            "duration_seconds": duration,
            "wait_time_seconds": wait,
            "input_data": input_data,
            "result_data": result,
            "related_document_ids": self.related_documents(task),
            "acknowledged": task.acknowledged,
            "owner": task.owner,
        }

    def document(self, doc: Document) -> dict[str, Any]:
        """A document."""
        return {
            "id": doc.id,
            "correspondent": None,
            "document_type": None,
            "storage_path": None,
            "title": doc.title,
            "tags": sorted(doc.tags),
            "created": doc.created.date().isoformat(),
            "modified": self.time(doc.modified),
            "added": self.time(doc.added),
            "archive_serial_number": None,
            "original_file_name": f"{doc.title}.pdf",
            "owner": OWNER_ID,
            "notes": [],
        }

    def tag(self, tag: Tag) -> dict[str, Any]:
        """A tag."""
        return {
            "id": tag.id,
            "slug": tag.name.lower().replace(" ", "-"),
            "name": tag.name,
            "color": "#a6cee3",
            "text_color": "#000000",
            "match": "",
            "matching_algorithm": 0,
            "is_insensitive": True,
            "is_inbox_tag": tag.inbox,
            "document_count": sum(1 for d in self.visible_documents() if tag.id in d.tags),
            "owner": OWNER_ID,
            "user_can_change": True,
            "parent": None,
            "children": [],
        }

    def summary(self) -> dict[str, Any]:
        """What the control API shows."""
        counts: dict[str, int] = {}
        for task in self.tasks:
            counts[task.status] = counts.get(task.status, 0) + 1
        return {
            "version": self.version,
            "documents": len(self.documents),
            "tags": {tag.name: tag.id for tag in self.tags.values()},
            "tasks": counts,
            "health": dict(self.health),
            "stalled": self.stalled,
            "reprocessed": list(self.reprocessed),
            "orphaned": [task.id for task in self.tasks if task.orphaned],
            "acknowledged": [task.id for task in self.tasks if task.acknowledged],
        }


# ---------------------------------------------------------------- the API


def _ints(value: str | None) -> list[int] | None:
    if value is None or value == "":
        return None
    try:
        return [int(part) for part in value.split(",") if part]
    except ValueError:
        return None


class Answer(Exception):  # noqa: N818 - not an error: an early answer
    """Raised by a helper to answer at once (the API middleware sends ``response``)."""

    def __init__(self, response: web.Response) -> None:
        """Keep the answer."""
        super().__init__(response.status)
        self.response = response


def api_json(data: object, status: int = 200) -> web.Response:
    """A JSON answer as Django REST framework sends it: ``Content-Type: application/json``."""
    return web.Response(
        body=json.dumps(data, separators=(",", ":")).encode(), status=status, content_type=JSON
    )


def _html(text: str, status: int) -> web.Response:
    """An answer of Django itself: ``text/html; charset=utf-8``."""
    return web.Response(text=text, status=status, content_type=HTML, charset="utf-8")


def _forbidden() -> web.Response:
    """``HttpResponseForbidden("Insufficient permissions")``."""
    return _html("Insufficient permissions", 403)


def _paginate(
    request: web.Request,
    items: list[Any],
    *,
    all_ids: list[int] | None = None,
    display_count: bool = False,
) -> dict[str, Any]:
    """A ``StandardPagination`` page: ``all`` only in API 9, ``display_count`` for tags on 3.x."""
    try:
        size = max(int(request.query.get("page_size", DEFAULT_PAGE_SIZE)), 1)
        page = max(int(request.query.get("page", 1)), 1)
    except ValueError:
        raise Answer(api_json({"detail": "Invalid page."}, 404)) from None
    start = (page - 1) * size
    if start and start >= len(items):
        raise Answer(api_json({"detail": "Invalid page."}, 404))
    url = request.url
    result: dict[str, Any] = {
        "count": len(items),
        "next": str(url.update_query(page=page + 1)) if start + size < len(items) else None,
        "previous": str(url.update_query(page=page - 1)) if page > 1 else None,
    }
    if request["api_version"] < 10 and all_ids is not None:  # noqa: PLR2004 - API 10 drops it
        result["all"] = all_ids
    result["results"] = items[start : start + size]
    if display_count:
        result["display_count"] = len(items)
    return result


def _fields(request: web.Request, item: dict[str, Any]) -> dict[str, Any]:
    wanted = request.query.get("fields")
    if not wanted:
        return item
    keys = set(wanted.split(","))
    return {key: value for key, value in item.items() if key in keys}


def _choice_error(field_name: str, value: str) -> web.Response:
    return api_json(
        {field_name: [f"Select a valid choice. {value} is not one of the available choices."]}, 400
    )


class PaperlessService(HTTPService["PaperlessSection", "PaperlessState"]):
    """The Paperless-ngx REST API and its control routes."""

    name = NAME

    def __init__(self, section: PaperlessSection, clock: ServiceClock) -> None:
        """Prepare the state."""
        super().__init__(section, clock, PaperlessState(section, clock))

    def app(self, sync_all: Callable[[], None]) -> web.Application:
        """The API application."""
        app = web.Application(
            middlewares=[service_middleware(self.faults, self.clock, sync_all), self._api]
        )
        router = app.router
        router.add_get("/api/", self.root)
        router.add_get("/api/schema/view/", self.schema_view)
        router.add_get("/api/statistics/", self.statistics)
        router.add_get("/api/status/", self.status)
        router.add_get("/api/ui_settings/", self.ui_settings)
        router.add_get("/api/tasks/", self.tasks)
        router.add_get("/api/tasks/status_counts/", self.status_counts)
        router.add_get("/api/tasks/active/", self.active)
        router.add_post("/api/tasks/acknowledge/", self.acknowledge)
        router.add_get("/api/documents/", self.documents)
        router.add_post("/api/documents/bulk_edit/", self.bulk_edit)
        router.add_post("/api/documents/reprocess/", self.reprocess)
        router.add_post("/api/documents/post_document/", self.post_document)
        router.add_get("/api/tags/", self.tags)
        return app

    @property
    def major(self) -> int:
        """The server's major version."""
        return self.state.major

    def _user(self, request: web.Request) -> str:
        """``ok``, ``anonymous`` (no token) or ``invalid`` (a wrong token)."""
        header = request.headers.get("Authorization", "")
        if not header:
            return "anonymous"
        return "ok" if header == f"Token {self.state.token}" else "invalid"

    def _version_headers(self, response: web.StreamResponse) -> None:
        allowed, _default = api_versions(self.state.version)
        response.headers["X-Api-Version"] = str(allowed[-1])
        response.headers["X-Version"] = self.state.version

    @web.middleware
    async def _api(
        self, request: web.Request, handler: Callable[[web.Request], Any]
    ) -> web.StreamResponse:
        """Token authentication, then Accept-header versioning, then the version headers.

        Django views outside the REST framework (the ``/api/`` redirect, the Swagger page)
        handle their own requests; only an authenticated answer carries the version headers.
        """
        self.state.charge(request.path)
        if request.path in ("/api/", "/api/schema/view/"):
            response: web.StreamResponse = await handler(request)
            return response
        user = self._user(request)
        if user == "anonymous":
            return api_json({"detail": "Authentication credentials were not provided."}, 401)
        if user == "invalid":
            return api_json({"detail": "Invalid token."}, 401)
        allowed, default = api_versions(self.state.version)
        version = default
        for part in request.headers.get("Accept", "").split(";"):
            key, _, value = part.strip().partition("=")
            if key == "version":
                try:
                    version = int(value)
                except ValueError:
                    version = -1
        if version not in allowed:
            response = api_json({"detail": 'Invalid version in "Accept" header.'}, 406)
        else:
            request["api_version"] = version
            try:
                response = await handler(request)
            except Answer as answer:
                response = answer.response
        self._version_headers(response)
        return response

    def _v3_only(self) -> None:
        if self.major < 3:  # noqa: PLR2004 - Paperless-ngx 3.x
            raise Answer(api_json({"detail": "Not found."}, 404))

    async def root(self, _request: web.Request) -> web.Response:
        """``GET /api/``: since 2.15 a redirect to the Swagger page, without version headers."""
        return web.Response(
            status=302, headers={"Location": "schema/view/"}, content_type=HTML, charset="utf-8"
        )

    async def schema_view(self, request: web.Request) -> web.Response:
        """The Swagger page: HTML only (406 to a JSON ``Accept``); 500 to a wrong token.

        The version middleware reads the user after the view answered: a wrong token makes
        that authentication raise outside the REST framework's error handling.
        """
        user = self._user(request)
        if user == "invalid":
            return _html("<h1>Server Error (500)</h1>", 500)
        if "application/json" in request.headers.get("Accept", ""):
            response = _html("406 Not Acceptable", 406)
        else:
            response = _html("<!DOCTYPE html><html><title>Swagger UI</title></html>", 200)
        if user == "ok":
            self._version_headers(response)
        return response

    async def statistics(self, _request: web.Request) -> web.Response:
        """``GET /api/statistics/`` (counts only the user's documents for a non-superuser)."""
        state = self.state
        documents = state.visible_documents()
        inbox = state.inbox_ids
        in_inbox = sum(1 for d in documents if d.tags & inbox)
        return api_json(
            {
                "documents_total": len(documents),
                "documents_inbox": in_inbox if inbox else None,
                "inbox_tag": min(inbox) if inbox else None,
                "inbox_tags": sorted(inbox) if inbox else None,
                "document_file_type_counts": (
                    [{"mime_type": "application/pdf", "mime_type_count": len(documents)}]
                    if documents
                    else []
                ),
                "character_count": 1800 * len(documents),
                "tag_count": len(state.tags),
                "correspondent_count": 42,
                "document_type_count": 12,
                "storage_path_count": 3,
                "current_asn": 0,
            }
        )

    async def status(self, _request: web.Request) -> web.Response:
        """``GET /api/status/``: staff only (Django's HTML 403 otherwise). Slow on real servers."""
        state = self.state
        if not (state.staff or state.superuser):
            return _forbidden()
        now = self.clock.now()

        def error(component: str) -> str | None:
            return None if state.health[component] == "OK" else f"{component} is not healthy"

        tasks: dict[str, Any] = {
            "redis_url": "redis://redis:6379",
            "redis_status": state.health["redis"],
            "redis_error": error("redis"),
            "celery_status": state.health["celery"],
            "celery_url": "celery@paperless",
            "celery_error": error("celery"),
            "index_status": state.health["index"],
            "index_last_modified": state.time(now - timedelta(minutes=12)),
            "index_error": error("index"),
            "classifier_status": state.health["classifier"],
            "classifier_last_trained": state.time(now - timedelta(minutes=48)),
            "classifier_error": error("classifier"),
            "sanity_check_status": "OK",
            "sanity_check_last_run": state.time(now - timedelta(days=2)),
            "sanity_check_error": None,
        }
        if self.major >= 3:  # noqa: PLR2004 - 3.x adds the LLM index and a task summary
            recent = [t for t in state.tasks if t.created >= now - timedelta(days=30)]
            tasks |= {
                "llmindex_status": "DISABLED",
                "llmindex_last_modified": None,
                "llmindex_error": None,
                "summary": {
                    "days": 30,
                    "total_count": len(recent),
                    "pending_count": sum(1 for t in recent if t.status == PENDING),
                    "success_count": sum(1 for t in recent if t.status == SUCCESS),
                    "failure_count": sum(1 for t in recent if t.status == FAILURE),
                },
            }
        return api_json(
            {
                "pngx_version": state.version,
                "server_os": "Linux-6.12.15-production+truenas-x86_64-with-glibc2.36",
                "install_type": "docker",
                "storage": {"total": 23_991_808_425_984, "available": 15_991_808_425_984},
                "database": {
                    "type": "postgresql",
                    "url": "paperless",
                    "status": state.health["database"],
                    "error": error("database"),
                    "migration_status": {
                        "latest_migration": "documents.1071",
                        "unapplied_migrations": [],
                    },
                },
                "tasks": tasks,
            }
        )

    async def ui_settings(self, _request: web.Request) -> web.Response:
        """``GET /api/ui_settings/``: the token's user (from the 2.20 and 3.0 sources)."""
        state = self.state
        permissions = ["view_document", "change_document", "view_tag", "view_paperlesstask"]
        if state.superuser:
            permissions += ["view_global_statistics", "view_system_monitoring"]
        return api_json(
            {
                "user": {
                    "id": state.user_id,
                    "username": USERNAME if state.user_id == OWNER_ID else f"user{state.user_id}",
                    "is_staff": state.staff,
                    "is_superuser": state.superuser,
                    "groups": [],
                },
                "settings": {
                    "update_checking": {"backend_setting": "default"},
                    "trash_delay": 30,
                    "version": state.version,
                    "app_title": None,
                    "app_logo": None,
                    "auditlog_enabled": True,
                    "email_enabled": False,
                },
                "permissions": permissions,
            }
        )

    def _listed_tasks(self, request: web.Request) -> list[PaperlessTask] | web.Response:
        v9 = request["api_version"] < 10  # noqa: PLR2004 - API 10
        state = self.state
        # 2.x records only consume_file tasks; 3.x every type, for both API versions.
        tasks = [
            t
            for t in state.tasks
            if (self.major >= 3 or t.task_type == CONSUME) and state.visible_task(t)  # noqa: PLR2004
        ]
        query = request.query
        if "status" in query:
            # 2.x: Celery's upper-case states; 3.x: lower case, whatever the API version.
            wanted: set[str] = set()
            for value in query.getall("status"):
                valid = value.isupper() if self.major < 3 else value.islower()  # noqa: PLR2004
                if not valid or value.upper() not in TASK_STATES:
                    return _choice_error("status", value)
                wanted.add(value.upper())
            tasks = [t for t in tasks if t.status in wanted]
        if "acknowledged" in query:
            flag = query["acknowledged"].lower() in ("true", "1")
            tasks = [t for t in tasks if t.acknowledged == flag]
        type_key = "task_name" if v9 else "task_type"
        if type_key in query:
            tasks = [t for t in tasks if t.task_type == query[type_key]]
        if "task_id" in query:
            tasks = [t for t in tasks if t.task_id == query["task_id"]]
        ordering = query.get("ordering", "-date_created")
        key = ordering.lstrip("-")
        if key not in TASK_ORDERING:
            key = "date_created"
        far = datetime.max.replace(tzinfo=UTC)

        def sort_key(task: PaperlessTask) -> tuple[Any, int]:
            if key == "date_done":
                return (task.done or far, task.id)
            if key in ("status", "task_type"):
                return (getattr(task, key), task.id)
            return (task.created, task.id)

        return sorted(tasks, key=sort_key, reverse=ordering.startswith("-"))

    async def tasks(self, request: web.Request) -> web.Response:
        """``GET /api/tasks/``: a plain list in API 9 (never paginated), a page in API 10."""
        tasks = self._listed_tasks(request)
        if isinstance(tasks, web.Response):
            return tasks
        if request["api_version"] < 10:  # noqa: PLR2004 - API 10
            return api_json([self.state.task_v9(t) for t in tasks])
        return api_json(_paginate(request, [self.state.task_v10(t) for t in tasks]))

    async def status_counts(self, _request: web.Request) -> web.Response:
        """``GET /api/tasks/status_counts/`` (3.x)."""
        self._v3_only()
        tasks = [t for t in self.state.tasks if self.state.visible_task(t)]
        return api_json(
            {
                "all": len(tasks),
                "needs_attention": sum(1 for t in tasks if t.status in (FAILURE, REVOKED)),
                "in_progress": sum(1 for t in tasks if t.status in (PENDING, STARTED)),
                "completed": sum(1 for t in tasks if t.status == SUCCESS),
            }
        )

    async def active(self, request: web.Request) -> web.Response:
        """``GET /api/tasks/active/`` (3.x): the newest 50 waiting or running tasks, newest first."""
        self._v3_only()
        active = sorted(
            (
                t
                for t in self.state.tasks
                if t.status in (PENDING, STARTED) and self.state.visible_task(t)
            ),
            key=lambda t: (t.created, t.id),
            reverse=True,
        )[:ACTIVE_LIMIT]
        shape = self.state.task_v10 if request["api_version"] >= 10 else self.state.task_v9  # noqa: PLR2004
        return api_json([shape(t) for t in active])

    async def acknowledge(self, request: web.Request) -> web.Response:
        """``POST /api/tasks/acknowledge/ {"tasks": [ids]}`` (the web UI's "Dismiss")."""
        body = await _json_body(request)
        ids = body.get("tasks")
        if not isinstance(ids, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in ids
        ):
            return api_json({"tasks": ["This field is required."]}, 400)
        count = 0
        for task in self.state.tasks:
            if task.id in ids and self.state.visible_task(task):
                task.acknowledged, count = True, count + 1
        return api_json({"result": count})

    def _filtered_documents(self, request: web.Request) -> list[Document]:
        docs = self.state.visible_documents()
        query = request.query
        if (ids := _ints(query.get("id__in"))) is not None:
            docs = [d for d in docs if d.id in ids]
        if (ids := _ints(query.get("tags__id__all"))) is not None:
            docs = [d for d in docs if set(ids) <= d.tags]
        if (ids := _ints(query.get("tags__id__none"))) is not None:
            docs = [d for d in docs if not set(ids) & d.tags]
        if (ids := _ints(query.get("tags__id__in"))) is not None:
            docs = [d for d in docs if set(ids) & d.tags]
        if "is_in_inbox" in query:
            inbox = self.state.inbox_ids
            flag = query["is_in_inbox"].lower() in ("true", "1")
            docs = [d for d in docs if bool(d.tags & inbox) == flag]
        ordering = query.get("ordering", "-created")
        key = ordering.lstrip("-")
        sort_key: Callable[[Document], Any] = {
            "added": lambda d: (d.added, d.id),
            "modified": lambda d: (d.modified, d.id),
            "title": lambda d: (d.title, d.id),
            "id": lambda d: d.id,
        }.get(key, lambda d: (d.created, d.id))
        return sorted(docs, key=sort_key, reverse=ordering.startswith("-"))

    async def documents(self, request: web.Request) -> web.Response:
        """``GET /api/documents/`` with the filters the integration and tests use."""
        docs = self._filtered_documents(request)
        items = [_fields(request, self.state.document(d)) for d in docs]
        return api_json(_paginate(request, items, all_ids=[d.id for d in docs]))

    async def tags(self, request: web.Request) -> web.Response:
        """``GET /api/tags/`` (3.x adds ``display_count``)."""
        tags = sorted(self.state.tags.values(), key=lambda t: t.name.casefold())
        query = request.query
        if "name__iexact" in query:
            tags = [t for t in tags if t.name.casefold() == query["name__iexact"].casefold()]
        if "name__icontains" in query:
            tags = [t for t in tags if query["name__icontains"].casefold() in t.name.casefold()]
        if (ids := _ints(query.get("id__in"))) is not None:
            tags = [t for t in tags if t.id in ids]
        return api_json(
            _paginate(
                request,
                [self.state.tag(t) for t in tags],
                all_ids=[t.id for t in tags],
                display_count=self.major >= 3,  # noqa: PLR2004 - 3.x
            )
        )

    def _checked_documents(self, body: Mapping[str, Any]) -> list[int] | web.Response:
        ids = body.get("documents")
        if not isinstance(ids, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in ids
        ):
            return api_json({"documents": ["This field is required."]}, 400)
        visible = {d.id for d in self.state.visible_documents()}
        if len(set(ids)) != len(ids) or any(i not in visible for i in ids):
            return api_json({"documents": [NOT_FOUND_IDS]}, 400)
        if not self.state.change_documents:
            return _forbidden()
        return ids

    async def bulk_edit(self, request: web.Request) -> web.Response:
        """``POST /api/documents/bulk_edit/``: reprocess, add_tag, remove_tag."""
        body = await _json_body(request)
        ids = self._checked_documents(body)
        if isinstance(ids, web.Response):
            return ids
        method = body.get("method")
        parameters = body.get("parameters") or {}
        if method == "reprocess":
            self.state.reprocess(ids)
        elif method in ("add_tag", "remove_tag"):
            tag_id = parameters.get("tag") if isinstance(parameters, Mapping) else None
            if tag_id not in self.state.tags:
                return api_json({"non_field_errors": ["Tag does not exist"]}, 400)
            for doc_id in ids:
                doc = self.state.documents[doc_id]
                if method == "add_tag":
                    doc.tags.add(tag_id)
                else:
                    doc.tags.discard(tag_id)
                doc.modified = self.clock.now()
            if ids:
                self.state.bulk_update()
        else:
            return api_json({"method": [f'"{method}" is not a valid choice.']}, 400)
        return api_json({"result": "OK"})

    async def reprocess(self, request: web.Request) -> web.Response:
        """``POST /api/documents/reprocess/`` (3.x; on 2.x it is a document's detail URL: 405)."""
        if self.major < 3:  # noqa: PLR2004 - Paperless-ngx 3.x
            return api_json({"detail": 'Method "POST" not allowed.'}, 405)
        ids = self._checked_documents(await _json_body(request))
        if isinstance(ids, web.Response):
            return ids
        self.state.reprocess(ids)
        return api_json({"result": "OK"})

    async def post_document(self, request: web.Request) -> web.Response:
        """``POST /api/documents/post_document/``: queue an upload, answer its task id."""
        form = await request.post()
        upload = form.get("document")
        name = getattr(upload, "filename", None)
        if not isinstance(name, str) or not name:
            return api_json({"document": ["No file was submitted."]}, 400)
        task = self.state.consume(name, self.clock.now(), trigger="api_upload")
        return api_json(task.task_id)

    # ------------------------------------------------------------ control

    def control_routes(self) -> list[web.RouteDef]:
        """The control routes of this service."""
        base = f"/control/{NAME}"
        return [
            web.get(f"{base}/state", self.control_state),
            web.post(f"{base}/consume", self.control_consume),
            web.post(f"{base}/fail", self.control_fail),
            web.post(f"{base}/stall", self.control_stall),
            web.post(f"{base}/kill_worker", self.control_kill_worker),
            web.get(f"{base}/cost", self.control_cost),
            web.delete(f"{base}/cost", self.control_clear_cost),
            web.post(f"{base}/health", self.control_health),
            web.post(f"{base}/version", self.control_version),
            web.post(f"{base}/user", self.control_user),
            web.post(f"{base}/token", self.control_token),
            web.post(f"{base}/tag", self.control_tag),
            web.post(f"{base}/fault", self.control_fault),
            web.delete(f"{base}/fault", self.control_clear_faults),
            web.post(f"{base}/reset", self.control_reset),
        ]

    async def control_state(self, _request: web.Request) -> web.Response:
        """The archive and the queue."""
        self.sync()
        return json_response(self.state.summary())

    async def control_consume(self, request: web.Request) -> web.Response:
        """Queue files: ``{"files": [...]}`` or ``{"count": n}``; ``fail`` makes them fail."""
        body = await control_body(request)
        self.sync()
        files = body.get("files")
        if files is None:
            count = body.get("count", 1)
            if isinstance(count, bool) or not isinstance(count, int) or count < 1:
                msg = "'count' must be a positive integer"
                raise LabError(msg)
            start = len(self.state.tasks) + 1
            files = [f"scan_{start + i:04d}.pdf" for i in range(count)]
        if not isinstance(files, list) or not all(isinstance(f, str) and f for f in files):
            msg = "'files' must be a list of file names"
            raise LabError(msg)
        created = body_time(body, "created", self.clock.now())
        fail = body.get("fail")
        tags = body.get("tags") or []
        if not isinstance(tags, list):
            msg = "'tags' must be a list of tag names"
            raise LabError(msg)
        tasks = [
            self.state.consume(
                name, created, fail=str(fail) if fail else None, tags=[str(t) for t in tags]
            )
            for name in files
        ]
        return json_response({"tasks": [task.id for task in tasks]}, 201)

    async def control_fail(self, request: web.Request) -> web.Response:
        """Fail waiting and running tasks now (all, or ``task_ids``)."""
        body = await control_body(request)
        self.sync()
        ids = body.get("task_ids")
        if ids is not None and not isinstance(ids, list):
            msg = "'task_ids' must be a list"
            raise LabError(msg)
        reason = str(body.get("reason") or "Injected failure: the consumer crashed.")
        return json_response({"failed": self.state.fail(ids, reason)})

    async def control_stall(self, request: web.Request) -> web.Response:
        """Stop (``true``) or restart (``false``) the workers without an error status."""
        stalled = (await control_body(request)).get("stalled", True) is True
        self.sync()
        if self.state.stalled and not stalled:
            self.state.resume_running()
        self.state.stalled = stalled
        return json_response(self.state.summary())

    async def control_kill_worker(self, _request: web.Request) -> web.Response:
        """Kill the worker: its running tasks stay ``STARTED`` for ever (orphans)."""
        self.sync()
        return json_response({"orphaned": self.state.kill_worker()})

    async def control_cost(self, _request: web.Request) -> web.Response:
        """Requests answered and their modelled server time since the last reset."""
        state = self.state
        return json_response(
            {
                "requests": state.cost_requests,
                "server_seconds": round(state.cost_seconds, 3),
                "by_path": dict(sorted(state.cost_by_path.items())),
            }
        )

    async def control_clear_cost(self, _request: web.Request) -> web.Response:
        """Start counting afresh."""
        self.state.cost_requests, self.state.cost_seconds = 0, 0.0
        self.state.cost_by_path.clear()
        return json_response({"ok": True})

    async def control_health(self, request: web.Request) -> web.Response:
        """Set components' states, e.g. ``{"celery": "ERROR"}``."""
        body = await control_body(request)
        self.sync()
        was_up = self.state.workers_up
        for component, value in body.items():
            if component not in COMPONENTS or str(value).upper() not in HEALTH_STATES:
                msg = f"expected {{component: OK|WARNING|ERROR}} for {', '.join(COMPONENTS)}"
                raise LabError(msg)
            self.state.health[component] = str(value).upper()
        if not was_up and self.state.workers_up:
            self.state.resume_running()
        return json_response(self.state.summary())

    async def control_version(self, request: web.Request) -> web.Response:
        """Switch the server version (2.x: API 9; 3.x: API 10)."""
        version = (await control_body(request)).get("version")
        if not isinstance(version, str) or not version[:1].isdigit():
            msg = "'version' must be like '3.0.5'"
            raise LabError(msg)
        self.state.version = version
        return json_response(self.state.summary())

    async def control_user(self, request: web.Request) -> web.Response:
        """The token's user: ``staff``, ``superuser``, ``user_id`` and ``change_documents``.

        ``staff`` also sets ``superuser`` unless that is given; a ``user_id`` other than the
        archive's owner (3) owns none of its documents and consume tasks.
        """
        body = await control_body(request)
        state = self.state
        if "staff" in body:
            state.staff = state.superuser = body["staff"] is True
        if "superuser" in body:
            state.superuser = body["superuser"] is True
        if "user_id" in body:
            user_id = body["user_id"]
            if isinstance(user_id, bool) or not isinstance(user_id, int) or user_id < 1:
                msg = "'user_id' must be a positive integer"
                raise LabError(msg)
            state.user_id = user_id
        if "change_documents" in body:
            state.change_documents = body["change_documents"] is True
        return json_response(
            {
                "staff": state.staff,
                "superuser": state.superuser,
                "user_id": state.user_id,
                "change_documents": state.change_documents,
            }
        )

    async def control_token(self, request: web.Request) -> web.Response:
        """Replace the API token (the old one stops working)."""
        token = (await control_body(request)).get("token")
        if not isinstance(token, str) or not token:
            msg = "'token' must be a non-empty string"
            raise LabError(msg)
        self.state.token = token
        return json_response({"ok": True})

    async def control_tag(self, request: web.Request) -> web.Response:
        """Tag documents: ``{"name": "automation-failed", "documents": [1, 2]}``."""
        body = await control_body(request)
        name, ids = body.get("name"), body.get("documents", [])
        if not isinstance(name, str) or not name or not isinstance(ids, list):
            msg = "expected {'name': tag, 'documents': [ids]}"
            raise LabError(msg)
        unknown = [i for i in ids if i not in self.state.documents]
        if unknown:
            msg = f"unknown documents {unknown}"
            raise LabError(msg, 404)
        tag = self.state.add_tag(ids, name)
        return json_response({"tag": tag.id})

    async def control_fault(self, request: web.Request) -> web.Response:
        """Inject a fault."""
        self.faults.add(parse_fault(await control_body(request)))
        return json_response({"ok": True})

    async def control_clear_faults(self, _request: web.Request) -> web.Response:
        """Remove every fault."""
        self.faults.clear()
        return json_response({"ok": True})

    async def control_reset(self, _request: web.Request) -> web.Response:
        """Back to the scenario."""
        self.faults.clear()
        self.state = PaperlessState(self.section, self.clock)
        return json_response({"ok": True})


async def _json_body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise Answer(api_json({"detail": "JSON parse error"}, 400)) from None
    if not isinstance(body, dict):
        raise Answer(api_json({"detail": "Expected an object"}, 400))
    return body
