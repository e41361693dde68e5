"""labsim keeps the answer shapes that validated against the TrueNAS release models.

``fixtures/truenas_release_shapes.json`` holds the key sets of answers that passed the
middleware's own pydantic models (TS-25.04.2.6, TS-25.10.6, TS-26.0.0-BETA.3; run outside the
repository, see the issue 10 closing note). No middleware code is needed here: the keys must
stay exactly those, per API version, so a shape change shows up as a failing test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from labsim import LabSimulator, Scenario, load_scenario
from tests.labsim.conftest import ADMIN_KEY, ADMIN_USER, trusting
from tests.labsim.rpc_client import RpcClient

SHAPES: dict[str, Any] = json.loads(
    (Path(__file__).parent / "fixtures" / "truenas_release_shapes.json").read_text()
)
# The box each API version was recorded on: its release and the API versions it serves.
BOXES = {
    "v25.04.2": ("25.04.2.6", ["v25.04.0", "v25.04.1", "v25.04.2"]),
    "v25.10.2": ("25.10.6", ["v25.04.0", "v25.04.2", "v25.10.0", "v25.10.2", "v25.10.5"]),
    "v26.0.0": ("26.0.0", ["v25.04.0", "v25.04.2", "v25.10.0", "v25.10.4", "v26.0.0"]),
}
CALLS: dict[str, list[Any]] = {
    "auth.login_ex": [],
    "boot.get_state": [],
    "pool.query": [],
    "app.query": [],
    "replication.query": [],
    "cloudsync.query": [],
    "vm.status": [1],
    "pool.snapshot.create": [{"dataset": "tank/applications/n8n", "name": "contract"}],
    **{
        key: []
        for key in (
            "disk.query",
            "vm.query",
            "service.query",
            "certificate.query",
            "system.general.config",
            "update.status",
            "virt.instance.query",
            "container.query",
        )
    },
    "zfs.resource.query": [
        {
            "paths": ["tank/applications"],
            "properties": ["snapshots_changed"],
            "get_children": True,
        }
    ],
}


def keys_at(value: Any, path: str) -> list[str]:
    """The sorted keys at ``path`` (``a.b`` nested object, ``a[]`` first list item)."""
    for part in [p for p in path.replace("[]", ".[]").split(".") if p]:
        value = value[0] if part == "[]" else value[part]
    return sorted(value)


@pytest.fixture(params=sorted(BOXES))
def api_version(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def scenario(api_version: str) -> Scenario:
    lab = load_scenario()
    lab.system.version, lab.api_versions = BOXES[api_version][0], list(BOXES[api_version][1])
    return lab


@pytest.fixture
async def admin_on_version(
    sim: LabSimulator, http: aiohttp.ClientSession, api_version: str
) -> AsyncIterator[tuple[RpcClient, dict[str, Any]]]:
    url = sim.url.rsplit("/", 1)[0] + f"/{api_version}"
    client = RpcClient(await http.ws_connect(url, ssl=trusting(sim) or False))
    login = await client.call(
        "auth.login_ex",
        [{"mechanism": "API_KEY_PLAIN", "username": ADMIN_USER, "api_key": ADMIN_KEY}],
    )
    yield client, login
    await client.close()


async def test_answers_keep_the_validated_shapes(
    admin_on_version: tuple[RpcClient, dict[str, Any]], api_version: str
) -> None:
    client, login = admin_on_version
    recorded: dict[str, dict[str, list[str]]] = SHAPES[api_version]
    assert recorded, api_version
    for method, paths in sorted(recorded.items()):
        result = login if method == "auth.login_ex" else await client.call(method, CALLS[method])
        for path, keys in paths.items():
            assert keys_at(result, "" if path == "." else path) == keys, (method, path)
