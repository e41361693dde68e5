"""What a loaded TrueNAS entry keeps, and the entry's typed alias."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeIs

from homeassistant.config_entries import ConfigEntry

from ..clients.truenas import TrueNASClient
from ..probes.coordinator import ProbeCoordinator
from .apps.coordinator import AppsCoordinator
from .backups.coordinator import BackupCoordinator
from .coordinator import TrueNASCoordinator
from .disks.coordinator import DiskCoordinator
from .services.coordinator import ServiceCoordinator
from .system import NasSystem
from .vms.coordinator import GuestCoordinator

if TYPE_CHECKING:
    from ..links import ServicePlace

type TrueNASConfigEntry = ConfigEntry[TrueNASRuntimeData]


@dataclass
class TrueNASRuntimeData:
    """What a TrueNAS entry keeps while loaded."""

    client: TrueNASClient
    coordinator: TrueNASCoordinator
    system_device_id: str
    apps: AppsCoordinator
    backups: BackupCoordinator
    disks: DiskCoordinator
    vms: GuestCoordinator
    services: ServiceCoordinator
    system: NasSystem
    probes: dict[str, ProbeCoordinator] = field(default_factory=dict)
    # The data and options the entry was set up with; a change means a reload.
    data: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    # Apps a pipeline entry carries on its device (see links.py), as linked at setup.
    service_links: dict[str, ServicePlace] = field(default_factory=dict)


@dataclass
class WaitingRuntimeData:
    """A TrueNAS entry whose server did not answer at setup: only its probes run (waiting.py)."""

    client: TrueNASClient
    probes: dict[str, ProbeCoordinator]
    data: dict[str, Any]
    options: dict[str, Any]


type WaitingConfigEntry = ConfigEntry[WaitingRuntimeData]


def is_waiting_entry(
    entry: TrueNASConfigEntry | WaitingConfigEntry,
) -> TypeIs[WaitingConfigEntry]:
    """Whether a loaded TrueNAS entry is waiting for its server (only its probes run)."""
    return isinstance(entry.runtime_data, WaitingRuntimeData)
