"""The simulator's apps: app.query, the app jobs and their events, app.stats, control routes."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from labsim import LabSimulator
from labsim.apps import apps_of, parse_apps_section
from labsim.scenario import Scenario, ScenarioError, _Reader
from tests.labsim.rpc_client import RpcClient


@pytest.fixture
def scenario(scenario: Scenario) -> Scenario:
    """App jobs in a fraction of a second."""
    section = scenario.sections["apps"]
    section.job_seconds = dict.fromkeys(section.job_seconds, 0.2)
    return scenario


async def control(
    http: aiohttp.ClientSession, sim: LabSimulator, method: str, path: str, body: Any = None
) -> tuple[int, Any]:
    async with http.request(method, f"{sim.control_url}{path}", json=body) as response:
        return response.status, await response.json()


async def test_query_with_select_and_filters(client: RpcClient) -> None:
    apps = await client.call("app.query", [[], {"select": ["name", "state"]}])
    assert len(apps) == 10
    assert {"name": "ollama", "state": "RUNNING"} in apps
    nextcloud = await client.call("app.query", [[["name", "=", "nextcloud"]], {"get": True}])
    assert nextcloud["upgrade_available"] is True
    assert nextcloud["latest_version"] == "2.1.9"
    assert nextcloud["human_version"] == "31.0.4_2.1.8"
    assert nextcloud["metadata"]["train"] == "community"
    workloads = nextcloud["active_workloads"]
    assert workloads["containers"] == 3
    assert {c["state"] for c in workloads["container_details"]} == {"running"}
    assert workloads["used_ports"][0]["container_port"] == 30027


async def test_stop_and_start_jobs_emit_events(client: RpcClient) -> None:
    await client.call("core.subscribe", ["app.query"])
    await client.call("core.subscribe", ["core.get_jobs"])
    job_id = await client.call("app.stop", ["radicale"])
    assert isinstance(job_id, int)
    states = []
    while True:
        event = await client.event("app.query")
        states.append(event["fields"]["state"])
        if event["fields"]["state"] == "STOPPED":
            break
    assert states == ["STOPPING", "STOPPED"]
    assert event["fields"]["active_workloads"]["container_details"] == []
    while True:
        job = await client.event("core.get_jobs")
        if job["fields"]["state"] == "SUCCESS":
            break
    assert job["id"] == job_id
    assert job["fields"]["method"] == "app.stop"
    # AppStopResult / AppStartResult: the job ends with result null (not the app entry).
    assert job["fields"]["result"] is None
    start_id = await client.call("app.start", ["radicale"])
    while (await client.event("app.query"))["fields"]["state"] != "RUNNING":
        pass
    while (job := await client.event("core.get_jobs"))["fields"]["state"] != "SUCCESS":
        pass
    assert job["id"] == start_id
    assert job["fields"]["result"] is None


async def test_jobs_are_added_waiting_then_run(client: RpcClient) -> None:
    """The middleware adds a job as WAITING and then runs it (RUNNING), like every job."""
    await client.call("core.subscribe", ["core.get_jobs"])
    job_id = await client.call("app.redeploy", ["radicale"])
    added = await client.event("core.get_jobs")
    assert (added["msg"], added["id"], added["fields"]["state"]) == ("added", job_id, "WAITING")
    assert added["fields"]["time_started"] is None
    running = await client.event("core.get_jobs")
    assert (running["msg"], running["fields"]["state"]) == ("changed", "RUNNING")
    assert running["fields"]["time_started"] is not None
    while (job := await client.event("core.get_jobs"))["fields"]["state"] != "SUCCESS":
        pass
    # app.redeploy (like app.upgrade) returns the app entry.
    assert job["fields"]["result"]["name"] == "radicale"


@pytest.mark.parametrize("method", ["app.start", "app.stop", "app.redeploy", "app.upgrade"])
async def test_unknown_app_gives_a_failed_job(client: RpcClient, method: str) -> None:
    """``app.get_instance`` runs inside the job: an unknown app is a FAILED job, not an error."""
    await client.call("core.subscribe", ["core.get_jobs"])
    job_id = await client.call(method, ["nope"])
    assert isinstance(job_id, int)
    states = []
    while True:
        job = await client.event("core.get_jobs")
        assert job["id"] == job_id
        states.append(job["fields"]["state"])
        if job["fields"]["state"] == "FAILED":
            break
    assert states == ["WAITING", "RUNNING", "FAILED"]
    assert job["fields"]["error"] == "[ENOENT] None: App nope does not exist"
    assert job["fields"]["method"] == method


async def test_second_job_is_refused_while_one_runs(client: RpcClient) -> None:
    await client.call("app.redeploy", ["n8n"])
    error = await client.error("app.redeploy", ["n8n"])
    assert error["data"]["errname"] == "EBUSY"
    no_name = await client.error("app.start", [])
    assert no_name["code"] == -32602


async def test_upgrade(client: RpcClient) -> None:
    await client.call("core.subscribe", ["core.get_jobs"])
    error = await client.error("app.upgrade", ["radicale"])
    assert "No upgrade" in error["data"]["reason"]
    job_id = await client.call("app.upgrade", ["nextcloud", {"app_version": "latest"}])
    while True:
        job = await client.event("core.get_jobs")
        if job["id"] == job_id and job["fields"]["state"] == "SUCCESS":
            break
    assert job["fields"]["result"]["version"] == "2.1.9"
    app = await client.call("app.query", [[["name", "=", "nextcloud"]], {"get": True}])
    assert app["upgrade_available"] is False
    assert app["human_version"] == "31.0.5_2.1.9"


async def test_stats_stream(sim: LabSimulator, client: RpcClient) -> None:
    name = 'app.stats:{"interval": 2}'
    await client.call("core.subscribe", [name])
    event = await client.event(name, timeout=5)
    samples = {sample["app_name"]: sample for sample in event["fields"]}
    assert samples["ollama"]["cpu_usage"] > 20
    assert samples["ollama"]["memory"] > 8 * 1024**3
    assert samples["qbittorrent"]["networks"][0]["rx_bytes"] > 1024**2
    # A second subscriber to the same source does not start a second stream.
    await client.call("core.subscribe", [name])
    assert len(apps_of(sim.state).stats_streams) == 1


async def test_stats_interval_argument_is_lenient(sim: LabSimulator, client: RpcClient) -> None:
    for name in ("app.stats", "app.stats:not json", 'app.stats:{"interval": 1}'):
        await client.call("core.subscribe", [name])
    streams = apps_of(sim.state).stats_streams
    assert set(streams) == {"app.stats", "app.stats:not json", 'app.stats:{"interval": 1}'}


async def test_control_routes(
    sim: LabSimulator, client: RpcClient, http: aiohttp.ClientSession
) -> None:
    await client.call("core.subscribe", ["app.query"])
    status, listing = await control(http, sim, "GET", "/control/apps")
    assert status == 200
    assert listing["ollama"] == "RUNNING"
    assert (await control(http, sim, "POST", "/control/apps/ollama/crash"))[1] == {
        "state": "CRASHED"
    }
    event = await client.event("app.query", "changed")
    assert event["fields"]["state"] == "CRASHED"
    assert {c["state"] for c in event["fields"]["active_workloads"]["container_details"]} == {
        "crashed"
    }
    status, body = await control(
        http, sim, "POST", "/control/apps/vikunja/state", {"state": "stopped"}
    )
    assert body == {"state": "STOPPED"}
    status, body = await control(http, sim, "POST", "/control/apps/vikunja/state", {"state": "x"})
    assert status == 400
    status, body = await control(
        http,
        sim,
        "POST",
        "/control/apps/radicale/upgrade_available",
        {"version": "1.2.2", "app_version": "3.5.2"},
    )
    assert body == {"latest_version": "1.2.2"}
    status, body = await control(http, sim, "POST", "/control/apps/radicale/fail_next_job", {})
    assert body == {"fail_next_job": "Failed to start app"}
    status, _ = await control(http, sim, "POST", "/control/apps/none/crash")
    assert status == 404


async def test_install_and_delete(
    sim: LabSimulator, client: RpcClient, http: aiohttp.ClientSession
) -> None:
    await client.call("core.subscribe", ["app.query"])
    app = {
        "name": "immich",
        "version": "1.0.0",
        "app_version": "1.133.0",
        "containers": [{"service": "server", "image": "immich:1.133.0"}],
        "workload": {"cpu": 5, "memory": "2 GiB", "rx": "1 KiB", "tx": "1 KiB"},
        "upgrade": {"version": "1.0.1", "app_version": "1.134.0"},
    }
    status, _ = await control(http, sim, "POST", "/control/apps", app)
    assert status == 200
    added = await client.event("app.query", "added")
    assert added["fields"]["state"] == "DEPLOYING"
    changed = await client.event("app.query", "changed")
    assert changed["fields"]["state"] == "RUNNING"
    status, _ = await control(http, sim, "POST", "/control/apps", app)
    assert status == 409
    # Deleting an app mid-job fails the job.
    await client.call("core.subscribe", ["core.get_jobs"])
    job_id = await client.call("app.redeploy", ["immich"])
    await control(http, sim, "DELETE", "/control/apps/immich")
    removed = await client.event("app.query", "removed")
    assert removed["id"] == "immich"
    while True:
        job = await client.event("core.get_jobs")
        if job["id"] == job_id and job["fields"]["state"] != "RUNNING":
            break
    assert job["fields"]["state"] == "FAILED"
    assert "deleted" in job["fields"]["error"]


async def test_failed_job_crashes_the_app(
    sim: LabSimulator, client: RpcClient, http: aiohttp.ClientSession
) -> None:
    await control(http, sim, "POST", "/control/apps/litellm/fail_next_job", {"error": "boom"})
    await client.call("core.subscribe", ["core.get_jobs"])
    await client.call("app.redeploy", ["litellm"])
    while True:
        job = await client.event("core.get_jobs")
        if job["fields"]["state"] == "FAILED":
            break
    assert job["fields"]["error"] == "boom"
    app = await client.call("app.query", [[["name", "=", "litellm"]], {"get": True}])
    assert app["state"] == "CRASHED"


def test_section_parsing_errors() -> None:
    with pytest.raises(ScenarioError):
        parse_apps_section(_Reader({"installed": [{"version": "1"}]}, "apps"), None)  # type: ignore[arg-type]
    with pytest.raises(ScenarioError):
        parse_apps_section(_Reader({"installed": [{"name": "x", "bogus": 1}]}, "apps"), None)  # type: ignore[arg-type]
    section = parse_apps_section(
        _Reader({"job_seconds": {"start": 1}, "installed": [{"name": "x"}]}, "apps"),
        None,  # type: ignore[arg-type]
    )
    assert section.job_seconds["start"] == 1
    assert section.installed[0].containers == [("x", "ix/x:latest")]
