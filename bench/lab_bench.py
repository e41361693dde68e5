"""The benchmark, run by `scripts/bench` through pytest (for Home Assistant's test harness).

For each lab (seed, large): the simulator in its own thread, a real Home Assistant core with the
integration's four kinds of entries (TrueNAS, Ollama, Paperless-ngx with Paperless-AI, n8n),
both on one virtual clock (`bench.harness.SharedClock`). Then:

1. ten virtual minutes of steady state after a minute of warm-up: RPC calls and bytes the server
   sent per minute, snapshots the server enumerated and the server time charged for it, time on
   the event loop per refresh and per pushed frame, asyncio's slow-callback warnings;
2. latency from fault to Home Assistant state, 20 trials each: an app crashes, a job finishes,
   a pool degrades (from its alert), Paperless-ngx's queue jumps, Ollama loads a model;
3. peak memory of the integration's objects (tracemalloc, in a second set-up: tracing slows
   everything down, so it is kept out of the timings);
4. the baseline: a poller that reads everything every 60 s, a full snapshot listing included,
   the way popular integrations do;
5. outages of the TrueNAS server (a stall and a pulled cable): fault to `unavailable`, and
   server back to available (`bench.outages`);
6. bytes on the wire (issue 12): Home Assistant reaches the simulator's API port through a
   counting TCP proxy (`bench.wire`), and the steady state is measured a second time, for as
   long, on a socket without permessage-deflate: JSON, wire bytes and the simulator's CPU time
   per minute, with and without compression.

Then, in a Home Assistant of its own, the same lab with every optional part on
(`test_lab_all_on`): disk temperatures, a switch for every sharing service, and every entity that
is disabled by default enabled (network rates, memory free, ARC, load 5/15 min, app rates, the
power buttons, ...); its steady state is measured as above, for the side-by-side table.

Plus a check that snapshot enumeration does not depend on how many snapshots the NAS holds. The
last test prints the table and writes `bench/results.json`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
import contextlib
from dataclasses import dataclass
import gc
import json
import logging
import os
from pathlib import Path
import platform
import random
import statistics
import time
import tracemalloc
from typing import Any
from unittest.mock import patch

import aiohttp
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.event import async_track_state_change_event
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from bench.harness import (
    HttpBytes,
    LoopTimes,
    SharedClock,
    counted_http,
    percentile_summary,
    time_frames,
    time_stats_batches,
    timed,
    timed_refreshes,
)
from bench.outages import measure_outages
from bench.report import print_table, write_json
from bench.scenarios import archive_lab, large_lab, seed_lab
from bench.state_writes import counted_state_writes, per_day
from bench.wire import SimulatorCpu, WireCounter
from custom_components.homelab.clients.truenas import TrueNASClient
from custom_components.homelab.clients.truenas.backups import SnapshotFreshness, TrueNASBackups
import custom_components.homelab.clients.truenas.client as truenas_client
from custom_components.homelab.const import (
    CONF_ENTRY_TYPE,
    CONF_SSL,
    CONF_VERIFY_SSL,
    DOMAIN,
    EntryType,
)
from custom_components.homelab.nas.disks.options import CONF_DISK_TEMPERATURES, CONF_DISKS
from custom_components.homelab.nas.services.options import (
    CONF_SERVICE_SWITCHES,
    CONF_SERVICES,
    KNOWN_SERVICES,
)
from custom_components.homelab.pipeline.const import (
    CONF_AI_API_KEY,
    CONF_AI_URL,
    CONF_API_KEY,
    CONF_TOKEN,
    CONF_URL,
    DEFAULT_POLL_INTERVALS,
)
from labsim import LabSimulator, Scenario

RESULTS: dict[str, Any] = {}
STEADY_MINUTES = 10
TRIALS = int(os.environ.get("HOMELAB_BENCH_TRIALS", "20"))
OUTAGE_TRIALS = int(os.environ.get("HOMELAB_BENCH_OUTAGE_TRIALS", "5"))
BASELINE_MINUTES = {"seed": 10, "large": 3}
BASELINE_METHODS: list[tuple[str, list[Any]]] = [
    ("system.info", []),
    ("pool.query", []),
    ("pool.dataset.query", [[], {}]),
    ("pool.snapshot.query", [[], {}]),
    ("app.query", []),
    ("alert.list", []),
    ("pool.snapshottask.query", []),
    ("replication.query", []),
    ("cloudsync.query", []),
    ("core.get_jobs", []),
]
LABS: dict[str, Callable[[], Scenario]] = {"seed": seed_lab, "large": large_lab}
# The TrueNAS entry's options with every optional part on (the options form's sections):
# disk temperatures read, and a start/stop switch for every service `service.query` can list.
ALL_ON_OPTIONS: dict[str, Any] = {
    CONF_DISKS: {CONF_DISK_TEMPERATURES: True},
    CONF_SERVICES: {CONF_SERVICE_SWITCHES: sorted(KNOWN_SERVICES)},
}


@pytest.fixture(autouse=True)
def _integration(enable_custom_integrations: None, socket_enabled: None) -> None:
    """Load custom_components/ and allow loopback sockets."""


def _entries(
    sim: LabSimulator, scenario: Scenario, port: int, nas_options: dict[str, Any] | None = None
) -> list[MockConfigEntry]:
    user = scenario.users[0]
    sections = scenario.sections
    return [
        MockConfigEntry(
            domain=DOMAIN,
            title="nas",
            unique_id=scenario.system.host_id,
            options=nas_options or {},
            data={
                "host": "127.0.0.1",
                "port": port,
                CONF_SSL: True,
                CONF_VERIFY_SSL: False,
                "username": user.username,
                "api_key": user.api_key,
            },
        ),
        MockConfigEntry(
            domain=DOMAIN,
            title="Ollama",
            unique_id="ollama",
            data={
                CONF_ENTRY_TYPE: EntryType.OLLAMA.value,
                CONF_URL: sim.service_url("ollama"),
                CONF_VERIFY_SSL: True,
            },
        ),
        MockConfigEntry(
            domain=DOMAIN,
            title="Paperless-ngx",
            unique_id="paperless",
            data={
                CONF_ENTRY_TYPE: EntryType.PAPERLESS.value,
                CONF_URL: sim.service_url("paperless"),
                CONF_VERIFY_SSL: True,
                CONF_TOKEN: sections["paperless"].token,
                CONF_AI_URL: sim.service_url("paperless_ai"),
                CONF_AI_API_KEY: sections["paperless_ai"].api_key,
            },
        ),
        MockConfigEntry(
            domain=DOMAIN,
            title="n8n",
            unique_id="n8n",
            data={
                CONF_ENTRY_TYPE: EntryType.N8N.value,
                CONF_URL: sim.service_url("n8n"),
                CONF_VERIFY_SSL: True,
                CONF_API_KEY: sections["n8n"].api_key,
            },
        ),
    ]


async def _set_up(hass: HomeAssistant, entries: list[MockConfigEntry]) -> float:
    started = time.perf_counter()
    for entry in entries:
        if entry.entry_id not in {e.entry_id for e in hass.config_entries.async_entries()}:
            entry.add_to_hass(hass)
        if not await hass.config_entries.async_setup(entry.entry_id):
            msg = f"{entry.title} did not set up: {entry.state}"
            raise RuntimeError(msg)
    await hass.async_block_till_done()
    return time.perf_counter() - started


async def _unload(hass: HomeAssistant, entries: list[ConfigEntry[Any]]) -> None:
    for entry in entries:
        await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()


# ---------------------------------------------------------------- steady state


class Costs:
    """Wire bytes, the simulator's CPU and Home Assistant's loop CPU over a window."""

    def __init__(self, wire: WireCounter, cpu: SimulatorCpu) -> None:
        """Count with `wire` and `cpu`."""
        self.wire = wire
        self.cpu = cpu
        self._wire = (0, 0)
        self._cpu: dict[int, float] = {}
        self._loop = 0.0

    def start(self) -> None:
        """Start the window."""
        self._wire = self.wire.sample()
        self._cpu = self.cpu.sample()
        self._loop = time.thread_time()

    def stop(self, minutes: float) -> dict[str, Any]:
        """End the window: the figures per minute."""
        loop = time.thread_time() - self._loop
        cpu = SimulatorCpu.since(self._cpu, self.cpu.sample())
        down, up = self.wire.sample()
        return {
            "wire_bytes_per_min": round((down - self._wire[0]) / minutes),
            "wire_up_bytes_per_min": round((up - self._wire[1]) / minutes),
            "sim_cpu_s_per_min": round(cpu / minutes, 4),
            "ha_loop_cpu_s_per_min": round(loop / minutes, 4),
        }


def _compress(client: TrueNASClient) -> int | None:
    """The deflate window bits the client's socket negotiated (0: none)."""
    ws = client._ws  # noqa: SLF001
    return int(ws.compress) if ws is not None else None


