"""Task schedules (TrueNAS cron dictionaries) and the longest time between two of their runs.

A task's `schedule` is `{"minute", "hour", "dom", "month", "dow", "begin"?, "end"?}` with cron
syntax in each field (`*`, `5`, `1-5`, `*/15`, `mon,wed`); `begin`/`end` (`"HH:MM"`) limit the
time of day for periodic snapshot and replication tasks. As in cron (croniter, which TrueNAS
uses), a day matches when `dom` and `dow` both match if either is `*`, else when one of them does.

`Schedule.longest_gap()` is what a staleness check needs: the longest wait between two runs over
eight years (so weekly, monthly, yearly and leap-day schedules are right), ignoring DST shifts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from itertools import pairwise
from typing import Any, Self

from ._parse import as_dict

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_LIMITS = {"minute": (0, 59), "hour": (0, 23), "dom": (1, 31), "month": (1, 12), "dow": (0, 7)}
# Eight years hold two leap days and every weekday of every date at least once.
_HORIZON_START = date(2024, 1, 1)
_HORIZON_DAYS = 8 * 365 + 2
MINUTES_PER_DAY = 1440


class ScheduleError(ValueError):
    """A schedule field this module cannot read."""


def _number(text: str, field: str) -> int:
    names = _MONTHS if field == "month" else _DAYS if field == "dow" else ()
    lowered = text.strip().lower()
    if lowered in names:
        return names.index(lowered) + (1 if field == "month" else 0)
    try:
        return int(lowered)
    except ValueError:
        msg = f"{field}: {text!r} is not a number"
        raise ScheduleError(msg) from None


def cron_values(text: str, field: str) -> frozenset[int]:
    """The values a cron field allows (`dow` 7 is Sunday, as 0)."""
    low, high = _LIMITS[field]
    values: set[int] = set()
    for part in text.split(","):
        spec, _, step_text = part.strip().partition("/")
        step = _number(step_text, field) if step_text else 1
        if spec == "*":
            start, stop = low, high
        elif "-" in spec:
            first, _, last = spec.partition("-")
            start, stop = _number(first, field), _number(last, field)
        else:
            start = _number(spec, field)
            stop = high if step_text else start
        if step < 1 or not low <= start <= stop <= high:
            msg = f"{field}: {part!r} is out of range"
            raise ScheduleError(msg)
        values.update(range(start, stop + 1, step))
    if 7 in values and field == "dow":  # noqa: PLR2004 - Sunday's second number
        values = (values - {7}) | {0}
    return frozenset(values)


def _minutes(text: str | None, default: int) -> int:
    if not text:
        return default
    hour, _, minute = text.partition(":")
    try:
        return int(hour) * 60 + int(minute or 0)
    except ValueError:
        msg = f"{text!r} is not HH:MM"
        raise ScheduleError(msg) from None


@dataclass(frozen=True)
class Schedule:
    """A task schedule."""

    minute: str = "0"
    hour: str = "*"
    dom: str = "*"
    month: str = "*"
    dow: str = "*"
    begin: str | None = None
    end: str | None = None

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        """Parse a `schedule` object (missing fields are `*`, a missing minute is 0)."""
        data = as_dict(data, "schedule")

        def text(key: str, default: str) -> str:
            value = data.get(key)
            return str(value) if isinstance(value, str | int) else default

        begin, end = data.get("begin"), data.get("end")
        return cls(
            minute=text("minute", "0"),
            hour=text("hour", "*"),
            dom=text("dom", "*"),
            month=text("month", "*"),
            dow=text("dow", "*"),
            begin=begin if isinstance(begin, str) else None,
            end=end if isinstance(end, str) else None,
        )

    def _day_matches(
        self, day: date, months: frozenset[int], doms: frozenset[int], dows: frozenset[int]
    ) -> bool:
        if day.month not in months:
            return False
        dom_ok = day.day in doms
        dow_ok = day.isoweekday() % 7 in dows
        if self.dom.strip() == "*" or self.dow.strip() == "*":
            return dom_ok and dow_ok
        return dom_ok or dow_ok

    def _times_of_day(self) -> list[int]:
        begin = _minutes(self.begin, 0)
        end = _minutes(self.end, MINUTES_PER_DAY - 1)
        times = [
            hour * 60 + minute
            for hour in sorted(cron_values(self.hour, "hour"))
            for minute in sorted(cron_values(self.minute, "minute"))
        ]
        if begin <= end:
            return [t for t in times if begin <= t <= end]
        return [t for t in times if t >= begin or t <= end]

    def _gap(self) -> timedelta | None:
        try:
            times = self._times_of_day()
            months = cron_values(self.month, "month")
            doms = cron_values(self.dom, "dom")
            dows = cron_values(self.dow, "dow")
            days = [
                offset
                for offset in range(_HORIZON_DAYS)
                if self._day_matches(_HORIZON_START + timedelta(days=offset), months, doms, dows)
            ]
        except ScheduleError:
            return None
        if not times or len(days) < 2:  # noqa: PLR2004 - a gap needs two runs
            return None
        longest = max((b - a for a, b in pairwise(times)), default=0)
        # Across days: from the last run of one matching day to the first run of the next.
        for first, second in pairwise(days):
            longest = max(longest, (second - first) * MINUTES_PER_DAY + times[0] - times[-1])
        return timedelta(minutes=longest)

    def longest_gap(self) -> timedelta | None:
        """The longest time between two runs; None if the schedule never runs or is unreadable."""
        return _longest_gap(self)


@lru_cache(maxsize=256)
def _longest_gap(schedule: Schedule) -> timedelta | None:
    # Schedules are parsed again on every refresh; equal ones share the (3 ms) computation.
    return schedule._gap()  # noqa: SLF001 - the cached form of the method
