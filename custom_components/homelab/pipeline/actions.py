"""Actions of the pipeline: `homelab.reprocess_documents`, `homelab.load_model`, `homelab.unload_model`.

Reprocessing asks Paperless-ngx to run OCR and metadata extraction again on the stored original
of each document (the "reprocess" of its bulk editor): nothing is deleted, the original file is
untouched, and notes, tags and custom fields stay. A limit (50 by default) caps how many documents
one call queues, so a mistyped tag cannot send the whole archive through the pipeline again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, TypeIs

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.helpers.target import TargetSelection
from homeassistant.util.json import JsonValueType
import probatio as vol

from ..clients.ollama import OllamaBusyError, OllamaError, OllamaModelNotFoundError
from ..clients.paperless import (
    PaperlessAuthenticationError,
    PaperlessBadRequestError,
    PaperlessError,
    PaperlessPermissionError,
)
from ..const import DOMAIN, EntryType
from ..targets import TARGET_FIELDS, device_label, resolve_targets
from .const import SERVICE_NAMES
from .entry import PipelineConfigEntry, is_ollama_entry, is_paperless_entry, loaded_pipeline_entries
from .ollama import OllamaCoordinator

ATTR_DOCUMENT_IDS: Final = "document_ids"
ATTR_TAG: Final = "tag"
ATTR_LIMIT: Final = "limit"
ATTR_REMOVE_TAG: Final = "remove_tag"

REPROCESS_SCHEMA = vol.Schema(
    {
        **TARGET_FIELDS,
        vol.Optional(ATTR_DOCUMENT_IDS): vol.All(
            cv.ensure_list, [vol.All(vol.Coerce(int), vol.Range(min=1))]
        ),
        vol.Optional(ATTR_TAG): vol.All(cv.string, vol.Length(min=1)),
        # How many documents one call queues at most: 50 unless the call says otherwise.
        vol.Optional(ATTR_LIMIT, default=50): vol.All(vol.Coerce(int), vol.Range(min=1, max=500)),
        vol.Optional(ATTR_REMOVE_TAG, default=False): cv.boolean,
    }
)

ATTR_MODEL: Final = "model"
ATTR_KEEP_ALIVE: Final = "keep_alive"

LOAD_MODEL_SCHEMA = vol.Schema(
    {
        **TARGET_FIELDS,
        vol.Required(ATTR_MODEL): vol.All(cv.string, vol.Length(min=1)),
        vol.Optional(ATTR_KEEP_ALIVE): vol.All(vol.Coerce(int), vol.Range(min=-1)),
    }
)
UNLOAD_MODEL_SCHEMA = vol.Schema(
    {**TARGET_FIELDS, vol.Required(ATTR_MODEL): vol.All(cv.string, vol.Length(min=1))}
)


def _entries[EntryT: PipelineConfigEntry](
    call: ServiceCall, kind: EntryType, is_kind: Callable[[ConfigEntry[Any]], TypeIs[EntryT]]
) -> list[EntryT]:
    """The loaded entries of `kind` the call targets; any other target named directly is refused.

    Without a target, every loaded entry of `kind` (there is usually one Ollama, one Paperless-ngx).
    """
    hass = call.hass
    if not TargetSelection(call.data).has_any_target:
        loaded = loaded_pipeline_entries(hass, is_kind)
        if not loaded:
            raise ServiceValidationError(translation_domain=DOMAIN, translation_key="no_target")
        return loaded

    def wrong_target(device: dr.AnyDeviceEntry, _entry: ConfigEntry[Any]) -> ServiceValidationError:
        return ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="wrong_target",
            translation_placeholders={
                "target": device_label(device),
                "service": SERVICE_NAMES[kind],
            },
        )

    entries = {
        target.entry.entry_id: target.entry
        for target in resolve_targets(hass, call, {kind.value}, wrong_target)
        if is_kind(target.entry)
    }
    return list(entries.values())


def _failed(service: str, err: Exception) -> HomeAssistantError:
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key="action_failed",
        translation_placeholders={"service": service, "error": str(err)},
    )


# ---------------------------------------------------------------- Paperless-ngx


def _tag_missing(payload: Any) -> bool:
    errors = payload.get("non_field_errors") if isinstance(payload, dict) else None
    return isinstance(errors, list) and any("Tag does not exist" in str(e) for e in errors)


async def _reprocess(call: ServiceCall) -> ServiceResponse:
    entries = _entries(call, EntryType.PAPERLESS, is_paperless_entry)
    if len(entries) != 1:
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="one_paperless")
    runtime = entries[0].runtime_data
    ids: list[int] | None = call.data.get(ATTR_DOCUMENT_IDS)
    tag_name: str | None = call.data.get(ATTR_TAG)
    limit: int = call.data[ATTR_LIMIT]
    if ids is None and tag_name is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="ids_or_tag_required"
        )
    if ids is not None and tag_name is not None:
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="ids_and_tag")
    if ids is not None and not ids:
        # An empty list queues nothing: most likely a template that rendered to nothing.
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="no_document_ids")
    if call.data[ATTR_REMOVE_TAG] and tag_name is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="remove_tag_needs_tag"
        )
    client = runtime.coordinator.client
    skipped: list[dict[str, Any]] = []
    queued: list[int] = []
    tag_id: int | None = None
    try:
        if tag_name is not None:
            tag = await client.find_tag(tag_name)
            if tag is None:
                raise ServiceValidationError(
                    translation_domain=DOMAIN,
                    translation_key="unknown_tag",
                    translation_placeholders={"tag": tag_name},
                )
            tag_id = tag.id
            page = await client.documents_with_tag(tag.id, limit=limit)
            queued = list(page.ids[:limit])
            skipped.extend({"id": doc, "reason": "limit"} for doc in page.all_ids[limit:])
        else:
            assert ids is not None  # noqa: S101 - checked above
            unique = list(dict.fromkeys(ids))
            duplicates = [doc for index, doc in enumerate(ids) if doc in ids[:index]]
            skipped.extend({"id": doc, "reason": "duplicate"} for doc in dict.fromkeys(duplicates))
            queued = unique[:limit]
            skipped.extend({"id": doc, "reason": "limit"} for doc in unique[limit:])
        if queued:
            await client.reprocess(queued)
            if call.data[ATTR_REMOVE_TAG] and tag_id is not None:
                await client.remove_tag(queued, tag_id)
    except PaperlessBadRequestError as err:
        if _tag_missing(err.payload):
            # The tag was deleted meanwhile: {"non_field_errors": ["Tag does not exist"]}.
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="unknown_tag",
                translation_placeholders={"tag": tag_name or str(tag_id)},
            ) from err
        # Paperless-ngx refuses the whole list when one id does not exist: say which.
        missing = sorted(set(queued) - await client.existing_documents(queued))
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="unknown_documents",
            translation_placeholders={"ids": ", ".join(str(doc) for doc in missing) or "?"},
        ) from err
    except PaperlessPermissionError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="permission_denied",
            translation_placeholders={"service": "Paperless-ngx"},
        ) from err
    except PaperlessAuthenticationError as err:
        entries[0].async_start_reauth(call.hass)
        raise _failed("Paperless-ngx", err) from err
    except PaperlessError as err:
        raise _failed("Paperless-ngx", err) from err
    runtime.coordinator.force_full_read()
    await runtime.coordinator.async_refresh()
    if not call.return_response:
        return None
    response: dict[str, JsonValueType] = {"queued": [*queued], "skipped": [*skipped]}
    return response


# ---------------------------------------------------------------- Ollama


def _ollama_coordinators(call: ServiceCall) -> list[OllamaCoordinator]:
    return [
        entry.runtime_data.coordinator
        for entry in _entries(call, EntryType.OLLAMA, is_ollama_entry)
    ]


def _unknown_model(model: str, entry: str, *, unloading: bool) -> ServiceValidationError:
    # Loading an unknown model: pull it. Unloading one: there is nothing to unload (Ollama answers
    # 404 "model '...' not found" to keep_alive 0 for a model it does not have).
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="unload_unknown_model" if unloading else "model_not_installed",
        translation_placeholders={"model": model, "entry": entry},
    )


def _installed_name(coordinator: OllamaCoordinator, model: str, *, unloading: bool = False) -> str:
    """The installed model's full name (`llama3.2` is `llama3.2:latest`), or a refusal."""
    names = {installed.name for installed in coordinator.data.installed}
    for candidate in (model, f"{model}:latest"):
        if candidate in names:
            return candidate
    raise _unknown_model(model, coordinator.config_entry.title, unloading=unloading)


