"""Labs for the backup tests: the seed lab at a chosen TrueNAS version, optionally at scale."""

from __future__ import annotations

from collections.abc import Iterator
import contextlib
from typing import Any

import yaml

from labsim import LabSimulator, load_scenario
from tests.common import LabHandle
from tests.conftest import DEFAULT_SCENARIO, _pin_times

API_VERSIONS = ["v25.04.0", "v25.04.2", "v25.10.0", "v25.10.2", "v26.0.0"]
# 100,000 snapshots over 2,000 datasets (besides the seed lab's own ~3,700).
SCALE = {
    "datasets": 2000,
    "snapshots": 100000,
    "parent": "tank/archive",
    "interval": "1h",
    "until": "-1h",
}


def seed_data(version: str = "25.10.2", **backups: Any) -> dict[str, Any]:
    """The seed scenario as data (times pinned) at a TrueNAS version."""
    data = yaml.safe_load(DEFAULT_SCENARIO.read_text())
    data["system"]["version"] = version
    data["api_versions"] = [v for v in API_VERSIONS if v[1:6] <= version[:5]]
    data["backups"].update(backups)
    pinned: dict[str, Any] = _pin_times(data)
    return pinned


@contextlib.contextmanager
def running_lab(data: dict[str, Any]) -> Iterator[LabHandle]:
    """A simulator in its own thread (as the `lab` fixture) for scenario `data`."""
    scenario = load_scenario(data)
    simulator = LabSimulator(scenario)
    simulator.run_in_thread()
    try:
        yield LabHandle(simulator, scenario)
    finally:
        simulator.stop_thread()


def backup_lab(
    version: str = "25.10.2", **backups: Any
) -> contextlib.AbstractContextManager[LabHandle]:
    """The seed lab with these backups settings, running."""
    return running_lab(seed_data(version, **backups))


def release_lab(
    version: str, roles: list[str] | None = None
) -> contextlib.AbstractContextManager[LabHandle]:
    """The seed lab as a box of that release, running; the first user gets `roles` if given."""
    data = seed_data(version)
    if roles is not None:
        data["users"][0]["roles"] = roles
    return running_lab(data)
