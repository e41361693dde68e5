"""The NAS's certificates: days until each expires, the UI certificate first.

Read hourly (`certificate.query` and `system.general.config`, two small calls): a certificate's
expiry only moves when it is renewed or replaced. The UI certificate is the one
`system.general.config` names; on 25.10 without `SYSTEM_GENERAL_WRITE` the middleware hides it
(a redacted `Secret`), and then no certificate is marked as the UI's.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any, override

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory, UnitOfTime
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from ...clients.truenas import TrueNASClient
from ...clients.truenas.system import Certificate, TrueNASSystem
from ..coordinator import TrueNASCoordinator
from ..entity import TrueNASEntity, async_add_for_each
from ..known_keys import KnownKeys
from ..server_coordinator import ServerCoordinator

if TYPE_CHECKING:
    from ..runtime import TrueNASConfigEntry

CERTIFICATES_INTERVAL = timedelta(hours=1)


class CertificatesCoordinator(ServerCoordinator[dict[int, Certificate]]):
    """The certificates of one entry, by id."""

    # A malformed list fails the refresh as any other error does.
    invalid_response_key = "update_failed"

    def __init__(
        self, hass: HomeAssistant, entry: TrueNASConfigEntry, client: TrueNASClient
    ) -> None:
        """Poll hourly."""
        super().__init__(
            hass, entry, client, name="certificates", update_interval=CERTIFICATES_INTERVAL
        )
        self.api = TrueNASSystem(client)
        # A certificate gone stays known: its sensor stays, unavailable.
        self.known_certificates = KnownKeys[int]()

    @override
    async def _fetch(self) -> dict[int, Certificate]:
        return {certificate.id: certificate for certificate in await self.api.certificates()}

    @override
    def _fetched(self, data: dict[int, Certificate]) -> None:
        added = self.known_certificates.add(data)
        if added:
            self.hass.loop.call_soon(self.known_certificates.announce, added)

    def summary(self) -> list[dict[str, Any]]:
        """Certificates and their expiry (diagnostics, the LLM API)."""
        return [
            {
                "name": certificate.name,
                "ui": certificate.ui,
                "expires": certificate.until.isoformat() if certificate.until else None,
                "days_left": days_left(certificate),
            }
            for certificate in sorted((self.data or {}).values(), key=lambda c: (not c.ui, c.name))
        ]


def days_left(certificate: Certificate) -> int | None:
    """Whole days until the certificate expires (negative once expired)."""
    if certificate.until is None:
        return None
    return (certificate.until - dt_util.utcnow()).days


def async_setup_certificate_sensors(
    entry: TrueNASConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """A days-left sensor per certificate, including certificates added later."""
    runtime = entry.runtime_data
    certificates = runtime.system.certificates
    async_add_for_each(
        entry,
        async_add_entities,
        certificates.known_certificates,
        lambda cert_id: [CertificateSensor(runtime.coordinator, certificates, cert_id)],
    )


class CertificateSensor(TrueNASEntity, SensorEntity):
    """Days until one certificate expires (on the system device)."""

    def __init__(
        self,
        coordinator: TrueNASCoordinator,
        certificates: CertificatesCoordinator,
        cert_id: int,
    ) -> None:
        """Named after the certificate; the UI certificate's is its own entity name."""
        certificate = certificates.data[cert_id]
        ui = certificate.ui
        super().__init__(
            coordinator,
            SensorEntityDescription(
                key="ui_certificate_days" if ui else f"certificate_{cert_id}_days",
                translation_key="ui_certificate_days" if ui else "certificate_days",
                device_class=SensorDeviceClass.DURATION,
                native_unit_of_measurement=UnitOfTime.DAYS,
                state_class=SensorStateClass.MEASUREMENT,
                entity_category=None if ui else EntityCategory.DIAGNOSTIC,
            ),
        )
        if not ui:
            self._attr_translation_placeholders = {"certificate": certificate.name}
        self.certificates = certificates
        self.cert_id = cert_id

    async def async_added_to_hass(self) -> None:
        """Follow the certificates coordinator too."""
        await super().async_added_to_hass()
        self.async_on_remove(self.certificates.async_add_listener(self.async_write_ha_state))

    @property
    def available(self) -> bool:
        """Unavailable with the connection, or once the certificate is gone."""
        return (
            super().available
            and self.certificates.data is not None
            and self.cert_id in self.certificates.data
        )

    @property
    def native_value(self) -> int | None:
        """Whole days left."""
        return days_left(self.certificates.data[self.cert_id])

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """The certificate's name and when it expires."""
        certificate = self.certificates.data[self.cert_id]
        return {
            "certificate": certificate.name,
            "common_name": certificate.common,
            "expires": certificate.until.isoformat() if certificate.until else None,
        }
