"""Options of the system services: which get a start/stop switch (none by default).

They live in the entry's options under `services` (a collapsed "System services" section).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from homeassistant.helpers.selector import SelectSelector, SelectSelectorConfig, SelectSelectorMode
import probatio as vol

from ...form_fields import collapsed_section, section_from_input, stored_section

CONF_SERVICES: Final = "services"
CONF_SERVICE_SWITCHES: Final = "service_switches"
# What `service.query` lists on 25.04 to 26, for the form when the entry is not loaded.
KNOWN_SERVICES: Final = (
    "cifs", "ftp", "iscsitarget", "nfs", "nvmet", "smartd", "snmp", "ssh", "ups",
)  # fmt: skip


def switched_services(options: Mapping[str, Any]) -> frozenset[str]:
    """The services the user gave a switch."""
    chosen = stored_section(options, CONF_SERVICES).get(CONF_SERVICE_SWITCHES, [])
    return frozenset(str(name) for name in chosen if isinstance(name, str))


def service_section(
    options: Mapping[str, Any], available: Iterable[str] = ()
) -> dict[vol.Marker, Any]:
    """The "System services" section of the options form, filled with the current values."""
    current = switched_services(options)
    names = sorted(set(available) or set(KNOWN_SERVICES) | current)
    return collapsed_section(
        CONF_SERVICES,
        {
            vol.Required(CONF_SERVICE_SWITCHES, default=sorted(current)): SelectSelector(
                SelectSelectorConfig(
                    options=names,
                    multiple=True,
                    mode=SelectSelectorMode.LIST,
                    translation_key="truenas_service",
                )
            )
        },
    )


def _service_options(data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        CONF_SERVICE_SWITCHES: sorted({str(name) for name in data.get(CONF_SERVICE_SWITCHES, [])})
    }


def service_options_from_input(
    user_input: Mapping[str, Any], options: Mapping[str, Any]
) -> dict[str, Any]:
    """The `services` options to store from a submitted form (the current ones if absent)."""
    return section_from_input(CONF_SERVICES, user_input, options, _service_options)
