"""The control routes of the NAS's devices (``/control/nas/...``); bodies and answers are JSON.

==========================================================  ====================================
``GET /control/nas``                                        power, disks (standby), VMs, services
``POST /control/nas/clock``                                 ``{"advance": s}``, ``{"freeze": true}``
                                                            or ``{"resume": true}``: the lab clock
``GET /control/nas/disks/log`` / ``DELETE``                 what reached which disk (call log)
``POST /control/nas/disks/{name}/standby``                  ``{"standby": true}``: the disk sleeps
``POST /control/nas/vms`` / ``DELETE .../vms/{id}``         add (a scenario VM) / remove a VM
``POST /control/nas/vms/{name}/fail_start``                 ``{"error": "..."}``; DELETE clears
``POST /control/nas/containers`` / ``DELETE .../{id}``      add / remove a container
``POST /control/nas/services/{service}/fail_start``         ``{"error": "..."}``; DELETE clears
``POST /control/nas/update``                                an update on offer (``{"version"}``)
``DELETE /control/nas/update``                              no update on offer
``POST /control/nas/update/fail``                           ``{"at_percent": 50, "error": "..."}``
``GET /control/nas/power``                                  ``{"power", "reboot_seconds", "back_in"}``
``POST /control/nas/power/reboot_seconds``                  ``{"seconds": 90}``: how long a reboot
``POST /control/nas/power/on``                              power on after a shutdown (or now)
``POST /control/datasets``                                  add a dataset (scenario form)
==========================================================  ====================================
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict

from aiohttp import web

from labsim.controlkit import body_seconds, control_body, json_response, rpc_server
from labsim.events import Event
from labsim.parts import LabError
from labsim.scenario import Dataset, _Reader

from . import entries
from .lab import NasLab, nas_of
from .power import power_on, power_summary
from .section import parse_container, parse_update, parse_vm

nas_routes = web.RouteTableDef()
"""The control routes of the NAS's devices (``@nas_routes.post(...)`` on each handler)."""


def _lab(request: web.Request) -> NasLab:
    return nas_of(rpc_server(request).state)


def _remove[ItemT](items: dict[int, ItemT], request: web.Request, what: str) -> ItemT:
    """Take out the item of the request's ``{id}`` (404 ``no such <what>`` when there is none)."""
    item = items.pop(int(request.match_info["id"]), None)
    if item is None:
        raise LabError(f"no such {what}", 404)
    return item


@nas_routes.get("/control/nas")
async def summary(request: web.Request) -> web.Response:
    """``GET /control/nas``."""
    lab = _lab(request)
    return json_response(
        {
            **power_summary(lab),
            "disks": {name: {"standby": lab.is_standby(d)} for name, d in lab.disks.items()},
            "vms": {vm.name: vm.state for vm in lab.vms.values()},
            "containers": {c.name: c.state for c in lab.containers.values()},
            "services": {s.service: s.state for s in lab.services.values()},
            "update": lab.update.offer.version if lab.update.offer else None,
            "update_applied": lab.update.applied,
        }
    )


@nas_routes.post("/control/nas/clock")
async def clock(request: web.Request) -> web.Response:
    """``POST /control/nas/clock``."""
    lab = _lab(request)
    body = await control_body(request)
    if body.get("freeze"):
        lab.clock.freeze()
    if body.get("resume"):
        lab.clock.resume()
    if "advance" in body:
        lab.advance(body_seconds(body, "advance", 0))
    return json_response({"now": lab.clock.now().isoformat(), "frozen": lab.clock.frozen})


@nas_routes.get("/control/nas/disks/log")
async def disk_log(request: web.Request) -> web.Response:
    """``GET /control/nas/disks/log``: every call that may reach disks, with what it reached."""
    return json_response([asdict(record) for record in _lab(request).disk_log])


@nas_routes.delete("/control/nas/disks/log")
async def clear_disk_log(request: web.Request) -> web.Response:
    """``DELETE /control/nas/disks/log``."""
    _lab(request).disk_log.clear()
    return json_response({"ok": True})


@nas_routes.post("/control/nas/disks/{name}/standby")
async def disk_standby(request: web.Request) -> web.Response:
    """``POST /control/nas/disks/{name}/standby {"standby": true}``."""
    lab = _lab(request)
    disk = lab.disk(request.match_info["name"])
    standby = (await control_body(request)).get("standby", True) is not False
    if standby and disk.spec.type != "HDD":
        msg = f"{disk.name} is not a spinning disk"
        raise LabError(msg, 409)
    disk.standby = standby
    if not standby:
        disk.last_access = lab.lab_seconds()
    return json_response({"standby": disk.standby})


@nas_routes.post("/control/nas/vms")
async def add_vm(request: web.Request) -> web.Response:
    """``POST /control/nas/vms``: a VM appears (``vm.query`` ``added``)."""
    lab = _lab(request)
    vm = parse_vm(_Reader(await control_body(request), "vm"), max(lab.vms, default=0) + 1)
    if vm.id in lab.vms:
        msg = f"VM {vm.id} exists"
        raise LabError(msg, 409)
    lab.vms[vm.id] = vm
    lab.emit("vm.query", "added", vm.id, entries.vm_entry(vm))
    return json_response({"id": vm.id}, 201)


