"""The device of a system service, its running sensor and (opted in) its switch."""

from __future__ import annotations

from typing import Any

from homeassistant.components.binary_sensor import BinarySensorEntity, BinarySensorEntityDescription
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.helpers.entity import EntityDescription

from ...clients.truenas.devices import Service
from ..device_entity import KeyedEntity
from .coordinator import ServiceCoordinator

# What the TrueNAS UI calls them.
SERVICE_NAMES = {
    "cifs": "SMB",
    "ftp": "FTP",
    "iscsitarget": "iSCSI",
    "nfs": "NFS",
    "nvmet": "NVMe-oF",
    "smartd": "S.M.A.R.T.",
    "snmp": "SNMP",
    "ssh": "SSH",
    "ups": "UPS",
}
RUNNING = BinarySensorEntityDescription(
    key="running", translation_key="service_running", device_class=BinarySensorDeviceClass.RUNNING
)
# Maintenance like the app switch: not exposed to voice or area-wide commands by default.
SWITCH = SwitchEntityDescription(
    key="run", translation_key="service_run", entity_category=EntityCategory.CONFIG
)


class ServiceEntity(KeyedEntity[ServiceCoordinator, str]):
    """An entity of one system service's device (under the system device)."""

    def __init__(
        self, coordinator: ServiceCoordinator, description: EntityDescription, name: str
    ) -> None:
        """Attach to the service's device."""
        super().__init__(
            coordinator,
            description,
            name,
            f"service_{name}",
            "/ui/system/services",
            translation_key="service",
            translation_placeholders={"name": SERVICE_NAMES.get(name, name)},
            manufacturer="iXsystems",
            model="System service",
        )

    @property
    def service(self) -> Service:
        """The service's latest data (only read while available)."""
        return self.coordinator.data[self.key]


class ServiceRunning(ServiceEntity, BinarySensorEntity):
    """On while the service runs."""

    @property
    def is_on(self) -> bool:
        """RUNNING."""
        return self.service.running


class ServiceSwitch(ServiceEntity, SwitchEntity):
    """Start/stop a service (only for services chosen in the options)."""

    @property
    def is_on(self) -> bool:
        """RUNNING."""
        return self.service.running

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Start the service."""
        await self.coordinator.async_control(self.key, "START")

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Stop the service."""
        await self.coordinator.async_control(self.key, "STOP")


def service_binary_sensors(services: ServiceCoordinator, name: str) -> list[ServiceRunning]:
    """The running sensor of a service (every service `service.query` lists has one)."""
    return [ServiceRunning(services, RUNNING, name)]


def service_switches(services: ServiceCoordinator, name: str) -> list[ServiceSwitch]:
    """The switch of a service the user chose in the options (none by default)."""
    return [ServiceSwitch(services, SWITCH, name)] if name in services.switched else []
