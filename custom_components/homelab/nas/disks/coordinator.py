"""Disks of a TrueNAS entry, read so that a sleeping disk is never woken.

What each release allows (middleware TS-25.04.2.6, TS-25.10.6, TS-26.0.0-BETA.3; see
`clients/truenas/devices.py`):

- `disk.query` reaches no disk (its 25.04 `extra.supports_smart` would, and is never asked);
  the pool, vdev and state of a disk come from the pool topology the pool coordinator already
  holds (pushed by `pool.query` events): no call of its own.
- 25.04: `disk.temperatures` with `powermode: STANDBY` is `smartctl -n standby`: a disk in
  standby only answers its power mode (null temperature). That read also says which disks are
  awake, and the last SMART test (`smart.test.results`, which runs `smartctl -a` without `-n`)
  is asked only for those, every 6 hours; a sleeping disk keeps the result read before.
- 25.10 and 26: `disk.temperatures` reads every disk whose 5-minute cache entry expired, so any
  call can wake one: there is no safe live read. The temperature sensors show the last day's
  mean and maximum from `disk.temperature_agg` (the reporting database), every 30 minutes.
  SMART test results left the API.

Temperatures are opt-in (the `disks` options); without them a 25.10+ box costs one `disk.query`
every 30 minutes, a 25.04 box that plus one standby-safe probe and one SMART read every 6 hours.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
import time
from typing import TYPE_CHECKING, Any, override

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er

from ...clients.truenas import TrueNASClient
from ...clients.truenas.devices import Disk, SmartTest, TemperatureAgg, TrueNASDisks
from ...const import LOGGER
from ..identifiers import disk_identifier
from ..keyed import KeyedCoordinator
from .options import temperatures_enabled

if TYPE_CHECKING:
    from ..runtime import TrueNASConfigEntry

DISKS_INTERVAL = timedelta(minutes=30)
TEMPERATURE_INTERVAL = timedelta(minutes=5)
SMART_SECONDS = 6 * 3600.0
# The window `disk.temperature_agg` averages over.
AGG_DAYS = 1


def disk_key(disk: Disk) -> str:
    """A disk's identity: TrueNAS's own identifier (its serial and LUN id, or a partition UUID).

    Kernel names (`sda`) can change order across a reboot, so they only stand in for a disk
    TrueNAS has no other identifier for.
    """
    return disk.identifier or disk.name


@dataclass(frozen=True, slots=True)
class DiskData:
    """Disks (by kernel name, as the disk API takes them) and what was read of them."""

    disks: dict[str, Disk]
    keys: dict[str, str] = field(default_factory=dict)
    """Each disk's `disk_key` -> its kernel name now."""
    temperatures: dict[str, float | None] = field(default_factory=dict)
    """25.04 live reads (null: in standby, or no sensor)."""
    history: dict[str, TemperatureAgg] = field(default_factory=dict)
    """25.10+: the last day's min/max/mean."""
    smart: dict[str, SmartTest | None] = field(default_factory=dict)
    """25.04: the newest self-test of each disk read so far."""


class DiskCoordinator(KeyedCoordinator[str, DiskData]):
    """Owns the disks of one TrueNAS entry; its devices are keyed by `disk_key`."""

    infixes = ("disk",)
    task_prefix = "disk"

    def __init__(
        self, hass: HomeAssistant, entry: TrueNASConfigEntry, client: TrueNASClient
    ) -> None:
        """Every 5 minutes with temperatures on a 25.04 box, else every 30 minutes."""
        self.api = TrueNASDisks(client)
        self.temperatures_on = temperatures_enabled(entry.options)
        super().__init__(hass, entry, client, name="disks", update_interval=self._interval())
        self._disks_read_at: float | None = None
        self._smart_read_at: float | None = None

    def _interval(self) -> timedelta:
        if self.temperatures_on and self.api.live_temperatures:
            return TEMPERATURE_INTERVAL
        return DISKS_INTERVAL

    @property
    def live_temperatures(self) -> bool:
        """Whether the temperature sensor is a live (25.04) read."""
        return self.api.live_temperatures

    @override
    def keys_of(self, data: DiskData) -> dict[str, Disk]:
        return {key: data.disks[name] for key, name in data.keys.items()}

    @override
    def _fetched(self, data: DiskData) -> None:
        self._rekey_from_kernel_names(data)
        super()._fetched(data)

    def _rekey_from_kernel_names(self, data: DiskData) -> None:
        """Give devices and entities made when disks were keyed by kernel name their `disk_key`.

        Before the devices of disks gone are cleared up, so none of them is taken for gone:
        their entities keep their entity ids and settings.
        """
        entry = self.config_entry
        devices = dr.async_get(self.hass)
        entities = er.async_get(self.hass)
        for key, name in data.keys.items():
            old, new = disk_identifier(entry, name), disk_identifier(entry, key)
            device = devices.async_get_device_by_identifier(old, entry.entry_id)
            if (
                key == name
                or device is None
                or devices.async_get_device_by_identifier(new, entry.entry_id)
            ):
                continue
            devices.async_update_device(device.id, new_identifiers={new})
            old_prefix = f"{entry.unique_id}_disk_{name}_"
            for entity in er.async_entries_for_device(
                entities, device.id, include_disabled_entities=True
            ):
                if entity.unique_id.startswith(old_prefix):
                    entities.async_update_entity(
                        entity.entity_id,
                        new_unique_id=f"{entry.unique_id}_disk_{key}_"
                        + entity.unique_id.removeprefix(old_prefix),
                    )

    @override
    def identifier(self, key: str) -> tuple[str, str]:
        return disk_identifier(self.config_entry, key)

    @override
    async def _fetch(self) -> DiskData:
        self.update_interval = self._interval()
        now = time.monotonic()
        previous = self.data
        if (
            previous is None
            or self._disks_read_at is None
            or now - self._disks_read_at >= DISKS_INTERVAL.total_seconds() - 1
        ):
            disks = {disk.name: disk for disk in await self.api.disks()}
            self._disks_read_at = now
        else:
            disks = previous.disks
        names = sorted(disks)
        smart = dict(previous.smart) if previous is not None else {}
        temperatures: dict[str, float | None] = {}
        history: dict[str, TemperatureAgg] = {}
        if self.api.live_temperatures:
            smart_due = self._smart_read_at is None or now - self._smart_read_at >= SMART_SECONDS
            if (self.temperatures_on or smart_due) and names:
                # Never wakes a disk: one in standby answers null.
                temperatures = await self.api.temperatures(names)
            if smart_due and names:
                self._smart_read_at = now
                awake = [name for name in names if temperatures.get(name) is not None]
                smart.update(await self.api.last_smart_tests(awake))
                LOGGER.debug("SMART results read for %s (asleep: the rest)", awake)
            if not self.temperatures_on:
                temperatures = {}
        elif self.temperatures_on and names:
            history = await self.api.temperature_agg(names, AGG_DAYS)
        return DiskData(
            disks=disks,
            keys={disk_key(disk): name for name, disk in disks.items()},
            temperatures=temperatures,
            history=history,
            smart={name: test for name, test in smart.items() if name in disks},
        )

    def diagnostics(self) -> dict[str, Any]:
        """What diagnostics show of disks (serials left out)."""
        data = self.data
        return {
            "temperatures_enabled": self.temperatures_on,
            "live_temperatures": self.api.live_temperatures,
            "disks": {
                name: {"model": disk.model, "size": disk.size, "type": disk.type, "pool": disk.pool}
                for name, disk in (data.disks.items() if data else ())
            },
        }
