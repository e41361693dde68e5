"""The benchmark's labs: the seed lab, and a large lab generated from it.

The large lab has 200 apps (each with its dataset, all under the hourly snapshot task with two
weeks of retention), 2,000 more datasets holding generated snapshots (about 100,000 snapshots in
all), 50 backup tasks, and a busy document pipeline (a deep Paperless-ngx queue, a loaded Ollama,
running n8n executions).
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
import random
from typing import Any

import yaml

from labsim import Scenario, load_scenario

DEFAULT = Path(__file__).parent.parent / "labsim" / "scenarios" / "default.yaml"
LARGE_APPS = 200
LARGE_DATASETS = 2000
SNAPSHOT_TARGET = 100_000
SNAPSHOT_TASKS, REPLICATIONS, CLOUD_SYNCS = 30, 10, 10
# The hourly task keeps two weeks: 336 snapshots of each app dataset and of their parent.
HOURLY_HISTORY = 14 * 24


# The backup clock reads this time of day (UTC) when the lab starts. Which snapshot tasks,
# replications and cloud syncs run during the measured minutes follows from it; left at the
# scenario's default ("now") the figures would depend on when the benchmark runs. 13:05 puts the
# large lab's 13:15 snapshot task inside its steady state, and no seed-lab task.
BACKUP_CLOCK_TIME = time(13, 5, tzinfo=UTC)


def pinned_backup_clock(now: datetime | None = None) -> datetime:
    """The latest moment, at or before `now`, whose time of day is `BACKUP_CLOCK_TIME`.

    At most a day before the real time, which Home Assistant's own clock reads: the snapshots
    the lab makes look at most a day old, never from the future.
    """
    now = now or datetime.now(UTC)
    moment = datetime.combine(now.astimezone(UTC).date(), BACKUP_CLOCK_TIME)
    return moment if moment <= now else moment - timedelta(days=1)


def seed_data(now: datetime | None = None) -> dict[str, Any]:
    """The seed lab's scenario (backup clock pinned to a time of day), with quick app jobs."""
    data: dict[str, Any] = yaml.safe_load(DEFAULT.read_text())
    data["apps"]["job_seconds"] = {"start": 0.3, "stop": 0.3, "redeploy": 0.4, "upgrade": 0.4}
    data["backups"]["clock"] = pinned_backup_clock(now).isoformat()
    return data


def seed_lab() -> Scenario:
    """The seed lab."""
    return load_scenario(seed_data())


def _app(index: int, rng: random.Random) -> dict[str, Any]:
    name = f"app-{index:03d}"
    services = rng.randint(1, 3)
    return {
        "name": name,
        "version": f"1.{index % 7}.{index % 13}",
        "app_version": f"{rng.randint(1, 9)}.{rng.randint(0, 40)}.{rng.randint(0, 9)}",
        "train": rng.choice(["community", "stable", "custom"]),
        "portals": {"Web UI": f"http://0.0.0.0:{31000 + index}/"},  # as real portals
        "ports": [31000 + index],
        "containers": [
            {"service": f"{name}-{part}", "image": f"ix/{name}-{part}:1.0"}
            for part in range(services)
        ],
        "workload": {
            "cpu": round(rng.uniform(0.1, 8.0), 1),
            "memory": f"{rng.randint(40, 2000)} MiB",
            "rx": f"{rng.randint(1, 200)} KiB",
            "tx": f"{rng.randint(1, 200)} KiB",
        },
    }


def large_data(now: datetime | None = None) -> dict[str, Any]:
    """The large lab's scenario data."""
    rng = random.Random(20261101)  # noqa: S311 - a reproducible lab, not cryptography
    data = copy.deepcopy(seed_data(now))
    installed = data["apps"]["installed"]
    installed += [_app(index, rng) for index in range(len(installed), LARGE_APPS)]
    known = {entry["name"] for entry in data["datasets"]}
    data["datasets"] += [
        {"name": f"tank/applications/{app['name']}", "used": f"{rng.randint(1, 300)} GiB"}
        for app in installed
        if f"tank/applications/{app['name']}" not in known
    ]
    backups = data["backups"]
    archive = [f"tank/archive/ds{index:05d}" for index in range(LARGE_DATASETS)]
    for offset in range(SNAPSHOT_TASKS - len(backups["snapshot_tasks"])):
        backups["snapshot_tasks"].append(
            {
                "id": 100 + offset,
                "dataset": archive[offset * 50],
                "schedule": {"minute": "15", "hour": str(offset % 24)},
                "lifetime_value": 1,
                "lifetime_unit": "WEEK",
                "naming_schema": "daily-%Y-%m-%d_%H-%M",
            }
        )
    for offset in range(REPLICATIONS - len(backups["replication_tasks"])):
        backups["replication_tasks"].append(
            {
                "id": 100 + offset,
                "name": f"archive {offset} - offsite",
                "source_datasets": [archive[offset * 50]],
                "target_dataset": f"backup/nas/archive{offset}",
                "transport": "SSH",
                "periodic_snapshot_tasks": [100 + offset],
                "schedule": {"minute": "30", "hour": str(offset % 24)},
                "bytes": "1 GiB",
            }
        )
    for offset in range(CLOUD_SYNCS - len(backups["cloudsync_tasks"])):
        backups["cloudsync_tasks"].append(
            {
                "id": 100 + offset,
                "description": f"Archive {offset} to B2",
                "path": f"/mnt/{archive[offset * 100]}",
                "credentials": {"name": "Backblaze B2"},
                "attributes": {"bucket": "homelab-offsite", "folder": f"archive{offset}"},
                "schedule": {"minute": "45", "hour": str((offset * 2) % 24)},
                "bytes": "2 GiB",
            }
        )
    hourly = (len(installed) + 1) * HOURLY_HISTORY
    backups["generate"] = {
        "datasets": LARGE_DATASETS,
        "snapshots": max(0, SNAPSHOT_TARGET - hourly),
        "parent": "tank/archive",
        "interval": "1h",
    }
    _busy_pipeline(data)
    return data


def _busy_pipeline(data: dict[str, Any]) -> None:
    """A deep Paperless-ngx queue, running n8n executions, three models in Ollama."""
    tasks = data["paperless"]["tasks"]
    tasks += [
        {"file": f"batch-{index:03d}.pdf", "status": "PENDING", "created": f"-{60 - index}s"}
        for index in range(40)
    ]
    workflows = [workflow["id"] for workflow in data["n8n"]["workflows"]]
    data["n8n"]["executions"] += [
        {"workflow": workflows[index % len(workflows)], "status": "running",
         "started": f"-{index * 7 + 5}s", "seconds": 600}
        for index in range(6)
    ]  # fmt: skip
    data["ollama"]["loaded"].append(
        {"name": "llama3.2:3b", "last_used": "-30s", "keep_alive": "30m"}
    )


def large_lab() -> Scenario:
    """The large lab."""
    return load_scenario(large_data())


def archive_lab(snapshots: int) -> Scenario:
    """The seed lab plus 2,000 archive datasets holding `snapshots` (nobody watches them)."""
    data = seed_data()
    data["backups"]["generate"] = {
        "datasets": LARGE_DATASETS,
        "snapshots": snapshots,
        "parent": "tank/archive",
        "interval": "1h",
    }
    return load_scenario(data)
