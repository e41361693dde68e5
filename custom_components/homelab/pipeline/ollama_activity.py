"""When Ollama was last used, and whether it is busy: an estimate read from `/api/ps`.

Ollama exposes no request counters and no queue. It does report each loaded model's
`expires_at`, and its scheduler sets that value in a way that can be read backwards:

* when a request finishes and no other request holds the model, `expires_at = now + keep_alive`
  (the model's session duration: the last request's `keep_alive`, else `OLLAMA_KEEP_ALIVE`,
  5 minutes by default);
* while a request runs, the idle timer is stopped and `expires_at` stays where it was: a model
  busy for longer than its keep-alive is still listed with an `expires_at` in the past;
* while a model loads for its first request, `/api/ps` reports `now + keep_alive`;
* a negative keep-alive means "never unload": `expires_at = finish + 2^63 - 1 ns` (292 years on).

So **last use ≈ expires_at - keep_alive**. The keep-alive is not reported; the tracker

1. knows it exactly for models kept forever;
2. learns it when `expires_at` moves between two polls at `t0 < t1`: the request finished in
   `(t0, t1]`, so keep-alive lies in `[expires_at - t1, expires_at - t0)`; the current estimate
   is clamped into that window, so it is off by at most one poll interval;
3. otherwise assumes the configured default (the server's `OLLAMA_KEEP_ALIVE`), never less than
   the time the model has left.

Times are taken on the server's clock (the `Date` header of the `/api/ps` answer), so a clock
difference between Home Assistant and the server does not distort the estimate.

**Busy** means a request is running now or finished since the previous poll: a loaded model whose
`expires_at` has passed (a request holds it), or one that appeared or whose `expires_at` moved
since the previous poll. A single long request that starts right after another one finished is
only seen when it ends (or once it outlasts the keep-alive): that is the limit of what `/api/ps`
tells.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from ..clients.ollama import RunningModels

# Go's largest time.Duration: what a negative keep_alive becomes.
GO_MAX_DURATION: Final = timedelta(microseconds=(2**63 - 1) // 1000)
# Any expiry this far ahead can only come from a negative keep-alive.
FOREVER_AFTER: Final = timedelta(days=365 * 100)


@dataclass(frozen=True, slots=True)
class ModelActivity:
    """What the tracker concluded about one loaded model at one poll."""

    name: str
    expires_at: datetime
    keep_alive: timedelta
    """Estimated session duration (exact for `kept_forever`)."""
    keep_alive_learned: bool
    """True once the keep-alive was narrowed from an observed change of `expires_at`."""
    last_used: datetime
    in_use: bool
    """`expires_at` has passed while the model is still loaded: a request holds it."""
    changed: bool
    """The model appeared or its `expires_at` moved since the previous poll."""

    @property
    def kept_forever(self) -> bool:
        """Loaded with a negative keep-alive: it never unloads by itself."""
        return self.keep_alive >= FOREVER_AFTER


@dataclass(frozen=True, slots=True)
class Activity:
    """The tracker's view after one poll."""

    observed_at: datetime
    models: tuple[ModelActivity, ...]
    last_used: datetime | None
    """The latest estimated use of any model, kept after the models unload."""
    busy: bool


class ActivityTracker:
    """Follows `/api/ps` from poll to poll; see the module docstring for the method."""

    def __init__(self, default_keep_alive: timedelta) -> None:
        """Use `default_keep_alive` (the server's `OLLAMA_KEEP_ALIVE`) until one is learned."""
        self.default_keep_alive = default_keep_alive
        self._previous: dict[str, ModelActivity] = {}
        self._previous_time: datetime | None = None
        self._last_used: datetime | None = None

    def observe(self, running: RunningModels, now: datetime) -> Activity:
        """Take one `/api/ps` answer read at `now` (the server's clock when known)."""
        models = tuple(self._model(model.name, model.expires_at, now) for model in running.models)
        self._previous = {model.name: model for model in models}
        self._previous_time = now
        for model in models:
            if self._last_used is None or model.last_used > self._last_used:
                self._last_used = model.last_used
        return Activity(
            observed_at=now,
            models=models,
            last_used=self._last_used,
            busy=any(model.in_use or model.changed for model in models),
        )

    def _model(self, name: str, expires_at: datetime, now: datetime) -> ModelActivity:
        previous = self._previous.get(name)
        remaining = expires_at - now
        changed = self._previous_time is not None and (
            previous is None or previous.expires_at != expires_at
        )
        learned = previous.keep_alive_learned if previous else False
        if remaining >= FOREVER_AFTER:
            keep_alive, learned = GO_MAX_DURATION, True
        elif changed and self._previous_time is not None:
            # The request finished in (previous poll, now]: keep-alive is in this window.
            low, high = remaining, expires_at - self._previous_time
            estimate = previous.keep_alive if previous else self.default_keep_alive
            keep_alive, learned = min(max(estimate, low), high), True
        elif previous is not None:
            keep_alive = previous.keep_alive
        else:
            keep_alive = max(self.default_keep_alive, remaining)
        return ModelActivity(
            name=name,
            expires_at=expires_at,
            keep_alive=keep_alive,
            keep_alive_learned=learned,
            last_used=min(expires_at - keep_alive, now),
            in_use=remaining <= timedelta(0),
            changed=changed,
        )
