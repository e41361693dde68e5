"""What the parts of a lab share: the control API's error, per-lab parts and load hooks.

``LabState`` (``labsim.state``) is the NAS; sections that live beside it (apps, backups, the NAS's
own devices) keep their part of a lab in a ``PerLab`` and add to every scenario load through
``LOAD_HOOKS``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Protocol
from weakref import WeakKeyDictionary

if TYPE_CHECKING:
    from .events import Event
    from .scenario import Scenario
    from .state import LabState


class LabError(Exception):
    """A control request that cannot be applied (unknown pool, bad value...)."""

    def __init__(self, message: str, status: int = 400) -> None:
        """Store the message and the HTTP status for the control API."""
        super().__init__(message)
        self.status = status


def lookup[ValueT](items: Mapping[str, ValueT], name: str, what: str) -> ValueT:
    """``items[name]``, or a control request's 404 (``no <what> 'name'``)."""
    item = items.get(name)
    if item is None:
        msg = f"no {what} {name!r}"
        raise LabError(msg, 404)
    return item


class ApiListener(Protocol):
    """The API's listening side, which a reboot takes away (``LabSimulator`` gives it)."""

    async def go_away(self) -> None:
        """Close every session (1001, as a stopping middleware) and refuse connections."""

    async def come_back(self) -> None:
        """Listen again on the same port."""


type Listener = Callable[[Event], None]
type LoadHook = Callable[["LabState"], None]

LOAD_HOOKS: list[LoadHook] = []
"""Run at the end of every scenario load (start and reset): sections add what the NAS has."""

type EventSource = Callable[["LabState", str], None]

EVENT_SOURCES: dict[str, EventSource] = {}
"""Event sources that produce events on their own (``app.stats``, ``reporting.realtime``), by
name: started after ``core.subscribe`` with the full subscribed name (``name:{"interval": 5}``)."""


def start_event_source(state: LabState, name: str) -> None:
    """Called after ``core.subscribe``: start the source of ``name`` if it is one."""
    source = EVENT_SOURCES.get(name.split(":", 1)[0])
    if source is not None:
        source(state, name)


class _OfScenario(Protocol):
    @property
    def scenario(self) -> Scenario: ...


class PerLab[PartT: _OfScenario]:
    """One part of a lab (its apps, its backups) per lab state, rebuilt after a scenario reset."""

    def __init__(self, build: Callable[[LabState], PartT]) -> None:
        """Build parts with ``build``."""
        self._build = build
        self._parts: WeakKeyDictionary[LabState, PartT] = WeakKeyDictionary()

    def of(self, state: LabState) -> PartT:
        """The part of ``state``, built anew when its scenario changed."""
        part = self._parts.get(state)
        if part is None or part.scenario is not state.scenario:
            part = self._build(state)
            self._parts[state] = part
        return part
