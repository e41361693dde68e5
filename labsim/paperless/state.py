"""The archive and task queue of one simulated Paperless-ngx, moved by the lab clock."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from labsim.httpsvc import ServiceClock
from labsim.paperless.section import (
    BULK_UPDATE,
    BULK_UPDATE_SECONDS,
    CONSUME,
    COSTS,
    DEFAULT_COST,
    FAILURE,
    OWNER_ID,
    PENDING,
    REPROCESS,
    REVOKED,
    STARTED,
    SUCCESS,
    TASK_TYPE_NAMES,
    TITLES,
    TRIGGER_NAMES,
    V9_TYPES,
    PaperlessSection,
)
from labsim.scenario import stable_uuid

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
