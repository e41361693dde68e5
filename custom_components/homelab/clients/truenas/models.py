"""Typed models of the TrueNAS JSON-RPC payloads this client reads.

Enum-like fields (pool status, scan state, alert level) stay plain strings: a new TrueNAS
release may add a value, and the caller decides how to show one it does not know.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Self

from ._parse import (
    JSONDict,
    as_dict,
    as_list,
    ejson_datetime,
    opt_bool,
    opt_float,
    opt_int,
    opt_str,
    req_bool,
    req_int,
    req_str,
)

# Pool states as ZFS reports them (pool.query `status`).
POOL_STATUSES = ("ONLINE", "DEGRADED", "FAULTED", "OFFLINE", "UNAVAIL", "REMOVED", "SUSPENDED")
# pool.query `scan.state`; "NONE" is ours for a pool that was never scrubbed (scan is null).
SCAN_STATES = ("NONE", "SCANNING", "FINISHED", "CANCELED")
ALERT_LEVELS = ("INFO", "NOTICE", "WARNING", "ERROR", "CRITICAL", "ALERT", "EMERGENCY")
# Levels counted as critical: CRITICAL and everything above it.
CRITICAL_ALERT_LEVELS = frozenset({"CRITICAL", "ALERT", "EMERGENCY"})
JOB_FINAL_STATES = frozenset({"SUCCESS", "FAILED", "ABORTED"})


@dataclass(frozen=True, slots=True)
class SystemInfo:
    """`system.info`: what the server is and how long it has been up."""

    version: str
    hostname: str
    model: str | None = None
    cores: int | None = None
    physmem: int | None = None
    uptime_seconds: float | None = None
    boottime: datetime | None = None
    timezone: str | None = None
    system_serial: str | None = None
    system_product: str | None = None
    system_manufacturer: str | None = None

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        """Parse a `system.info` result."""
        data = as_dict(data, "system.info")
        return cls(
            version=req_str(data, "version"),
            hostname=req_str(data, "hostname"),
            model=opt_str(data, "model"),
            cores=opt_int(data, "cores"),
            physmem=opt_int(data, "physmem"),
            uptime_seconds=opt_float(data, "uptime_seconds"),
            boottime=ejson_datetime(data.get("boottime")),
            timezone=opt_str(data, "timezone"),
            system_serial=opt_str(data, "system_serial"),
            system_product=opt_str(data, "system_product"),
            system_manufacturer=opt_str(data, "system_manufacturer"),
        )


@dataclass(frozen=True, slots=True)
class Vdev:
    """A node of a pool's topology: a RAIDZ/MIRROR group or a leaf disk."""

    name: str
    type: str
    status: str
    guid: str | None = None
    read_errors: int = 0
    write_errors: int = 0
    checksum_errors: int = 0
    device: str | None = None
    disk: str | None = None
    children: tuple[Vdev, ...] = ()

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        """Parse one topology entry and its children."""
        data = as_dict(data, "vdev")
        stats = data.get("stats")
        stats = stats if isinstance(stats, dict) else {}
        return cls(
            name=req_str(data, "name"),
            type=req_str(data, "type"),
            status=req_str(data, "status"),
            guid=opt_str(data, "guid"),
            read_errors=opt_int(stats, "read_errors") or 0,
            write_errors=opt_int(stats, "write_errors") or 0,
            checksum_errors=opt_int(stats, "checksum_errors") or 0,
            device=opt_str(data, "device"),
            disk=opt_str(data, "disk"),
            children=tuple(
                cls.from_dict(child) for child in as_list(data.get("children", []), "children")
            ),
        )

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


@dataclass(frozen=True, slots=True)
class PoolScan:
    """The last or current scrub/resilver of a pool."""

    function: str
    state: str
    start_time: datetime | None = None
    end_time: datetime | None = None
    percentage: float | None = None
    errors: int = 0
    total_secs_left: int | None = None

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        """Parse `pool.query` `scan` (or the `scan` of a `pool.scan` event)."""
        data = as_dict(data, "scan")
        return cls(
            function=req_str(data, "function"),
            state=req_str(data, "state"),
            start_time=ejson_datetime(data.get("start_time")),
            end_time=ejson_datetime(data.get("end_time")),
            percentage=opt_float(data, "percentage"),
            errors=opt_int(data, "errors") or 0,
            total_secs_left=opt_int(data, "total_secs_left"),
        )


