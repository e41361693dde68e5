"""Resolve an action's target to the objects of the lab it means: `(entry, kind, key)`.

Shared by every action so that all of them treat unknown or foreign targets the same way:
a translated ServiceValidationError, never a stack trace.

A device is never understood by reading its identifier or its name (both embed names users
choose: a pool may be called `fast_app_n8n`). Instead each loaded entry lists the objects it
owns now, from its coordinators' data, with the identifier it gives each one's device
(`owned_objects`); a device is whatever object one of its identifiers equals exactly.

Targets may be devices, entities, areas, floors and labels. Devices and entities named directly
must be Home Lab devices of the kind the action works on, or the call is refused. Areas, floors
and labels stand for the Home Lab devices of that kind within them (others are skipped, as Home
Assistant does for entity actions); if they hold none, the call is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from homeassistant.components.homeassistant.exposed_entities import async_should_expose
from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.const import ATTR_AREA_ID, ATTR_ENTITY_ID, ATTR_FLOOR_ID, ATTR_LABEL_ID
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    entity_registry as er,
)
from homeassistant.helpers.target import TargetSelection, async_extract_referenced_entity_ids
from homeassistant.helpers.typing import VolDictType
import probatio as vol

from .const import DOMAIN, SUBENTRY_SERVICE, EntryType, entry_type
from .nas.backups.coordinator import TaskKind
from .nas.identifiers import (
    app_identifier,
    dataset_identifier,
    keyed_identifier,
    pool_identifier,
    system_identifier,
)
from .nas.runtime import TrueNASRuntimeData
from .pipeline.entity import PAPERLESS_AI, PIPELINE, service_identifier

# Kinds of object a device can stand for (besides the TaskKind values and pipeline entry types).
KIND_SYSTEM = "system"
KIND_POOL = "pool"
KIND_APP = "app"
KIND_DATASET = "dataset"
KIND_PROBE = "probe"
KIND_VM = "vm"  # a VM or container: key (kind, id), see nas/vms


def _entity_ids(value: Any) -> list[str]:
    """Home Assistant's entity id list, refusing what its validator would crash on (a number)."""
    if not isinstance(value, str | list):
        raise vol.Invalid("expected an entity ID or a list of entity IDs")
    ids: list[str] = cv.comp_entity_ids(value)
    return ids


# The target fields of every action: Home Assistant's, with a sturdier entity id check.
TARGET_FIELDS: VolDictType = {
    **{key: value for key, value in cv.ENTITY_SERVICE_FIELDS.items() if key != ATTR_ENTITY_ID},
    vol.Optional(ATTR_ENTITY_ID): _entity_ids,
}


@dataclass(frozen=True, slots=True)
class Target:
    """One object of the lab an action was aimed at."""

    entry: ConfigEntry[Any]
    device: dr.AnyDeviceEntry
    kind: str
    key: Any


def possible_kinds(entry: ConfigEntry[Any]) -> set[str]:
    """The kinds of object an entry's devices can stand for (known without loading it)."""
    kind = entry_type(entry)
    if kind is not EntryType.TRUENAS:
        return {kind.value, KIND_APP}  # the TrueNAS app it may carry (links.py)
    return {
        KIND_SYSTEM, KIND_POOL, KIND_APP, KIND_DATASET, KIND_PROBE, KIND_VM,
        *map(str, TaskKind),
    }  # fmt: skip


