"""Fuzzing the HTTP clients (Ollama, Paperless-ngx, Paperless-AI, n8n) and the HTTP probe.

Two properties for each client:

* a 200 answer with any JSON (real payloads mutated, or anything at all) either parses or raises
  that client's invalid-response error;
* any answer at all (status, body, headers) raises nothing but that client's own errors.

The HTTP probe never raises: whatever comes back is a `ProbeResult`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import contextlib
import json
from typing import Any, Self

import aiohttp
from hypothesis import given, settings, strategies as st
import pytest

from custom_components.homelab.clients.httpprobe import ExpectedStatus, ProbeResult, probe
from custom_components.homelab.clients.httpprobe.probe import _in_maintenance, health_url
from custom_components.homelab.clients.n8n import N8nClient, N8nError, N8nInvalidResponseError
from custom_components.homelab.clients.ollama import (
    OllamaClient,
    OllamaError,
    OllamaInvalidResponseError,
)
from custom_components.homelab.clients.paperless import (
    PaperlessClient,
    PaperlessError,
    PaperlessInvalidResponseError,
)
from custom_components.homelab.clients.paperless_ai import (
    PaperlessAIClient,
    PaperlessAIError,
    PaperlessAIInvalidResponseError,
)

from .strategies import EXAMPLES, JSON, mutated

pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")

MODEL_DETAILS = {
    "format": "gguf",
    "family": "qwen3",
    "families": ["qwen3"],
    "parameter_size": "14.8B",
    "quantization_level": "Q4_K_M",
}
TASK = {
    "id": 12,
    "task_id": "0d6f3b1e",
    "task_file_name": "scan.pdf",
    "input_data": {"filename": "scan.pdf"},
    "date_created": "2026-11-01T11:59:20.123456+01:00",
    "date_done": None,
    "type": "file",
    "task_name": "consume_file",
    "task_type": "consume_file",
    "status": "PENDING",
    "result": None,
    "acknowledged": False,
    "related_document": None,
}
EXECUTION = {
    "id": "1234",
    "finished": False,
    "mode": "trigger",
    "startedAt": "2026-11-01T10:00:00.000Z",
    "stoppedAt": "2026-11-01T10:00:04.000Z",
    "workflowId": "kTq3wV9xYb2LmN4p",
    "status": "error",
    "waitTill": None,
}
# What each endpoint answers in the simulator (and the real services), by path.
PAYLOADS: dict[str, Any] = {
    "/api/version": {"version": "0.9.6"},
    "/api/tags": {
        "models": [
            {
                "name": "qwen3:14b",
                "model": "qwen3:14b",
                "modified_at": "2026-10-20T10:00:00.123456789+02:00",
                "size": 9300000000,
                "digest": "abc123",
                "details": MODEL_DETAILS,
            }
        ]
    },
    "/api/ps": {
        "models": [
            {
                "name": "qwen3:14b",
                "model": "qwen3:14b",
                "size": 10000000000,
                "digest": "abc123",
                "details": MODEL_DETAILS,
                "expires_at": "2026-11-01T13:04:00.123+01:00",
                "size_vram": 9000000000,
                "context_length": 8192,
            }
        ]
    },
    "/api/generate": {"model": "qwen3:14b", "done": True, "done_reason": "load"},
    "/api/": {"documents": "http://x/api/documents/"},
    "/api/statistics/": {"documents_total": 1284, "documents_inbox": 6},
    "/api/status/": {
        "pngx_version": "2.20.15",
        "database": {"status": "OK"},
        "tasks": {
            "redis_status": "OK",
            "celery_status": "OK",
            "index_status": "OK",
            "classifier_status": "OK",
        },
    },
    "/api/tasks/": [TASK],
    "/api/tasks/status_counts/": {"all": 3, "in_progress": 2},
    "/api/tasks/active/": {"count": 1, "next": None, "results": [TASK]},
    "/api/tags/": {
        "count": 1,
        "next": None,
        "results": [{"id": 1, "name": "inbox", "document_count": 6}],
    },
    "/api/documents/": {"count": 2, "next": None, "results": [{"id": 1281}], "all": [1281, 1282]},
    "/api/documents/reprocess/": {"result": "OK"},
    "/api/documents/bulk_edit/": {"result": "OK"},
    "/health": {"status": "healthy"},
    "/api/processing-status": {
        "isProcessing": True,
        "processedToday": 37,
        "currentlyProcessing": {
            "documentId": 1284,
            "title": "Scan",
            "startTime": "2026-11-01T11:59:55.000Z",
        },
        "lastProcessed": {
            "documentId": 1283,
            "title": "Invoice",
            "processed_at": "2026-11-01T11:59:30.000Z",
        },
    },
    "/healthz/readiness": {"status": "ok"},
    "/api/v1/executions": {"data": [EXECUTION], "nextCursor": "abc"},
    "/api/v1/workflows/": {"id": "kTq3wV9xYb2LmN4p", "name": "Paperless to Vikunja tasks"},
}


def _payload_for(path: str) -> Any:
    if path.startswith("/api/v1/workflows/"):
        return PAYLOADS["/api/v1/workflows/"]
    return PAYLOADS.get(path, {})


class FakeResponse:
    """Enough of aiohttp's response for the clients."""

    def __init__(self, status: int, body: str, headers: dict[str, str]) -> None:
        self.status = status
        self._body = body
        self.headers = headers
        self.content = self

    async def text(self) -> str:
        return self._body

    async def read(self, _limit: int = -1) -> bytes:
        return self._body.encode(errors="surrogatepass")

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        return None


