"""The ``backups`` scenario section: snapshot, replication and cloud sync tasks, snapshots."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from labsim.cron import Cron, CronError
from labsim.scenario import ScenarioError, _Reader, one_of, parse_time, section_parser, size_field

DEFAULT_JOB_SECONDS: Final = {"snapshot_task": 1.0, "replication": 6.0, "cloudsync": 8.0}


LIFETIME_UNITS: Final = {
    "HOUR": 3600,
    "DAY": 86400,
    "WEEK": 604800,
    "MONTH": 2678400,
    "YEAR": 31536000,
}


MAX_HISTORY: Final = 2000


PROGRESS_STEPS: Final = 10


KNOWN_VERSIONS: Final = (
    "v25.04.0", "v25.04.1", "v25.04.2", "v25.10.0", "v25.10.1", "v25.10.2", "v26.0.0",
)  # fmt: skip


KINDS: Final = ("snapshot_task", "replication", "cloudsync")


# The keychain credential an SSH replication points at (KeychainCredentialEntry, SSH_CREDENTIALS).
SSH_CREDENTIALS: Final = {
    "id": 1,
    "name": "offsite-backup",
    "type": "SSH_CREDENTIALS",
    "attributes": {
        "host": "backup.example.net",
        "port": 22,
        "username": "root",
        "private_key": 2,
        "remote_host_key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILabsimOffsiteBackupHostKey",
        "connect_timeout": 10,
    },
}


@dataclass(slots=True, kw_only=True)
class TaskDef:
    """What every backup task kind has: whether it is enabled, and how its last run ended."""

    enabled: bool = True
    error: str | None = None
    """The last run failed with this error (``state: ERROR``)."""


@dataclass(slots=True, kw_only=True)
class TransferDef(TaskDef):
    """A task that moves data (replication, cloud sync): how much one run moves, how long."""

    bytes: int = size_field(1024**3)
    seconds: float | None = None
    """How long a run takes (``None``: the section's ``job_seconds``)."""


@dataclass(slots=True)
class SnapshotTaskDef(TaskDef):
    """A periodic snapshot task."""

    id: int
    dataset: str
    schedule: dict[str, str]
    recursive: bool = False
    exclude: list[str] = field(default_factory=list)
    lifetime_value: int = 2
    lifetime_unit: str = one_of(tuple(LIFETIME_UNITS), "WEEK")
    naming_schema: str = "auto-%Y-%m-%d_%H-%M"
    allow_empty: bool = True
    history: int | None = None


@dataclass(slots=True)
class ReplicationDef(TransferDef):
    """A replication task (push over SSH by default)."""

    id: int
    name: str
    source_datasets: list[str]
    target_dataset: str
    schedule: dict[str, str] | None
    direction: str = one_of(("PUSH", "PULL"), "PUSH")
    transport: str = one_of(("SSH", "SSH+NETCAT", "LOCAL"), "SSH")
    recursive: bool = True
    auto: bool = True
    periodic_snapshot_tasks: list[int] = field(default_factory=list)


@dataclass(slots=True)
class CloudSyncDef(TransferDef):
    """A cloud sync (rclone) task."""

    id: int
    description: str
    path: str
    schedule: dict[str, str]
    credentials: dict[str, Any] = field(default_factory=dict)
    attributes: dict[str, Any] = field(default_factory=dict)
    direction: str = one_of(("PUSH", "PULL"), "PUSH")
    transfer_mode: str = one_of(("SYNC", "COPY", "MOVE"), "SYNC")
    locked: bool = False


@dataclass(slots=True)
class SnapshotDef:
    """A snapshot that exists when the lab starts."""

    dataset: str
    name: str
    created: datetime


@dataclass(slots=True)
class GenerateDef:
    """Many datasets with many snapshots, for scale tests."""

    datasets: int
    snapshots: int
    parent: str
    interval: float
    until: datetime


@dataclass(slots=True)
class BackupsSection:
    """The parsed ``backups`` section."""

    clock: datetime | None = None
    job_seconds: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_JOB_SECONDS))
    snapshot_tasks: list[SnapshotTaskDef] = field(default_factory=list)
    replications: list[ReplicationDef] = field(default_factory=list)
    cloudsyncs: list[CloudSyncDef] = field(default_factory=list)
    snapshots: list[SnapshotDef] = field(default_factory=list)
    generate: GenerateDef | None = None


