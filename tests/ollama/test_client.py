"""The Ollama client against the simulated Ollama over loopback sockets."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest

from custom_components.homelab.clients.ollama import (
    OllamaAuthenticationError,
    OllamaBusyError,
    OllamaClient,
    OllamaConnectionError,
    OllamaInvalidResponseError,
    OllamaModelNotFoundError,
    OllamaResponseError,
)
from custom_components.homelab.clients.ollama.models import (
    InstalledModel,
    LoadedModel,
    ModelDetails,
    RunningModels,
    parse_time,
)
from tests.common import LabHandle

pytestmark = pytest.mark.usefixtures("socket_enabled")


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def client(lab: LabHandle, session: aiohttp.ClientSession, **kwargs: object) -> OllamaClient:
    url = lab.simulator.service_url("ollama")
    assert url is not None
    return OllamaClient(url + "/", session=session, **kwargs)  # type: ignore[arg-type]


async def test_reads_the_lab(lab: LabHandle, session: aiohttp.ClientSession) -> None:
    ollama = client(lab, session)
    assert await ollama.ping() == "Ollama is running"
    assert await ollama.version() == "0.9.6"
    installed = await ollama.installed_models()
    assert len(installed) == 18
    assert {model.name for model in installed} >= {"qwen3:14b", "nomic-embed-text:latest"}
    qwen = next(model for model in installed if model.name == "qwen3:14b")
    assert qwen.size == 9_300_000_000
    assert qwen.details.family == "qwen3"
    assert qwen.modified_at is not None
    running = await ollama.running_models()
    assert [model.name for model in running.models] == ["nomic-embed-text:latest", "qwen3:14b"]
    assert running.server_time is not None
    forever, qwen_loaded = running.models
    # A negative keep-alive is Go's largest duration: the expiry lies 292 years on.
    assert forever.expires_at.year == 2319
    assert forever.expires_at.utcoffset() == timedelta(hours=1)  # Europe/Berlin in November
    assert qwen_loaded.size_vram < qwen_loaded.size  # 10 GiB of VRAM: split with the CPU
    assert running.vram_used + running.ram_used == running.total_size
    assert forever.size_vram == 0
    assert forever.size_ram == forever.size


async def test_load_and_unload(lab: LabHandle, session: aiohttp.ClientSession) -> None:
    ollama = client(lab, session)
    await ollama.unload_model("qwen3:14b")
    await ollama.unload_model("nomic-embed-text")  # ":latest" is implied
    assert (await ollama.running_models()).models == ()
    await ollama.load_model("llama3.2:3b", keep_alive=-1)
    await ollama.load_model("gemma3:4b")
    names = [model.name for model in (await ollama.running_models()).models]
    assert names == ["llama3.2:3b", "gemma3:4b"]  # forever first
    calls = (await lab.control("GET", "/control/ollama/state"))["calls"]
    assert calls[-2]["keep_alive"] == -1
    assert calls[-1]["keep_alive"] is None
    with pytest.raises(ValueError, match="model name"):
        await ollama.load_model("  ")


async def test_unknown_model(lab: LabHandle, session: aiohttp.ClientSession) -> None:
    with pytest.raises(OllamaModelNotFoundError, match="not found") as info:
        await client(lab, session).load_model("llama9:1t")
    assert info.value.status == 404


async def test_bearer_token(lab: LabHandle, session: aiohttp.ClientSession) -> None:
    await lab.control("POST", "/control/ollama/token", {"token": "proxy-secret"})
    with pytest.raises(OllamaAuthenticationError) as info:
        await client(lab, session).version()
    assert "proxy-secret" not in str(info.value)
    with pytest.raises(OllamaAuthenticationError):
        await client(lab, session, token="wrong").version()
    assert await client(lab, session, token="proxy-secret").version() == "0.9.6"


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ({"status": 503, "body": {"error": "server busy, please try again."}}, OllamaBusyError),
        ({"status": 500, "body": {"error": "boom"}}, OllamaResponseError),
        ({"status": 502, "garbage": True}, OllamaResponseError),
        ({"garbage": True}, OllamaInvalidResponseError),
        ({"status": 200, "body": {"models": "nope"}}, OllamaInvalidResponseError),
        ({"status": 200, "body": {"models": [{"name": "x"}]}}, OllamaInvalidResponseError),
        ({"status": 200, "body": ["not", "an", "object"]}, OllamaInvalidResponseError),
        ({"status": 403}, OllamaAuthenticationError),
    ],
)
async def test_faults(
    lab: LabHandle, session: aiohttp.ClientSession, fault: dict[str, object], error: type
) -> None:
    await lab.control("POST", "/control/ollama/fault", {**fault, "path": "/api/ps"})
    with pytest.raises(error):
        await client(lab, session).running_models()


async def test_timeout_and_unreachable(lab: LabHandle, session: aiohttp.ClientSession) -> None:
    await lab.control("POST", "/control/ollama/fault", {"hang": True, "count": 1})
    with pytest.raises(OllamaConnectionError, match="in time"):
        await client(lab, session, request_timeout=0.2).version()
    with pytest.raises(OllamaConnectionError, match="cannot reach"):
        await OllamaClient("http://127.0.0.1:9", session=session).version()


def test_models_parse_edge_cases() -> None:
    assert parse_time(None) is None
    assert parse_time("yesterday") is None
    assert parse_time("2026-11-01T12:00:00") is None  # no offset: not Go's format
    assert ModelDetails.from_dict(None) == ModelDetails()
    model = InstalledModel.from_dict({"name": "x", "size": 1, "details": {"families": None}})
    assert model.details.families == ()
    with pytest.raises(OllamaInvalidResponseError):
        InstalledModel.from_dict({"name": "x", "size": "big"})
    with pytest.raises(OllamaInvalidResponseError):
        LoadedModel.from_dict({"name": "x", "size": 1, "expires_at": "soon"})
    with pytest.raises(OllamaInvalidResponseError):
        RunningModels.from_dict({})
    empty = RunningModels(())
    assert empty.vram_used == empty.ram_used == empty.total_size == 0
    loaded = LoadedModel(
        name="x", size=10, size_vram=12, expires_at=datetime(2026, 1, 1, tzinfo=UTC)
    )
    assert loaded.size_ram == 0


def test_models_read_leniently() -> None:
    """Numeric strings are numbers, NaN and wrong types read as absent, empty names as none."""
    model = LoadedModel.from_dict(
        {
            "name": "x",
            "size": "10",
            "size_vram": float("nan"),
            "expires_at": "2026-11-01T12:00:00Z",
            "context_length": "4096",
            "digest": 7,
            "details": {"family": "", "families": ["a", 1], "quantization_level": "Q4"},
        }
    )
    assert (model.size, model.size_vram, model.context_length, model.digest) == (10, 0, 4096, "")
    assert model.details == ModelDetails(families=("a",), quantization_level="Q4")
    with pytest.raises(OllamaInvalidResponseError):
        LoadedModel.from_dict(
            {"name": "x", "size": float("nan"), "expires_at": "2026-11-01T12:00:00Z"}
        )
