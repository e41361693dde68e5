"""The client's backup methods: models, the version table, and snapshot freshness at low cost."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest.mock import AsyncMock

import aiohttp
import pytest

from custom_components.homelab.clients.truenas import (
    TrueNASClient,
    TrueNASError,
    TrueNASInvalidResponseError,
)
from custom_components.homelab.clients.truenas.backups import (
    METHODS_BY_VERSION,
    CloudSyncTask,
    ReplicationTask,
    Snapshot,
    SnapshotFreshness,
    SnapshotTask,
    TaskJob,
    TrueNASBackups,
    glob_regex,
    methods_for,
    parse_version,
    snapshot_hints,
)
from custom_components.homelab.clients.truenas.schedule import Schedule, ScheduleError, cron_values
from tests.backups_lab import backup_lab
from tests.common import LabHandle

pytestmark = pytest.mark.usefixtures("socket_enabled")

APPS = [
    f"tank/applications/{name}"
    for name in (
        "litellm", "n8n", "nextcloud", "ollama", "paperless-ai", "paperless-ngx",
        "qbittorrent", "radicale", "syncthing", "vikunja",
    )
]  # fmt: skip


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture(params=["25.04.2", "25.10.2", "26.0.0"])
def versioned_lab(request: pytest.FixtureRequest) -> Iterator[LabHandle]:
    with backup_lab(request.param) as lab:
        yield lab


def make_client(lab: LabHandle, session: aiohttp.ClientSession) -> TrueNASClient:
    return TrueNASClient(
        "127.0.0.1",
        port=lab.port,
        username=lab.username,
        api_key=lab.api_key,
        session=session,
        ssl_context=lab.ssl_context(),
    )


async def cost(lab: LabHandle) -> dict[str, Any]:
    result: dict[str, Any] = await lab.control("GET", "/control/snapshot_cost")
    return result


# ---------------------------------------------------------------- models and tables


def test_version_table() -> None:
    assert parse_version("25.10.2") == (25, 10)
    assert parse_version("v26.0.0") == (26, 0)
    assert parse_version("TrueNAS-SCALE-25.04.2.1") == (25, 4)
    assert parse_version("dev") is None
    assert parse_version(None) is None
    assert methods_for((27, 0)).level == (26, 0)
    assert methods_for((25, 10)).snapshot_query == "pool.snapshot.query"
    assert methods_for((25, 4)).snapshot_create == "zfs.snapshot.create"
    assert methods_for((24, 10)).level == (25, 4)
    assert [m.level for m in METHODS_BY_VERSION] == [(26, 0), (25, 10), (25, 4)]


def test_glob_regex() -> None:
    import re  # noqa: PLC0415

    regex = re.compile(glob_regex(["*/applications/*", "tank/media", "tank/**/db?"]))
    assert regex.match("tank/applications/n8n")
    assert not regex.match("tank/applications/n8n/data")
    assert regex.match("tank/media")
    assert not regex.match("tank/media2")
    assert regex.match("tank/a/b/db1")


def test_schedule_gaps() -> None:
    assert Schedule().longest_gap() == timedelta(hours=1)
    assert Schedule(hour="0").longest_gap() == timedelta(days=1)
    assert Schedule(hour="4", dow="sun").longest_gap() == timedelta(days=7)
    assert Schedule(hour="*", begin="08:00", end="18:00").longest_gap() == timedelta(hours=14)
    assert Schedule(hour="*", begin="22:00", end="02:00").longest_gap() == timedelta(hours=20)
    assert Schedule(hour="0", dom="1").longest_gap() == timedelta(days=31)
    assert Schedule(hour="0", dom="1,15", dow="mon").longest_gap() == timedelta(days=7)
    assert Schedule(hour="0", dom="29", month="feb").longest_gap() == timedelta(days=1461)
    assert Schedule(dom="31", month="2").longest_gap() is None
    assert Schedule(minute="*/15").longest_gap() == timedelta(minutes=15)
    assert Schedule(minute="x").longest_gap() is None
    assert Schedule(begin="bad").longest_gap() is None
    parsed = Schedule.from_dict({"minute": 5, "hour": "2", "begin": "00:00", "end": None})
    assert parsed == Schedule(minute="5", hour="2", begin="00:00")
    assert cron_values("7", "dow") == {0}
    with pytest.raises(ScheduleError):
        cron_values("5-1", "hour")


def test_task_models() -> None:
    task = SnapshotTask.from_dict(
        {
            "id": 1, "dataset": "tank/media", "recursive": True, "exclude": ["tank/media/tmp"],
            "enabled": True, "naming_schema": "auto-%Y", "lifetime_value": 2,
            "lifetime_unit": "WEEK", "schedule": {"minute": "0", "hour": "*"},
            "state": {"state": "FINISHED", "datetime": {"$date": 1787367601000},
                      "last_snapshot": "tank/media@auto-2026"},
        }
    )  # fmt: skip
    assert task.last_run == datetime.fromtimestamp(1787367601, UTC)
    assert task.covers("tank/media/photos")
    assert not task.covers("tank/media/tmp/x")
    assert not task.covers("tank/other")
    assert SnapshotTask.from_dict({"id": 2, "dataset": "t", "state": {}}).state == "PENDING"
    rep = ReplicationTask.from_dict(
        {
            "id": 3, "name": "r", "enabled": True, "auto": True, "schedule": None,
            "periodic_snapshot_tasks": [{"schedule": {"minute": "0"}}, {"schedule": None}],
            "state": {"state": "RUNNING", "datetime": {"$date": 1}, "progress": {
                "dataset": "tank/x", "bytes_sent": 50, "bytes_total": 200}},
            "job": {"id": 9, "method": "replication.run", "arguments": [3], "state": "RUNNING",
                    "progress": {"percent": 25, "description": "Sending"}},
        }
    )  # fmt: skip
    assert rep.schedules == (Schedule(minute="0"),)
    assert rep.progress is not None
    assert rep.progress.percent == 25.0
    assert rep.job == TaskJob(
        state="RUNNING",
        id=9,
        method="replication.run",
        task_id=3,
        percent=25,
        description="Sending",
    )
    assert rep.job.running
    sync = CloudSyncTask.from_dict(
        {
            "id": 2, "description": "", "enabled": True, "locked": False,
            "credentials": {"provider": {"type": "B2"}},
            "job": {"id": None, "state": "SUCCESS", "time_finished": {"$date": 1000}},
        }
    )  # fmt: skip
    assert sync.description == "Cloud sync 2"
    assert sync.provider == "B2"
    assert sync.job is not None
    assert sync.job.id is None
    assert sync.job.time_finished == datetime.fromtimestamp(1, UTC)
    assert not sync.job.running
    assert CloudSyncTask.from_dict({"id": 1, "credentials": {"provider": "S3"}}).provider == "S3"
    with pytest.raises(TrueNASInvalidResponseError):
        ReplicationTask.from_dict({"id": 1})
    with pytest.raises(TrueNASInvalidResponseError):
        TaskJob.from_dict({"id": 1})


def test_snapshot_models() -> None:
    legacy = Snapshot.from_dict(
        {"name": "tank/a@s", "createtxg": "12", "properties": {"creation": {"rawvalue": "60"}}}
    )
    assert legacy == Snapshot("tank/a@s", "tank/a", 12, datetime.fromtimestamp(60, UTC))
    current = Snapshot.from_dict(
        {"name": "tank/a@s", "dataset": "tank/a", "createtxg": 12,
         "properties": {"creation": {"raw": "60", "value": 60}}}
    )  # fmt: skip
    assert current == legacy
    parsed = Snapshot.from_dict(
        {"name": "tank/a@s", "properties": {"creation": {"parsed": {"$date": 60000}}}}
    )
    assert parsed.created == datetime.fromtimestamp(60, UTC)
    assert Snapshot.from_dict({"name": "t@s", "properties": {"creation": 5}}).created is None
    assert Snapshot.from_dict({"name": "t@s"}).created is None


# ---------------------------------------------------------------- against the simulator


async def test_detect_and_tasks(versioned_lab: LabHandle, session: aiohttp.ClientSession) -> None:
    version = versioned_lab.scenario.system.version
    async with make_client(versioned_lab, session) as client:
        api = await TrueNASBackups.detect(client, software_version=version)
        assert api.methods.level == parse_version(version)
        tasks = await api.snapshot_tasks()
        assert [t.dataset for t in tasks] == ["tank/applications", "tank/applications/qbittorrent"]
        assert tasks[0].schedule is not None
        assert tasks[0].schedule.longest_gap() == timedelta(hours=1)
        [rep] = await api.replication_tasks()
        assert rep.state == "FINISHED"
        assert rep.job is not None
        assert rep.job.state == "SUCCESS"
        syncs = await api.cloud_sync_tasks()
        assert [s.job.state for s in syncs if s.job] == ["SUCCESS", "FAILED"]
        assert await api.datasets(["*/applications/*"]) == APPS
        assert await api.datasets([]) == []
        created = await api.create_snapshot("tank/applications/n8n", "probe", recursive=False)
        assert created.name == "tank/applications/n8n@probe"
        # Pinned to an older API: the lower version wins.
        client.api_version = "v25.04.2"
        older = await TrueNASBackups.detect(client, software_version=version)
        assert older.methods.level == (25, 4)


async def test_detect_without_versions(lab: LabHandle, session: aiohttp.ClientSession) -> None:
    async with make_client(lab, session) as client:
        client.api_versions = AsyncMock(side_effect=TrueNASError("no"))  # type: ignore[method-assign]
        assert (await TrueNASBackups.detect(client, software_version=None)).methods.level == (25, 4)
        api = await TrueNASBackups.detect(client, software_version="25.10.2")
        assert api.methods.level == (25, 10)
        client.call = AsyncMock(return_value="x")  # type: ignore[method-assign]
        with pytest.raises(TrueNASInvalidResponseError):
            await api.run_replication(1)


async def test_freshness_costs_only_the_datasets_asked(
    versioned_lab: LabHandle, session: aiohttp.ClientSession
) -> None:
    lab = versioned_lab
    version = lab.scenario.system.version
    held = 10 * 336 + 5  # hourly for two weeks, plus the manual and weekly ones
    async with make_client(lab, session) as client:
        api = await TrueNASBackups.detect(client, software_version=version)
        freshness = SnapshotFreshness(api)
        hints = snapshot_hints(await api.snapshot_tasks(), APPS)
        assert hints["tank/applications/n8n"] == "tank/applications/n8n@auto-2026-11-01_12-00"
        await lab.control("DELETE", "/control/snapshot_cost")
        first = await freshness.refresh(APPS, hints)
        spent = await cost(lab)
        # One lookup per dataset: the newest snapshot its task says it has.
        assert spent["enumerated"] == 10 <= held
        newest = first["tank/applications/n8n"].newest
        assert newest is not None
        assert newest.name == hints["tank/applications/n8n"]
        assert newest.created == datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
        counts = {name: info.count for name, info in first.items()}
        if version.startswith("26"):
            assert sum(c or 0 for c in counts.values()) == held
        else:
            assert set(counts.values()) == {None}  # no cheap count before 26
        # Nothing changed: 25.10+ reads no snapshot at all; 25.04 checks each newest one.
        await lab.control("DELETE", "/control/snapshot_cost")
        assert await freshness.refresh(APPS, hints) == first
        again = await cost(lab)
        assert again["enumerated"] == (10 if version.startswith("25.04") else 0)
        # One new snapshot (a minute later: snapshots_changed counts seconds): only the
        # snapshots after the known newest are read.
        await lab.control("POST", "/control/backups/advance", {"seconds": 60})
        await lab.control(
            "POST", "/control/backups/snapshots", {"dataset": "tank/applications/n8n", "name": "x"}
        )
        await lab.control("DELETE", "/control/snapshot_cost")
        third = await freshness.refresh(APPS, hints)
        n8n = third["tank/applications/n8n"]
        assert n8n.newest is not None
        assert n8n.newest.name == "tank/applications/n8n@x"
        assert n8n.count == (337 if version.startswith("26") else None)
        spent = await cost(lab)
        expected = {"25.04.2": 9 + 2, "25.10.2": 2, "26.0.0": 1}[version]
        assert spent["enumerated"] == expected
        # Without hints (an uncovered dataset), the first look lists its names once.
        await lab.control("DELETE", "/control/snapshot_cost")
        fresh = await SnapshotFreshness(api).refresh(["tank/applications/radicale"])
        assert fresh["tank/applications/radicale"].newest is not None
        assert (await cost(lab))["enumerated"] <= 336 + 1
        assert await freshness.refresh([]) == {}
        assert freshness.cache == {}


class FakeApi:
    """Just enough of TrueNASBackups for the 26 path's corner cases."""

    def __init__(self) -> None:
        self.methods = METHODS_BY_VERSION[0]
        self.changed = {"tank/a": datetime(2026, 1, 1, tzinfo=UTC)}
        self.snaps = [Snapshot("tank/a@1", "tank/a", 10, datetime(2026, 1, 1, tzinfo=UTC))]
        self.exists = True

    async def snapshots_changed(self, datasets: list[str]) -> dict[str, datetime | None]:
        return {d: self.changed.get(d) for d in datasets}

    async def snapshot_counts(self, datasets: list[str]) -> dict[str, int]:
        return {d: len([s for s in self.snaps if s.dataset == d]) for d in datasets}

    async def snapshots(self, datasets: list[str], *, min_txg: int = 0) -> list[Snapshot]:
        return [s for s in self.snaps if s.dataset in datasets and (s.createtxg or 0) >= min_txg]

    async def snapshot(self, name: str) -> Snapshot | None:
        return next((s for s in self.snaps if s.name == name), None)

    async def newest_after(self, dataset: str, after: Snapshot | None) -> Snapshot | None:
        txg = (after.createtxg or 0) + 1 if after else 0
        return max(
            await self.snapshots([dataset], min_txg=txg),
            key=lambda s: s.createtxg or 0,
            default=None,
        )


