"""The benchmark's shared clock moves the NAS devices' lab clock too."""

from __future__ import annotations

import asyncio

import aiohttp

from bench.harness import SharedClock
from custom_components.homelab.clients.truenas import Event, TrueNASClient
from custom_components.homelab.clients.truenas.system import realtime_source
from labsim.nas.lab import nas_of
from tests.common import LabHandle


async def test_shared_clock_moves_the_nas_lab_clock(lab: LabHandle) -> None:
    """Virtual minutes are lab minutes for the NAS: `reporting.realtime` sends one a minute."""
    samples: list[Event] = []
    async with aiohttp.ClientSession() as session:
        client = TrueNASClient(
            "127.0.0.1",
            port=lab.port,
            username=lab.username,
            api_key=lab.api_key,
            session=session,
            ssl_context=lab.ssl_context(),
        )
        await client.connect()
        clock = SharedClock(asyncio.get_running_loop(), lab.simulator)
        try:
            await client.subscribe(realtime_source(60), samples.append)
            await clock.advance_until(lambda: len(samples) >= 1, 5)
            start = nas_of(lab.simulator.state).lab_seconds()
            first = len(samples)
            await clock.advance(185)
            moved = nas_of(lab.simulator.state).lab_seconds() - start
            # Three more lab minutes: three more samples (the stream sleeps on the lab clock).
            await clock.advance_until(lambda: len(samples) >= first + 3, 5)
        finally:
            clock.close()
            await client.close()
    assert moved >= 185
    assert len(samples) - first == 3
