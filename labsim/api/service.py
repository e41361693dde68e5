"""``service``: system services (SMB is ``cifs``), their state and control.

* 25.04: ``service.start(service, options)`` / ``service.stop(service, options)`` answer
  ``true``/``false`` at once (legacy methods without API models);
* 25.10: ``service.control(verb, service, options)`` (``START``, ``STOP``, ``RESTART``,
  ``RELOAD``) is a job whose result is the boolean; ``service.start``/``stop`` still answer
  directly;
* 26: ``service.control`` only (``start``/``stop`` became private: FULL_ADMIN only).

Every change is a ``service.query`` ``changed`` event whose ``fields`` are the whole entry and
which has no ``id`` (``service.notify_running``). A service that fails to start (a fault) ends
STOPPED with "Service not running after start" (``[EFAULT]`` in a job).
"""

from __future__ import annotations

from collections.abc import Mapping
import errno
from typing import Any, Final

from labsim.errors import CallError, single_error
from labsim.events import Event
from labsim.nas import entries, nas_of
from labsim.nas.lab import NasLab
from labsim.nas.section import ServiceDef
from labsim.parts import LabError
from labsim.query import Entry
from labsim.rpc import CallContext, MethodTable

from .args import arg

VERBS: Final = ("START", "STOP", "RESTART", "RELOAD")
CONTROL_SECONDS: Final = 0.5
WRITE: Final = "SERVICE_WRITE"


def _service(lab: NasLab, name: str) -> ServiceDef:
    service = lab.services.get(name)
    if service is None:
        raise CallError(f"Service {name!r} not found", errno.ENOENT)
    return service


def set_service_state(lab: NasLab, service: ServiceDef, state: str) -> None:
    """Change a service's state and announce it."""
    service.state = state
    lab.state.emit(Event("service.query", "changed", fields=entries.service_entry(service)))


def apply_verb(lab: NasLab, service: ServiceDef, verb: str) -> bool:
    """Start, stop, restart or reload; raise ``CallError`` when a start fails (a fault)."""
    if verb in {"STOP", "RESTART"} and service.state == "RUNNING":
        set_service_state(lab, service, "STOPPED")
    if verb == "STOP":
        return True
    if verb == "RELOAD" and service.state == "RUNNING":
        return True
    error = lab.service_fail_start.get(service.service)
    if error is not None:
        set_service_state(lab, service, "STOPPED")
        raise CallError(error)
    if service.state != "RUNNING":
        set_service_state(lab, service, "RUNNING")
    return True


METHODS: Final = MethodTable()


@METHODS.query("service.query", role="SERVICE_READ", api_since="25.10")
def service_query(ctx: CallContext) -> list[Entry]:
    """``service.query``."""
    lab = nas_of(ctx.state)
    return [entries.service_entry(s) for s in lab.services.values()]


def _direct(ctx: CallContext, verb: str) -> bool:
    lab = nas_of(ctx.state)
    service = _service(lab, arg(ctx, 0, "service", str))
    options: dict[str, Any] = arg(ctx, 1, "options", dict, {})
    try:
        return apply_verb(lab, service, verb)
    except CallError:
        if options.get("silent"):
            return False
        raise


@METHODS.register(
    "service.start", 2, role=WRITE, api_since="25.10", admin_only_since="26", removed_in="26.04"
)
def service_start(ctx: CallContext) -> bool:
    """``service.start`` (25.04, 25.10): true once running."""
    return _direct(ctx, "START")


@METHODS.register(
    "service.stop", 2, role=WRITE, api_since="25.10", admin_only_since="26", removed_in="26.04"
)
def service_stop(ctx: CallContext) -> bool:
    """``service.stop`` (25.04, 25.10): true once stopped."""
    return _direct(ctx, "STOP")


@METHODS.register("service.control", 3, role=WRITE, since="25.10")
def service_control(ctx: CallContext) -> int:
    """``service.control(verb, service, options)`` (25.10+, job)."""
    lab = nas_of(ctx.state)
    verb = arg(ctx, 0, "verb", str)
    if verb not in VERBS:
        tags = ", ".join(f"'{v}'" for v in VERBS)
        raise single_error("verb", f"Input should be {tags}")
    service = _service(lab, arg(ctx, 1, "service", str))
    arg(ctx, 2, "options", dict, {})

    def run() -> bool:
        try:
            return apply_verb(lab, service, verb)
        except CallError as err:
            raise LabError(f"[EFAULT] {err.errmsg}") from None

    return lab.run_job(
        ctx.method,
        list(ctx.params),
        [(CONTROL_SECONDS, 100, f"{verb.title()} {service.service}")],
        lock=f"service_{service.service}",
        result=run,
    ).id


EVENTS: Final[Mapping[str, str | None]] = {"service.query": "SERVICE_READ"}
