"""Sensor descriptions that read their value with a `value_fn`, and the shapes they recur in.

Every platform describes a sensor as a `ValueSensorDescription` over what its entity reads (a
pool, a disk view, a backup coordinator and a task); its entity, a `ValueSensor`, says where
that is (`sources`). The factories name the shapes that recur across platforms (an enum, a
timestamp, a diagnostic value, a measurement, a temperature, a progress, a data size), so that
a table lists only what differs; `translation_key` defaults to the key. Platforms import the
module as `describe`: `describe.enum("state", STATE_OPTIONS, state_of)`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypedDict, Unpack

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import PERCENTAGE, EntityCategory, UnitOfInformation, UnitOfTemperature

type SensorValue = str | int | float | datetime | None


@dataclass(frozen=True, kw_only=True)
class ValueSensorDescription[*SourceTs](SensorEntityDescription):
    """A sensor and how to read its value from its sources."""

    value_fn: Callable[[*SourceTs], SensorValue]


class ValueSensor[*SourceTs](SensorEntity):
    """A sensor whose description reads its value from what `sources` returns."""

    entity_description: ValueSensorDescription[*SourceTs]

    def sources(self) -> tuple[*SourceTs] | None:
        """What the description reads now (None: nothing to read, the value is unknown)."""
        raise NotImplementedError

    @property
    def native_value(self) -> SensorValue:
        """Read the value from the latest data."""
        sources = self.sources()
        return self.entity_description.value_fn(*sources) if sources is not None else None


class SensorShape(TypedDict, total=False):
    """The fields of a description that make its shape (all but key, name and value)."""

    device_class: SensorDeviceClass | None
    options: list[str]
    native_unit_of_measurement: str | None
    suggested_unit_of_measurement: str
    suggested_display_precision: int | None
    state_class: SensorStateClass | None
    entity_category: EntityCategory | None
    entity_registry_enabled_default: bool


def _describe[*SourceTs](
    key: str,
    translation_key: str | None,
    value_fn: Callable[[*SourceTs], SensorValue],
    **shape: Unpack[SensorShape],
) -> ValueSensorDescription[*SourceTs]:
    return ValueSensorDescription(
        key=key, translation_key=translation_key or key, value_fn=value_fn, **shape
    )


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
    return _describe(
        key, translation_key, value_fn, device_class=SensorDeviceClass.ENUM, options=options
    )


def timestamp[*SourceTs](
    key: str,
    value_fn: Callable[[*SourceTs], datetime | None],
    *,
    translation_key: str | None = None,
    diagnostic: bool = False,
) -> ValueSensorDescription[*SourceTs]:
    """A moment (when something last happened or will)."""
    shape = SensorShape(
        device_class=SensorDeviceClass.TIMESTAMP, entity_category=_category(diagnostic)
    )
    return _describe(key, translation_key, value_fn, **shape)


def diagnostic[*SourceTs](
    key: str, value_fn: Callable[[*SourceTs], SensorValue], *, translation_key: str | None = None
) -> ValueSensorDescription[*SourceTs]:
    """A plain value shown with the device's diagnostics (a name, a version, a count)."""
    return _describe(key, translation_key, value_fn, entity_category=EntityCategory.DIAGNOSTIC)


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
    shape = SensorShape(
        device_class=device_class,
        native_unit_of_measurement=unit,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=precision,
        entity_category=_category(diagnostic),
        entity_registry_enabled_default=enabled_default,
    )
    return _describe(key, translation_key, value_fn, **shape)


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
    precision: int,
    translation_key: str | None = None,
) -> ValueSensorDescription[*SourceTs]:
    """The percentage done of something running (a scrub, a backup); keeps no statistics."""
    shape = SensorShape(
        native_unit_of_measurement=PERCENTAGE, suggested_display_precision=precision
    )
    return _describe(key, translation_key, value_fn, **shape)


def data_size[*SourceTs](
    key: str,
    value_fn: Callable[[*SourceTs], int | None],
    *,
    shown_in: UnitOfInformation,
    precision: int,
    translation_key: str | None = None,
    measured: bool = True,
    diagnostic: bool = False,
) -> ValueSensorDescription[*SourceTs]:
    """A size read in bytes, shown in `shown_in`; `measured` records it for statistics."""
    shape = SensorShape(
        device_class=SensorDeviceClass.DATA_SIZE,
        native_unit_of_measurement=UnitOfInformation.BYTES,
        suggested_unit_of_measurement=shown_in,
        suggested_display_precision=precision,
        state_class=SensorStateClass.MEASUREMENT if measured else None,
        entity_category=_category(diagnostic),
    )
    return _describe(key, translation_key, value_fn, **shape)
