"""Typed models of the TrueNAS JSON-RPC payloads this client reads.

Enum-like fields (pool status, scan state, alert level) stay plain strings: a new TrueNAS
release may add a value, and the caller decides how to show one it does not know.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Self

from ._parse import JSONDict, Model, as_dict, as_list, source
from .exceptions import TrueNASInvalidResponseError

# Pool states as ZFS reports them (pool.query `status`).
POOL_STATUSES = ("ONLINE", "DEGRADED", "FAULTED", "OFFLINE", "UNAVAIL", "REMOVED", "SUSPENDED")
# pool.query `scan.state`; "NONE" is ours for a pool that was never scrubbed (scan is null).
SCAN_STATES = ("NONE", "SCANNING", "FINISHED", "CANCELED")
ALERT_LEVELS = ("INFO", "NOTICE", "WARNING", "ERROR", "CRITICAL", "ALERT", "EMERGENCY")
# Levels counted as critical: CRITICAL and everything above it.
CRITICAL_ALERT_LEVELS = frozenset({"CRITICAL", "ALERT", "EMERGENCY"})
JOB_FINAL_STATES = frozenset({"SUCCESS", "FAILED", "ABORTED"})


def _loadavg(data: JSONDict, key: str) -> tuple[float, ...]:
    """`loadavg`: the 1, 5 and 15 minute load averages (empty when absent or malformed)."""
    value = data.get(key)
    if not isinstance(value, list):
        return ()
    return tuple(float(item) for item in value if isinstance(item, int | float))


@dataclass(frozen=True, slots=True)
class SystemInfo(Model):
    """`system.info`: what the server is and how long it has been up."""

    version: str
    hostname: str
    model: str | None = None
    cores: int | None = None
    physmem: int | None = None
    uptime_seconds: float | None = None
    loadavg: tuple[float, ...] = field(default=(), metadata=source(read=_loadavg))
    boottime: datetime | None = None
    timezone: str | None = None
    system_serial: str | None = None
    system_product: str | None = None
    system_manufacturer: str | None = None


def _vdevs(data: Any, what: str) -> tuple[Vdev, ...]:
    return tuple(Vdev.from_dict(vdev) for vdev in as_list(data, what))


def _children(data: JSONDict, key: str) -> tuple[Vdev, ...]:
    return _vdevs(data.get(key, []), key)


@dataclass(frozen=True, slots=True)
class Vdev(Model):
    """A node of a pool's topology: a RAIDZ/MIRROR group or a leaf disk."""

    name: str
    type: str
    status: str
    guid: str | None = None
    read_errors: int = field(default=0, metadata=source(within="stats"))
    write_errors: int = field(default=0, metadata=source(within="stats"))
    checksum_errors: int = field(default=0, metadata=source(within="stats"))
    device: str | None = None
    disk: str | None = None
    children: tuple[Vdev, ...] = field(default=(), metadata=source(read=_children))

    @property
    def is_leaf(self) -> bool:
        """A leaf is a disk (or file) with no children."""
        return not self.children

    def leaves(self) -> Iterator[Vdev]:
        """Every leaf device under this node (itself if it is one)."""
        if self.is_leaf:
            yield self
            return
        for child in self.children:
            yield from child.leaves()


TOPOLOGY_CLASSES = ("data", "log", "cache", "spare", "special", "dedup")


def _topology(data: JSONDict, key: str) -> dict[str, tuple[Vdev, ...]]:
    """`topology`: the vdevs of each class (none when it is null or absent)."""
    topology = data.get(key)
    if topology is None:
        return {}
    topology = as_dict(topology, key)
    return {
        klass: _vdevs(topology.get(klass, []), f"topology.{klass}") for klass in TOPOLOGY_CLASSES
    }


@dataclass(frozen=True, slots=True)
class PoolScan(Model):
    """The last or current scrub/resilver of a pool (`scan` of `pool.query` or a `pool.scan` event)."""

    function: str
    state: str
    start_time: datetime | None = None
    end_time: datetime | None = None
    percentage: float | None = None
    errors: int = 0
    total_secs_left: int | None = None


