"""Contract checks for n8n: the same checks, unchanged, against `labsim` and the real n8n 2.41.1.

Each check runs twice: `[labsim]` against the simulator, `[real]` against a real n8n installed by
`scripts/setup_n8n` (see `real_n8n.py`). Without that install the `[real]` runs skip, saying so,
except in CI (`CI=true`), where they fail: there the real n8n must be there.

Both backends start alike: workflows `ok`, `fail`, `park` (a 20-minute Wait) and `slow` (a
50-second Wait); one `slow` execution killed by a restart (so `crashed`), then one execution each
of `ok`, `fail` and `park`. The simulator's scenario has executions of its own besides, so the
checks say "contains", never "equals", about lists.

The n8n client and the n8n Home Assistant entry run against both too (`test_entry_*`).
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
import json
import os
import time
from typing import Any, Final

import aiohttp
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homelab.clients.n8n import (
    Execution,
    N8nAuthenticationError,
    N8nClient,
    N8nResponseError,
    N8nScopeError,
)
from custom_components.homelab.const import CONF_ENTRY_TYPE, CONF_VERIFY_SSL, DOMAIN, EntryType
from custom_components.homelab.pipeline.const import CONF_API_KEY, CONF_URL
from custom_components.homelab.pipeline.n8n import missing_scope_issue_id

from . import real_n8n

pytestmark = [
    pytest.mark.usefixtures("socket_enabled"),
    # A real n8n takes a while to start (twice: the crash); one instance per xdist worker group.
    pytest.mark.timeout(600),
    pytest.mark.xdist_group("n8n_contract"),
]

EXECUTION_KEYS: Final = {
    "id",
    "finished",
    "mode",
    "retryOf",
    "retrySuccessId",
    "status",
    "startedAt",
    "stoppedAt",
    "workflowId",
    "waitTill",
}
WAIT: Final = 60.0
LABSIM_EXECUTION_ONLY_KEY: Final = "contract-execution-scopes-only"
# labsim: what each kind of trigger starts (the real n8n runs the workflows).
LABSIM_RUNS: Final = {
    "ok": {"status": "running", "seconds": 0.05, "outcome": "success"},
    "fail": {"status": "running", "seconds": 0.05, "outcome": "error"},
    "park": {"status": "waiting", "seconds": 1200},
    "slow": {"status": "waiting", "seconds": 50},
}
LABSIM_WORKFLOWS: Final = {
    "ok": "kTq3wV9xYb2LmN4p",
    "fail": "Hc8Rz2PqL5sW1nXe",
    "park": "a7Bv4Nq9Td3Kx6Jm",
    "slow": "kTq3wV9xYb2LmN4p",
}


@dataclass
class Backend:
    """An n8n to check: its URL, keys, workflows and how to make things happen in it."""

    name: str
    url: str
    key: str
    """A key with the scopes the integration asks for."""
    execution_only_key: str
    """A key with `execution:list` and `execution:read` only."""
    workflows: dict[str, tuple[str, str]]
    """kind -> (workflow id, name)."""
    trigger: Callable[[str], Awaitable[None]]
    restart: Callable[[], Awaitable[None]]

    def client(self, session: aiohttp.ClientSession, key: str | None = None) -> N8nClient:
        """The project's client on this backend."""
        return N8nClient(self.url, key or self.key, session=session)


async def _until[T](what: str, probe: Callable[[], Awaitable[T | None]]) -> T:
    deadline = time.monotonic() + WAIT
    while True:
        found = await probe()
        if found is not None:
            return found
        if time.monotonic() > deadline:
            msg = f"timed out waiting for {what}"
            raise AssertionError(msg)
        await asyncio.sleep(0.3)


async def _executions(client: N8nClient, status: str | None = None) -> list[Execution]:
    return list((await client.executions(status=status)).executions)


async def _new_execution(backend: Backend, client: N8nClient, kind: str, status: str) -> Execution:
    """Trigger `kind` and wait for its execution to show with `status`."""
    workflow_id = backend.workflows[kind][0]
    before = {e.id for e in await _executions(client, status)}

    async def probe() -> Execution | None:
        for execution in await _executions(client, status):
            if execution.workflow_id == workflow_id and execution.id not in before:
                return execution
        return None

    await backend.trigger(kind)
    return await _until(f"a new {status} execution of {kind}", probe)


