"""Reboot and shutdown: the box goes away (sockets closed, connections refused) and comes back.

``system.reboot(reason, {"delay": N})`` and ``system.shutdown`` are jobs (FULL_ADMIN) that send
``system.reboot`` / ``system.shutdown`` ``added`` events with ``{"reason"}``, wait ``delay``
seconds, then take the box down. A reboot brings it back after ``nas.power.reboot_seconds`` of
lab time (``/control/nas/power/reboot_seconds`` changes it: the 90-second reboot fault; advance
the clock rather than wait); a shutdown keeps it down until ``POST /control/nas/power/on``.
The box comes back with a new boot time and no jobs, as a rebooted middleware has.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final

from .lab import NasLab

ON: Final = "ON"


async def _go_away(lab: NasLab) -> None:
    listener = lab.state.api_listener
    if listener is not None:
        await listener.go_away()


async def _come_back(lab: NasLab) -> None:
    state = lab.state
    state.system.boottime = datetime.now(UTC)
    state.jobs.clear()
    lab.power, lab.back_at = ON, None
    if lab.update.applied and lab.update.offer is not None:
        new = lab.update.offer.version
        state.system.version = new
        lab.update = type(lab.update)(None)
    listener = state.api_listener
    if listener is not None:
        await listener.come_back()


async def power_cycle(lab: NasLab, kind: str, delay: float) -> None:
    """Take the box down after ``delay``; a reboot brings it back after ``reboot_seconds``."""
    await lab.sleep_lab(delay)
    lab.power = "REBOOTING" if kind == "reboot" else "OFF"
    await _go_away(lab)
    if kind != "reboot":
        return
    lab.back_at = lab.lab_seconds() + lab.reboot_seconds
    await lab.sleep_lab(lab.reboot_seconds)
    await _come_back(lab)


async def power_on(lab: NasLab) -> None:
    """Switch a box that was shut down back on (or end a reboot now)."""
    if lab.power != ON:
        await _come_back(lab)


def power_summary(lab: NasLab) -> dict[str, Any]:
    """What ``GET /control/nas/power`` says."""
    return {
        "power": lab.power,
        "reboot_seconds": lab.reboot_seconds,
        "back_in": None if lab.back_at is None else max(0.0, lab.back_at - lab.lab_seconds()),
    }
