"""What the control API injects into the RPC side and what it records: faults, stats, the call log.

``LabState`` holds one ``Faults`` (stalls, hangs, reply delays, remote clients, failing methods),
one ``Stats`` and the call log (``CallRecord``); ``labsim.control`` and ``labsim.chaos`` set them,
``labsim.rpc`` obeys and records.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
import errno
from typing import Any, Protocol


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


class Gate:
    """Calls pass while it is open; a fault closes it for some seconds (0 opens it now)."""

    def __init__(self) -> None:
        """Start open."""
        self.opened = asyncio.Event()
        self.opened.set()
        self.handle: asyncio.TimerHandle | None = None
        """The timer that opens it again."""

    @property
    def closed(self) -> bool:
        """Return whether calls are held."""
        return not self.opened.is_set()

    def close_for(self, seconds: float) -> None:
        """Hold calls for ``seconds`` (0 lets them go now)."""
        self.cancel_timer()
        if seconds <= 0:
            self.opened.set()
            return
        self.opened.clear()
        self.handle = asyncio.get_running_loop().call_later(seconds, self.opened.set)

    def cancel_timer(self) -> None:
        """Forget the timer that would open it (the lab is closing)."""
        if self.handle is not None:
            self.handle.cancel()
            self.handle = None

    async def wait(self) -> None:
        """Return once it is open."""
        await self.opened.wait()


class _Counted(Protocol):
    count: int | None


def take_counted[CountedT: _Counted](items: dict[str, CountedT], key: str) -> CountedT | None:
    """Return the item for one use of ``key``, counting it down (gone after its last use)."""
    item = items.get(key)
    if item is None:
        return None
    if item.count is not None:
        item.count -= 1
        if item.count <= 0:
            del items[key]
    return item


@dataclass(slots=True)
class Faults:
    """Misbehaviour injected through the control API."""

    reply_delay: float = 0.0
    remote_clients: bool = False
    stall_gate: Gate = field(default_factory=Gate)
    method_errors: dict[str, MethodFault] = field(default_factory=dict)
    # Closed while the middleware hangs (``/control/hang``, see ``labsim.chaos``).
    hang_gate: Gate = field(default_factory=Gate)

    @property
    def hanging(self) -> bool:
        """Return whether calls are held (the sockets still answer pings)."""
        return self.hang_gate.closed

    def hang(self, seconds: float) -> None:
        """Hold every call for ``seconds`` (0 ends a hang)."""
        self.hang_gate.close_for(seconds)

    @property
    def stalled(self) -> bool:
        """Return whether the server is currently stalled."""
        return self.stall_gate.closed

    def stall(self, seconds: float) -> None:
        """Stop answering for ``seconds`` (0 ends a stall)."""
        self.stall_gate.close_for(seconds)

    async def wait_unstalled(self) -> None:
        """Return once the server answers again."""
        await self.stall_gate.wait()

    def take_method_error(self, method: str) -> MethodFault | None:
        """Return the injected failure for a call of ``method`` (and count it down)."""
        return take_counted(self.method_errors, method)

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
