"""TrueNAS event names by release, and the role each event needs.

From the middleware's release sources (tags TS-25.04.2.6, TS-25.10.2 and TS-26.0.0-BETA.3):

- Scrub and resilver progress is `zfs.pool.scan` on 25.04 and 25.10 (`plugins/zfs_/
  zfs_events.py`) and `pool.scan` from 26 on (`plugins/pool_/scrub.py`); both need
  `POOL_SCRUB_READ` and carry `{"name", "scan"}`. Events are not versioned: the name is the
  box's, whatever `/api/<version>` the socket speaks.
- `alert.list` needs `ALERT_LIST_READ` (`plugins/alert.py`); `pool.query` and `app.query` are
  CRUD events and need `POOL_READ` and `APPS_READ` (`<role_prefix>_READ`,
  `service/crud_service.py`); the `app.stats` source needs `APPS_READ`; `core.get_jobs` needs
  no role (`no_authz_required`, `job.py` / `service/core_service.py`).
- `core.subscribe` refuses a name no role of the user grants with `EACCES` "Not authorized",
  and that includes a name the box does not register at all; only FULL_ADMIN may subscribe to
  any name, and then hears nothing of an unknown one (`can_subscribe` in `main.py`).

The client subscribes under the current (26) names; `server_event_name` gives the name a
release registers.
"""

from __future__ import annotations

from typing import Final

SCAN_EVENT: Final = "pool.scan"
"""Scrub progress under its 26 name (`zfs.pool.scan` before)."""
_RENAMED: Final[dict[str, tuple[tuple[int, int], str]]] = {
    # name: (release that introduced it, the name before)
    SCAN_EVENT: ((26, 0), "zfs.pool.scan"),
}

EVENT_ROLES: Final[dict[str, str | None]] = {
    "alert.list": "ALERT_LIST_READ",
    "app.query": "APPS_READ",
    "app.stats": "APPS_READ",
    "core.get_jobs": None,
    "pool.query": "POOL_READ",
    "pool.scan": "POOL_SCRUB_READ",
    "zfs.pool.scan": "POOL_SCRUB_READ",
    # The NAS's own devices (CRUD events: `<role_prefix>_READ`).
    "vm.query": "VM_READ",
    "virt.instance.query": "VIRT_INSTANCE_READ",
    "container.query": "CONTAINER_READ",
    "service.query": "SERVICE_READ",
    "reporting.realtime": "REPORTING_READ",
    "update.status": "SYSTEM_UPDATE_READ",
}
"""The least-privilege role each event the integration subscribes to needs (25.04 to 26)."""


def server_event_name(name: str, level: tuple[int, int] | None) -> str:
    """The name a box of release `level` registers the event `name` under (None: unknown)."""
    renamed = _RENAMED.get(name)
    if renamed is None or level is None or level >= renamed[0]:
        return name
    return renamed[1]


def event_role(name: str) -> str | None:
    """The role an event (`app.stats:{...}` included) needs; READONLY_ADMIN if not known."""
    return EVENT_ROLES.get(name.split(":", 1)[0], "READONLY_ADMIN")
