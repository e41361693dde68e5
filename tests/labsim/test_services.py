"""The simulated HTTP services: scenario sections, the lab clock, faults, and each service's API."""

from __future__ import annotations

from collections.abc import AsyncIterator
import copy
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml

from labsim import ControlError, LabSimulator, ScenarioError, load_scenario
from labsim.__main__ import parse_args
from labsim.httpsvc import ServiceClock, parse_duration, parse_fault
from labsim.state import LabError

DEFAULT = Path(__file__).parents[2] / "labsim" / "scenarios" / "default.yaml"
TOKEN = "ef03d0e241cfe64de9765fbb17ca3b7fff72a92a"
N8N_KEY_PATH = ("n8n", "api_key")


def raw() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(DEFAULT.read_text())
    return data


@pytest.fixture
async def lab() -> AsyncIterator[LabSimulator]:
    async with LabSimulator(load_scenario(), tls=False) as simulator:
        yield simulator


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def get(
    http: aiohttp.ClientSession, url: str | None, path: str, **headers: str
) -> tuple[int, Any]:
    assert url is not None
    async with http.get(url + path, headers=headers) as response:
        text = await response.text()
        try:
            return response.status, await response.json(content_type=None)
        except ValueError:
            return response.status, text


async def post(
    http: aiohttp.ClientSession, url: str | None, path: str, body: Any = None, **headers: str
) -> tuple[int, Any]:
    assert url is not None
    async with http.post(url + path, json=body, headers=headers) as response:
        try:
            return response.status, await response.json(content_type=None)
        except ValueError:
            return response.status, await response.text()


def paperless(version: int = 9) -> dict[str, str]:
    return {"Authorization": f"Token {TOKEN}", "Accept": f"application/json; version={version}"}


# ---------------------------------------------------------------- scenario sections


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("ollama", "models", 0, "size"), "big", "a size"),
        (("ollama", "models", 1, "name"), "qwen3:14b", "duplicate model"),
        (("ollama", "loaded", 0, "name"), "nope:1b", "not in ollama.models"),
        (("ollama", "loaded", 0, "keep_alive"), "soon", "a duration"),
        (("ollama", "colour"), "blue", "unknown key"),
        (("paperless", "documents", "tagged", "inbox"), {"newest": -1}, "a count"),
        (("paperless", "documents", "tagged", "inbox"), "all", "a list of ids"),
        (("paperless", "documents", "tagged", "inbox"), [0], "between 1 and"),
        (("paperless", "documents", "tagged", "unknown-tag"), [1], "not in paperless.tags"),
        (("paperless", "workers"), 0, "workers must be"),
        (("paperless", "health", "celery"), "MAYBE", "one of"),
        (("paperless", "tasks", 0, "status"), "DONE", "one of"),
        (("n8n", "executions", 0, "status"), "finished", "one of"),
        (("n8n", "executions", 0, "workflow"), "nope", "unknown workflow"),
        (("paperless_ai", "api_key"), None, "required"),
    ],
)
def test_section_errors(path: tuple[Any, ...], value: Any, message: str) -> None:
    data = raw()
    target: Any = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(ScenarioError, match=message):
        load_scenario(data)


def test_paperless_ai_needs_paperless() -> None:
    data = raw()
    del data["paperless"]
    with pytest.raises(ScenarioError, match="needs a paperless section"):
        LabSimulator(load_scenario(data))


async def test_without_services(http: aiohttp.ClientSession) -> None:
    data = raw()
    for name in ("ollama", "paperless", "paperless_ai", "n8n"):
        del data[name]
    async with LabSimulator(load_scenario(data), tls=False) as sim:
        assert sim.service_url("ollama") is None
        assert (
            sim.service_url("paperless")
            is sim.service_url("paperless_ai")
            is sim.service_url("n8n")
            is None
        )
        assert (await sim.control("GET", "/control/services"))["urls"] == dict.fromkeys(
            ("ollama", "paperless", "paperless_ai", "n8n")
        )


def test_cli_service_ports() -> None:
    assert parse_args([]).service_ports == "scenario"
    assert parse_args(["--service-ports", "free"]).service_ports == "free"