async def test_freshness_when_the_newest_snapshot_goes() -> None:
    api = FakeApi()
    freshness = SnapshotFreshness(api)  # type: ignore[arg-type]
    first = await freshness.refresh(["tank/a"])
    assert first["tank/a"].newest == api.snaps[0]
    # Something changed but nothing is newer and the newest still exists: kept.
    api.changed["tank/a"] = datetime(2026, 1, 2, tzinfo=UTC)
    api.snaps.append(Snapshot("tank/a@0", "tank/a", 5, datetime(2025, 1, 1, tzinfo=UTC)))
    assert (await freshness.refresh(["tank/a"]))["tank/a"].newest == api.snaps[0]
    # The newest was destroyed: the dataset is read again.
    api.changed["tank/a"] = datetime(2026, 1, 3, tzinfo=UTC)
    del api.snaps[0]
    assert (await freshness.refresh(["tank/a"]))["tank/a"].newest == api.snaps[0]
    # All gone.
    api.changed["tank/a"] = datetime(2026, 1, 4, tzinfo=UTC)
    api.snaps.clear()
    result = await freshness.refresh(["tank/a"])
    assert result["tank/a"].newest is None
    assert result["tank/a"].count == 0


async def test_snapshot_lookup_of_a_missing_snapshot(session: aiohttp.ClientSession) -> None:
    with backup_lab("26.0.0") as lab:
        async with make_client(lab, session) as client:
            api = await TrueNASBackups.detect(client, software_version="26.0.0")
            assert await api.snapshot("tank/applications/n8n@nope") is None
            assert await api.snapshot_counts(["tank"]) == {"tank": 0}