async def _prepare(backend: Backend) -> None:
    """One crashed execution, then one of each of ok, fail and park."""
    async with aiohttp.ClientSession() as session:
        client = backend.client(session)
        await _new_execution(backend, client, "slow", "running")
        await backend.restart()
        for kind, status in (("ok", "success"), ("fail", "error"), ("park", "waiting")):
            await _new_execution(backend, client, kind, status)


# ---------------------------------------------------------------- the backends


def _labsim(request: pytest.FixtureRequest) -> Backend:
    lab = request.getfixturevalue("lab")
    url = lab.simulator.service_url("n8n")
    assert url is not None
    key = lab.scenario.sections["n8n"].api_key
    lab.simulator.control_sync(
        "POST",
        "/control/n8n/api_key",
        {
            "api_key": LABSIM_EXECUTION_ONLY_KEY,
            "scopes": ["execution:list", "execution:read"],
            "add": True,
        },
    )
    names = {w.id: w.name for w in lab.scenario.sections["n8n"].workflows}

    async def trigger(kind: str) -> None:
        await lab.control(
            "POST",
            "/control/n8n/executions",
            {"workflow": LABSIM_WORKFLOWS[kind], **LABSIM_RUNS[kind]},
        )

    async def restart() -> None:
        await lab.control("POST", "/control/n8n/restart")

    return Backend(
        name="labsim",
        url=url,
        key=key,
        execution_only_key=LABSIM_EXECUTION_ONLY_KEY,
        workflows={kind: (wid, names[wid]) for kind, wid in LABSIM_WORKFLOWS.items()},
        trigger=trigger,
        restart=restart,
    )