def test_parse_duration() -> None:
    assert parse_duration(90) is not None
    assert parse_duration(-1) is None
    assert parse_duration("-1") is None
    assert parse_duration("-5m") is None
    assert parse_duration("1h30m").total_seconds() == 5400  # type: ignore[union-attr]
    assert parse_duration("250ms").total_seconds() == 0.25  # type: ignore[union-attr]
    with pytest.raises(TypeError):
        parse_duration(True)
    with pytest.raises(TypeError):
        parse_duration([])
    with pytest.raises(ValueError):
        parse_duration("soon")


def test_clock() -> None:
    start = datetime(2026, 11, 1, tzinfo=UTC)
    clock = ServiceClock(start)
    clock.freeze()
    clock.freeze()
    assert clock.frozen
    frozen = clock.now()
    clock.advance(10)
    assert (clock.now() - frozen).total_seconds() == 10
    clock.resume()
    clock.resume()
    assert not clock.frozen
    assert clock.now() >= frozen
    with pytest.raises(LabError):
        clock.advance(-1)


@pytest.mark.parametrize(
    "body",
    [{"status": 99}, {"status": True}, {"delay": -1}, {"count": 0}, {"path": "/x"}],
)
def test_fault_validation(body: dict[str, Any]) -> None:
    with pytest.raises(LabError):
        parse_fault(body)


async def test_clock_control(lab: LabSimulator) -> None:
    state = await lab.control("POST", "/control/services/clock", {"freeze": True, "advance": 60})
    assert state["frozen"] is True
    state = await lab.control("POST", "/control/services/clock", {"freeze": False})
    assert state["frozen"] is False
    with pytest.raises(ControlError, match="true or false"):
        await lab.control("POST", "/control/services/clock", {"freeze": "yes"})
    with pytest.raises(ControlError, match="seconds"):
        await lab.control("POST", "/control/services/clock", {"advance": -5})
    with pytest.raises(ControlError, match="JSON"):
        await lab._control_request("POST", "/control/ollama/load", "not json")


async def test_delay_and_count(lab: LabSimulator, http: aiohttp.ClientSession) -> None:
    await lab.control("POST", "/control/n8n/fault", {"delay": 0.05, "status": 502, "count": 1})
    assert (await get(http, lab.service_url("n8n"), "/healthz"))[0] == 502
    assert (await get(http, lab.service_url("n8n"), "/healthz"))[0] == 200


# ---------------------------------------------------------------- Ollama


async def test_ollama_generate_and_chat(lab: LabSimulator, http: aiohttp.ClientSession) -> None:
    url = lab.service_url("ollama")
    assert url is not None
    async with http.head(url + "/") as response:
        assert response.status == 200
    status, answer = await post(
        http, url, "/api/generate", {"model": "llama3.2:3b", "prompt": "hi", "stream": False}
    )
    assert status == 200
    assert answer["response"] == "Simulated answer."
    assert answer["done_reason"] == "stop"
    async with http.post(
        url + "/api/generate", json={"model": "llama3.2:3b", "prompt": "hi"}
    ) as response:
        assert response.content_type == "application/x-ndjson"
    status, answer = await post(
        http,
        url,
        "/api/chat",
        {"model": "gemma3:4b", "messages": [{"role": "user", "content": "hi"}], "stream": False},
    )
    assert answer["message"]["content"] == "Simulated answer."
    status, answer = await post(http, url, "/api/chat", {"model": "gemma3:4b", "keep_alive": 0})
    assert answer["done_reason"] == "unload"
    assert answer["message"] == {"role": "assistant", "content": ""}
    status, answer = await post(http, url, "/api/chat", {"model": "gemma3:4b", "keep_alive": "10m"})
    assert answer["done_reason"] == "load"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (None, 400),
        (["model"], 400),
        ({"prompt": "hi"}, 404),  # no model: "model '' not found", as the real server
        ({"model": "nope:1b"}, 404),
        ({"model": "llama3.2:3b", "keep_alive": "soon"}, 400),
    ],
)
async def test_ollama_generate_errors(
    lab: LabSimulator, http: aiohttp.ClientSession, body: Any, status: int
) -> None:
    url = lab.service_url("ollama")
    assert url is not None
    async with http.post(url + "/api/generate", json=body) as response:
        assert response.status == status


