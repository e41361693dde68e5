"""One lab service, one device: a TrueNAS app and the pipeline entry that watches the same service.

How the link is made: from data both entries own. A pipeline entry's URL (Ollama, Paperless-ngx,
n8n) or its Paperless-AI URL names a host and port; a TrueNAS app's web portals, as the NAS
reports them (a wildcard host pointed at the NAS's own host), name others. The same host and port
are the same service. Names never count: an app called `ollama` behind another port is not linked.

While linked, the pipeline entry carries the app: its device shows the app's entities (state, CPU,
memory, run switch, restart, update) next to the service's metrics, and the TrueNAS entry makes
no device for that app. The app's entities keep the unique ids the TrueNAS entry gives them, so
Home Assistant's registry moves them with their entity ids, names and settings.

Either entry going away undoes the link:
- removing (or disabling) the pipeline entry reloads the TrueNAS entry, which gives the app its
  own device again;
- removing the TrueNAS entry reloads the pipeline entry, which drops the app's entities.
A TrueNAS entry that is only unloaded (reloaded, HA stopping) keeps the link: the app's
entities show unavailable until it is back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from homeassistant.config_entries import (
    SIGNAL_CONFIG_ENTRY_CHANGED,
    ConfigEntry,
    ConfigEntryChange,
    ConfigEntryState,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from yarl import URL

from .clients.truenas import App
from .const import DOMAIN, EntryType, entry_type
from .nas.apps.coordinator import AppsCoordinator
from .nas.identifiers import app_identifier
from .nas.runtime import TrueNASRuntimeData
from .pipeline.const import CONF_AI_URL, CONF_URL
from .pipeline.entity import PAPERLESS_AI, service_identifier_of

# The part of a pipeline entry a service is: its main device, or its Paperless-AI device.
MAIN = ""

type Endpoint = tuple[str, int]


@dataclass(frozen=True, slots=True)
class ServicePlace:
    """Where a linked app's entities show: a pipeline entry's device (`part`)."""

    entry_id: str
    part: str

    @property
    def identifier(self) -> tuple[str, str]:
        """The identifier of the device the app's entities show on."""
        return service_identifier_of(self.entry_id, self.part)


@dataclass(frozen=True, slots=True)
class LinkedApp:
    """An app a pipeline entry carries, as one loaded TrueNAS entry's coordinator knows it."""

    truenas_entry: ConfigEntry[Any]
    app_name: str
    part: str
    # The coordinator the app's entities read: a reloaded TrueNAS entry has a new one.
    apps: AppsCoordinator


def endpoint(url: str) -> Endpoint | None:
    """The host and port a URL reaches (the scheme's port when none is given)."""
    try:
        parsed = URL(url)
    except ValueError:
        return None
    if not parsed.host or parsed.port is None:
        return None
    return parsed.host.lower().rstrip("."), parsed.port


def service_endpoints(entry: ConfigEntry[Any]) -> dict[str, Endpoint]:
    """A pipeline entry's services by part: the main service, and Paperless-AI when it has one."""
    urls = {MAIN: entry.data.get(CONF_URL)}
    if entry_type(entry) is EntryType.PAPERLESS:
        urls[PAPERLESS_AI] = entry.data.get(CONF_AI_URL)
    return {
        part: found
        for part, url in urls.items()
        if isinstance(url, str) and (found := endpoint(url)) is not None
    }


def app_endpoints(app: App) -> set[Endpoint]:
    """Where an app's web portals answer."""
    return {found for url in app.portals.values() if (found := endpoint(url)) is not None}


def linkable_entries(hass: HomeAssistant) -> list[ConfigEntry[Any]]:
    """Pipeline entries that may carry an app: configured and not disabled, oldest first."""
    return sorted(
        (
            entry
            for entry in hass.config_entries.async_entries(DOMAIN)
            if entry_type(entry) is not EntryType.TRUENAS and entry.disabled_by is None
        ),
        key=lambda entry: entry.entry_id,
    )


def find_links(hass: HomeAssistant, apps: Mapping[str, App]) -> dict[str, ServicePlace]:
    """App name -> the pipeline service at the same host and port (each place taken once)."""
    places: dict[Endpoint, ServicePlace] = {}
    for entry in linkable_entries(hass):
        for part, found in service_endpoints(entry).items():
            places.setdefault(found, ServicePlace(entry.entry_id, part))
    links: dict[str, ServicePlace] = {}
    taken: set[ServicePlace] = set()
    for name in sorted(apps):
        for found in sorted(app_endpoints(apps[name])):
            place = places.get(found)
            if place is not None and place not in taken:
                links[name] = place
                taken.add(place)
                break
    return links


def _truenas_entries(hass: HomeAssistant) -> list[ConfigEntry[Any]]:
    return [
        entry
        for entry in hass.config_entries.async_entries(DOMAIN)
        if entry_type(entry) is EntryType.TRUENAS
    ]


def _made_links(entry: ConfigEntry[Any]) -> TrueNASRuntimeData | None:
    """A TrueNAS entry's runtime data once it made its links (loaded with its server's data)."""
    if entry.state is ConfigEntryState.LOADED and isinstance(
        entry.runtime_data, TrueNASRuntimeData
    ):
        return entry.runtime_data
    return None


