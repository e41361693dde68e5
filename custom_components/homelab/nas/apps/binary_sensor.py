"""Binary sensors of a TrueNAS app: running."""

from __future__ import annotations

from homeassistant.components.binary_sensor import BinarySensorEntity, BinarySensorEntityDescription
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass

from ..entity import AppEntity

APP_RUNNING = BinarySensorEntityDescription(
    key="running",
    translation_key="app_running",
    device_class=BinarySensorDeviceClass.RUNNING,
)


class AppRunningBinarySensor(AppEntity, BinarySensorEntity):
    """On while the app is RUNNING."""

    @property
    def is_on(self) -> bool:
        """Whether the app runs."""
        return self.app.state == "RUNNING"
