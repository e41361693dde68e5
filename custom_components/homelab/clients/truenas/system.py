"""The NAS itself: live figures, the TrueNAS update, certificates, reboot and shutdown.

From the middleware's release sources (tags TS-25.04.2.6, TS-25.10.6 and TS-26.0.0-BETA.3):

- `reporting.realtime` (role `REPORTING_READ`) is an event source with one `interval` argument
  (seconds, at least 2); each `added` event's fields are `cpu` (`cpu: {usage, temp}` and one
  entry per core), `memory` (`arc_size`, `physical_memory_total`, `physical_memory_available`,
  ...), `zfs` (ARC counters per second and percentages), `interfaces` (`{name: {link_state,
  speed, received_bytes_rate, sent_bytes_rate}}`, no rates while a link is down), `disks`
  (totals) and from 25.10 `pools`. Load and uptime are not in it: `system.info` has them.
- The update: 25.04 has `update.check_available()` (`{status: AVAILABLE | UNAVAILABLE |
  REBOOT_REQUIRED, version, release_notes_url, ...}`) and the `update.update({reboot})` job;
  25.10 and 26 have `update.status()` (`{code, status: {current_version, new_version | null},
  error, update_download_progress}`), its `update.status` event, and the `update.run({reboot})`
  job. Roles `SYSTEM_UPDATE_READ` / `SYSTEM_UPDATE_WRITE`.
- `certificate.query` (`CERTIFICATE_READ`) gives `until` as OpenSSL prints it (`"Tue Jan  6
  12:00:00 2026"`, UTC). `system.general.config`'s `ui_certificate` is the whole certificate
  entry on 25.04 and 25.10 (a `Secret`: `"********"` on 25.10 without `SYSTEM_GENERAL_WRITE`)
  and the certificate's id on 26.
- `system.reboot(reason, {delay})` and `system.shutdown(reason, {delay})` are jobs that never
  report completion (the box goes away); they need `FULL_ADMIN`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
import json
from typing import TYPE_CHECKING, Any, Final

from ._parse import (
    GIVEN,
    JSONDict,
    Model,
    as_dict,
    as_list,
    opt_dict,
    opt_float,
    opt_int,
    opt_str,
    source,
)
from .exceptions import TrueNASInvalidResponseError

if TYPE_CHECKING:
    from .client import TrueNASClient

REALTIME_EVENT: Final = "reporting.realtime"
UPDATE_EVENT: Final = "update.status"
# The jobs that install an update, per release.
UPDATE_JOB_METHODS: Final = frozenset({"update.update", "update.run"})
REDACTED: Final = "********"
_CERT_TIME: Final = "%a %b %d %H:%M:%S %Y"


def realtime_source(interval: int) -> str:
    """The `reporting.realtime` event name with its interval, as `core.subscribe` takes it."""
    return REALTIME_EVENT + ":" + json.dumps({"interval": interval})


# ---------------------------------------------------------------- live figures


@dataclass(frozen=True, slots=True)
class InterfaceRates(Model):
    """One network interface of a `reporting.realtime` sample (bytes per second)."""

    link_state: str | None = None
    speed: int | None = None
    received_bytes_rate: float | None = None
    sent_bytes_rate: float | None = None

    @property
    def link_up(self) -> bool:
        """Whether the link is up (`LINK_STATE_UP`)."""
        return self.link_state == "LINK_STATE_UP"


@dataclass(frozen=True, slots=True)
class RealtimeStats:
    """One `reporting.realtime` sample: what the system device shows live."""

    cpu_usage: float | None = None
    cpu_temperature: float | None = None
    memory_total: int | None = None
    memory_available: int | None = None
    arc_size: int | None = None
    arc_hit_ratio: float | None = None
    interfaces: dict[str, InterfaceRates] = field(default_factory=dict)

    @classmethod
    def from_fields(cls, fields: Any) -> RealtimeStats:
        """Parse an event's fields (parts missing or of the wrong type read as absent)."""
        data = as_dict(fields, REALTIME_EVENT)
        cpu = opt_dict(opt_dict(data, "cpu"), "cpu")
        memory = opt_dict(data, "memory")
        interfaces = {
            str(name): InterfaceRates.from_dict(item)
            for name, item in opt_dict(data, "interfaces").items()
            if isinstance(item, dict)
        }
        return cls(
            cpu_usage=opt_float(cpu, "usage"),
            # 0 is what the middleware sends with no sensor before turning it into None.
            cpu_temperature=opt_float(cpu, "temp") or None,
            memory_total=opt_int(memory, "physical_memory_total"),
            memory_available=opt_int(memory, "physical_memory_available"),
            arc_size=opt_int(memory, "arc_size"),
            arc_hit_ratio=opt_float(opt_dict(data, "zfs"), "demand_data_hit_percentage"),
            interfaces=interfaces,
        )

    @property
    def memory_used(self) -> int | None:
        """Physical memory not available (ARC counts as available, as TrueNAS shows it)."""
        if self.memory_total is None or self.memory_available is None:
            return None
        return max(0, self.memory_total - self.memory_available)


# ---------------------------------------------------------------- the update