def linked_apps(hass: HomeAssistant, pipeline_entry: ConfigEntry[Any]) -> list[LinkedApp]:
    """The apps the loaded TrueNAS entries linked to this pipeline entry."""
    return [
        LinkedApp(entry, name, place.part, runtime.apps)
        for entry in _truenas_entries(hass)
        if (runtime := _made_links(entry)) is not None
        for name, place in sorted(runtime.service_links.items())
        if place.entry_id == pipeline_entry.entry_id
    ]


def links_settled(hass: HomeAssistant) -> bool:
    """Whether every TrueNAS entry has made its links (loaded with its server's data)."""
    return all(
        entry.disabled_by is not None or _made_links(entry) is not None
        for entry in _truenas_entries(hass)
    )


@callback
def async_setup_links(hass: HomeAssistant) -> None:
    """Keep links true as entries come, change and go (for as long as Home Assistant runs)."""

    @callback
    def _changed(_change: ConfigEntryChange, entry: ConfigEntry[Any]) -> None:
        if entry.domain == DOMAIN:
            _relink(hass)

    async_dispatcher_connect(hass, SIGNAL_CONFIG_ENTRY_CHANGED, _changed)


@callback
def _relink(hass: HomeAssistant) -> None:
    """Reload the loaded entries whose links are no longer what they would be now.

    - A TrueNAS entry whose apps would now link to other pipeline entries (one was added,
      removed, disabled or given another URL) makes its links anew.
    - A pipeline entry that carries other apps than the loaded TrueNAS entries link to it (one
      was reloaded, removed or newly linked) picks them up or drops them.
    Each entry's setup makes exactly what is checked here, so the reloads settle.
    """
    entries = hass.config_entries
    for entry in _truenas_entries(hass):
        if (runtime := _made_links(entry)) is not None and runtime.service_links != find_links(
            hass, runtime.apps.data
        ):
            entries.async_schedule_reload(entry.entry_id)
    for entry in linkable_entries(hass):
        if entry.state is ConfigEntryState.LOADED:
            stale = _carries_stale_links(hass, entry.runtime_data.carried, linked_apps(hass, entry))
        else:
            # Not ready while its service is down: an app to carry lets it load.
            stale = entry.state is ConfigEntryState.SETUP_RETRY and bool(linked_apps(hass, entry))
        if stale:
            entries.async_schedule_reload(entry.entry_id)


def _carries_stale_links(
    hass: HomeAssistant, carried: list[LinkedApp], wanted: list[LinkedApp]
) -> bool:
    """Whether a pipeline entry should reload to carry `wanted` instead of `carried`.

    A link whose TrueNAS entry is only unloaded (reloading, or its server down) is kept: the
    app's entities show unavailable until it is back, and then the new links differ.
    """
    if any(link not in carried for link in wanted):
        return True
    for link in carried:
        if link in wanted:
            continue
        entry = hass.config_entries.async_get_entry(link.truenas_entry.entry_id)
        if entry is None or entry.disabled_by is not None or _made_links(entry) is not None:
            return True  # removed, disabled, or loaded without this link
    return False


@callback
def async_settle_carried(
    hass: HomeAssistant, pipeline_entry: ConfigEntry[Any], carried: list[LinkedApp]
) -> None:
    """After a pipeline entry's platforms: its carried apps' own devices go; dropped links' too.

    Entities it carried before stay while a TrueNAS entry has not made its links yet (starting,
    or its server down): they show unavailable, and keep their settings for when it is back.
    """
    _remove_moved_app_devices(hass, carried)
    if carried or not links_settled(hass):
        return
    registry = er.async_get(hass)
    for entity_id in _carried_entity_ids(hass, pipeline_entry):
        registry.async_remove(entity_id)


@callback
def async_reclaim_apps(
    hass: HomeAssistant, truenas_entry: ConfigEntry[Any], apps: Iterable[str]
) -> None:
    """Enable the entities of `apps` that a disabled pipeline entry carried.

    Home Assistant disabled them along with that entry; the TrueNAS entry shows them again.
    """
    registry = er.async_get(hass)
    prefixes = tuple(f"{truenas_entry.unique_id}_app_{name}_" for name in apps)
    for owner in hass.config_entries.async_entries(DOMAIN, include_disabled=True):
        if owner.disabled_by is None or entry_type(owner) is EntryType.TRUENAS:
            continue
        for entity in er.async_entries_for_config_entry(registry, owner.entry_id):
            if entity.disabled_by is er.RegistryEntryDisabler.CONFIG_ENTRY and (
                entity.unique_id.startswith(prefixes)
            ):
                registry.async_update_entity(entity.entity_id, disabled_by=None)


def _carried_entity_ids(hass: HomeAssistant, pipeline_entry: ConfigEntry[Any]) -> list[str]:
    """Registry entities of a pipeline entry that are an app's (their unique id is not its own)."""
    own = f"{pipeline_entry.entry_id}_"
    return [
        entity.entity_id
        for entity in er.async_entries_for_config_entry(er.async_get(hass), pipeline_entry.entry_id)
        if not entity.unique_id.startswith(own)
    ]


def _remove_moved_app_devices(hass: HomeAssistant, linked: Iterable[LinkedApp]) -> None:
    """Remove an app's own device once its entities moved to the pipeline entry's device."""
    devices = dr.async_get(hass)
    entities = er.async_get(hass)
    for link in linked:
        device = devices.async_get_device_by_identifier(
            app_identifier(link.truenas_entry, link.app_name), link.truenas_entry.entry_id
        )
        if device is not None and not er.async_entries_for_device(
            entities, device.id, include_disabled_entities=True
        ):
            devices.async_remove_device(device.id)
