"""``virt.instance`` (25.04, 25.10; gone in 26, where ``container`` took over).

The id is the instance name. ``start``, ``stop(id, {"timeout", "force"})`` and ``restart`` are
jobs whose result is ``true``. On start and stop the middleware sends a ``virt.instance.query``
``changed`` event with only ``{"status": ...}`` in ``fields`` (``plugins/virt/websocket.py``).
"""

from __future__ import annotations

import errno
from typing import Final

from labsim.errors import CallError
from labsim.events import RELEASE_EVENTS
from labsim.nas import entries, nas_of
from labsim.nas.lab import NasLab
from labsim.nas.section import ContainerDef
from labsim.query import Entry
from labsim.rpc import CallContext, MethodTable

from .args import arg

SECONDS: Final = 1.0


def _instance(ctx: CallContext) -> tuple[NasLab, ContainerDef]:
    lab = nas_of(ctx.state)
    name: str = arg(ctx, 0, "id", str)
    found = next((c for c in lab.containers.values() if c.name == name), None)
    if found is None:
        raise CallError(f"Instance {name!r} does not exist", errno.ENOENT)
    return lab, found


def set_instance_state(lab: NasLab, container: ContainerDef, state: str) -> None:
    """Change an instance's state and announce it as Incus does."""
    container.state = state
    lab.emit("virt.instance.query", "changed", container.name, {"status": state})


METHODS: Final = MethodTable()


@METHODS.query("virt.instance.query", role="VIRT_INSTANCE_READ", dropped_in="26")
def instance_query(ctx: CallContext) -> list[Entry]:
    """``virt.instance.query``."""
    lab = nas_of(ctx.state)
    box = ctx.session.version
    return [entries.instance_entry(c, box) for c in lab.containers.values()]


def _job(ctx: CallContext, steps: tuple[str, ...]) -> int:
    lab, container = _instance(ctx)
    if ctx.method.endswith("stop"):
        arg(ctx, 1, "stop_args", dict, {})

    def done() -> bool:
        for state in steps:
            set_instance_state(lab, container, state)
        return True

    return lab.run_job(
        ctx.method,
        list(ctx.params),
        [(SECONDS, 100, "Done")],
        lock=f"instance_action_{container.name}",
        result=done,
    ).id


@METHODS.register("virt.instance.start", 1, role="VIRT_INSTANCE_WRITE", dropped_in="26")
def instance_start(ctx: CallContext) -> int:
    """``virt.instance.start`` (job, true)."""
    return _job(ctx, ("RUNNING",))


@METHODS.register("virt.instance.stop", 2, role="VIRT_INSTANCE_WRITE", dropped_in="26")
def instance_stop(ctx: CallContext) -> int:
    """``virt.instance.stop`` (job, true)."""
    return _job(ctx, ("STOPPED",))


@METHODS.register("virt.instance.restart", 2, role="VIRT_INSTANCE_WRITE", dropped_in="26")
def instance_restart(ctx: CallContext) -> int:
    """``virt.instance.restart`` (job, true)."""
    return _job(ctx, ("STOPPED", "RUNNING"))


RELEASE_EVENTS["virt.instance.query"] = ("VIRT_INSTANCE_READ", (), (26,))
