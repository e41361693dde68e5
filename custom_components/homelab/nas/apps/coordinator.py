"""TrueNAS apps: pushed state, live statistics, and the one code path that starts app jobs.

Push, not poll: `app.query` events (driven by Docker events on the server) update an app within
a second; `app.stats` events bring CPU, memory and network rates; `core.get_jobs` events track
running app jobs. A full `app.query` every 5 minutes is only a safety net for missed events.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
import json
from typing import TYPE_CHECKING, Literal, override

from homeassistant.const import CONF_HOST
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr

from ...clients.truenas import (
    App,
    AppStats,
    Event,
    Job,
    TrueNASClient,
    TrueNASError,
    TrueNASInvalidResponseError,
)
from ...const import DOMAIN, LOGGER
from ..identifiers import app_identifier
from ..known_keys import KnownKeys
from ..server_coordinator import JobResult, ServerCoordinator, action_failed, refuse_if_busy

if TYPE_CHECKING:
    from ..runtime import TrueNASConfigEntry

APPS_SAFETY_NET_INTERVAL = timedelta(minutes=5)
# The full list instead, when TrueNAS refuses the app.query subscription (a role missing).
APPS_POLL_INTERVAL = timedelta(minutes=1)
# The middleware accepts >= 2 s. 10 s for a usual box; with many apps, one second more per
# APPS_PER_STATS_SECOND apps (200 apps: 40 s), so that the stats cost at most ~60 KB/min.
APP_STATS_INTERVAL = 10
APPS_PER_STATS_SECOND = 5
# Stats sensors are told of a sample about this many at a time, one batch per loop iteration, so
# that a sample of a 200-app box never holds the event loop for long. Counted in sensors, not
# apps: with the network rates enabled an app has four (the bench measured 23.7 ms for a batch
# of ten apps then, against 20 sensors' 5 ms).
STATS_LISTENERS_PER_BATCH = 20
DEFAULT_JOB_TIMEOUT = 300.0

type AppAction = Literal["start", "stop", "restart", "upgrade"]


def stats_source(interval: int) -> str:
    """The `app.stats` event name with its interval argument, as `core.subscribe` takes it."""
    return "app.stats:" + json.dumps({"interval": interval})


def stats_interval(apps: int) -> int:
    """Seconds between `app.stats` samples for a box with `apps` apps (each sample lists all)."""
    return max(APP_STATS_INTERVAL, -(-apps // APPS_PER_STATS_SECOND))


class AppsCoordinator(ServerCoordinator[dict[str, App]]):
    """Owns the apps of one TrueNAS entry."""

    task_prefix = "apps"
    # A malformed app list fails the refresh as any other error does.
    invalid_response_key = "update_failed"
    debounce_reconnect = False

    def __init__(
        self, hass: HomeAssistant, entry: TrueNASConfigEntry, client: TrueNASClient
    ) -> None:
        """Poll only as a safety net; events do the work."""
        super().__init__(hass, entry, client, name="apps", update_interval=APPS_SAFETY_NET_INTERVAL)
        # Portals come as http://0.0.0.0:PORT/: links and probe presets use the NAS's host.
        self.portal_host = str(entry.data.get(CONF_HOST) or "")
        self.stats: dict[str, AppStats] = {}
        # The running job of each app (from core.get_jobs events and our own calls).
        self.jobs: dict[str, Job] = {}
        self.known_apps = KnownKeys[str]()
        self._stats_listeners: dict[str, list[Callable[[], None]]] = {}

    # ------------------------------------------------------------------ polling

    @override
    async def _fetch(self) -> dict[str, App]:
        apps = await self.client.apps()
        return {app.name: app.with_portal_host(self.portal_host) for app in apps}

    @override
    def _fetched(self, data: dict[str, App]) -> None:
        self._track(set(data))
        self.update_interval = (
            APPS_POLL_INTERVAL
            if self.client.subscription_denied("app.query")
            else APPS_SAFETY_NET_INTERVAL
        )

    # ------------------------------------------------------------ dynamic apps

    def _track(self, names: set[str]) -> None:
        added, removed = self.known_apps.replace(names)
        for name in removed:
            self.stats.pop(name, None)
        self._remove_devices([app_identifier(self.config_entry, name) for name in removed], ())
        if added:
            self.known_apps.announce(added)

    # ------------------------------------------------------------------- pushes

    async def async_start_push(self) -> None:
        """Subscribe to app, stats and job events (restored by the client on reconnect)."""
        client = self.client
        await super().async_start_push()
        self._unsubscribers.append(await client.subscribe("app.query", self._on_app_event))
        self._unsubscribers.append(
            await client.subscribe(
                stats_source(stats_interval(len(self.data or {}))), self._on_stats
            )
        )
        self._unsubscribers.append(await client.subscribe("core.get_jobs", self._on_job))
        if client.subscription_denied("app.query"):
            # No app events (a repair says why): poll the list instead, from now on.
            self.update_interval = APPS_POLL_INTERVAL
            self._refresh_in_background("poll-instead", debounced=False)

    @callback
    def _on_app_event(self, event: Event) -> None:
        # Subscribed after the first refresh, so `data` is always set here.
        apps = dict(self.data)
        if event.msg == "removed":
            apps.pop(str(event.id), None)
        else:
            try:
                app = App.from_dict(event.fields).with_portal_host(self.portal_host)
            except TrueNASInvalidResponseError:
                LOGGER.debug("Ignoring a malformed app.query event")
                return
            previous = apps.get(app.name)
            apps[app.name] = app
            if previous is not None and previous.human_version != app.human_version:
                self._update_device_version(app)
        # Data first: entities of a new app read it when they are created.
        self.async_set_updated_data(apps)
        self._track(set(apps))

    def _update_device_version(self, app: App) -> None:
        registry = dr.async_get(self.hass)
        device = registry.async_get_device_by_identifier(
            app_identifier(self.config_entry, app.name), self.config_entry.entry_id
        )
        if device is not None:
            registry.async_update_device(device.id, sw_version=app.human_version or app.version)

    def add_stats_listener(self, app: str, listener: Callable[[], None]) -> Callable[[], None]:
        """Call `listener` when a new stats sample of `app` arrives (the stats sensors)."""
        listeners = self._stats_listeners.setdefault(app, [])
        listeners.append(listener)
        return lambda: listeners.remove(listener)

    @callback
    def _on_stats(self, event: Event) -> None:
        if not isinstance(event.fields, list):
            return
        sampled: list[str] = []
        for item in event.fields:
            try:
                sample = AppStats.from_dict(item)
            except TrueNASInvalidResponseError:
                continue
            self.stats[sample.app_name] = sample
            sampled.append(sample.app_name)
        if self.data is not None:
            # Only the sensors that show stats, a batch of apps per loop iteration.
            self._notify_stats(sampled)

    @callback
    def _notify_stats(self, apps: list[str]) -> None:
        told = 0
        for index, app in enumerate(apps):
            if told >= STATS_LISTENERS_PER_BATCH:
                self.hass.loop.call_soon(self._notify_stats, apps[index:])
                return
            for listener in list(self._stats_listeners.get(app, ())):
                listener()
                told += 1

    @callback
    def _on_job(self, event: Event) -> None:
        job = Job.from_event(event)
        if job is None or not job.method.startswith("app.") or not job.arguments:
            return
        self._job_event(self.jobs, str(job.arguments[0]), job)

    # ------------------------------------------------------------------ actions

    def busy_job(self, name: str) -> Job | None:
        """The job currently changing an app, if any."""
        return self.jobs.get(name)

    async def async_run_app_action(
        self,
        name: str,
        action: AppAction,
        *,
        wait: bool = False,
        timeout: float = DEFAULT_JOB_TIMEOUT,
    ) -> JobResult:
        """Start an app job (the path every action, button and switch takes).

        Restart uses `app.redeploy`: TrueNAS has no restart method, and redeploy is one job
        that recreates the containers. Stop-then-start would be two jobs with a window where a
        failure leaves the app stopped, and would report two job ids for one user action.
        """
        if name not in self.data:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="unknown_app",
                translation_placeholders={"app": name},
            )
        refuse_if_busy(self.jobs, name, "app_busy", app=name)
        start = {
            "start": self.client.start_app,
            "stop": self.client.stop_app,
            "restart": self.client.redeploy_app,
            "upgrade": self.client.upgrade_app,
        }[action]
        try:
            job_id = await start(name)
        except TrueNASError as err:
            raise action_failed(err, "app_action_failed", app=name) from err
        method = {"restart": "app.redeploy"}.get(action, f"app.{action}")
        job = Job(id=job_id, method=method, state="RUNNING")
        return await self._async_follow_job(self.jobs, name, job, wait=wait, timeout=timeout)
