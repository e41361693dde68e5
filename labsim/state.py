"""The mutable lab: pools, disks, scrubs, datasets, alerts and API keys.

Its jobs are ``labsim.jobs.LabJobs``; the faults and stats the control API sets,
``labsim.faults``.

Everything here runs on the simulator's event loop. Changes that a real middleware announces
are published as ``Event`` objects to listeners (the WebSocket sessions), which forward them to
clients that subscribed. Rendering into the exact API shapes also lives here, so method
handlers stay one-liners.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
import contextlib
import copy
from dataclasses import asdict
from datetime import UTC, datetime
import json
import logging
import time
from typing import Any, Final, Protocol
import uuid
from weakref import WeakKeyDictionary

from . import zfs
from .events import Event, scan_event_name
from .faults import CallRecord, Faults, Stats
from .jobs import LabJobs
from .scenario import (
    AlertDef,
    ApiKey,
    Dataset,
    JobDef,
    Pool,
    Scan,
    Scenario,
    User,
    Vdev,
    load_scenario,
    version_tuple,
)

_LOGGER = logging.getLogger(__name__)

RATE_LIMIT_PERIOD: Final = 60.0
CALL_LOG_MAX: Final = 10000
HEALTH_ALERT_CLASSES: Final = frozenset({"VolumeStatus", "BootPoolStatus"})

VOLUME_STATUS_TEXT: Final = "Pool %(volume)s state is %(state)s: %(status)s%(devices)s"
BOOT_POOL_TEXT: Final = "Boot pool status is %(status)s: %(status_detail)s."
API_KEY_REVOKED_TEXT: Final = (
    "%(name)s: API key has been revoked and must either be renewed or deleted. "
    "Revoke reason: %(reason)s. Once the maintenance is complete, API client configuration must "
    "be updated to use the renewed API key."
)
INSECURE_TRANSPORT_REASON: Final = "Attempt to use over an insecure transport"


class LabError(Exception):
    """A control request that cannot be applied (unknown pool, bad value...)."""

    def __init__(self, message: str, status: int = 400) -> None:
        """Store the message and the HTTP status for the control API."""
        super().__init__(message)
        self.status = status


type Listener = Callable[[Event], None]
type LoadHook = Callable[["LabState"], None]

LOAD_HOOKS: list[LoadHook] = []


class _OfScenario(Protocol):
    @property
    def scenario(self) -> Scenario: ...


class PerLab[PartT: _OfScenario]:
    """One part of a lab (its apps, its backups) per lab state, rebuilt after a scenario reset."""

    def __init__(self, build: Callable[[LabState], PartT]) -> None:
        """Build parts with ``build``."""
        self._build = build
        self._parts: WeakKeyDictionary[LabState, PartT] = WeakKeyDictionary()

    def of(self, state: LabState) -> PartT:
        """The part of ``state``, built anew when its scenario changed."""
        part = self._parts.get(state)
        if part is None or part.scenario is not state.scenario:
            part = self._build(state)
            self._parts[state] = part
        return part


"""Run at the end of every scenario load (start and reset): sections add what the NAS has."""


def human_size(value: int) -> str:
    """Format bytes like the reference payloads (``"2 TiB"``, ``"1.5 GiB"``)."""
    amount = float(value)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(amount) < 1024 or unit == "PiB":  # noqa: PLR2004 - binary units
            text = f"{amount:.2f}".rstrip("0").rstrip(".")
            return f"{text} {unit}"
        amount /= 1024
    return f"{value} B"  # pragma: no cover - the loop always returns


def _prop(parsed: object, raw: object, value: object, source: str = "NONE") -> dict[str, Any]:
    """Return a ZFS property object as ``pool.dataset.query`` does."""
    return {
        "parsed": parsed,
        "rawvalue": None if raw is None else str(raw),
        "value": value,
        "source": source,
        "source_info": None,
    }


def _size_prop(size: int) -> dict[str, Any]:
    return _prop(size, size, human_size(size))


class LabState(LabJobs):
    """The simulated NAS; one per simulator, living on its event loop."""

    def __init__(self, scenario: Scenario) -> None:
        """Build the lab from a scenario (which is copied, never modified)."""
        self.original = scenario
        self.listeners: list[Listener] = []
        self.stats = Stats()
        self.faults = Faults()
        self.call_log: deque[CallRecord] = deque(maxlen=CALL_LOG_MAX)
        self._tasks: set[asyncio.Task[None]] = set()
        self._scrubs: dict[str, asyncio.Task[None]] = {}
        self._health_handle: asyncio.TimerHandle | None = None
        self._logins: dict[tuple[str, str], deque[float]] = {}
        self._load(copy.deepcopy(scenario))

    def _load(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.settings = scenario.settings
        self.system = scenario.system
        self.users: list[User] = scenario.users
        self.pools: dict[str, Pool] = {pool.name: pool for pool in scenario.pools}
        self.datasets: list[Dataset] = scenario.datasets
        self.alerts: dict[str, AlertDef] = {alert.uuid: alert for alert in scenario.alerts}
        self.jobs: dict[int, JobDef] = {job.id: job for job in scenario.jobs}
        self.next_job_id = max(self.jobs, default=0) + 1
        # A scenario that starts unhealthy starts with its alert, like a box that ran a while.
        self._reconcile_health_alerts(notify=False)
        for hook in LOAD_HOOKS:
            hook(self)

    # ------------------------------------------------------------ notifications

    def add_listener(self, listener: Listener) -> None:
        """Receive every event from now on."""
        self.listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        """Stop receiving events."""
        with contextlib.suppress(ValueError):
            self.listeners.remove(listener)

    def emit(self, event: Event) -> None:
        """Publish an event to every listener."""
        for listener in list(self.listeners):
            listener(event)

    def _spawn(self, coro: Any) -> asyncio.Task[None]:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def close(self) -> None:
        """Cancel timers and background tasks (scrubs, jobs)."""
        if self._health_handle is not None:
            self._health_handle.cancel()
            self._health_handle = None
        if self.faults.stall_handle is not None:
            self.faults.stall_handle.cancel()
            self.faults.stall_handle = None
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        self._scrubs.clear()

    async def reset(self) -> None:
        """Reload the scenario (re-reading its file), clear faults, keep logs and stats."""
        await self.close()
        old_pools = [p for p in self.pools.values() if not p.boot]
        old_alerts = list(self.alerts)
        source = self.original.source
        scenario = load_scenario(source) if source is not None else copy.deepcopy(self.original)
        self.original = scenario
        self._load(copy.deepcopy(scenario))
        self.faults.clear()
        self._logins.clear()
        for pool in old_pools:
            self.emit(Event("pool.query", "removed", pool.id))
        for alert_uuid in old_alerts:
            self.emit(Event("alert.list", "removed", alert_uuid))
        for pool in self.pools.values():
            if not pool.boot:
                self.emit(Event("pool.query", "added", pool.id, self.pool_entry(pool)))
        for alert in self.alerts.values():
            self.emit(Event("alert.list", "added", alert.uuid, self.alert_entry(alert)))

    # ------------------------------------------------------------ system

    @property
    def host_id(self) -> str:
        """Return what ``system.host_id`` answers (stable across resets and renames)."""
        return self.system.host_id

    def system_info(self) -> dict[str, Any]:
        """Return ``system.info``."""
        now = datetime.now(UTC)
        system = self.system
        uptime = now - system.boottime
        return {
            "version": system.version,
            "buildtime": system.buildtime,
            "hostname": system.hostname,
            "physmem": system.physmem,
            "model": system.model,
            "cores": system.cores,
            "physical_cores": system.physical_cores,
            "loadavg": list(system.loadavg),
            "uptime": str(uptime),
            "uptime_seconds": uptime.total_seconds(),
            "system_serial": system.system_serial,
            "system_product": system.system_product,
            "system_product_version": system.system_product_version,
            "license": system.license,
            "boottime": system.boottime,
            "datetime": now,
            "timezone": system.timezone,
            "system_manufacturer": system.system_manufacturer,
            "ecc_memory": system.ecc_memory,
        }

    # ------------------------------------------------------------ pools

    def get_pool(self, name: str) -> Pool:
        """Return a pool by name or raise a 404 ``LabError``."""
        pool = self.pools.get(name)
        if pool is None:
            msg = f"no pool named {name!r}"
            raise LabError(msg, 404)
        return pool

    @staticmethod
    def scan_entry(scan: Scan | None) -> dict[str, Any] | None:
        """Return the ``scan`` member of a pool."""
        return None if scan is None else asdict(scan)

    def _vdev_entry(self, pool: Pool, vdev: Vdev, share: int) -> dict[str, Any]:
        size = vdev.size if vdev.size is not None else share
        entry: dict[str, Any] = {
            "name": vdev.name,
            "type": vdev.type,
            "path": vdev.path,
            "guid": vdev.guid,
            "status": vdev.status,
            "stats": {
                "timestamp": time.monotonic_ns(),
                "read_errors": vdev.read_errors,
                "write_errors": vdev.write_errors,
                "checksum_errors": vdev.checksum_errors,
                "ops": [0] * 7,
                "bytes": [0] * 7,
                "size": size,
                "allocated": 0 if vdev.type == "DISK" else min(pool.allocated, size),
                "fragmentation": 0 if vdev.type == "DISK" else int(pool.fragmentation or 0),
                "self_healed": 0,
                "configured_ashift": 12,
                "logical_ashift": 9,
                "physical_ashift": 12,
            },
            "children": [],
            "unavail_disk": None,
        }
        if vdev.type == "DISK":
            entry["device"] = vdev.device
            entry["disk"] = vdev.disk
            if vdev.status in ("UNAVAIL", "REMOVED"):
                # A missing disk is described by what the middleware remembers of it.
                entry["unavail_disk"] = {"model": vdev.model, "serial": vdev.serial}
            return entry
        parity = {"RAIDZ1": 1, "RAIDZ2": 2, "RAIDZ3": 3}.get(vdev.type, 0)
        data_disks = max(1, len(vdev.children) - parity) if vdev.type != "MIRROR" else 1
        entry["children"] = [
            self._vdev_entry(pool, child, size // data_disks) for child in vdev.children
        ]
        return entry

    def box_api_version(self) -> tuple[int, ...]:
        """Return the newest API version this box serves: the shape of its events."""
        return version_tuple(self.scenario.current_version)

    def pool_entry(
        self,
        pool: Pool,
        *,
        pool_id: int | str | None = None,
        api_version: tuple[int, ...] | None = None,
    ) -> dict[str, Any]:
        """Return a ``pool.query`` item as API ``api_version`` shapes it (default: the box's).

        Events are never adapted to a connection's API version, so they carry the box's shape.
        """
        code, detail = zfs.status_code_and_detail(pool)
        data_vdevs = max(1, len(pool.topology["data"]))
        topology = {
            category: [
                self._vdev_entry(pool, vdev, pool.size // data_vdevs if category == "data" else 0)
                for vdev in vdevs
            ]
            for category, vdevs in pool.topology.items()
        }
        entry: dict[str, Any] = {
            "id": pool.id if pool_id is None else pool_id,
            "name": pool.name,
            "guid": pool.guid,
            "status": pool.status,
            "path": pool.path,
            "scan": self.scan_entry(pool.scan),
            "expand": None,
            "is_upgraded": pool.is_upgraded,
            "healthy": zfs.is_healthy(pool),
            "warning": pool.warning,
            "status_code": pool.status_code or code,
            "status_detail": pool.status_detail if pool.status_code else detail,
            "size": pool.size,
            "allocated": pool.allocated,
            "free": pool.free,
            "freeing": pool.freeing,
            "dedup_table_size": pool.dedup_table_size,
            "dedup_table_quota": pool.dedup_table_quota,
            "fragmentation": pool.fragmentation,
            "size_str": str(pool.size),
            "allocated_str": str(pool.allocated),
            "free_str": str(pool.free),
            "freeing_str": str(pool.freeing),
            "autotrim": _prop(pool.autotrim, pool.autotrim, pool.autotrim, "DEFAULT"),
            "topology": topology,
        }
        if (api_version or self.box_api_version()) >= (26,):
            # PoolEntry.all_sed (26): set when every disk is a SED; none of ours is.
            entry["all_sed"] = False
        return entry

    def pool_entries(self, api_version: tuple[int, ...] | None = None) -> list[dict[str, Any]]:
        """Return every data pool (``pool.query`` never lists the boot pool)."""
        return [
            self.pool_entry(pool, api_version=api_version)
            for pool in self.pools.values()
            if not pool.boot
        ]

    def boot_state(self, api_version: tuple[int, ...] | None = None) -> dict[str, Any] | None:
        """Return ``boot.get_state``: a pool entry without ``id`` and ``guid`` (BootGetState)."""
        pool = next((pool for pool in self.pools.values() if pool.boot), None)
        if pool is None:
            return None
        entry = self.pool_entry(pool, api_version=api_version)
        del entry["id"], entry["guid"]
        return entry

    def set_pool_state(
        self,
        name: str,
        status: str,
        status_code: str | None = None,
        status_detail: str | None = None,
    ) -> Pool:
        """Force a pool state (disks untouched); ``ONLINE`` clears a forced state."""
        pool = self.get_pool(name)
        pool.status = status
        pool.status_code = status_code
        pool.status_detail = status_detail if status_code else None
        self.schedule_health_check()
        return pool

    def find_disk(self, pool: Pool, disk: str) -> Vdev:
        """Return a leaf by disk name (``sda``), device (``sda1``), guid or partuuid."""
        for leaf in pool.leaves():
            if disk in (leaf.disk, leaf.device, leaf.guid, leaf.name):
                return leaf
        msg = f"pool {pool.name!r} has no disk {disk!r}"
        raise LabError(msg, 404)

    def set_disk_state(
        self,
        name: str,
        disk: str,
        *,
        status: str | None = None,
        read_errors: int | None = None,
        write_errors: int | None = None,
        checksum_errors: int | None = None,
    ) -> Pool:
        """Change a leaf disk and recompute vdev and pool states as ZFS would."""
        pool = self.get_pool(name)
        leaf = self.find_disk(pool, disk)
        if status is not None:
            leaf.status = status
        if read_errors is not None:
            leaf.read_errors = read_errors
        if write_errors is not None:
            leaf.write_errors = write_errors
        if checksum_errors is not None:
            leaf.checksum_errors = checksum_errors
        pool.status = zfs.refresh(pool)
        pool.status_code = pool.status_detail = None
        self.schedule_health_check()
        return pool

    def add_pool(self, pool: Pool) -> Pool:
        """Import a pool (``pool.query`` ``added`` event)."""
        if pool.name in self.pools:
            msg = f"a pool named {pool.name!r} exists"
            raise LabError(msg, 409)
        if pool.boot:
            msg = "cannot import a boot pool"
            raise LabError(msg)
        if any(other.id == pool.id for other in self.pools.values() if not other.boot):
            pool.id = max((p.id for p in self.pools.values() if not p.boot), default=0) + 1
        self.pools[pool.name] = pool
        self.emit(Event("pool.query", "added", pool.id, self.pool_entry(pool)))
        self.schedule_health_check()
        return pool

    def export_pool(self, name: str) -> Pool:
        """Export a pool (``pool.query`` ``removed`` event); its datasets go with it."""
        pool = self.get_pool(name)
        if pool.boot:
            msg = "cannot export the boot pool"
            raise LabError(msg)
        self._stop_scrub_task(name)
        del self.pools[name]
        self.datasets = [ds for ds in self.datasets if ds.pool != name]
        self.emit(Event("pool.query", "removed", pool.id))
        self.schedule_health_check()
        return pool

    # ------------------------------------------------------------ scrubs

    def _emit_scan(self, pool: Pool) -> None:
        fields = {"name": pool.name, "scan": self.scan_entry(pool.scan)}
        # zfs.pool.scan before 26, pool.scan from 26 on (events follow the box, not the API).
        box = version_tuple(self.scenario.current_version)
        self.emit(Event(scan_event_name(box), "changed", fields=fields))

    def _stop_scrub_task(self, name: str) -> None:
        task = self._scrubs.pop(name, None)
        if task is not None:
            task.cancel()

    def start_scrub(self, name: str, duration: float) -> Pool:
        """Start a scrub that runs ``duration`` seconds, with ``pool.scan`` events."""
        pool = self.get_pool(name)
        if pool.scan is not None and pool.scan.state == "SCANNING":
            msg = f"pool {name!r} is already being scrubbed"
            raise LabError(msg, 409)
        pool.scan = Scan(
            function="SCRUB",
            state="SCANNING",
            start_time=datetime.now(UTC),
            end_time=None,
            percentage=0.0,
            bytes_to_process=pool.allocated,
            bytes_processed=0,
            bytes_issued=0,
            errors=0,
            total_secs_left=round(duration),
        )
        self._emit_scan(pool)
        self._scrubs[name] = self._spawn(self._run_scrub(pool, pool.scan, duration))
        return pool

    async def _run_scrub(self, pool: Pool, scan: Scan, duration: float) -> None:
        # Finishing, cancelling, exporting or resetting cancels this task, so the scan it
        # updates is always the running one.
        started = time.monotonic()
        interval = self.settings.scan_event_interval_seconds
        while (elapsed := time.monotonic() - started) < duration:
            await asyncio.sleep(min(interval, max(0.0, duration - elapsed)))
            elapsed = min(duration, time.monotonic() - started)
            fraction = elapsed / duration if duration > 0 else 1.0
            if fraction >= 1.0:
                break
            scan.percentage = round(fraction * 100, 2)
            scan.bytes_processed = scan.bytes_issued = int(scan.bytes_to_process * fraction)
            scan.total_secs_left = max(0, round(duration - elapsed))
            self._emit_scan(pool)
        self._scrubs.pop(pool.name, None)
        self._end_scrub(pool, scan, "FINISHED", errors=None)

    def _end_scrub(self, pool: Pool, scan: Scan, state: str, errors: int | None) -> None:
        scan.state = state
        scan.end_time = datetime.now(UTC)
        scan.total_secs_left = None
        if state == "FINISHED":
            scan.percentage = 100.0
            scan.bytes_processed = scan.bytes_issued = scan.bytes_to_process
        if errors is not None:
            scan.errors = errors
        self._emit_scan(pool)

    def finish_scrub(self, name: str, *, errors: int | None = None, cancel: bool = False) -> Pool:
        """End the running scrub now (``FINISHED``, or ``CANCELED`` with ``cancel``)."""
        pool = self.get_pool(name)
        scan = pool.scan
        if scan is None or scan.state != "SCANNING":
            msg = f"pool {name!r} is not being scrubbed"
            raise LabError(msg, 409)
        self._stop_scrub_task(name)
        self._end_scrub(pool, scan, "CANCELED" if cancel else "FINISHED", errors)
        return pool

    # ------------------------------------------------------------ datasets

    def _dataset_tree(self) -> dict[str, Dataset]:
        """Return every dataset by name, adding pool roots and missing parents."""
        tree: dict[str, Dataset] = {}
        for pool in self.pools.values():
            if not pool.boot:
                tree[pool.name] = Dataset(name=pool.name, used=pool.allocated, available=pool.free)
        for dataset in self.datasets:
            if dataset.pool not in tree:
                continue
            parts = dataset.name.split("/")
            for depth in range(2, len(parts)):
                tree.setdefault("/".join(parts[:depth]), Dataset(name="/".join(parts[:depth])))
            explicit = copy.copy(dataset)
            if dataset.name == dataset.pool:
                root = tree[dataset.pool]
                explicit.used = dataset.used if dataset.used is not None else root.used
                explicit.available = (
                    dataset.available if dataset.available is not None else root.available
                )
            tree[dataset.name] = explicit
        return dict(sorted(tree.items()))

    def _used(self, tree: dict[str, Dataset], name: str) -> int:
        dataset = tree[name]
        if dataset.used is not None:
            return dataset.used
        prefix = name + "/"
        children = [n for n in tree if n.startswith(prefix) and "/" not in n[len(prefix) :]]
        return sum(self._used(tree, child) for child in children) + 98304  # own metadata

    def _dataset_entry(
        self,
        tree: dict[str, Dataset],
        name: str,
        properties: list[str] | None,
        *,
        children: bool,
        user_props: bool,
    ) -> dict[str, Any]:
        dataset = tree[name]
        pool = self.pools[dataset.pool]
        used = self._used(tree, name)
        available = dataset.available if dataset.available is not None else pool.free
        if dataset.quota:
            available = min(available, max(0, dataset.quota - used))
        prefix = name + "/"
        child_names = [n for n in tree if n.startswith(prefix) and "/" not in n[len(prefix) :]]
        child_used = sum(self._used(tree, child) for child in child_names)
        referenced = (
            dataset.referenced if dataset.referenced is not None else max(used - child_used, 0)
        )
        compression = dataset.compression.lower()
        values: dict[str, dict[str, Any]] = {
            "used": _size_prop(used),
            "available": _size_prop(available),
            "usedbydataset": _size_prop(referenced),
            "usedbychildren": _size_prop(child_used),
            "usedbysnapshots": _size_prop(0),
            "usedbyrefreservation": _size_prop(0),
            "quota": _prop(
                dataset.quota or None,
                dataset.quota,
                human_size(dataset.quota) if dataset.quota else None,
                "LOCAL" if dataset.quota else "DEFAULT",
            ),
            "refquota": _prop(None, 0, None, "DEFAULT"),
            "reservation": _prop(None, 0, None, "DEFAULT"),
            "refreservation": _prop(None, 0, None, "DEFAULT"),
            "compression": _prop(
                compression,
                compression,
                dataset.compression,
                "LOCAL" if name == dataset.pool else "INHERITED",
            ),
            "compressratio": _prop("1.00", "1.00", "1.00x"),
            "deduplication": _prop("off", "off", "OFF", "DEFAULT"),
            "atime": _prop(False, "off", "OFF", "LOCAL"),
            "readonly": _prop(False, "off", "OFF", "DEFAULT"),
            "recordsize": _prop(131072, 131072, "128K", "DEFAULT"),
            "sync": _prop("standard", "standard", "STANDARD", "DEFAULT"),
            "snapdir": _prop("hidden", "hidden", "HIDDEN", "DEFAULT"),
            "copies": _prop(1, 1, "1", "DEFAULT"),
            "exec": _prop(True, "on", "ON", "DEFAULT"),
            "checksum": _prop(True, "on", "ON", "DEFAULT"),
            "casesensitivity": _prop("sensitive", "sensitive", "SENSITIVE", "NONE"),
            "aclmode": _prop("discard", "discard", "DISCARD", "LOCAL"),
            "acltype": _prop("posix", "posix", "POSIX", "LOCAL"),
        }
        for key, value in dataset.properties.items():
            values[key] = (
                value
                if isinstance(value, dict) and "rawvalue" in value
                else _prop(value, value, str(value), "LOCAL")
            )
        if properties is not None:
            values = {key: values[key] for key in properties if key in values}
        entry: dict[str, Any] = {
            "id": name,
            "type": dataset.type,
            "name": name,
            "pool": dataset.pool,
            "encrypted": dataset.encrypted,
            "encryption_root": name if dataset.encrypted else None,
            "key_loaded": dataset.encrypted,
            "locked": False,
            "mountpoint": f"/mnt/{name}" if dataset.type == "FILESYSTEM" else None,
            "children": [
                self._dataset_entry(tree, child, properties, children=True, user_props=user_props)
                for child in child_names
            ]
            if children
            else [],
            **values,
        }
        if user_props:
            entry["user_properties"] = {
                key: _prop(value, value, value, "LOCAL")
                for key, value in dataset.user_properties.items()
            }
        return entry

    def dataset_entries(
        self,
        properties: list[str] | None = None,
        *,
        children: bool = True,
        flat: bool = True,
        user_props: bool = True,
    ) -> list[dict[str, Any]]:
        """Return ``pool.dataset.query`` items (flat: every dataset; else only pool roots)."""
        tree = self._dataset_tree()
        names = list(tree) if flat else [name for name in tree if "/" not in name]
        return [
            self._dataset_entry(tree, name, properties, children=children, user_props=user_props)
            for name in names
        ]

    # ------------------------------------------------------------ alerts

    @staticmethod
    def alert_entry(alert: AlertDef) -> dict[str, Any]:
        """Return an ``alert.list`` item."""
        return {
            "uuid": alert.uuid,
            "source": alert.source,
            "klass": alert.klass,
            "args": alert.args,
            "node": alert.node,
            "key": alert.key,
            "datetime": alert.created_at,
            "last_occurrence": alert.last_occurrence or alert.created_at,
            "dismissed": alert.dismissed,
            "mail": None,
            "text": alert.text,
            "id": alert.uuid,
            "level": alert.level,
            "formatted": alert.formatted,
            "one_shot": alert.one_shot,
        }

    def alert_entries(self) -> list[dict[str, Any]]:
        """Return ``alert.list``."""
        return [self.alert_entry(alert) for alert in self.alerts.values()]

    def add_alert(self, alert: AlertDef, *, notify: bool = True) -> AlertDef:
        """Raise an alert (``alert.list`` ``added`` event)."""
        self.alerts[alert.uuid] = alert
        if notify:
            self.emit(Event("alert.list", "added", alert.uuid, self.alert_entry(alert)))
        return alert

    def new_alert(
        self,
        klass: str,
        level: str,
        text: str,
        args: Any,
        formatted: str,
        *,
        one_shot: bool = False,
    ) -> AlertDef:
        """Return a fresh alert object (not yet raised)."""
        now = datetime.now(UTC)
        return AlertDef(
            uuid=str(uuid.uuid4()),
            klass=klass,
            source=klass,
            level=level,
            args=args,
            text=text,
            formatted=formatted,
            key=json.dumps(args, sort_keys=True, default=str),
            created_at=now,
            last_occurrence=now,
            one_shot=one_shot,
        )

    def remove_alert(self, alert_uuid: str) -> AlertDef:
        """Clear an alert (``alert.list`` ``removed`` event)."""
        alert = self.alerts.pop(alert_uuid, None)
        if alert is None:
            msg = f"no alert {alert_uuid!r}"
            raise LabError(msg, 404)
        self.emit(Event("alert.list", "removed", alert_uuid))
        return alert

    def clear_alerts(self) -> int:
        """Clear every alert; return how many there were."""
        uuids = list(self.alerts)
        for alert_uuid in uuids:
            self.remove_alert(alert_uuid)
        return len(uuids)

    def set_alert_dismissed(self, alert_uuid: str, *, dismissed: bool) -> AlertDef:
        """Dismiss or restore an existing alert (``alert.list`` ``changed`` event)."""
        alert = self.alerts[alert_uuid]
        alert.dismissed = dismissed
        self.emit(Event("alert.list", "changed", alert.uuid, self.alert_entry(alert)))
        return alert

    def schedule_health_check(self) -> None:
        """Let the health alert sources run after ``alert_delay_seconds`` (now when 0)."""
        if self._health_handle is not None:
            self._health_handle.cancel()
            self._health_handle = None
        delay = self.settings.alert_delay_seconds
        if delay <= 0:
            self._reconcile_health_alerts(notify=True)
            return
        self._health_handle = asyncio.get_running_loop().call_later(
            delay, self._reconcile_health_alerts, True
        )

    def _desired_health_alerts(self) -> dict[str, tuple[str, str, dict[str, Any]]]:
        """Return ``{key: (klass, text, args)}`` as VolumeStatus/BootPoolStatus would raise."""
        desired: dict[str, tuple[str, str, dict[str, Any]]] = {}
        for pool in self.pools.values():
            code, detail = zfs.status_code_and_detail(pool)
            code, detail = (
                (pool.status_code, pool.status_detail) if pool.status_code else (code, detail)
            )
            # The alert source's condition: unhealthy, or a warning other than FEAT_DISABLED.
            if zfs.is_healthy(pool) and not (pool.warning and code != "FEAT_DISABLED"):
                continue
            if pool.boot:
                args: dict[str, Any] = {"status": pool.status, "status_detail": detail}
                klass, text = "BootPoolStatus", BOOT_POOL_TEXT
            else:
                bad = [f"Disk {leaf.guid} is {leaf.status}" for leaf in zfs.unhealthy_disks(pool)]
                devices = (
                    (
                        "<br>The following devices are not healthy:<ul><li>"
                        + "</li><li>".join(bad)
                        + "</li></ul>"
                    )
                    if bad
                    else ""
                )
                args = {
                    "volume": pool.name,
                    "state": pool.status,
                    "status": detail,
                    "devices": devices,
                }
                klass, text = "VolumeStatus", VOLUME_STATUS_TEXT
            desired[json.dumps(args, sort_keys=True)] = (klass, text, args)
        return desired

    def _reconcile_health_alerts(self, notify: bool) -> None:
        # What the alert sources do on each run: clear alerts whose condition is gone, raise
        # new ones (a changed state has a new key, so it replaces the old alert).
        self._health_handle = None
        desired = self._desired_health_alerts()
        for alert in list(self.alerts.values()):
            if alert.klass in HEALTH_ALERT_CLASSES and alert.key not in desired:
                del self.alerts[alert.uuid]
                if notify:
                    self.emit(Event("alert.list", "removed", alert.uuid))
        present = {a.key for a in self.alerts.values() if a.klass in HEALTH_ALERT_CLASSES}
        for key, (klass, text, args) in desired.items():
            if key in present:
                continue
            alert = self.new_alert(klass, "CRITICAL", text, args, text % args)
            alert.key = key
            self.add_alert(alert, notify=notify)

    # ------------------------------------------------------------ API keys

    def find_key(self, api_key: str) -> tuple[User, ApiKey] | None:
        """Return the user and key for a wire-form API key (``<id>-<secret>``)."""
        for user in self.users:
            for key in user.api_keys:
                if key.key == api_key:
                    return user, key
        return None

    def find_key_by_id(self, key_id: int) -> tuple[User, ApiKey] | None:
        """Return the user and key with the given id."""
        for user in self.users:
            for key in user.api_keys:
                if key.id == key_id:
                    return user, key
        return None

    def revoke_key(self, key: ApiKey, reason: str) -> None:
        """Revoke a key and raise the ``ApiKeyRevoked`` alert."""
        if key.revoked:
            return
        key.revoked = True
        key.revoked_reason = reason
        args = {"name": key.name, "reason": reason}
        alert = self.new_alert(
            "ApiKeyRevoked", "WARNING", API_KEY_REVOKED_TEXT, args, API_KEY_REVOKED_TEXT % args
        )
        self.add_alert(alert)

    def login_allowed(self, method: str, origin: str) -> bool:
        """Count an unauthenticated login call; False beyond the limit within 60 s."""
        now = time.monotonic()
        calls = self._logins.setdefault((method, origin), deque())
        while calls and now - calls[0] > RATE_LIMIT_PERIOD:
            calls.popleft()
        calls.append(now)
        return len(calls) <= self.settings.login_rate_limit

    # ------------------------------------------------------------ summary

    def summary(self) -> dict[str, Any]:
        """Return ``GET /control/state``."""
        return {
            "scenario": self.scenario.name,
            "hostname": self.system.hostname,
            "version": self.system.version,
            "api_versions": self.scenario.api_versions,
            "pools": {
                name: {
                    "status": pool.status,
                    "healthy": zfs.is_healthy(pool),
                    "boot": pool.boot,
                    "scan": pool.scan.state if pool.scan else None,
                    "disks": {
                        leaf.disk: {
                            "status": leaf.status,
                            "read_errors": leaf.read_errors,
                            "write_errors": leaf.write_errors,
                            "checksum_errors": leaf.checksum_errors,
                        }
                        for leaf in pool.leaves()
                    },
                }
                for name, pool in self.pools.items()
            },
            "alerts": [
                {"uuid": a.uuid, "klass": a.klass, "level": a.level, "formatted": a.formatted}
                for a in self.alerts.values()
            ],
            "users": {
                user.username: [
                    {"id": key.id, "name": key.name, "revoked": key.revoked}
                    for key in user.api_keys
                ]
                for user in self.users
            },
            "jobs": len(self.jobs),
            "faults": {
                "stalled": self.faults.stalled,
                "reply_delay": self.faults.reply_delay,
                "remote_clients": self.faults.remote_clients,
            },
            "settings": asdict(self.settings),
        }