async def _steady_state(
    hass: HomeAssistant,
    sim: LabSimulator,
    clock: SharedClock,
    times: LoopTimes,
    *,
    costs: Costs,
    client: TrueNASClient,
) -> dict[str, Any]:
    """A minute of warm-up, then ten virtual minutes measured."""
    http = HttpBytes()
    slow: list[logging.LogRecord] = []

    class SlowCallbacks(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            message = record.getMessage()
            # The bench's own task moves the clock: asyncio (debug mode) times its steps
            # with loop.time() and sees the jump. Every other callback is timed truly.
            if "Executing" in message and "lab_bench.py" not in message:
                slow.append(record)

    handler = SlowCallbacks(logging.WARNING)
    logging.getLogger("asyncio").addHandler(handler)
    try:
        await clock.advance(60)  # warm-up: first backup refresh, first stats sample
        times.clear()
        before = await sim.control("GET", "/control/stats")
        await sim.control("DELETE", "/control/snapshot_cost")
        await sim.control("DELETE", "/control/paperless/cost")
        slow.clear()
        real = time.perf_counter()
        costs.start()
        with counted_http(http), counted_state_writes(hass) as writes:
            await clock.advance(STEADY_MINUTES * 60)
        wire = costs.stop(STEADY_MINUTES)
        real = time.perf_counter() - real
        after = await sim.control("GET", "/control/stats")
        cost = await sim.control("GET", "/control/snapshot_cost")
        # Paperless-ngx: each answer charged the server time a real one takes (labsim.paperless).
        paperless = await sim.control("GET", "/control/paperless/cost")
    finally:
        logging.getLogger("asyncio").removeHandler(handler)
    minutes = STEADY_MINUTES
    calls = await sim.control("GET", "/control/calls")
    window = calls[-(after["rpc_calls"] - before["rpc_calls"]) :] if calls else []
    methods: dict[str, int] = {}
    for call in window:
        methods[call["method"]] = methods.get(call["method"], 0) + 1
    return {
        "virtual_minutes": minutes,
        "state_writes_per_day": per_day(writes, minutes),
        "real_seconds": round(real, 1),
        "rpc_calls_per_min": round((after["rpc_calls"] - before["rpc_calls"]) / minutes, 2),
        "bytes_per_min": round((after["bytes_sent"] - before["bytes_sent"]) / minutes),
        "compress": _compress(client),
        **wire,
        "events_per_min": round((after["events_sent"] - before["events_sent"]) / minutes, 1),
        "methods_per_10_min": dict(sorted(methods.items(), key=lambda item: -item[1])),
        "http_requests_per_min": round(http.requests / minutes, 1),
        "http_bytes_per_min": round(http.total / minutes),
        "snapshots_enumerated": cost["enumerated"],
        "snapshot_server_seconds": round(cost["server_seconds"], 3),
        "paperless_requests_per_poll": round(
            paperless["requests"] / (minutes * 60 / DEFAULT_POLL_INTERVALS[EntryType.PAPERLESS]), 2
        ),
        "paperless_server_s_per_min": round(paperless["server_seconds"] / minutes, 3),
        "loop": times.summary(),
        "slow_callback_warnings": len(slow),
        "slow_callbacks": [record.getMessage()[:300] for record in slow[:5]],
    }


async def _reconnect(
    sim: LabSimulator, clock: SharedClock, client: TrueNASClient, compress: int
) -> None:
    """Cut the TrueNAS socket; wait for the client to be back on one that negotiated `compress`."""
    await sim.control("POST", "/control/drop_connections")
    took = await clock.advance_until(lambda: client.connected and _compress(client) == compress, 60)
    if took is None:
        msg = f"the client did not reconnect (compress={compress})"
        raise RuntimeError(msg)


async def _uncompressed(
    sim: LabSimulator, clock: SharedClock, costs: Costs, client: TrueNASClient
) -> dict[str, Any]:
    """The steady state again, as long, on a socket without permessage-deflate.

    The client is made to offer no compression and its socket is cut; after it is back and a
    minute of warm-up, the same window as the steady state is measured. Then it reconnects with
    compression again, for the phases that follow.
    """
    with patch.object(truenas_client, "WS_COMPRESS", 0):
        await _reconnect(sim, clock, client, 0)
        await clock.advance(60)
        before = await sim.control("GET", "/control/stats")
        costs.start()
        await clock.advance(STEADY_MINUTES * 60)
        wire = costs.stop(STEADY_MINUTES)
        after = await sim.control("GET", "/control/stats")
        compress = _compress(client)
    await _reconnect(sim, clock, client, truenas_client.WS_COMPRESS)
    await clock.advance(60)
    minutes = STEADY_MINUTES
    return {
        "virtual_minutes": minutes,
        "rpc_calls_per_min": round((after["rpc_calls"] - before["rpc_calls"]) / minutes, 2),
        "bytes_per_min": round((after["bytes_sent"] - before["bytes_sent"]) / minutes),
        "compress": compress,
        **wire,
    }


# ---------------------------------------------------------------- latency


def _state(hass: HomeAssistant, entity_id: str) -> str | None:
    state = hass.states.get(entity_id)
    return state.state if state is not None else None


async def _wait_real(predicate: Callable[[], bool], limit: float = 10.0) -> None:
    deadline = time.perf_counter() + limit
    while not predicate():
        if time.perf_counter() > deadline:
            msg = "condition not met"
            raise TimeoutError(msg)
        await asyncio.sleep(0.001)


async def _state_latency(
    hass: HomeAssistant, entity_id: str, wanted: str, fault: Callable[[], Any]
) -> float:
    """Real seconds from just before `fault()` to `entity_id` reading `wanted`."""
    started, finished = await _state_times(hass, entity_id, wanted, fault)
    return finished - started


async def _state_times(
    hass: HomeAssistant, entity_id: str, wanted: str, fault: Callable[[], Any]
) -> tuple[float, float]:
    """When `fault()` was started, and when `entity_id` read `wanted` (perf_counter)."""
    reached = asyncio.get_running_loop().create_future()

    @callback
    def changed(event: Event[EventStateChangedData]) -> None:
        new = event.data["new_state"]
        if new is not None and new.state == wanted and not reached.done():
            reached.set_result(time.perf_counter())

    remove = async_track_state_change_event(hass, [entity_id], changed)
    try:
        started = time.perf_counter()
        await fault()
        finished: float = await asyncio.wait_for(reached, 10)
    finally:
        remove()
    return started, finished


async def _latencies(
    hass: HomeAssistant, sim: LabSimulator, clock: SharedClock, truenas: ConfigEntry[Any]
) -> dict[str, Any]:
    """Fault to state, `TRIALS` times each: three pushed faults, two polled services."""
    results: dict[str, list[float]] = {
        "app_crash": [],
        "job_finished": [],
        "pool_degraded": [],
        "paperless_queue": [],
        "ollama_load": [],
    }
    app_state = "sensor.nextcloud_state"
    for _ in range(TRIALS):
        await sim.control("POST", "/control/apps/nextcloud/state", {"state": "RUNNING"})
        await _wait_real(lambda: _state(hass, app_state) == "running")
        results["app_crash"].append(
            await _state_latency(
                hass,
                app_state,
                "crashed",
                lambda: sim.control("POST", "/control/apps/nextcloud/crash"),
            )
        )
    await sim.control("POST", "/control/apps/nextcloud/state", {"state": "RUNNING"})

    # A job finishing: from the simulator emitting its end to the integration knowing.
    apps = truenas.runtime_data.apps
    state = sim.state
    ended: dict[int, float] = {}
    emit_job = state._emit_job  # noqa: SLF001

    def recording_emit(job: Any, msg: str) -> None:
        emit_job(job, msg)
        if job.state in {"SUCCESS", "FAILED", "ABORTED"}:
            ended[job.id] = time.perf_counter()

    state._emit_job = recording_emit  # type: ignore[method-assign]  # noqa: SLF001
    try:
        for _ in range(TRIALS):
            job = await sim.control(
                "POST",
                "/control/jobs",
                {"method": "app.stop", "arguments": ["radicale"], "duration_seconds": 0.5},
            )
            await _wait_real(lambda: apps.busy_job("radicale") is not None)
            await _wait_real(lambda: apps.busy_job("radicale") is None)
            seen = time.perf_counter()
            results["job_finished"].append(seen - ended[job["id"]])
    finally:
        del state._emit_job  # type: ignore[method-assign]  # noqa: SLF001

    # A pool degrading: from the VolumeStatus alert to the pool's state.
    alerted: list[float] = []
    emit = state.emit

    def recording(event: Any) -> None:
        if event.collection == "alert.list" and event.msg == "added":
            fields = event.fields if isinstance(event.fields, dict) else {}
            if fields.get("klass") == "VolumeStatus":
                alerted.append(time.perf_counter())
        emit(event)

    state.emit = recording  # type: ignore[method-assign]
    try:
        for _ in range(TRIALS):
            alerted.clear()
            started, finished = await _state_times(
                hass,
                "sensor.tank_status",
                "degraded",
                lambda: sim.control(
                    "POST", "/control/pool/tank/disk/sdb/state", {"status": "FAULTED"}
                ),
            )
            results["pool_degraded"].append(finished - (alerted[0] if alerted else started))
            await sim.control("POST", "/control/pool/tank/disk/sdb/state", {"status": "ONLINE"})
            await _wait_real(lambda: _state(hass, "sensor.tank_status") == "online", 5)
    finally:
        del state.emit  # type: ignore[method-assign]

    # Polled services: latency in virtual time, from a random moment in the poll cycle.
    rng = random.Random(7)  # noqa: S311 - a reproducible phase, not cryptography
    queued = "sensor.paperless_ngx_queued_tasks"
    # Workers paused, so that the queue moves only by the jumps.
    await sim.control("POST", "/control/paperless/stall", {"stalled": True})
    await clock.advance(31, step=0.5)
    for _ in range(TRIALS):
        await clock.advance(rng.uniform(0, 30), step=0.25)
        before = float(_state(hass, queued) or 0)
        await sim.control("POST", "/control/paperless/consume", {"count": 5})
        took = await clock.advance_until(
            lambda before=before: float(_state(hass, queued) or 0) > before, 90
        )
        results["paperless_queue"].append(took if took is not None else float("inf"))
    await sim.control("POST", "/control/paperless/stall", {"stalled": False})
    ollama = next(
        e for e in hass.config_entries.async_entries(DOMAIN) if e.title == "Ollama"
    ).runtime_data.coordinator
    model = "gemma3:4b"

    def loaded() -> bool:
        data = ollama.data
        return data is not None and any(m.name == model for m in data.running.models)

    for _ in range(TRIALS):
        await sim.control("POST", "/control/ollama/unload", {"model": model})
        await clock.advance_until(lambda: not loaded(), 60)
        await clock.advance(rng.uniform(0, 15), step=0.25)
        await sim.control("POST", "/control/ollama/load", {"model": model})
        took = await clock.advance_until(loaded, 60)
        results["ollama_load"].append(took if took is not None else float("inf"))
    return {name: percentile_summary(values) for name, values in results.items()}


# ---------------------------------------------------------------- memory


async def _memory(
    hass: HomeAssistant, entries: list[MockConfigEntry], clock: SharedClock
) -> dict[str, Any]:
    """Peak size of what the integration's code allocated, over two virtual minutes."""
    tracemalloc.start(1)
    ours = [tracemalloc.Filter(inclusive=True, filename_pattern="*custom_components/homelab/*")]
    peak = 0
    try:
        await _set_up(hass, entries)
        for _ in range(4):
            await clock.advance(30)
            snapshot = tracemalloc.take_snapshot().filter_traces(ours)
            peak = max(peak, sum(stat.size for stat in snapshot.statistics("filename")))
        total_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return {"integration_peak_bytes": peak, "process_traced_peak_bytes": total_peak}


# ---------------------------------------------------------------- baseline


async def _baseline(
    hass: HomeAssistant, sim: LabSimulator, clock: SharedClock, scenario: Scenario, minutes: int
) -> dict[str, Any]:
    """Everything every 60 s, a full snapshot listing included (no subscriptions)."""
    session = async_get_clientsession(hass, verify_ssl=False)
    ws = await session.ws_connect(sim.url, ssl=False, max_msg_size=0)
    loop_times: list[float] = []
    ids = iter(range(1, 10**9))

    async def call(method: str, params: list[Any]) -> Any:
        call_id = next(ids)
        await ws.send_str(
            json.dumps({"jsonrpc": "2.0", "id": call_id, "method": method, "params": params})
        )
        while True:
            message = await ws.receive()
            if message.type is not aiohttp.WSMsgType.TEXT:
                msg = f"baseline socket: {message.type}"
                raise ConnectionError(msg)
            reply = json.loads(message.data)
            if reply.get("id") == call_id:
                return reply.get("result")

    async def poll() -> None:
        for method, params in BASELINE_METHODS:
            await call(method, params)

    try:
        user = scenario.users[0]
        login = {"mechanism": "API_KEY_PLAIN", "username": user.username, "api_key": user.api_key}
        await call("auth.login_ex", [login])
        before = await sim.control("GET", "/control/stats")
        await sim.control("DELETE", "/control/snapshot_cost")
        real = time.perf_counter()
        for _ in range(minutes):
            await timed(poll(), loop_times.append)
            await clock.advance(60, step=5)
        real = time.perf_counter() - real
        after = await sim.control("GET", "/control/stats")
        cost = await sim.control("GET", "/control/snapshot_cost")
    finally:
        await ws.close()
    return {
        "virtual_minutes": minutes,
        "real_seconds": round(real, 1),
        "rpc_calls_per_min": round((after["rpc_calls"] - before["rpc_calls"]) / minutes, 2),
        "bytes_per_min": round((after["bytes_sent"] - before["bytes_sent"]) / minutes),
        "snapshots_enumerated": cost["enumerated"],
        "snapshots_enumerated_per_min": round(cost["enumerated"] / minutes),
        "snapshot_server_seconds": round(cost["server_seconds"], 3),
        "snapshot_server_seconds_per_min": round(cost["server_seconds"] / minutes, 3),
        "loop": {
            "refreshes": len(loop_times),
            "refresh_max_ms": round(max(loop_times) * 1000, 2),
            "refresh_median_ms": round(statistics.median(loop_times) * 1000, 2),
        },
    }


# ---------------------------------------------------------------- the labs


@dataclass
class MeasuredLab:
    """A lab's simulator with the benchmark's clock, loop timer and wire and CPU counters."""

    scenario: Scenario
    sim: LabSimulator
    clock: SharedClock
    times: LoopTimes
    wire: WireCounter
    costs: Costs


@contextlib.contextmanager
def _measured_lab(hass: HomeAssistant, name: str, result: dict[str, Any]) -> Iterator[MeasuredLab]:
    """Run lab `name` with the counters; `result` gets the seconds it took."""
    started = time.perf_counter()
    scenario = LABS[name]()
    sim = LabSimulator(scenario).run_in_thread()
    clock = SharedClock(hass.loop, sim)
    wire = WireCounter(sim.port).start()
    try:
        yield MeasuredLab(scenario, sim, clock, LoopTimes(), wire, Costs(wire, SimulatorCpu(sim)))
    finally:
        gc.unfreeze()
        clock.close()
        wire.stop()
        sim.stop_thread()
    result["bench_seconds"] = round(time.perf_counter() - started, 1)


async def _set_up_measured(
    hass: HomeAssistant, lab: MeasuredLab, entries: list[MockConfigEntry], result: dict[str, Any]
) -> MockConfigEntry:
    """Set the entries up and start timing the TrueNAS entry's frames; its entry."""
    result["setup_seconds"] = round(await _set_up(hass, entries), 2)
    # The simulator's heap (100,000 snapshots) lives in this process: keep it out of the
    # collector, or its sweeps would be charged to Home Assistant's loop.
    gc.collect()
    gc.freeze()
    truenas = entries[0]
    time_frames(truenas.runtime_data.client, lab.times)
    time_stats_batches(truenas.runtime_data.apps, lab.times)
    return truenas


@pytest.mark.parametrize("name", list(LABS))
async def test_lab(hass: HomeAssistant, name: str) -> None:
    """Steady state, latency, memory and the baseline at one lab."""
    result: dict[str, Any] = {}
    with _measured_lab(hass, name, result) as lab:
        sim, clock = lab.sim, lab.clock
        summary = await sim.control("GET", "/control/backups")
        result["lab"] = {
            "apps": len(await sim.control("GET", "/control/apps")),
            "datasets": summary.get("datasets"),
            "snapshots": summary.get("snapshots"),
            "backup_tasks": sum(
                len(summary.get(kind, {}))
                for kind in ("snapshot_tasks", "replications", "cloudsyncs")
            ),
        }
        # Home Assistant reaches the API port through the counting proxy.
        entries = _entries(sim, lab.scenario, lab.wire.port)
        with timed_refreshes(lab.times):
            truenas = await _set_up_measured(hass, lab, entries, result)
            client = truenas.runtime_data.client
            result["steady"] = await _steady_state(
                hass, sim, clock, lab.times, costs=lab.costs, client=client
            )
            result["uncompressed"] = await _uncompressed(sim, clock, lab.costs, client)
            result["latency"] = await _latencies(hass, sim, clock, truenas)
            result["outages"] = await measure_outages(hass, sim, clock, client, OUTAGE_TRIALS)
        await _unload(hass, entries)
        result["memory"] = await _memory(hass, entries, clock)
        await _unload(hass, entries)
        result["baseline"] = await _baseline(hass, sim, clock, lab.scenario, BASELINE_MINUTES[name])
    RESULTS[name] = result


@contextlib.contextmanager
def _every_entity_enabled() -> Iterator[None]:
    """Register the integration's entities enabled, those disabled by default included.

    What a user gets by enabling each of them in the entity settings, without the reloads.
    """
    original = er.EntityRegistry.async_get_or_create

    def get_or_create(
        self: er.EntityRegistry, domain: str, platform: str, unique_id: str, **kwargs: Any
    ) -> er.RegistryEntry:
        if platform == DOMAIN:
            kwargs["disabled_by"] = None
        return original(self, domain, platform, unique_id, **kwargs)

    with patch.object(er.EntityRegistry, "async_get_or_create", get_or_create):
        yield


@pytest.mark.parametrize("name", list(LABS))
async def test_lab_all_on(hass: HomeAssistant, name: str) -> None:
    """The same lab's steady state with every optional part on (a Home Assistant of its own)."""
    result: dict[str, Any] = {"options": ALL_ON_OPTIONS}
    with _measured_lab(hass, name, result) as lab:
        entries = _entries(lab.sim, lab.scenario, lab.wire.port, ALL_ON_OPTIONS)
        with timed_refreshes(lab.times), _every_entity_enabled():
            truenas = await _set_up_measured(hass, lab, entries, result)
            registry = er.async_get(hass)
            ours = er.async_entries_for_config_entry(registry, truenas.entry_id)
            result["entities"] = len(ours)
            result["entities_disabled"] = sum(1 for e in ours if e.disabled_by is not None)
            result["steady"] = await _steady_state(
                hass,
                lab.sim,
                lab.clock,
                lab.times,
                costs=lab.costs,
                client=truenas.runtime_data.client,
            )
        await _unload(hass, entries)
    RESULTS.setdefault("all_on", {})[name] = result


async def test_snapshot_enumeration_is_independent_of_the_total(hass: HomeAssistant) -> None:
    """The same watched datasets on a NAS with 10,000 and with 100,000 more snapshots."""
    rows: dict[str, Any] = {}
    for total in (10_000, 100_000):
        scenario = archive_lab(total)
        sim = LabSimulator(scenario).run_in_thread()
        try:
            user = scenario.users[0]
            client = TrueNASClient(
                "127.0.0.1",
                port=sim.port,
                verify_ssl=False,
                username=user.username,
                api_key=user.api_key,
                session=async_get_clientsession(hass, verify_ssl=False),
            )
            await client.connect()
            try:
                api = await TrueNASBackups.detect(client, software_version=scenario.system.version)
                freshness = SnapshotFreshness(api)
                watched = await api.datasets(["*/applications/*"])
                refreshes = []
                for _ in range(3):
                    await sim.control("DELETE", "/control/snapshot_cost")
                    await freshness.refresh(watched)
                    cost = await sim.control("GET", "/control/snapshot_cost")
                    refreshes.append(
                        {
                            "enumerated": cost["enumerated"],
                            "server_seconds": round(cost["server_seconds"], 4),
                        }
                    )
            finally:
                await client.close()
            summary = await sim.control("GET", "/control/backups")
            rows[str(total)] = {
                "snapshots_on_nas": summary.get("snapshots"),
                "watched_datasets": len(watched),
                "refreshes": refreshes,
            }
        finally:
            sim.stop_thread()
    small, large = rows["10000"]["refreshes"], rows["100000"]["refreshes"]
    rows["independent"] = [r["enumerated"] for r in small] == [r["enumerated"] for r in large]
    RESULTS["enumeration"] = rows


def test_zz_report() -> None:
    """Print the table and write bench/results.json."""
    RESULTS["machine"] = {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
    }
    path = Path(__file__).parent / "results.json"
    write_json(RESULTS, path)
    print_table(RESULTS)
