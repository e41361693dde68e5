"""The Paperless-AI client against the simulated Paperless-AI."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiohttp
import pytest

from custom_components.homelab.clients.paperless_ai import (
    DocumentRef,
    Health,
    PaperlessAIAuthenticationError,
    PaperlessAIClient,
    PaperlessAIConnectionError,
    PaperlessAIInvalidResponseError,
    PaperlessAIResponseError,
    ProcessingStatus,
)
from tests.common import LabHandle

pytestmark = pytest.mark.usefixtures("socket_enabled")


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def client(
    lab: LabHandle, session: aiohttp.ClientSession, key: str | None = None
) -> PaperlessAIClient:
    url = lab.simulator.service_url("paperless_ai")
    assert url is not None
    return PaperlessAIClient(
        url, key or lab.scenario.sections["paperless_ai"].api_key, session=session
    )


async def test_status(lab: LabHandle, session: aiohttp.ClientSession) -> None:
    await lab.control("POST", "/control/services/clock", {"freeze": True})
    ai = client(lab, session)
    assert await ai.health() == Health(status="healthy")
    status = await ai.processing_status()
    assert status.is_processing
    assert status.processed_today == 37
    assert status.current is not None
    assert (status.current.document_id, status.current.title) == (1284, "Tax notice 1284")
    assert status.last is None


async def test_processing_moves_with_the_clock(
    lab: LabHandle, session: aiohttp.ClientSession
) -> None:
    await lab.control("POST", "/control/services/clock", {"freeze": True})
    await lab.control("POST", "/control/services/clock", {"advance": 21})
    status = await client(lab, session).processing_status()
    assert status.processed_today == 38
    assert status.last is not None
    assert status.last.document_id == 1284
    assert status.current is None  # a 5 s pause between documents
    await lab.control("POST", "/control/services/clock", {"advance": 5})
    status = await client(lab, session).processing_status()
    assert status.current is not None
    # Meanwhile Paperless-ngx consumed a scan (document 1285): the newest goes first.
    assert (status.current.document_id, status.current.title) == (1285, "scan_2026-11-01_1155")
    state = await lab.control("GET", "/control/paperless_ai/state")
    assert state["health"] == "healthy"


async def test_unhealthy_and_refused(lab: LabHandle, session: aiohttp.ClientSession) -> None:
    await lab.control("POST", "/control/paperless_ai/health", {"status": "database_error"})
    health = await client(lab, session).health()
    assert health == Health(status="database_error", message="Database check failed")
    with pytest.raises(PaperlessAIAuthenticationError) as info:
        await client(lab, session, key="wrong").processing_status()
    assert "wrong" not in str(info.value)


@pytest.mark.parametrize(
    ("path", "fault", "error"),
    [
        ("/health", {"status": 500, "body": {}}, PaperlessAIResponseError),
        ("/health", {"status": 404, "body": {"status": "error"}}, PaperlessAIResponseError),
        ("/health", {"status": 502, "garbage": True}, PaperlessAIResponseError),
        ("/health", {"garbage": True}, PaperlessAIInvalidResponseError),
        ("/health", {"status": 200, "body": {"status": ""}}, PaperlessAIInvalidResponseError),
        ("/api/processing-status", {"status": 500, "body": {}}, PaperlessAIResponseError),
        ("/api/processing-status", {"status": 200, "body": {}}, PaperlessAIInvalidResponseError),
        ("/api/processing-status", {"status": 200, "body": []}, PaperlessAIInvalidResponseError),
    ],
)
async def test_faults(
    lab: LabHandle, session: aiohttp.ClientSession, path: str, fault: dict[str, object], error: type
) -> None:
    await lab.control("POST", "/control/paperless_ai/fault", {**fault, "path": path})
    ai = client(lab, session)
    with pytest.raises(error):
        await (ai.health() if path == "/health" else ai.processing_status())


async def test_unreachable_and_timeout(lab: LabHandle, session: aiohttp.ClientSession) -> None:
    with pytest.raises(PaperlessAIConnectionError, match="cannot reach"):
        await PaperlessAIClient("http://127.0.0.1:9", "k", session=session).health()
    url = lab.simulator.service_url("paperless_ai")
    assert url is not None
    await lab.control("POST", "/control/paperless_ai/fault", {"hang": True, "count": 1})
    with pytest.raises(PaperlessAIConnectionError, match="in time"):
        await PaperlessAIClient(url, "k", session=session, request_timeout=0.2).health()


def test_models() -> None:
    ref = DocumentRef.from_dict({"documentId": True, "title": 3, "startTime": "x"})
    assert ref == DocumentRef(document_id=None, title=None, time=None)
    status = ProcessingStatus.from_dict({"processedToday": 0, "isProcessing": False})
    assert not status.is_processing
    assert status.current is None
    # Numeric strings are numbers; NaN reads as absent (a required count: invalid).
    assert ProcessingStatus.from_dict({"processedToday": "3"}).processed_today == 3
    with pytest.raises(PaperlessAIInvalidResponseError):
        ProcessingStatus.from_dict({"processedToday": float("nan")})
    with pytest.raises(PaperlessAIInvalidResponseError):
        Health.from_dict({"status": ""})
    assert Health.from_dict({"status": "error", "message": 5}).message is None
    # SQLite's CURRENT_TIMESTAMP, as Paperless-AI sends it: UTC without a zone.
    ref = DocumentRef.from_dict({"documentId": "1", "startTime": "2026-11-01 12:00:00"})
    assert ref.document_id == 1
    assert ref.time == datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
