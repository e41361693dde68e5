"""Reboot and shutdown: refused while the NAS is busy, unless forced; buttons disabled by default.

`system.reboot` / `system.shutdown` (`reason`, `{delay}`) are jobs that never finish: the box
goes away. They need FULL_ADMIN. Before starting one, the running jobs are read once
(`core.get_jobs`) and the pools' scans looked at: a scrub or resilver, a replication, an app
upgrade or a TrueNAS update refuses the action (a translated `ServiceValidationError`) unless
`force`. The outage that follows is the entry's usual one: one warning, the entities
unavailable, and back when the NAS answers again (the client reconnects on its own).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.components.button.const import ButtonDeviceClass
from homeassistant.const import EntityCategory
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ...clients.truenas import TrueNASCallError, TrueNASError
from ...clients.truenas.system import UPDATE_JOB_METHODS, TrueNASSystem
from ...const import DOMAIN, LOGGER
from ..entity import TrueNASEntity
from ..server_coordinator import action_failed, cannot_connect

if TYPE_CHECKING:
    from ..runtime import TrueNASConfigEntry

type PowerKind = Literal["reboot", "shutdown"]

POWER_REASON = "Requested from Home Assistant"
# Jobs that a reboot or shutdown would cut off halfway (method -> what the error names).
BLOCKING_JOBS: dict[str, str] = {
    "replication.run": "replication",
    "app.upgrade": "app update",
    "pool.scrub.run": "scrub",
    **dict.fromkeys(UPDATE_JOB_METHODS, "TrueNAS update"),
}


async def busy_reasons(entry: TrueNASConfigEntry) -> list[str]:
    """What a reboot would interrupt now: scrubs, resilvers, replications, app and NAS updates."""
    runtime = entry.runtime_data
    reasons: list[str] = []
    for pool in runtime.coordinator.data.pools.values():
        scan = pool.scan
        if scan is not None and scan.state == "SCANNING":
            what = "resilver" if scan.function == "RESILVER" else "scrub"
            reasons.append(f"{what} of {pool.name}")
    backups = runtime.backups.data
    if backups is not None:
        reasons.extend(
            f"replication {task.name}"
            for task in backups.replications.values()
            if task.state == "RUNNING"
        )
    reasons.extend(
        f"app update of {name}"
        for name, job in runtime.apps.jobs.items()
        if job.method == "app.upgrade"
    )
    if runtime.system.update.job is not None:
        reasons.append("TrueNAS update")
    try:
        jobs = await TrueNASSystem(runtime.client).running_jobs()
    except TrueNASError as err:
        raise cannot_connect() from err
    for job in jobs:
        blocking = BLOCKING_JOBS.get(str(job.get("method")))
        if blocking is not None and not any(reason.startswith(blocking) for reason in reasons):
            reasons.append(blocking)
    return reasons


async def async_power(
    entry: TrueNASConfigEntry, kind: PowerKind, *, delay: int | None = None, force: bool = False
) -> int:
    """Reboot or shut the NAS down (refused while busy unless `force`); the job id."""
    runtime = entry.runtime_data
    if not runtime.client.connected:
        raise cannot_connect()
    if not force and (reasons := await busy_reasons(entry)):
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key=f"{kind}_refused_busy",
            translation_placeholders={"entry": entry.title, "jobs": ", ".join(reasons)},
        )
    try:
        job_id = await TrueNASSystem(runtime.client).power(kind, POWER_REASON, delay)
    except TrueNASCallError as err:
        if err.not_authorized:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="power_not_authorized",
                translation_placeholders={"entry": entry.title, "role": "FULL_ADMIN"},
            ) from err
        raise action_failed(err, "power_failed", entry=entry.title) from err
    except TrueNASError as err:
        raise cannot_connect() from err
    LOGGER.info("Asked %s to %s (delay %s s)", entry.title, kind, delay or 0)
    return job_id


@dataclass(frozen=True, kw_only=True)
class PowerButtonDescription(ButtonEntityDescription):
    """A power button and what pressing it does."""

    press_fn: Callable[[TrueNASConfigEntry], Awaitable[Any]]


POWER_BUTTONS: tuple[PowerButtonDescription, ...] = (
    PowerButtonDescription(
        key="reboot",
        translation_key="nas_reboot",
        device_class=ButtonDeviceClass.RESTART,
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=False,
        press_fn=lambda entry: async_power(entry, "reboot"),
    ),
    PowerButtonDescription(
        key="shutdown",
        translation_key="nas_shutdown",
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=False,
        press_fn=lambda entry: async_power(entry, "shutdown"),
    ),
)


def async_setup_power_buttons(
    entry: TrueNASConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """The reboot and shutdown buttons of the system device (disabled by default)."""
    coordinator = entry.runtime_data.coordinator
    async_add_entities(PowerButton(coordinator, description) for description in POWER_BUTTONS)


class PowerButton(TrueNASEntity, ButtonEntity):
    """Reboot or shut down the NAS (refused while busy; the actions have `force`)."""

    entity_description: PowerButtonDescription

    async def async_press(self) -> None:
        """Start the job."""
        await self.entity_description.press_fn(self.coordinator.config_entry)