async def test_ollama_scheduler(lab: LabSimulator, http: aiohttp.ClientSession) -> None:
    await lab.control("POST", "/control/services/clock", {"freeze": True})
    url = lab.service_url("ollama")
    # A request that loads a model: /api/ps says now + keep-alive while it runs.
    await lab.control("POST", "/control/ollama/unload", {})
    await lab.control(
        "POST", "/control/ollama/request", {"model": "qwen3:8b", "seconds": 30, "keep_alive": "2m"}
    )
    first = (await get(http, url, "/api/ps"))[1]["models"][0]["expires_at"]
    await lab.control("POST", "/control/services/clock", {"advance": 10})
    second = (await get(http, url, "/api/ps"))[1]["models"][0]["expires_at"]
    assert first != second
    # Unload asked while the request runs: it goes once the request ends.
    await post(http, url, "/api/generate", {"model": "qwen3:8b", "keep_alive": 0})
    assert len((await get(http, url, "/api/ps"))[1]["models"]) == 1
    await lab.control("POST", "/control/services/clock", {"advance": 25})
    assert (await get(http, url, "/api/ps"))[1]["models"] == []
    # keep_alive 0 on a load: it goes as soon as it is idle.
    await lab.control("POST", "/control/ollama/load", {"model": "qwen3:8b", "keep_alive": 0})
    assert (await get(http, url, "/api/ps"))[1]["models"] == []
    # Unloading what is not loaded is fine.
    status, _ = await post(http, url, "/api/generate", {"model": "qwen3:8b", "keep_alive": 0})
    assert status == 200
    state = await lab.control("GET", "/control/ollama/state")
    assert state["loaded"] == {}


async def test_ollama_control(lab: LabSimulator) -> None:
    with pytest.raises(ControlError, match="unknown model"):
        await lab.control("POST", "/control/ollama/load", {"model": "nope"})
    await lab.control("POST", "/control/ollama/unload", {"model": "qwen3:14b"})
    state = await lab.control("GET", "/control/ollama/state")
    assert list(state["loaded"]) == ["nomic-embed-text:latest"]
    await lab.control("POST", "/control/ollama/fault", {"status": 500})
    await lab.control("POST", "/control/ollama/reset")
    state = await lab.control("GET", "/control/ollama/state")
    assert sorted(state["loaded"]) == ["nomic-embed-text:latest", "qwen3:14b"]


# ---------------------------------------------------------------- Paperless-ngx


async def test_paperless_auth_and_versions(lab: LabSimulator, http: aiohttp.ClientSession) -> None:
    url = lab.service_url("paperless")
    assert url is not None
    assert (await get(http, url, "/api/statistics/"))[0] == 401
    assert (await get(http, url, "/api/statistics/", Authorization="Token nope"))[0] == 401
    headers = paperless()
    headers["Accept"] = "application/json; version=10"
    async with http.get(url + "/api/statistics/", headers=headers) as response:
        # A refused version still gets the version headers (the user is known by then).
        assert response.status == 406
        assert response.headers["X-Api-Version"] == "9"
    headers["Accept"] = "application/json; version=x"
    assert (await get(http, url, "/api/statistics/", **headers))[0] == 406
    headers["Accept"] = "application/json"
    async with http.get(url + "/api/statistics/", headers=headers) as response:
        assert response.status == 200
        assert response.headers["X-Api-Version"] == "9"
        assert response.headers["Content-Type"] == "application/json"
    # As on every release since 2.15: /api/ redirects to the Swagger page, which is HTML only.
    async with http.get(url + "/api/", allow_redirects=False) as response:
        assert (response.status, response.headers["Location"]) == (302, "schema/view/")
        assert "X-Api-Version" not in response.headers
    async with http.get(url + "/api/", headers=paperless()) as response:
        assert (response.status, await response.text()) == (406, "406 Not Acceptable")
        assert response.headers["X-Version"] == "2.20.15"
    async with http.get(url + "/api/", headers={**paperless(), "Authorization": "Token x"}) as r:
        assert r.status == 500
    async with http.get(url + "/api/", headers={"Accept": "text/html"}) as response:
        assert response.status == 200
        assert "X-Version" not in response.headers
    # Endpoints of 3.x only; 2.x takes reprocess/ for a document id and refuses POST.
    assert (await get(http, url, "/api/tasks/status_counts/", **paperless()))[0] == 404
    assert await post(
        http, url, "/api/documents/reprocess/", {"documents": [1]}, **paperless()
    ) == (
        405,
        {"detail": 'Method "POST" not allowed.'},
    )
    # 2.x filters tasks by Celery's upper-case states only.
    assert (await get(http, url, "/api/tasks/?status=pending", **paperless()))[0] == 400


