"""``app``: TrueNAS apps, queried and driven by jobs (the apps themselves: ``labsim.apps``)."""

from __future__ import annotations

from collections.abc import Mapping
import errno
from typing import Final

from labsim.apps import AppDef, AppLab, apps_of
from labsim.errors import CallError, single_error
from labsim.query import Entry
from labsim.rpc import CallContext, MethodTable

METHODS: Final = MethodTable()


def _name(ctx: CallContext) -> str:
    if not ctx.params or not isinstance(ctx.params[0], str):
        raise single_error("app_name", "Field required")
    return ctx.params[0]


@METHODS.query("app.query", role="APPS_READ")
def app_query(ctx: CallContext) -> list[Entry]:
    """``app.query``."""
    lab = apps_of(ctx.state)
    version = ctx.session.version
    return [lab.entry(app, version) for app in lab.apps.values()]


def _app_or_failed_job(ctx: CallContext) -> tuple[AppLab, AppDef | int]:
    """The app a job method names, or (unknown app) the id of a job that fails.

    The middleware looks the app up inside the job (``app.get_instance``), so an unknown name
    gives a job that ends FAILED with ``InstanceNotFound``, not an error reply.
    """
    lab = apps_of(ctx.state)
    name = _name(ctx)
    if name not in lab.apps:
        error = f"[ENOENT] None: App {name} does not exist"
        return lab, ctx.state.failed_job(ctx.method, [name], error)
    return lab, lab.apps[name]


def _moves(name: str, doc: str, action: str, *steps: tuple[float, str]) -> None:
    """Serve ``name``: a job that takes an app through ``steps`` (seconds after the start, state)."""

    @METHODS.register(name, 1, role="APPS_WRITE")
    def handler(ctx: CallContext) -> int:
        lab, app = _app_or_failed_job(ctx)
        if isinstance(app, int):
            return app
        return lab.run_job(ctx.method, app, action, list(steps))

    handler.__doc__ = doc


_moves(
    "app.start",
    "``app.start`` (job): DEPLOYING, then RUNNING.",
    "start",
    (0.1, "DEPLOYING"),
    (1.0, "RUNNING"),
)
_moves(
    "app.stop",
    "``app.stop`` (job): STOPPING, then STOPPED.",
    "stop",
    (0.1, "STOPPING"),
    (1.0, "STOPPED"),
)
_moves(
    "app.redeploy",
    "``app.redeploy`` (job): containers recreated; DEPLOYING, then RUNNING.",
    "redeploy",
    (0.1, "DEPLOYING"),
    (1.0, "RUNNING"),
)


@METHODS.register("app.upgrade", 2, role="APPS_WRITE")
def app_upgrade(ctx: CallContext) -> int:
    """``app.upgrade`` (job): to the latest version; fails when no upgrade is available."""
    lab, found = _app_or_failed_job(ctx)
    if isinstance(found, int):
        return found
    app = found
    if app.upgrade is None:
        raise CallError(f"No upgrade available for {app.name!r}", errno.ENOENT)
    target = app.upgrade

    def upgraded(upgraded_app: AppDef) -> None:
        upgraded_app.version, upgraded_app.app_version = target
        upgraded_app.upgrade = None
        lab.changed(upgraded_app)

    return lab.run_job(
        "app.upgrade", app, "upgrade", [(0.2, "DEPLOYING"), (1.0, "RUNNING")], upgraded
    )


EVENTS: Final[Mapping[str, str | None]] = {"app.query": "APPS_READ", "app.stats": "APPS_READ"}
