"""Options of the disks: whether to read temperatures (off by default).

They live in the entry's options under `disks` (a collapsed "Disks" section of the options form).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from homeassistant.helpers.selector import BooleanSelector
import probatio as vol

from ...form_fields import collapsed_section, section_from_input, stored_section

CONF_DISKS: Final = "disks"
CONF_DISK_TEMPERATURES: Final = "disk_temperatures"


def temperatures_enabled(options: Mapping[str, Any]) -> bool:
    """Whether the user opted in to disk temperatures."""
    return bool(stored_section(options, CONF_DISKS).get(CONF_DISK_TEMPERATURES, False))


def disk_section(options: Mapping[str, Any]) -> dict[vol.Marker, Any]:
    """The "Disks" section of the options form, filled with the current values."""
    return collapsed_section(
        CONF_DISKS,
        {
            vol.Required(
                CONF_DISK_TEMPERATURES, default=temperatures_enabled(options)
            ): BooleanSelector()
        },
    )


def _disk_options(data: Mapping[str, Any]) -> dict[str, Any]:
    return {CONF_DISK_TEMPERATURES: bool(data.get(CONF_DISK_TEMPERATURES, False))}


def disk_options_from_input(
    user_input: Mapping[str, Any], options: Mapping[str, Any]
) -> dict[str, Any]:
    """The `disks` options to store from a submitted form (the current ones if absent)."""
    return section_from_input(CONF_DISKS, user_input, options, _disk_options)