async def test_paperless_v10_tasks(lab: LabSimulator, http: aiohttp.ClientSession) -> None:
    await lab.control("POST", "/control/services/clock", {"freeze": True})
    await lab.control("POST", "/control/paperless/version", {"version": "3.0.5"})
    url = lab.service_url("paperless")
    headers = paperless(10)
    status, page = await get(http, url, "/api/tasks/?page_size=2", **headers)
    assert status == 200
    assert page["count"] == 6
    assert page["next"] is not None
    assert page["previous"] is None
    status, page = await get(http, url, "/api/tasks/?page_size=2&page=2", **headers)
    assert page["previous"] is not None
    assert (await get(http, url, "/api/tasks/?page=9", **headers))[0] == 404
    assert (await get(http, url, "/api/tasks/?page=x", **headers))[0] == 404
    status, page = await get(
        http, url, "/api/tasks/?status=failure&task_type=consume_file", **headers
    )
    assert page["count"] == 2
    assert "all" not in page
    assert set(page["results"][0]["result_data"]) == {"error_type", "error_message", "traceback"}
    # 3.x refuses the upper-case states, with API 9 too, but shows them in upper case there.
    assert (await get(http, url, "/api/tasks/?status=PENDING", **paperless(9)))[0] == 400
    status, pending = await get(http, url, "/api/tasks/?status=pending", **paperless(9))
    assert [task["status"] for task in pending] == ["PENDING", "PENDING"]
    status, active = await get(http, url, "/api/tasks/active/", **paperless(9))
    assert [task["status"] for task in active] == ["PENDING", "PENDING", "STARTED"]  # newest first
    status, done = await get(http, url, "/api/tasks/?status=success", **headers)
    assert done["results"][0]["result_data"] == {"document_id": 1284}
    task_id = done["results"][0]["task_id"]
    status, found = await get(http, url, f"/api/tasks/?task_id={task_id}", **headers)
    assert found["count"] == 1
    status, result = await post(http, url, "/api/tasks/acknowledge/", {"tasks": [2]}, **headers)
    assert result == {"result": 1}
    assert (await post(http, url, "/api/tasks/acknowledge/", {}, **headers))[0] == 400
    status, counts = await get(http, url, "/api/tasks/status_counts/", **headers)
    assert counts == {"all": 6, "needs_attention": 2, "in_progress": 3, "completed": 1}
    # A reprocess task in the API 10 shape: no input data, no related document.
    await post(http, url, "/api/documents/reprocess/", {"documents": [5]}, **headers)
    status, page = await get(http, url, "/api/tasks/?task_type=reprocess_document", **headers)
    task = page["results"][0]
    assert (task["input_data"], task["related_document_ids"], task["trigger_source"]) == (
        {},
        [],
        "manual",
    )


