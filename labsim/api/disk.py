"""``disk`` and ``smart.test``: the disks, their temperatures and SMART results.

What reaches a disk is logged (``GET /control/nas/disks/log``), because reading a temperature
can wake a sleeping disk, and how depends on the release:

* 25.04 reads with ``smartctl -a -n <powermode>``: ``disk.temperatures(names, {"cache": 290,
  "only_cached": false, "powermode": "NEVER"})``. ``NEVER`` (the default) wakes a disk in
  standby; ``STANDBY``/``SLEEP``/``IDLE`` only ask its power mode and answer null for it.
  ``only_cached`` answers from the cache (reaching nothing). ``disk.temperature(name, options)``
  is the single-disk form; ``smart.test.results`` runs ``smartctl -a`` (no ``-n``) on every disk
  it selects, and so does ``disk.query`` with ``extra.supports_smart``.
* 25.10 and 26 read ``temp1_input`` of the ``drivetemp`` hwmon (a command to the disk):
  ``disk.temperatures(names=[], include_thresholds=false)`` refreshes the 5-minute cache of
  *every* disk whose entry expired, whichever names were asked for, so any call can wake a
  sleeping disk. ``smart.test.results`` is gone (SMART left the UI and the API).
* ``disk.temperature_agg(names, days)`` reads the reporting history and reaches no disk.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from labsim.errors import single_error
from labsim.nas import entries, nas_of
from labsim.nas.lab import STANDBY_MODES, TEMP_CACHE_SECONDS_2510, Disk, NasLab
from labsim.query import Entry, parse_options, run_query
from labsim.rpc import CallContext, MethodTable

from .args import arg

ONLY_CACHED_SECONDS: Final = 610.0


def _names(ctx: CallContext, field: str) -> list[str]:
    names = arg(ctx, 0, field, list, [])
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise single_error(field, "Input should be a valid list of strings")
    return list(names)


METHODS: Final = MethodTable()


@METHODS.query("disk.query", role="DISK_READ", api_since="25.10")
def disk_query(ctx: CallContext) -> list[Entry]:
    """``disk.query``; 25.04's ``extra.supports_smart`` runs smartctl on each disk (waking it)."""
    lab = nas_of(ctx.state)
    box = ctx.session.box
    items = [entries.disk_entry(disk, ctx.session.version) for disk in lab.disks.values()]
    options = parse_options(ctx.params[1] if len(ctx.params) > 1 else None)
    if box < (25, 10) and options.extra.get("supports_smart"):
        record = lab.log_access(ctx.method, ctx.session.id, list(lab.disks))
        for item, disk in zip(items, lab.disks.values(), strict=True):
            lab.touch(disk, record.woke, record.read)
            item["supports_smart"] = True
    return items


def _read_2504(lab: NasLab, disk: Disk, powermode: str, record: Any) -> float | None:
    """``smartctl -a -n <powermode>``: no answer from a disk in that power mode."""
    if powermode != "NEVER" and lab.is_standby(disk):
        record.skipped_standby.append(disk.name)
        return None
    lab.touch(disk, record.woke, record.read)
    value = lab.temperature(disk)
    return None if value is None else round(value)


def _options_2504(ctx: CallContext, index: int) -> tuple[float | None, bool, str]:
    options = arg(ctx, index, "options", dict, {})
    cache = options.get("cache", 290)
    powermode = str(options.get("powermode", "NEVER")).upper()
    if powermode not in STANDBY_MODES:
        raise single_error("options.powermode", f"Invalid choice: {powermode}")
    return cache, bool(options.get("only_cached", False)), powermode


def _temperatures_2504(ctx: CallContext, lab: NasLab) -> dict[str, Any]:
    names = _names(ctx, "names") or list(lab.disks)
    cache, only_cached, powermode = _options_2504(ctx, 1)
    record = lab.log_access(ctx.method, ctx.session.id, names)
    now = lab.lab_seconds()
    result: dict[str, Any] = {}
    for name in names:
        disk = lab.disks.get(name)
        cached = disk.cache.get("2504") if disk is not None else None
        if only_cached:
            if cached is not None and now - cached[1] < ONLY_CACHED_SECONDS:
                result[name] = cached[0]
            continue
        if disk is None:
            result[name] = None
        elif cache is not None and cached is not None and now - cached[1] < cache:
            result[name] = cached[0]
        else:
            value = _read_2504(lab, disk, powermode, record)
            disk.cache["2504"] = (value, now)
            result[name] = value
    return result


