"""Protocol handling that is hard to provoke from a well-behaved server: fed frames directly."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from unittest.mock import AsyncMock, MagicMock

import pytest

from custom_components.homelab.clients.truenas import (
    Job,
    TrueNASCallError,
    TrueNASClient,
    TrueNASConnectionError,
    TrueNASInvalidResponseError,
    TrueNASMethodNotFoundError,
    TrueNASTimeoutError,
    TrueNASTooManyCallsError,
)
from custom_components.homelab.clients.truenas.client import _call_error


class FakeSocket:
    """Just enough of a ClientWebSocketResponse for call(): records what is sent."""

    def __init__(self, client: TrueNASClient) -> None:
        self.client = client
        self.sent: list[dict[str, Any]] = []
        self.closed = False
        self.replies: dict[str, Any] = {}

    async def send_str(self, text: str) -> None:
        message = json.loads(text)
        self.sent.append(message)
        reply = self.replies.get(message["method"])
        if reply is not None:
            frame = {"jsonrpc": "2.0", "id": message["id"], **reply}
            asyncio.get_running_loop().call_soon(self.client._handle_text, json.dumps(frame))


def connected_client() -> tuple[TrueNASClient, FakeSocket]:
    client = TrueNASClient("127.0.0.1", username="u", api_key="k", session=MagicMock())
    sock = FakeSocket(client)
    client._ws = sock  # type: ignore[assignment]
    client._logged_in = True
    client._connected = True
    return client, sock


def test_error_mapping() -> None:
    assert isinstance(_call_error({"code": -32601, "message": "x"}), TrueNASMethodNotFoundError)
    assert isinstance(_call_error({"code": -32000, "message": "x"}), TrueNASTooManyCallsError)
    err = _call_error(
        {
            "code": -32001,
            "message": "Method call error",
            "data": {"error": 13, "errname": "EACCES", "reason": "Not authorized", "extra": None},
        }
    )
    assert err.not_authorized
    assert err.errno == 13
    assert "Not authorized" in str(err)
    assert _call_error("garbage").code == 0
    assert _call_error({"data": "x"}).errname is None


async def test_garbage_frames_are_ignored(caplog: pytest.LogCaptureFixture) -> None:
    """Garbage neither resolves nor breaks a pending call; the real reply still does."""
    client, sock = connected_client()
    call = asyncio.create_task(client.call("system.info"))
    await asyncio.sleep(0)
    call_id = sock.sent[-1]["id"]
    for frame in [
        "not json",
        "[1, 2]",
        '{"id": "x"}',
        '{"id": 999, "result": 1}',
        '{"method": "other"}',
        '{"method": "collection_update", "params": {"bad": 1}}',
        '{"method": "notify_unsubscribed", "params": "x"}',
    ]:
        client._handle_text(frame)
    assert not call.done()
    assert "not JSON" in caplog.text
    client._handle_text(json.dumps({"jsonrpc": "2.0", "id": call_id, "result": {"ok": 1}}))
    assert await call == {"ok": 1}


async def test_reply_without_result_is_invalid() -> None:
    client, sock = connected_client()
    sock.replies["x"] = {}
    with pytest.raises(TrueNASInvalidResponseError):
        await client.call("x")


async def test_call_error_reply() -> None:
    client, sock = connected_client()
    sock.replies["x"] = {"error": {"code": -32001, "message": "Method call error"}}
    with pytest.raises(TrueNASCallError):
        await client.call("x")


async def test_send_failure_is_a_connection_error() -> None:
    client, sock = connected_client()
    sock.send_str = AsyncMock(side_effect=ConnectionResetError)  # type: ignore[method-assign]
    with pytest.raises(TrueNASConnectionError):
        await client.call("x")


async def test_login_without_response_type_is_invalid() -> None:
    client, sock = connected_client()
    client._logged_in = False
    sock.replies["auth.login_ex"] = {"result": {}}
    with pytest.raises(TrueNASInvalidResponseError):
        await client._login()


async def test_subscribe_needs_a_string_id() -> None:
    client, sock = connected_client()
    sock.replies["core.subscribe"] = {"result": 5}
    with pytest.raises(TrueNASInvalidResponseError):
        await client.subscribe("alert.list", lambda _e: None)
    assert client.subscriptions == {}


async def test_notify_unsubscribed_clears_the_server_id() -> None:
    client, sock = connected_client()
    sock.replies["core.subscribe"] = {"result": "sub-1"}
    await client.subscribe("app.stats", lambda _e: None)
    client._handle_text(
        json.dumps({"method": "notify_unsubscribed", "params": {"collection": "app.stats"}})
    )
    assert client.subscriptions == {"app.stats": None}


async def test_host_id_and_versions_validation() -> None:
    client, sock = connected_client()
    sock.replies["system.host_id"] = {"result": 42}
    with pytest.raises(TrueNASInvalidResponseError):
        await client.host_id()


def _job(state: str, job_id: int = 5) -> dict[str, Any]:
    return {"id": job_id, "method": "app.start", "state": state, "progress": {"percent": 50}}


async def test_wait_for_job_follows_events() -> None:
    client, sock = connected_client()
    sock.replies["core.subscribe"] = {"result": "jobs"}
    sock.replies["core.get_jobs"] = {"result": [_job("RUNNING")]}
    waiter = asyncio.create_task(client.wait_for_job(5, timeout=5))
    await asyncio.sleep(0.05)

    def event(fields: Any, job_id: Any = 5) -> str:
        return json.dumps(
            {
                "method": "collection_update",
                "params": {
                    "msg": "changed",
                    "collection": "core.get_jobs",
                    "id": job_id,
                    "fields": fields,
                },
            }
        )

    client._handle_text(event("nonsense"))
    client._handle_text(event({"state": "RUNNING"}))  # no method: ignored
    client._handle_text(event({k: v for k, v in _job("RUNNING").items() if k != "id"}))
    client._handle_text(event({k: v for k, v in _job("SUCCESS").items() if k != "id"}))
    job = await waiter
    assert isinstance(job, Job)
    assert job.state == "SUCCESS"
    assert client._job_waiters == {}


async def test_wait_for_job_already_finished() -> None:
    client, sock = connected_client()
    sock.replies["core.subscribe"] = {"result": "jobs"}
    sock.replies["core.get_jobs"] = {"result": [_job("FAILED")]}
    assert (await client.wait_for_job(5)).state == "FAILED"


async def test_wait_for_job_timeout_and_unknown_job() -> None:
    client, sock = connected_client()
    sock.replies["core.subscribe"] = {"result": "jobs"}
    sock.replies["core.get_jobs"] = {"result": []}
    assert await client.get_job(5) is None
    with pytest.raises(TrueNASTimeoutError):
        await client.wait_for_job(5, timeout=0.05)


async def test_pending_calls_fail_when_socket_is_lost() -> None:
    client, _sock = connected_client()
    call = asyncio.create_task(client.call("never.answered"))
    waiter: asyncio.Future[Job] = asyncio.get_running_loop().create_future()
    client._job_waiters[1] = [waiter]
    await asyncio.sleep(0.01)
    client._closing = True
    client._fail_pending(TrueNASConnectionError("lost"))
    with pytest.raises(TrueNASConnectionError):
        await call
    with pytest.raises(TrueNASConnectionError):
        await waiter
