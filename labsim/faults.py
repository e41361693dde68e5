"""What the control API injects into the RPC side and what it records: faults, stats, the call log.

``LabState`` holds one ``Faults`` (stalls, hangs, reply delays, remote clients, failing methods),
one ``Stats`` and the call log (``CallRecord``); ``labsim.control`` and ``labsim.chaos`` set them,
``labsim.rpc`` obeys and records.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
import errno
from typing import Any


@dataclass(slots=True)
class Stats:
    """Counters served by ``GET /control/stats``."""

    connections_total: int = 0
    connections_open: int = 0
    messages_received: int = 0
    messages_sent: int = 0
    bytes_received: int = 0
    bytes_sent: int = 0
    rpc_calls: int = 0
    rpc_errors: int = 0
    events_sent: int = 0
    logins_ok: int = 0
    logins_failed: int = 0


@dataclass(slots=True)
class MethodFault:
    """Make calls of one method fail with a ``CallError`` (``count`` times, or until cleared)."""

    errno: int = errno.EFAULT
    message: str = "Injected failure"
    count: int | None = None


@dataclass(slots=True)
class Faults:
    """Misbehaviour injected through the control API."""

    reply_delay: float = 0.0
    remote_clients: bool = False
    unstalled: asyncio.Event = field(default_factory=asyncio.Event)
    stall_handle: asyncio.TimerHandle | None = None
    method_errors: dict[str, MethodFault] = field(default_factory=dict)
    # Cleared while the middleware hangs (``/control/hang``, see ``labsim.chaos``).
    unhung: asyncio.Event = field(default_factory=asyncio.Event)
    hang_handle: asyncio.TimerHandle | None = None

    def __post_init__(self) -> None:
        """Start not stalled."""
        self.unstalled.set()
        self.unhung.set()

    @property
    def hanging(self) -> bool:
        """Return whether calls are held (the sockets still answer pings)."""
        return not self.unhung.is_set()

    def hang(self, seconds: float) -> None:
        """Hold every call for ``seconds`` (0 ends a hang)."""
        if self.hang_handle is not None:
            self.hang_handle.cancel()
            self.hang_handle = None
        if seconds <= 0:
            self.unhung.set()
            return
        self.unhung.clear()
        self.hang_handle = asyncio.get_running_loop().call_later(seconds, self.unhung.set)

    @property
    def stalled(self) -> bool:
        """Return whether the server is currently stalled."""
        return not self.unstalled.is_set()

    def stall(self, seconds: float) -> None:
        """Stop answering for ``seconds`` (0 ends a stall)."""
        if self.stall_handle is not None:
            self.stall_handle.cancel()
            self.stall_handle = None
        if seconds <= 0:
            self.unstalled.set()
            return
        self.unstalled.clear()
        self.stall_handle = asyncio.get_running_loop().call_later(seconds, self.unstalled.set)

    async def wait_unstalled(self) -> None:
        """Return once the server answers again."""
        await self.unstalled.wait()

    def take_method_error(self, method: str) -> MethodFault | None:
        """Return the injected failure for a call of ``method`` (and count it down)."""
        fault = self.method_errors.get(method)
        if fault is None:
            return None
        if fault.count is not None:
            fault.count -= 1
            if fault.count <= 0:
                del self.method_errors[method]
        return fault

    def clear(self) -> None:
        """Remove every fault."""
        self.stall(0)
        self.hang(0)
        self.reply_delay = 0.0
        self.remote_clients = False
        self.method_errors.clear()


@dataclass(slots=True)
class CallRecord:
    """One JSON-RPC call, as ``GET /control/calls`` lists it."""

    time: float
    session: int
    id: Any
    method: str
    params: Any
