"""What every coordinator of a TrueNAS entry shares: errors mapped once, pushes, reconnects.

`ServerCoordinator._async_update_data` polls `_fetch` and keeps the last data while the socket
is down (the pool coordinator reports the outage, once); the server's errors become the entry's
translated ones (`translated_error`). `_fetched` runs after a successful fetch. Pushes are the
callables in `_unsubscribers`, undone by `async_stop_push`; a reconnect refreshes.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, override

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed, HomeAssistantError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from ..clients.truenas import (
    ConnectionState,
    Event,
    Job,
    TrueNASAuthenticationError,
    TrueNASCallError,
    TrueNASClient,
    TrueNASConnectionError,
    TrueNASError,
    TrueNASInvalidResponseError,
    TrueNASTimeoutError,
)
from ..const import DOMAIN, LOGGER

if TYPE_CHECKING:
    from .runtime import TrueNASConfigEntry


@dataclass(frozen=True)
class JobResult:
    """What an app or guest action returns: `{job_id, state, error}` (no job id: answered at once)."""

    job_id: int | None
    state: str
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The action response."""
        return {"job_id": self.job_id, "state": self.state, "error": self.error}


def translated_error(
    err: TrueNASError, *, invalid_response_key: str = "invalid_response"
) -> ConfigEntryAuthFailed | UpdateFailed:
    """The entry's translated error for a failed refresh (raise it `from err`)."""
    if isinstance(err, TrueNASAuthenticationError):
        return ConfigEntryAuthFailed(translation_domain=DOMAIN, translation_key="invalid_auth")
    if isinstance(err, TrueNASConnectionError):
        return UpdateFailed(translation_domain=DOMAIN, translation_key="cannot_connect")
    key = invalid_response_key if isinstance(err, TrueNASInvalidResponseError) else "update_failed"
    return UpdateFailed(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders={"error": str(err)},
    )


def cannot_connect() -> HomeAssistantError:
    """An action's error when the server could not be asked or did not answer (raise `from`)."""
    return HomeAssistantError(translation_domain=DOMAIN, translation_key="cannot_connect")


def action_failed(
    err: TrueNASError, translation_key: str, **placeholders: str
) -> HomeAssistantError:
    """An action's error: refused (`translation_key`, the reason as `error`) or not asked."""
    if not isinstance(err, TrueNASCallError):
        return cannot_connect()
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key=translation_key,
        translation_placeholders={**placeholders, "error": err.reason or str(err)},
    )


def refuse_if_busy[KeyT: Hashable](
    jobs: Mapping[KeyT, Job],
    key: KeyT,
    translation_key: str,
    error: type[HomeAssistantError] = HomeAssistantError,
    **placeholders: str,
) -> None:
    """Raise `error` (`translation_key`, the running job's method as `job`) while `key` is busy."""
    if (running := jobs.get(key)) is not None:
        raise error(
            translation_domain=DOMAIN,
            translation_key=translation_key,
            translation_placeholders={**placeholders, "job": running.method},
        )


