"""A minimal JSON-RPC client for the simulator tests (raw messages, nothing hidden)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

import aiohttp

from labsim import ejson


class RpcError(AssertionError):
    """A reply carried an error where a result was expected."""


class RpcClient:
    """One WebSocket connection: numbered calls, replies by id, notifications in a queue."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self._next_id = 0
        self._pending: dict[Any, asyncio.Future[dict[str, Any]]] = {}
        self.orphans: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.notifications: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.closed = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for msg in self.ws:
                if msg.type != aiohttp.WSMsgType.TEXT:
                    break
                data = json.loads(msg.data)
                if "method" in data:
                    self.notifications.put_nowait(data)
                elif (future := self._pending.pop(data.get("id"), None)) is not None:
                    future.set_result(data)
                else:
                    self.orphans.put_nowait(data)
        finally:
            self.closed.set()
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(ConnectionError("connection closed"))

    def next_id(self) -> int:
        self._next_id += 1
        return self._next_id

    async def send(self, message: Any) -> None:
        await self.ws.send_str(message if isinstance(message, str) else ejson.dumps(message))

    async def request(
        self, method: str, params: list[Any] | None = None, timeout: float = 5.0
    ) -> dict[str, Any]:
        """Send a call; return the whole reply message."""
        id_ = self.next_id()
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[id_] = future
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": id_, "method": method}
        if params is not None:
            message["params"] = params
        await self.send(message)
        return await asyncio.wait_for(future, timeout)

    async def call(self, method: str, params: list[Any] | None = None) -> Any:
        """Send a call; return its result (fail on an error reply)."""
        reply = await self.request(method, params)
        if "error" in reply:
            raise RpcError(reply["error"])
        return reply["result"]

    async def error(self, method: str, params: list[Any] | None = None) -> dict[str, Any]:
        """Send a call that must fail; return the error object."""
        reply = await self.request(method, params)
        assert "error" in reply, reply
        return reply["error"]

    async def notification(self, timeout: float = 5.0) -> dict[str, Any]:
        return await asyncio.wait_for(self.notifications.get(), timeout)

    async def event(
        self, collection: str | None = None, msg: str | None = None, timeout: float = 5.0
    ) -> dict[str, Any]:
        """Return the params of the next matching collection_update (skipping others)."""
        async with asyncio.timeout(timeout):
            while True:
                note = await self.notifications.get()
                params = note["params"]
                if note["method"] != "collection_update":
                    continue
                if collection not in (None, params["collection"]):
                    continue
                if msg not in (None, params["msg"]):
                    continue
                return params

    def drain(self) -> list[dict[str, Any]]:
        items = []
        while not self.notifications.empty():
            items.append(self.notifications.get_nowait())
        return items

    async def login(self, username: str, api_key: str) -> dict[str, Any]:
        result: dict[str, Any] = await self.call(
            "auth.login_ex",
            [
                {
                    "mechanism": "API_KEY_PLAIN",
                    "username": username,
                    "api_key": api_key,
                    "login_options": {"user_info": False},
                }
            ],
        )
        return result

    async def close(self) -> None:
        await self.ws.close()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader
