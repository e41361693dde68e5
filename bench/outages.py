"""Outages of the TrueNAS server, as a Home Assistant user sees them.

Two faults, each `trials` times, from a random moment of the steady state:

* **stall**: the middleware is stuck (`/control/hang`): sockets stay open and answer WebSocket
  pings, no call is answered;
* **drop**: a pulled cable (`/control/partition`): nothing comes through, not even a pong.

Each outage lasts a random 0-150 s. Two figures per fault:

* **to unavailable**: from the fault to the pool's state reading `unavailable` (virtual seconds
  on the shared clock; every timer involved, call timeouts and the liveness check, is on it);
* **to available**: from the server answering again to the pool's state reading its value. The
  clock moves only while the client waits for its next reconnect attempt (`retry_at`); the
  socket, TLS, login, subscriptions and refresh then run at the machine's own speed, and that
  real time is added. (A client without `retry_at`, from before the fix, is taken to be always
  waiting: its figure is then the virtual time, and it slightly overstates nothing but the
  milliseconds of the work.)
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import random
import time
from typing import Any

from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant

from bench.harness import SharedClock, percentile_summary
from labsim import LabSimulator

POOL = "sensor.tank_status"
FAULTS = {"stall": "/control/hang", "drop": "/control/partition"}
# Longer than any outage here: both faults are ended through the control API.
HELD = 3600
LIMIT = 180.0
# Targets of issue 11.
UNAVAILABLE_WITHIN = 15.0
AVAILABLE_WITHIN = 5.0


def _state(hass: HomeAssistant, entity_id: str) -> str | None:
    state = hass.states.get(entity_id)
    return state.state if state is not None else None


async def _until_back(
    clock: SharedClock, client: Any, done: Callable[[], bool], limit: float
) -> float:
    """Seconds until `done()`: virtual while the client waits to retry, real while it works."""
    virtual = 0.0
    stepping = 0.0
    started = time.perf_counter()
    while not done():
        if virtual > limit or time.perf_counter() - started > 60:  # noqa: PLR2004 - real guard
            return float("inf")
        if getattr(client, "retry_at", 0.0) is not None:
            before = time.perf_counter()
            await clock.step(0.1)
            stepping += time.perf_counter() - before
            virtual += 0.1
        else:
            await asyncio.sleep(0.001)
    return virtual + (time.perf_counter() - started - stepping)


async def measure_outages(
    hass: HomeAssistant, sim: LabSimulator, clock: SharedClock, client: Any, trials: int
) -> dict[str, Any]:
    """Fault to `unavailable`, and server back to available, for a stall and a drop."""
    rng = random.Random(11)  # noqa: S311 - a reproducible phase, not cryptography
    results: dict[str, Any] = {}
    for name, path in FAULTS.items():
        unavailable: list[float] = []
        available: list[float] = []
        for _ in range(trials):
            await clock.advance(rng.uniform(5, 15), step=0.25)
            if _state(hass, POOL) in (None, STATE_UNAVAILABLE):
                msg = f"{POOL} is not available before the {name} trial"
                raise RuntimeError(msg)
            await sim.control("POST", path, {"seconds": HELD})
            took = await clock.advance_until(
                lambda: _state(hass, POOL) == STATE_UNAVAILABLE, LIMIT, step=0.25
            )
            unavailable.append(took if took is not None else float("inf"))
            await clock.advance(rng.uniform(0, 150), step=0.5)
            await sim.control("POST", path, {"seconds": 0})
            available.append(
                await _until_back(
                    clock,
                    client,
                    lambda: _state(hass, POOL) not in (None, STATE_UNAVAILABLE),
                    LIMIT,
                )
            )
        results[name] = {
            "to_unavailable": percentile_summary(unavailable),
            "to_available": percentile_summary(available),
        }
    return results
