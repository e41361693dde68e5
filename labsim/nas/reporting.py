"""``reporting.realtime``: the event source behind the dashboard's live figures.

Subscribed as ``reporting.realtime`` or ``reporting.realtime:{"interval": N}`` (N >= 2, default
2; role ``REPORTING_READ``). Every ``interval`` seconds it sends an ``added`` event on the full
subscribed name whose ``fields`` are ``cpu``, ``disks``, ``interfaces``, ``memory``, ``zfs``
and (25.10 on) ``pools``; 25.04 adds ``failed_to_connect: false`` instead of ``pools``, as
``plugins/reporting/events.py`` and ``realtime_reporting/`` of each release build it. Values
follow the lab clock: smooth curves around the scenario's means, so a test that freezes the clock
gets the same figures twice.
"""

from __future__ import annotations

import json
import math
from typing import Any, Final

from labsim.events import Event
from labsim.parts import EVENT_SOURCES
from labsim.state import LabState

from .lab import NasLab, nas_of

MIN_INTERVAL: Final = 2


SAMPLE_STEP = 60.0


def _wave(t: float, period: float, phase: float = 0.0) -> float:
    """A smooth value in [-1, 1]: two sines, so the curve does not look periodic."""
    return 0.7 * math.sin(2 * math.pi * t / period + phase) + 0.3 * math.sin(
        2 * math.pi * t / (period / 3.7) + 2 * phase
    )


def _demand(kind: str, accesses: int, hits: int, hit: float) -> dict[str, int]:
    """The ARC's demand counters of one kind of read (``data`` or ``metadata``)."""
    return {
        f"demand_{kind}_hits_per_second": hits,
        f"demand_{kind}_io_hits_per_second": 0,
        f"demand_{kind}_misses_per_second": accesses - hits,
        f"demand_{kind}_hit_percentage": round(hit),
        f"demand_{kind}_io_hit_percentage": 0,
        f"demand_{kind}_miss_percentage": 100 - round(hit),
    }


def realtime_fields(lab: NasLab, box: tuple[int, ...]) -> dict[str, Any]:
    """One ``reporting.realtime`` payload at the lab clock's time."""
    # Whole minutes of lab time: figures change once a minute (the rate Home Assistant writes
    # them at), so a test that samples twice within a minute gets the same figures.
    t = SAMPLE_STEP * math.floor(lab.lab_seconds() / SAMPLE_STEP)
    spec = lab.section.reporting
    system = lab.state.system
    usage = max(0.5, min(100.0, spec.cpu * (1 + 0.6 * _wave(t, 180))))
    temp = (
        None if spec.cpu_temperature is None else round(spec.cpu_temperature + 4 * _wave(t, 300), 1)
    )
    cpu: dict[str, Any] = {"cpu": {"usage": round(usage, 2), "temp": temp}}
    for core in range(system.cores):
        core_usage = max(0.0, min(100.0, usage * (1 + 0.3 * _wave(t, 90, core))))
        cpu[f"cpu{core}"] = {"usage": round(core_usage, 2), "temp": temp}
    arc_size = spec.arc_size or int(system.physmem * 0.55)
    arc = int(arc_size * (1 + 0.02 * _wave(t, 900)))
    physmem = system.physmem
    hit = max(0.0, min(100.0, spec.arc_hit_ratio + 1.5 * _wave(t, 240, 1)))
    accesses = int(1800 * (1 + 0.5 * _wave(t, 120, 2)))
    data_hits = int(accesses * 0.7 * hit / 100)
    meta_hits = int(accesses * 0.3 * hit / 100)
    zfs = {
        "demand_accesses_per_second": accesses,
        "demand_data_accesses_per_second": int(accesses * 0.7),
        "demand_metadata_accesses_per_second": int(accesses * 0.3),
        **_demand("data", int(accesses * 0.7), data_hits, hit),
        **_demand("metadata", int(accesses * 0.3), meta_hits, hit),
        "l2arc_hits_per_second": 0,
        "l2arc_misses_per_second": 0,
        "total_l2arc_accesses_per_second": 0,
        "l2arc_access_hit_percentage": 0,
        "l2arc_miss_percentage": 0,
        "bytes_read_per_second_from_the_l2arc": 0,
        "bytes_written_per_second_to_the_l2arc": 0,
    }
    available = int(physmem - arc - physmem * 0.12 * (1 + 0.1 * _wave(t, 600)))
    memory = {
        "arc_size": arc,
        "arc_free_memory": int(physmem * 0.05),
        "arc_available_memory": max(0, available),
        "physical_memory_total": physmem,
        "physical_memory_available": max(0, available),
    }
    disks_busy = [d for d in lab.disks.values() if not d.standby]
    load = 1 + 0.5 * _wave(t, 150, 3)
    disks = {
        "read_ops": round(40 * len(disks_busy) * load, 2),
        "read_bytes": round(2.5e6 * len(disks_busy) * load, 2),
        "write_ops": round(25 * len(disks_busy) * load, 2),
        "write_bytes": round(1.2e6 * len(disks_busy) * load, 2),
        "busy": round(3.0 * load, 2) if disks_busy else 0,
    }
    interfaces = {
        iface.name: {
            "link_state": "LINK_STATE_UP",
            "speed": iface.speed,
            "received_bytes_rate": round(iface.rx * (1 + 0.4 * _wave(t, 60, i))),
            "sent_bytes_rate": round(iface.tx * (1 + 0.4 * _wave(t, 75, i + 1))),
        }
        for i, iface in enumerate(spec.interfaces)
    }
    fields: dict[str, Any] = {
        "zfs": zfs,
        "memory": memory,
        "cpu": cpu,
        "disks": disks,
        "interfaces": interfaces,
    }
    if box < (25, 10):
        fields["failed_to_connect"] = False
    else:
        fields["pools"] = {
            pool.name: {"available": pool.free, "used": pool.allocated, "total": pool.size}
            for pool in lab.state.pools.values()
            if not pool.boot
        }
    return fields


def _interval(name: str) -> int:
    _, _, args = name.partition(":")
    if not args:
        return MIN_INTERVAL
    try:
        return max(MIN_INTERVAL, int(json.loads(args).get("interval", MIN_INTERVAL)))
    except ValueError, AttributeError, TypeError:
        return MIN_INTERVAL


def start_realtime(state: LabState, name: str) -> None:
    """Start streaming for a subscription name (once per distinct name)."""
    lab = nas_of(state)
    task = lab.streams.get(name)
    if task is None or task.done():
        lab.streams[name] = state._spawn(_stream(lab, name, _interval(name)))  # noqa: SLF001


async def _stream(lab: NasLab, name: str, interval: int) -> None:
    while True:
        lab.state.emit(Event(name, "added", fields=realtime_fields(lab, lab.box())))
        await lab.sleep_lab(interval)


EVENT_SOURCES["reporting.realtime"] = start_realtime
