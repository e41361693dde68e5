"""The NAS's own devices: disks, virtual machines and containers, system services.

Which method serves what, by TrueNAS release (middleware tags TS-25.04.2.6, TS-25.10.6 and
TS-26.0.0-BETA.3):

| need                  | 25.04                         | 25.10                      | 26                      |
| --------------------- | ----------------------------- | -------------------------- | ----------------------- |
| disks                 | `disk.query` (never `extra.supports_smart`: it runs smartctl on every disk) | same | same |
| live temperature      | `disk.temperatures(names, {cache: 290, powermode: STANDBY})`: `smartctl -n standby` answers null for a sleeping disk without waking it | none safe: `disk.temperatures` reads the `drivetemp` hwmon of *every* disk whose 5-min cache entry expired, whichever names were asked | same as 25.10 |
| temperature history   | `disk.temperature_agg`        | `disk.temperature_agg(names, days)` from the reporting database: reaches no disk | same |
| last SMART test       | `smart.test.results` (runs `smartctl -a`, no `-n`: wakes every disk it selects; asked only for disks the powermode-aware read just found awake) | gone (SMART left the API) | gone |
| VMs                   | `vm.*`                        | `vm.*`                     | `vm.*`                  |
| containers            | `virt.instance.*` (id = name) | `virt.instance.*`          | `container.*` (no restart) |
| services              | `service.start/stop` (bool)   | `service.control` (job)    | `service.control` (start/stop: FULL_ADMIN only) |
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Final, Literal

from ._parse import JSONDict, Model, as_dict, as_list, opt_float, opt_str, source

if TYPE_CHECKING:
    from .client import TrueNASClient

# 25.04's SMARTCTL_POWERMODES: with STANDBY, smartctl only asks a disk in standby its power mode.
SAFE_POWERMODE: Final = "STANDBY"
# What the middleware's own reporting keeps (25.04: 290 s, a little under collectd's 300 s).
TEMPERATURE_CACHE_SECONDS: Final = 290
DISK_SELECT: Final = [
    "identifier", "name", "serial", "model", "size", "type", "rotationrate", "pool",
    "zfs_guid", "bus", "hddstandby",
]  # fmt: skip
VM_STATES: Final = ("RUNNING", "STOPPED", "SUSPENDED", "ERROR")
SERVICE_STATES: Final = ("RUNNING", "STOPPED", "CRASHED")

type GuestKind = Literal["vm", "instance", "container"]


def level_of(client: TrueNASClient) -> tuple[int, int]:
    """The API level the client speaks (25.04 when not known)."""
    return client.release or (25, 4)


# ---------------------------------------------------------------- disks


@dataclass(frozen=True, slots=True)
class Disk(Model):
    """A `disk.query` entry."""

    name: str
    identifier: str | None = None
    serial: str | None = None
    model: str | None = None
    size: int | None = None
    type: str | None = None
    rotationrate: int | None = None
    pool: str | None = None
    zfs_guid: str | None = None
    bus: str | None = None
    hddstandby: str | None = None


@dataclass(frozen=True, slots=True)
class SmartTest(Model):
    """The newest self-test of one disk (`smart.test.results` `tests[0]`, 25.04)."""

    description: str | None = None
    status: str | None = None
    status_verbose: str | None = None
    lifetime: int | None = None
    """Power-on hours when the test ran (the only time smartctl's log gives)."""


@dataclass(frozen=True, slots=True)
class TemperatureAgg(Model):
    """`disk.temperature_agg` of one disk: min, max and mean over the days asked."""

    min: float | None = None
    max: float | None = None
    avg: float | None = None


class TrueNASDisks:
    """Disk methods that never wake a sleeping disk (see the module docstring)."""

    def __init__(self, client: TrueNASClient) -> None:
        """Use `client`."""
        self.client = client

    @property
    def live_temperatures(self) -> bool:
        """Whether the release has a temperature read that spares sleeping disks (25.04 only)."""
        return level_of(self.client) < (25, 10)

    @property
    def smart_results(self) -> bool:
        """Whether the release still lists SMART test results (25.04 only)."""
        return level_of(self.client) < (25, 10)

    async def disks(self) -> list[Disk]:
        """`disk.query` (no `extra`: 25.04's `supports_smart` would run smartctl on each disk)."""
        result = await self.client.query("disk.query", select=DISK_SELECT)
        return [Disk.from_dict(item) for item in as_list(result, "disk.query")]

    async def temperatures(self, names: list[str]) -> dict[str, float | None]:
        """25.04: temperatures, null for a disk in standby (`powermode` STANDBY: not woken)."""
        result = as_dict(
            await self.client.call(
                "disk.temperatures",
                [names, {"cache": TEMPERATURE_CACHE_SECONDS, "powermode": SAFE_POWERMODE}],
            ),
            "disk.temperatures",
        )
        return {name: opt_float(result, name) for name in names}

    async def temperature_agg(self, names: list[str], days: int = 1) -> dict[str, TemperatureAgg]:
        """`disk.temperature_agg`: from the reporting history; reaches no disk."""
        result = as_dict(
            await self.client.call("disk.temperature_agg", [names, days]), "temperature_agg"
        )
        return {
            name: TemperatureAgg.from_dict(value)
            for name, value in result.items()
            if isinstance(value, dict)
        }

    async def last_smart_tests(self, names: list[str]) -> dict[str, SmartTest | None]:
        """25.04: the newest self-test of each of `names` (each of them is read: awake ones only)."""
        if not names:
            return {}
        result = await self.client.query("smart.test.results", [["disk", "in", names]])
        tests: dict[str, SmartTest | None] = {}
        for item in as_list(result, "smart.test.results"):
            data = as_dict(item, "smart test result")
            disk = opt_str(data, "disk")
            if disk is None:
                continue
            log = data.get("tests")
            first = log[0] if isinstance(log, list) and log else None
            tests[disk] = SmartTest.from_dict(first) if isinstance(first, dict) else None
        return tests


# ---------------------------------------------------------------- VMs and containers


def _vm_state(data: JSONDict, key: str) -> str | None:
    status = data.get(key)
    if isinstance(status, dict):
        return opt_str(status, "state")
    return opt_str(data, key)


@dataclass(frozen=True, slots=True)
class Guest(Model):
    """A VM (`vm.query`), an instance (`virt.instance.query`) or a container (`container.query`).

    `key` is what its methods take: the VM's or container's id, the instance's name.
    """

    name: str
    state: str | None = field(default=None, metadata=source("status", read=_vm_state))
    id: Any = None
    vcpus: int | None = None
    cores: int | None = None
    threads: int | None = None
    memory: int | None = None
    """Bytes (VMs: converted from the MiB `vm.query` gives)."""
    cpu: str | None = None
    """`virt.instance` CPU set or count, as the API gives it."""
    autostart: bool = False

    @property
    def cpu_count(self) -> int | None:
        """Virtual CPUs (VMs: vcpus * cores * threads)."""
        if self.vcpus is not None:
            return self.vcpus * (self.cores or 1) * (self.threads or 1)
        if self.cpu is not None and self.cpu.isdigit():
            return int(self.cpu)
        return None


def parse_guest(kind: GuestKind, item: Any) -> Guest:
    """One entry (or a full event `fields`) of `kind`: the fields that kind has."""
    guest = Guest.from_dict(item)
    if kind == "vm":
        memory = guest.memory * 1024 * 1024 if guest.memory is not None else None
        return replace(guest, memory=memory, cpu=None)
    guest = replace(guest, vcpus=None, cores=None, threads=None)
    if kind == "instance":
        return replace(guest, id=guest.name)
    return replace(guest, memory=None, cpu=opt_str(as_dict(item, "container"), "cpuset"))


GUEST_QUERY: Final[dict[GuestKind, str]] = {
    "vm": "vm.query",
    "instance": "virt.instance.query",
    "container": "container.query",
}
GUEST_SELECT: Final[dict[GuestKind, list[str]]] = {
    "vm": ["id", "name", "status", "vcpus", "cores", "threads", "memory", "autostart"],
    "instance": ["id", "name", "status", "cpu", "memory", "autostart"],
    "container": ["id", "name", "status", "cpuset", "autostart"],
}


class TrueNASGuests:
    """VMs and containers; the container API by release."""

    def __init__(self, client: TrueNASClient) -> None:
        """Use `client`."""
        self.client = client

    @property
    def container_kind(self) -> GuestKind:
        """`virt.instance` before 26, `container` from 26."""
        return "container" if level_of(self.client) >= (26, 0) else "instance"

    async def query(self, kind: GuestKind) -> list[Guest]:
        """Every guest of `kind`."""
        method = GUEST_QUERY[kind]
        result = await self.client.query(method, select=GUEST_SELECT[kind])
        return [parse_guest(kind, item) for item in as_list(result, method)]

    async def start(self, kind: GuestKind, key: Any) -> int | None:
        """Start; the job id (`virt.instance.start`), or None (answered at once)."""
        if kind == "vm":
            await self.client.call("vm.start", [key, {"overcommit": False}])
            return None
        if kind == "container":
            await self.client.call("container.start", [key])
            return None
        return await self.client.start_job("virt.instance.start", [key])

    async def stop(self, kind: GuestKind, key: Any, *, force: bool) -> int:
        """A graceful stop (`force`: at once); the job id."""
        if kind == "instance":
            return await self.client.start_job("virt.instance.stop", [key, {"force": force}])
        method = "vm.stop" if kind == "vm" else "container.stop"
        options = {"force": force, "force_after_timeout": False}
        return await self.client.start_job(method, [key, options])

    async def restart(self, kind: GuestKind, key: Any) -> int:
        """Restart (VMs and instances); the job id."""
        if kind == "vm":
            return await self.client.start_job("vm.restart", [key])
        return await self.client.start_job("virt.instance.restart", [key, {}])


# ---------------------------------------------------------------- services


@dataclass(frozen=True, slots=True)
class Service(Model):
    """A `service.query` entry (SMB is `cifs`)."""

    service: str
    state: str
    id: int | None = None
    enable: bool = False

    @property
    def running(self) -> bool:
        """RUNNING."""
        return self.state == "RUNNING"


class TrueNASServices:
    """System services; `service.control` (a job) from 25.10, `service.start/stop` before."""

    def __init__(self, client: TrueNASClient) -> None:
        """Use `client`."""
        self.client = client

    @property
    def uses_control(self) -> bool:
        """`service.control` (25.10+; on 26 start/stop are FULL_ADMIN only)."""
        return level_of(self.client) >= (25, 10)

    async def services(self) -> list[Service]:
        """`service.query`."""
        result = await self.client.query("service.query")
        return [Service.from_dict(item) for item in as_list(result, "service.query")]

    async def control(self, verb: Literal["START", "STOP"], service: str) -> int | bool:
        """The job id (25.10+), or 25.04's answer (True: done)."""
        if self.uses_control:
            return await self.client.start_job("service.control", [verb, service, {}])
        method = "service.start" if verb == "START" else "service.stop"
        return bool(await self.client.call(method, [service, {}]))
