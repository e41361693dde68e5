"""Fixtures of the fault suite: a clock that jumps ahead, and a guard on everything logged.

**Virtual time.** Home Assistant's event loop reads the time through `loop.time()`; the fixture
`clock` puts that on an offset that a test moves forward (`await clock.advance(60)`). Every timer
of the integration (poll intervals, call timeouts, WebSocket heartbeats, reconnect backoff) then
runs as if that much time had passed, in order, while the simulator (in its own thread and loop)
keeps real time. A minute of outage costs well under a second. freezegun cannot do this here: it
freezes `time.monotonic` for every thread, the simulator's too. Before each step the clock waits
until the simulator's loop has run what it was given: a simulator slowed down by a busy machine
costs real time, never virtual time (a 5 s call timeout must not pass in 30 real ms because the
simulator's thread did not get the CPU).

**Log guard.** Every test of the suite runs with all loggers at DEBUG into a handler that keeps
every record. Afterwards no record may contain a secret of the lab (API keys, tokens), and no
record may carry a traceback through `custom_components/homelab`. The findings of all tests are
kept for the final health check (`test_zz_health.py`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
import logging
from pathlib import Path
import time
import traceback
from typing import Any

import aiohttp
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
import pytest

from custom_components.homelab.clients.n8n import N8nError
from custom_components.homelab.clients.ollama import OllamaError
from custom_components.homelab.clients.paperless import PaperlessError
from custom_components.homelab.clients.paperless_ai import PaperlessAIError
from custom_components.homelab.clients.truenas import TrueNASError
from tests.common import LabHandle
from tests.conftest import seed_scenario


class VirtualClock:
    """Home Assistant's loop on a clock that a test moves forward."""

    def __init__(
        self, loop: asyncio.AbstractEventLoop, sim_loop: asyncio.AbstractEventLoop | None = None
    ) -> None:
        self.loop = loop
        self.sim_loop = sim_loop
        self.offset = 0.0
        loop.time = self._time  # type: ignore[method-assign]

    def _time(self) -> float:
        return time.monotonic() + self.offset

    @property
    def now(self) -> float:
        """Virtual seconds since the fixture started (plus real time passed)."""
        return self.offset

    async def settle(self) -> None:
        """Let callbacks run and socket I/O with the simulator happen (a few real ms)."""
        for _ in range(3):
            await asyncio.sleep(0)
        if self.sim_loop is not None:
            # Read, call, reply: three turns of the simulator's loop.
            for _ in range(3):
                await asyncio.wrap_future(
                    asyncio.run_coroutine_threadsafe(asyncio.sleep(0), self.sim_loop)
                )
        await asyncio.sleep(0.003)

    async def advance(self, seconds: float, *, step: float = 0.5) -> None:
        """Move forward `seconds`, in steps, letting everything due run after each step."""
        target = self.offset + seconds
        while self.offset < target:
            self.offset = min(target, self.offset + step)
            await self.settle()

    async def advance_until(
        self, predicate: Any, limit: float, *, step: float = 0.5
    ) -> float | None:
        """Advance until `predicate()` holds; return the virtual seconds it took (None: never)."""
        start = self.offset
        while self.offset - start <= limit:
            if predicate():
                return self.offset - start
            self.offset += step
            await self.settle()
        return None

    def close(self) -> None:
        del self.loop.time  # type: ignore[method-assign]


@pytest.fixture
def clock(hass: HomeAssistant, request: pytest.FixtureRequest) -> Iterator[VirtualClock]:
    """Home Assistant's time, moved forward by the test."""
    lab: LabHandle | None = (
        request.getfixturevalue("lab") if "lab" in request.fixturenames else None
    )
    virtual = VirtualClock(hass.loop, lab.simulator._loop if lab is not None else None)
    try:
        yield virtual
    finally:
        virtual.close()


# ---------------------------------------------------------------- log guard


def lab_secrets() -> list[str]:
    """Every secret the seed lab knows: API keys (and their secret halves), tokens."""
    scenario = seed_scenario()
    secrets: list[str] = []
    for user in scenario.users:
        for key in user.api_keys:
            secrets += [key.key, key.key.split("-", 1)[-1]]
    for name in ("paperless", "paperless_ai", "n8n"):
        section = scenario.sections.get(name)
        for attribute in ("token", "api_key"):
            value = getattr(section, attribute, None)
            if isinstance(value, str) and value:
                secrets.append(value)
    return secrets


