"""``vm``: libvirt VMs (25.04, 25.10, 26).

``vm.start(id, {"overcommit"})`` and ``vm.poweroff(id)`` answer at once (null); ``vm.stop(id,
{"force", "force_after_timeout"})`` and ``vm.restart(id)`` are jobs (null result). State
changes are ``vm.query`` ``changed`` events whose ``fields`` are the VM without ``devices`` and
whose ``state`` (beside ``id`` and ``fields``) is the libvirt event (``STARTED``, ``STOPPED``),
as ``plugins/vm/events.py`` sends them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from labsim.errors import CallError, get_instance, single_error
from labsim.nas import entries, nas_of
from labsim.nas.lab import NasLab
from labsim.nas.section import VMDef
from labsim.parts import LabError
from labsim.query import Entry
from labsim.rpc import CallContext, MethodTable

from .args import arg

STOP_SECONDS: Final = 2.0


def _vm(ctx: CallContext) -> tuple[NasLab, VMDef]:
    lab = nas_of(ctx.state)
    return lab, get_instance(lab.vms, arg(ctx, 0, "id", int), "VM")


def stop_job(
    ctx: CallContext, lab: NasLab, args: list[Any], lock: str, stopped: Callable[[], None]
) -> int:
    """The job of ``vm.stop`` or ``container.stop`` (``args``: id and options).

    A clean shutdown takes ``STOP_SECONDS``, ``force`` stops at once; ``stopped`` runs at the end.
    """
    seconds = 0.0 if args[1].get("force") else STOP_SECONDS
    return lab.run_job(ctx.method, args, [(seconds, 100, "Stopping")], lock=lock, result=stopped).id


def set_vm_state(lab: NasLab, vm: VMDef, state: str, event: str) -> None:
    """Change a VM's state and announce it."""
    vm.state = state
    lab.emit("vm.query", "changed", vm.id, entries.vm_entry(vm, devices=False), state=event)


METHODS: Final = MethodTable()


@METHODS.query("vm.query", role="VM_READ")
def vm_query(ctx: CallContext) -> list[Entry]:
    """``vm.query``."""
    lab = nas_of(ctx.state)
    return [entries.vm_entry(vm) for vm in lab.vms.values()]


@METHODS.register("vm.status", 1, role="VM_READ")
def vm_status(ctx: CallContext) -> dict[str, Any]:
    """``vm.status``: ``{state, pid, domain_state}``."""
    return entries.vm_status(_vm(ctx)[1])


@METHODS.register("vm.start", 2, role="VM_WRITE")
def vm_start(ctx: CallContext) -> None:
    """``vm.start``: not a job; a VM that fails to start (a fault) raises."""
    lab, vm = _vm(ctx)
    arg(ctx, 1, "options", dict, {})
    if vm.state == "RUNNING":
        raise CallError(f"{vm.name!r} is already running")
    error = lab.vm_fail_start.get(vm.name)
    if error is not None:
        raise CallError(error)
    set_vm_state(lab, vm, "RUNNING", "STARTED")


@METHODS.register("vm.poweroff", 1, role="VM_WRITE")
def vm_poweroff(ctx: CallContext) -> None:
    """``vm.poweroff``: at once."""
    lab, vm = _vm(ctx)
    if vm.state == "RUNNING":
        set_vm_state(lab, vm, "STOPPED", "STOPPED")


def _stop_options(ctx: CallContext) -> dict[str, Any]:
    options: dict[str, Any] = arg(ctx, 1, "options", dict, {})
    for key in ("force", "force_after_timeout"):
        if not isinstance(options.get(key, False), bool):
            raise single_error(f"options.{key}", "Input should be a valid boolean")
    return options


@METHODS.register("vm.stop", 2, role="VM_WRITE")
def vm_stop(ctx: CallContext) -> int:
    """``vm.stop`` (job): an ACPI shutdown (``force``: power off at once)."""
    lab, vm = _vm(ctx)
    options = _stop_options(ctx)

    def stopped() -> None:
        if vm.state == "RUNNING":
            set_vm_state(lab, vm, "STOPPED", "STOPPED")

    return stop_job(ctx, lab, [vm.id, options], f"stop_vm_{vm.id}", stopped)


@METHODS.register("vm.restart", 1, role="VM_WRITE")
def vm_restart(ctx: CallContext) -> int:
    """``vm.restart`` (job): stop (``force_after_timeout``), then start (fails like start)."""
    lab, vm = _vm(ctx)

    def restarted() -> None:
        set_vm_state(lab, vm, "STOPPED", "STOPPED")
        error = lab.vm_fail_start.get(vm.name)
        if error is not None:
            msg = f"[EFAULT] {error}"
            raise LabError(msg)
        set_vm_state(lab, vm, "RUNNING", "STARTED")

    return lab.run_job(
        ctx.method,
        [vm.id],
        [(STOP_SECONDS, 50, "Stopping"), (0.2, 100, "Starting")],
        lock=f"restart_vm_{vm.id}",
        result=restarted,
    ).id


EVENTS: Final[Mapping[str, str | None]] = {"vm.query": "VM_READ"}
