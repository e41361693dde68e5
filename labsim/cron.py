"""Cron schedules as TrueNAS tasks carry them.

A ``schedule`` of a snapshot, replication or cloud sync task is
``{"minute", "hour", "dom", "month", "dow", "begin", "end"}``.

Fields take ``*``, numbers, ranges (``1-5``), steps (``*/15``, ``0-30/10``), lists (``1,15``) and
names for months and weekdays (``jan``, ``mon``); weekday 0 and 7 are Sunday. As in cron (and
croniter, which the middleware uses), a bare ``*`` in ``dom`` or ``dow`` leaves the day to the
other field; when both are restricted, a day matches when either does. ``begin``/``end``
(``"HH:MM"``) limit the times of day, as periodic snapshot and replication tasks do. The simulator
runs schedules in UTC.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
import re
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
_NAMES: Final[dict[str, dict[str, int]]] = {
    "month": {name: number for number, name in enumerate(MONTHS, start=1)},
    "dow": {name: number for number, name in enumerate(WEEKDAYS)},
}
# One comma-separated term: ``*``, a value or a range ``a-b``, each with an optional ``/step``.
# Empty parts match too, so that ``_value`` names what is missing.
_TERM: Final = re.compile(
    r"(?:(?P<every>\*)|(?P<first>[^-/]*)(?:-(?P<last>[^-/]*))?)(?:/(?P<step>[^-/]*))?"
)
_SUNDAY: Final = 7  # date.isoweekday()'s Sunday, which cron also reads as 0


class CronError(ValueError):
    """A schedule field that cannot be read."""


def _value(text: str, field: str) -> int:
    named = _NAMES.get(field, {}).get(text.lower())
    if named is not None:
        return named
    try:
        return int(text)
    except ValueError:
        msg = f"{field}: {text!r} is not a number"
        raise CronError(msg) from None


@dataclass(frozen=True, slots=True)
class CronField:
    """One field of a schedule: the ranges its comma-separated terms allow."""

    text: str
    terms: tuple[range, ...]

    def __contains__(self, value: int) -> bool:
        """Whether one of the terms allows ``value`` (matched, not expanded into a set)."""
        return any(value in term for term in self.terms)

    @property
    def every(self) -> bool:
        """Whether the field is a bare ``*`` (what cron's day rule looks at)."""
        return self.text.strip() == "*"


def parse_field(text: str, field: str) -> CronField:
    """Read a cron field (``dow``: Sunday is 0 or 7)."""
    low, high = _LIMITS[field]
    terms: list[range] = []
    for part in str(text).split(","):
        term = _TERM.fullmatch(part.strip())
        if term is None:
            msg = f"{field}: {part!r} is not a cron term"
            raise CronError(msg)
        step = _value(term["step"], field) if term["step"] else 1
        if step < 1:
            msg = f"{field}: step must be positive"
            raise CronError(msg)
        if term["every"]:
            first, last = low, high
        else:
            first = _value(term["first"], field)
            if term["last"] is not None:
                last = _value(term["last"], field)
            else:  # a lone value is itself; with a step it starts a run to the field's end
                last = high if term["step"] else first
        if not low <= first <= last <= high:
            msg = f"{field}: {part!r} is outside {low}-{high}"
            raise CronError(msg)
        terms.append(range(first, last + 1, step))
    return CronField(str(text), tuple(terms))


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
    minutes: CronField
    hours: CronField
    doms: CronField
    months: CronField
    dows: CronField
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
        on_minutes = [minute for minute in range(60) if minute in minutes]
        return cls(
            spec=spec,
            minutes=minutes,
            hours=hours,
            doms=parse_field(spec["dom"], "dom"),
            months=parse_field(spec["month"], "month"),
            dows=parse_field(spec["dow"], "dow"),
            begin=begin,
            end=end,
            tod=tuple(
                time(hour, minute)
                for hour in range(24)
                if hour in hours
                for minute in on_minutes
                if _in_window(time(hour, minute), begin, end)
            ),
        )

    def _weekday_matches(self, day: date) -> bool:
        weekday = day.isoweekday()
        return weekday in self.dows or (weekday == _SUNDAY and 0 in self.dows)

    def day_matches(self, day: date) -> bool:
        """Return whether the schedule fires on ``day`` at all."""
        if day.month not in self.months:
            return False
        # A bare ``*`` leaves the day to the other field; when both are restricted, either will do.
        if self.doms.every:
            return self._weekday_matches(day)
        if self.dows.every:
            return day.day in self.doms
        return day.day in self.doms or self._weekday_matches(day)

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
