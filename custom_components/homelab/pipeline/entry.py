"""Setting up the document pipeline's entries: Ollama, Paperless-ngx (+ Paperless-AI) and n8n.

`__init__.py` hands every entry that is not a TrueNAS server to `async_setup_entry` and
`async_unload_entry` here. Each entry gets its own client on Home Assistant's aiohttp session,
its coordinator(s), and a device of the service type.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final, TypeIs

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.typing import UNDEFINED, UndefinedType

from ..clients.n8n import N8nClient
from ..clients.ollama import OllamaClient
from ..clients.paperless import PaperlessClient
from ..clients.paperless_ai import PaperlessAIClient
from ..const import CONF_VERIFY_SSL, DOMAIN, EntryType, entry_type
from ..links import LinkedApp, async_settle_carried, linked_apps
from .const import (
    CONF_AI_API_KEY,
    CONF_AI_URL,
    CONF_API_KEY,
    CONF_TOKEN,
    CONF_URL,
    SIGNAL_PIPELINE_UPDATED,
)
from .coordinator import ServiceCoordinator
from .entity import PAPERLESS_AI, PIPELINE, service_identifier
from .n8n import N8nCoordinator
from .ollama import OllamaCoordinator
from .paperless import PaperlessAICoordinator, PaperlessCoordinator

# Switch and update carry a linked TrueNAS app's run switch and update (see links.py).
PIPELINE_PLATFORMS: Final = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.SENSOR,
    Platform.SWITCH,
    Platform.UPDATE,
]


@dataclass
class CarriesApps:
    """The TrueNAS apps a pipeline entry shows on its devices (see links.py)."""

    carried: list[LinkedApp] = field(default_factory=list, kw_only=True)


@dataclass
class OllamaRuntimeData(CarriesApps):
    """What an Ollama entry keeps while loaded."""

    coordinator: OllamaCoordinator


@dataclass
class PaperlessRuntimeData(CarriesApps):
    """What a Paperless-ngx entry keeps while loaded (Paperless-AI is optional)."""

    coordinator: PaperlessCoordinator
    device_id: str
    ai_coordinator: PaperlessAICoordinator | None = None


@dataclass
class N8nRuntimeData(CarriesApps):
    """What an n8n entry keeps while loaded."""

    coordinator: N8nCoordinator


type OllamaConfigEntry = ConfigEntry[OllamaRuntimeData]
type PaperlessConfigEntry = ConfigEntry[PaperlessRuntimeData]
type N8nConfigEntry = ConfigEntry[N8nRuntimeData]
# Every pipeline entry is one of these; `is_ollama_entry` and `is_paperless_entry` tell them apart.
type PipelineConfigEntry = OllamaConfigEntry | PaperlessConfigEntry | N8nConfigEntry


def is_ollama_entry(entry: ConfigEntry[Any]) -> TypeIs[OllamaConfigEntry]:
    """An Ollama entry."""
    return entry_type(entry) is EntryType.OLLAMA


def is_paperless_entry(entry: ConfigEntry[Any]) -> TypeIs[PaperlessConfigEntry]:
    """A Paperless-ngx entry (with Paperless-AI when configured)."""
    return entry_type(entry) is EntryType.PAPERLESS


def is_n8n_entry(entry: ConfigEntry[Any]) -> TypeIs[N8nConfigEntry]:
    """An n8n entry."""
    return entry_type(entry) is EntryType.N8N


def _session(hass: HomeAssistant, data: dict[str, Any]) -> Any:
    return async_get_clientsession(hass, verify_ssl=bool(data.get(CONF_VERIFY_SSL, True)))


def create_ollama_client(hass: HomeAssistant, data: dict[str, Any]) -> OllamaClient:
    """An Ollama client for entry (or flow) data."""
    return OllamaClient(
        str(data[CONF_URL]), session=_session(hass, data), token=data.get(CONF_TOKEN) or None
    )


def create_paperless_client(hass: HomeAssistant, data: dict[str, Any]) -> PaperlessClient:
    """A Paperless-ngx client for entry (or flow) data."""
    return PaperlessClient(str(data[CONF_URL]), str(data[CONF_TOKEN]), session=_session(hass, data))


def create_paperless_ai_client(
    hass: HomeAssistant, data: dict[str, Any]
) -> PaperlessAIClient | None:
    """A Paperless-AI client when the data has its URL."""
    if not data.get(CONF_AI_URL):
        return None
    return PaperlessAIClient(
        str(data[CONF_AI_URL]), str(data.get(CONF_AI_API_KEY) or ""), session=_session(hass, data)
    )


def create_n8n_client(hass: HomeAssistant, data: dict[str, Any]) -> N8nClient:
    """An n8n client for entry (or flow) data."""
    return N8nClient(str(data[CONF_URL]), str(data[CONF_API_KEY]), session=_session(hass, data))


def _register_device(
    hass: HomeAssistant,
    entry: PipelineConfigEntry,
    *,
    manufacturer: str,
    model: str,
    sw_version: str | UndefinedType | None = UNDEFINED,
    configuration_url: str | UndefinedType = UNDEFINED,
) -> dr.DeviceEntry:
    """The entry's service device, named after the entry."""
    return dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={service_identifier(entry)},
        name=entry.title,
        manufacturer=manufacturer,
        model=model,
        sw_version=sw_version,
        entry_type=dr.DeviceEntryType.SERVICE,
        configuration_url=configuration_url,
    )