def _scan(data: JSONDict, key: str) -> PoolScan | None:
    """`scan`: null for a pool never scrubbed; anything else must be a scan."""
    scan = data.get(key)
    return PoolScan.from_dict(scan) if scan is not None else None


@dataclass(frozen=True, slots=True)
class Pool(Model):
    """A ZFS pool from `pool.query`."""

    id: int
    name: str
    status: str
    healthy: bool
    warning: bool = False
    guid: str | None = None
    status_code: str | None = None
    status_detail: str | None = None
    size: int | None = None
    allocated: int | None = None
    free: int | None = None
    freeing: int | None = None
    fragmentation: int | None = None
    scan: PoolScan | None = field(default=None, metadata=source(read=_scan))
    topology: dict[str, tuple[Vdev, ...]] = field(
        default_factory=dict, metadata=source(read=_topology)
    )

    def disks(self) -> Iterator[Vdev]:
        """Every leaf device of every topology class."""
        for vdevs in self.topology.values():
            for vdev in vdevs:
                yield from vdev.leaves()

    @property
    def used_percent(self) -> float | None:
        """Allocated share of the pool's size."""
        if not self.size or self.allocated is None:
            return None
        return round(self.allocated / self.size * 100, 1)

    @property
    def read_errors(self) -> int:
        """Read errors summed over the pool's disks."""
        return sum(disk.read_errors for disk in self.disks())

    @property
    def write_errors(self) -> int:
        """Write errors summed over the pool's disks."""
        return sum(disk.write_errors for disk in self.disks())

    @property
    def checksum_errors(self) -> int:
        """Checksum errors summed over the pool's disks."""
        return sum(disk.checksum_errors for disk in self.disks())

    @property
    def disks_not_online(self) -> int:
        """How many disks are in any state but ONLINE."""
        return sum(1 for disk in self.disks() if disk.status != "ONLINE")

    def with_scan(self, scan: PoolScan | None) -> Pool:
        """A copy with a newer scan (from a `pool.scan` event)."""
        return replace(self, scan=scan)


@dataclass(frozen=True, slots=True)
class Alert(Model):
    """An entry of `alert.list`."""

    uuid: str
    klass: str
    level: str
    formatted: str | None = None
    source: str | None = None
    dismissed: bool = False
    datetime: datetime | None = None
    args: Any = None

    @property
    def is_critical(self) -> bool:
        """CRITICAL, ALERT or EMERGENCY."""
        return self.level in CRITICAL_ALERT_LEVELS


def _arguments(data: JSONDict, key: str) -> tuple[Any, ...] | None:
    arguments = data.get(key)
    return tuple(arguments) if isinstance(arguments, list) else None


@dataclass(frozen=True, slots=True)
class Job(Model):
    """A middleware job (`core.get_jobs` entry)."""

    id: int
    method: str
    state: str
    arguments: tuple[Any, ...] = field(default=(), metadata=source(read=_arguments))
    percent: float | None = field(default=None, metadata=source(within="progress"))
    description: str | None = field(default=None, metadata=source(within="progress"))
    result: Any = None
    error: str | None = None
    time_started: datetime | None = None
    time_finished: datetime | None = None

    @classmethod
    def from_event(cls, event: Event) -> Self | None:
        """The job a `core.get_jobs` event tells of; None when its fields are not a job."""
        if not isinstance(event.fields, dict):
            return None
        try:
            return cls.from_dict({"id": event.id, **event.fields})
        except TrueNASInvalidResponseError:
            return None

    @property
    def finished(self) -> bool:
        """SUCCESS, FAILED or ABORTED."""
        return self.state in JOB_FINAL_STATES


@dataclass(frozen=True, slots=True)
class Event(Model):
    """A `collection_update` event of a subscription."""

    msg: str
    collection: str
    id: Any = None
    fields: Any = None

    @classmethod
    def from_params(cls, params: Any) -> Self:
        """Parse the params of a `collection_update` notification."""
        return cls.from_dict(params)