async def test_paperless_documents_and_tags(lab: LabSimulator, http: aiohttp.ClientSession) -> None:
    url = lab.service_url("paperless")
    headers = paperless()
    _status, page = await get(
        http, url, "/api/documents/?is_in_inbox=true&ordering=-id&page_size=2", **headers
    )
    assert page["count"] == 6
    assert [doc["id"] for doc in page["results"]] == [1284, 1283]
    _status, page = await get(
        http, url, "/api/documents/?tags__id__in=6,7&ordering=title", **headers
    )
    assert page["count"] == 3
    _status, page = await get(http, url, "/api/documents/?id__in=1,x", **headers)
    assert page["count"] == 1284  # an invalid filter is ignored
    _status, page = await get(http, url, "/api/documents/?ordering=modified&page_size=1", **headers)
    assert page["results"][0]["id"] == 1
    _status, tags = await get(http, url, "/api/tags/?name__icontains=process&id__in=2,5", **headers)
    assert [tag["name"] for tag in tags["results"]] == ["needs-processing", "processed"]
    for body, code in [
        ({"documents": [1], "method": "add_tag", "parameters": {"tag": 9}}, 200),
        ({"documents": [1], "method": "add_tag", "parameters": {"tag": 999}}, 400),
        ({"documents": [1], "method": "delete"}, 400),
        ({"documents": "1", "method": "reprocess"}, 400),
        ({"documents": [1, 1], "method": "reprocess"}, 400),
    ]:
        assert (await post(http, url, "/api/documents/bulk_edit/", body, **headers))[0] == code
    assert (await get(http, url, "/api/documents/?tags__id__all=9", **headers))[1]["count"] == 2
    assert url is not None
    async with http.post(url + "/api/documents/bulk_edit/", data="{", headers=headers) as response:
        assert response.status == 400
    async with http.post(url + "/api/documents/bulk_edit/", json=[1], headers=headers) as response:
        assert response.status == 400


async def test_paperless_upload(lab: LabSimulator, http: aiohttp.ClientSession) -> None:
    url = lab.service_url("paperless")
    assert url is not None
    form = aiohttp.FormData()
    form.add_field("document", b"%PDF-1.7", filename="upload.pdf", content_type="application/pdf")
    async with http.post(
        url + "/api/documents/post_document/", data=form, headers=paperless()
    ) as response:
        assert response.status == 200
        task_id = await response.json()
    _status, tasks = await get(http, url, f"/api/tasks/?task_id={task_id}", **paperless())
    assert tasks[0]["task_file_name"] == "upload.pdf"
    form = aiohttp.FormData()
    form.add_field("title", "no file")
    async with http.post(
        url + "/api/documents/post_document/", data=form, headers=paperless()
    ) as response:
        assert response.status == 400


async def test_paperless_control(lab: LabSimulator) -> None:
    for path, body, message in [
        ("consume", {"count": 0}, "positive"),
        ("consume", {"files": "a.pdf"}, "list of file names"),
        ("consume", {"files": ["a.pdf"], "tags": "x"}, "list of tag names"),
        ("consume", {"files": ["a.pdf"], "created": "whenever"}, "a time"),
        ("fail", {"task_ids": 3}, "a list"),
        ("health", {"celery": "bad"}, "component"),
        ("version", {"version": "three"}, "like"),
        ("token", {"token": ""}, "non-empty"),
        ("tag", {"name": ""}, "expected"),
        ("tag", {"name": "x", "documents": [999999]}, "unknown documents"),
    ]:
        with pytest.raises(ControlError, match=message):
            await lab.control("POST", f"/control/paperless/{path}", body)
    created = await lab.control(
        "POST", "/control/paperless/consume", {"files": ["x.pdf"], "tags": ["urgent"]}
    )
    failed = await lab.control("POST", "/control/paperless/fail", {"task_ids": created["tasks"]})
    assert failed == {"failed": created["tasks"]}
    await lab.control("POST", "/control/paperless/reset")
    state = await lab.control("GET", "/control/paperless/state")
    assert state["tasks"] == {"SUCCESS": 1, "FAILURE": 2, "STARTED": 1, "PENDING": 2}


async def test_paperless_tags_on_new_documents(
    lab: LabSimulator, http: aiohttp.ClientSession
) -> None:
    await lab.control("POST", "/control/services/clock", {"freeze": True})
    await lab.control(
        "POST", "/control/paperless/consume", {"files": ["x.pdf"], "tags": ["brand-new"]}
    )
    await lab.control("POST", "/control/services/clock", {"advance": 200})
    _status, tags = await get(
        http, lab.service_url("paperless"), "/api/tags/?name__iexact=brand-new", **paperless()
    )
    assert tags["results"][0]["document_count"] == 1