@pytest.fixture(scope="session")
def real_n8n_process() -> Iterator[real_n8n.RealN8n]:
    """A real n8n, bootstrapped once per test process (or a skip, or in CI a failure)."""
    root = real_n8n.installed()
    if root is None:
        reason = (
            f"the real n8n {real_n8n.N8N_VERSION} is not installed "
            f"(scripts/setup_n8n installs it; looked in {', '.join(filter(None, real_n8n.CANDIDATES))})"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the contract tests against a real n8n: {reason}")
        pytest.skip(reason)
    server = real_n8n.RealN8n(root)
    try:
        server.start()
        server.bootstrap()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def real_backend(real_n8n_process: real_n8n.RealN8n) -> Backend:
    """The real n8n as a backend, prepared like the simulator."""
    server = real_n8n_process

    async def trigger(kind: str) -> None:
        await asyncio.to_thread(server.trigger, kind)

    async def restart() -> None:
        await asyncio.to_thread(server.restart)

    backend = Backend(
        name="real",
        url=server.url,
        key=server.key,
        execution_only_key=server.execution_only_key,
        workflows={kind: (w.id, w.name) for kind, w in server.workflows.items()},
        trigger=trigger,
        restart=restart,
    )
    # Requested from inside a test's event loop: prepare in a loop of its own.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, _prepare(backend)).result()
    return backend


@pytest.fixture(params=["labsim", "real"])
async def backend(request: pytest.FixtureRequest) -> Backend:
    """Each check against the simulator, then against the real n8n."""
    if request.param == "labsim":
        chosen = _labsim(request)
        await _prepare(chosen)
    else:
        chosen = request.getfixturevalue("real_backend")
    return chosen


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def _raw(
    session: aiohttp.ClientSession, backend: Backend, path: str, key: str | None = ""
) -> tuple[int, str, Any]:
    headers = {"Accept": "application/json"}
    if key is not None:
        headers["X-N8N-API-KEY"] = key or backend.key
    async with session.get(f"{backend.url}{path}", headers=headers) as response:
        return response.status, response.content_type, await response.json(content_type=None)


# ---------------------------------------------------------------- the checks


async def test_health_needs_no_key(backend: Backend, session: aiohttp.ClientSession) -> None:
    assert await backend.client(session, "wrong").ready() is True
    for path in ("/healthz", "/healthz/readiness"):
        assert await _raw(session, backend, path, key=None) == (
            200,
            "application/json",
            {"status": "ok"},
        )


async def test_wrong_or_missing_key_is_401(
    backend: Backend, session: aiohttp.ClientSession
) -> None:
    for key in (None, "not-a-key"):
        assert await _raw(session, backend, "/api/v1/executions", key=key) == (
            401,
            "application/json",
            {"message": "Unauthorized"},
        )
    with pytest.raises(N8nAuthenticationError):
        await backend.client(session, "not-a-key").executions(limit=1)


async def test_missing_scope_is_403_not_an_auth_failure(
    backend: Backend, session: aiohttp.ClientSession
) -> None:
    """Issue 10, n8n 1: a key with only execution scopes may not read workflows."""
    workflow_id = backend.workflows["fail"][0]
    status, content_type, body = await _raw(
        session, backend, f"/api/v1/workflows/{workflow_id}", key=backend.execution_only_key
    )
    assert (status, content_type) == (403, "application/json")
    assert body == {"message": "Forbidden"}
    limited = backend.client(session, backend.execution_only_key)
    assert (await limited.executions(limit=1)).executions
    assert await limited.running_count() is not None
    with pytest.raises(N8nScopeError) as info:
        await limited.workflow(workflow_id)
    assert info.value.scope == "workflow:read"
    assert not isinstance(info.value, N8nAuthenticationError)
    full = backend.client(session)
    workflow = await full.workflow(workflow_id)
    assert workflow is not None
    assert workflow.name == backend.workflows["fail"][1]
    assert await full.workflow("doesNotExist0000") is None


async def test_crashed_executions_are_failures(
    backend: Backend, session: aiohttp.ClientSession
) -> None:
    """Issue 10, n8n 2: a restart leaves `crashed`, which `status=error` does not return."""
    client = backend.client(session)
    crashed = await _executions(client, "crashed")
    assert crashed, "the restart left no crashed execution"
    assert all(e.status == "crashed" and not e.finished for e in crashed)
    assert all(e.stopped_at is not None for e in crashed)
    errors = await _executions(client, "error")
    assert errors
    assert {e.id for e in crashed}.isdisjoint({e.id for e in errors})
    now = client.server_time
    assert now is not None
    failures = await client.failures_since(now - timedelta(hours=24))
    ids = {e.id for e in failures}
    assert {e.id for e in crashed} <= ids
    assert {
        e.id for e in errors if e.started_at and e.started_at >= now - timedelta(hours=24)
    } <= ids
    last = await client.last_failure()
    assert last is not None
    assert last.id == failures[0].id


async def test_running_left_out_of_the_unfiltered_list(
    backend: Backend, session: aiohttp.ClientSession
) -> None:
    """Issue 10, n8n 3: running executions are only seen with `status=running`."""
    client = backend.client(session)
    running = await _new_execution(backend, client, "slow", "running")
    # A Wait under 65 s keeps the execution running: no waitTill, not stopped.
    assert (running.wait_till, running.stopped_at, running.finished) == (None, None, False)
    listed = await _executions(client)
    assert running.id not in {e.id for e in listed}
    assert not {e.status for e in listed} & {"running", "new"}
    count = await client.running_count()
    assert count is not None
    assert count >= 1


async def test_waiting_filter_works(backend: Backend, session: aiohttp.ClientSession) -> None:
    """Issue 10, n8n 3 and 4: a long Wait parks the execution; `stoppedAt` is set."""
    client = backend.client(session)
    waiting = [e for e in await _executions(client, "waiting") if e.status == "waiting"]
    park = [e for e in waiting if e.workflow_id == backend.workflows["park"][0]]
    assert park, "status=waiting did not list the parked execution"
    assert all(e.wait_till is not None and e.stopped_at is not None for e in park)
    assert await client.waiting_count() == len(waiting)
    # The unfiltered list shows waiting executions.
    assert {e.id for e in park} <= {e.id for e in await _executions(client)}


async def test_cursor_ids_are_strings(backend: Backend, session: aiohttp.ClientSession) -> None:
    """Issue 10, n8n 4: `nextCursor` is base64 JSON whose `lastId` is a string."""
    client = backend.client(session)
    first = await client.executions(limit=1)
    assert first.next_cursor is not None
    cursor = json.loads(base64.b64decode(first.next_cursor))
    assert cursor == {"lastId": first.executions[0].id, "limit": 1}
    second = await client.executions(limit=1, cursor=first.next_cursor)
    assert int(second.executions[0].id) < int(first.executions[0].id)
    with pytest.raises(N8nResponseError) as info:
        await client.executions(cursor="garbage")
    assert info.value.status == 400
    assert info.value.payload == {"message": "An invalid cursor was provided"}


async def test_execution_shape(backend: Backend, session: aiohttp.ClientSession) -> None:
    """Issue 10, n8n 4: these keys and no others (no `customData`); ids are strings."""
    for query in ("", "?status=running", "?status=waiting", "?status=crashed"):
        status, content_type, body = await _raw(session, backend, f"/api/v1/executions{query}")
        assert (status, content_type) == (200, "application/json")
        assert set(body) == {"data", "nextCursor"}
        for item in body["data"]:
            assert set(item) == EXECUTION_KEYS, query
            assert isinstance(item["id"], str)
            assert isinstance(item["workflowId"], str)


# ---------------------------------------------------------------- the Home Assistant entry


def _entry(backend: Backend, key: str) -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        title="n8n",
        entry_id="n8n_contract_entry",
        unique_id=f"n8n_{backend.url}",
        data={
            CONF_ENTRY_TYPE: EntryType.N8N.value,
            CONF_URL: backend.url,
            CONF_VERIFY_SSL: True,
            CONF_API_KEY: key,
        },
    )


