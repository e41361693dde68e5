"""The client moves to another API version when the pinned one disappears (unit level)."""

from __future__ import annotations

import logging
from unittest.mock import AsyncMock

import pytest

from custom_components.homelab.clients.truenas import TrueNASClient, TrueNASConnectionError


def _client() -> TrueNASClient:
    return TrueNASClient(
        "127.0.0.1",
        username="u",
        api_key="k",
        session=None,  # type: ignore[arg-type]
        api_version="v25.10.2",
    )


async def test_repin_keeps_the_version_when_versions_cannot_be_read() -> None:
    client = _client()
    client.api_versions = AsyncMock(side_effect=TrueNASConnectionError("down"))  # type: ignore[method-assign]
    await client._repin()
    assert client.api_version == "v25.10.2"


async def test_repin_without_a_chooser_uses_current(caplog: pytest.LogCaptureFixture) -> None:
    client = _client()
    client.api_versions = AsyncMock(return_value=["v27.0.0"])  # type: ignore[method-assign]
    seen: list[tuple[list[str], str | None]] = []
    client.add_version_listener(lambda served, chosen: seen.append((served, chosen)))

    def broken(_served: list[str], _chosen: str | None) -> None:
        raise RuntimeError

    remove = client.add_version_listener(broken)
    with caplog.at_level(logging.INFO):
        await client._repin()
    assert client.api_version == "current"
    assert seen == [(["v27.0.0"], None)]
    assert "API version listener failed" in caplog.text
    remove()
    client.version_chooser = lambda served: served[0]
    await client._repin()
    assert client.api_version == "v27.0.0"
