"""The Ollama client against answers the real server gives (ollama/ollama, server/routes.go)."""

from __future__ import annotations

from collections.abc import AsyncIterator
import socket
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
import pytest
import yaml

from custom_components.homelab.clients.ollama import (
    OllamaAuthenticationError,
    OllamaClient,
    OllamaHostRefusedError,
    OllamaModelNotFoundError,
)
from custom_components.homelab.clients.ollama.models import RunningModels
from labsim import LabSimulator, load_scenario
from tests.common import LabHandle
from tests.conftest import DEFAULT_SCENARIO

pytestmark = pytest.mark.usefixtures("socket_enabled")


class LoopbackResolver(AbstractResolver):
    """Every host name is 127.0.0.1: a client that reaches the simulator by a LAN name."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return [
            ResolveResult(
                hostname=host,
                host="127.0.0.1",
                port=port,
                family=socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
        ]

    async def close(self) -> None:
        return None


def scenario(**ollama: Any) -> Any:
    data = yaml.safe_load(DEFAULT_SCENARIO.read_text())
    data["ollama"].update(ollama)
    return load_scenario(data)


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(resolver=LoopbackResolver())
    ) as s:
        yield s


async def test_host_check_is_not_an_auth_failure(session: aiohttp.ClientSession) -> None:
    """Ollama on 127.0.0.1 refuses a non-local Host with an empty 403: no token would help.

    The client used to call that an authentication failure (and HA would ask for a token).
    """
    async with LabSimulator(scenario(loopback_only=True), tls=False) as sim:
        url = sim.service_url("ollama")
        assert url is not None
        port = url.rsplit(":", 1)[1]
        refused = OllamaClient(f"http://nas.example.com:{port}", session=session)
        with pytest.raises(OllamaHostRefusedError, match="OLLAMA_HOST") as info:
            await refused.version()
        assert not isinstance(info.value, OllamaAuthenticationError)
        assert info.value.status == 403
        # A local name passes the same check.
        local = OllamaClient(f"http://truenas.local:{port}", session=session)
        assert await local.version() == "0.9.6"
        # A proxy's 403 carries a body: that one is about the token.
        await sim.control("POST", "/control/ollama/fault", {"status": 403, "path": "/api/ps"})
        with pytest.raises(OllamaAuthenticationError):
            await local.running_models()


async def test_old_server_has_no_context_length(lab: LabHandle) -> None:
    """0.9.6's /api/ps has no `context_length` (it came in 0.10.0); the client reads None."""
    url = lab.simulator.service_url("ollama")
    assert url is not None
    async with aiohttp.ClientSession() as session:
        running = await OllamaClient(url, session=session).running_models()
    assert running.models
    assert all(model.context_length is None for model in running.models)
    assert all(model.details.family for model in running.models)


async def test_unload_unknown_model_is_not_found(lab: LabHandle) -> None:
    """keep_alive 0 for a model the server does not have: 404 `model '...' not found`."""
    url = lab.simulator.service_url("ollama")
    assert url is not None
    async with aiohttp.ClientSession() as session:
        ollama = OllamaClient(url, session=session)
        with pytest.raises(OllamaModelNotFoundError, match="model 'llama9:1t' not found"):
            await ollama.unload_model("llama9:1t")
        await ollama.unload_model("phi4:14b")  # installed, not loaded: fine


def test_go_times_parse() -> None:
    """RFC 3339 with nanoseconds and an offset, the zone-less UTC `Z`, and 292 years on."""
    running = RunningModels.from_dict(
        {
            "models": [
                {
                    "name": "a",
                    "size": 1,
                    "size_vram": 1,
                    "expires_at": "2026-11-01T13:05:00.123456789+01:00",
                    "details": {"families": None},
                },
                {"name": "b", "size": 2, "size_vram": 0, "expires_at": "2318-02-11T07:52:39.1Z"},
            ]
        }
    )
    first, second = running.models
    assert first.expires_at.microsecond == 123456
    assert first.expires_at.utcoffset() is not None
    assert second.expires_at.year == 2318
    assert first.details.families == ()
