"""Options of the disks: whether to read temperatures (off by default).

They live in the entry's options under `disks` (a collapsed "Disks" section of the options form).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from homeassistant.data_entry_flow import section
from homeassistant.helpers.selector import BooleanSelector
import probatio as vol

CONF_DISKS: Final = "disks"
CONF_DISK_TEMPERATURES: Final = "disk_temperatures"


def temperatures_enabled(options: Mapping[str, Any]) -> bool:
    """Whether the user opted in to disk temperatures."""
    data = options.get(CONF_DISKS)
    return bool(data.get(CONF_DISK_TEMPERATURES, False)) if isinstance(data, Mapping) else False


def disk_section(options: Mapping[str, Any]) -> dict[vol.Marker, Any]:
    """The "Disks" section of the options form, filled with the current values."""
    schema = vol.Schema(
        {
            vol.Required(
                CONF_DISK_TEMPERATURES, default=temperatures_enabled(options)
            ): BooleanSelector()
        }
    )
    return {vol.Optional(CONF_DISKS): section(schema, {"collapsed": True})}


def disk_options_from_input(
    user_input: Mapping[str, Any], options: Mapping[str, Any]
) -> dict[str, Any]:
    """The `disks` options to store from a submitted form (the current ones if absent)."""
    data = user_input.get(CONF_DISKS)
    if not isinstance(data, Mapping):
        return {CONF_DISKS: options[CONF_DISKS]} if CONF_DISKS in options else {}
    return {CONF_DISKS: {CONF_DISK_TEMPERATURES: bool(data.get(CONF_DISK_TEMPERATURES, False))}}
