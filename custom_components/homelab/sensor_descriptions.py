"""Sensor descriptions that read their value with a `value_fn`, and the shapes they recur in.

Every platform describes a sensor as a `ValueSensorDescription` over what its entity reads (a
pool, a disk view, a backup coordinator and a task). The factories name the shapes that recur
across platforms (an enum, a timestamp, a diagnostic value, a measurement, a temperature, a
progress, a data size), so that a table lists only what differs; `translation_key` defaults to the key. Platforms
import the module as `describe`: `describe.enum("state", STATE_OPTIONS, state_of)`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import PERCENTAGE, EntityCategory, UnitOfInformation, UnitOfTemperature

type SensorValue = str | int | float | datetime | None


@dataclass(frozen=True, kw_only=True)
class ValueSensorDescription[*SourceTs](SensorEntityDescription):
    """A sensor and how to read its value from its sources."""

    value_fn: Callable[[*SourceTs], SensorValue]


def _category(diagnostic: bool) -> EntityCategory | None:
    return EntityCategory.DIAGNOSTIC if diagnostic else None


def enum[*SourceTs](
    key: str,
    options: list[str],
    value_fn: Callable[[*SourceTs], str | None],
    *,
    translation_key: str | None = None,
) -> ValueSensorDescription[*SourceTs]:
    """One of `options` (a value read as None shows as unknown)."""
    return ValueSensorDescription(
        key=key,
        translation_key=translation_key or key,
        device_class=SensorDeviceClass.ENUM,
        options=options,
        value_fn=value_fn,
    )


def timestamp[*SourceTs](
    key: str,
    value_fn: Callable[[*SourceTs], datetime | None],
    *,
    translation_key: str | None = None,
    diagnostic: bool = False,
) -> ValueSensorDescription[*SourceTs]:
    """A moment (when something last happened or will)."""
    return ValueSensorDescription(
        key=key,
        translation_key=translation_key or key,
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=_category(diagnostic),
        value_fn=value_fn,
    )


def diagnostic[*SourceTs](
    key: str,
    value_fn: Callable[[*SourceTs], SensorValue],
    *,
    translation_key: str | None = None,
) -> ValueSensorDescription[*SourceTs]:
    """A plain value shown with the device's diagnostics (a name, a version, a count)."""
    return ValueSensorDescription(
        key=key,
        translation_key=translation_key or key,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=value_fn,
    )


def measurement[*SourceTs](
    key: str,
    value_fn: Callable[[*SourceTs], float | int | None],
    *,
    translation_key: str | None = None,
    device_class: SensorDeviceClass | None = None,
    unit: str | None = None,
    precision: int | None = None,
    diagnostic: bool = False,
    enabled_default: bool = True,
) -> ValueSensorDescription[*SourceTs]:
    """A number recorded as a measurement (long-term statistics), in `unit` if it has one."""
    return ValueSensorDescription(
        key=key,
        translation_key=translation_key or key,
        device_class=device_class,
        native_unit_of_measurement=unit,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=precision,
        entity_category=_category(diagnostic),
        entity_registry_enabled_default=enabled_default,
        value_fn=value_fn,
    )


def temperature[*SourceTs](
    key: str,
    value_fn: Callable[[*SourceTs], float | None],
    *,
    translation_key: str | None = None,
    precision: int | None = None,
) -> ValueSensorDescription[*SourceTs]:
    """A machine's temperature in °C, measured.

    Diagnostic: Home Assistant exposes temperature sensors to voice assistants by default (and
    with them the device), and a disk's or CPU's temperature is its health, not a room's.
    """
    return measurement(
        key,
        value_fn,
        translation_key=translation_key,
        device_class=SensorDeviceClass.TEMPERATURE,
        unit=UnitOfTemperature.CELSIUS,
        precision=precision,
        diagnostic=True,
    )


def progress[*SourceTs](
    key: str,
    value_fn: Callable[[*SourceTs], float | None],
    *,
    translation_key: str | None = None,
    precision: int,
) -> ValueSensorDescription[*SourceTs]:
    """The percentage done of something running (a scrub, a backup); keeps no statistics."""
    return ValueSensorDescription(
        key=key,
        translation_key=translation_key or key,
        native_unit_of_measurement=PERCENTAGE,
        suggested_display_precision=precision,
        value_fn=value_fn,
    )


def data_size[*SourceTs](
    key: str,
    value_fn: Callable[[*SourceTs], int | None],
    *,
    translation_key: str | None = None,
    shown_in: UnitOfInformation,
    precision: int,
    measured: bool = True,
    diagnostic: bool = False,
    enabled_default: bool = True,
) -> ValueSensorDescription[*SourceTs]:
    """A size read in bytes, shown in `shown_in`; `measured` records it for statistics."""
    return ValueSensorDescription(
        key=key,
        translation_key=translation_key or key,
        device_class=SensorDeviceClass.DATA_SIZE,
        native_unit_of_measurement=UnitOfInformation.BYTES,
        suggested_unit_of_measurement=shown_in,
        suggested_display_precision=precision,
        state_class=SensorStateClass.MEASUREMENT if measured else None,
        entity_category=_category(diagnostic),
        entity_registry_enabled_default=enabled_default,
        value_fn=value_fn,
    )
