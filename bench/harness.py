"""The measuring tools of the benchmark.

**One virtual clock for both event loops.** Home Assistant's loop and the simulator's loop (in
its own thread) read the time through `loop.time()`. `SharedClock` puts both on the same offset
and moves it forward in small steps, waking the simulator's loop after each step: every timer on
either side (poll intervals, `app.stats` streams every 10 s, job steps, heartbeats, timeouts)
fires as if that much time had passed, in order, while the CPU work each side does is real. The
simulator's HTTP services (Ollama, Paperless-ngx, n8n), its backup clock and the lab clock of the
NAS's devices (`reporting.realtime` samples, disk standby timers, temperature caches) follow the
same offset. Ten virtual minutes take seconds, and the counts per minute are what ten real minutes
would give; the loop timings are real CPU time (`perf_counter`) of the work done.

**Loop time per refresh.** `timed_refreshes` wraps `DataUpdateCoordinator._async_refresh` of the
integration's coordinators and adds up the time of each step of the coroutine (from a resume to
the next `await` that suspends), i.e. the time the refresh holds the event loop, including the
entity state writes it triggers. Frames pushed by the server are timed the same way in the
client's frame reader. The clock is the loop thread's CPU time (`time.thread_time`): the
simulator shares the process, and its work would otherwise be counted through the GIL.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Coroutine, Generator, Iterator
import contextlib
from dataclasses import dataclass, field
import statistics
import time
import types
from typing import Any
from unittest.mock import patch

import aiohttp
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

from labsim import LabSimulator
from labsim.nas.lab import nas_of

OURS = "custom_components.homelab"


class SharedClock:
    """Home Assistant's loop and the simulator's loop on one clock that jumps ahead."""

    def __init__(self, ha_loop: asyncio.AbstractEventLoop, simulator: LabSimulator) -> None:
        """Put both loops on the shared clock (offset 0: real time until moved)."""
        self.offset = 0.0
        self.ha_loop = ha_loop
        self.simulator = simulator
        sim_loop = simulator._loop  # noqa: SLF001 - the simulator's own loop, in its thread
        if sim_loop is None:
            msg = "start the simulator with run_in_thread() first"
            raise RuntimeError(msg)
        self.sim_loop = sim_loop
        ha_loop.time = self._time  # type: ignore[method-assign]
        sim_loop.time = self._time  # type: ignore[method-assign]
        self._backup_pending = 0.0

    def _time(self) -> float:
        return time.monotonic() + self.offset

    def close(self) -> None:
        """Give both loops their own clocks back."""
        for loop in (self.ha_loop, self.sim_loop):
            with contextlib.suppress(AttributeError):
                del loop.time  # type: ignore[method-assign]

    async def settle(self, real: float = 0.002) -> None:
        """Let both sides run what is due (and socket I/O happen).

        The simulator's loop gets three turns (read, call, reply) before the clock moves on: a
        simulator slowed down by a busy machine costs real time, not virtual time, so that a
        5 s call timeout cannot pass in a few real milliseconds.
        """
        for _ in range(3):
            await asyncio.sleep(0)
        for _ in range(3):
            await asyncio.wrap_future(
                asyncio.run_coroutine_threadsafe(asyncio.sleep(0), self.sim_loop)
            )
        await asyncio.sleep(real)

    async def step(self, seconds: float) -> None:
        """Move forward one step."""
        self.offset += seconds
        self.simulator.services.clock.advance(seconds)
        # The NAS's lab clock, on the simulator's loop (its sleepers wait on an asyncio.Event):
        # without it the realtime stream would send one sample and wait for real minutes.
        self.sim_loop.call_soon_threadsafe(self._advance_nas, seconds)
        self.sim_loop.call_soon_threadsafe(_noop)  # wake it: its timers are due now
        self._backup_pending += seconds
        if self._backup_pending >= 60:  # noqa: PLR2004 - the backup clock moves by the minute
            await self.simulator.control(
                "POST", "/control/backups/advance", {"seconds": self._backup_pending}
            )
            self._backup_pending = 0.0
        await self.settle()

    def _advance_nas(self, seconds: float) -> None:
        """Move the NAS devices' lab clock (on the simulator's loop)."""
        nas_of(self.simulator.state).advance(seconds)

    async def advance(self, seconds: float, step: float = 0.5) -> None:
        """Move forward `seconds` in steps."""
        target = self.offset + seconds
        while self.offset < target - 1e-9:
            await self.step(min(step, target - self.offset))

    async def advance_until(
        self, predicate: Callable[[], bool], limit: float, step: float = 0.25
    ) -> float | None:
        """Advance until `predicate()`; return the virtual seconds it took (None: not within)."""
        start = self.offset
        while self.offset - start <= limit:
            if predicate():
                return self.offset - start
            await self.step(step)
        return None


def _noop() -> None:
    """Wake a loop."""


# ---------------------------------------------------------------- loop time


# CPU time of the event loop's thread: the simulator runs in a thread of the same process, and
# wall-clock time would also count the moments its work holds the GIL.
clock_of_the_loop = time.thread_time


@types.coroutine
def _drive[T](
    coro: Coroutine[Any, Any, T], sink: Callable[[float], None]
) -> Generator[Any, Any, T]:
    """Run `coro`, adding up the time of each of its steps on the loop."""
    busy = 0.0
    send: Any = None
    error: BaseException | None = None
    while True:
        started = clock_of_the_loop()
        try:
            yielded = coro.throw(error) if error is not None else coro.send(send)
        except StopIteration as stop:
            sink(busy + clock_of_the_loop() - started)
            return stop.value  # type: ignore[no-any-return]
        except BaseException:
            sink(busy + clock_of_the_loop() - started)
            raise
        busy += clock_of_the_loop() - started
        try:
            send, error = (yield yielded), None
        except BaseException as err:  # noqa: BLE001 - handed to the coroutine
            send, error = None, err


async def timed[T](coro: Coroutine[Any, Any, T], sink: Callable[[float], None]) -> T:
    """`coro`, with its time on the loop sent to `sink`."""
    return await _drive(coro, sink)


@dataclass
class LoopTimes:
    """Time on the loop per refresh (by coordinator) and per pushed frame."""

    refreshes: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    frames: list[float] = field(default_factory=list)
    slowest_frame: str = ""
    stats_batches: list[float] = field(default_factory=list)

    def clear(self) -> None:
        """Forget what was measured."""
        self.refreshes.clear()
        self.frames.clear()
        self.slowest_frame = ""
        self.stats_batches.clear()

    def all_refreshes(self) -> list[float]:
        """Every refresh of every coordinator."""
        return [t for times in self.refreshes.values() for t in times]

    def summary(self) -> dict[str, Any]:
        """Max and median in milliseconds, overall and per coordinator."""
        every = self.all_refreshes()
        return {
            "refreshes": len(every),
            "refresh_max_ms": _ms(max(every, default=0.0)),
            "refresh_median_ms": _ms(statistics.median(every) if every else 0.0),
            "by_coordinator": {
                name: {
                    "refreshes": len(times),
                    "max_ms": _ms(max(times)),
                    "median_ms": _ms(statistics.median(times)),
                }
                for name, times in sorted(self.refreshes.items())
                if times  # a refresh still running when the window closed: not measured
            },
            "frames": len(self.frames),
            "frame_max_ms": _ms(max(self.frames, default=0.0)),
            "frame_median_ms": _ms(statistics.median(self.frames) if self.frames else 0.0),
            "slowest_frame": self.slowest_frame,
            "stats_batches": len(self.stats_batches),
            "stats_batch_max_ms": _ms(max(self.stats_batches, default=0.0)),
        }


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


@contextlib.contextmanager
def timed_refreshes(times: LoopTimes) -> Iterator[None]:
    """Time every refresh of the integration's coordinators."""
    original = DataUpdateCoordinator._async_refresh  # noqa: SLF001

    def refresh(self: DataUpdateCoordinator[Any], *args: Any, **kwargs: Any) -> Any:
        coro = original(self, *args, **kwargs)
        if not type(self).__module__.startswith(OURS):
            return coro
        return timed(coro, times.refreshes[type(self).__name__].append)

    with patch.object(DataUpdateCoordinator, "_async_refresh", refresh):
        yield