def _schedule(reader: _Reader, key: str, *, required: bool = True) -> dict[str, str] | None:
    if not reader.has(key) or reader.raw(key) is None:
        if required:
            raise reader.fail(key, "a schedule mapping", None)
        return None
    try:
        return Cron.parse(reader.mapping(key)).spec
    except CronError as err:
        msg = f"{reader.where(key)}: {err}"
        raise ScenarioError(msg) from None


def _strings(reader: _Reader, key: str) -> list[str]:
    values = reader.seq(key)
    if not all(isinstance(value, str) for value in values):
        raise reader.fail(key, "a list of strings", values)
    return [str(value) for value in values]


def _duration(reader: _Reader, key: str, default: float) -> float:
    value = reader.raw(key, default)
    if isinstance(value, str):
        epoch = datetime(2000, 1, 1, tzinfo=UTC)
        try:
            return (parse_time(f"+{value}", epoch) - epoch).total_seconds()
        except ValueError:
            raise reader.fail(key, "a duration ('1h', '30m') or seconds", value) from None
    return reader.number(key, default)


def parse_snapshot_task(reader: _Reader, index: int) -> SnapshotTaskDef:
    """A periodic snapshot task (the id defaults to ``index + 1``)."""
    given = {
        "schedule": _schedule(reader, "schedule") or {},
        "exclude": _strings(reader, "exclude"),
        "history": reader.raw("history"),
    }
    return reader.fill(SnapshotTaskDef, given, id=index + 1)


def parse_replication(reader: _Reader, index: int) -> ReplicationDef:
    """A replication task (the id defaults to ``index + 1``)."""
    given = {
        "source_datasets": _strings(reader, "source_datasets"),
        "schedule": _schedule(reader, "schedule", required=False),
        "periodic_snapshot_tasks": [int(i) for i in reader.seq("periodic_snapshot_tasks")],
        "seconds": reader.raw("seconds"),
    }
    task = reader.fill(ReplicationDef, given, id=index + 1)
    if task.schedule is None and not task.periodic_snapshot_tasks:
        msg = f"{reader.path}: give a schedule or periodic_snapshot_tasks"
        raise ScenarioError(msg)
    return task


def parse_cloudsync(reader: _Reader, index: int) -> CloudSyncDef:
    """A cloud sync task (the id defaults to ``index + 1``)."""
    given = {"schedule": _schedule(reader, "schedule") or {}, "seconds": reader.raw("seconds")}
    return reader.fill(CloudSyncDef, given, id=index + 1)


@section_parser("backups")
def parse_backups_section(reader: _Reader, now: datetime) -> BackupsSection:
    """Parse the scenario's ``backups`` section."""
    seconds = reader.durations("job_seconds", DEFAULT_JOB_SECONDS)
    section = BackupsSection(
        clock=reader.opt_time("clock", now),
        job_seconds=seconds,
        snapshot_tasks=[
            parse_snapshot_task(r, i) for i, r in enumerate(reader.items("snapshot_tasks"))
        ],
        replications=[
            parse_replication(r, i) for i, r in enumerate(reader.items("replication_tasks"))
        ],
        cloudsyncs=[parse_cloudsync(r, i) for i, r in enumerate(reader.items("cloudsync_tasks"))],
    )
    for item in reader.items("snapshots"):
        section.snapshots.append(
            SnapshotDef(
                dataset=item.text("dataset", required=True),
                name=item.text("name", required=True),
                created=item.time("created", now, "now"),
            )
        )
        item.finish()
    if reader.has("generate") and reader.raw("generate") is not None:
        gen = reader.child("generate", reader.mapping("generate"))
        section.generate = GenerateDef(
            datasets=gen.integer("datasets", 100),
            snapshots=gen.integer("snapshots", 1000),
            parent=gen.text("parent", "tank/archive"),
            interval=_duration(gen, "interval", 3600.0),
            until=gen.time("until", now, "now"),
        )
        gen.finish()
        if section.generate.datasets < 1 or section.generate.snapshots < 0:
            msg = f"{gen.path}: need datasets >= 1 and snapshots >= 0"
            raise ScenarioError(msg)
    for kind, items in (
        ("snapshot_tasks", section.snapshot_tasks),
        ("replication_tasks", section.replications),
        ("cloudsync_tasks", section.cloudsyncs),
    ):
        ids = [item.id for item in items]
        if len(set(ids)) != len(ids):
            msg = f"{reader.where(kind)}: duplicate ids"
            raise ScenarioError(msg)
    reader.finish()
    return section
