"""The n8n client against the simulated n8n."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest

from custom_components.homelab.clients.n8n import (
    Execution,
    ExecutionPage,
    N8nAuthenticationError,
    N8nClient,
    N8nConnectionError,
    N8nInvalidResponseError,
    N8nResponseError,
    N8nScopeError,
    Workflow,
)
from tests.common import LabHandle

pytestmark = pytest.mark.usefixtures("socket_enabled")
PINNED = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def client(lab: LabHandle, session: aiohttp.ClientSession, key: str | None = None) -> N8nClient:
    url = lab.simulator.service_url("n8n")
    assert url is not None
    return N8nClient(url, key or lab.scenario.sections["n8n"].api_key, session=session)


async def test_counts(lab: LabHandle, session: aiohttp.ClientSession) -> None:
    await lab.control("POST", "/control/services/clock", {"freeze": True})
    n8n = client(lab, session)
    assert await n8n.ready() is True
    assert await n8n.running_count() == 1
    failures = await n8n.failures_since(PINNED - timedelta(hours=24))
    assert [failure.id for failure in failures] == ["6", "4"]
    assert failures[0].workflow_id == "kTq3wV9xYb2LmN4p"
    assert failures[0].stopped_at == PINNED - timedelta(hours=2) + timedelta(seconds=5)
    assert await n8n.workflow("kTq3wV9xYb2LmN4p") == Workflow(
        id="kTq3wV9xYb2LmN4p", name="Paperless to Vikunja tasks"
    )
    assert await n8n.workflow("deleted") is None
    assert n8n.server_time is not None


async def test_waiting_counted(lab: LabHandle, session: aiohttp.ClientSession) -> None:
    """n8n 2.41.1's `status=waiting` works (the old client left waiting executions out)."""
    n8n = client(lab, session)
    waiting = (await n8n.executions(status="waiting")).executions
    assert [e.workflow_id for e in waiting] == ["Hc8Rz2PqL5sW1nXe"]
    assert waiting[0].wait_till is not None
    assert waiting[0].stopped_at is not None
    assert await n8n.waiting_count() == 1
    # A Wait under 65 s stays running; a longer one parks.
    await lab.control("POST", "/control/n8n/executions", {"status": "waiting", "seconds": 30})
    await lab.control("POST", "/control/n8n/executions", {"status": "waiting", "seconds": 65})
    assert (await n8n.running_count(), await n8n.waiting_count()) == (2, 2)
    # An older release whose filter answered nothing (seen once): 0, not an error.
    lab.scenario.sections["n8n"].waiting_filter_bug = True
    assert await n8n.waiting_count() == 0


async def test_crashed_on_a_server_without_the_filter(
    lab: LabHandle, session: aiohttp.ClientSession
) -> None:
    """An n8n that refuses `status=crashed` (400): failures are `error` only, asked once."""
    await lab.control("POST", "/control/services/clock", {"freeze": True})
    await lab.control("POST", "/control/n8n/executions", {"status": "running", "seconds": 60})
    assert (await lab.control("POST", "/control/n8n/restart")) == {"crashed": 2}
    n8n = client(lab, session)
    assert len(await n8n.failures_since(PINNED - timedelta(hours=24))) == 4
    assert n8n.crashed_filter_supported is True
    lab.scenario.sections["n8n"].legacy_status_filter = True
    assert [f.id for f in await n8n.failures_since(PINNED - timedelta(hours=24))] == ["6", "4"]
    assert n8n.crashed_filter_supported is False
    last = await n8n.last_failure()
    assert last is not None
    assert last.id == "6"


async def test_scopes(lab: LabHandle, session: aiohttp.ClientSession) -> None:
    """403 names the missing scope and is not an authentication error; 401 still is."""
    await lab.control(
        "POST", "/control/n8n/api_key", {"api_key": "wf", "scopes": ["workflow:read"]}
    )
    with pytest.raises(N8nScopeError) as info:
        await client(lab, session, key="wf").running_count()
    assert (info.value.scope, info.value.status) == ("execution:list", 403)
    assert "wf" not in str(info.value)
    assert await client(lab, session, key="wf").workflow("kTq3wV9xYb2LmN4p") is not None
    with pytest.raises(N8nScopeError):
        await client(lab, session, key="wf").failures_since(PINNED)
    with pytest.raises(N8nAuthenticationError):
        await client(lab, session).executions()


