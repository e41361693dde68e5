"""Entities of an HTTP health probe: reachable, response time, HTTP status, certificate expiry."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, override

from homeassistant.components.binary_sensor import BinarySensorEntity, BinarySensorEntityDescription
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.const import UnitOfTime
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .. import sensor_descriptions as describe
from ..clients.httpprobe import ProbeResult
from ..const import DOMAIN
from ..entity import HomeLabEntity
from ..redact import public_url
from ..sensor_descriptions import ValueSensor, ValueSensorDescription
from .coordinator import ProbeCoordinator

type ProbeSensorDescription = ValueSensorDescription[ProbeResult]

PROBE_SENSORS: tuple[ProbeSensorDescription, ...] = (
    describe.measurement(
        "response_time",
        lambda result: result.response_time_ms,
        translation_key="probe_response_time",
        device_class=SensorDeviceClass.DURATION,
        unit=UnitOfTime.MILLISECONDS,
        precision=0,
    ),
    describe.diagnostic(
        "http_status", lambda result: result.status, translation_key="probe_http_status"
    ),
)
# Only a probe of an https:// URL has a certificate.
HTTPS_SENSORS: tuple[ProbeSensorDescription, ...] = (
    describe.timestamp(
        "cert_expiry",
        lambda result: result.cert_expiry,
        translation_key="probe_cert_expiry",
        diagnostic=True,
    ),
)
PROBE_REACHABLE = BinarySensorEntityDescription(
    key="reachable",
    translation_key="probe_reachable",
    device_class=BinarySensorDeviceClass.CONNECTIVITY,
)


class ProbeEntity(HomeLabEntity[ProbeCoordinator]):
    """An entity of one probed service, on the service's own device."""

    def __init__(self, coordinator: ProbeCoordinator, description: EntityDescription) -> None:
        """Attach to the probe's device."""
        subentry = coordinator.subentry
        device = DeviceInfo(
            identifiers={(DOMAIN, f"probe_{subentry.subentry_id}")},
            name=subentry.title,
            entry_type=DeviceEntryType.SERVICE,
            manufacturer="Home Lab",
            model="HTTP health probe",
            configuration_url=public_url(coordinator.url),
        )
        super().__init__(coordinator, description, subentry.subentry_id, device)


class ProbeSensor(ProbeEntity, ValueSensor[ProbeResult]):
    """A measured value of the last probe."""

    @override
    def sources(self) -> tuple[ProbeResult]:
        return (self.coordinator.data,)


class ProbeReachableBinarySensor(ProbeEntity, BinarySensorEntity):
    """On when the service answered as expected."""

    @property
    def is_on(self) -> bool:
        """Whether the last probe succeeded."""
        return self.coordinator.data.reachable

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Why the last probe failed, for automations and the logbook."""
        # States are recorded and sent to every browser: no credentials from the URL.
        url, error = self.coordinator.url, self.coordinator.data.error
        if error is not None:
            error = error.replace(url, public_url(url))
        return {"error": error, "url": public_url(url)}


def _add_per_probe(
    probes: dict[str, ProbeCoordinator],
    async_add_entities: AddConfigEntryEntitiesCallback,
    build: Callable[[ProbeCoordinator], list[Any]],
) -> None:
    for subentry_id, coordinator in probes.items():
        async_add_entities(build(coordinator), config_subentry_id=subentry_id)


def async_setup_probe_sensors(
    probes: dict[str, ProbeCoordinator], async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Sensors of every probe."""
    _add_per_probe(
        probes,
        async_add_entities,
        lambda coordinator: [
            ProbeSensor(coordinator, description)
            for description in PROBE_SENSORS
            + (HTTPS_SENSORS if coordinator.url.lower().startswith("https://") else ())
        ],
    )


def async_setup_probe_binary_sensors(
    probes: dict[str, ProbeCoordinator], async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """The reachable sensor of every probe."""
    _add_per_probe(
        probes,
        async_add_entities,
        lambda coordinator: [ProbeReachableBinarySensor(coordinator, PROBE_REACHABLE)],
    )
