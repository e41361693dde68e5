"""The benchmark's labs start their backup clock at a fixed time of day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bench.scenarios import BACKUP_CLOCK_TIME, large_data, pinned_backup_clock, seed_data
from labsim import load_scenario
from tests.conftest import PINNED_NOW


def test_backup_clock_is_pinned_to_a_time_of_day() -> None:
    """The same time of day whenever the bench runs, at most a day before the real time."""
    for now in (
        PINNED_NOW,
        PINNED_NOW.replace(hour=13, minute=5),
        PINNED_NOW.replace(hour=23, minute=59),
        PINNED_NOW.replace(hour=0, minute=1) + timedelta(days=37),
    ):
        pinned = pinned_backup_clock(now)
        assert pinned.timetz() == BACKUP_CLOCK_TIME
        assert timedelta(0) <= now - pinned < timedelta(days=1)
    assert pinned_backup_clock(PINNED_NOW) == datetime(2026, 10, 31, 13, 5, tzinfo=UTC)
    # Both labs start their backup clock there.
    expected = pinned_backup_clock(PINNED_NOW)
    assert load_scenario(seed_data(PINNED_NOW)).sections["backups"].clock == expected
    assert large_data(PINNED_NOW)["backups"]["clock"] == expected.isoformat()
