"""The scenario section ``nas``: the NAS's own devices (issue 12), every part optional.

::

  nas:
      disks:                      # details of the pools' disks (by name), or extra unused disks
        - {name: sdd, type: HDD, size: 8 TB, rotationrate: 5400, temperature: 36,
           hddstandby: "30", standby: true}          # asleep when the lab starts
      vms:                        # vm.* (libvirt VMs); memory in MiB as the API has it
        - {id: 1, name: homeassistant, vcpus: 2, memory: 4096, state: RUNNING}
      containers:                 # virt.instance.* on 25.04/25.10, container.* on 26
        - {id: 1, name: pihole, state: RUNNING, cpu: "2", memory: 1 GiB}
      system_services:            # service.query (cifs is SMB)
        - {service: cifs, state: RUNNING, enable: true}
      update:                     # the TrueNAS update on offer (none: no update available)
        {version: 25.10.3, train: TrueNAS-SCALE-Goldeye, download_seconds: 4, install_seconds: 6}
      certificates:               # certificate.query; ``ui: true`` is system.general's
        - {id: 1, name: truenas_default, common: nas.lan, from: "-300d", until: "+65d", ui: true}
      power: {reboot_seconds: 20, shutdown_seconds: 5}   # lab seconds a reboot keeps the box away
      reporting:                  # the means reporting.realtime varies around
        {cpu: 12, cpu_temperature: 44, arc_size: 38 GiB, arc_hit_ratio: 97,
         interfaces: [{name: enp5s0, speed: 2500, rx: 1.5 MiB, tx: 300 KiB}]}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from labsim.scenario import _Reader, one_of, section_parser, size_field

HDD_STANDBY: Final = ("ALWAYS ON", "5", "10", "20", "30", "60", "120", "180", "240", "300", "330")
VM_STATES: Final = ("RUNNING", "STOPPED")
CONTAINER_STATES: Final = ("RUNNING", "STOPPED")
SERVICE_STATES: Final = ("RUNNING", "STOPPED")


@dataclass(slots=True)
class SmartTest:
    """One SMART self-test in a disk's log (newest first)."""

    description: str = "Short offline"
    status: str = "SUCCESS"
    status_verbose: str = "Completed without error"
    lifetime: int = 0


@dataclass(slots=True)
class DiskDef:
    """Details of one disk (the pools give name, model, serial, guid and pool)."""

    name: str
    type: str = "HDD"
    size: int | None = None
    model: str | None = None
    serial: str | None = None
    rotationrate: int | None = None
    temperature: float | None = 35.0
    temperature_crit: float | None = 60.0
    hddstandby: str = "ALWAYS ON"
    advpowermgmt: str = "DISABLED"
    standby: bool = False
    bus: str = "ATA"
    smart_tests: list[SmartTest] = field(default_factory=list)


@dataclass(slots=True)
class VMDef:
    """A libvirt VM."""

    id: int
    name: str
    vcpus: int = 1
    cores: int = 1
    threads: int = 1
    memory: int = 2048
    state: str = one_of(VM_STATES, "STOPPED")
    autostart: bool = True
    description: str = ""
    shutdown_timeout: int = 90


@dataclass(slots=True)
class ContainerDef:
    """A container: ``virt.instance`` (25.04, 25.10, string id = name) or ``container`` (26)."""

    id: int
    name: str
    state: str = one_of(CONTAINER_STATES, "RUNNING")
    cpu: str | None = None
    memory: int | None = size_field()
    autostart: bool = True
    image: str = "debian/bookworm"


@dataclass(slots=True)
class ServiceDef:
    """A service of ``service.query``."""

    id: int
    service: str
    state: str = one_of(SERVICE_STATES, "STOPPED")
    enable: bool = False


@dataclass(slots=True)
class UpdateDef:
    """The update on offer."""

    version: str
    train: str = "TrueNAS-SCALE-Goldeye"
    profile: str = "GENERAL"
    download_seconds: float = 4.0
    install_seconds: float = 6.0
    changelog: str = "Bug fixes and improvements."


@dataclass(slots=True)
class CertificateDef:
    """A certificate (``certificate.query``)."""

    id: int
    name: str
    common: str
    valid_from: datetime
    until: datetime
    san: list[str] = field(default_factory=list)
    ui: bool = False
    issuer: str = "self-signed"


@dataclass(slots=True)
class InterfaceDef:
    """A network interface of ``reporting.realtime``: link speed (Mb/s), mean rates per second."""

    name: str
    speed: int = 1000
    rx: int = size_field(1024 * 1024)
    tx: int = size_field(256 * 1024)


@dataclass(slots=True)
class ReportingDef:
    """The means ``reporting.realtime`` varies around."""

    cpu: float = 10.0
    cpu_temperature: float | None = 45.0
    arc_size: int | None = None
    arc_hit_ratio: float = 97.0
    interfaces: list[InterfaceDef] = field(default_factory=lambda: [InterfaceDef("eth0")])


