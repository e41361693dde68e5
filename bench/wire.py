"""Bytes on the wire and CPU time of the simulator (issue 12).

**Wire bytes.** `WireCounter` is a TCP proxy between Home Assistant and the simulator's API port,
on a thread and an event loop of its own (so that it costs neither Home Assistant's loop nor the
simulator's). It counts the TCP payload each way: what the NAS sends is the TLS records of the
WebSocket (frames after permessage-deflate, when negotiated) and of any HTTPS request to the
same port. TCP/IP headers are not counted. The simulator's own `bytes_sent` stays the length of
the JSON text, before compression and framing.

**Simulator CPU.** `SimulatorCpu` reads the CPU clocks of the simulator's thread and of its
loop's default executor (aiohttp compresses frames over 16 KiB there) from any thread, through
`time.pthread_getcpuclockid`. Everything the simulator does is in it: the TrueNAS API, the
pipeline's HTTP services, and its share of the bench's clock driving, the same in every phase.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from typing import Self

from labsim import LabSimulator

CHUNK = 256 * 1024


class WireCounter:
    """A counting TCP proxy to `host:port`, on its own thread."""

    def __init__(self, port: int, host: str = "127.0.0.1") -> None:
        """Proxy to `host:port` (start it with `start()`)."""
        self.target = (host, port)
        self.down = 0  # NAS -> Home Assistant
        self.up = 0  # Home Assistant -> NAS
        self.connections = 0
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stop: asyncio.Event | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    def start(self, timeout: float = 10.0) -> Self:
        """Listen on a free loopback port; return once listening."""
        ready = threading.Event()
        self._thread = threading.Thread(
            target=self._main, args=(ready,), name="bench-wire", daemon=True
        )
        self._thread.start()
        if not ready.wait(timeout) or not self.port:
            msg = "the wire counter did not start"
            raise RuntimeError(msg)
        return self

    def stop(self) -> None:
        """Close every connection and the listener; join the thread."""
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None

    def sample(self) -> tuple[int, int]:
        """Bytes so far, (down, up)."""
        return self.down, self.up

    def _main(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._serve(ready))
        finally:
            ready.set()
            loop.close()

    async def _serve(self, ready: threading.Event) -> None:
        self._stop = asyncio.Event()
        server = await asyncio.start_server(self._connection, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        ready.set()
        try:
            await self._stop.wait()
        finally:
            server.close()
            for writer in list(self._writers):
                writer.transport.abort()
            with contextlib.suppress(Exception):
                await server.wait_closed()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            nas_reader, nas_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self.connections += 1
        self._writers.update((writer, nas_writer))
        try:
            await asyncio.gather(
                self._pipe(reader, nas_writer, down=False),
                self._pipe(nas_reader, writer, down=True),
            )
        finally:
            self._writers.difference_update((writer, nas_writer))

    async def _pipe(
        self, source: asyncio.StreamReader, sink: asyncio.StreamWriter, *, down: bool
    ) -> None:
        """Copy one direction until it ends; then cut the other side (as a peer's close does)."""
        try:
            while data := await source.read(CHUNK):
                if down:
                    self.down += len(data)
                else:
                    self.up += len(data)
                sink.write(data)
                await sink.drain()
        except OSError:
            pass
        finally:
            sink.transport.abort()


class SimulatorCpu:
    """CPU seconds of the simulator's thread and its loop's executor threads."""

    def __init__(self, simulator: LabSimulator) -> None:
        """Watch `simulator` (running in its thread)."""
        self.simulator = simulator

    def _threads(self) -> list[threading.Thread]:
        sim = self.simulator
        threads = [sim._thread] if sim._thread is not None else []  # noqa: SLF001
        loop = sim._loop  # noqa: SLF001
        executor = getattr(loop, "_default_executor", None) if loop is not None else None
        threads.extend(getattr(executor, "_threads", ()))
        return threads

    def sample(self) -> dict[int, float]:
        """CPU seconds so far, per thread."""
        clocks: dict[int, float] = {}
        for thread in self._threads():
            if thread.ident is None or not thread.is_alive():
                continue
            with contextlib.suppress(OSError):
                clocks[thread.ident] = time.clock_gettime(time.pthread_getcpuclockid(thread.ident))
        return clocks

    @staticmethod
    def since(before: dict[int, float], after: dict[int, float]) -> float:
        """CPU seconds from `before` to `after` (a thread started in between counts from 0)."""
        return sum(seconds - before.get(ident, 0.0) for ident, seconds in after.items())
