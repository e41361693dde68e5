"""Shared fixtures: a real lab simulator on loopback, run in its own thread.

`socket_enabled` lifts pytest-socket's block on creating sockets; its host allow-list still
limits connections to 127.0.0.1. Home Assistant's test harness forbids lingering tasks in its event loop, so the simulator
gets a loop and a thread of its own; tests talk to it over real sockets only.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
import logging
from pathlib import Path
import re
from typing import Any

import pytest
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion
import yaml

from labsim import LabSimulator, load_scenario
from labsim.scenario import parse_time
from tests.common import LabHandle
from tests.safety import SAFETY

DEFAULT_SCENARIO = Path(__file__).parent.parent / "labsim" / "scenarios" / "default.yaml"
# Relative scenario times ("-3d", "+65d") are pinned to this moment so snapshots do not drift.
PINNED_NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
_RELATIVE = re.compile(r"^[-+]\d")


def _pin_times(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _pin_times(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_pin_times(item) for item in value]
    if isinstance(value, str) and _RELATIVE.match(value):
        return parse_time(value, PINNED_NOW).isoformat()
    return value


def seed_scenario() -> Any:
    """The default scenario with its relative times pinned and app jobs sped up."""
    data = _pin_times(yaml.safe_load(DEFAULT_SCENARIO.read_text()))
    data["apps"]["job_seconds"] = {"start": 0.3, "stop": 0.3, "redeploy": 0.4, "upgrade": 0.4}
    return load_scenario(data)


def _start(tls: bool, test: str = "") -> Iterator[LabHandle]:
    scenario = seed_scenario()
    # The lab's HTTP services (Ollama, Paperless-ngx, ...) keep time from the pinned moment too.
    simulator = LabSimulator(scenario, tls=tls, service_clock_start=PINNED_NOW)
    simulator.run_in_thread()
    try:
        yield LabHandle(simulator, scenario)
        # Whatever the test did, nothing destructive or disk-waking may have been called.
        SAFETY.record(test, simulator.control_sync("GET", "/control/calls"))
    finally:
        simulator.stop_thread()


@pytest.fixture
def lab(socket_enabled: None, request: pytest.FixtureRequest) -> Iterator[LabHandle]:
    """The seed lab over wss:// with a self-signed certificate."""
    yield from _start(tls=True, test=request.node.nodeid)


@pytest.fixture
def plain_lab(socket_enabled: None, request: pytest.FixtureRequest) -> Iterator[LabHandle]:
    """The seed lab over plain ws:// (allowed to carry a key only because it is loopback)."""
    yield from _start(tls=False, test=request.node.nodeid)


@pytest.fixture(autouse=True, scope="session")
def no_destructive_calls() -> Iterator[None]:
    """After the whole run: no simulator was asked to delete, roll back, destroy or wake disks."""
    yield
    assert not SAFETY.violations, f"forbidden calls: {SAFETY.violations}"


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Snapshots serialised the Home Assistant way (registry entries, states, ...)."""
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


# What Home Assistant says when an integration uses something that is going away
# ("... This will stop working in Home Assistant 2026.12.0 ..."). Any such line fails the test.
_DEPRECATION = re.compile(r"stop working in Home Assistant|breaks in Home Assistant", re.IGNORECASE)


class _DeprecationCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if _DEPRECATION.search(message):
            self.messages.append(message)


@pytest.fixture(autouse=True)
def no_home_assistant_deprecations() -> Iterator[None]:
    """Treat every Home Assistant deprecation warning as a failure of the test that caused it."""
    collector = _DeprecationCollector()
    root = logging.getLogger()
    root.addHandler(collector)
    try:
        yield
    finally:
        root.removeHandler(collector)
    assert not collector.messages, f"Home Assistant deprecation: {collector.messages}"