def owned_objects(entry: ConfigEntry[Any]) -> dict[tuple[str, str], tuple[str, Any]]:
    """Identifier of each device of a loaded entry -> the `(kind, key)` of its object, now.

    Built from the entry's own data (the coordinators' pools, apps, tasks and datasets), never
    from a device's name or identifier text. An app a pipeline entry carries (links.py) is
    listed under that entry's device identifier: `object_device` finds it there.
    """
    kind = entry_type(entry)
    if kind is not EntryType.TRUENAS:
        # The service and its sub-devices (Paperless-AI, Pipeline) all stand for the entry.
        return {
            service_identifier(entry, suffix): (kind.value, None)
            for suffix in ("", PAPERLESS_AI, PIPELINE)
        }
    runtime = entry.runtime_data
    owned: dict[tuple[str, str], tuple[str, Any]] = {system_identifier(entry): (KIND_SYSTEM, None)}
    owned |= {
        (DOMAIN, f"probe_{subentry_id}"): (KIND_PROBE, subentry_id)
        for subentry_id, subentry in entry.subentries.items()
        if subentry.subentry_type == SUBENTRY_SERVICE
    }
    if not isinstance(runtime, TrueNASRuntimeData):
        return owned  # waiting for its server: only the probes run (nas/waiting.py)
    if (data := runtime.coordinator.data) is not None:
        owned |= {pool_identifier(entry, name): (KIND_POOL, name) for name in data.pools}
    if (apps := runtime.apps.data) is not None:
        links = runtime.service_links
        owned |= {
            (links[name].identifier if name in links else app_identifier(entry, name)): (
                KIND_APP,
                name,
            )
            for name in apps
        }
    if (backups := runtime.backups.data) is not None:
        owned |= {
            keyed_identifier(entry, task_kind, task_id): (str(task_kind), task_id)
            for task_kind, task_id in backups.task_keys()
        }
        owned |= {
            dataset_identifier(entry, name): (KIND_DATASET, name) for name in backups.datasets
        }
    owned |= {runtime.vms.identifier(key): (KIND_VM, key) for key in runtime.vms.current_keys()}
    return owned


def object_device(
    hass: HomeAssistant, entry: ConfigEntry[Any], identifier: tuple[str, str]
) -> dr.DeviceEntry | None:
    """The device one of `owned_objects(entry)` shows on.

    That is the entry's own device, or the device of the pipeline entry carrying the app.
    """
    registry = dr.async_get(hass)
    if (device := registry.async_get_device_by_identifier(identifier, entry.entry_id)) is not None:
        return device
    if isinstance(entry.runtime_data, TrueNASRuntimeData):
        for place in entry.runtime_data.service_links.values():
            if place.identifier == identifier:
                return registry.async_get_device_by_identifier(identifier, place.entry_id)
    return None


def carried_objects(
    entry: ConfigEntry[Any], device: dr.AnyDeviceEntry
) -> list[tuple[ConfigEntry[Any], str, Any]]:
    """(TrueNAS entry, KIND_APP, app name) of the apps a pipeline entry's device carries."""
    if entry_type(entry) is EntryType.TRUENAS:
        return []
    return [
        (link.truenas_entry, KIND_APP, link.app_name)
        for link in entry.runtime_data.carried
        if service_identifier(entry, link.part) in device.identifiers
    ]


def _unknown(target: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="unknown_target",
        translation_placeholders={"target": target},
    )


def device_label(device: dr.AnyDeviceEntry) -> str:
    """How a device is shown in a message."""
    return device.name_by_user or device.name or device.id


def _loaded(entry: ConfigEntry[Any]) -> ConfigEntry[Any]:
    if entry.state is not ConfigEntryState.LOADED:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="entry_not_loaded",
            translation_placeholders={"entry": entry.title},
        )
    return entry


def _device_and_entry(
    hass: HomeAssistant, device_id: str
) -> tuple[dr.AnyDeviceEntry | None, ConfigEntry[Any] | None]:
    device, entry = dr.async_get_device_and_config_entry_for_domain(hass, device_id, domain=DOMAIN)
    return device, entry


def _direct_device_ids(hass: HomeAssistant, call: ServiceCall) -> list[str]:
    """Devices named in the call, and the devices of the entities named in it."""
    selection = TargetSelection(call.data)
    entities = er.async_get(hass)
    device_ids = sorted(selection.device_ids)
    for entity_id in sorted(selection.entity_ids):
        entity = entities.async_get(entity_id)
        if entity is None or entity.device_id is None or entity.platform != DOMAIN:
            raise _unknown(entity_id)
        device_ids.append(entity.device_id)
    return list(dict.fromkeys(device_ids))


