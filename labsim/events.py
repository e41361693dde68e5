"""The events a simulated box registers, by release, and who may subscribe to them.

As the middleware's release sources (tags TS-25.04.2.6, TS-25.10.2, TS-26.0.0-BETA.3) have it:

* Scrub and resilver progress is ``zfs.pool.scan`` on 25.04 and 25.10
  (``plugins/zfs_/zfs_events.py``, role ``POOL_SCRUB_READ``) and ``pool.scan`` from 26 on
  (``plugins/pool_/scrub.py``, same role). The payload is the same, ``{"name", "scan"}``. Events
  are not versioned: the name depends on the box, not on the ``/api/<version>`` of the socket.
* ``core.subscribe`` asks ``can_subscribe`` (``main.py``): an event flagged
  ``no_authz_required`` (``core.get_jobs``) needs only a login; anything else needs a
  ``SUBSCRIBE`` allow-list entry for the name. FULL_ADMIN's allow-list is ``*``, so an
  administrator may subscribe to any name, registered or not, and simply never hears of an
  unknown one. Every other user gets ``EACCES`` "Not authorized" for a name no role grants,
  which includes every name the box does not register.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

SCAN_EVENT_ROLE: Final = "POOL_SCRUB_READ"
SCAN_EVENT_RENAMED_IN: Final = (26,)


def scan_event_name(box: tuple[int, ...]) -> str:
    """The name of the scrub progress event on a box of that release."""
    return "pool.scan" if box >= SCAN_EVENT_RENAMED_IN else "zfs.pool.scan"


RELEASE_EVENTS: dict[str, tuple[str | None, tuple[int, ...], tuple[int, ...] | None]] = {}
"""Events only some releases register: name -> (role, first release, first release without)."""


def registered_events(
    common: Mapping[str, str | None], box: tuple[int, ...]
) -> dict[str, str | None]:
    """Every event a box of that release registers, with the role it needs (None: none)."""
    ranged = {
        name: role
        for name, (role, since, until) in RELEASE_EVENTS.items()
        if since <= box and (until is None or box < until)
    }
    return {**common, **ranged, scan_event_name(box): SCAN_EVENT_ROLE}


_NO_ID: Final = object()


@dataclass(frozen=True, slots=True)
class Event:
    """A ``collection_update`` notification."""

    collection: str
    msg: str
    id: Any = _NO_ID
    fields: Any = None
    extra: Mapping[str, Any] | None = None
    """Other keyword arguments of ``send_event``: ``state`` of ``vm.query``, ``status`` of
    ``update.status`` (they sit beside ``id`` and ``fields`` in ``params``)."""

    def params(self) -> dict[str, Any]:
        """Return the ``params`` of the notification, as ``send_event`` builds them."""
        params: dict[str, Any] = {"msg": self.msg, "collection": self.collection}
        if self.id is not _NO_ID:
            params["id"] = self.id
        if self.msg in ("added", "changed") and self.fields is not None:
            params["fields"] = self.fields
        if self.extra:
            params.update(self.extra)
        return params
