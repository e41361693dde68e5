"""The Paperless-ngx client against the simulated Paperless-ngx, in both API shapes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiohttp
import pytest

from custom_components.homelab.clients.paperless import (
    DocumentPage,
    PaperlessAuthenticationError,
    PaperlessBadRequestError,
    PaperlessClient,
    PaperlessConnectionError,
    PaperlessInvalidResponseError,
    PaperlessPermissionError,
    PaperlessResponseError,
    PaperlessUnsupportedVersionError,
    Statistics,
    SystemStatus,
    Tag,
    Task,
    UserInfo,
)
from custom_components.homelab.clients.paperless.client import _detail
from custom_components.homelab.clients.paperless.models import page_results, parse_time
from tests.common import LabHandle

pytestmark = pytest.mark.usefixtures("socket_enabled")


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def client(
    lab: LabHandle, session: aiohttp.ClientSession, token: str | None = None
) -> PaperlessClient:
    url = lab.simulator.service_url("paperless")
    assert url is not None
    return PaperlessClient(url, token or lab.scenario.sections["paperless"].token, session=session)


async def use_v10(lab: LabHandle) -> None:
    await lab.control("POST", "/control/paperless/version", {"version": "3.0.5"})


async def test_negotiates_9_on_2x(lab: LabHandle, session: aiohttp.ClientSession) -> None:
    paperless = client(lab, session)
    assert await paperless.negotiate() == 9
    assert paperless.server_version == "2.20.15"
    stats = await paperless.statistics()
    assert stats == Statistics(documents_total=1284, documents_inbox=6)


async def test_negotiates_10_on_3x(lab: LabHandle, session: aiohttp.ClientSession) -> None:
    await use_v10(lab)
    paperless = client(lab, session)
    await paperless.statistics()  # negotiates on the first call
    assert paperless.api_version == 10
    assert paperless.server_version == "3.0.5"


@pytest.mark.parametrize("version", ["2.20.15", "3.0.5"])
async def test_task_queue_both_shapes(
    lab: LabHandle, session: aiohttp.ClientSession, version: str
) -> None:
    await lab.control("POST", "/control/services/clock", {"freeze": True})
    await lab.control("POST", "/control/paperless/version", {"version": version})
    queue = await client(lab, session).task_queue()
    assert (queue.pending, queue.started, queue.in_progress) == (2, 1, 3)
    assert queue.oldest == datetime(2026, 11, 1, 11, 59, 20, tzinfo=UTC)
    # One unacknowledged failure 5 h ago; the one 3 days ago is acknowledged anyway.
    assert queue.failed_recent == 1
    assert queue.server_time is not None


async def test_reprocess_v10_is_visible_in_the_queue(
    lab: LabHandle, session: aiohttp.ClientSession
) -> None:
    await lab.control("POST", "/control/services/clock", {"freeze": True})
    await use_v10(lab)
    paperless = client(lab, session)
    await paperless.reprocess([1203, 1251, 1203])
    state = await lab.control("GET", "/control/paperless/state")
    assert state["reprocessed"] == [1203, 1251]
    queue = await paperless.task_queue()
    assert queue.pending == 4  # 2 consume + 2 reprocess tasks waiting
    await paperless.reprocess([])


async def test_reprocess_v9_uses_bulk_edit(lab: LabHandle, session: aiohttp.ClientSession) -> None:
    await lab.control("POST", "/control/services/clock", {"freeze": True})
    paperless = client(lab, session)
    await paperless.reprocess([1203])
    # 2.x does not record reprocess tasks: the queue does not show them.
    assert (await paperless.task_queue()).pending == 2
    assert (await lab.control("GET", "/control/paperless/state"))["reprocessed"] == [1203]


async def test_reprocess_errors(lab: LabHandle, session: aiohttp.ClientSession) -> None:
    paperless = client(lab, session)
    with pytest.raises(PaperlessBadRequestError, match="don't exist") as info:
        await paperless.reprocess([1, 999999])
    assert info.value.status == 400
    assert await paperless.existing_documents([1, 999999, 2]) == {1, 2}
    await lab.control("POST", "/control/paperless/user", {"change_documents": False})
    with pytest.raises(PaperlessPermissionError, match="Insufficient permissions"):
        await paperless.reprocess([1])


async def test_tags_and_counts(lab: LabHandle, session: aiohttp.ClientSession) -> None:
    paperless = client(lab, session)
    tag = await paperless.find_tag("Automation-Failed")
    assert tag == Tag(id=6, name="automation-failed", document_count=2)
    assert await paperless.find_tag("no-such-tag") is None
    tags = {tag.name: tag for tag in await paperless.tags()}
    assert tags["inbox"].document_count == 6
    assert await paperless.count_documents(with_tag=tag.id) == 2
    ai_tag = tags["ai-processed"]
    assert await paperless.count_documents(without_tag=ai_tag.id) == 14
    page = await paperless.documents_with_tag(tags["needs-processing"].id, limit=2)
    assert page == DocumentPage(count=3, ids=(1281, 1282), all_ids=(1281, 1282, 1283))
    await paperless.remove_tag([1281], tags["needs-processing"].id)
    await paperless.remove_tag([], tags["needs-processing"].id)
    assert await paperless.count_documents(with_tag=tags["needs-processing"].id) == 2


async def test_status_and_permissions(lab: LabHandle, session: aiohttp.ClientSession) -> None:
    paperless = client(lab, session)
    status = await paperless.status()
    assert status == SystemStatus(
        version="2.20.15", database="OK", redis="OK", celery="OK", index="OK", classifier="OK"
    )
    await lab.control("POST", "/control/paperless/health", {"celery": "error"})
    assert (await paperless.status()).celery == "ERROR"
    await lab.control("POST", "/control/paperless/user", {"staff": False})
    with pytest.raises(PaperlessPermissionError):
        await paperless.status()


async def test_token_refused(lab: LabHandle, session: aiohttp.ClientSession) -> None:
    with pytest.raises(PaperlessAuthenticationError, match="Invalid token") as info:
        await client(lab, session, token="0" * 40).negotiate()
    assert "0000" not in str(info.value)


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ({"status": 406, "body": {"detail": "Invalid version"}}, PaperlessUnsupportedVersionError),
        ({"status": 500, "body": {"detail": "Server Error"}}, PaperlessResponseError),
        ({"garbage": True}, PaperlessInvalidResponseError),
        ({"status": 200, "body": {"documents_total": "many"}}, PaperlessInvalidResponseError),
        ({"status": 200, "body": []}, PaperlessInvalidResponseError),
    ],
)
async def test_faults(
    lab: LabHandle, session: aiohttp.ClientSession, fault: dict[str, object], error: type
) -> None:
    paperless = client(lab, session)
    await paperless.negotiate()
    await lab.control("POST", "/control/paperless/fault", {**fault, "path": "/api/statistics/"})
    with pytest.raises(error):
        await paperless.statistics()


async def test_negotiation_without_version_header(
    lab: LabHandle, session: aiohttp.ClientSession
) -> None:
    # A proxy that drops X-Api-Version: 9 works everywhere.
    await lab.control(
        "POST", "/control/paperless/fault", {"status": 200, "body": {}, "path": "/api/", "count": 1}
    )
    paperless = client(lab, session)
    assert await paperless.negotiate() == 9


async def test_unreachable_and_timeout(lab: LabHandle, session: aiohttp.ClientSession) -> None:
    with pytest.raises(PaperlessConnectionError, match="cannot reach"):
        await PaperlessClient("http://127.0.0.1:9", "t", session=session).negotiate()
    url = lab.simulator.service_url("paperless")
    assert url is not None
    slow = PaperlessClient(url, "t", session=session, request_timeout=0.2)
    await lab.control("POST", "/control/paperless/fault", {"hang": True, "count": 1})
    with pytest.raises(PaperlessConnectionError, match="in time"):
        await slow.negotiate()


def test_parsing_edge_cases() -> None:
    assert parse_time(42) is None
    assert parse_time("not a time") is None
    assert parse_time("2026-11-01T12:00:00") is None
    assert _detail({"documents": ["Some documents don't exist."]}) == "Some documents don't exist."
    assert _detail({"error": "plain"}) == "plain"
    assert _detail("  Insufficient permissions ") == "Insufficient permissions"
    assert _detail(None) == "no details"
    with pytest.raises(PaperlessInvalidResponseError):
        page_results({"results": None}, "x")
    with pytest.raises(PaperlessInvalidResponseError):
        Task.from_dict({"id": 1})
    with pytest.raises(PaperlessInvalidResponseError):
        Tag.from_dict({"id": 1})
    task = Task.from_dict(
        {
            "id": 1,
            "status": "SUCCESS",
            "input_data": {"filename": "a.pdf"},
            "task_type": "consume_file",
        }
    )
    assert (task.file_name, task.task_type, task.status) == ("a.pdf", "consume_file", "success")
    page = DocumentPage.from_dict({"count": 1, "results": [{"id": 4}]})
    assert page.all_ids == (4,)


def test_models_read_leniently() -> None:
    """Numeric strings are numbers, NaN reads as absent; states stay strings, as sent."""
    assert Statistics.from_dict({"documents_total": "12", "documents_inbox": float("nan")}) == (
        Statistics(documents_total=12)
    )
    with pytest.raises(PaperlessInvalidResponseError):
        Statistics.from_dict({"documents_total": float("nan")})
    task = Task.from_dict({"id": "3", "status": "SOMETHING_NEW", "date_created": 5})
    assert (task.id, task.status, task.created) == (3, "something_new", None)
    status = SystemStatus.from_dict({"database": {"status": "ok"}, "tasks": {"redis_status": 1}})
    assert (status.database, status.redis, status.version) == ("OK", None, None)
    with pytest.raises(PaperlessInvalidResponseError):
        SystemStatus.from_dict({"database": {}})
    with pytest.raises(PaperlessInvalidResponseError):
        UserInfo.from_dict({"permissions": []})
    user = UserInfo.from_dict({"user": {"is_staff": "yes"}, "permissions": ["a", 2]})
    assert (user.is_staff, user.permissions) == (False, frozenset({"a"}))