# ---------------------------------------------------------------- Paperless-AI


async def test_paperless_ai_control(lab: LabSimulator) -> None:
    with pytest.raises(ControlError, match="one of"):
        await lab.control("POST", "/control/paperless_ai/health", {"status": "sick"})
    with pytest.raises(ControlError, match="non-empty"):
        await lab.control("POST", "/control/paperless_ai/api_key", {"api_key": 1})
    await lab.control("POST", "/control/paperless_ai/fault", {"status": 500})
    await lab.control("DELETE", "/control/paperless_ai/fault")
    await lab.control("POST", "/control/paperless_ai/reset")
    state = await lab.control("GET", "/control/paperless_ai/state")
    assert state["processedToday"] == 37


async def test_paperless_ai_counts_per_day(http: aiohttp.ClientSession) -> None:
    data = raw()
    del data["paperless_ai"]["current"]
    scenario = load_scenario(data)
    start = datetime(2026, 11, 1, 23, 59, 50, tzinfo=UTC)
    async with LabSimulator(scenario, tls=False, service_clock_start=start) as sim:
        await sim.control("POST", "/control/services/clock", {"freeze": True})
        await sim.control("POST", "/control/services/clock", {"advance": 3600})
        state = await sim.control("GET", "/control/paperless_ai/state")
        assert 0 < state["processedToday"] < 37
        await sim.control("POST", "/control/paperless_ai/health", {"status": "error"})
        await sim.control("POST", "/control/services/clock", {"advance": 600})
        assert (await sim.control("GET", "/control/paperless_ai/state"))["processedToday"] == state[
            "processedToday"
        ]


# ---------------------------------------------------------------- n8n


async def test_n8n_api(lab: LabSimulator, http: aiohttp.ClientSession) -> None:
    url = lab.service_url("n8n")
    key = load_scenario().sections["n8n"].api_key
    # n8n 2.41.1: the same answer for a missing and a wrong key.
    assert (await get(http, url, "/api/v1/executions"))[1] == {"message": "Unauthorized"}
    headers = {"X-N8N-API-KEY": key}
    assert (await get(http, url, "/api/v1/executions?limit=0", **headers))[0] == 400
    assert (await get(http, url, "/api/v1/executions?limit=x", **headers))[0] == 400
    assert (await get(http, url, "/api/v1/executions?status=done", **headers))[0] == 400
    assert (await get(http, url, "/api/v1/executions?cursor=!!", **headers))[0] == 400
    _status, page = await get(
        http, url, "/api/v1/executions?workflowId=a7Bv4Nq9Td3Kx6Jm", **headers
    )
    assert len(page["data"]) == 2
    _status, workflows = await get(http, url, "/api/v1/workflows", **headers)
    assert len(workflows["data"]) == 3
    assert (await get(http, url, "/api/v1/workflows"))[0] == 401


async def test_n8n_control(lab: LabSimulator) -> None:
    with pytest.raises(ControlError, match="unknown workflow"):
        await lab.control("POST", "/control/n8n/executions", {"workflow": "nope"})
    with pytest.raises(ControlError, match="must be one of"):
        await lab.control("POST", "/control/n8n/executions", {"status": "done"})
    with pytest.raises(ControlError, match="unknown execution"):
        await lab.control("POST", "/control/n8n/executions/x/fail")
    with pytest.raises(ControlError, match="non-empty"):
        await lab.control("POST", "/control/n8n/api_key", {})
    started = await lab.control(
        "POST", "/control/n8n/executions", {"status": "running", "seconds": 1, "outcome": "error"}
    )
    await lab.control("POST", "/control/services/clock", {"advance": 2})
    state = await lab.control("GET", "/control/n8n/state")
    assert state["executions"]["error"] == 4
    assert started["id"] == "10"
    await lab.control("POST", "/control/n8n/reset")
    assert (await lab.control("GET", "/control/n8n/state"))["executions"]["error"] == 3


def test_scenario_copy_is_independent() -> None:
    data = raw()
    copy.deepcopy(data)
    assert load_scenario(data).sections["ollama"].version == "0.9.6"
