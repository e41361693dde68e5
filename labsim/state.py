"""The mutable lab: the NAS a scenario describes, its users and API keys, its events.

``LabState`` joins the parts of the NAS, each a module: ``labsim.pools`` (pools, disks, scrubs),
``labsim.datasets``, ``labsim.alerts`` and ``labsim.jobs``; the faults and stats the control API
sets are ``labsim.faults``. Sections beside the NAS (apps, backups, the NAS's own devices) hang
their part of a lab on it with ``labsim.parts.PerLab`` and ``LOAD_HOOKS``.

Everything here runs on the simulator's event loop. Changes that a real middleware announces
are published as ``Event`` objects to listeners (the WebSocket sessions), which forward them to
clients that subscribed. Rendering into the exact API shapes also lives here, so method
handlers stay one-liners.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Iterator
import contextlib
import copy
from dataclasses import asdict
from datetime import UTC, datetime
import logging
import time
from typing import Any, Final

from . import zfs
from .alerts import LabAlerts
from .datasets import LabDatasets
from .events import Event
from .faults import CallRecord, Faults, Stats
from .jobs import LabJobs
from .parts import LOAD_HOOKS, ApiListener, LabError, Listener, LoadHook, PerLab
from .pools import LabPools
from .scenario import AlertDef, ApiKey, Dataset, JobDef, Pool, Scenario, User, load_scenario
from .zfs import human_size

__all__ = [
    "INSECURE_TRANSPORT_REASON",
    "LOAD_HOOKS",
    "LabError",
    "LabState",
    "Listener",
    "LoadHook",
    "PerLab",
    "human_size",
]

_LOGGER = logging.getLogger(__name__)

RATE_LIMIT_PERIOD: Final = 60.0
CALL_LOG_MAX: Final = 10000

API_KEY_REVOKED_TEXT: Final = (
    "%(name)s: API key has been revoked and must either be renewed or deleted. "
    "Revoke reason: %(reason)s. Once the maintenance is complete, API client configuration must "
    "be updated to use the renewed API key."
)
INSECURE_TRANSPORT_REASON: Final = "Attempt to use over an insecure transport"


class LabState(LabPools, LabDatasets, LabAlerts, LabJobs):
    """The simulated NAS; one per simulator, living on its event loop."""

    def __init__(self, scenario: Scenario) -> None:
        """Build the lab from a scenario (which is copied, never modified)."""
        self.original = scenario
        self.listeners: list[Listener] = []
        self.stats = Stats()
        self.faults = Faults()
        self.call_log: deque[CallRecord] = deque(maxlen=CALL_LOG_MAX)
        self._tasks: set[asyncio.Task[None]] = set()
        self._scrubs: dict[str, asyncio.Task[None]] = {}
        self._health_handle: asyncio.TimerHandle | None = None
        self._logins: dict[tuple[str, str], deque[float]] = {}
        self.api_listener: ApiListener | None = None
        self._load(copy.deepcopy(scenario))

    def _load(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.settings = scenario.settings
        self.system = scenario.system
        self.users: list[User] = scenario.users
        self.pools: dict[str, Pool] = {pool.name: pool for pool in scenario.pools}
        self.datasets: list[Dataset] = scenario.datasets
        self.alerts: dict[str, AlertDef] = {alert.uuid: alert for alert in scenario.alerts}
        self.jobs: dict[int, JobDef] = {job.id: job for job in scenario.jobs}
        self.next_job_id = max(self.jobs, default=0) + 1
        # A scenario that starts unhealthy starts with its alert, like a box that ran a while.
        self._reconcile_health_alerts(notify=False)
        for hook in LOAD_HOOKS:
            hook(self)

    # ------------------------------------------------------------ notifications

    def add_listener(self, listener: Listener) -> None:
        """Receive every event from now on."""
        self.listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        """Stop receiving events."""
        with contextlib.suppress(ValueError):
            self.listeners.remove(listener)

    def emit(self, event: Event) -> None:
        """Publish an event to every listener."""
        for listener in list(self.listeners):
            listener(event)

    def _spawn(self, coro: Any) -> asyncio.Task[None]:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def close(self) -> None:
        """Cancel timers and background tasks (scrubs, jobs)."""
        if self._health_handle is not None:
            self._health_handle.cancel()
            self._health_handle = None
        self.faults.stall_gate.cancel_timer()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        self._scrubs.clear()

    async def reset(self) -> None:
        """Reload the scenario (re-reading its file), clear faults, keep logs and stats."""
        await self.close()
        old_pools = [p for p in self.pools.values() if not p.boot]
        old_alerts = list(self.alerts)
        source = self.original.source
        scenario = load_scenario(source) if source is not None else copy.deepcopy(self.original)
        self.original = scenario
        self._load(copy.deepcopy(scenario))
        self.faults.clear()
        self._logins.clear()
        for pool in old_pools:
            self.emit(Event("pool.query", "removed", pool.id))
        for alert_uuid in old_alerts:
            self.emit(Event("alert.list", "removed", alert_uuid))
        for pool in self.pools.values():
            if not pool.boot:
                self.emit(Event("pool.query", "added", pool.id, self.pool_entry(pool)))
        for alert in self.alerts.values():
            self.emit(Event("alert.list", "added", alert.uuid, self.alert_entry(alert)))

    # ------------------------------------------------------------ system

    @property
    def host_id(self) -> str:
        """Return what ``system.host_id`` answers (stable across resets and renames)."""
        return self.system.host_id

    def system_info(self) -> dict[str, Any]:
        """Return ``system.info``."""
        now = datetime.now(UTC)
        system = self.system
        uptime = now - system.boottime
        return {
            "version": system.version,
            "buildtime": system.buildtime,
            "hostname": system.hostname,
            "physmem": system.physmem,
            "model": system.model,
            "cores": system.cores,
            "physical_cores": system.physical_cores,
            "loadavg": list(system.loadavg),
            "uptime": str(uptime),
            "uptime_seconds": uptime.total_seconds(),
            "system_serial": system.system_serial,
            "system_product": system.system_product,
            "system_product_version": system.system_product_version,
            "license": system.license,
            "boottime": system.boottime,
            "datetime": now,
            "timezone": system.timezone,
            "system_manufacturer": system.system_manufacturer,
            "ecc_memory": system.ecc_memory,
        }

    # ------------------------------------------------------------ API keys

    def find_key(self, api_key: str) -> tuple[User, ApiKey] | None:
        """Return the user and key for a wire-form API key (``<id>-<secret>``)."""
        return next(((user, key) for user, key in self._keys() if key.key == api_key), None)

    def find_key_by_id(self, key_id: int) -> tuple[User, ApiKey] | None:
        """Return the user and key with the given id."""
        return next(((user, key) for user, key in self._keys() if key.id == key_id), None)

    def _keys(self) -> Iterator[tuple[User, ApiKey]]:
        for user in self.users:
            for key in user.api_keys:
                yield user, key

    def revoke_key(self, key: ApiKey, reason: str) -> None:
        """Revoke a key and raise the ``ApiKeyRevoked`` alert."""
        if key.revoked:
            return
        key.revoked = True
        key.revoked_reason = reason
        args = {"name": key.name, "reason": reason}
        alert = self.new_alert(
            "ApiKeyRevoked", "WARNING", API_KEY_REVOKED_TEXT, args, API_KEY_REVOKED_TEXT % args
        )
        self.add_alert(alert)

    def login_allowed(self, method: str, origin: str) -> bool:
        """Count an unauthenticated login call; False beyond the limit within 60 s."""
        now = time.monotonic()
        calls = self._logins.setdefault((method, origin), deque())
        while calls and now - calls[0] > RATE_LIMIT_PERIOD:
            calls.popleft()
        calls.append(now)
        return len(calls) <= self.settings.login_rate_limit

    # ------------------------------------------------------------ summary

    def summary(self) -> dict[str, Any]:
        """Return ``GET /control/state``."""
        return {
            "scenario": self.scenario.name,
            "hostname": self.system.hostname,
            "version": self.system.version,
            "api_versions": self.scenario.api_versions,
            "pools": {
                name: {
                    "status": pool.status,
                    "healthy": zfs.is_healthy(pool),
                    "boot": pool.boot,
                    "scan": pool.scan.state if pool.scan else None,
                    "disks": {
                        leaf.disk: {
                            "status": leaf.status,
                            "read_errors": leaf.read_errors,
                            "write_errors": leaf.write_errors,
                            "checksum_errors": leaf.checksum_errors,
                        }
                        for leaf in pool.leaves()
                    },
                }
                for name, pool in self.pools.items()
            },
            "alerts": [
                {"uuid": a.uuid, "klass": a.klass, "level": a.level, "formatted": a.formatted}
                for a in self.alerts.values()
            ],
            "users": {
                user.username: [
                    {"id": key.id, "name": key.name, "revoked": key.revoked}
                    for key in user.api_keys
                ]
                for user in self.users
            },
            "jobs": len(self.jobs),
            "faults": {
                "stalled": self.faults.stalled,
                "reply_delay": self.faults.reply_delay,
                "remote_clients": self.faults.remote_clients,
            },
            "settings": asdict(self.settings),
        }
