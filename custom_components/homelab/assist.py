"""Intents for Assist: questions about the lab, answered from what the user exposed.

Home Assistant offers custom integrations no supported way to add sentences to its default
conversation agent, and Home Lab adds none: nothing here matches a sentence by itself, so no
sentence ("is the sun up", "restart the router") is taken away from other intents, the user's
own sentence triggers or a fall-back LLM agent.

What Home Lab registers are intents (`homeassistant.helpers.intent`). A user who wants the
questions below answered by the default agent copies `sentences/en/homelab.yaml` into
`<config>/custom_sentences/en/` (Home Assistant's supported way to add sentences); without it
the built-in intents still answer from exposed entities ("what is the tank usage", "what is the
Paperless-ngx queued tasks"), and LLM agents have the Home Lab LLM API.

- `HomeLabQueuedDocuments`: how many documents Paperless-ngx has queued or is processing.
- `HomeLabPoolUsage` (slot `pool`): how full a pool is.
- `HomeLabHealth`: whether the NAS is healthy (connection, pools, alerts).
- `HomeLabAppRunning` (slot `app`): whether an app runs.

Every answer comes only from devices the user exposed to the assistant asking (one exposed
entity of a device is enough). The intents only read: voice never starts, stops or restarts
anything through them (see the README's "Voice and LLMs").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, override

from homeassistant.components.conversation import DOMAIN as CONVERSATION_DOMAIN
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, intent

from .entries import loaded_truenas_entries
from .nas.runtime import TrueNASConfigEntry
from .pipeline.entry import is_paperless_entry, loaded_pipeline_entries
from .targets import (
    KIND_APP,
    KIND_POOL,
    KIND_SYSTEM,
    entry_devices_exposed,
    object_device,
    owned_objects,
)

INTENT_QUEUED_DOCUMENTS = "HomeLabQueuedDocuments"
INTENT_POOL_USAGE = "HomeLabPoolUsage"
INTENT_HEALTH = "HomeLabHealth"
INTENT_APP_RUNNING = "HomeLabAppRunning"


class ExposedObject(NamedTuple):
    """A TrueNAS object exposed to Assist: its entry, its key there and its device."""

    entry: TrueNASConfigEntry
    key: Any
    device: dr.DeviceEntry


def _norm(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def _exposed_devices(
    intent_obj: intent.Intent, entry: ConfigEntry[Any], kinds: set[str] | None = None
) -> list[tuple[Any, dr.DeviceEntry]]:
    """(key, device) of the entry's objects (of `kinds`) whose device is exposed to Assist."""
    hass = intent_obj.hass
    exposed = entry_devices_exposed(hass, intent_obj.assistant or CONVERSATION_DOMAIN)
    return [
        (key, device)
        for identifier, (kind, key) in owned_objects(entry).items()
        if kinds is None or kind in kinds
        if (device := object_device(hass, entry, identifier)) is not None and device.id in exposed
    ]


def _exposed_objects(intent_obj: intent.Intent, kind: str) -> list[ExposedObject]:
    """Every exposed TrueNAS object of `kind`."""
    return [
        ExposedObject(entry, key, device)
        for entry in loaded_truenas_entries(intent_obj.hass)
        for key, device in _exposed_devices(intent_obj, entry, {kind})
    ]


def _spoken_match(spoken: str, *names: str | None) -> bool:
    wanted = _norm(spoken)
    return bool(wanted) and wanted in {_norm(name) for name in names if name}


def _say(intent_obj: intent.Intent, text: str) -> intent.IntentResponse:
    response = intent_obj.create_response()
    response.async_set_speech(text)
    return response


class _HomeLabIntent(intent.IntentHandler):
    """Read-only: no side effects, whatever the slots say."""

    platforms = None


class QueuedDocumentsIntent(_HomeLabIntent):
    """How many documents are queued in Paperless-ngx."""

    intent_type = INTENT_QUEUED_DOCUMENTS
    description = "Tells how many documents Paperless-ngx has queued or is processing"

    @override
    async def async_handle(self, intent_obj: intent.Intent) -> intent.IntentResponse:
        queued = processing = 0
        seen = False
        for entry in loaded_pipeline_entries(intent_obj.hass, is_paperless_entry):
            data = entry.runtime_data.coordinator.data
            if data is None or not _exposed_devices(intent_obj, entry):
                continue
            seen = True
            queued += data.queue.pending
            processing += data.queue.started
        if not seen:
            return _say(intent_obj, "No Paperless-ngx is exposed to Assist.")
        documents = "document" if queued == 1 else "documents"
        return _say(intent_obj, f"{queued} {documents} queued, {processing} being processed.")


