"""The NAS's own devices in one lab: disks, VMs, containers, services, update, power, reporting.

``NasLab`` is rebuilt when the lab reloads its scenario (``nas_of``). Its clock (``clock``) is
the lab clock of these devices: temperature caches, disk standby timers, the realtime reporting
curves and the reboot outage read it, and ``/control/nas/clock`` freezes or advances it, so a
test never waits for wall time it can skip.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime
import errno
import math
import time
from typing import Any, Final

from labsim.errors import CallError
from labsim.events import Event
from labsim.httpsvc import ServiceClock
from labsim.parts import LabError, PerLab, lookup
from labsim.scenario import JobDef, version_tuple
from labsim.state import LabState

from .section import CertificateDef, ContainerDef, DiskDef, NasSection, ServiceDef, UpdateDef, VMDef

TEMP_CACHE_SECONDS_2510: Final = 300.0  # disk.temperatures' cache from 25.10 on (temp_cache_age)
STANDBY_MODES: Final = ("NEVER", "SLEEP", "STANDBY", "IDLE")  # SMARTCTL_POWERMODES (25.04)
JOB_STEP: Final = 0.05


@dataclass(slots=True)
class Disk:
    """A disk of the box: what ``disk.query`` lists, and its power state."""

    spec: DiskDef
    number: int
    pool: str | None = None
    zfs_guid: str | None = None
    standby: bool = False
    last_access: float = 0.0
    """Lab time (seconds) of the last command that reached the disk."""
    cache: dict[str, tuple[float | None, float]] = field(default_factory=dict)
    """``disk.temperatures`` caches by kind (``2504``, ``2510``): (value, lab time)."""

    @property
    def name(self) -> str:
        """The kernel name (``sda``)."""
        return self.spec.name

    @property
    def can_sleep(self) -> bool:
        """A spinning disk with a standby timer."""
        return self.spec.type == "HDD" and self.spec.hddstandby != "ALWAYS ON"


@dataclass(slots=True)
class DiskAccess:
    """One call that may reach disks, as ``GET /control/nas/disks/log`` lists it."""

    time: float
    method: str
    session: int | None
    requested: list[str]
    read: list[str]
    """Disks a command reached (a sleeping one wakes)."""
    woke: list[str]
    """Disks that were asleep and were woken by this call."""
    skipped_standby: list[str]
    """Disks only asked for their power mode (``smartctl -n standby``); not woken."""


@dataclass(slots=True)
class UpdateState:
    """Where the update stands: on offer, downloading, applied (reboot needed)."""

    offer: UpdateDef | None
    downloaded: bool = False
    applied: bool = False
    progress: dict[str, Any] | None = None
    fail_at: float | None = None
    """Percent at which the next ``update.update``/``update.run`` fails (a fault)."""
    fail_error: str = "Failed to install update: [EIO] write error on boot pool"


class NasLab:
    """The NAS's devices in one ``LabState``."""

    def __init__(self, state: LabState) -> None:
        """Copy the scenario's ``nas`` section."""
        self.state = state
        self.scenario = state.scenario
        section = self.section = state.scenario.section("nas", NasSection)
        self.clock = ServiceClock(datetime.now(UTC))
        self._clock_t0 = self.clock.now()
        self._clock_changed = asyncio.Event()
        self.disks: dict[str, Disk] = {}
        self._build_disks(copy.deepcopy(section.disks))
        self.disk_log: list[DiskAccess] = []
        self.vms: dict[int, VMDef] = {vm.id: copy.deepcopy(vm) for vm in section.vms}
        self.containers: dict[int, ContainerDef] = {
            c.id: copy.deepcopy(c) for c in section.containers
        }
        self.services: dict[str, ServiceDef] = {
            s.service: copy.deepcopy(s) for s in section.services
        }
        self.certificates: list[CertificateDef] = copy.deepcopy(section.certificates)
        self.update = UpdateState(copy.deepcopy(section.update))
        self.reboot_seconds = section.reboot_seconds
        self.shutdown_seconds = section.shutdown_seconds
        self.power = "ON"
        self.back_at: float | None = None
        self.vm_fail_start: dict[str, str] = {}
        self.service_fail_start: dict[str, str] = {}
        self.busy: set[str] = set()
        self.streams: dict[str, asyncio.Task[None]] = {}

    # ------------------------------------------------------------ clock

    def lab_seconds(self) -> float:
        """Seconds on the lab clock since the lab was built."""
        return (self.clock.now() - self._clock_t0).total_seconds()

    def advance(self, seconds: float) -> None:
        """Move the lab clock forward (timers that wait on it fire)."""
        self.clock.advance(seconds)
        self._clock_changed.set()

    async def sleep_lab(self, seconds: float) -> None:
        """Wait ``seconds`` of lab time (real time, or less when the clock is advanced)."""
        await self.sleep_until(self.lab_seconds() + seconds)

    async def sleep_until(self, deadline: float) -> None:
        """Wait until the lab clock reads ``deadline`` (``lab_seconds``)."""
        while (left := deadline - self.lab_seconds()) > 0:
            self._clock_changed.clear()
            wait = left if not self.clock.frozen else None
            try:
                await asyncio.wait_for(self._clock_changed.wait(), wait)
            except TimeoutError:
                continue

    # ------------------------------------------------------------ disks

    def _build_disks(self, specs: list[DiskDef]) -> None:
        by_name = {spec.name: spec for spec in specs}
        number = 0
        for pool in self.state.pools.values():
            for leaf in pool.leaves():
                if not leaf.disk or leaf.disk in self.disks:
                    continue
                spec = by_name.pop(leaf.disk, None) or DiskDef(
                    name=leaf.disk, type="SSD" if leaf.disk.startswith("nvme") else "HDD"
                )
                spec.model = spec.model or leaf.model
                spec.serial = spec.serial or leaf.serial
                if spec.type == "HDD" and spec.rotationrate is None:
                    spec.rotationrate = 7200
                self.disks[leaf.disk] = Disk(
                    spec, number, pool.name, leaf.guid, standby=spec.standby and spec.type == "HDD"
                )
                number += 1
        for spec in by_name.values():
            self.disks[spec.name] = Disk(spec, number, standby=spec.standby)
            number += 1

    def disk(self, name: str) -> Disk:
        """A disk by name (a control request's 404 otherwise)."""
        return lookup(self.disks, name, "disk")

    def is_standby(self, disk: Disk) -> bool:
        """Whether the disk sleeps now (its standby timer ran out on the lab clock)."""
        if not disk.standby and disk.can_sleep:
            idle = self.lab_seconds() - disk.last_access
            if idle >= int(disk.spec.hddstandby) * 60:
                disk.standby = True
        return disk.standby

    def touch(self, disk: Disk, woke: list[str], read: list[str]) -> None:
        """A command reached the disk: it wakes if it slept."""
        if self.is_standby(disk):
            disk.standby = False
            woke.append(disk.name)
        disk.last_access = self.lab_seconds()
        read.append(disk.name)

    def log_access(self, method: str, session: int | None, requested: list[str]) -> DiskAccess:
        """Start a disk access record (the caller fills ``read``, ``woke``, ``skipped``)."""
        record = DiskAccess(time.time(), method, session, list(requested), [], [], [])
        self.disk_log.append(record)
        return record

    def temperature(self, disk: Disk) -> float | None:
        """The temperature now: the scenario's mean, a little higher while the disk works."""
        base = disk.spec.temperature
        if base is None:
            return None
        return round(base + 1.5 * math.sin(self.lab_seconds() / 600.0), 1)

    # ------------------------------------------------------------ jobs

    def run_job(
        self,
        method: str,
        arguments: list[Any],
        steps: list[tuple[float, int, str]],
        *,
        lock: str | None = None,
        result: Callable[[], Any] | None = None,
        fail_at: float | None = None,
        error: str = "",
    ) -> JobDef:
        """A job through ``steps`` (lab seconds, percent, description); fails at ``fail_at`` %."""
        if lock is not None:
            if lock in self.busy:
                # The middleware queues a job behind its lock; like app jobs, refuse instead.
                raise CallError(f"{lock} is already running", errno.EBUSY)
            self.busy.add(lock)
        job = self.state.add_job(method, arguments)
        self.state._spawn(self._walk(job, steps, lock, result, fail_at, error))  # noqa: SLF001
        return job

    async def _walk(  # noqa: PLR0917 - one private call site
        self,
        job: JobDef,
        steps: list[tuple[float, int, str]],
        lock: str | None,
        result: Callable[[], Any] | None,
        fail_at: float | None,
        error: str,
    ) -> None:
        try:
            deadline = self.lab_seconds()
            for seconds, percent, description in steps:
                deadline += seconds
                await self.sleep_until(deadline)
                if fail_at is not None and percent > fail_at:
                    # It fails where it stands: the progress it reached stays (the middleware's).
                    job.state, job.error = "FAILED", error
                    job.time_finished = datetime.now(UTC)
                    self.state._emit_job(job, "changed")  # noqa: SLF001
                    return
                job.percent, job.description = percent, description
                self.state._emit_job(job, "changed")  # noqa: SLF001
            job.time_finished = datetime.now(UTC)
            try:
                job.result = result() if result is not None else None
            except LabError as err:
                self.state.fail_job(job, str(err))
                return
            job.state, job.percent = "SUCCESS", 100
            self.state._emit_job(job, "changed")  # noqa: SLF001
        finally:
            if lock is not None:
                self.busy.discard(lock)

    # ------------------------------------------------------------ helpers

    def box(self) -> tuple[int, ...]:
        """The release of the box."""
        return version_tuple(self.scenario.current_version)

    def emit(self, collection: str, msg: str, ident: Any, fields: Any = None, **extra: Any) -> None:
        """Publish a ``collection_update``."""
        self.state.emit(Event(collection, msg, ident, fields, extra or None))


_LABS: Final[PerLab[NasLab]] = PerLab(NasLab)


def nas_of(state: LabState) -> NasLab:
    """The NAS devices of a lab (rebuilt after a scenario reset)."""
    return _LABS.of(state)
