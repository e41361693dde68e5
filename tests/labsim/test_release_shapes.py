"""Answers shaped as the middleware's release models shape them, per API version.

Each case was found by validating the simulator's answers against the pydantic models of
TS-25.04.2.6, TS-25.10.6 and TS-26.0.0-BETA.3 (``src/middlewared/middlewared/api/vXX_YY_Z``):
a method's result follows the connection's API version (the middleware adapts it down), an
event carries the box's newest shape (events are never adapted).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiohttp
import pytest

from labsim import LabSimulator, Scenario, load_scenario
from labsim.backups import BackupsSection, GenerateDef
from labsim.state import LabState
from tests.labsim.conftest import ADMIN_KEY, ADMIN_USER, HA_KEY, HA_USER, Connect, trusting
from tests.labsim.rpc_client import RpcClient

BOX_26 = ["v25.04.0", "v25.04.2", "v25.10.0", "v25.10.2", "v26.0.0"]


@pytest.fixture
def scenario() -> Scenario:
    """The seed lab on a 26 box that also serves the 25.x APIs."""
    lab = load_scenario()
    lab.system.version = "26.0.0"
    lab.api_versions = list(BOX_26)
    return lab


@pytest.fixture
async def on(sim: LabSimulator, http: aiohttp.ClientSession) -> AsyncIterator[Connect]:
    """Connect to one API version of the box, logged in as ha-svc (or ``login``)."""
    clients: list[RpcClient] = []

    async def _on(version: str, login: str | None = HA_USER) -> RpcClient:
        url = sim.url.rsplit("/", 1)[0] + f"/{version}"
        client = RpcClient(await http.ws_connect(url, ssl=trusting(sim) or False))
        clients.append(client)
        if login is not None:
            key = HA_KEY if login == HA_USER else ADMIN_KEY
            result = await client.login(login, key)
            assert result["response_type"] == "SUCCESS", result
        return client

    yield _on
    for client in clients:
        await client.close()


# ---------------------------------------------------------------- auth and core


@pytest.mark.parametrize(
    ("version", "has_token"), [("v25.04.2", False), ("v25.10.2", False), ("v26.0.0", True)]
)
async def test_login_reconnect_token_only_from_26(
    on: Connect, version: str, has_token: bool
) -> None:
    client = await on(version, login=None)
    result = await client.login(HA_USER, HA_KEY)
    assert result["response_type"] == "SUCCESS"
    assert ("reconnect_token" in result) is has_token


@pytest.mark.parametrize("version", ["v25.04.0", "v25.10.2", "v26.0.0"])
async def test_core_ping_needs_no_login_and_set_options_exists(on: Connect, version: str) -> None:
    client = await on(version, login=None)
    assert await client.call("core.ping") == "pong"
    options = await client.call("core.set_options", [{"legacy_jobs": True}])
    if version == "v25.04.0":
        # CoreSetOptionsResult of the 25.04 API: null.
        assert options is None
    else:
        assert options["legacy_jobs"] is True
    # Everything else still needs a login.
    error = await client.error("alert.list")
    assert error["data"]["errname"] == "ENOTAUTHENTICATED"


# ---------------------------------------------------------------- pools


@pytest.mark.parametrize(("version", "has_sed"), [("v25.10.2", False), ("v26.0.0", True)])
async def test_pool_query_all_sed_from_26(on: Connect, version: str, has_sed: bool) -> None:
    client = await on(version)
    [pool] = await client.call("pool.query")
    assert ("all_sed" in pool) is has_sed
    if has_sed:
        assert pool["all_sed"] is False
    boot = await client.call("boot.get_state") if version == "v26.0.0" else None
    if boot is not None:
        assert boot["all_sed"] is False
        assert "id" not in boot
        assert "guid" not in boot


async def test_pool_events_carry_the_box_shape(on: Connect, sim: LabSimulator) -> None:
    """A 25.10 client of a 26 box gets 26-shaped events: events are not adapted."""
    client = await on("v25.10.2")
    await client.call("core.subscribe", ["pool.query"])
    await sim.control("POST", "/control/pool", {"name": "new", "disks": ["sde"]})
    event = await client.event("pool.query", "added")
    assert event["fields"]["all_sed"] is False


# ---------------------------------------------------------------- apps


@pytest.mark.parametrize("version", ["v25.04.2", "v25.10.2", "v26.0.0"])
async def test_app_query_per_version(on: Connect, version: str) -> None:
    client = await on(version)
    nextcloud = await client.call("app.query", [[["name", "=", "nextcloud"]], {"get": True}])
    workloads = nextcloud["active_workloads"]
    # AppActiveWorkloads.used_host_ips came with the 25.10 API.
    assert ("used_host_ips" in workloads) is (version != "v25.04.2")
    # AppEntry.latest_app_version and action_required came with 26.
    if version == "v26.0.0":
        assert nextcloud["latest_app_version"] == "31.0.5"
        assert nextcloud["action_required"] is False
    else:
        assert "latest_app_version" not in nextcloud
        assert "action_required" not in nextcloud


# ---------------------------------------------------------------- backups


async def test_replication_query_shape(on: Connect) -> None:
    client = await on("v25.10.2")
    [task] = await client.call("replication.query")
    credentials = task["ssh_credentials"]
    assert credentials["type"] == "SSH_CREDENTIALS"
    assert set(credentials["attributes"]) >= {"host", "port", "username", "private_key"}
    [bound] = task["periodic_snapshot_tasks"]
    # replication.extend copies the storage_task row: state is stored JSON text.
    assert isinstance(bound["state"], str)
    assert bound["state"].startswith("{")
    assert "vmware_sync" not in bound
    assert bound["schedule"]["minute"] == "0"


@pytest.mark.parametrize("version", ["v25.10.2", "v26.0.0"])
async def test_cloudsync_query_shape(on: Connect, version: str) -> None:
    client = await on(version)
    tasks = await client.call("cloudsync.query")
    task = tasks[0]
    provider = task["credentials"]["provider"]
    assert provider == {"type": "B2", "account": "********", "key": "********"}
    # A cloud sync schedule is a plain cron: no begin/end window.
    assert set(task["schedule"]) == {"minute", "hour", "dom", "month", "dow"}
    if version == "v26.0.0":
        assert task["dataset"] == "tank/applications/paperless-ngx"
        assert task["relative_path"] == ""
    else:
        assert "dataset" not in task
        assert "relative_path" not in task


async def test_pool_snapshot_create_has_no_holds_or_retention(on: Connect) -> None:
    client = await on("v25.10.2", login=ADMIN_USER)
    created = await client.call(
        "pool.snapshot.create", [{"dataset": "tank/applications/n8n", "name": "shape-check"}]
    )
    assert created["id"] == "tank/applications/n8n@shape-check"
    assert "holds" not in created
    assert "retention" not in created


async def test_zfs_resource_query_has_txg_guid_and_children(on: Connect) -> None:
    client = await on("v25.10.2")
    result = await client.call(
        "zfs.resource.query",
        [
            {
                "paths": ["tank/applications"],
                "properties": ["snapshots_changed"],
                "get_children": True,
            }
        ],
    )
    assert len(result) > 1
    for entry in result:
        assert isinstance(entry["createtxg"], int)
        assert isinstance(entry["guid"], int)
        assert entry["guid"] > 0
        assert entry["children"] == []
    again = await client.call("zfs.resource.query", [{"paths": ["tank/applications"]}])
    assert again[0]["guid"] == result[0]["guid"]
    assert again[0]["createtxg"] == result[0]["createtxg"]
    assert len({entry["guid"] for entry in result}) == len(result)


# ---------------------------------------------------------------- the large lab


def test_generated_datasets_exist_from_the_start() -> None:
    """A ``backups.generate`` lab has its datasets at load, before any backup call."""
    lab = load_scenario()
    section: BackupsSection = lab.sections["backups"]
    section.generate = GenerateDef(
        datasets=3, snapshots=6, parent="tank/archive", interval=1800, until=datetime.now(UTC)
    )
    state = LabState(lab)
    names = {entry["name"] for entry in state.dataset_entries()}
    assert {"tank/archive", "tank/archive/ds00000", "tank/archive/ds00002"} <= names
