"""``system``: hardware, version, uptime, identity, general settings, reboot and shutdown."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from labsim.errors import single_error
from labsim.events import Event
from labsim.nas import entries, nas_of
from labsim.nas.power import power_cycle
from labsim.rpc import CallContext, MethodTable

from .args import arg
from .certificate import exposes_secrets

METHODS: Final = MethodTable()


@METHODS.register("system.info", 0, role="SYSTEM_GENERAL_READ", api_since="25.10")
def system_info(ctx: CallContext) -> dict[str, Any]:
    """``system.info``: hardware, version and uptime."""
    return ctx.state.system_info()


@METHODS.register("system.host_id", 0, role="SYSTEM_GENERAL_READ", api_since="25.10")
def system_host_id(ctx: CallContext) -> str:
    """``system.host_id``: a stable identity of the machine."""
    return ctx.state.host_id


@METHODS.register("system.general.config", 0, role="SYSTEM_GENERAL_READ", api_since="25.10")
def system_general_config(ctx: CallContext) -> dict[str, Any]:
    """``system.general.config``: ``ui_certificate`` is a ``Secret`` (entry, then id in 26)."""
    return entries.general_config(
        nas_of(ctx.state),
        ctx.session.version,
        expose_secrets=exposes_secrets(ctx, "SYSTEM_GENERAL"),
    )


def _power(ctx: CallContext, kind: str) -> int:
    """``system.reboot`` / ``system.shutdown`` (jobs): the event, then the box goes away."""
    reason: str = arg(ctx, 0, "reason", str)
    options: dict[str, Any] = arg(ctx, 1, "options", dict, {})
    delay = options.get("delay")
    if delay is not None and (isinstance(delay, bool) or not isinstance(delay, int)):
        raise single_error("options.delay", "Input should be a valid integer")
    lab = nas_of(ctx.state)
    job = ctx.state.add_job(ctx.method, [reason, options])
    ctx.state.emit(Event(f"system.{kind}", "added", fields={"reason": reason}))
    ctx.state._spawn(power_cycle(lab, kind, float(delay or 0)))  # noqa: SLF001
    return job.id


@METHODS.register("system.reboot", 2, role="FULL_ADMIN")
def system_reboot(ctx: CallContext) -> int:
    """``system.reboot(reason, {"delay": N})`` (job)."""
    return _power(ctx, "reboot")


@METHODS.register("system.shutdown", 2, role="FULL_ADMIN")
def system_shutdown(ctx: CallContext) -> int:
    """``system.shutdown(reason, {"delay": N})`` (job)."""
    return _power(ctx, "shutdown")


EVENTS: Final[Mapping[str, str | None]] = {
    "system.reboot": "SYSTEM_GENERAL_READ",
    "system.shutdown": "SYSTEM_GENERAL_READ",
}