class NamedObjectIntent(_HomeLabIntent):
    """About the exposed object of one kind named in the slot of the same name."""

    def __init__(
        self,
        intent_type: str,
        description: str,
        kind: str,
        answer: Callable[[ExposedObject, str], str | None],
    ) -> None:
        """`answer(object, spoken)`: the answer when `spoken` names `object`, else None."""
        self.intent_type = intent_type
        self.description = description
        self.kind = kind
        self.answer = answer

    @property
    @override
    def slot_schema(self) -> dict[Any, Any]:
        return {self.kind: intent.non_empty_string}

    @override
    async def async_handle(self, intent_obj: intent.Intent) -> intent.IntentResponse:
        spoken = str(intent_obj.slots[self.kind]["value"])
        for found in _exposed_objects(intent_obj, self.kind):
            if (answer := self.answer(found, spoken)) is not None:
                return _say(intent_obj, answer)
        return _say(intent_obj, f"No {self.kind} called {spoken} is exposed to Assist.")


def _pool_usage(found: ExposedObject, spoken: str) -> str | None:
    """How full a pool is."""
    entry, name, device = found
    if not _spoken_match(spoken, name, device.name_by_user):
        return None
    pool = entry.runtime_data.coordinator.data.pools[name]
    if pool.used_percent is None:
        return f"I don't know how full {name} is."
    return f"{name} is {round(pool.used_percent)}% full."


def _app_running(found: ExposedObject, spoken: str) -> str | None:
    """Whether an app runs."""
    entry, name, device = found
    app = entry.runtime_data.apps.data.get(name)
    if app is None or not _spoken_match(spoken, app.name, app.title, device.name_by_user):
        return None
    title = device.name_by_user or app.title or app.name
    if app.state == "RUNNING":
        return f"Yes, {title} is running."
    return f"No, {title} is {app.state.lower()}."


class HealthIntent(_HomeLabIntent):
    """Whether the NAS is healthy: connected, every pool online, no warning or worse alert."""

    intent_type = INTENT_HEALTH
    description = "Tells whether the NAS is healthy: connection, pools and alerts"

    @override
    async def async_handle(self, intent_obj: intent.Intent) -> intent.IntentResponse:
        answers: list[str] = []
        for entry, _key, device in _exposed_objects(intent_obj, KIND_SYSTEM):
            runtime = entry.runtime_data
            name = device.name_by_user or device.name or entry.title
            if not runtime.client.connected:
                answers.append(f"{name} is not connected.")
                continue
            data = runtime.coordinator.data
            problems = [
                f"pool {pool_name} is {pool.status.lower()}"
                for pool_name, pool in sorted(data.pools.items())
                if pool.status != "ONLINE"
            ]
            alerts = [a for a in data.active_alerts if a.level not in {"INFO", "NOTICE"}]
            if alerts:
                problems.append(f"{len(alerts)} alert{'s' if len(alerts) > 1 else ''}")
            if problems:
                answers.append(f"No, {name} has problems: {', '.join(problems)}.")
            else:
                answers.append(f"Yes, {name} is healthy.")
        if not answers:
            return _say(intent_obj, "No NAS is exposed to Assist.")
        return _say(intent_obj, " ".join(answers))


@callback
def async_setup_intents(hass: HomeAssistant) -> None:
    """Register the read-only intents (sentences for them are the user's choice)."""
    for handler in (
        QueuedDocumentsIntent(),
        NamedObjectIntent(
            INTENT_POOL_USAGE, "Tells how full a ZFS pool of the NAS is", KIND_POOL, _pool_usage
        ),
        HealthIntent(),
        NamedObjectIntent(
            INTENT_APP_RUNNING, "Tells whether an app on the NAS is running", KIND_APP, _app_running
        ),
    ):
        intent.async_register(hass, handler)
