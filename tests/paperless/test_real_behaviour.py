"""What the real Paperless-ngx 2.20.15 and 3.0.5 do that the client must handle (issue 10).

Each case runs against the simulator changed to behave like the recorded real servers
(`tests/paperless/fixtures`, checked by `test_contract.py`); each would fail on the client that
asked `GET /api/` for the version, filtered API 9 tasks in upper case, and read the queue from
`/api/tasks/active/`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import aiohttp
from aiohttp import web
import pytest

from custom_components.homelab.clients.paperless import (
    PaperlessAuthenticationError,
    PaperlessBadRequestError,
    PaperlessClient,
    Task,
    client as client_module,
)
from tests.common import LabHandle

pytestmark = pytest.mark.usefixtures("socket_enabled")

# The seed lab's queue (pinned clock): one scan running since 11:59:50, created at 11:59:20.
RUNNING_CREATED = datetime(2026, 11, 1, 11, 59, 20, tzinfo=UTC)


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def token(lab: LabHandle) -> str:
    return str(lab.scenario.sections["paperless"].token)


def paperless(
    lab: LabHandle, session: aiohttp.ClientSession, url: str | None = None
) -> PaperlessClient:
    base = url or lab.simulator.service_url("paperless")
    assert base is not None
    return PaperlessClient(base, token(lab), session=session)


async def set_version(lab: LabHandle, version: str) -> None:
    await lab.control("POST", "/control/services/clock", {"freeze": True})
    await lab.control("POST", "/control/paperless/version", {"version": version})


@pytest.fixture
async def header_dropping_proxy(lab: LabHandle) -> AsyncIterator[str]:
    """A reverse proxy in front of the simulated Paperless-ngx that drops the version headers."""
    upstream = lab.simulator.service_url("paperless")
    assert upstream is not None
    async with aiohttp.ClientSession() as outbound:

        async def forward(request: web.Request) -> web.Response:
            async with outbound.request(
                request.method,
                upstream + request.path_qs,
                headers={k: v for k, v in request.headers.items() if k.lower() != "host"},
                data=await request.read(),
                allow_redirects=False,
            ) as response:
                body = await response.read()
                kept = {
                    k: v
                    for k, v in response.headers.items()
                    if k.lower() not in ("x-api-version", "x-version", "content-length")
                    and k.lower() != "transfer-encoding"
                }
                return web.Response(status=response.status, body=body, headers=kept)

        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", forward)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            await runner.cleanup()


# ---------------------------------------------------------------- 1, 2: version and token


@pytest.mark.parametrize(("version", "api"), [("2.20.15", 9), ("3.0.5", 10)])
async def test_version_comes_from_the_statistics(
    lab: LabHandle, session: aiohttp.ClientSession, version: str, api: int
) -> None:
    # GET /api/ is the Swagger redirect on every release since 2.15 (406 to JSON).
    await set_version(lab, version)
    client = paperless(lab, session)
    assert await client.negotiate() == api
    assert client.server_version == version
    assert client.server_major == int(version[0])


@pytest.mark.parametrize("version", ["2.20.15", "3.0.5"])
async def test_a_wrong_token_is_an_authentication_error(
    lab: LabHandle, session: aiohttp.ClientSession, version: str
) -> None:
    # The old client reached the Swagger page, which answers 500 to a wrong token.
    await set_version(lab, version)
    base = lab.simulator.service_url("paperless")
    assert base is not None
    wrong = PaperlessClient(base, "f" * 40, session=session)
    with pytest.raises(PaperlessAuthenticationError, match="Invalid token"):
        await wrong.negotiate()
    with pytest.raises(PaperlessAuthenticationError):
        await PaperlessClient(base, "f" * 40, session=session).statistics()


# ---------------------------------------------------------------- 3: API 9 on 3.x


async def test_api_9_on_3x_behind_a_proxy_that_drops_the_version_headers(
    lab: LabHandle, session: aiohttp.ClientSession, header_dropping_proxy: str
) -> None:
    await set_version(lab, "3.0.5")
    client = paperless(lab, session, header_dropping_proxy)
    assert await client.negotiate() == 9
    assert client.server_version is None  # nothing says it is 3.x
    # 3.x refuses status=PENDING with 400: the client learns the lower case and keeps it.
    queue = await client.task_queue()
    assert (queue.pending, queue.started, queue.oldest) == (2, 1, RUNNING_CREATED)
    assert queue.failed_recent == 1
    await client.reprocess([1203])  # the bulk edit, which 3.x still takes
    assert (await lab.control("GET", "/control/paperless/state"))["reprocessed"] == [1203]
    assert (await client.task_queue()).pending == 3  # 3.x lists the reprocess task


async def test_api_9_status_case_follows_the_server(
    lab: LabHandle, session: aiohttp.ClientSession
) -> None:
    await set_version(lab, "3.0.5")
    client = paperless(lab, session)
    client.api_version = 9  # e.g. an older client setting
    client.server_version = "3.0.5"
    queue = await client.task_queue()
    assert (queue.pending, queue.started) == (2, 1)
    # A 400 about something else is not taken for the status case.
    await lab.control(
        "POST",
        "/control/paperless/fault",
        {"status": 400, "body": {"acknowledged": ["bad"]}, "path": "/api/tasks/", "count": 1},
    )
    fresh = paperless(lab, session)
    fresh.api_version = 9
    with pytest.raises(PaperlessBadRequestError):
        await fresh.task_queue()


# ---------------------------------------------------------------- 4: no "all" in API 10


async def test_documents_with_a_tag_are_paged_without_all(
    lab: LabHandle, session: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    await set_version(lab, "3.0.5")
    monkeypatch.setattr(client_module, "ID_PAGE_SIZE", 50)
    client = paperless(lab, session)
    tags = {tag.name: tag for tag in await client.tags()}
    page = await client.documents_with_tag(tags["synced-to-calendar"].id, limit=3)
    assert page.count == 140
    assert page.ids == (1, 2, 3)
    assert page.all_ids == tuple(range(1, 141))  # three pages of 50
    empty = await client.documents_with_tag(tags["automation-failed"].id, limit=0)
    assert (empty.ids, empty.all_ids) == ((), (1203, 1251))


# ---------------------------------------------------------------- 5: any queue length


@pytest.mark.parametrize("version", ["2.20.15", "3.0.5"])
async def test_queue_split_and_oldest_behind_55_waiting(
    lab: LabHandle, session: aiohttp.ClientSession, version: str
) -> None:
    # /api/tasks/active/ lists the newest 50 first: 1 running behind 55 waiting was missed.
    await set_version(lab, version)
    await lab.control("POST", "/control/paperless/consume", {"count": 55})
    queue = await paperless(lab, session).task_queue()
    assert (queue.pending, queue.started) == (57, 1)
    assert queue.oldest == RUNNING_CREATED
    assert queue.oldest_task is not None
    assert queue.oldest_task.status == "started"
    assert [task.file_name for task in queue.running] == ["scan_2026-11-01_1155.pdf"]


# ---------------------------------------------------------------- 6: orphaned tasks


@pytest.mark.parametrize("version", ["2.20.15", "3.0.5"])
async def test_an_orphaned_task_can_be_dismissed(
    lab: LabHandle, session: aiohttp.ClientSession, version: str
) -> None:
    await set_version(lab, version)
    killed = await lab.control("POST", "/control/paperless/kill_worker")
    assert killed == {"orphaned": [4]}
    # The worker comes back and takes the waiting tasks; the orphan stays "started" for ever.
    await lab.control("POST", "/control/services/clock", {"advance": 3600})
    client = paperless(lab, session)
    queue = await client.task_queue()
    assert (queue.pending, queue.started) == (0, 1)
    assert queue.oldest == RUNNING_CREATED
    assert await client.acknowledge_tasks([task.id for task in queue.running]) == 1
    assert await client.acknowledge_tasks([]) == 0
    queue = await client.task_queue()
    assert (queue.pending, queue.started, queue.oldest) == (0, 0, None)


# ---------------------------------------------------------------- 9: shapes


def test_failed_task_shapes() -> None:
    v10 = Task.from_dict(
        {
            "id": 7,
            "status": "failure",
            "task_type": "consume_file",
            "input_data": {"filename": "broken.pdf"},
            "result_data": {
                "error_type": "ConsumerError",
                "error_message": "broken.pdf: Error occurred while consuming document",
                "traceback": "...",
            },
            "date_started": "2026-11-30T21:27:11.998558+01:00",
        }
    )
    assert v10.error == "broken.pdf: Error occurred while consuming document"
    assert v10.started == datetime.fromisoformat("2026-11-30T21:27:11.998558+01:00")
    duplicate = Task.from_dict(
        {"id": 8, "status": "failure", "result_data": {"duplicate_of": 1190}}
    )
    assert duplicate.error == "It is a duplicate of document #1190"
    v9 = Task.from_dict({"id": 9, "status": "FAILURE", "result": "OCR failed"})
    assert (v9.status, v9.error) == ("failure", "OCR failed")
    reprocess: dict[str, Any] = {
        "id": 10,
        "status": "pending",
        "task_type": "reprocess_document",
        "input_data": {},
        "related_document_ids": [],
    }
    assert Task.from_dict(reprocess).file_name is None
    assert Task.from_dict({"id": 11, "status": "success", "result_data": None}).error is None


async def test_reprocess_falls_back_to_the_bulk_edit_on_405(
    lab: LabHandle, session: aiohttp.ClientSession
) -> None:
    await set_version(lab, "3.0.5")
    client = paperless(lab, session)
    await client.negotiate()
    await lab.control(
        "POST",
        "/control/paperless/fault",
        {
            "status": 405,
            "body": {"detail": 'Method "POST" not allowed.'},
            "path": "/api/documents/reprocess/",
        },
    )
    await client.reprocess([1203])
    assert (await lab.control("GET", "/control/paperless/state"))["reprocessed"] == [1203]
    await lab.control("DELETE", "/control/paperless/fault")
    await lab.control(
        "POST", "/control/paperless/fault", {"status": 500, "path": "/api/documents/reprocess/"}
    )
    with pytest.raises(Exception, match="HTTP 500"):
        await client.reprocess([1251])


async def test_remove_tag_makes_a_short_bulk_update_task_on_3x(
    lab: LabHandle, session: aiohttp.ClientSession
) -> None:
    await set_version(lab, "3.0.5")
    client = paperless(lab, session)
    failed = await client.find_tag("automation-failed")
    assert failed is not None
    await client.remove_tag([1203], failed.id)
    state = await lab.control("GET", "/control/paperless/state")
    assert state["tasks"]["PENDING"] == 3  # 2 scans and the bulk update
    with pytest.raises(PaperlessBadRequestError, match="Tag does not exist") as info:
        await client.remove_tag([1251], 999)
    assert info.value.payload == {"non_field_errors": ["Tag does not exist"]}
