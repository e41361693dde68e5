"""The benchmark's table, its targets, and its JSON file."""

from __future__ import annotations

from collections.abc import Callable
import json
from pathlib import Path
from typing import Any

TARGETS = {
    "rpc_calls_per_min": 10,
    "bytes_per_min": 200 * 1024,
    "refresh_max_ms": 20.0,
    "push_median_s": 1.0,
    "paperless_server_s_per_min": 0.5,
    "outage_unavailable_s": 15.0,
    "outage_available_s": 5.0,
    "seed_state_writes_per_day": 50_000,
}
PUSH = ("app_crash", "job_finished", "pool_degraded")
POLLED = ("paperless_queue", "ollama_load")


def targets(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each target: the figure measured and whether it is met."""
    latency = {
        name: trials
        for lab in ("seed", "large")
        for name, trials in results.get(lab, {}).get("latency", {}).items()
    }
    worst_push = max(
        (results[lab]["latency"][name]["median"] for lab in ("seed", "large") if lab in results
         for name in PUSH),
        default=0.0,
    )  # fmt: skip
    enumeration = results.get("enumeration", {})
    paperless_cost = max(
        (results[lab]["steady"].get("paperless_server_s_per_min", 0.0) for lab in ("seed", "large")
         if lab in results),
        default=0.0,
    )  # fmt: skip
    paperless_requests = max(
        (results[lab]["steady"].get("paperless_requests_per_poll", 0.0)
         for lab in ("seed", "large") if lab in results),
        default=0.0,
    )  # fmt: skip
    outages = [
        trials
        for lab in ("seed", "large")
        for trials in results.get(lab, {}).get("outages", {}).values()
    ]
    worst_unavailable = max((o["to_unavailable"]["max"] for o in outages), default=0.0)
    worst_available = max((o["to_available"]["max"] for o in outages), default=0.0)
    seed_writes = (
        results.get("seed", {}).get("steady", {}).get("state_writes_per_day", {}).get("total", 0)
    )
    defaults = {lab: results[lab] for lab in ("seed", "large") if lab in results}
    return {
        **_steady_targets(defaults),
        **_steady_targets(results.get("all_on", {}), ", every optional part on"),
        "push faults visible in <= 1 s (median, worst of app crash/job/pool)": {
            "measured": f"{worst_push:.3f} s",
            "met": bool(latency) and worst_push <= TARGETS["push_median_s"],
        },
        "silent/stalled server unavailable in <= 15 s (max, stall and drop)": {
            "measured": f"{worst_unavailable:.1f} s",
            "met": bool(outages) and worst_unavailable <= TARGETS["outage_unavailable_s"],
        },
        "data back <= 5 s after the server answers (max, stall and drop)": {
            "measured": f"{worst_available:.1f} s",
            "met": bool(outages) and worst_available <= TARGETS["outage_available_s"],
        },
        "<= 0.5 s Paperless-ngx server time/min (modelled, worst lab)": {
            "measured": f"{paperless_cost:.3f} s/min; {paperless_requests} requests/poll",
            "met": paperless_cost <= TARGETS["paperless_server_s_per_min"],
        },
        "<= 50,000 state writes/day (seed lab, all entries)": {
            "measured": f"{seed_writes:,} /day",
            "met": 0 < seed_writes <= TARGETS["seed_state_writes_per_day"],
        },
        "snapshot enumeration independent of the total count": {
            "measured": _enumeration_text(enumeration),
            "met": bool(enumeration.get("independent")),
        },
    }


# The document pipeline's coordinators; every other one is the TrueNAS entry's (pools, apps,
# backups, and the NAS's own devices: disks, VMs, services, update, certificates).
PIPELINE_COORDINATORS = (
    "OllamaCoordinator",
    "PaperlessCoordinator",
    "PaperlessAICoordinator",
    "N8nCoordinator",
)


def _steady_targets(labs: dict[str, Any], also: str = "") -> dict[str, dict[str, Any]]:
    """RPC calls and bytes at the large lab, and loop time at both, of one set of runs."""
    steady = labs.get("large", {}).get("steady", {})
    worst_refresh = max(
        (row["steady"]["loop"]["refresh_max_ms"] for row in labs.values() if "steady" in row),
        default=0.0,
    )
    return {
        f"<= 10 RPC calls/min (large lab{also})": {
            "measured": steady.get("rpc_calls_per_min"),
            "met": steady.get("rpc_calls_per_min", 1e9) <= TARGETS["rpc_calls_per_min"],
        },
        f"<= 200 KB/min received (large lab{also})": {
            "measured": f"{steady.get('bytes_per_min', 0) / 1024:.1f} KB/min of JSON; "
            f"{steady.get('wire_bytes_per_min', 0) / 1024:.1f} KB/min on the wire",
            "met": steady.get("bytes_per_min", 1e12) <= TARGETS["bytes_per_min"],
        },
        f"<= 20 ms event-loop time per refresh (max, both labs{also})": {
            "measured": f"{worst_refresh} ms; " + _refresh_split(labs),
            "met": bool(labs) and worst_refresh <= TARGETS["refresh_max_ms"],
        },
    }


def _refresh_split(results: dict[str, Any]) -> str:
    """The worst refresh of the TrueNAS coordinators and of the pipeline's, apart."""
    truenas: list[float] = []
    pipeline: dict[str, float] = {}
    for lab in ("seed", "large"):
        for name, row in (
            results.get(lab, {}).get("steady", {}).get("loop", {}).get("by_coordinator", {}).items()
        ):
            if name in PIPELINE_COORDINATORS:
                pipeline[name] = max(pipeline.get(name, 0.0), row["max_ms"])
            else:
                truenas.append(row["max_ms"])
    worst = max(pipeline.items(), key=lambda item: item[1], default=("-", 0.0))
    return (
        f"TrueNAS coordinators max {max(truenas, default=0.0)} ms; "
        f"pipeline max {worst[1]} ms ({worst[0]})"
    )


def _enumeration_text(enumeration: dict[str, Any]) -> str:
    parts = []
    for total in ("10000", "100000"):
        row = enumeration.get(total)
        if row:
            counts = "/".join(str(r["enumerated"]) for r in row["refreshes"])
            parts.append(f"{row['snapshots_on_nas']:,} on NAS: {counts}")
    return "; ".join(parts)


def _uncompressed(result: dict[str, Any], key: str, form: Callable[[Any], object]) -> str:
    """A figure of the run without permessage-deflate, or "-"."""
    value = result.get("uncompressed", {}).get(key)
    return "-" if value is None else str(form(value))


def _row(label: str, *values: Any) -> str:
    return f"  {label:<44}" + "".join(f"{value!s:>16}" for value in values)


def print_table(results: dict[str, Any]) -> None:
    """The figures, side by side for both labs and the baseline."""
    labs = [lab for lab in ("seed", "large") if lab in results]
    print()  # noqa: T201
    print("Home Lab benchmark" + " " * 30 + "".join(f"{h:>16}" for h in _headers(labs)))  # noqa: T201
    lines = [
        ("lab: apps / datasets", lambda r: f"{r['lab']['apps']}/{r['lab']['datasets']}", None),
        ("lab: snapshots / backup tasks",
         lambda r: f"{r['lab']['snapshots']:,}/{r['lab']['backup_tasks']}", None),
        ("RPC calls / min", lambda r: r["steady"]["rpc_calls_per_min"],
         lambda b: b["rpc_calls_per_min"]),
        ("KB received / min (TrueNAS socket, JSON)",
         lambda r: _kb(r["steady"]["bytes_per_min"]), lambda b: _kb(b["bytes_per_min"])),
        ("  on the wire, deflate (TCP payload)",
         lambda r: _kb(r["steady"].get("wire_bytes_per_min", 0)), None),
        ("  JSON in the no-deflate run", lambda r: _uncompressed(r, "bytes_per_min", _kb), None),
        ("  on the wire, no deflate (TCP payload)",
         lambda r: _uncompressed(r, "wire_bytes_per_min", _kb), None),
        ("  HA -> NAS on the wire, deflate / none",
         lambda r: f"{_kb(r['steady'].get('wire_up_bytes_per_min', 0))} / "
                   f"{_uncompressed(r, 'wire_up_bytes_per_min', _kb)}", None),
        ("simulator CPU s / min, deflate / none",
         lambda r: f"{r['steady'].get('sim_cpu_s_per_min', 0):.3f} / "
                   f"{_uncompressed(r, 'sim_cpu_s_per_min', lambda v: f'{v:.3f}')}", None),
        ("HA loop CPU s / min, deflate / none",
         lambda r: f"{r['steady'].get('ha_loop_cpu_s_per_min', 0):.3f} / "
                   f"{_uncompressed(r, 'ha_loop_cpu_s_per_min', lambda v: f'{v:.3f}')}", None),
        ("HTTP KB / min (pipeline services)", lambda r: _kb(r["steady"]["http_bytes_per_min"]),
         None),
        ("snapshots enumerated (10 min)", lambda r: r["steady"]["snapshots_enumerated"],
         lambda b: round(b["snapshots_enumerated_per_min"] * 10)),
        ("snapshot server time (s, 10 min)", lambda r: r["steady"]["snapshot_server_seconds"],
         lambda b: round(b["snapshot_server_seconds_per_min"] * 10, 1)),
        ("Paperless-ngx requests / poll",
         lambda r: r["steady"].get("paperless_requests_per_poll"), None),
        ("Paperless-ngx server s / min (modelled)",
         lambda r: r["steady"].get("paperless_server_s_per_min"), None),
        ("loop ms / refresh (max)", lambda r: r["steady"]["loop"]["refresh_max_ms"],
         lambda b: b["loop"]["refresh_max_ms"]),
        ("loop ms / refresh (median)", lambda r: r["steady"]["loop"]["refresh_median_ms"],
         lambda b: b["loop"]["refresh_median_ms"]),
        ("loop ms / pushed frame (max)", lambda r: r["steady"]["loop"]["frame_max_ms"], None),
        ("loop ms / stats sensor batch (max)",
         lambda r: r["steady"]["loop"]["stats_batch_max_ms"], None),
        ("slow-callback warnings", lambda r: r["steady"]["slow_callback_warnings"], None),
        ("peak memory of the integration (KiB)",
         lambda r: round(r["memory"]["integration_peak_bytes"] / 1024), None),
    ]  # fmt: skip
    for label, ours, baseline in lines:
        values = []
        for lab in labs:
            values.append(ours(results[lab]))
            values.append(baseline(results[lab]["baseline"]) if baseline else "-")
        print(_row(label, *values))  # noqa: T201
    print()  # noqa: T201
    print("  Latency, fault to Home Assistant state: median / max over trials (s)")  # noqa: T201
    for name in (*PUSH, *POLLED):
        values = []
        for lab in labs:
            trial = results[lab]["latency"][name]
            values.append(f"{trial['median']:.3f} / {trial['max']:.3f}")
        kind = "push" if name in PUSH else "polled"
        print(_row(f"{name} ({kind})", *values))  # noqa: T201
    print()  # noqa: T201
    print("  TrueNAS outages: median / max over trials (s)")  # noqa: T201
    for fault in ("stall", "drop"):
        for figure, label in (("to_unavailable", "-> unavailable"), ("to_available", "back ->")):
            values = []
            for lab in labs:
                trial = results[lab].get("outages", {}).get(fault, {}).get(figure)
                values.append(f"{trial['median']:.1f} / {trial['max']:.1f}" if trial else "-")
            print(_row(f"{fault} {label}", *values))  # noqa: T201
    print()  # noqa: T201
    print("  State writes per day (recorder rows), by entity kind")  # noqa: T201
    kinds: dict[str, None] = {}
    for lab in labs:
        kinds.update(dict.fromkeys(results[lab]["steady"].get("state_writes_per_day", {})))
    for kind in kinds:
        values = []
        for lab in labs:
            values.extend([results[lab]["steady"].get("state_writes_per_day", {}).get(kind, 0), ""])
        print(_row(kind, *values))  # noqa: T201
    print()  # noqa: T201
    print("  The same lab, defaults and every optional part on (steady state)")  # noqa: T201
    side = defaults_and_all_on(results)
    if side:
        heads = [f"{lab} {who}" for lab in side for who in ("defaults", "all on")]
        print(" " * 46 + "".join(f"{h:>16}" for h in heads))  # noqa: T201
        for label in next(iter(side.values())):
            print(_row(label, *(v for lab in side for v in side[lab][label])))  # noqa: T201
    print()  # noqa: T201
    print("  TrueNAS socket, NAS -> HA, per minute: permessage-deflate and without")  # noqa: T201
    for name, row in wire(results).items():
        print(  # noqa: T201
            f"    {name}: JSON {row['json_kb_per_min']} KB; wire {row['wire_kb_per_min']} KB "
            f"with deflate, {row['plain_wire_kb_per_min']} KB without "
            f"({row['plain_over_deflate']}x); simulator CPU {row['sim_cpu_s_per_min']} s with, "
            f"{row['plain_sim_cpu_s_per_min']} s without"
        )
    print()  # noqa: T201
    print("  Ratios, baseline / ours")  # noqa: T201
    for lab in labs:
        for key, text in ratios(results[lab]).items():
            print(f"    {lab}: {key}: {text}")  # noqa: T201
    print()  # noqa: T201
    print("  Targets")  # noqa: T201
    for name, target in targets(results).items():
        mark = "met" if target["met"] else "MISSED"
        print(f"    [{mark:>6}] {name}: {target['measured']}")  # noqa: T201
    machine = results.get("machine", {})
    print(f"\n  Machine: {machine}")  # noqa: T201


def _costs(steady: dict[str, Any]) -> dict[str, Any]:
    loop = steady.get("loop", {})
    return {
        "RPC calls / min": steady.get("rpc_calls_per_min"),
        "KB / min received (JSON)": _kb(steady.get("bytes_per_min", 0)),
        "KB / min received (on the wire)": _kb(steady.get("wire_bytes_per_min", 0)),
        "loop ms / refresh (max)": loop.get("refresh_max_ms"),
        "loop ms / refresh (median)": loop.get("refresh_median_ms"),
        "loop ms / pushed frame (max)": loop.get("frame_max_ms"),
        "state writes / day": f"{steady.get('state_writes_per_day', {}).get('total', 0):,}",
        # A reconnect inside the window (a log-in) rewrites every entity twice: say so.
        "reconnects in the window": steady.get("methods_per_10_min", {}).get("auth.login_ex", 0),
    }


def defaults_and_all_on(results: dict[str, Any]) -> dict[str, dict[str, tuple[Any, Any]]]:
    """Per lab measured both ways: each figure with the defaults and with everything on."""
    rows: dict[str, dict[str, tuple[Any, Any]]] = {}
    for lab in ("seed", "large"):
        defaults = results.get(lab, {}).get("steady")
        all_on = results.get("all_on", {}).get(lab, {}).get("steady")
        if defaults is None or all_on is None:
            continue
        ours, theirs = _costs(defaults), _costs(all_on)
        rows[lab] = {label: (ours[label], theirs[label]) for label in ours}
    return rows


def ratios(result: dict[str, Any]) -> dict[str, str]:
    """Baseline divided by ours, per figure."""
    steady, baseline = result["steady"], result["baseline"]

    def ratio(ours: float, theirs: float) -> str:
        return f"{theirs / ours:.0f}x" if ours else f"{theirs} vs 0"

    return {
        "RPC calls/min": ratio(steady["rpc_calls_per_min"], baseline["rpc_calls_per_min"]),
        "bytes/min": ratio(steady["bytes_per_min"], baseline["bytes_per_min"]),
        "snapshots enumerated/min": ratio(
            steady["snapshots_enumerated"] / steady["virtual_minutes"],
            baseline["snapshots_enumerated_per_min"],
        ),
        "loop ms per refresh (max)": ratio(
            steady["loop"]["refresh_max_ms"], baseline["loop"]["refresh_max_ms"]
        ),
    }


def wire(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per lab: JSON and wire KB/min, with and without deflate, and the simulator's CPU."""
    rows: dict[str, dict[str, Any]] = {}
    for lab in ("seed", "large"):
        steady = results.get(lab, {}).get("steady", {})
        plain = results.get(lab, {}).get("uncompressed", {})
        if "wire_bytes_per_min" not in steady or not plain:
            continue
        deflate, none = steady["wire_bytes_per_min"], plain["wire_bytes_per_min"]
        rows[lab] = {
            "json_kb_per_min": round(steady["bytes_per_min"] / 1024, 1),
            "wire_kb_per_min": round(deflate / 1024, 1),
            "plain_json_kb_per_min": round(plain["bytes_per_min"] / 1024, 1),
            "plain_wire_kb_per_min": round(none / 1024, 1),
            "plain_over_deflate": round(none / deflate, 1) if deflate else None,
            "sim_cpu_s_per_min": steady["sim_cpu_s_per_min"],
            "plain_sim_cpu_s_per_min": plain["sim_cpu_s_per_min"],
            "ha_loop_cpu_s_per_min": steady["ha_loop_cpu_s_per_min"],
            "plain_ha_loop_cpu_s_per_min": plain["ha_loop_cpu_s_per_min"],
        }
    return rows


def _headers(labs: list[str]) -> list[str]:
    return [f"{lab} {who}" for lab in labs for who in ("ours", "baseline")]


def _kb(value: float) -> str:
    return f"{value / 1024:.1f}"


def write_json(results: dict[str, Any], path: Path) -> None:
    """The results, the targets and the ratios."""
    document = {
        **results,
        "targets": targets(results),
        "wire": wire(results),
        "defaults_and_all_on": defaults_and_all_on(results),
        "ratios": {lab: ratios(results[lab]) for lab in ("seed", "large") if lab in results},
    }
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")
