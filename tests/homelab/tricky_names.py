"""A lab whose names contain every marker and separator that Home Lab's identifiers contain.

Device identifiers are `<unique id>_<kind>_<name>`; names users choose may contain `_app_`,
`_pool_`, `_replication_1`, `/`, `-`, `:` or `.`. Nothing may be read back out of such a name.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from labsim import LabSimulator, load_scenario
from tests.common import LabHandle
from tests.conftest import DEFAULT_SCENARIO, PINNED_NOW, _pin_times
from tests.safety import SAFETY

# Separators and markers TrueNAS allows in pool and dataset names (apps: lowercase and `-` only).
MARKERS = ("_app_", "_pool_", "_dataset_", "_snapshottask_", "_replication_", "_cloudsync_")
SEPARATORS = ("_", "-", ".", ":", "/")

# Pools named like other objects' identifier tails: an app (`n8n`), a task id (1), a dataset.
TRICKY_POOLS = (
    "fast_app_n8n",
    "p_replication_1",
    "q_snapshottask_1",
    "r-x.y:z_cloudsync_2",
    "s_dataset_tank",
    "t_pool_tank",
)
# Watched datasets (under */applications/) with markers and separators in their names.
TRICKY_DATASETS = (
    "tank/applications/my_replication_data",
    "tank/applications/x_app_n8n",
    "tank/applications/a-b.c:d_snapshottask_x",
    "tank/applications/e_cloudsync_1.f_pool_tank",
    "tank/applications/g_dataset_",
)
# Apps may only use lowercase letters, digits and `-`: an app named like a pool.
TRICKY_APPS = ("tank", "fast-app-n8n")


def tricky_scenario(*, job_seconds: float | None = None) -> Any:
    """The seed lab plus the tricky pools, datasets and apps (relative times pinned)."""
    data = _pin_times(yaml.safe_load(DEFAULT_SCENARIO.read_text()))
    data["apps"]["job_seconds"] = {"start": 0.3, "stop": 0.3, "redeploy": 0.4, "upgrade": 0.4}
    if job_seconds is not None:
        backups = data["backups"]["job_seconds"]
        data["backups"]["job_seconds"] = dict.fromkeys(backups, job_seconds)
    for disk, name in enumerate(TRICKY_POOLS, start=1):
        data["pools"].append(
            {
                "name": name,
                "topology": {"data": [{"type": "DISK", "disk": f"sdz{disk}"}]},
            }
        )
    data["datasets"] += [{"name": name, "used": "1 GiB"} for name in TRICKY_DATASETS]
    template = next(app for app in data["apps"]["installed"] if app["name"] == "radicale")
    for name in TRICKY_APPS:
        data["apps"]["installed"].append(
            {**template, "name": name, "title": name, "ports": [], "portals": {}}
        )
    return load_scenario(data)


def all_names() -> list[str]:
    """Every tricky name: the fuzzer checks that they cover every marker and separator."""
    return [*TRICKY_POOLS, *TRICKY_DATASETS, *TRICKY_APPS]


__all__ = ["MARKERS", "PINNED_NOW", "SEPARATORS", "all_names", "tricky_scenario"]

# Server methods that act on the NAS: a refused action must have sent none of them.
ACTING = frozenset(
    {
        "app.start",
        "app.stop",
        "app.redeploy",
        "pool.snapshottask.run",
        "replication.run",
        "cloudsync.sync",
        "pool.snapshot.create",
        "zfs.snapshot.create",
    }
)


def run_tricky_lab(request: pytest.FixtureRequest) -> Iterator[LabHandle]:
    """The seed lab plus tricky names, backup jobs of 0.2 s; the safety log is checked after."""
    scenario = tricky_scenario(job_seconds=0.2)
    simulator = LabSimulator(scenario, service_clock_start=PINNED_NOW).run_in_thread()
    try:
        yield LabHandle(simulator, scenario)
        SAFETY.record(request.node.nodeid, simulator.control_sync("GET", "/control/calls"))
    finally:
        simulator.stop_thread()
