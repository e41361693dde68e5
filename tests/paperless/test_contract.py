"""Contract: the simulated Paperless-ngx answers as the real 2.20.15 and 3.0.5 did.

`fixtures/paperless-*.json` are the answers recorded from real servers (copied unchanged from
the shared `recorded/` folder beside the repository; `test_fixtures_match_the_shared_copy` keeps
them so). For each recorded request, the simulator set to that version must give the same
status, content type, `X-Api-Version`, `X-Version`, `Location` and body shape. And every request
the client makes must be one of the recorded requests (same method, path, query names and status
case), or one of the few taken from the Paperless-ngx sources (`SOURCE_ONLY`, with the reason).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import aiohttp
import pytest

from custom_components.homelab.clients.paperless import PaperlessClient
from tests.common import LabHandle

pytestmark = pytest.mark.usefixtures("socket_enabled")

FIXTURES = Path(__file__).parent / "fixtures"
SHARED = Path(__file__).parents[2].parent / "shared" / "recorded"
RECORDINGS = sorted(path.name for path in FIXTURES.glob("paperless-*.json"))
# Requests the recordings do not hold: their answers follow the release sources.
SOURCE_ONLY = {
    # UiSettingsView.get (src/documents/views.py, 2.20.15 and 3.0.5): the token's user.
    ("GET", "/api/ui_settings/"),
    # TasksViewSet.acknowledge: what the web UI's "Dismiss" posts, on both versions.
    ("POST", "/api/tasks/acknowledge/"),
}
# Keys whose objects hold optional entries (consume overrides the uploader chose).
OPEN_OBJECTS = {"overrides"}
# The recordings' document and tag id that does not exist; the seed lab has a document 999.
RECORDED_MISSING_ID = "999"
LAB_MISSING_ID = "999999"
TRIMMED = "<traceback trimmed>"


def recording(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return data


def server_version(name: str) -> str:
    return name.split("-")[1]


def shape(value: Any) -> Any:
    """The recorder's shape of a value: type names, objects by key, a list by its first item."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__


def mismatches(recorded: Any, actual: Any, path: str = "") -> list[str]:
    """Where `actual` (a shape) differs from `recorded`; `NoneType` matches any type."""
    if recorded == TRIMMED:  # the recorder shortened tracebacks
        recorded = "str"
    if recorded == "NoneType" or actual == "NoneType":
        return []
    if isinstance(recorded, dict) and isinstance(actual, dict):
        problems = []
        if path.rsplit(".", 1)[-1] not in OPEN_OBJECTS and set(recorded) != set(actual):
            problems.append(f"{path or '.'}: keys {sorted(recorded)} != {sorted(actual)}")
        for key in set(recorded) & set(actual):
            problems += mismatches(recorded[key], actual[key], f"{path}.{key}")
        return problems
    if isinstance(recorded, list) and isinstance(actual, list):
        if recorded and actual:
            return mismatches(recorded[0], actual[0], f"{path}[0]")
        return []
    if {recorded, actual} <= {"int", "float"} or recorded == actual:
        return []
    return [f"{path or '.'}: {recorded} != {actual}"]


def parse_key(key: str) -> tuple[str, str, bool, Any]:
    """`GET /api/x/?a=1 (no redirect)` or `POST /api/x/ {json}`: method, URL, redirects, body."""
    method, rest = key.split(" ", 1)
    follow = not rest.endswith(" (no redirect)")
    rest = rest.removesuffix(" (no redirect)")
    url, _, body = rest.partition(" ")
    return method, url, follow, json.loads(body) if body else None


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def headers(lab: LabHandle, version: int) -> dict[str, str]:
    token = lab.scenario.sections["paperless"].token
    return {"Authorization": f"Token {token}", "Accept": f"application/json; version={version}"}


async def ask(
    http: aiohttp.ClientSession, lab: LabHandle, key: str, version: int
) -> dict[str, Any]:
    method, url, follow, body = parse_key(key.replace(RECORDED_MISSING_ID, LAB_MISSING_ID))
    base = lab.simulator.service_url("paperless")
    assert base is not None
    async with http.request(
        method, base + url, json=body, headers=headers(lab, version), allow_redirects=follow
    ) as response:
        text = await response.text()
        try:
            payload: Any = json.loads(text) if text else text
        except ValueError:
            payload = text
        return {
            "status": response.status,
            "content_type": response.headers.get("Content-Type"),
            "x_api_version": response.headers.get("X-Api-Version"),
            "x_version": response.headers.get("X-Version"),
            "location": response.headers.get("Location"),
            "shape": shape(payload),
        }


def test_fixtures_match_the_shared_copy() -> None:
    """The copies here are the recorded files, unchanged (checked where the shared copy is)."""
    assert len(RECORDINGS) == 5
    if not SHARED.is_dir():
        pytest.skip("no shared/recorded beside the repository")
    for name in RECORDINGS:
        assert (FIXTURES / name).read_bytes() == (SHARED / name).read_bytes(), name