async def _first_refresh(coordinator: ServiceCoordinator[Any], carried: list[LinkedApp]) -> None:
    """Fetch once: not ready while the service is down, unless the entry carries an app."""
    if not carried:
        await coordinator.async_config_entry_first_refresh()
        return
    await coordinator.async_refresh()
    if isinstance(coordinator.last_exception, ConfigEntryAuthFailed):
        raise coordinator.last_exception


async def _async_setup_ollama(
    hass: HomeAssistant, entry: OllamaConfigEntry, carried: list[LinkedApp]
) -> None:
    ollama = OllamaCoordinator(hass, entry, create_ollama_client(hass, dict(entry.data)))
    await _first_refresh(ollama, carried)
    _register_device(
        hass,
        entry,
        manufacturer="Ollama",
        model="Ollama",
        sw_version=ollama.data.version if ollama.data else UNDEFINED,
    )
    entry.runtime_data = OllamaRuntimeData(coordinator=ollama, carried=carried)


async def _async_setup_paperless(
    hass: HomeAssistant, entry: PaperlessConfigEntry, carried: list[LinkedApp]
) -> None:
    data = dict(entry.data)
    ai_client = create_paperless_ai_client(hass, data)
    paperless = PaperlessCoordinator(
        hass, entry, create_paperless_client(hass, data), with_ai=ai_client is not None
    )
    await _first_refresh(paperless, carried)
    ai = PaperlessAICoordinator(hass, entry, ai_client) if ai_client else None
    if ai is not None:
        # Paperless-AI being down must not keep Paperless-ngx's sensors away: its own
        # entities stay unavailable until it answers (a refused key still starts a reauth).
        await ai.async_refresh()
    device = _register_device(
        hass,
        entry,
        manufacturer="Paperless-ngx",
        model=(
            f"Paperless-ngx (API {paperless.data.api_version})"
            if paperless.data
            else "Paperless-ngx"
        ),
        sw_version=paperless.data.server_version if paperless.data else UNDEFINED,
        configuration_url=str(data[CONF_URL]),
    )
    devices = dr.async_get(hass)
    if ai is None and (
        stale := devices.async_get_device_by_identifier(
            service_identifier(entry, PAPERLESS_AI), entry.entry_id
        )
    ):
        # Paperless-AI was removed from the entry: its device and entities go too.
        devices.async_remove_device(stale.id)
    entry.runtime_data = PaperlessRuntimeData(
        coordinator=paperless,
        device_id=device.id,
        ai_coordinator=ai,
        carried=carried,
    )


async def _async_setup_n8n(
    hass: HomeAssistant, entry: N8nConfigEntry, carried: list[LinkedApp]
) -> None:
    n8n = N8nCoordinator(hass, entry, create_n8n_client(hass, dict(entry.data)))
    await _first_refresh(n8n, carried)
    _register_device(
        hass, entry, manufacturer="n8n", model="n8n", configuration_url=str(entry.data[CONF_URL])
    )
    entry.runtime_data = N8nRuntimeData(coordinator=n8n, carried=carried)

    @callback
    def _announce() -> None:
        async_dispatcher_send(hass, SIGNAL_PIPELINE_UPDATED)

    # The pipeline depth (on the Paperless-ngx entry) adds n8n's running executions.
    entry.async_on_unload(n8n.async_add_listener(_announce))
    # ...and notices when this entry finishes loading or starts unloading.
    entry.async_on_unload(entry.async_on_state_change(_announce))


async def async_setup_entry(hass: HomeAssistant, entry: PipelineConfigEntry) -> bool:
    """Fetch once (errors raise ConfigEntryNotReady / ConfigEntryAuthFailed), then the platforms.

    An entry that carries a TrueNAS app (links.py) is set up even while its service is down:
    the app's state and restart button matter most then; the service's entities wait.
    """
    carried = linked_apps(hass, entry)
    if is_ollama_entry(entry):
        await _async_setup_ollama(hass, entry, carried)
    elif is_paperless_entry(entry):
        await _async_setup_paperless(hass, entry, carried)
    else:
        await _async_setup_n8n(hass, entry, carried)
    await hass.config_entries.async_forward_entry_setups(entry, PIPELINE_PLATFORMS)
    async_settle_carried(hass, entry, carried)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: PipelineConfigEntry) -> bool:
    """Unload the platforms (the clients use Home Assistant's shared session: nothing to close)."""
    return await hass.config_entries.async_unload_platforms(entry, PIPELINE_PLATFORMS)


def loaded_pipeline_entries[EntryT](
    hass: HomeAssistant, is_kind: Callable[[ConfigEntry[Any]], TypeIs[EntryT]]
) -> list[EntryT]:
    """The loaded entries of one kind (`is_kind`: `is_ollama_entry`, ...)."""
    return [entry for entry in hass.config_entries.async_loaded_entries(DOMAIN) if is_kind(entry)]


def async_remove_config_entry_device(entry: PipelineConfigEntry, device: dr.DeviceEntry) -> bool:
    """Only a device the entry no longer uses may be removed (Paperless-AI after it was dropped)."""
    used = {service_identifier(entry)}
    if is_paperless_entry(entry):
        used.add(service_identifier(entry, PIPELINE))
        if entry.runtime_data.ai_coordinator is not None:
            used.add(service_identifier(entry, PAPERLESS_AI))
    return not device.identifiers & used
