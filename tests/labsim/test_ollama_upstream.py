"""The simulated Ollama against the real server's sources (ollama/ollama v0.33.0-rc2, v0.9.6...).

Each test pins one answer the simulator gave differently from `server/routes.go`,
`server/sched.go` or `api/types.go` before it was corrected.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
import yaml

from labsim import LabSimulator, load_scenario
from labsim.ollama import api_keep_alive, version_tuple

from .test_services import DEFAULT


def scenario(**ollama: Any) -> Any:
    data = yaml.safe_load(DEFAULT.read_text())
    data["ollama"].update(ollama)
    return load_scenario(data)


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def request(
    http: aiohttp.ClientSession, sim: LabSimulator, method: str, path: str, **kwargs: Any
) -> tuple[int, str, Any]:
    url = sim.service_url("ollama")
    assert url is not None
    async with http.request(method, url + path, **kwargs) as response:
        text = await response.text()
        try:
            body = await response.json(content_type=None) if text else text
        except ValueError:
            body = text
        return response.status, response.headers.get("Content-Type", ""), body


async def test_ps_context_length_follows_the_version(http: aiohttp.ClientSession) -> None:
    """`ProcessModelResponse.ContextLength` exists from 0.10.0 (api/types.go); 0.9.6 has none."""
    async with LabSimulator(scenario(version="0.9.6"), tls=False) as sim:
        _, _, ps = await request(http, sim, "GET", "/api/ps")
        assert ps["models"]
        assert all("context_length" not in model for model in ps["models"])
        _, _, tags = await request(http, sim, "GET", "/api/tags")
        assert all("capabilities" not in model for model in tags["models"])
        assert all("context_length" not in model["details"] for model in tags["models"])
    async with LabSimulator(scenario(version="0.12.0"), tls=False) as sim:
        _, _, ps = await request(http, sim, "GET", "/api/ps")
        assert {m["name"]: m["context_length"] for m in ps["models"]}["qwen3:14b"] == 8192
    # 0.30.0: the list gained capabilities and the details their lengths.
    async with LabSimulator(scenario(version="0.30.0"), tls=False) as sim:
        _, _, tags = await request(http, sim, "GET", "/api/tags")
        by_name = {model["name"]: model for model in tags["models"]}
        assert by_name["qwen3:14b"]["capabilities"] == ["completion"]
        assert by_name["nomic-embed-text:latest"]["capabilities"] == ["embedding"]
        assert by_name["nomic-embed-text:latest"]["details"]["context_length"] == 2048
        assert "embedding_length" in by_name["nomic-embed-text:latest"]["details"]
        assert "embedding_length" not in by_name["qwen3:14b"]["details"]


async def test_created_at_is_utc_and_errors_are_gos(http: aiohttp.ClientSession) -> None:
    """`created_at` is `time.Now().UTC()`; an empty model name is a 404, not "model is required"."""
    async with LabSimulator(scenario(), tls=False) as sim:  # the server is in Europe/Berlin
        status, content_type, answer = await request(
            http, sim, "POST", "/api/generate", json={"model": "gemma3:4b"}
        )
        assert status == 200
        assert content_type == "application/json; charset=utf-8"
        assert answer["created_at"].endswith("Z")
        assert answer["done_reason"] == "load"
        _, _, ps = await request(http, sim, "GET", "/api/ps")
        assert ps["models"][0]["expires_at"][-6:] in ("+01:00", "+02:00")  # the server's zone
        status, _, answer = await request(http, sim, "POST", "/api/generate", json={"model": ""})
        assert (status, answer) == (404, {"error": "model '' not found"})
        status, _, answer = await request(http, sim, "POST", "/api/generate", json={})
        assert (status, answer) == (404, {"error": "model '' not found"})
        status, _, answer = await request(http, sim, "POST", "/api/generate", data=b"")
        assert (status, answer) == (400, {"error": "missing request body"})
        status, _, answer = await request(http, sim, "POST", "/api/generate", data=b"{nope")
        assert status == 400
        assert answer["error"].startswith("invalid character")
        status, _, answer = await request(
            http, sim, "POST", "/api/generate", json={"model": "gemma3:4b", "keep_alive": "300"}
        )
        assert (status, answer) == (400, {"error": 'time: missing unit in duration "300"'})
        status, _, answer = await request(
            http, sim, "POST", "/api/generate", json={"model": "gemma3:4b", "keep_alive": True}
        )
        assert (status, answer) == (400, {"error": "Unsupported type: 'bool'"})
        status, _, answer = await request(
            http, sim, "POST", "/api/generate", json={"model": "llama9:1t", "keep_alive": 0}
        )
        assert (status, answer) == (404, {"error": "model 'llama9:1t' not found"})
        # Installed but not loaded: unloading it is fine.
        status, _, answer = await request(
            http, sim, "POST", "/api/generate", json={"model": "phi4:14b", "keep_alive": 0}
        )
        assert (status, answer["done_reason"]) == (200, "unload")
        status, content_type, text = await request(http, sim, "GET", "/")
        assert (status, content_type, text) == (
            200,
            "text/plain; charset=utf-8",
            "Ollama is running",
        )


async def test_unload_while_busy_is_expire_runner(http: aiohttp.ClientSession) -> None:
    """`expireRunner` (server/sched.go): expires_at becomes now and the session 0.

    A later request without a keep-alive of its own keeps the session at 0, so the model still
    goes when the requests end; the simulator used to forget the unload on any new request.
    """
    async with LabSimulator(scenario(), tls=False) as sim:
        await sim.control("POST", "/control/services/clock", {"freeze": True})
        await sim.control("POST", "/control/ollama/unload", {})
        await sim.control(
            "POST",
            "/control/ollama/request",
            {"model": "qwen3:8b", "seconds": 60, "keep_alive": -1},
        )
        _, _, before = await request(http, sim, "GET", "/api/ps")
        assert before["models"][0]["expires_at"].startswith("23")  # forever: 292 years on
        await sim.control("POST", "/control/services/clock", {"advance": 10})
        await request(
            http, sim, "POST", "/api/generate", json={"model": "qwen3:8b", "keep_alive": 0}
        )
        _, _, after = await request(http, sim, "GET", "/api/ps")
        assert after["models"][0]["expires_at"] < before["models"][0]["expires_at"]
        assert not after["models"][0]["expires_at"].startswith("23")
        # Another request, no keep_alive: the session stays 0.
        await sim.control("POST", "/control/ollama/request", {"model": "qwen3:8b", "seconds": 30})
        await sim.control("POST", "/control/services/clock", {"advance": 60})
        _, _, gone = await request(http, sim, "GET", "/api/ps")
        assert gone["models"] == []


async def test_loopback_only_refuses_other_host_names(http: aiohttp.ClientSession) -> None:
    """`allowedHostsMiddleware`: on 127.0.0.1 only local Host names pass; the rest get 403, no body."""
    async with LabSimulator(scenario(loopback_only=True), tls=False) as sim:
        for host, status in [
            ("nas.example.com:30068", 403),
            ("localhost:30068", 200),
            ("truenas.local", 200),
            ("ollama.internal:11434", 200),
            ("192.168.1.20:30068", 200),
            ("[::1]:30068", 200),
            ("8.8.8.8", 403),
        ]:
            got, _, body = await request(http, sim, "GET", "/api/version", headers={"Host": host})
            assert got == status, host
            if status == 403:
                assert body == ""


def test_keep_alive_is_go_duration() -> None:
    assert api_keep_alive(0) == timedelta(0)
    assert api_keep_alive("0") == timedelta(0)
    assert api_keep_alive(1.5) == timedelta(seconds=1.5)
    assert api_keep_alive(-1) is None
    assert api_keep_alive("-1m") is None
    assert api_keep_alive("1h30m") == timedelta(minutes=90)
    assert api_keep_alive("1.5s") == timedelta(seconds=1.5)
    assert api_keep_alive("250ms") == timedelta(milliseconds=250)
    for bad, message in [
        ("300", "missing unit"),
        ("5x", 'unknown unit "x"'),
        ("soon", "invalid duration"),
        ("", "invalid duration"),
        ([1], "Unsupported type"),
        (None, "Unsupported type"),
    ]:
        with pytest.raises(ValueError, match=message):
            api_keep_alive(bad)
    assert version_tuple("0.10.0") > version_tuple("0.9.6")
    assert version_tuple("0.30.0-rc1") == (0, 30, 0)