@dataclass(frozen=True, slots=True)
class Pool:
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
    scan: PoolScan | None = None
    topology: dict[str, tuple[Vdev, ...]] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        """Parse one `pool.query` entry."""
        data = as_dict(data, "pool")
        scan = data.get("scan")
        topology_data = data.get("topology")
        topology: dict[str, tuple[Vdev, ...]] = {}
        if topology_data is not None:
            topology_data = as_dict(topology_data, "topology")
            for klass in TOPOLOGY_CLASSES:
                vdevs = as_list(topology_data.get(klass, []), f"topology.{klass}")
                topology[klass] = tuple(Vdev.from_dict(vdev) for vdev in vdevs)
        return cls(
            id=req_int(data, "id"),
            name=req_str(data, "name"),
            status=req_str(data, "status"),
            healthy=req_bool(data, "healthy"),
            warning=opt_bool(data, "warning"),
            guid=opt_str(data, "guid"),
            status_code=opt_str(data, "status_code"),
            status_detail=opt_str(data, "status_detail"),
            size=opt_int(data, "size"),
            allocated=opt_int(data, "allocated"),
            free=opt_int(data, "free"),
            freeing=opt_int(data, "freeing"),
            fragmentation=opt_int(data, "fragmentation"),
            scan=PoolScan.from_dict(scan) if scan is not None else None,
            topology=topology,
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
        return Pool(
            id=self.id,
            name=self.name,
            status=self.status,
            healthy=self.healthy,
            warning=self.warning,
            guid=self.guid,
            status_code=self.status_code,
            status_detail=self.status_detail,
            size=self.size,
            allocated=self.allocated,
            free=self.free,
            freeing=self.freeing,
            fragmentation=self.fragmentation,
            scan=scan,
            topology=self.topology,
        )


@dataclass(frozen=True, slots=True)
class Alert:
    """An entry of `alert.list`."""

    uuid: str
    klass: str
    level: str
    formatted: str | None = None
    source: str | None = None
    dismissed: bool = False
    datetime: datetime | None = None
    args: Any = None

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        """Parse one alert."""
        data = as_dict(data, "alert")
        return cls(
            uuid=req_str(data, "uuid"),
            klass=req_str(data, "klass"),
            level=req_str(data, "level"),
            formatted=opt_str(data, "formatted"),
            source=opt_str(data, "source"),
            dismissed=opt_bool(data, "dismissed"),
            datetime=ejson_datetime(data.get("datetime")),
            args=data.get("args"),
        )

    @property
    def is_critical(self) -> bool:
        """CRITICAL, ALERT or EMERGENCY."""
        return self.level in CRITICAL_ALERT_LEVELS


@dataclass(frozen=True, slots=True)
class Job:
    """A middleware job (`core.get_jobs` entry)."""

    id: int
    method: str
    state: str
    arguments: tuple[Any, ...] = ()
    percent: float | None = None
    description: str | None = None
    result: Any = None
    error: str | None = None
    time_started: datetime | None = None
    time_finished: datetime | None = None

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        """Parse one job dict."""
        data = as_dict(data, "job")
        progress = data.get("progress")
        progress = progress if isinstance(progress, dict) else {}
        return cls(
            id=req_int(data, "id"),
            method=req_str(data, "method"),
            state=req_str(data, "state"),
            arguments=tuple(data["arguments"]) if isinstance(data.get("arguments"), list) else (),
            percent=opt_float(progress, "percent"),
            description=opt_str(progress, "description"),
            result=data.get("result"),
            error=opt_str(data, "error"),
            time_started=ejson_datetime(data.get("time_started")),
            time_finished=ejson_datetime(data.get("time_finished")),
        )

    @property
    def finished(self) -> bool:
        """SUCCESS, FAILED or ABORTED."""
        return self.state in JOB_FINAL_STATES


@dataclass(frozen=True, slots=True)
class Event:
    """A `collection_update` event of a subscription."""

    msg: str
    collection: str
    id: Any = None
    fields: Any = None

    @classmethod
    def from_params(cls, params: Any) -> Self:
        """Parse the params of a `collection_update` notification."""
        data: JSONDict = as_dict(params, "collection_update")
        return cls(
            msg=req_str(data, "msg"),
            collection=req_str(data, "collection"),
            id=data.get("id"),
            fields=data.get("fields"),
        )
