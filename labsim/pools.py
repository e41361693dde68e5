"""The lab's pools: ``pool.query`` and ``boot.get_state`` entries, pool and disk states, scrubs.

``LabState`` takes them in as ``LabPools``; what they need of the lab (its events, background
tasks, health alerts) it declares.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from datetime import UTC, datetime
import time
from typing import TYPE_CHECKING, Any

from . import zfs
from .events import Event, scan_event_name
from .parts import LabError, lookup
from .scenario import Dataset, Pool, Scan, Scenario, Settings, Vdev, version_tuple


class LabPools:
    """Pools by name, with their scrubs."""

    scenario: Scenario
    settings: Settings
    pools: dict[str, Pool]
    datasets: list[Dataset]
    _scrubs: dict[str, asyncio.Task[None]]

    if TYPE_CHECKING:

        def emit(self, event: Event) -> None:
            """Publish an event (``LabState``)."""

        def _spawn(self, coro: Any) -> asyncio.Task[None]:
            """Run a background task (``LabState``)."""

        def schedule_health_check(self) -> None:
            """Let the health alert sources run (``LabAlerts``)."""

    def get_pool(self, name: str) -> Pool:
        """Return a pool by name or raise a 404 ``LabError``."""
        return lookup(self.pools, name, "pool named")

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
            "autotrim": zfs.prop(pool.autotrim, pool.autotrim, pool.autotrim, "DEFAULT"),
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