type Answer = Callable[[str, str], FakeResponse]


class FakeSession:
    """Answers every request with what the test draws."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer

    def request(self, method: str, url: Any, **_kwargs: Any) -> FakeResponse:
        return self.answer(method, str(url))

    def get(self, url: Any, **_kwargs: Any) -> FakeResponse:
        return self.answer("GET", str(url))


def _path(url: str) -> str:
    return "/" + url.split("/", 3)[3].split("?", maxsplit=1)[0] if url.count("/") >= 3 else "/"


HEADERS = st.fixed_dictionaries(
    {},
    optional={
        "Date": st.sampled_from(["Sun, 01 Nov 2026 12:00:00 GMT", "yesterday", ""]),
        "X-Api-Version": st.sampled_from(["9", "10", "11", "x", ""]),
        "X-Version": st.text(max_size=8),
        "Content-Type": st.just("application/json"),
    },
)


def json_answers(data: st.DataObject) -> Answer:
    """200 with the endpoint's real payload mutated (or any JSON)."""

    def answer(_method: str, url: str) -> FakeResponse:
        path = _path(url)
        body = data.draw(mutated(_payload_for(path)), label=path)
        return FakeResponse(200, json.dumps(body), data.draw(HEADERS))

    return answer


def any_answers(data: st.DataObject) -> Answer:
    """Any status, any body (JSON or not), any headers."""

    def answer(_method: str, url: str) -> FakeResponse:
        status = data.draw(st.sampled_from([200, 201, 204, 400, 401, 403, 404, 406, 500, 503]))
        body = data.draw(
            JSON.map(json.dumps)
            | st.text(max_size=30)
            | mutated(_payload_for(_path(url))).map(json.dumps)
        )
        return FakeResponse(status, body, data.draw(HEADERS))

    return answer


def _session(answer: Answer) -> aiohttp.ClientSession:
    return FakeSession(answer)  # type: ignore[return-value]


def ollama_calls(session: aiohttp.ClientSession) -> list[Callable[[], Awaitable[Any]]]:
    client = OllamaClient("http://ollama:11434", session=session, token="t")
    return [
        client.version,
        client.installed_models,
        client.running_models,
        client.ping,
        lambda: client.load_model("qwen3:14b", keep_alive=60),
        lambda: client.unload_model("qwen3:14b"),
    ]


