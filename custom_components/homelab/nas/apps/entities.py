"""Every entity a TrueNAS app has, by platform, in one table.

The TrueNAS entry makes them on the app's own device; a pipeline entry that carries the app
(links.py) makes the same ones, with the same unique ids, on its service device.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from homeassistant.const import Platform
from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..entity import async_add_per_app
from ..runtime import TrueNASConfigEntry
from .binary_sensor import APP_RUNNING, AppRunningBinarySensor
from .button import APP_BUTTONS, AppButton
from .coordinator import AppsCoordinator
from .sensor import APP_SENSORS, AppSensor
from .switch import APP_SWITCH, AppSwitch
from .update import APP_UPDATE, AppUpdate

# (apps coordinator, app name, the device to show them on or None for the app's own device)
type AppEntities = Callable[[AppsCoordinator, str, DeviceInfo | None], Iterable[Entity]]

APP_ENTITIES: dict[Platform, AppEntities] = {
    Platform.SENSOR: lambda apps, name, device: [
        AppSensor(apps, description, name, device) for description in APP_SENSORS
    ],
    Platform.BINARY_SENSOR: lambda apps, name, device: [
        AppRunningBinarySensor(apps, APP_RUNNING, name, device)
    ],
    Platform.BUTTON: lambda apps, name, device: [
        AppButton(apps, description, name, device) for description in APP_BUTTONS
    ],
    Platform.SWITCH: lambda apps, name, device: [AppSwitch(apps, APP_SWITCH, name, device)],
    Platform.UPDATE: lambda apps, name, device: [AppUpdate(apps, APP_UPDATE, name, device)],
}


@callback
def async_add_app_entities(
    entry: TrueNASConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    platform: Platform,
) -> None:
    """The platform's entities of every app the entry shows itself, including apps installed later."""
    make = APP_ENTITIES[platform]
    async_add_per_app(entry, async_add_entities, lambda apps, name: make(apps, name, None))