SECRETS = lab_secrets()
OURS = "custom_components.homelab"
EXPECTED_FAILURES = (
    HomeAssistantError,
    TrueNASError,
    OllamaError,
    PaperlessError,
    PaperlessAIError,
    N8nError,
    aiohttp.ClientError,
    TimeoutError,
)


class KeepAll(logging.Handler):
    """Keeps every record."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _text(record: logging.LogRecord) -> str:
    try:
        text = record.getMessage()
    except Exception:  # noqa: BLE001 - a record whose args do not fit its message
        text = f"{record.msg!r} {record.args!r}"
    if record.exc_info and record.exc_info[1] is not None:
        text += "".join(traceback.format_exception(*record.exc_info))
    if record.exc_text:
        text += record.exc_text
    if record.stack_info:
        text += record.stack_info
    return text


def _unexpected_traceback(record: logging.LogRecord) -> bool:
    """A traceback logged as an error, or at DEBUG for anything but an expected failure.

    Home Assistant adds the "Full error" of an `UpdateFailed` at DEBUG, and the clients log why
    a reconnect attempt failed at DEBUG: those are expected, not crashes.
    """
    if not (record.exc_info or record.exc_text):
        return False
    if record.levelno > logging.DEBUG:
        return True
    error = record.exc_info[1] if record.exc_info else None
    return not isinstance(error, EXPECTED_FAILURES)


@dataclass
class GuardReport:
    """What the log guard saw over the fault suite."""

    tests: int = 0
    records: int = 0
    ours_debug: int = 0
    leaks: list[tuple[str, str, str]] = field(default_factory=list)
    tracebacks: list[tuple[str, str, str]] = field(default_factory=list)


REPORT = GuardReport()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The fault suite runs on one xdist worker, so the health check sees all of it (last)."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.xdist_group("faults"))


def check_records(test: str, records: list[logging.LogRecord]) -> GuardReport:
    """Check records for secrets and for tracebacks through the integration."""
    found = GuardReport(tests=1, records=len(records))
    for record in records:
        text = _text(record)
        if record.name.startswith(OURS) and record.levelno == logging.DEBUG:
            found.ours_debug += 1
        for secret in SECRETS:
            if secret in text:
                found.leaks.append((test, record.name, secret[:6] + "..."))
        if _unexpected_traceback(record) and (
            record.name.startswith(OURS) or "custom_components/homelab" in text
        ):
            found.tracebacks.append((test, record.name, text[-2000:]))
    return found


@pytest.fixture(autouse=True)
def log_guard(request: pytest.FixtureRequest) -> Iterator[KeepAll]:
    """Everything at DEBUG; afterwards no secret and no traceback of ours in any record."""
    handler = KeepAll()
    root = logging.getLogger()
    ours = logging.getLogger(OURS)
    levels = (root.level, ours.level)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    ours.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(levels[0])
        ours.setLevel(levels[1])
    found = check_records(request.node.nodeid, handler.records)
    REPORT.tests += 1
    REPORT.records += found.records
    REPORT.ours_debug += found.ours_debug
    REPORT.leaks += found.leaks
    REPORT.tracebacks += found.tracebacks
    assert not found.leaks, f"secrets in the log: {found.leaks}"
    assert not found.tracebacks, "traceback from the integration:\n" + "\n".join(
        text for _, _, text in found.tracebacks
    )


def ours(handler: KeepAll, level: int = logging.INFO) -> list[logging.LogRecord]:
    """The integration's records at `level` or above."""
    return [r for r in handler.records if r.name.startswith(OURS) and r.levelno >= level]


async def session_calls(lab: LabHandle) -> dict[int, list[str]]:
    """The call log by session: session id -> methods, in order."""
    sessions: dict[int, list[str]] = {}
    for call in await lab.calls():
        sessions.setdefault(call["session"], []).append(call["method"])
    return sessions


async def subscriptions_by_session(lab: LabHandle) -> dict[int, list[str]]:
    """`core.subscribe` event names by session, in order."""
    sessions: dict[int, list[str]] = {}
    for call in await lab.calls():
        if call["method"] == "core.subscribe":
            sessions.setdefault(call["session"], []).append(call["params"][0])
    return sessions