@dataclass(frozen=True, slots=True)
class UpdateStatus:
    """The TrueNAS update on offer, whatever the release."""

    available_version: str | None = None
    release_notes_url: str | None = None
    reboot_required: bool = False
    error: str | None = None
    progress: float | None = None
    """Percent of a download under way (25.10+)."""

    @classmethod
    def from_check_available(cls, data: Any) -> UpdateStatus:
        """`update.check_available` (25.04)."""
        data = as_dict(data, "update.check_available")
        status = opt_str(data, "status")
        if status == "REBOOT_REQUIRED":
            return cls(reboot_required=True)
        if status != "AVAILABLE":
            return cls()
        return cls(
            available_version=opt_str(data, "version"),
            release_notes_url=opt_str(data, "release_notes_url"),
        )

    @classmethod
    def from_status(cls, data: Any) -> UpdateStatus:
        """`update.status` (25.10+), or the `status` of its event."""
        data = as_dict(data, "update.status")
        progress = opt_dict(data, "update_download_progress")
        percent = opt_float(progress, "percent")
        error = opt_dict(data, "error")
        if opt_str(data, "code") == "ERROR":
            if opt_str(error, "errname") == "EREBOOTREQUIRED":
                return cls(reboot_required=True, progress=percent)
            return cls(error=opt_str(error, "reason") or "update status error", progress=percent)
        new = opt_dict(opt_dict(data, "status"), "new_version")
        return cls(
            available_version=opt_str(new, "version"),
            release_notes_url=opt_str(new, "release_notes_url"),
            progress=percent,
        )


# ---------------------------------------------------------------- certificates


def parse_certificate_time(value: Any) -> datetime | None:
    """`until` as OpenSSL prints it (`"Tue Jan  6 12:00:00 2026"`, UTC); None if not one."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(" ".join(value.split()), _CERT_TIME).replace(tzinfo=UTC)
    except ValueError:
        return None


def _certificate_time(data: JSONDict, key: str) -> datetime | None:
    return parse_certificate_time(data.get(key))


@dataclass(frozen=True, slots=True)
class Certificate(Model):
    """A certificate of the NAS (a `certificate.query` entry)."""

    id: int
    name: str
    common: str | None = None
    until: datetime | None = field(default=None, metadata=source(read=_certificate_time))
    expired: bool = False
    ui: bool = field(default=False, metadata=GIVEN)
    """The certificate the web UI (and API) serves."""


def ui_certificate_id(config: Any) -> int | str | None:
    """The UI certificate in `system.general.config`: its id, or its name (26, when redacted).

    None when it is hidden (`"********"` on 25.10 without `SYSTEM_GENERAL_WRITE`) or unset.
    """
    config = as_dict(config, "system.general.config")
    value = config.get("ui_certificate")
    if isinstance(value, dict):
        return opt_int(value, "id")
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    # 26 names it beside the (possibly redacted) id.
    return opt_str(config, "ui_certificate_name")


# ---------------------------------------------------------------- calls


class TrueNASSystem:
    """The calls about the NAS itself, on one client."""

    def __init__(self, client: TrueNASClient) -> None:
        """Use `client` (its release picks the methods)."""
        self.client = client

    @property
    def has_status_event(self) -> bool:
        """Whether the box sends `update.status` events and answers `update.status` (25.10+)."""
        release = self.client.release
        return release is None or release >= (25, 10)

    async def update_status(self) -> UpdateStatus:
        """The update on offer: `update.status` (25.10+) or `update.check_available` (25.04)."""
        if self.has_status_event:
            return UpdateStatus.from_status(await self.client.call("update.status"))
        return UpdateStatus.from_check_available(await self.client.call("update.check_available"))

    async def start_update(self, *, reboot: bool = False) -> int:
        """Download and apply the update (`update.run` / `update.update`); the job id."""
        method = "update.run" if self.has_status_event else "update.update"
        return await self.client.start_job(method, [{"reboot": reboot}])

    async def certificates(self) -> list[Certificate]:
        """The NAS's certificates (CAs and signing requests left out), UI certificate marked."""
        # Unselected: `until`, `expired` and `cert_type` are worked out after the select.
        result = as_list(await self.client.query("certificate.query"), "certificate.query")
        ui = ui_certificate_id(await self.client.call("system.general.config"))
        certificates = []
        for item in result:
            if not isinstance(item, dict) or item.get("cert_type") not in (None, "CERTIFICATE"):
                continue
            try:
                certificate = Certificate.from_dict(item)
            except TrueNASInvalidResponseError:
                continue  # no id or name: not one to show
            if ui in (certificate.id, certificate.name):
                certificate = replace(certificate, ui=True)
            certificates.append(certificate)
        return certificates

    async def power(self, kind: str, reason: str, delay: int | None = None) -> int:
        """`system.reboot` / `system.shutdown` (FULL_ADMIN); the job id (it never finishes)."""
        options: dict[str, Any] = {} if delay is None else {"delay": delay}
        return await self.client.start_job(f"system.{kind}", [reason, options])

    async def running_jobs(self) -> list[dict[str, Any]]:
        """The jobs running now (`core.get_jobs` filtered on the server)."""
        result = await self.client.call("core.get_jobs", [[["state", "=", "RUNNING"]]])
        return [job for job in as_list(result, "core.get_jobs") if isinstance(job, dict)]
