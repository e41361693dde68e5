"""VMs and containers of a TrueNAS entry: pushed state, and the one code path that starts them.

`vm.*` on every release; containers are `virt.instance.*` on 25.04/25.10 (the id is the name)
and `container.*` on 26 (no restart). State changes come as `vm.query`, `virt.instance.query`
(`changed` carries only `{status}`) and `container.query` events; a full query every 10 minutes
is only a safety net. Stop, restart and `virt.instance` start are jobs, tracked like app jobs
(`core.get_jobs` events and our own calls); `vm.start` and `container.start` answer at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING, Literal, override

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ServiceValidationError

from ...clients.truenas import (
    Event,
    Job,
    TrueNASCallError,
    TrueNASError,
    TrueNASInvalidResponseError,
)
from ...clients.truenas.devices import GUEST_QUERY, Guest, GuestKind, TrueNASGuests, parse_guest
from ...const import DOMAIN, LOGGER
from ..identifiers import keyed_identifier
from ..keyed import KeyedCoordinator
from ..server_coordinator import JobResult, action_failed, refuse_if_busy

if TYPE_CHECKING:
    from ...clients.truenas import TrueNASClient
    from ..runtime import TrueNASConfigEntry

SAFETY_NET_INTERVAL = timedelta(minutes=10)
DEFAULT_JOB_TIMEOUT = 300.0
# A guest's key: its kind and its id as text (a VM's or container's number, an instance's name).
type GuestKey = tuple[GuestKind, str]
type GuestAction = Literal["start", "stop", "restart"]
# The methods whose jobs change a guest (first argument: its id).
JOB_KINDS: dict[str, GuestKind] = {
    "vm.stop": "vm",
    "vm.restart": "vm",
    "virt.instance.start": "instance",
    "virt.instance.stop": "instance",
    "virt.instance.restart": "instance",
    "container.stop": "container",
}


def guest_key(kind: GuestKind, guest: Guest) -> GuestKey:
    """The key of a guest."""
    return (kind, str(guest.id if guest.id is not None else guest.name))


def guest_job_key(job: Job) -> GuestKey | None:
    """The guest a job of `JOB_KINDS` changes (its first argument is the guest's id)."""
    kind = JOB_KINDS.get(job.method)
    return (kind, str(job.arguments[0])) if kind is not None and job.arguments else None


class GuestCoordinator(KeyedCoordinator[GuestKey, dict[GuestKey, Guest]]):
    """Owns the VMs and containers of one TrueNAS entry."""

    infixes = ("vm", "instance", "container")
    task_prefix = "vm"

    def __init__(
        self, hass: HomeAssistant, entry: TrueNASConfigEntry, client: TrueNASClient
    ) -> None:
        """Poll only as a safety net; events do the work."""
        super().__init__(
            hass, entry, client, name="virtualization", update_interval=SAFETY_NET_INTERVAL
        )
        self.api = TrueNASGuests(client)
        self.jobs: dict[GuestKey, Job] = {}

    @property
    def kinds(self) -> tuple[GuestKind, ...]:
        """VMs and this release's containers."""
        return ("vm", self.api.container_kind)

    @override
    def keys_of(self, data: dict[GuestKey, Guest]) -> dict[GuestKey, Guest]:
        return data

    @override
    def identifier(self, key: GuestKey) -> tuple[str, str]:
        return keyed_identifier(self.config_entry, *key)

    @override
    async def _fetch(self) -> dict[GuestKey, Guest]:
        data: dict[GuestKey, Guest] = {}
        for kind in self.kinds:
            try:
                guests = await self.api.query(kind)
            except TrueNASCallError as err:
                # A role missing (a repair names it) or no such API: that kind is left out.
                LOGGER.debug("%s refused: %s", GUEST_QUERY[kind], err)
                continue
            data |= {guest_key(kind, guest): guest for guest in guests}
        return data

    # ------------------------------------------------------------------- pushes

    @override
    async def async_start_push(self) -> None:
        await super().async_start_push()
        for kind in self.kinds:
            self._unsubscribers.append(
                await self.client.subscribe(GUEST_QUERY[kind], self._event_handler(kind))
            )
        await self._async_follow_job_events(self.jobs, guest_job_key)

    def _event_handler(self, kind: GuestKind) -> Callable[[Event], None]:
        @callback
        def handle(event: Event) -> None:
            self._on_event(kind, event)

        return handle

    @callback
    def _on_event(self, kind: GuestKind, event: Event) -> None:
        data = dict(self.data)
        key: GuestKey = (kind, str(event.id))
        if event.msg == "removed":
            data.pop(key, None)
        elif kind == "instance" and key in data and isinstance(event.fields, dict):
            # Incus events carry only the status.
            status = event.fields.get("status")
            if isinstance(status, str):
                data[key] = replace(data[key], state=status)
        else:
            try:
                guest = parse_guest(kind, event.fields)
            except TrueNASInvalidResponseError:
                self.config_entry.async_create_background_task(
                    self.hass, self.async_request_refresh(), "homelab-guests-partial-event"
                )
                return
            data[guest_key(kind, guest)] = guest
        self.async_set_updated_data(data)
        self.track(data)

    # ------------------------------------------------------------------ actions

    def guest(self, key: GuestKey) -> Guest:
        """A guest, or the translated error for one that is gone."""
        guest = self.data.get(key) if self.data else None
        if guest is None:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="unknown_vm",
                translation_placeholders={"vm": key[1]},
            )
        return guest

    async def async_run_guest_action(
        self,
        key: GuestKey,
        action: GuestAction,
        *,
        force: bool = False,
        wait: bool = False,
        timeout: float = DEFAULT_JOB_TIMEOUT,
    ) -> JobResult:
        """Start, stop (graceful unless `force`) or restart a VM or container."""
        guest = self.guest(key)
        kind = key[0]
        refuse_if_busy(self.jobs, key, "vm_busy", vm=guest.name)
        if action == "restart" and kind == "container":
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="vm_restart_unsupported",
                translation_placeholders={"vm": guest.name},
            )
        try:
            if action == "start":
                job_id = await self.api.start(kind, guest.id)
            elif action == "stop":
                job_id = await self.api.stop(kind, guest.id, force=force)
            else:
                job_id = await self.api.restart(kind, guest.id)
        except TrueNASError as err:
            raise action_failed(err, "vm_action_failed", vm=guest.name) from err
        if job_id is None:
            return JobResult(None, "SUCCESS")
        method = {"vm": "vm", "instance": "virt.instance", "container": "container"}[kind]
        job = Job(id=job_id, method=f"{method}.{action}", state="RUNNING")
        return await self._async_follow_job(self.jobs, key, job, wait=wait, timeout=timeout)