class ServerCoordinator[DataT](DataUpdateCoordinator[DataT]):
    """A coordinator of one TrueNAS entry: polls `_fetch`, follows the connection."""

    config_entry: TrueNASConfigEntry
    # Names the background tasks (`homelab-<task_prefix>-reconnected`).
    task_prefix = "truenas"
    # The translation key of a malformed answer (some coordinators report it as any failure).
    invalid_response_key = "invalid_response"
    # A reconnect refreshes debounced (`async_request_refresh`) or at once (`async_refresh`).
    debounce_reconnect = True
    # Whether the devices left from before a restart were removed (at the first refresh).
    _leftovers_removed = False

    def __init__(
        self,
        hass: HomeAssistant,
        entry: TrueNASConfigEntry,
        client: TrueNASClient,
        *,
        name: str,
        update_interval: timedelta,
    ) -> None:
        """Poll at `update_interval`; `name` says what (empty for the entry's own)."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"TrueNAS {name} {entry.title}" if name else f"TrueNAS {entry.title}",
            update_interval=update_interval,
            always_update=False,
        )
        self.client = client
        self._unsubscribers: list[Callable[[], Any]] = []

    # ------------------------------------------------------------ to implement

    async def _fetch(self) -> DataT:
        raise NotImplementedError

    def _fetched(self, data: DataT) -> None:
        """After a successful fetch (before `data` is set)."""

    def _fetch_failed(self, err: TrueNASError) -> None:
        """After a fetch failed with `err` (other than a connection error)."""

    # ------------------------------------------------------------------ polling

    @override
    async def _async_update_data(self) -> DataT:
        if not self.client.connected and self.data is not None:
            # An outage is reported (once) by the pool coordinator; keep the last data.
            return self.data
        try:
            data = await self._fetch()
        except TrueNASConnectionError as err:
            if self.data is not None and not isinstance(err, TrueNASTimeoutError):
                # The socket went down mid-refresh: the pool coordinator reports the outage
                # (once); keep the last data, the entities follow the connection.
                return self.data
            raise translated_error(err) from err
        except TrueNASError as err:
            self._fetch_failed(err)
            raise translated_error(err, invalid_response_key=self.invalid_response_key) from err
        self._fetched(data)
        return data

    # ---------------------------------------------------------- devices gone

    def current_identifiers(self) -> set[tuple[str, str]]:
        """Identifiers of every device this coordinator owns now."""
        return set()

    def _remove_devices(self, gone: list[tuple[str, str]], infixes: Iterable[str]) -> None:
        """Remove the devices of things gone (the first time, also those left from before).

        Left from before a restart: devices of `infixes` (`<entry>_<infix>_...`) that are not
        among `current_identifiers`.
        """
        entry = self.config_entry
        registry = dr.async_get(self.hass)
        if not self._leftovers_removed:
            self._leftovers_removed = True
            prefixes = tuple(f"{entry.unique_id}_{infix}_" for infix in infixes)
            current = self.current_identifiers()
            gone = gone + [
                identifier
                for device in dr.async_entries_for_config_entry(registry, entry.entry_id)
                for identifier in device.identifiers
                if identifier[0] == DOMAIN
                and identifier[1].startswith(prefixes)
                and identifier not in current
            ]
        for identifier in gone:
            device = registry.async_get_device_by_identifier(identifier, entry.entry_id)
            if device is not None:
                LOGGER.info("%s is gone from the server; removing its device", device.name)
                registry.async_remove_device(device.id)

    # ------------------------------------------------------------------- pushes

    async def async_start_push(self) -> None:
        """Follow the connection (subclasses subscribe to their events too)."""
        self._unsubscribers.append(self.client.add_connection_listener(self._on_connection))

    async def async_stop_push(self) -> None:
        """Undo `async_start_push`."""
        while self._unsubscribers:
            result = self._unsubscribers.pop()()
            if result is not None:
                await result

    @callback
    def _on_connection(self, state: ConnectionState) -> None:
        if state is ConnectionState.CONNECTED and self.refresh_on_reconnect:
            # Events may have been missed while the socket was down.
            self._refresh_in_background("reconnected", debounced=self.debounce_reconnect)
        # The entities follow the connection; the pool coordinator logs the outage once.
        self.async_update_listeners()

    def _refresh_in_background(self, why: str, *, debounced: bool = True) -> None:
        refresh = self.async_request_refresh() if debounced else self.async_refresh()
        self.config_entry.async_create_background_task(
            self.hass, refresh, f"homelab-{self.task_prefix}-{why}"
        )

    @property
    def refresh_on_reconnect(self) -> bool:
        """Whether a reconnect refreshes (pushed data may have been missed)."""
        return True

    @callback
    def _job_event[KeyT: Hashable](self, jobs: dict[KeyT, Job], key: KeyT, job: Job) -> None:
        """A `core.get_jobs` event of `key`'s job: busy while it runs, free once it ends."""
        current = jobs.get(key)
        if job.finished:
            if current is not None and current.id == job.id:
                del jobs[key]
        else:
            jobs[key] = job
        if self.data is not None:
            self.async_update_listeners()

    async def _async_follow_job_events[KeyT: Hashable](
        self, jobs: dict[KeyT, Job], key_of: Callable[[Job], KeyT | None]
    ) -> None:
        """Keep `jobs` current from `core.get_jobs` events; `key_of` names a job's thing or None."""

        @callback
        def on_job(event: Event) -> None:
            job = Job.from_event(event)
            if job is not None and (key := key_of(job)) is not None:
                self._job_event(jobs, key, job)

        self._unsubscribers.append(await self.client.subscribe("core.get_jobs", on_job))

    async def _async_follow_job[KeyT: Hashable](
        self, jobs: dict[KeyT, Job], key: KeyT, job: Job, *, wait: bool, timeout: float
    ) -> JobResult:
        """Mark `key` busy with the job just started; with `wait`, wait until it ends."""
        # Mark busy at once: the job's first event may arrive after a second press.
        jobs.setdefault(key, job)
        self.async_update_listeners()
        if not wait:
            return JobResult(job.id, "RUNNING")
        try:
            done = await self.client.wait_for_job(job.id, timeout=timeout)
        except TrueNASTimeoutError:
            # Still running: it stays marked busy until its final event arrives.
            return JobResult(job.id, "RUNNING", "timeout")
        except TrueNASError as err:
            raise cannot_connect() from err
        if (current := jobs.get(key)) is not None and current.id == job.id:
            del jobs[key]
        self.async_update_listeners()
        return JobResult(done.id, done.state, done.error)
