"""``container`` (26): LXC containers under libvirt, replacing ``virt.instance``.

``container.start(id)`` answers at once (null); ``container.stop(id, {"force",
"force_after_timeout"})`` is a job (null result); there is no restart. Changes are
``container.query`` ``changed`` events with the whole entry (``plugins/container/event.py``).
"""

from __future__ import annotations

from typing import Any, Final

from labsim.errors import get_instance
from labsim.events import RELEASE_EVENTS
from labsim.nas import entries, nas_of
from labsim.nas.lab import NasLab
from labsim.nas.section import ContainerDef
from labsim.query import Entry
from labsim.rpc import CallContext, MethodTable

from .args import arg
from .vm import stop_job

ROLE_READ: Final = "CONTAINER_READ"


def _container(ctx: CallContext) -> tuple[NasLab, ContainerDef]:
    lab = nas_of(ctx.state)
    return lab, get_instance(lab.containers, arg(ctx, 0, "id", int), "Container")


def set_container_state(lab: NasLab, container: ContainerDef, state: str) -> None:
    """Change a container's state and announce it."""
    container.state = state
    lab.emit("container.query", "changed", container.id, entries.container_entry(container))


METHODS: Final = MethodTable()


@METHODS.query("container.query", role=ROLE_READ, since="26")
def container_query(ctx: CallContext) -> list[Entry]:
    """``container.query``."""
    lab = nas_of(ctx.state)
    return [entries.container_entry(c) for c in lab.containers.values()]


@METHODS.register("container.start", 1, role="CONTAINER_WRITE", since="26")
def container_start(ctx: CallContext) -> None:
    """``container.start``: at once."""
    lab, container = _container(ctx)
    if container.state != "RUNNING":
        set_container_state(lab, container, "RUNNING")


@METHODS.register("container.stop", 2, role="CONTAINER_WRITE", since="26")
def container_stop(ctx: CallContext) -> int:
    """``container.stop`` (job): a clean shutdown, or ``force`` at once."""
    lab, container = _container(ctx)
    options: dict[str, Any] = arg(ctx, 1, "options", dict, {})

    def stopped() -> None:
        if container.state == "RUNNING":
            set_container_state(lab, container, "STOPPED")

    return stop_job(ctx, lab, [container.id, options], f"container_stop_{container.id}", stopped)


RELEASE_EVENTS["container.query"] = ("CONTAINER_READ", (26,), None)
