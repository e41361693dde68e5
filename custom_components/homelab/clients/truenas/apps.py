"""Models of TrueNAS apps (`app.query`) and their live statistics (`app.stats` events)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Final, Self

from yarl import URL

from ._parse import as_dict, as_list, opt_bool, opt_float, opt_int, opt_str, req_str

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
class Container:
    """One container of an app's compose project."""

    service_name: str
    image: str | None
    state: str

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        """Parse an `active_workloads.container_details` item."""
        data = as_dict(data, "container")
        return cls(
            service_name=req_str(data, "service_name"),
            image=opt_str(data, "image"),
            state=req_str(data, "state"),
        )


@dataclass(frozen=True, slots=True)
class App:
    """An installed app."""

    name: str
    state: str
    version: str | None = None
    human_version: str | None = None
    upgrade_available: bool = False
    latest_version: str | None = None
    image_updates_available: bool = False
    custom_app: bool = False
    train: str | None = None
    title: str | None = None
    portals: dict[str, str] = field(default_factory=dict)
    containers: tuple[Container, ...] = ()

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        """Parse an `app.query` entry (or the fields of an `app.query` event)."""
        data = as_dict(data, "app")
        metadata = data.get("metadata")
        metadata = metadata if isinstance(metadata, dict) else {}
        portals = data.get("portals")
        workloads = data.get("active_workloads")
        workloads = workloads if isinstance(workloads, dict) else {}
        details = as_list(workloads.get("container_details", []), "container_details")
        return cls(
            name=req_str(data, "name"),
            state=req_str(data, "state"),
            version=opt_str(data, "version"),
            human_version=opt_str(data, "human_version"),
            upgrade_available=opt_bool(data, "upgrade_available"),
            latest_version=opt_str(data, "latest_version"),
            image_updates_available=opt_bool(data, "image_updates_available"),
            custom_app=opt_bool(data, "custom_app"),
            train=opt_str(metadata, "train"),
            title=opt_str(metadata, "title"),
            portals={
                str(name): url
                for name, url in (portals.items() if isinstance(portals, dict) else [])
                if isinstance(url, str)
            },
            containers=tuple(Container.from_dict(item) for item in details),
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


@dataclass(frozen=True, slots=True)
class AppStats:
    """One `app.stats` sample of one app.

    The middleware turns Docker counters into rates over the event interval: `cpu_usage` is a
    percentage, and network `rx_bytes`/`tx_bytes` are bytes per second (summed over interfaces).
    """

    app_name: str
    cpu_usage: float | None = None
    memory: int | None = None
    rx_rate: int | None = None
    tx_rate: int | None = None

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        """Parse one item of an `app.stats` event."""
        data = as_dict(data, "app stats")
        networks = data.get("networks")
        rx = tx = None
        if isinstance(networks, list):
            interfaces = [item for item in networks if isinstance(item, dict)]
            rx = sum(opt_int(item, "rx_bytes") or 0 for item in interfaces)
            tx = sum(opt_int(item, "tx_bytes") or 0 for item in interfaces)
        return cls(
            app_name=req_str(data, "app_name"),
            cpu_usage=opt_float(data, "cpu_usage"),
            memory=opt_int(data, "memory"),
            rx_rate=rx,
            tx_rate=tx,
        )
