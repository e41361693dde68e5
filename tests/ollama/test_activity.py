"""The idle/busy estimate read from /api/ps (pure logic, no server)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from custom_components.homelab.clients.ollama import LoadedModel, RunningModels
from custom_components.homelab.pipeline.ollama_activity import GO_MAX_DURATION, ActivityTracker

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
FIVE_MIN = timedelta(minutes=5)


def ps(**expiries: datetime) -> RunningModels:
    return RunningModels(
        tuple(
            LoadedModel(name=name, size=100, size_vram=100, expires_at=expires)
            for name, expires in expiries.items()
        )
    )


def s(seconds: float) -> timedelta:
    return timedelta(seconds=seconds)


def test_first_poll_assumes_the_default_keep_alive() -> None:
    tracker = ActivityTracker(FIVE_MIN)
    activity = tracker.observe(ps(a=T0 + s(240)), T0)
    (model,) = activity.models
    assert model.keep_alive == FIVE_MIN
    assert not model.keep_alive_learned
    assert activity.last_used == T0 - s(60)
    assert not activity.busy


def test_first_poll_never_assumes_less_than_the_time_left() -> None:
    tracker = ActivityTracker(FIVE_MIN)
    activity = tracker.observe(ps(a=T0 + s(1800)), T0)
    assert activity.models[0].keep_alive == s(1800)
    assert activity.last_used == T0


def test_forever_is_exact() -> None:
    tracker = ActivityTracker(FIVE_MIN)
    used = T0 - s(1200)
    activity = tracker.observe(ps(a=used + GO_MAX_DURATION), T0)
    (model,) = activity.models
    assert model.kept_forever
    assert model.keep_alive_learned
    assert activity.last_used == used


def test_learns_the_keep_alive_from_a_move() -> None:
    tracker = ActivityTracker(FIVE_MIN)
    tracker.observe(ps(a=T0 + s(100)), T0)
    # A request finished between the polls; the server's keep-alive is really 30 minutes.
    activity = tracker.observe(ps(a=T0 + s(10) + s(1800)), T0 + s(15))
    (model,) = activity.models
    assert model.changed
    assert model.keep_alive_learned
    # Somewhere in [1795, 1810): the default (300) is clamped to the window's low end.
    assert model.keep_alive == s(1795)
    assert activity.last_used == T0 + s(15)
    assert activity.busy
    # Unchanged at the next poll: not busy, the learned keep-alive stays.
    activity = tracker.observe(ps(a=T0 + s(1810)), T0 + s(30))
    assert not activity.busy
    assert activity.models[0].keep_alive == s(1795)
    assert activity.last_used == T0 + s(15)


def test_a_model_that_appears_is_busy() -> None:
    tracker = ActivityTracker(FIVE_MIN)
    tracker.observe(ps(), T0)
    # Loading for its first request: /api/ps reports now + keep-alive.
    activity = tracker.observe(ps(b=T0 + s(15) + FIVE_MIN), T0 + s(15))
    assert activity.busy
    assert activity.models[0].changed
    assert activity.models[0].keep_alive == FIVE_MIN
    assert activity.last_used == T0 + s(15)


def test_a_request_longer_than_the_keep_alive_is_seen() -> None:
    tracker = ActivityTracker(FIVE_MIN)
    tracker.observe(ps(a=T0 + s(10)), T0)
    activity = tracker.observe(ps(a=T0 + s(10)), T0 + s(30))
    (model,) = activity.models
    assert model.in_use
    assert not model.changed
    assert activity.busy


def test_last_use_is_kept_after_unloading() -> None:
    tracker = ActivityTracker(FIVE_MIN)
    tracker.observe(ps(a=T0 + s(240)), T0)
    activity = tracker.observe(ps(), T0 + s(300))
    assert activity.models == ()
    assert activity.last_used == T0 - s(60)
    assert not activity.busy
    assert ActivityTracker(FIVE_MIN).observe(ps(), T0).last_used is None
