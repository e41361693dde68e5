"""How measured bytes and byte rates are shown: the unit fields a sensor description unpacks.

`SensorEntityDescription(key=..., **BYTES_GIB)`: the value is read in bytes (or bytes per
second) and shown in the suggested unit, recorded as a measurement.
"""

from __future__ import annotations

from typing import TypedDict

from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.const import UnitOfDataRate, UnitOfInformation


class MeasuredUnit(TypedDict):
    """The device class, units, precision and state class of a measured quantity."""

    device_class: SensorDeviceClass
    native_unit_of_measurement: str
    suggested_unit_of_measurement: str
    suggested_display_precision: int
    state_class: SensorStateClass


# Bytes (memory, cache), shown in GiB.
BYTES_GIB: MeasuredUnit = {
    "device_class": SensorDeviceClass.DATA_SIZE,
    "native_unit_of_measurement": UnitOfInformation.BYTES,
    "suggested_unit_of_measurement": UnitOfInformation.GIBIBYTES,
    "suggested_display_precision": 1,
    "state_class": SensorStateClass.MEASUREMENT,
}
# Bytes of one app's memory, shown in whole MiB.
BYTES_MIB: MeasuredUnit = {
    "device_class": SensorDeviceClass.DATA_SIZE,
    "native_unit_of_measurement": UnitOfInformation.BYTES,
    "suggested_unit_of_measurement": UnitOfInformation.MEBIBYTES,
    "suggested_display_precision": 0,
    "state_class": SensorStateClass.MEASUREMENT,
}
# Bytes per second (network rates), shown in KiB/s.
RATE_KIB: MeasuredUnit = {
    "device_class": SensorDeviceClass.DATA_RATE,
    "native_unit_of_measurement": UnitOfDataRate.BYTES_PER_SECOND,
    "suggested_unit_of_measurement": UnitOfDataRate.KIBIBYTES_PER_SECOND,
    "suggested_display_precision": 1,
    "state_class": SensorStateClass.MEASUREMENT,
}
