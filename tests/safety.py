"""Safety checks over the whole test run, on the simulator's call log.

Every simulator the `lab` fixtures start has its call log read when it stops (see
`tests/conftest.py`). Whatever the integration did in any test, it must never have called a
method that deletes, rolls back or destroys anything, nor one that wakes sleeping disks
(`disk.temperatures` and friends) -- no test opts in to temperature polling.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import re
from typing import Any

# Method names (their last part) that change or lose data for good.
DESTRUCTIVE = re.compile(
    r"(^|\.)(delete|do_delete|destroy|rollback|wipe|remove|export|clear|format|purge)(_|$)"
)
# Methods that spin up disks in standby (SMART reads, temperatures).
DISK_WAKING = re.compile(r"^(disk\.temperature|disk\.temperatures|disk\.temperature_agg|smart\.)")


def forbidden(method: str) -> str | None:
    """Why a call of `method` is forbidden, or None."""
    if DESTRUCTIVE.search(method):
        return "destructive"
    if DISK_WAKING.match(method):
        return "wakes disks"
    return None


@dataclass
class SafetyLog:
    """What the simulators of this run were asked."""

    calls: int = 0
    labs: int = 0
    methods: set[str] = field(default_factory=set)
    violations: list[tuple[str, str, str]] = field(default_factory=list)

    def record(self, test: str, calls: list[dict[str, Any]]) -> None:
        """Check one simulator's call log (at the end of a test)."""
        self.labs += 1
        self.calls += len(calls)
        for call in calls:
            method = str(call.get("method"))
            self.methods.add(method)
            if (reason := forbidden(method)) is not None:
                self.violations.append((test, method, reason))


SAFETY = SafetyLog()
