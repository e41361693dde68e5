"""Sentences for Assist's default agent that the built-in intents do not cover.

"what is the tank status" works out of the box (HassGetState on "tank Status"). Apps need two
more: "is Paperless running" (the built-in intents cannot tell an app from its entities) and
"press Paperless restart" (English has no built-in sentence for pressing a button). Restart
goes through `homelab.restart_app`, the same validated path as the button. English only.
"""

from __future__ import annotations

import re
from typing import Any

from hassil.recognize import RecognizeResult
from homeassistant.components.conversation import ConversationInput
from homeassistant.components.conversation.agent_manager import get_agent_manager
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_DEVICE_ID
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_when_setup

from .const import CONF_ENTRY_TYPE, DOMAIN, EntryType
from .coordinator import app_identifier
from .truenas import App

RUNNING_SENTENCES = ["is [the] {app} [app] running", "is [the] {app} [app] up"]
RESTART_SENTENCES = ["press [the] {app} restart [button]", "restart [the] {app} [app]"]
# What people call the lab's apps when they speak.
SPOKEN_ALIASES: dict[str, tuple[str, ...]] = {
    "paperless-ngx": ("paperless",),
    "paperless-ai": ("paperless ai",),
    "qbittorrent": ("torrent", "torrents", "q bittorrent"),
    "litellm": ("lite llm",),
    "n8n": ("n 8 n", "n eight n"),
}


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def find_app(hass: HomeAssistant, spoken: str) -> tuple[Any, App] | None:
    """The loaded TrueNAS entry and app a spoken name refers to (exact names first)."""
    wanted = _norm(spoken)
    candidates: list[tuple[int, Any, App]] = []
    for entry in hass.config_entries.async_entries(DOMAIN):
        if (
            entry.state is not ConfigEntryState.LOADED
            or entry.data.get(CONF_ENTRY_TYPE, EntryType.TRUENAS) != EntryType.TRUENAS
        ):
            continue
        for app in entry.runtime_data.apps.data.values():
            names = {_norm(app.name), _norm(app.title or "")}
            if wanted in names:
                candidates.append((0, entry, app))
            elif wanted in {_norm(alias) for alias in SPOKEN_ALIASES.get(app.name, ())}:
                candidates.append((1, entry, app))
    if not candidates:
        return None
    _rank, entry, app = min(candidates, key=lambda item: item[0])
    return entry, app


def _spoken(result: RecognizeResult) -> str:
    return str(result.entities["app"].value).strip()


@callback
def async_setup_assist(hass: HomeAssistant) -> None:
    """Register the sentences once the conversation integration is set up."""

    async def is_running(_user_input: ConversationInput, result: RecognizeResult) -> str:
        spoken = _spoken(result)
        found = find_app(hass, spoken)
        if found is None:
            return f"I don't know an app called {spoken}."
        app = found[1]
        title = app.title or app.name
        if app.state == "RUNNING":
            return f"Yes, {title} is running."
        return f"No, {title} is {app.state.lower()}."

    async def restart(user_input: ConversationInput, result: RecognizeResult) -> str:
        spoken = _spoken(result)
        found = find_app(hass, spoken)
        if found is None:
            return f"I don't know an app called {spoken}."
        entry, app = found
        device = dr.async_get(hass).async_get_device_by_identifier(
            app_identifier(entry, app.name), entry.entry_id
        )
        title = app.title or app.name
        if device is None:  # pragma: no cover - every app has a device
            return f"I can't find the device of {title}."
        try:
            await hass.services.async_call(
                DOMAIN,
                "restart_app",
                {ATTR_DEVICE_ID: device.id},
                blocking=True,
                context=user_input.context,
            )
        except HomeAssistantError as err:
            return f"I couldn't restart {title}: {err}"
        return f"Restarting {title}."

    async def register(hass: HomeAssistant, _component: str) -> None:
        manager = get_agent_manager(hass)
        manager.register_trigger(RUNNING_SENTENCES, is_running)
        manager.register_trigger(RESTART_SENTENCES, restart)

    async_when_setup(hass, "conversation", register)
