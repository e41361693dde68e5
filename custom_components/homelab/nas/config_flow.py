"""Config flow steps of a TrueNAS entry: connect with a user's API key; reauth, reconfigure, options.

With TLS on and verification off (TrueNAS's self-signed certificate), the flow reads the
certificate's SHA-256 fingerprint with a bare handshake, shows it, and pins it once the user
accepts; only then is the API key sent, and only to a server presenting that certificate.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.const import CONF_API_KEY, CONF_HOST, CONF_PORT, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.helpers.selector import TextSelector, TextSelectorConfig, TextSelectorType
import probatio as vol
from yarl import URL

from ..clients.truenas import (
    TrueNASAuthenticationError,
    TrueNASCertificateChangedError,
    TrueNASConnectionError,
    TrueNASError,
    TrueNASInsecureTransportError,
    TrueNASSSLError,
    fetch_certificate_sha256,
    format_fingerprint,
)
from ..const import (
    CONF_CERTIFICATE_SHA256,
    CONF_POLL_INTERVAL,
    CONF_SSL,
    CONF_VERIFY_SSL,
    DEFAULT_POLL_INTERVAL,
    DEFAULT_PORT_SSL,
    LOGGER,
    MAX_POLL_INTERVAL,
    MIN_POLL_INTERVAL,
)
from ..flow_reload import async_save_and_reload
from ..form_fields import number_box
from .backups.options import backup_options_from_input, backup_section
from .disks.options import disk_options_from_input, disk_section
from .entry import create_client
from .services.options import service_options_from_input, service_section

PORT_SELECTOR = number_box(1, 65535)
PASSWORD_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
# How long reading the server's certificate may take.
FINGERPRINT_TIMEOUT = 10.0


def _connection_schema(defaults: Mapping[str, Any]) -> dict[vol.Marker, Any]:
    return {
        vol.Required(CONF_HOST, default=defaults.get(CONF_HOST, vol.UNDEFINED)): str,
        vol.Required(CONF_PORT, default=defaults.get(CONF_PORT, DEFAULT_PORT_SSL)): PORT_SELECTOR,
        vol.Required(CONF_SSL, default=defaults.get(CONF_SSL, True)): bool,
        vol.Required(CONF_VERIFY_SSL, default=defaults.get(CONF_VERIFY_SSL, True)): bool,
    }


def _credentials_schema(defaults: Mapping[str, Any]) -> dict[vol.Marker, Any]:
    return {
        vol.Required(CONF_USERNAME, default=defaults.get(CONF_USERNAME, vol.UNDEFINED)): str,
        vol.Required(vol.Secret(CONF_API_KEY)): PASSWORD_SELECTOR,
    }


def _needs_pin(data: Mapping[str, Any]) -> bool:
    """TLS without verification: the certificate is pinned instead."""
    return bool(data.get(CONF_SSL, True)) and not data.get(CONF_VERIFY_SSL, True)


def _normalise(data: Mapping[str, Any]) -> dict[str, Any]:
    result = dict(data)
    if CONF_PORT in result:
        result[CONF_PORT] = int(result[CONF_PORT])
    if CONF_HOST in result:
        host = str(result[CONF_HOST]).strip()
        if "://" in host:
            # A URL typed or pasted from the browser (https://nas.local/ui): keep its host, and
            # its port when it names one. TLS stays what the checkbox says.
            try:
                url = URL(host)
            except ValueError:
                url = None
            if url is not None and url.host:
                host = url.host
                if url.explicit_port is not None:
                    result[CONF_PORT] = url.explicit_port
        elif "/" in host:
            host = host.split("/", 1)[0]  # nas.local/ui
        result[CONF_HOST] = host
    return result


def _valid_host(data: Mapping[str, Any]) -> bool:
    """A host name or an IP address the client can build its URLs from."""
    host = str(data.get(CONF_HOST, ""))
    if not host or "://" in host:
        return False
    try:
        URL.build(scheme="https", host=host)
    except ValueError:
        return False
    return True


async def validate_connection(hass: HomeAssistant, data: Mapping[str, Any]) -> tuple[str, str]:
    """Log in and read the server's identity: (unique id, hostname).

    Raises the client's errors; the caller maps them to form errors.
    """
    client = create_client(hass, dict(data))
    try:
        await client.connect()
        host_id = await client.host_id()
        info = await client.system_info()
    finally:
        await client.close()
    return host_id, info.hostname


def _error_key(err: Exception) -> str:
    if isinstance(err, TrueNASCertificateChangedError):
        return "certificate_changed"
    if isinstance(err, TrueNASInsecureTransportError):
        return "insecure_transport"
    if isinstance(err, TrueNASSSLError):
        return "ssl_error"
    if isinstance(err, TrueNASConnectionError):
        return "cannot_connect"
    if isinstance(err, TrueNASAuthenticationError):
        return "invalid_auth"
    return "unknown"


class TrueNASConfigFlow(ConfigFlow):
    """The TrueNAS steps (no domain of its own: `HomeLabConfigFlow` inherits them)."""

    # Between the connection form and the pin step: what was typed, and the certificate read.
    _pending: dict[str, Any] | None = None
    _fingerprint: str | None = None

    async def _try(self, data: Mapping[str, Any]) -> tuple[tuple[str, str] | None, dict[str, str]]:
        try:
            return await validate_connection(self.hass, data), {}
        except TrueNASError as err:
            return None, {"base": _error_key(err)}
        except Exception:  # noqa: BLE001 - the form must show "unknown", never crash
            LOGGER.exception("Unexpected error while testing the TrueNAS connection")
            return None, {"base": "unknown"}

    async def _fetch_fingerprint(
        self, data: Mapping[str, Any]
    ) -> tuple[str | None, dict[str, str]]:
        """The server's certificate fingerprint (nothing but a TLS handshake goes out)."""
        try:
            fingerprint = await fetch_certificate_sha256(
                str(data[CONF_HOST]), int(data[CONF_PORT]), FINGERPRINT_TIMEOUT
            )
        except TrueNASError as err:
            return None, {"base": _error_key(err)}
        return fingerprint, {}

    def _truenas_form(
        self, user_input: Mapping[str, Any] | None, errors: dict[str, str]
    ) -> ConfigFlowResult:
        schema = vol.Schema(
            {**_connection_schema(user_input or {}), **_credentials_schema(user_input or {})}
        )
        return self.async_show_form(step_id="truenas", data_schema=schema, errors=errors)

    def _reconfigure_form(
        self, user_input: Mapping[str, Any] | None, errors: dict[str, str]
    ) -> ConfigFlowResult:
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=vol.Schema(
                _connection_schema(user_input or self._get_reconfigure_entry().data)
            ),
            errors=errors,
        )

    async def _finish(self, data: dict[str, Any]) -> tuple[ConfigFlowResult | None, dict[str, str]]:
        """Log in with `data` and create (or, reconfiguring, update) the entry; else the errors."""
        identity, errors = await self._try(data)
        if identity is None:
            return None, errors
        await self.async_set_unique_id(identity[0])
        if self.source == SOURCE_RECONFIGURE:
            self._abort_if_unique_id_mismatch(reason="wrong_server")
            return async_save_and_reload(self, self._get_reconfigure_entry(), data), {}
        self._abort_if_unique_id_configured()
        return self.async_create_entry(title=identity[1], data=data), {}

    async def async_step_truenas(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the address and an API key, and test them."""
        errors: dict[str, str] = {}
        if user_input is not None:
            data = _normalise(user_input)
            if not _valid_host(data):
                errors = {CONF_HOST: "invalid_host"}
            elif _needs_pin(data):
                self._fingerprint, errors = await self._fetch_fingerprint(data)
                if self._fingerprint is not None:
                    self._pending = data
                    return await self.async_step_pin()
            else:
                result, errors = await self._finish(data)
                if result is not None:
                    return result
        return self._truenas_form(user_input, errors)

    async def async_step_pin(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the certificate's fingerprint; pin it and log in once the user accepts it."""
        data, fingerprint = self._pending, self._fingerprint
        if data is None or fingerprint is None:  # pragma: no cover - only reached from a form
            return self.async_abort(reason="unknown")
        if user_input is not None:
            result, errors = await self._finish({**data, CONF_CERTIFICATE_SHA256: fingerprint})
            if result is not None:
                return result
            # Back to the form the connection came from, with what went wrong.
            if self.source == SOURCE_RECONFIGURE:
                return self._reconfigure_form(data, errors)
            return self._truenas_form(data, errors)
        return self.async_show_form(
            step_id="pin",
            data_schema=vol.Schema({}),
            description_placeholders={
                "host": str(data[CONF_HOST]),
                "port": str(data[CONF_PORT]),
                "fingerprint": format_fingerprint(fingerprint),
            },
        )

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Take a new username/API key for the same server."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {**entry.data, **user_input}
            identity, errors = await self._try(data)
            if identity is not None:
                await self.async_set_unique_id(identity[0])
                self._abort_if_unique_id_mismatch(reason="wrong_server")
                return async_save_and_reload(self, entry, {**entry.data, **user_input})
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=vol.Schema(_credentials_schema(user_input or entry.data)),
            errors=errors,
            description_placeholders={"host": entry.data[CONF_HOST]},
        )

    async def _reconfigure_truenas(self, user_input: dict[str, Any] | None) -> ConfigFlowResult:
        """Change the address or TLS settings of the same server."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            pinned = entry.data.get(CONF_CERTIFICATE_SHA256)
            data = {
                key: value for key, value in entry.data.items() if key != CONF_CERTIFICATE_SHA256
            }
            data.update(_normalise(user_input))
            if not _valid_host(data):
                errors = {CONF_HOST: "invalid_host"}
            elif _needs_pin(data):
                self._fingerprint, errors = await self._fetch_fingerprint(data)
                if self._fingerprint is not None and self._fingerprint != pinned:
                    self._pending = data
                    return await self.async_step_pin()
                if self._fingerprint is not None:
                    # The certificate already pinned: nothing new to accept.
                    data[CONF_CERTIFICATE_SHA256] = pinned
            if not errors:
                result, errors = await self._finish(data)
                if result is not None:
                    return result
        return self._reconfigure_form(user_input, errors)


class TrueNASOptionsFlow(OptionsFlow):
    """Tune how often the pools are polled (the entry's update listener reloads it)."""

    def _listed_services(self) -> list[str]:
        """The services the loaded entry's NAS lists (empty: not loaded)."""
        runtime = getattr(self.config_entry, "runtime_data", None)
        services = getattr(getattr(runtime, "services", None), "data", None)
        return sorted(services) if isinstance(services, dict) else []

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show and save the options."""
        if user_input is not None:
            return self.async_create_entry(
                data={
                    CONF_POLL_INTERVAL: int(user_input[CONF_POLL_INTERVAL]),
                    **backup_options_from_input(user_input, self.config_entry.options),
                    **disk_options_from_input(user_input, self.config_entry.options),
                    **service_options_from_input(user_input, self.config_entry.options),
                }
            )
        current = self.config_entry.options.get(CONF_POLL_INTERVAL, DEFAULT_POLL_INTERVAL)
        schema = vol.Schema(
            {
                vol.Required(CONF_POLL_INTERVAL, default=current): number_box(
                    MIN_POLL_INTERVAL, MAX_POLL_INTERVAL, "s"
                ),
                **backup_section(self.config_entry.options),
                **disk_section(self.config_entry.options),
                **service_section(self.config_entry.options, self._listed_services()),
            }
        )
        return self.async_show_form(step_id="init", data_schema=schema)
