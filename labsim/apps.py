"""TrueNAS apps (Docker compose apps, 24.10+): `app.query`, the app jobs and `app.stats`.

Scenario section ``apps``::

    apps:
      job_seconds: {start: 4, stop: 3, redeploy: 6, upgrade: 8}   # how long each job runs
      installed:
        - name: paperless-ngx
          version: 1.3.2              # catalog app version
          app_version: "2.20.15"      # upstream version; human_version = "<app_version>_<version>"
          title: Paperless-ngx        # the catalog's display name
          train: community
          state: RUNNING              # RUNNING|DEPLOYING|STOPPED|STOPPING|CRASHED
          portals: {Web UI: "http://0.0.0.0:30070/"}   # as the apps library builds them
          ports: [30070]
          containers: [{service: paperless, image: "ghcr.io/paperless-ngx/paperless-ngx:2.20.15"}]
          upgrade: {version: 1.3.3, app_version: "2.20.16"}   # optional: upgrade_available
          workload: {cpu: 3.5, memory: 1.2 GiB, rx: 20 KiB, tx: 4 KiB}   # per second

Events mirror the middleware: every state change is an ``app.query`` ``changed`` event carrying
the whole entry; jobs emit ``core.get_jobs``. ``app.stats:{"interval": N}`` streams one list per
interval, the first one after a full interval (the middleware needs two samples for a rate).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime
import errno
import json
import random
from typing import Any, Final

from aiohttp import web

from .controlkit import control_body, json_response, rpc_server
from .errors import CallError
from .events import Event
from .parts import EVENT_SOURCES, LabError, PerLab
from .scenario import JobDef, _Reader, section_parser
from .state import LabState

APP_STATES: Final = ("RUNNING", "DEPLOYING", "STOPPED", "STOPPING", "CRASHED")
DEFAULT_JOB_SECONDS: Final = {"start": 4.0, "stop": 3.0, "redeploy": 6.0, "upgrade": 8.0}
MIN_STATS_INTERVAL: Final = 2  # the middleware's Range(min_=2)


@dataclass(slots=True)
class Workload:
    """What an app uses while running: CPU %, memory and network bytes per second."""

    cpu: float = 1.0
    memory: int = 256 * 1024 * 1024
    rx: int = 2048
    tx: int = 1024


@dataclass(slots=True)
class AppDef:
    """One installed app."""

    name: str
    version: str
    app_version: str
    title: str | None = None
    train: str = "community"
    state: str = "RUNNING"
    portals: dict[str, str] = field(default_factory=dict)
    ports: list[int] = field(default_factory=list)
    containers: list[tuple[str, str]] = field(default_factory=list)
    upgrade: tuple[str, str] | None = None
    workload: Workload = field(default_factory=Workload)
    notes: str | None = None


@dataclass(slots=True)
class AppsSection:
    """The parsed ``apps`` section."""

    job_seconds: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_JOB_SECONDS))
    installed: list[AppDef] = field(default_factory=list)


def parse_app(reader: _Reader) -> AppDef:
    """Read one app definition (also used by the control API's install route)."""
    name = reader.text("name", required=True)
    containers = [
        (item.text("service", required=True), item.text("image", required=True))
        for item in reader.items("containers")
    ] or [(name, f"ix/{name}:latest")]
    upgrade = None
    if reader.has("upgrade"):
        up = reader.child("upgrade", reader.mapping("upgrade"))
        upgrade = (up.text("version", required=True), up.text("app_version", required=True))
        up.finish()
    workload = Workload()
    if reader.has("workload"):
        load = reader.child("workload", reader.mapping("workload"))
        workload = Workload(
            cpu=load.number("cpu", 1.0),
            memory=load.size("memory", 256 * 1024 * 1024),
            rx=load.size("rx", 2048),
            tx=load.size("tx", 1024),
        )
        load.finish()
    app = AppDef(
        name=name,
        version=reader.text("version", "1.0.0"),
        app_version=reader.text("app_version", "1.0.0"),
        title=reader.opt_text("title"),
        train=reader.text("train", "community"),
        state=reader.choice("state", APP_STATES, "RUNNING"),
        portals={str(k): str(v) for k, v in reader.mapping("portals").items()},
        ports=[int(port) for port in reader.seq("ports")],
        containers=containers,
        upgrade=upgrade,
        workload=workload,
        notes=reader.opt_text("notes"),
    )
    reader.finish()
    return app


@section_parser("apps")
def parse_apps_section(reader: _Reader, _now: datetime) -> AppsSection:
    """Parse the scenario's ``apps`` section."""
    seconds = reader.durations("job_seconds", DEFAULT_JOB_SECONDS)
    section = AppsSection(
        job_seconds=seconds, installed=[parse_app(item) for item in reader.items("installed")]
    )
    reader.finish()
    return section


# ---------------------------------------------------------------- the apps of one lab


class AppLab:
    """The apps of one `LabState`; rebuilt when the state reloads its scenario."""

    def __init__(self, state: LabState) -> None:
        """Copy the scenario's apps."""
        self.state = state
        self.scenario = state.scenario
        section = state.scenario.section("apps", AppsSection)
        self.job_seconds = dict(section.job_seconds)
        self.apps: dict[str, AppDef] = {app.name: copy.deepcopy(app) for app in section.installed}
        self.busy: dict[str, int] = {}
        self.fail_next: dict[str, str] = {}
        self.stats_streams: dict[str, asyncio.Task[None]] = {}

    # ------------------------------------------------------------ entries

    def entry(self, app: AppDef, api_version: tuple[int, ...] | None = None) -> dict[str, Any]:
        """Return an ``app.query`` entry as API ``api_version`` shapes it (default: the box's).

        ``active_workloads.used_host_ips`` came with the 25.10 API; ``latest_app_version`` and
        ``action_required`` with 26. Events carry the box's shape.
        """
        version = api_version or self.state.box_api_version()
        running = app.state in {"RUNNING", "STOPPING"}
        container_state = {
            "RUNNING": "running",
            "DEPLOYING": "starting",
            "STOPPING": "running",
            "STOPPED": "exited",
            "CRASHED": "crashed",
        }[app.state]
        details = [
            {
                "id": f"{abs(hash((app.name, service))):012x}"[:12],
                "service_name": service,
                "image": image,
                "port_config": [],
                "state": container_state,
                "volume_mounts": [],
            }
            for service, image in app.containers
        ]
        if app.state == "STOPPED":
            details = []
        ports = [
            {
                "container_port": port,
                "protocol": "tcp",
                "host_ports": [{"host_port": port, "host_ip": "0.0.0.0"}],  # noqa: S104
            }
            for port in app.ports
        ]
        entry: dict[str, Any] = {
            "name": app.name,
            "id": app.name,
            "state": app.state,
            "upgrade_available": app.upgrade is not None,
            "latest_version": app.upgrade[0] if app.upgrade else app.version,
            "image_updates_available": False,
            "custom_app": app.train == "custom",
            "human_version": f"{app.app_version}_{app.version}",
            "version": app.version,
            "migrated": False,
            "notes": app.notes,
            "portals": dict(app.portals),
            "metadata": {
                "name": app.name,
                "title": app.title or app.name.replace("-", " ").title(),
                "train": app.train,
                "app_version": app.app_version,
                "version": app.version,
            },
            "active_workloads": {
                "containers": len(details) if running or app.state == "DEPLOYING" else 0,
                "used_ports": ports if running else [],
                "used_host_ips": [],
                "container_details": details,
                "volumes": [],
                "images": [image for _service, image in app.containers],
                "networks": [],
            },
        }
        if version < (25, 10):
            del entry["active_workloads"]["used_host_ips"]
        if version >= (26,):
            entry["latest_app_version"] = app.upgrade[1] if app.upgrade else app.app_version
            entry["action_required"] = False
        return entry

    def changed(self, app: AppDef, msg: str = "changed") -> None:
        """Publish an ``app.query`` event with the full entry."""
        self.state.emit(Event("app.query", msg, app.name, self.entry(app)))

    def get(self, name: str) -> AppDef:
        """An app by name, or the middleware's not-found error."""
        app = self.apps.get(name)
        if app is None:
            raise CallError(f"Unable to locate {name!r} app", errno.ENOENT)
        return app

    # ------------------------------------------------------------ jobs

    def run_job(
        self,
        method: str,
        app: AppDef,
        kind: str,
        steps: list[tuple[float, str]],
        on_success: Callable[[AppDef], None] | None = None,
    ) -> int:
        """Start a job that walks the app through `steps` (share of duration, state)."""
        if app.name in self.busy:
            # The middleware serialises app jobs with a per-app lock; the second one waits.
            # We refuse instead of queueing, as a second stop/start would just repeat work.
            raise CallError(f"{app.name!r} app is already being changed", errno.EBUSY)
        job = self.state.add_job(
            method, [app.name], description=f"{kind.title()}ing {app.name!r} app"
        )
        self.busy[app.name] = job.id
        error = self.fail_next.pop(app.name, None)
        self.state._spawn(  # noqa: SLF001 - same package
            self._walk(job, app, self.job_seconds[kind], steps, error, on_success)
        )
        return job.id

    async def _walk(  # noqa: PLR0917 - one private call site
        self,
        job: JobDef,
        app: AppDef,
        duration: float,
        steps: list[tuple[float, str]],
        error: str | None,
        on_success: Callable[[AppDef], None] | None,
    ) -> None:
        done = 0.0
        try:
            for share, app_state in steps:
                await asyncio.sleep(duration * (share - done))
                done = share
                if error is not None and share >= 1:
                    break
                if app.name in self.apps and app.state != app_state:
                    app.state = app_state
                    self.changed(app)
                job.percent = int(share * 100)
                self.state._emit_job(job, "changed")  # noqa: SLF001
            job.time_finished = datetime.now(UTC)
            if error is not None:
                job.state, job.error = "FAILED", error
                if app.name in self.apps:
                    app.state = "CRASHED"
                    self.changed(app)
            elif app.name not in self.apps:
                job.state, job.error = "FAILED", f"{app.name!r} app was deleted"
            else:
                if on_success is not None:
                    on_success(app)
                # app.start/app.stop return None (AppStartResult); the others the app entry.
                result = None if job.method in {"app.start", "app.stop"} else self.entry(app)
                job.state, job.percent, job.result = "SUCCESS", 100, result
            self.state._emit_job(job, "changed")  # noqa: SLF001
        finally:
            self.busy.pop(app.name, None)

    # ------------------------------------------------------------ stats

    def stats(self, interval: int) -> list[dict[str, Any]]:
        """One ``app.stats`` sample: rates are per second over the interval, as the middleware."""
        samples = []
        for app in self.apps.values():
            load = app.workload if app.state == "RUNNING" else Workload(0, 0, 0, 0)
            jitter = random.uniform(0.8, 1.2)
            samples.append(
                {
                    "app_name": app.name,
                    "cpu_usage": round(load.cpu * jitter, 2),
                    "memory": int(load.memory * random.uniform(0.97, 1.03)),
                    "networks": [
                        {
                            "interface_name": "eth0",
                            "rx_bytes": int(load.rx * jitter),
                            "tx_bytes": int(load.tx * jitter),
                        }
                    ],
                    "blkio": {"read": 0, "write": int(4096 * interval * jitter)},
                }
            )
        return samples

    def start_stats(self, name: str) -> None:
        """Start streaming ``app.stats`` for a subscription name (once per distinct name)."""
        task = self.stats_streams.get(name)
        if task is not None and not task.done():
            return
        interval = MIN_STATS_INTERVAL
        _, _, args = name.partition(":")
        if args:
            try:
                interval = max(MIN_STATS_INTERVAL, int(json.loads(args).get("interval", 2)))
            except ValueError, AttributeError, TypeError:
                interval = MIN_STATS_INTERVAL
        self.stats_streams[name] = self.state._spawn(self._stream(name, interval))  # noqa: SLF001

    async def _stream(self, name: str, interval: int) -> None:
        while True:
            await asyncio.sleep(interval)
            self.state.emit(Event(name, "added", fields=self.stats(interval)))


_LABS: Final[PerLab[AppLab]] = PerLab(AppLab)


def apps_of(state: LabState) -> AppLab:
    """The apps of a lab (rebuilt after a scenario reset)."""
    return _LABS.of(state)


EVENT_SOURCES["app.stats"] = lambda state, name: apps_of(state).start_stats(name)


# ---------------------------------------------------------------- control API


def _lab(request: web.Request) -> AppLab:
    return apps_of(rpc_server(request).state)


def _app(request: web.Request) -> tuple[AppLab, AppDef]:
    """The lab and the app of the request's ``{name}`` (404 when there is none)."""
    lab = _lab(request)
    app = lab.apps.get(request.match_info["name"])
    if app is None:
        raise LabError(f"no app {request.match_info['name']!r}", 404)
    return lab, app


def _set_state(lab: AppLab, app: AppDef, state: str) -> web.Response:
    app.state = state
    lab.changed(app)
    return json_response({"state": app.state})


app_routes = web.RouteTableDef()
"""The control routes for apps (``@app_routes.post(...)`` on each handler)."""


@app_routes.get("/control/apps")
async def list_apps(request: web.Request) -> web.Response:
    """``GET /control/apps``: name -> state."""
    lab = _lab(request)
    return json_response({name: app.state for name, app in lab.apps.items()})


@app_routes.post("/control/apps")
async def install_app(request: web.Request) -> web.Response:
    """``POST /control/apps``: install an app (a scenario app definition); DEPLOYING first."""
    lab = _lab(request)
    app = parse_app(_Reader(await control_body(request), "app"))
    if app.name in lab.apps:
        raise LabError(f"app {app.name!r} exists", 409)
    final_state, app.state = app.state, "DEPLOYING"
    lab.apps[app.name] = app
    lab.changed(app, "added")

    async def deployed() -> None:
        await asyncio.sleep(lab.job_seconds["start"])
        if lab.apps.get(app.name) is app:
            app.state = final_state
            lab.changed(app)

    lab.state._spawn(deployed())  # noqa: SLF001
    return json_response({"name": app.name})


@app_routes.delete("/control/apps/{name}")
async def delete_app(request: web.Request) -> web.Response:
    """``DELETE /control/apps/{name}``: the app is gone (a running job then fails)."""
    lab, app = _app(request)
    del lab.apps[app.name]
    lab.state.emit(Event("app.query", "removed", app.name))
    return json_response({"deleted": app.name})


@app_routes.post("/control/apps/{name}/crash")
async def crash_app(request: web.Request) -> web.Response:
    """``POST /control/apps/{name}/crash``."""
    lab, app = _app(request)
    return _set_state(lab, app, "CRASHED")


@app_routes.post("/control/apps/{name}/state")
async def set_app_state(request: web.Request) -> web.Response:
    """``POST /control/apps/{name}/state {"state": "STOPPED"}``."""
    lab, app = _app(request)
    state = str((await control_body(request)).get("state", "")).upper()
    if state not in APP_STATES:
        raise LabError(f"'state' must be one of {', '.join(APP_STATES)}")
    return _set_state(lab, app, state)


@app_routes.post("/control/apps/{name}/upgrade_available")
async def offer_upgrade(request: web.Request) -> web.Response:
    """``POST /control/apps/{name}/upgrade_available {"version", "app_version"}``."""
    lab, app = _app(request)
    body = await control_body(request)
    app.upgrade = (str(body.get("version", "9.9.9")), str(body.get("app_version", "9.9.9")))
    lab.changed(app)
    return json_response({"latest_version": app.upgrade[0]})


@app_routes.post("/control/apps/{name}/fail_next_job")
async def fail_next_job(request: web.Request) -> web.Response:
    """``POST /control/apps/{name}/fail_next_job {"error": "..."}``."""
    lab, app = _app(request)
    error = str((await control_body(request)).get("error", "Failed to start app"))
    lab.fail_next[app.name] = error
    return json_response({"fail_next_job": error})