@pytest.mark.parametrize("name", RECORDINGS)
async def test_labsim_answers_as_recorded(
    lab: LabHandle, http: aiohttp.ClientSession, name: str
) -> None:
    data = recording(name)
    await lab.control("POST", "/control/services/clock", {"freeze": True})
    await lab.control("POST", "/control/paperless/version", {"version": server_version(name)})
    problems: list[str] = []
    for key, expected in data["requests"].items():
        actual = await ask(http, lab, key, data["version"])
        problems += [
            f"{key}: {field} {actual[field]!r} != {expected[field]!r}"
            for field in ("status", "content_type", "x_api_version", "x_version", "location")
            if actual[field] != expected[field]
        ]
        problems += [f"{key}: {p}" for p in mismatches(expected["shape"], actual["shape"])]
    assert not problems, "\n".join(problems)


def _recorded_requests() -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Every recorded request that the real server accepted, by method and path."""
    found: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for name in RECORDINGS:
        data = recording(name)
        for key, answer in data["requests"].items():
            method, url, _follow, _body = parse_key(key)
            parts = urlsplit(url)
            query = dict(parse_qsl(parts.query))
            found.setdefault((method, parts.path), []).append(
                {
                    "server": server_version(name),
                    "api": data["version"],
                    "query": query,
                    "ok": 200 <= answer["status"] < 300,
                }
            )
    return found


def covered(method: str, url: str, server: str, api: int) -> bool:
    """The request has a recorded twin the same server accepted: same method, path and query
    names (the page number aside), and the `status` filter in the same case."""
    parts = urlsplit(url)
    if (method, parts.path) in SOURCE_ONLY:
        return True
    query = dict(parse_qsl(parts.query))
    names = set(query) - {"page"}
    for twin in _recorded_requests().get((method, parts.path), []):
        if twin["server"] != server:
            continue
        if method == "POST":
            # Recorded with one API version per server, mostly as refusals (unknown ids):
            # the method and the path are what they vouch for.
            return True
        if twin["api"] != api:
            continue
        if not twin["ok"] or not names <= set(twin["query"]):
            continue
        status = query.get("status")
        if status is None or twin["query"].get("status", "").isupper() == status.isupper():
            return True
    return False


class Recorder:
    """Every request a session sends, through aiohttp's tracing."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []
        self.config = aiohttp.TraceConfig()
        self.config.on_request_start.append(self._start)

    async def _start(self, _session: Any, _context: Any, params: Any) -> None:
        url = params.url
        self.requests.append((params.method, url.path_qs))


async def exercise(client: PaperlessClient) -> None:
    """Every call the integration makes."""
    await client.negotiate()
    await client.statistics()
    await client.status()
    await client.user_info()
    queue = await client.task_queue()
    tags = {tag.name: tag for tag in await client.tags()}
    failed = await client.find_tag("AUTOMATION-FAILED")
    assert failed is not None
    await client.count_documents(with_tag=failed.id)
    await client.count_documents(without_tag=tags["ai-processed"].id)
    page = await client.documents_with_tag(failed.id, limit=1)
    await client.existing_documents([1, 2, 3, 999999])
    await client.reprocess(page.ids)
    await client.remove_tag(page.ids, failed.id)
    await client.acknowledge_tasks([task.id for task in queue.running])


@pytest.mark.parametrize(("version", "api"), [("2.20.15", 9), ("3.0.5", 10), ("3.0.5", 9)])
async def test_every_client_request_was_recorded(lab: LabHandle, version: str, api: int) -> None:
    await lab.control("POST", "/control/services/clock", {"freeze": True})
    await lab.control("POST", "/control/paperless/version", {"version": version})
    recorder = Recorder()
    url = lab.simulator.service_url("paperless")
    assert url is not None
    token = lab.scenario.sections["paperless"].token
    async with aiohttp.ClientSession(trace_configs=[recorder.config]) as session:
        client = PaperlessClient(url, token, session=session)
        await exercise(client)
        assert client.api_version == (10 if version.startswith("3") else 9)
        if api == 9 and client.api_version == 10:
            # As behind a proxy that drops X-Api-Version: version 9 against 3.x.
            recorder.requests.clear()
            client = PaperlessClient(url, token, session=session)
            client.api_version = 9
            client.server_version = version
            await exercise(client)
    assert ("GET", "/api/") not in recorder.requests
    missing = [
        f"{method} {path}"
        for method, path in recorder.requests
        if not covered(method, path, version, api)
    ]
    assert not missing, (missing, recorder.requests)


def test_the_coverage_rule() -> None:
    # The old client's requests are not covered: /api/ was never a JSON answer, and 3.x
    # refuses upper-case states.
    assert not covered("GET", "/api/", "3.0.5", 10)
    assert not covered("GET", "/api/tasks/?status=PENDING", "3.0.5", 9)
    assert covered("GET", "/api/tasks/?status=PENDING&acknowledged=false", "2.20.15", 9)
    assert not covered("GET", "/api/tasks/?status=failure", "2.20.15", 9)
    assert covered("GET", "/api/tags/?page_size=1000&page=3", "3.0.5", 10)
    assert not covered("GET", "/api/tags/?page_size=1000&owner=1", "3.0.5", 10)
    assert mismatches({"a": "int"}, {"a": "str"}) == [".a: int != str"]
    assert mismatches({"a": "int"}, {"b": "int"}) == [".: keys ['a'] != ['b']"]
    assert mismatches({"overrides": {"title": "str"}}, {"overrides": {}}) == []
    assert mismatches(["int"], []) == []