def _ollama_error(
    err: OllamaError, model: str, entry: str, *, unloading: bool = False
) -> HomeAssistantError:
    if isinstance(err, OllamaModelNotFoundError):
        return _unknown_model(model, entry, unloading=unloading)
    if isinstance(err, OllamaBusyError):
        return HomeAssistantError(translation_domain=DOMAIN, translation_key="ollama_busy")
    return _failed("Ollama", err)


async def _load_model(call: ServiceCall) -> None:
    model: str = call.data[ATTR_MODEL].strip()
    keep_alive: int | None = call.data.get(ATTR_KEEP_ALIVE)
    for coordinator in _ollama_coordinators(call):
        name = _installed_name(coordinator, model)
        try:
            await coordinator.client.load_model(name, keep_alive=keep_alive)
        except OllamaError as err:
            raise _ollama_error(err, name, coordinator.config_entry.title) from err
        await coordinator.async_refresh()


async def async_unload_models(coordinator: OllamaCoordinator, models: list[str] | None) -> None:
    """Unload `models` (`None`: every loaded one), then refresh. Used by the button too."""
    try:
        if models is None:
            running = await coordinator.client.running_models()
            models = [model.name for model in running.models]
        for model in models:
            await coordinator.client.unload_model(model)
    except OllamaError as err:
        raise _ollama_error(
            err, ", ".join(models or []), coordinator.config_entry.title, unloading=True
        ) from err
    await coordinator.async_refresh()


async def _unload_model(call: ServiceCall) -> None:
    model: str = call.data[ATTR_MODEL].strip()
    for coordinator in _ollama_coordinators(call):
        name = _installed_name(coordinator, model, unloading=True)
        await async_unload_models(coordinator, [name])


def async_register(hass: HomeAssistant) -> None:
    """Register the pipeline's actions."""
    for service, handler, schema, response in (
        ("reprocess_documents", _reprocess, REPROCESS_SCHEMA, SupportsResponse.OPTIONAL),
        ("load_model", _load_model, LOAD_MODEL_SCHEMA, SupportsResponse.NONE),
        ("unload_model", _unload_model, UNLOAD_MODEL_SCHEMA, SupportsResponse.NONE),
    ):
        hass.services.async_register(
            DOMAIN, service, handler, schema=schema, supports_response=response
        )
