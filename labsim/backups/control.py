"""The control routes of the backups (``/control/backups...``, ``/control/snapshot_cost``)."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from labsim import snapshots as snap
from labsim.backups.lab import BackupLab, TaskRuntime, backups_of
from labsim.backups.section import (
    KINDS,
    KNOWN_VERSIONS,
    CloudSyncDef,
    ReplicationDef,
    SnapshotTaskDef,
    parse_cloudsync,
    parse_replication,
    parse_snapshot_task,
)
from labsim.controlkit import body_number, control_body, ejson_response, rpc_server
from labsim.cron import Cron
from labsim.parts import LabError
from labsim.rpc import RpcServer
from labsim.scenario import _Reader, version_tuple


def _lab(request: web.Request) -> BackupLab:
    return backups_of(rpc_server(request).state)


def _task_runtime(lab: BackupLab, request: web.Request) -> TaskRuntime:
    kind = request.match_info["kind"]
    try:
        task_id = int(request.match_info["id"])
    except ValueError:
        msg = "the task id must be an integer"
        raise LabError(msg) from None
    runtime = lab.runtime.get((kind, task_id))
    if runtime is None:
        msg = f"no {kind} task {task_id} (kinds: {', '.join(KINDS)})"
        raise LabError(msg, 404)
    return runtime


backup_routes = web.RouteTableDef()
"""The control routes for backups (``@backup_routes.post(...)`` on each handler)."""


@backup_routes.get("/control/backups")
async def get_backups(request: web.Request) -> web.Response:
    """``GET /control/backups``: tasks, snapshots and the backup clock."""
    return ejson_response(_lab(request).summary())


@backup_routes.get("/control/snapshot_cost")
async def get_cost(request: web.Request) -> web.Response:
    """``GET /control/snapshot_cost``: what snapshot listing has cost the server."""
    return ejson_response(_lab(request).cost.as_dict())


@backup_routes.delete("/control/snapshot_cost")
async def reset_cost(request: web.Request) -> web.Response:
    """``DELETE /control/snapshot_cost``: start counting again."""
    _lab(request).cost = snap.SnapshotCost()
    return ejson_response({"ok": True})


@backup_routes.post("/control/snapshot_cost/delay")
async def cost_delay(request: web.Request) -> web.Response:
    """``POST /control/snapshot_cost/delay {"factor": 1.0}``: really spend the charged time."""
    body = await control_body(request)
    factor = body_number(body, "factor", 1.0)
    _lab(request).cost_delay = factor
    return ejson_response({"factor": factor})


@backup_routes.post("/control/backups/advance")
async def advance(request: web.Request) -> web.Response:
    """``POST /control/backups/advance {"seconds": 7200}``: move the backup clock forward."""
    body = await control_body(request)
    seconds = body_number(body, "seconds")
    lab = _lab(request)
    lab.offset += timedelta(seconds=seconds)
    lab.tick()
    return ejson_response(lab.summary())


@backup_routes.post("/control/backups/{kind}/{id}/fail_next")
async def fail_next(request: web.Request) -> web.Response:
    """``POST /control/backups/{kind}/{id}/fail_next {"error": "..."}``: the next run fails."""
    lab = _lab(request)
    runtime = _task_runtime(lab, request)
    default = {
        "snapshot_task": "cannot create snapshot: out of space",
        "replication": "[EFAULT] ssh: connect to host offsite.example.net port 22: Connection refused",
        "cloudsync": "Failed to upload: 401 Unauthorized (bad_auth_token)",
    }[runtime.kind]
    runtime.fail_next = str((await control_body(request)).get("error", default))
    return ejson_response({"fail_next": runtime.fail_next})


@backup_routes.post("/control/backups/{kind}/{id}/stall")
async def stall(request: web.Request) -> web.Response:
    """``POST /control/backups/{kind}/{id}/stall {"stalled": true}``: a running job stops moving."""
    lab = _lab(request)
    runtime = _task_runtime(lab, request)
    stalled = (await control_body(request)).get("stalled", True)
    if not isinstance(stalled, bool):
        msg = "'stalled' must be true or false"
        raise LabError(msg)
    if stalled:
        runtime.stalled.clear()
    else:
        runtime.stalled.set()
    return ejson_response({"stalled": stalled})


@backup_routes.post("/control/backups/{kind}/{id}/age")
async def age(request: web.Request) -> web.Response:
    """``POST /control/backups/{kind}/{id}/age {"hours": 30}``: the last run becomes old.

    The task's schedule stops running (zettarepl or cron got stuck), so it stays old until the
    task is run by hand; ``{"resume": true}`` lets the schedule run again.
    """
    lab = _lab(request)
    runtime = _task_runtime(lab, request)
    body = await control_body(request)
    if body.get("resume"):
        runtime.paused = False
        runtime.processed_until = lab.now()
        return ejson_response({"paused": False})
    hours = body_number(body, "hours", 48)
    when = lab.now() - timedelta(hours=hours)
    runtime.paused = True
    if runtime.kind == "snapshot_task":
        task = lab.snapshot_tasks[runtime.id]
        lab.task_state[task.id] = lab._finished_state(task, when, None)  # noqa: SLF001
    elif runtime.kind == "replication":
        state = lab.replication_state[runtime.id]
        state["datetime"] = when
        job = lab.replication_job[runtime.id]
        if job is not None:
            job["time_finished"] = when
    else:
        job = lab.cloudsync_job[runtime.id]
        if job is not None:
            job["time_started"] = when - timedelta(minutes=5)
            job["time_finished"] = when
    return ejson_response({"paused": True, "last_run": when})


@backup_routes.post("/control/backups/{kind}/{id}/run")
async def run_task(request: web.Request) -> web.Response:
    """``POST /control/backups/{kind}/{id}/run``: start a run as the scheduler does."""
    lab = _lab(request)
    runtime = _task_runtime(lab, request)
    if runtime.kind == "snapshot_task":
        task = lab.snapshot_tasks[runtime.id]
        lab.state._spawn(lab._run_snapshot_task_later(task))  # noqa: SLF001
        return ejson_response({"started": True})
    if runtime.kind == "replication":
        return ejson_response({"job_id": lab.start_replication(lab.replications[runtime.id])})
    return ejson_response({"job_id": lab.start_cloudsync(lab.cloudsyncs[runtime.id])})


@backup_routes.post("/control/backups/{kind}/{id}/set")
async def set_task(request: web.Request) -> web.Response:
    """``POST /control/backups/{kind}/{id}/set {"enabled": false, "locked": true, "state": "HOLD"}``."""
    lab = _lab(request)
    runtime = _task_runtime(lab, request)
    body = await control_body(request)
    task: SnapshotTaskDef | ReplicationDef | CloudSyncDef
    if runtime.kind == "snapshot_task":
        task = lab.snapshot_tasks[runtime.id]
    elif runtime.kind == "replication":
        task = lab.replications[runtime.id]
        if "state" in body:
            lab.replication_state[runtime.id]["state"] = str(body["state"]).upper()
    else:
        task = lab.cloudsyncs[runtime.id]
        if "locked" in body:
            task.locked = bool(body["locked"])
    if "enabled" in body:
        task.enabled = bool(body["enabled"])
    if "seconds" in body:
        runtime.seconds = float(body["seconds"])
    return ejson_response({"ok": True})


@backup_routes.post("/control/backups/snapshots")
async def add_snapshot(request: web.Request) -> web.Response:
    """``POST /control/backups/snapshots {"dataset": D, "name": N}``: a snapshot from elsewhere."""
    lab = _lab(request)
    body = await control_body(request)
    dataset, name = body.get("dataset"), body.get("name")
    if not isinstance(dataset, str) or not isinstance(name, str):
        msg = "'dataset' and 'name' must be strings"
        raise LabError(msg)
    try:
        created = lab.store.create(dataset, name, lab.now())
    except ValueError as err:
        raise LabError(str(err), 409) from None
    return ejson_response({"name": created.full_name, "createtxg": created.txg}, 201)


@backup_routes.post("/control/backups/version")
async def set_version(request: web.Request) -> web.Response:
    """``POST /control/backups/version {"version": "26.0.0"}``: the server is now that version.

    ``system.info`` reports it and ``/api/versions`` lists the API versions up to it; new
    connections to ``/api/current`` speak the newest of them. Open connections keep theirs
    (``{"drop": true}`` cuts them so clients reconnect).
    """
    lab = _lab(request)
    body = await control_body(request)
    version = body.get("version")
    if not isinstance(version, str) or not version[:1].isdigit():
        msg = "'version' must be like '26.0.0'"
        raise LabError(msg)
    wanted = version_tuple(version)
    versions = [v for v in KNOWN_VERSIONS if version_tuple(v)[:2] <= wanted[:2]]
    versions = [v for v in versions if version_tuple(v) <= wanted] or versions
    if f"v{version}" not in versions:
        versions.append(f"v{version}")
    versions.sort(key=version_tuple)
    lab.state.system.version = version
    lab.state.scenario.api_versions = versions
    dropped = 0
    if body.get("drop"):
        server: RpcServer = next(v for v in request.app.values() if isinstance(v, RpcServer))
        dropped = server.drop_all()
    return ejson_response({"version": version, "api_versions": versions, "dropped": dropped})


@backup_routes.post("/control/backups/{kind}")
async def add_task(request: web.Request) -> web.Response:
    """``POST /control/backups/{kind}``: create a task (body: a scenario entry of that kind)."""
    lab = _lab(request)
    kind = request.match_info["kind"]
    body = await control_body(request)
    now = lab.now()
    if kind == "snapshot_task":
        task = parse_snapshot_task(_Reader(body, kind), max(lab.snapshot_tasks, default=0))
        lab.snapshot_tasks[task.id] = task
        lab.task_state[task.id] = {"state": "PENDING"}
        runtime = TaskRuntime(kind, task.id, Cron.parse(task.schedule), now)
    elif kind == "replication":
        rep = parse_replication(_Reader(body, kind), max(lab.replications, default=0))
        lab.replications[rep.id] = rep
        lab.replication_state[rep.id] = {"state": "PENDING", "warnings": []}
        lab.replication_job[rep.id] = None
        cron = Cron.parse(rep.schedule) if rep.schedule is not None else None
        runtime = TaskRuntime(kind, rep.id, cron, now, seconds=rep.seconds)
    elif kind == "cloudsync":
        sync = parse_cloudsync(_Reader(body, kind), max(lab.cloudsyncs, default=0))
        lab.cloudsyncs[sync.id] = sync
        lab.cloudsync_job[sync.id] = None
        runtime = TaskRuntime(kind, sync.id, Cron.parse(sync.schedule), now, seconds=sync.seconds)
    else:
        msg = f"no task kind {kind!r} (kinds: {', '.join(KINDS)})"
        raise LabError(msg, 404)
    if (kind, runtime.id) in lab.runtime:
        msg = f"{kind} {runtime.id} exists"
        raise LabError(msg, 409)
    lab.runtime[kind, runtime.id] = runtime
    return ejson_response({"id": runtime.id}, 201)


@backup_routes.delete("/control/backups/{kind}/{id}")
async def delete_task(request: web.Request) -> web.Response:
    """``DELETE /control/backups/{kind}/{id}``: delete a task (its snapshots stay)."""
    lab = _lab(request)
    runtime = _task_runtime(lab, request)
    if runtime.task is not None:
        runtime.task.cancel()
    del lab.runtime[runtime.kind, runtime.id]
    if runtime.kind == "snapshot_task":
        del lab.snapshot_tasks[runtime.id]
    elif runtime.kind == "replication":
        del lab.replications[runtime.id]
    else:
        del lab.cloudsyncs[runtime.id]
    return ejson_response({"ok": True})