def time_frames(client: Any, times: LoopTimes) -> None:
    """Time the client's handling of each frame the server pushes (events, replies)."""
    handle = client._handle_text  # noqa: SLF001

    def timed_handle(text: str) -> None:
        started = clock_of_the_loop()
        try:
            handle(text)
        finally:
            took = clock_of_the_loop() - started
            if took > max(times.frames, default=0.0):
                times.slowest_frame = f"{took * 1000:.1f} ms, {len(text)} bytes: {text[:90]}"
            times.frames.append(took)

    client._handle_text = timed_handle  # noqa: SLF001


def time_stats_batches(apps: Any, times: LoopTimes) -> None:
    """Time the batches of stats sensor writes that follow an `app.stats` frame."""
    notify = apps._notify_stats  # noqa: SLF001

    def timed_notify(names: list[str]) -> None:
        started = clock_of_the_loop()
        try:
            notify(names)
        finally:
            times.stats_batches.append(clock_of_the_loop() - started)

    apps._notify_stats = timed_notify  # noqa: SLF001


# ---------------------------------------------------------------- HTTP bytes


@dataclass
class HttpBytes:
    """Bytes of HTTP answers read by Home Assistant (the pipeline's services)."""

    total: int = 0
    requests: int = 0


@contextlib.contextmanager
def counted_http(counter: HttpBytes) -> Iterator[None]:
    """Count what every `ClientResponse.text()` returns."""
    original = aiohttp.ClientResponse.text

    async def text(self: aiohttp.ClientResponse, *args: Any, **kwargs: Any) -> str:
        body = await original(self, *args, **kwargs)
        counter.total += len(body.encode())
        counter.requests += 1
        return body

    with patch.object(aiohttp.ClientResponse, "text", text):
        yield


def percentile_summary(values: list[float]) -> dict[str, float]:
    """Median and max, rounded."""
    if not values:
        return {"median": 0.0, "max": 0.0, "trials": 0}
    return {
        "median": round(statistics.median(values), 3),
        "max": round(max(values), 3),
        "trials": len(values),
    }
