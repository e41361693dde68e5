"""Cron schedules as TrueNAS tasks carry them.

A ``schedule`` of a snapshot, replication or cloud sync task is
``{"minute", "hour", "dom", "month", "dow", "begin", "end"}``.

Fields take ``*``, numbers, ranges (``1-5``), steps (``*/15``, ``0-30/10``), lists (``1,15``) and
names for months and weekdays (``jan``, ``mon``); weekday 0 and 7 are Sunday. As in cron (and
croniter, which the middleware uses), a day matches when both ``dom`` and ``dow`` match if both
are ``*``, otherwise when either restricted one matches. ``begin``/``end`` (``"HH:MM"``) limit the
times of day, as periodic snapshot and replication tasks do. The simulator runs schedules in UTC.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final

MONTHS: Final = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
WEEKDAYS: Final = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
FIELDS: Final = ("minute", "hour", "dom", "month", "dow")
_LIMITS: Final = {
    "minute": (0, 59),
    "hour": (0, 23),
    "dom": (1, 31),
    "month": (1, 12),
    "dow": (0, 7),
}


class CronError(ValueError):
    """A schedule field that cannot be read."""


def _value(text: str, field: str) -> int:
    names = MONTHS if field == "month" else WEEKDAYS if field == "dow" else ()
    lowered = text.lower()
    if lowered in names:
        return names.index(lowered) + (1 if field == "month" else 0)
    try:
        return int(text)
    except ValueError:
        msg = f"{field}: {text!r} is not a number"
        raise CronError(msg) from None


def parse_field(text: str, field: str) -> frozenset[int]:
    """Return the values a cron field allows."""
    low, high = _LIMITS[field]
    values: set[int] = set()
    for part in str(text).split(","):
        spec, _, step_text = part.strip().partition("/")
        step = _value(step_text, field) if step_text else 1
        if step < 1:
            msg = f"{field}: step must be positive"
            raise CronError(msg)
        if spec == "*":
            start, stop = low, high
        elif "-" in spec:
            first, _, last = spec.partition("-")
            start, stop = _value(first, field), _value(last, field)
        else:
            start = _value(spec, field)
            stop = high if step_text else start
        if not low <= start <= stop <= high:
            msg = f"{field}: {part!r} is outside {low}-{high}"
            raise CronError(msg)
        values.update(range(start, stop + 1, step))
    if field == "dow" and 7 in values:  # noqa: PLR2004 - 7 is Sunday too
        values.discard(7)
        values.add(0)
    return frozenset(values)


def _clock(text: str) -> time:
    hour, _, minute = str(text).partition(":")
    try:
        return time(int(hour), int(minute or 0))
    except ValueError:
        msg = f"{text!r} is not a time of day (HH:MM)"
        raise CronError(msg) from None


def _in_window(moment: time, begin: time, end: time) -> bool:
    if begin <= end:
        return begin <= moment <= end
    return moment >= begin or moment <= end


@dataclass(frozen=True, slots=True)
class Cron:
    """A parsed schedule."""

    spec: dict[str, str]
    minutes: frozenset[int]
    hours: frozenset[int]
    doms: frozenset[int]
    months: frozenset[int]
    dows: frozenset[int]
    any_dom: bool
    any_dow: bool
    begin: time
    end: time
    tod: tuple[time, ...]
    """The times of a matching day, in order."""

    @classmethod
    def parse(cls, data: Mapping[str, Any] | None) -> Cron:
        """Parse a schedule mapping (missing fields are ``*``, ``minute`` defaults to ``0``)."""
        data = data or {}
        spec = {name: str(data.get(name, "0" if name == "minute" else "*")) for name in FIELDS}
        spec["begin"] = str(data.get("begin", "00:00"))
        spec["end"] = str(data.get("end", "23:59"))
        minutes = parse_field(spec["minute"], "minute")
        hours = parse_field(spec["hour"], "hour")
        begin, end = _clock(spec["begin"]), _clock(spec["end"])
        return cls(
            spec=spec,
            minutes=minutes,
            hours=hours,
            doms=parse_field(spec["dom"], "dom"),
            months=parse_field(spec["month"], "month"),
            dows=parse_field(spec["dow"], "dow"),
            any_dom=spec["dom"].strip() == "*",
            any_dow=spec["dow"].strip() == "*",
            begin=begin,
            end=end,
            tod=tuple(
                time(hour, minute)
                for hour in sorted(hours)
                for minute in sorted(minutes)
                if _in_window(time(hour, minute), begin, end)
            ),
        )

    def day_matches(self, day: date) -> bool:
        """Return whether the schedule fires on ``day`` at all."""
        if day.month not in self.months:
            return False
        dom = day.day in self.doms
        dow = day.isoweekday() % 7 in self.dows
        if self.any_dom or self.any_dow:
            return dom and dow
        return dom or dow

    def fires_between(self, after: datetime, until: datetime) -> Iterator[datetime]:
        """Yield the fire times in ``(after, until]``, oldest first (UTC)."""
        times = self.tod
        if not times:
            return
        day = after.astimezone(UTC).date()
        last = until.astimezone(UTC).date()
        while day <= last:
            if self.day_matches(day):
                for moment in times:
                    fire = datetime.combine(day, moment, UTC)
                    if after < fire <= until:
                        yield fire
            day += timedelta(days=1)

    def fires_before(self, until: datetime, count: int, horizon_days: int = 1500) -> list[datetime]:
        """Return up to ``count`` most recent fire times ``<= until``, oldest first."""
        times = self.tod
        found: list[datetime] = []
        day = until.astimezone(UTC).date()
        for _ in range(horizon_days):
            if len(found) >= count or not times:
                break
            if self.day_matches(day):
                for moment in reversed(times):
                    fire = datetime.combine(day, moment, UTC)
                    if fire <= until:
                        found.append(fire)
                        if len(found) >= count:
                            break
            day -= timedelta(days=1)
        return list(reversed(found))

    def next_after(self, after: datetime, horizon_days: int = 1500) -> datetime | None:
        """Return the first fire time after ``after`` (``None`` if it never fires)."""
        return next(self.fires_between(after, after + timedelta(days=horizon_days)), None)
