"""The TrueNAS update: what is on offer, and installing it as a tracked job.

25.04: `update.check_available()` is polled (every `UPDATE_POLL_INTERVAL`); 25.10 and 26 send
`update.status` events, so the poll there is a safety net (`UPDATE_SAFETY_NET_INTERVAL`), and an
event makes the coordinator read `update.status` again. Running install jobs (ours or one
started in the TrueNAS UI) come from `core.get_jobs` events. An install never reboots the NAS:
once applied, a repair says a reboot is needed, and the reboot is the user's (`reboot_nas`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any, override

from homeassistant.components.update import (
    UpdateEntity,
    UpdateEntityDescription,
    UpdateEntityFeature,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ...clients.truenas import (
    ConnectionState,
    Event,
    Job,
    TrueNASCallError,
    TrueNASClient,
    TrueNASError,
    TrueNASTimeoutError,
)
from ...clients.truenas.system import UPDATE_EVENT, UPDATE_JOB_METHODS, TrueNASSystem, UpdateStatus
from ...const import DOMAIN
from ...repairs import async_sync_issue
from ..coordinator import TrueNASCoordinator
from ..entity import TrueNASEntity
from ..server_coordinator import ServerCoordinator, cannot_connect

if TYPE_CHECKING:
    from ..runtime import TrueNASConfigEntry

UPDATE_POLL_INTERVAL = timedelta(hours=1)
UPDATE_SAFETY_NET_INTERVAL = timedelta(hours=6)
INSTALL_TIMEOUT = 3600.0


def reboot_issue_id(entry: TrueNASConfigEntry) -> str:
    """The repair issue that says an applied update waits for a reboot."""
    return f"{entry.entry_id}_system_update_reboot_required"


class SystemUpdateCoordinator(ServerCoordinator[UpdateStatus]):
    """The TrueNAS update of one entry."""

    task_prefix = "system-update"
    # A malformed offer fails the refresh as any other error does.
    invalid_response_key = "update_failed"

    def __init__(
        self, hass: HomeAssistant, entry: TrueNASConfigEntry, client: TrueNASClient
    ) -> None:
        """Poll hourly until the release is known to push (then every 6 hours)."""
        super().__init__(hass, entry, client, name="update", update_interval=UPDATE_POLL_INTERVAL)
        self.api = TrueNASSystem(client)
        # The install job running now (ours, or one started elsewhere).
        self.job: Job | None = None
        # The error of the last install that failed (shown by the entity until the next one).
        self.last_error: str | None = None
        # The version an install applied, while it waits for a reboot.
        self.pending_version: str | None = None

    @override
    async def _fetch(self) -> UpdateStatus:
        return await self.api.update_status()

    @override
    def _fetched(self, data: UpdateStatus) -> None:
        self._sync_reboot_issue(data)

    def _sync_reboot_issue(self, status: UpdateStatus) -> None:
        if not status.reboot_required:
            self.pending_version = None
        async_sync_issue(
            self.hass,
            reboot_issue_id(self.config_entry),
            "system_update_reboot_required",
            {"entry": self.config_entry.title, "version": self.pending_version or ""},
            active=status.reboot_required,
        )

    # ------------------------------------------------------------------- pushes

    async def async_start_push(self) -> None:
        """`update.status` events (25.10+) and install jobs (`core.get_jobs`)."""
        client = self.client
        await super().async_start_push()
        self._unsubscribers.append(await client.subscribe("core.get_jobs", self._on_job))
        if self.api.has_status_event:
            self._unsubscribers.append(await client.subscribe(UPDATE_EVENT, self._on_status))
            if not client.subscription_denied(UPDATE_EVENT):
                self.update_interval = UPDATE_SAFETY_NET_INTERVAL

    @callback
    @override
    def _on_connection(self, state: ConnectionState) -> None:
        if state is ConnectionState.CONNECTED:
            # Back (perhaps after the reboot that applied an update): read the offer again.
            self.job = None
            self._refresh_in_background("reconnected", debounced=False)

    @callback
    def _on_status(self, _event: Event) -> None:
        # The event's `status` sits beside `fields`; reading it again is one small call.
        self._refresh_in_background("event", debounced=False)

    @callback
    def _on_job(self, event: Event) -> None:
        job = Job.from_event(event)
        if job is None or job.method not in UPDATE_JOB_METHODS:
            return
        if job.finished:
            if self.job is not None and self.job.id == job.id:
                self.job = None
            if job.state == "FAILED":
                self.last_error = job.error or job.state
        else:
            self.job = job
        self.async_update_listeners()

    # ------------------------------------------------------------------ install

    async def async_install(self) -> None:
        """Download and apply the update without rebooting; wait for the job."""
        if self.data is not None and self.data.reboot_required:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="system_update_reboot_required",
            )
        if self.job is not None:
            raise HomeAssistantError(
                translation_domain=DOMAIN, translation_key="system_update_running"
            )
        version = self.data.available_version if self.data is not None else None
        try:
            job_id = await self.api.start_update(reboot=False)
        except TrueNASCallError as err:
            raise self._failed(err.reason or str(err)) from err
        except TrueNASError as err:
            raise cannot_connect() from err
        self.last_error = None
        self.job = Job(id=job_id, method="update.run", state="RUNNING", percent=0)
        self.async_update_listeners()
        try:
            job = await self.client.wait_for_job(job_id, timeout=INSTALL_TIMEOUT)
        except TrueNASTimeoutError as err:
            raise self._failed("timeout") from err
        except TrueNASError as err:
            raise cannot_connect() from err
        finally:
            if self.job is not None and self.job.id == job_id:
                self.job = None
        if job.state != "SUCCESS":
            self.last_error = job.error or job.state
            self.async_update_listeners()
            raise self._failed(self.last_error)
        self.pending_version = version
        await self.async_refresh()

    def _failed(self, error: str) -> HomeAssistantError:
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="system_update_failed",
            translation_placeholders={"error": error},
        )

    def summary(self) -> dict[str, Any]:
        """What the update coordinator knows (diagnostics, the LLM API)."""
        status = self.data
        return {
            "available_version": status.available_version if status else None,
            "reboot_required": status.reboot_required if status else False,
            "installing": self.job is not None,
            "last_error": self.last_error,
        }


SYSTEM_UPDATE = UpdateEntityDescription(key="system_update", translation_key="system_update")


def async_setup_system_update(
    entry: TrueNASConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """The TrueNAS update entity of the system device."""
    runtime = entry.runtime_data
    async_add_entities([SystemUpdate(runtime.coordinator, runtime.system.update)])


class SystemUpdate(TrueNASEntity, UpdateEntity):
    """TrueNAS itself: installed and offered version, install as a tracked job (no reboot)."""

    _attr_supported_features = (
        UpdateEntityFeature.INSTALL
        | UpdateEntityFeature.PROGRESS
        | UpdateEntityFeature.RELEASE_NOTES
    )

    def __init__(self, coordinator: TrueNASCoordinator, update: SystemUpdateCoordinator) -> None:
        """Available with the entry's connection; values from the update coordinator."""
        super().__init__(coordinator, SYSTEM_UPDATE)
        self.update = update

    async def async_added_to_hass(self) -> None:
        """Follow the update coordinator too."""
        await super().async_added_to_hass()
        self.async_on_remove(self.update.async_add_listener(self.async_write_ha_state))

    @property
    def installed_version(self) -> str | None:
        """The running TrueNAS version (`system.info`)."""
        return self.coordinator.data.system.version

    @property
    def latest_version(self) -> str | None:
        """The version on offer, the one waiting for a reboot, or the installed one."""
        status = self.update.data
        if status is not None and status.available_version:
            return status.available_version
        if self.update.pending_version:
            return self.update.pending_version
        return self.installed_version

    @property
    def release_url(self) -> str | None:
        """The release notes of the version on offer."""
        status = self.update.data
        return status.release_notes_url if status is not None else None

    async def async_release_notes(self) -> str | None:
        """A link to the release notes (TrueNAS publishes them as a web page)."""
        url = self.release_url
        return f"[Release notes]({url})" if url else None

    @property
    def in_progress(self) -> bool:
        """True while an install job runs."""
        return self.update.job is not None

    @property
    def update_percentage(self) -> int | None:
        """The install job's progress."""
        job = self.update.job
        if job is None or job.percent is None:
            return None
        return int(job.percent)

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Whether a reboot is needed and the last install's error."""
        status = self.update.data
        return {
            "reboot_required": bool(status is not None and status.reboot_required),
            "last_error": self.update.last_error,
        }

    async def async_install(self, version: str | None, backup: bool, **kwargs: Any) -> None:
        """Install the update (never reboots; see the module docstring)."""
        await self.update.async_install()