def paperless_calls(session: aiohttp.ClientSession) -> list[Callable[[], Awaitable[Any]]]:
    client = PaperlessClient("http://paperless:8000", "token", session=session)
    return [
        client.negotiate,
        client.statistics,
        client.status,
        client.task_queue,
        client.tags,
        lambda: client.find_tag("inbox"),
        lambda: client.count_documents(with_tag=1),
        lambda: client.documents_with_tag(1, limit=50),
        lambda: client.existing_documents([1, 2, 3]),
        lambda: client.reprocess([1, 2]),
        lambda: client.remove_tag([1, 2], 3),
    ]


def paperless_ai_calls(session: aiohttp.ClientSession) -> list[Callable[[], Awaitable[Any]]]:
    client = PaperlessAIClient("http://paperless-ai:3000", "key", session=session)
    return [client.health, client.processing_status]


def n8n_calls(session: aiohttp.ClientSession) -> list[Callable[[], Awaitable[Any]]]:
    from datetime import UTC, datetime  # noqa: PLC0415

    client = N8nClient("http://n8n:5678", "key", session=session)
    return [
        client.ready,
        client.executions,
        client.running_count,
        lambda: client.failures_since(datetime(2026, 10, 31, tzinfo=UTC)),
        lambda: client.workflow("kTq3wV9xYb2LmN4p"),
    ]


CLIENTS: dict[str, tuple[Callable[..., Any], type[Exception], type[Exception]]] = {
    "ollama": (ollama_calls, OllamaError, OllamaInvalidResponseError),
    "paperless": (paperless_calls, PaperlessError, PaperlessInvalidResponseError),
    "paperless_ai": (paperless_ai_calls, PaperlessAIError, PaperlessAIInvalidResponseError),
    "n8n": (n8n_calls, N8nError, N8nInvalidResponseError),
}
CALLS = [
    (name, index) for name, (calls, _, _) in CLIENTS.items() for index in range(len(calls(None)))
]


async def _call(name: str, index: int, session: aiohttp.ClientSession) -> None:
    calls, _base, _invalid = CLIENTS[name]
    await calls(session)[index]()


@settings(max_examples=EXAMPLES * 4)
@given(call=st.sampled_from(CALLS), data=st.data())
def test_json_answers_parse_or_raise_invalid_response(
    call: tuple[str, int], data: st.DataObject
) -> None:
    name, index = call
    _calls, _base, invalid = CLIENTS[name]
    with contextlib.suppress(invalid):
        asyncio.run(_call(name, index, _session(json_answers(data))))


@settings(max_examples=EXAMPLES * 4)
@given(call=st.sampled_from(CALLS), data=st.data())
def test_any_answer_raises_only_client_errors(call: tuple[str, int], data: st.DataObject) -> None:
    name, index = call
    _calls, base, _invalid = CLIENTS[name]
    with contextlib.suppress(base):
        asyncio.run(_call(name, index, _session(any_answers(data))))


@given(
    status=st.integers(100, 599),
    body=st.binary(max_size=40) | JSON.map(lambda v: json.dumps(v).encode()),
    keyword=st.none() | st.text(max_size=5),
    expected=st.sampled_from(["200-399", "200", "200,204,301", "100-599"]),
    url=st.sampled_from(["http://svc/", "http://svc/status.php", "http://svc/health"]),
)
def test_probe_always_returns_a_result(
    status: int, body: bytes, keyword: str | None, expected: str, url: str
) -> None:
    text = body.decode(errors="replace")

    def answer(_method: str, _url: str) -> FakeResponse:
        return FakeResponse(status, text, {})

    result = asyncio.run(
        probe(_session(answer), url, expected=ExpectedStatus.parse(expected), keyword=keyword)
    )
    assert isinstance(result, ProbeResult)
    _in_maintenance(body)


@given(text=st.text(max_size=20))
def test_expected_status_parses_or_says_why(text: str) -> None:
    try:
        parsed = ExpectedStatus.parse(text)
    except ValueError:
        return
    parsed.accepts(200)


@given(service=st.text(max_size=12), base=st.sampled_from(["http://x:1/", "https://y/z"]))
def test_health_urls(service: str, base: str) -> None:
    assert health_url(service, base).startswith(base.split(":", maxsplit=1)[0])