def _indirect_device_ids(hass: HomeAssistant, call: ServiceCall) -> list[str]:
    """Devices within the call's areas, floors and labels (their entities' devices included)."""
    data = {key: call.data.get(key) for key in (ATTR_AREA_ID, ATTR_FLOOR_ID, ATTR_LABEL_ID)}
    selected = async_extract_referenced_entity_ids(
        hass, TargetSelection(data), expand_group=False, primary_entities_only=False
    )
    for missing in (selected.missing_areas, selected.missing_floors, selected.missing_labels):
        if missing:
            raise _unknown(", ".join(sorted(missing)))
    device_ids = set(selected.referenced_devices)
    entities = er.async_get(hass)
    for entity_id in selected.indirectly_referenced:
        entity = entities.async_get(entity_id)
        if entity is not None and entity.platform == DOMAIN and entity.device_id is not None:
            device_ids.add(entity.device_id)
    return sorted(device_ids)


def resolve_targets(
    hass: HomeAssistant,
    call: ServiceCall,
    kinds: Collection[str],
    refuse: Callable[[dr.AnyDeviceEntry, ConfigEntry[Any]], ServiceValidationError],
) -> list[Target]:
    """The objects of `kinds` the call targets, each once.

    A device or entity named directly that is not of `kinds` is refused with `refuse(device,
    entry)`; areas, floors and labels contribute only their devices of `kinds`. Raises
    ServiceValidationError when a target is unknown, its entry not loaded, or nothing is left.
    """
    selection = TargetSelection(call.data)
    if not selection.has_any_target:
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="no_target")
    direct = _direct_device_ids(hass, call)
    indirect = [
        device_id
        for device_id in (
            _indirect_device_ids(hass, call)
            if selection.area_ids or selection.floor_ids or selection.label_ids
            else []
        )
        if device_id not in direct
    ]
    owned: dict[str, dict[tuple[str, str], tuple[str, Any]]] = {}
    found: dict[tuple[str, str, Any], Target] = {}
    for device_id, is_direct in [(d, True) for d in direct] + [(d, False) for d in indirect]:
        device, entry = _device_and_entry(hass, device_id)
        if device is None or entry is None:
            if not is_direct:
                continue  # another integration's device in the area: not ours to act on
            raise _unknown(device_label(device) if device is not None else device_id)
        if not possible_kinds(entry) & set(kinds):
            if is_direct:
                raise refuse(device, entry)
            continue
        _loaded(entry)
        if entry.entry_id not in owned:
            owned[entry.entry_id] = owned_objects(entry)
        objects = [
            (entry, *owned[entry.entry_id][identifier])
            for identifier in sorted(device.identifiers)
            if identifier in owned[entry.entry_id]
        ] + carried_objects(entry, device)
        matches = [(owner, kind, key) for owner, kind, key in objects if kind in kinds]
        if not matches:
            if not is_direct:
                continue
            if not objects:  # a device left behind by something deleted on the server
                raise ServiceValidationError(
                    translation_domain=DOMAIN,
                    translation_key="target_gone",
                    translation_placeholders={"target": device_label(device)},
                )
            raise refuse(device, entry)
        for owner, kind, key in matches:
            found.setdefault((owner.entry_id, kind, key), Target(_loaded(owner), device, kind, key))
    if not found:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="no_matching_target"
        )
    return list(found.values())


def entry_devices_exposed(hass: HomeAssistant, assistant: str) -> set[str]:
    """Ids of the Home Lab devices with at least one entity exposed to `assistant`."""
    exposed: set[str] = set()
    for entity in er.async_get(hass).entities.values():
        if (
            entity.platform == DOMAIN
            and entity.device_id is not None
            and entity.device_id not in exposed
            and async_should_expose(hass, assistant, entity.entity_id)
        ):
            exposed.add(entity.device_id)
    return exposed
