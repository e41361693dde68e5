"""System services of a TrueNAS entry: pushed state, and starting/stopping one.

`service.query` `changed` events (no `id`; `fields` is the whole entry) keep the state current;
a full `service.query` every 10 minutes is only a safety net. 25.04 starts and stops with
`service.start`/`service.stop`, which answer a boolean at once; 25.10 and 26 with
`service.control(verb, service, options)`, a job (on 26 start/stop are FULL_ADMIN only).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Literal, override

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from ...clients.truenas import (
    Event,
    Job,
    TrueNASCallError,
    TrueNASError,
    TrueNASInvalidResponseError,
    TrueNASTimeoutError,
)
from ...clients.truenas.devices import Service, TrueNASServices
from ...const import DOMAIN
from ..identifiers import service_identifier
from ..keyed import KeyedCoordinator
from ..server_coordinator import cannot_connect, refuse_if_busy
from .options import switched_services

if TYPE_CHECKING:
    from ...clients.truenas import TrueNASClient
    from ..runtime import TrueNASConfigEntry

SAFETY_NET_INTERVAL = timedelta(minutes=10)
JOB_TIMEOUT = 120.0


def service_job_key(job: Job) -> str | None:
    """The service a `service.control(verb, service, options)` job starts or stops."""
    if job.method == "service.control" and len(job.arguments) >= 2:  # noqa: PLR2004
        return str(job.arguments[1])
    return None


class ServiceCoordinator(KeyedCoordinator[str, dict[str, Service]]):
    """Owns the system services of one TrueNAS entry."""

    infixes = ("service",)
    task_prefix = "service"

    def __init__(
        self, hass: HomeAssistant, entry: TrueNASConfigEntry, client: TrueNASClient
    ) -> None:
        """Poll only as a safety net; events do the work."""
        super().__init__(hass, entry, client, name="services", update_interval=SAFETY_NET_INTERVAL)
        self.api = TrueNASServices(client)
        self.switched = switched_services(entry.options)
        self.jobs: dict[str, Job] = {}

    @override
    def keys_of(self, data: dict[str, Service]) -> dict[str, Service]:
        return data

    @override
    def identifier(self, key: str) -> tuple[str, str]:
        return service_identifier(self.config_entry, key)

    @override
    async def _fetch(self) -> dict[str, Service]:
        return {service.service: service for service in await self.api.services()}

    @override
    async def async_start_push(self) -> None:
        await super().async_start_push()
        self._unsubscribers.append(await self.client.subscribe("service.query", self._on_event))
        await self._async_follow_job_events(self.jobs, service_job_key)

    @callback
    def _on_event(self, event: Event) -> None:
        try:
            service = Service.from_dict(event.fields)
        except TrueNASInvalidResponseError:
            return
        data = dict(self.data or {})
        data[service.service] = service
        self.async_set_updated_data(data)
        self.track(data)

    async def async_control(self, name: str, verb: Literal["START", "STOP"]) -> None:
        """Start or stop a service; raise the translated error when TrueNAS could not."""
        if self.data is None or name not in self.data:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="unknown_service",
                translation_placeholders={"service": name},
            )
        refuse_if_busy(self.jobs, name, "service_busy", service=name)
        error: str | None = None
        try:
            answer = await self.api.control(verb, name)
            if isinstance(answer, bool):
                error = None if answer else "TrueNAS reported failure"
            else:
                self.jobs[name] = Job(id=answer, method="service.control", state="RUNNING")
                self.async_update_listeners()
                try:
                    job = await self.client.wait_for_job(answer, timeout=JOB_TIMEOUT)
                finally:
                    if (current := self.jobs.get(name)) is not None and current.id == answer:
                        del self.jobs[name]
                    self.async_update_listeners()
                error = job.error if job.state != "SUCCESS" or job.result is False else None
                if job.state == "SUCCESS" and job.result is False:
                    error = "TrueNAS reported failure"
        except TrueNASTimeoutError:
            return
        except TrueNASCallError as err:
            error = err.reason or str(err)
        except TrueNASError as err:
            raise cannot_connect() from err
        if error is not None:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="service_action_failed",
                translation_placeholders={"service": name, "error": error},
            )
