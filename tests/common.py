"""Helpers shared by the tests: drive the simulator's control API, wait for conditions."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
import ssl
import time
from typing import Any

import aiohttp

from labsim import LabSimulator


@dataclass
class LabHandle:
    """A running simulator plus what tests need to log in to it."""

    simulator: LabSimulator
    scenario: Any

    @property
    def port(self) -> int:
        return self.simulator.port

    @property
    def username(self) -> str:
        return self.scenario.users[0].username

    @property
    def api_key(self) -> str:
        return self.scenario.users[0].api_key

    @property
    def host_id(self) -> str:
        return self.scenario.system.host_id

    def ssl_context(self) -> ssl.SSLContext:
        """A context that trusts the simulator's own CA."""
        return ssl.create_default_context(cafile=str(self.simulator.ca_file))

    async def control(self, method: str, path: str, payload: Any = None) -> Any:
        """Call the control API (a fresh session, so HA's session is not involved)."""
        async with (
            aiohttp.ClientSession() as session,
            session.request(
                method, f"{self.simulator.control_url}{path}", json=payload
            ) as response,
        ):
            response.raise_for_status()
            return await response.json()

    async def calls(self) -> list[dict[str, Any]]:
        """The simulator's call log."""
        result = await self.control("GET", "/control/calls")
        return result["calls"] if isinstance(result, dict) else result


async def wait_for(predicate: Callable[[], bool], timeout: float = 5.0) -> float:
    """Poll `predicate` until true; return how long it took. Fails the test on timeout."""
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout:
            msg = f"condition not met within {timeout} s"
            raise AssertionError(msg)
        await asyncio.sleep(0.02)
    return time.monotonic() - start
