"""Fuzzing the TrueNAS client: every model parser, every typed helper of the client and of the
backups API, the error mapping and the frame reader. Whatever the server sends, a parser either
returns its model or raises `TrueNASInvalidResponseError` (the helpers: any `TrueNASError`);
nothing else escapes, and what the entities read from a parsed model does not raise either.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import contextlib
from datetime import UTC, datetime
from functools import cache
import json
from typing import Any

from hypothesis import given, strategies as st
import pytest

from custom_components.homelab.clients.truenas import (
    Alert,
    App,
    AppStats,
    Event,
    Job,
    Pool,
    PoolScan,
    SystemInfo,
    TrueNASCallError,
    TrueNASClient,
    TrueNASError,
    TrueNASInvalidResponseError,
    Vdev,
)
from custom_components.homelab.clients.truenas.apps import Container
from custom_components.homelab.clients.truenas.backups import (
    METHODS_BY_VERSION,
    CloudSyncTask,
    ReplicationProgress,
    ReplicationTask,
    Snapshot,
    SnapshotFreshness,
    SnapshotTask,
    TaskJob,
    TrueNASBackups,
    parse_version,
)
from custom_components.homelab.clients.truenas.client import _call_error
from custom_components.homelab.clients.truenas.schedule import Schedule
from labsim.apps import apps_of
from labsim.backups import backups_of
from labsim.state import LabState
from tests.conftest import seed_scenario

from .strategies import JSON, mutated, raises_only, wire

INVALID = TrueNASInvalidResponseError
pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")


@cache
def samples() -> dict[str, Any]:
    """Real payloads of the seed lab, as a client receives them."""
    state = LabState(seed_scenario())
    apps = apps_of(state)
    backups = backups_of(state)
    pool = state.pool_entries()[0]
    return wire(
        {
            "system": state.system_info(),
            "pool": pool,
            "vdev": pool["topology"]["data"][0],
            "scan": pool["scan"],
            "alert": state.alert_entries()[0],
            "job": apps.state.job_entry(
                state.start_job.__self__.jobs.get(1)  # type: ignore[attr-defined]
            )
            if state.jobs.get(1)
            else {
                "id": 7,
                "method": "app.start",
                "arguments": ["nextcloud"],
                "state": "RUNNING",
                "progress": {"percent": 10, "description": "Starting"},
                "time_started": {"$date": 1793534401000},
            },
            "app": apps.entry(apps.apps["paperless-ngx"]),
            "stats": apps.stats(10)[0],
            "snapshot_task": backups.snapshot_task_entry(backups.snapshot_tasks[1]),
            "replication": backups.replication_entry(backups.replications[1]),
            "cloudsync": backups.cloudsync_entry(backups.cloudsyncs[2]),
            "snapshot": {
                "id": "tank/applications@auto-2026-11-01_12-00",
                "name": "tank/applications@auto-2026-11-01_12-00",
                "dataset": "tank/applications",
                "createtxg": "123456",
                "properties": {
                    "creation": {"rawvalue": "1793534400", "parsed": {"$date": 1793534400000}}
                },
            },
            "resource": {
                "name": "tank/applications",
                "properties": {"snapshots_changed": {"raw": "1793534400", "value": 1793534400}},
            },
            "event": {
                "msg": "changed",
                "collection": "app.query",
                "id": "nextcloud",
                "fields": {"state": "RUNNING"},
            },
        }
    )


def sample(name: str) -> st.SearchStrategy[Any]:
    return mutated(samples()[name])


# ---------------------------------------------------------------- models


def _read_pool(pool: Pool) -> None:
    """What the pool entities read."""
    _ = (pool.used_percent, pool.read_errors, pool.write_errors, pool.checksum_errors)
    _ = (pool.disks_not_online, list(pool.disks()), pool.with_scan(pool.scan))


MODELS: dict[str, tuple[Callable[[Any], Any], Callable[[Any], None]]] = {
    "system": (SystemInfo.from_dict, lambda _m: None),
    "pool": (Pool.from_dict, _read_pool),
    "vdev": (Vdev.from_dict, lambda v: list(v.leaves())),
    "scan": (PoolScan.from_dict, lambda _m: None),
    "alert": (Alert.from_dict, lambda a: a.is_critical),
    "job": (Job.from_dict, lambda j: j.finished),
    "app": (App.from_dict, lambda a: (a.containers_running, a.first_portal)),
    "stats": (AppStats.from_dict, lambda _m: None),
    "snapshot_task": (
        SnapshotTask.from_dict,
        lambda t: (t.covers("tank/applications/x"), t.schedule and t.schedule.longest_gap()),
    ),
    "replication": (
        ReplicationTask.from_dict,
        lambda r: [s.longest_gap() for s in r.schedules] + [r.progress and r.progress.percent],
    ),
    "cloudsync": (CloudSyncTask.from_dict, lambda c: c.schedule and c.schedule.longest_gap()),
    "snapshot": (Snapshot.from_dict, lambda _m: None),
    "event": (Event.from_params, lambda _m: None),
}


def _check_model(name: str, payload: Any) -> None:
    parse, read = MODELS[name]
    model = raises_only(lambda: parse(payload), INVALID)
    if model is not None:
        read(model)


@given(name=st.sampled_from(sorted(MODELS)), data=st.data())
def test_models_on_mutated_payloads(name: str, data: st.DataObject) -> None:
    _check_model(name, data.draw(sample(name)))


@given(name=st.sampled_from(sorted(MODELS)), payload=JSON)
def test_models_on_arbitrary_json(name: str, payload: Any) -> None:
    _check_model(name, payload)


@given(payload=JSON)
def test_small_models(payload: Any) -> None:
    for parse in (
        Container.from_dict,
        TaskJob.from_dict,
        ReplicationProgress.from_dict,
        Schedule.from_dict,
    ):
        model = raises_only(lambda parse=parse: parse(payload), INVALID)
        if isinstance(model, Schedule):
            model.longest_gap()
        if isinstance(model, ReplicationProgress):
            _ = model.percent


@given(
    schedule=st.fixed_dictionaries(
        {},
        optional={
            key: st.sampled_from(["*", "0", "*/15", "1-5", "mon,wed", "*/0", "99", "a-b", "7"])
            | st.text(max_size=6)
            | st.integers(-5, 100)
            for key in ("minute", "hour", "dom", "month", "dow")
        }
        | {"begin": st.sampled_from(["00:00", "23:59", "25:99", "x"]), "end": st.text(max_size=5)},
    )
)
def test_schedules(schedule: dict[str, Any]) -> None:
    """Any cron-ish schedule: a gap or None, never an exception."""
    gap = Schedule.from_dict(schedule).longest_gap()
    assert gap is None or gap.total_seconds() >= 0


@given(error=JSON | sample("event"))
def test_error_objects_map_to_call_errors(error: Any) -> None:
    assert isinstance(_call_error(error), TrueNASCallError)


@given(text=st.text(max_size=40) | JSON.map(json.dumps))
def test_frame_reader_takes_anything(text: str) -> None:
    """Whatever frame arrives, the reader logs or ignores it; it never raises."""

    async def read() -> None:
        # In an event loop, as the reader always is (replies stamp the loop's time).
        client = TrueNASClient("127.0.0.1", username="u", api_key="k", session=None)  # type: ignore[arg-type]
        client._handle_text(text)
        client._handle_text(json.dumps({"jsonrpc": "2.0", "id": 1, "result": text}))
        client._handle_text(
            json.dumps({"jsonrpc": "2.0", "method": "collection_update", "params": {"x": text}})
        )

    asyncio.run(read())


@given(text=st.text(max_size=30))
def test_version_strings(text: str) -> None:
    version = parse_version(text)
    assert version is None or len(version) == 2


# ---------------------------------------------------------------- client helpers


class FakeClient(TrueNASClient):
    """A client whose every call answers what the test draws."""

    def __init__(self, answer: Callable[[str], Any]) -> None:
        super().__init__("127.0.0.1", username="u", api_key="k", session=None)  # type: ignore[arg-type]
        self.answer = answer
        self.api_version = "v25.10.2"

    async def call(  # type: ignore[override]
        self, method: str, params: list[Any] | None = None, **_kwargs: Any
    ) -> Any:
        return self.answer(method)


def _answers(data: st.DataObject) -> Callable[[str], Any]:
    def answer(method: str) -> Any:
        name = {
            "system.info": "system",
            "pool.query": "pool",
            "app.query": "app",
            "alert.list": "alert",
            "core.get_jobs": "job",
            "pool.snapshottask.query": "snapshot_task",
            "replication.query": "replication",
            "cloudsync.query": "cloudsync",
            "zfs.resource.query": "resource",
        }.get(method)
        if name is not None:
            item = sample(name)
            return data.draw(st.lists(item, max_size=3) | item | JSON, label=method)
        if "snapshot" in method:
            item = sample("snapshot")
            return data.draw(st.lists(item, max_size=3) | item | JSON, label=method)
        return data.draw(JSON, label=method)

    return answer


def _helpers(client: FakeClient) -> dict[str, Callable[[], Awaitable[Any]]]:
    helpers: dict[str, Callable[[], Awaitable[Any]]] = {
        "system_info": client.system_info,
        "pools": client.pools,
        "apps": client.apps,
        "alerts": client.alerts,
        "host_id": client.host_id,
        "get_job": lambda: client.get_job(1),
        "start_app": lambda: client.start_app("x"),
    }
    datasets = ["tank/applications", "tank/applications/n8n"]
    for methods in METHODS_BY_VERSION:
        b = TrueNASBackups(client, methods)
        level = ".".join(map(str, methods.level))
        helpers |= {
            f"{level} snapshot_tasks": b.snapshot_tasks,
            f"{level} replication_tasks": b.replication_tasks,
            f"{level} cloud_sync_tasks": b.cloud_sync_tasks,
            f"{level} datasets": lambda b=b: b.datasets(["*/applications/*"]),
            f"{level} snapshots_changed": lambda b=b: b.snapshots_changed(datasets),
            f"{level} snapshot": lambda b=b: b.snapshot("tank/applications@x"),
            f"{level} create_snapshot": lambda b=b: b.create_snapshot(
                "tank/a", "x", recursive=False
            ),
            f"{level} freshness": lambda b=b: SnapshotFreshness(b).refresh(datasets),
        }
        if methods.snapshot_query is not None:
            helpers[f"{level} snapshot_names"] = lambda b=b: b.snapshot_names(datasets)
        if methods.resource_snapshots:
            helpers[f"{level} snapshots"] = lambda b=b: b.snapshots(datasets, min_txg=5)
            helpers[f"{level} snapshot_counts"] = lambda b=b: b.snapshot_counts(datasets)
    return helpers


HELPERS = sorted(_helpers(FakeClient(lambda _method: None)))


async def _run_helper(client: FakeClient, name: str) -> None:
    with contextlib.suppress(TrueNASError):
        await _helpers(client)[name]()


@given(name=st.sampled_from(HELPERS), data=st.data())
def test_client_helpers_raise_only_client_errors(name: str, data: st.DataObject) -> None:
    """Every typed helper, on whatever the server answers: a model or a `TrueNASError`."""
    asyncio.run(_run_helper(FakeClient(_answers(data)), name))


def test_samples_parse() -> None:
    """The unmutated samples are valid (so the mutations start from real payloads)."""
    for name, (parse, read) in MODELS.items():
        read(parse(samples()[name]))
    assert datetime.now(UTC).year >= 2026