@nas_routes.delete("/control/nas/vms/{id}")
async def delete_vm(request: web.Request) -> web.Response:
    """``DELETE /control/nas/vms/{id}`` (``vm.query`` ``removed``)."""
    lab = _lab(request)
    vm = _remove(lab.vms, request, "VM")
    lab.state.emit(Event("vm.query", "removed", vm.id))
    return json_response({"deleted": vm.id})


@nas_routes.post("/control/nas/containers")
async def add_container(request: web.Request) -> web.Response:
    """``POST /control/nas/containers``: added (26: ``container.query``; 25.x ``virt.instance``)."""
    lab = _lab(request)
    ident = max(lab.containers, default=0) + 1
    container = parse_container(_Reader(await control_body(request), "container"), ident)
    lab.containers[container.id] = container
    if lab.box() >= (26,):
        lab.emit("container.query", "added", container.id, entries.container_entry(container))
    else:
        fields = entries.instance_entry(container, lab.box())
        lab.emit("virt.instance.query", "added", container.name, fields)
    return json_response({"id": container.id}, 201)


@nas_routes.delete("/control/nas/containers/{id}")
async def delete_container(request: web.Request) -> web.Response:
    """``DELETE /control/nas/containers/{id}``."""
    lab = _lab(request)
    container = _remove(lab.containers, request, "container")
    if lab.box() >= (26,):
        lab.state.emit(Event("container.query", "removed", container.id))
    else:
        lab.state.emit(Event("virt.instance.query", "removed", container.name))
    return json_response({"deleted": container.id})


def _fail_start(
    path: str, key: str, failing: Callable[[NasLab], dict[str, str]], default: str
) -> None:
    """Add ``POST|DELETE <path> {"error"}``: starting ``{key}`` fails (DELETE: it starts)."""

    @nas_routes.post(path)
    @nas_routes.delete(path)
    async def fail_start(request: web.Request) -> web.Response:
        failures = failing(_lab(request))
        name = request.match_info[key]
        if request.method == "DELETE":
            failures.pop(name, None)
            return json_response({"ok": True})
        error = str((await control_body(request)).get("error", default))
        failures[name] = error
        return json_response({"fail_start": error})


_fail_start(
    "/control/nas/vms/{name}/fail_start",
    "name",
    lambda lab: lab.vm_fail_start,
    "Failed to start VM: no bootable device",
)
_fail_start(
    "/control/nas/services/{service}/fail_start",
    "service",
    lambda lab: lab.service_fail_start,
    "Service not running after start",
)


@nas_routes.post("/control/nas/update")
@nas_routes.delete("/control/nas/update")
async def offer_update(request: web.Request) -> web.Response:
    """``POST /control/nas/update`` (an update on offer) / ``DELETE`` (none)."""
    lab = _lab(request)
    if request.method == "DELETE":
        lab.update.offer = None
    else:
        lab.update.offer = parse_update(_Reader(await control_body(request), "update"))
        lab.update.applied = lab.update.downloaded = False
    return json_response({"update": lab.update.offer.version if lab.update.offer else None})


@nas_routes.post("/control/nas/update/fail")
async def fail_update(request: web.Request) -> web.Response:
    """``POST /control/nas/update/fail {"at_percent": 50, "error": "..."}``: the next install."""
    lab = _lab(request)
    body = await control_body(request)
    lab.update.fail_at = body_seconds(body, "at_percent", 50)
    lab.update.fail_error = str(body.get("error", lab.update.fail_error))
    return json_response({"at_percent": lab.update.fail_at, "error": lab.update.fail_error})


@nas_routes.get("/control/nas/power")
async def power(request: web.Request) -> web.Response:
    """``GET /control/nas/power``."""
    return json_response(power_summary(_lab(request)))


@nas_routes.post("/control/nas/power/reboot_seconds")
async def reboot_seconds(request: web.Request) -> web.Response:
    """``POST /control/nas/power/reboot_seconds {"seconds": 90}``."""
    lab = _lab(request)
    lab.reboot_seconds = body_seconds(await control_body(request), "seconds", 90)
    return json_response(power_summary(lab))


@nas_routes.post("/control/nas/power/on")
async def switch_on(request: web.Request) -> web.Response:
    """``POST /control/nas/power/on``."""
    lab = _lab(request)
    await power_on(lab)
    return json_response(power_summary(lab))


@nas_routes.post("/control/datasets")
async def add_dataset(request: web.Request) -> web.Response:
    """``POST /control/datasets``: a dataset (scenario form: name, encrypted, locked, ...)."""
    state = rpc_server(request).state
    reader = _Reader(await control_body(request), "dataset")
    dataset = Dataset(
        name=reader.text("name", required=True).strip("/"),
        used=reader.opt_size("used"),
        quota=reader.size("quota", 0),
        encrypted=reader.flag("encrypted"),
        locked=reader.flag("locked"),
        key_format=reader.choice("key_format", ("PASSPHRASE", "HEX"), "HEX"),
        passphrase=reader.opt_text("passphrase"),
    )
    reader.finish()
    if dataset.pool not in state.pools or any(ds.name == dataset.name for ds in state.datasets):
        msg = f"cannot add {dataset.name!r}"
        raise LabError(msg, 409)
    state.datasets.append(dataset)
    return json_response({"name": dataset.name}, 201)
