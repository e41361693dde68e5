"""Models of TrueNAS apps (`app.query`) and their live statistics (`app.stats` events)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Final, Self

from yarl import URL

from ._parse import FieldReader, JSONDict, Model, as_list, opt_dict, opt_int, source

# app.query `state`. TrueNAS 27 adds ERROR, which it shows as CRASHED to v26 clients.
APP_STATES = ("RUNNING", "DEPLOYING", "STOPPED", "STOPPING", "CRASHED")
# Fields read from app.query; `select` keeps replies small on boxes with many apps.
APP_SELECT = [
    "name",
    "state",
    "version",
    "human_version",
    "upgrade_available",
    "latest_version",
    "image_updates_available",
    "custom_app",
    "portals",
    "metadata",
    "active_workloads",
]

# The apps library builds portal URLs on the address the app listens on: every address.
WILDCARD_HOSTS: Final = frozenset({"0.0.0.0", "::"})  # noqa: S104 - matched, never bound


def portal_on_host(url: str, host: str) -> str:
    """A portal URL with a wildcard host (``http://0.0.0.0:30068/``) pointed at the NAS's host.

    Other URLs (an app given a real address or a domain) are kept as they are.
    """
    try:
        parsed = URL(url)
        if parsed.host not in WILDCARD_HOSTS or not host:
            return url
        return str(parsed.with_host(host))
    except ValueError:
        return url


@dataclass(frozen=True, slots=True)
class Container(Model):
    """One container of an app's compose project (an `active_workloads.container_details` item)."""

    service_name: str
    image: str | None
    state: str


def _portals(data: JSONDict, key: str) -> dict[str, str]:
    portals = data.get(key)
    return {
        str(name): url
        for name, url in (portals.items() if isinstance(portals, dict) else [])
        if isinstance(url, str)
    }


def _containers(data: JSONDict, key: str) -> tuple[Container, ...]:
    details = as_list(opt_dict(data, key).get("container_details", []), "container_details")
    return tuple(Container.from_dict(item) for item in details)


@dataclass(frozen=True, slots=True)
class App(Model):
    """An installed app (an `app.query` entry, or the fields of an `app.query` event)."""

    name: str
    state: str
    version: str | None = None
    human_version: str | None = None
    upgrade_available: bool = False
    latest_version: str | None = None
    image_updates_available: bool = False
    custom_app: bool = False
    train: str | None = field(default=None, metadata=source(within="metadata"))
    title: str | None = field(default=None, metadata=source(within="metadata"))
    portals: dict[str, str] = field(default_factory=dict, metadata=source(read=_portals))
    containers: tuple[Container, ...] = field(
        default=(), metadata=source("active_workloads", read=_containers)
    )

    @property
    def containers_running(self) -> int:
        """Containers whose state is running."""
        return sum(1 for container in self.containers if container.state == "running")

    @property
    def first_portal(self) -> str | None:
        """The app's first web portal, if it has one."""
        return next(iter(self.portals.values()), None)

    def with_portal_host(self, host: str) -> Self:
        """The app with its wildcard-host portals pointed at ``host`` (see `portal_on_host`)."""
        portals = {name: portal_on_host(url, host) for name, url in self.portals.items()}
        return self if portals == self.portals else replace(self, portals=portals)


def _rate(counter: str) -> FieldReader:
    """The sum of one counter over the interfaces of `networks` (none when it is not a list)."""

    def read(data: JSONDict, key: str) -> int | None:
        networks = data.get(key)
        if not isinstance(networks, list):
            return None
        return sum(opt_int(item, counter) or 0 for item in networks if isinstance(item, dict))

    return read


@dataclass(frozen=True, slots=True)
class AppStats(Model):
    """One `app.stats` sample of one app.

    The middleware turns Docker counters into rates over the event interval: `cpu_usage` is a
    percentage, and network `rx_bytes`/`tx_bytes` are bytes per second (summed over interfaces).
    """

    app_name: str
    cpu_usage: float | None = None
    memory: int | None = None
    rx_rate: int | None = field(default=None, metadata=source("networks", read=_rate("rx_bytes")))
    tx_rate: int | None = field(default=None, metadata=source("networks", read=_rate("tx_bytes")))
