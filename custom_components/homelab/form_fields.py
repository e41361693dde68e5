"""What the config, options and subentry forms share: number boxes and collapsed sections.

An options section (`backups`, `disks`, `services`) is stored as a mapping under its name: a
form shows it collapsed (`collapsed_section`), a submitted form stores it parsed, or keeps the
stored one when the form had none (`section_from_input`), and readers take an absent or
malformed one as empty (`stored_section`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from homeassistant.data_entry_flow import section
from homeassistant.helpers.selector import NumberSelector, NumberSelectorConfig, NumberSelectorMode
from homeassistant.helpers.typing import VolDictType
import probatio as vol


def number_box(minimum: float, maximum: float, unit: str | None = None) -> NumberSelector:
    """A whole number typed in a box, from `minimum` to `maximum` (in `unit`)."""
    config = NumberSelectorConfig(min=minimum, max=maximum, step=1, mode=NumberSelectorMode.BOX)
    if unit is not None:
        config["unit_of_measurement"] = unit
    return NumberSelector(config)


def collapsed_section(name: str, fields: VolDictType) -> dict[vol.Marker, Any]:
    """The form fields of the options section `name`, shown collapsed."""
    return {vol.Optional(name): section(vol.Schema(fields), {"collapsed": True})}


def stored_section(options: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    """The stored options of section `name` (empty when absent)."""
    data = options.get(name)
    return data if isinstance(data, Mapping) else {}


def section_from_input(
    name: str,
    user_input: Mapping[str, Any],
    options: Mapping[str, Any],
    parse: Callable[[Mapping[str, Any]], dict[str, Any]],
) -> dict[str, Any]:
    """The options of section `name` to store from a submitted form (the current ones if absent)."""
    data = user_input.get(name)
    if not isinstance(data, Mapping):
        return {name: options[name]} if name in options else {}
    return {name: parse(data)}
