"""Shared fixtures: a real lab simulator on loopback, run in its own thread.

Home Assistant's test harness forbids lingering tasks in its event loop, so the simulator
gets a loop and a thread of its own; tests talk to it over real sockets only.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from labsim import LabSimulator, load_scenario
from tests.common import LabHandle

DEFAULT_SCENARIO = Path(__file__).parent.parent / "labsim" / "scenarios" / "default.yaml"


def _start(tls: bool) -> Iterator[LabHandle]:
    scenario = load_scenario(DEFAULT_SCENARIO)
    simulator = LabSimulator(scenario, tls=tls)
    simulator.run_in_thread()
    try:
        yield LabHandle(simulator, scenario)
    finally:
        simulator.stop_thread()


@pytest.fixture
def lab() -> Iterator[LabHandle]:
    """The seed lab over wss:// with a self-signed certificate."""
    yield from _start(tls=True)


@pytest.fixture
def plain_lab() -> Iterator[LabHandle]:
    """The seed lab over plain ws:// (allowed to carry a key only because it is loopback)."""
    yield from _start(tls=False)
