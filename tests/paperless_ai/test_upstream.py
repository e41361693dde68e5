"""Paperless-AI as its sources answer (clusterzx/paperless-ai v3.0.9), client and simulator.

Each test pins a difference between the simulator (and the client written against it) and
`routes/setup.js`, `routes/auth.js`, `server.js` or `models/document.js`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
import re

import aiohttp
import pytest
import yaml

from custom_components.homelab.clients.paperless_ai import (
    Health,
    PaperlessAIAuthenticationError,
    PaperlessAIClient,
    PaperlessAINotConfiguredError,
    PaperlessAIResponseError,
)
from custom_components.homelab.clients.paperless_ai.client import _redirect_error
from labsim import LabSimulator, load_scenario
from tests.common import LabHandle
from tests.conftest import DEFAULT_SCENARIO

pytestmark = pytest.mark.usefixtures("socket_enabled")

SQLITE_TIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def url(lab: LabHandle) -> str:
    address = lab.simulator.service_url("paperless_ai")
    assert address is not None
    return address


def key(lab: LabHandle) -> str:
    return str(lab.scenario.sections["paperless_ai"].api_key)


async def test_a_wrong_key_redirects_to_login(
    lab: LabHandle, session: aiohttp.ClientSession
) -> None:
    """The router redirects to /login (routes/setup.js); it never answers 401.

    A client that follows the redirect reads the HTML login page: the old client took a wrong key
    for an unreadable answer, and never started reauthentication.
    """
    for headers in ({}, {"x-api-key": "wrong"}, {"x-api-key": ""}):
        async with session.get(
            url(lab) + "/api/processing-status", headers=headers, allow_redirects=False
        ) as response:
            assert response.status == 302
            assert response.headers["Location"] == "/login"
    async with session.get(url(lab) + "/api/processing-status") as response:
        assert response.status == 200
        assert response.content_type == "text/html"
    with pytest.raises(PaperlessAIAuthenticationError, match="/login") as info:
        await PaperlessAIClient(url(lab), "wrong", session=session).processing_status()
    assert "wrong" not in str(info.value)


async def test_not_set_up_redirects_to_setup(
    lab: LabHandle, session: aiohttp.ClientSession
) -> None:
    """Not set up: /health still says healthy (its check is commented out); the API goes to /setup."""
    await lab.control("POST", "/control/paperless_ai/health", {"status": "not_configured"})
    async with session.get(url(lab) + "/health") as response:
        assert (response.status, await response.json()) == (200, {"status": "healthy"})
    async with session.get(
        url(lab) + "/api/processing-status", headers={"x-api-key": key(lab)}, allow_redirects=False
    ) as response:
        assert (response.status, response.headers["Location"]) == (302, "/setup")
    ai = PaperlessAIClient(url(lab), key(lab), session=session)
    assert await ai.health() == Health(status="healthy")
    with pytest.raises(PaperlessAINotConfiguredError, match="not set up"):
        await ai.processing_status()
    # A redirect without a Location (a proxy, say) is an error, not a key or setup problem.
    await lab.control("POST", "/control/paperless_ai/health", {"status": "healthy"})
    await lab.control(
        "POST",
        "/control/paperless_ai/fault",
        {"status": 302, "body": {}, "path": "/api/processing-status", "count": 1},
    )
    with pytest.raises(PaperlessAIResponseError) as info:
        await ai.processing_status()
    assert not isinstance(info.value, PaperlessAINotConfiguredError)


@pytest.mark.parametrize(
    ("location", "error"),
    [
        ("/login", PaperlessAIAuthenticationError),
        ("http://ai.local:3000/login", PaperlessAIAuthenticationError),
        ("/setup", PaperlessAINotConfiguredError),
        ("/settings", PaperlessAINotConfiguredError),  # PAPERLESS_AI_INITIAL_SETUP=yes
        ("/dashboard", PaperlessAIResponseError),
        ("", PaperlessAIResponseError),
    ],
)
def test_redirect_meanings(location: str, error: type[Exception]) -> None:
    found = _redirect_error("/api/processing-status", 302, location)
    assert type(found) is error


async def test_health_errors_are_healths(lab: LabHandle, session: aiohttp.ClientSession) -> None:
    """/health: 503 `database_error`, 500 `error`, both with a status body (routes/setup.js)."""
    ai = PaperlessAIClient(url(lab), key(lab), session=session)
    await lab.control("POST", "/control/paperless_ai/health", {"status": "error"})
    async with session.get(url(lab) + "/health") as response:
        assert response.status == 500
        assert (await response.json())["status"] == "error"
    health = await ai.health()
    assert health.status == "error"
    assert health.message
    await lab.control("POST", "/control/paperless_ai/health", {"status": "database_error"})
    async with session.get(url(lab) + "/health") as response:
        assert response.status == 503


async def test_times_and_the_30_second_window(
    lab: LabHandle, session: aiohttp.ClientSession
) -> None:
    """`startTime`/`processed_at` are SQLite UTC times without a zone; a document started more
    than 30 s ago is not `currentlyProcessing` (models/document.js, getActiveProcessing)."""
    await lab.control("POST", "/control/services/clock", {"freeze": True})
    headers = {"x-api-key": key(lab)}
    async with session.get(url(lab) + "/api/processing-status", headers=headers) as response:
        assert response.headers["Content-Type"] == "application/json; charset=utf-8"
        raw = await response.json()
    assert SQLITE_TIME.match(raw["currentlyProcessing"]["startTime"])
    ai = PaperlessAIClient(url(lab), key(lab), session=session)
    status = await ai.processing_status()
    assert status.current is not None
    assert status.current.time is not None
    assert status.current.time.tzinfo is UTC
    assert abs((datetime.now(UTC) - status.current.time).days) < 3650
    await lab.control("POST", "/control/services/clock", {"advance": 21})
    status = await ai.processing_status()
    assert status.last is not None
    assert status.last.time is not None  # was None: the zone-less time was thrown away
    assert status.last.time.tzinfo is UTC


async def test_a_long_document_drops_out_after_30_seconds(session: aiohttp.ClientSession) -> None:
    """getActiveProcessing only looks 30 s back: a slow model's document stops showing."""
    data = yaml.safe_load(DEFAULT_SCENARIO.read_text())
    data["paperless_ai"]["processing_seconds"] = 90
    scenario = load_scenario(data)
    async with LabSimulator(scenario, tls=False) as sim:
        address = sim.service_url("paperless_ai")
        assert address is not None
        ai = PaperlessAIClient(address, scenario.sections["paperless_ai"].api_key, session=session)
        await sim.control("POST", "/control/services/clock", {"freeze": True})
        assert (await ai.processing_status()).is_processing  # started 5 s ago
        await sim.control("POST", "/control/services/clock", {"advance": 20})
        assert (await ai.processing_status()).is_processing
        await sim.control("POST", "/control/services/clock", {"advance": 10})
        later = await ai.processing_status()
        assert later.current is None
        assert not later.is_processing
        assert later.last is None  # still at work on it
        await sim.control("POST", "/control/services/clock", {"advance": 60})
        done = await ai.processing_status()
        assert done.last is not None
        assert done.last.document_id == 1284