async def test_pages(lab: LabHandle, session: aiohttp.ClientSession) -> None:
    await lab.control("POST", "/control/services/clock", {"freeze": True})
    for _ in range(3):
        await lab.control("POST", "/control/n8n/executions", {"status": "running", "seconds": 60})
    n8n = client(lab, session)
    first = await n8n.executions(status="running", limit=2)
    assert len(first.executions) == 2
    assert first.next_cursor is not None
    second = await n8n.executions(status="running", limit=2, cursor=first.next_cursor)
    assert len(second.executions) == 2
    assert second.next_cursor is None
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("custom_components.homelab.clients.n8n.client.PAGE_LIMIT", 2)
        assert await n8n.running_count() == 4
        for _ in range(4):
            await lab.control("POST", "/control/n8n/executions", {"status": "error"})
        assert len(await n8n.failures_since(PINNED - timedelta(days=2))) == 7


async def test_legacy_server_without_running_filter(
    lab: LabHandle, session: aiohttp.ClientSession
) -> None:
    lab.scenario.sections["n8n"].legacy_status_filter = True
    n8n = client(lab, session)
    assert await n8n.running_count() is None
    assert n8n.running_filter_supported is False
    assert await n8n.running_count() is None


async def test_auth_and_readiness(lab: LabHandle, session: aiohttp.ClientSession) -> None:
    with pytest.raises(N8nAuthenticationError) as info:
        await client(lab, session, key="wrong").executions()
    assert "wrong" not in str(info.value)
    await lab.control("POST", "/control/n8n/ready", {"ready": False})
    assert await client(lab, session).ready() is False
    await lab.control("POST", "/control/n8n/fault", {"status": 500, "path": "/healthz"})
    with pytest.raises(N8nResponseError):
        await client(lab, session).ready()


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ({"status": 500, "body": {"message": "boom"}}, N8nResponseError),
        ({"garbage": True}, N8nInvalidResponseError),
        ({"status": 200, "body": {"data": "x"}}, N8nInvalidResponseError),
        ({"status": 200, "body": {"data": [{"id": "1"}]}}, N8nInvalidResponseError),
        ({"status": 200, "body": {"data": [{"status": "error"}]}}, N8nInvalidResponseError),
        ({"status": 200, "body": []}, N8nInvalidResponseError),
    ],
)
async def test_faults(
    lab: LabHandle, session: aiohttp.ClientSession, fault: dict[str, object], error: type
) -> None:
    await lab.control("POST", "/control/n8n/fault", {**fault, "path": "/api/v1/executions"})
    with pytest.raises(error):
        await client(lab, session).executions()


async def test_workflow_errors(lab: LabHandle, session: aiohttp.ClientSession) -> None:
    await lab.control("POST", "/control/n8n/fault", {"status": 500, "path": "/api/v1/workflows"})
    with pytest.raises(N8nResponseError):
        await client(lab, session).workflow("kTq3wV9xYb2LmN4p")
    await lab.control(
        "POST",
        "/control/n8n/fault",
        {"status": 200, "body": {"id": 1}, "path": "/api/v1/workflows"},
    )
    with pytest.raises(N8nInvalidResponseError):
        await client(lab, session).workflow("kTq3wV9xYb2LmN4p")


async def test_unreachable_and_timeout(lab: LabHandle, session: aiohttp.ClientSession) -> None:
    with pytest.raises(N8nConnectionError, match="cannot reach"):
        await N8nClient("http://127.0.0.1:9", "k", session=session).ready()
    url = lab.simulator.service_url("n8n")
    assert url is not None
    await lab.control("POST", "/control/n8n/fault", {"hang": True, "count": 1})
    with pytest.raises(N8nConnectionError, match="in time"):
        await N8nClient(url, "k", session=session, request_timeout=0.2).ready()


def test_models() -> None:
    execution = Execution.from_dict(
        {"id": 7, "status": "success", "workflowId": 3, "startedAt": "nope", "mode": 5}
    )
    assert (execution.id, execution.workflow_id, execution.started_at, execution.mode) == (
        "7",
        "3",
        None,
        None,
    )
    assert ExecutionPage.from_dict({"data": [], "nextCursor": ""}).next_cursor is None
    with pytest.raises(N8nInvalidResponseError):
        Execution.from_dict("x")
    assert (
        Execution.from_dict(
            {"id": "1", "status": "new", "startedAt": "2026-11-01T12:00:00"}
        ).started_at
        is None
    )


def test_models_read_leniently() -> None:
    """Ids may be integers (before n8n 1.0); unknown states stay as sent; a bad time is none."""
    execution = Execution.from_dict(
        {"id": 12, "status": "paused", "workflowId": 3, "startedAt": "now", "finished": "yes"}
    )
    assert (execution.id, execution.status, execution.workflow_id) == ("12", "paused", "3")
    assert (execution.started_at, execution.finished) == (None, False)
    page = ExecutionPage.from_dict({"data": [], "nextCursor": ""})
    assert (page.executions, page.next_cursor) == ((), None)
    with pytest.raises(N8nInvalidResponseError):
        Execution.from_dict({"id": True, "status": "error"})
    with pytest.raises(N8nInvalidResponseError):
        Workflow.from_dict({"id": "w", "name": None})