def _temperatures_2510(ctx: CallContext, lab: NasLab) -> dict[str, Any]:
    names = _names(ctx, "name")
    thresholds = arg(ctx, 1, "include_thresholds", bool, False)
    record = lab.log_access(ctx.method, ctx.session.id, names)
    now = lab.lab_seconds()
    result: dict[str, Any] = dict.fromkeys(names)
    for disk in lab.disks.values():
        cached = disk.cache.get("2510")
        if cached is None or now - cached[1] > TEMP_CACHE_SECONDS_2510:
            lab.touch(disk, record.woke, record.read)
            cached = disk.cache["2510"] = (lab.temperature(disk), now)
        if not names or disk.name in names:
            result[disk.name] = [cached[0], disk.spec.temperature_crit] if thresholds else cached[0]
    return result


@METHODS.register("disk.temperatures", 2, role="REPORTING_READ", api_since="25.10")
def disk_temperatures(ctx: CallContext) -> dict[str, Any]:
    """``disk.temperatures``: see the module docstring for what reaches which disk."""
    lab = nas_of(ctx.state)
    if ctx.session.box < (25, 10):
        return _temperatures_2504(ctx, lab)
    return _temperatures_2510(ctx, lab)


@METHODS.register("disk.temperature", 2, role="REPORTING_READ", dropped_in="25.10")
def disk_temperature(ctx: CallContext) -> int | None:
    """``disk.temperature(name, {"cache", "powermode"})`` (25.04)."""
    lab = nas_of(ctx.state)
    name: str = arg(ctx, 0, "name", str)
    cache, _only_cached, powermode = _options_2504(ctx, 1)
    cache = cache if "cache" in (ctx.params[1] if len(ctx.params) > 1 else {}) else None
    record = lab.log_access(ctx.method, ctx.session.id, [name])
    disk = lab.disks.get(name)
    if disk is None:
        return None
    now = lab.lab_seconds()
    cached = disk.cache.get("2504")
    if cache is not None and cached is not None and now - cached[1] < cache:
        value = cached[0]
    else:
        value = _read_2504(lab, disk, powermode, record)
        disk.cache["2504"] = (value, now)
    return None if value is None else round(value)


@METHODS.register("disk.temperature_agg", 2, role="REPORTING_READ", api_since="25.10")
def disk_temperature_agg(ctx: CallContext) -> dict[str, Any]:
    """``disk.temperature_agg(names, days=7)``: from the reporting history; reaches no disk."""
    lab = nas_of(ctx.state)
    names = _names(ctx, "names")
    arg(ctx, 1, "days", int, 7)
    result: dict[str, Any] = {}
    for name in names:
        disk = lab.disks.get(name)
        if disk is None or disk.spec.temperature is None:
            continue
        mean = disk.spec.temperature
        result[name] = {"min": mean - 3, "max": mean + 4, "avg": round(mean + 0.4, 2)}
    return result


@METHODS.register("smart.test.results", 2, role="REPORTING_READ", dropped_in="25.10")
def smart_test_results(ctx: CallContext) -> object:
    """``smart.test.results`` (25.04): ``smartctl -a`` on each selected disk (wakes it)."""
    lab = nas_of(ctx.state)
    options = parse_options(ctx.params[1] if len(ctx.params) > 1 else None)
    selected = run_query(
        [{"disk": name} for name in lab.disks], [ctx.params[0] if ctx.params else [], {}]
    )
    assert isinstance(selected, list)  # noqa: S101 - no "get" or "count" passed
    names = [item["disk"] for item in selected]
    record = lab.log_access(ctx.method, ctx.session.id, names)
    results = []
    for name in names:
        disk = lab.disks[name]
        lab.touch(disk, record.woke, record.read)
        results.append(entries.smart_result(disk))
    if options.get:
        return results[0] if results else None
    return results


EVENTS: Final[Mapping[str, str | None]] = {}