def _state(hass: HomeAssistant, entity_id: str) -> str:
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state.state


async def _setup(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


@pytest.mark.usefixtures("enable_custom_integrations")
async def test_entry_counts(
    hass: HomeAssistant, backend: Backend, session: aiohttp.ClientSession
) -> None:
    """The entry counts running, waiting and failed (crashed too) executions."""
    client = backend.client(session)
    await _new_execution(backend, client, "slow", "running")
    entry = _entry(backend, backend.key)
    await _setup(hass, entry)
    assert int(_state(hass, "sensor.n8n_running_executions")) >= 1
    assert int(_state(hass, "sensor.n8n_waiting_executions")) >= 1
    crashed = await _executions(client, "crashed")
    failed = int(_state(hass, "sensor.n8n_failed_executions_24_h"))
    assert failed >= len(crashed) + 1
    last = hass.states.get("sensor.n8n_last_failure")
    assert last is not None
    assert last.state not in ("unknown", "unavailable")
    # The newest failure is the `fail` run (after the crash).
    assert _state(hass, "sensor.n8n_last_failed_workflow") == backend.workflows["fail"][1]
    assert not ir.async_get(hass).issues
    await hass.config_entries.async_unload(entry.entry_id)


@pytest.mark.usefixtures("enable_custom_integrations")
async def test_entry_with_execution_scopes_only(hass: HomeAssistant, backend: Backend) -> None:
    """Issue 10, n8n 1: no reauth; the entry works and a repair names `workflow:read`."""
    entry = _entry(backend, backend.execution_only_key)
    await _setup(hass, entry)
    assert entry.state.name == "LOADED"
    assert not [
        f for f in hass.config_entries.flow.async_progress() if f["step_id"].startswith("reauth")
    ]
    assert _state(hass, "sensor.n8n_running_executions") not in ("unknown", "unavailable")
    assert _state(hass, "sensor.n8n_failed_executions_24_h") not in ("unknown", "unavailable")
    assert _state(hass, "sensor.n8n_last_failed_workflow") == "unknown"
    issue = ir.async_get(hass).async_get_issue(
        DOMAIN, missing_scope_issue_id(entry, "workflow:read")
    )
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["scope"] == "workflow:read"
    await hass.config_entries.async_unload(entry.entry_id)