@dataclass(slots=True)
class NasSection:
    """Every section of the NAS's devices, parsed."""

    disks: list[DiskDef] = field(default_factory=list)
    vms: list[VMDef] = field(default_factory=list)
    containers: list[ContainerDef] = field(default_factory=list)
    services: list[ServiceDef] = field(default_factory=list)
    update: UpdateDef | None = None
    certificates: list[CertificateDef] = field(default_factory=list)
    reboot_seconds: float = 20.0
    shutdown_seconds: float = 5.0
    reporting: ReportingDef = field(default_factory=ReportingDef)


def parse_disk(reader: _Reader) -> DiskDef:
    """One disk (also read by ``POST /control/nas/disks``)."""
    kind = reader.choice("type", ("HDD", "SSD"), "HDD")
    tests = []
    for item in reader.items("smart_tests"):
        tests.append(
            SmartTest(
                description=item.text("description", "Short offline"),
                status=item.choice(
                    "status", ("SUCCESS", "FAILED", "ABORTED", "RUNNING"), "SUCCESS"
                ),
                status_verbose=item.text("status_verbose", "Completed without error"),
                lifetime=item.integer("lifetime", 0),
            )
        )
        item.finish()
    disk = DiskDef(
        name=reader.text("name", required=True),
        type=kind,
        size=reader.opt_size("size"),
        model=reader.opt_text("model"),
        serial=reader.opt_text("serial"),
        rotationrate=reader.integer("rotationrate", 7200) if kind == "HDD" else None,
        temperature=reader.number("temperature", 35.0),
        temperature_crit=reader.number("temperature_crit", 60.0),
        hddstandby=reader.choice("hddstandby", HDD_STANDBY, "ALWAYS ON"),
        advpowermgmt=reader.text("advpowermgmt", "DISABLED"),
        standby=reader.flag("standby"),
        bus=reader.text("bus", "ATA"),
        smart_tests=tests,
    )
    reader.finish()
    return disk


def parse_vm(reader: _Reader, default_id: int) -> VMDef:
    """One VM (also read by ``POST /control/nas/vms``)."""
    return reader.fill(VMDef, id=default_id)


def parse_container(reader: _Reader, default_id: int) -> ContainerDef:
    """One container (also read by ``POST /control/nas/containers``)."""
    return reader.fill(ContainerDef, id=default_id)


def _service(reader: _Reader, default_id: int) -> ServiceDef:
    return reader.fill(ServiceDef, id=default_id)


def parse_update(reader: _Reader) -> UpdateDef:
    """The update on offer (also read by ``POST /control/nas/update``)."""
    return reader.fill(UpdateDef)


def _certificate(reader: _Reader, now: datetime, default_id: int) -> CertificateDef:
    cert = CertificateDef(
        id=reader.integer("id", default_id),
        name=reader.text("name", required=True),
        common=reader.text("common", "localhost"),
        valid_from=reader.time("from", now, "-30d"),
        until=reader.time("until", now, "+365d"),
        san=[str(name) for name in reader.seq("san")],
        ui=reader.flag("ui"),
        issuer=reader.text("issuer", "self-signed"),
    )
    reader.finish()
    return cert


def _reporting(reader: _Reader) -> ReportingDef:
    interfaces = [item.fill(InterfaceDef) for item in reader.items("interfaces")]
    reporting = ReportingDef(
        cpu=reader.number("cpu", 10.0),
        cpu_temperature=reader.number("cpu_temperature", 45.0),
        arc_size=reader.opt_size("arc_size"),
        arc_hit_ratio=reader.number("arc_hit_ratio", 97.0),
        interfaces=interfaces or [InterfaceDef("eth0")],
    )
    reader.finish()
    return reporting


@section_parser("nas")
def parse_nas_section(reader: _Reader, now: datetime) -> NasSection:
    """Parse the scenario's ``nas`` section."""
    section = NasSection(
        disks=[parse_disk(item) for item in reader.items("disks")],
        vms=[parse_vm(item, i + 1) for i, item in enumerate(reader.items("vms"))],
        containers=[
            parse_container(item, i + 1) for i, item in enumerate(reader.items("containers"))
        ],
        services=[_service(item, i + 1) for i, item in enumerate(reader.items("system_services"))],
        certificates=[
            _certificate(item, now, i + 1) for i, item in enumerate(reader.items("certificates"))
        ],
        reporting=_reporting(reader.child("reporting", reader.mapping("reporting"))),
    )
    if reader.has("update") and reader.raw("update") is not None:
        section.update = parse_update(reader.child("update", reader.mapping("update")))
    power = reader.child("power", reader.mapping("power"))
    section.reboot_seconds = power.number("reboot_seconds", 20.0)
    section.shutdown_seconds = power.number("shutdown_seconds", 5.0)
    power.finish()
    reader.finish()
    return section
