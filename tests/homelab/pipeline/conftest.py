"""Fixtures for the pipeline's entries: Ollama, Paperless-ngx (+ Paperless-AI) and n8n.

They point at the simulator's HTTP services (the `lab` fixture: real loopback sockets). Its lab
clock starts at the pinned moment; here it is frozen at once, and tests move it with `advance`.
"""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homelab.const import CONF_ENTRY_TYPE, CONF_VERIFY_SSL, DOMAIN, EntryType
from custom_components.homelab.pipeline.const import (
    CONF_AI_API_KEY,
    CONF_AI_URL,
    CONF_API_KEY,
    CONF_TOKEN,
    CONF_URL,
)
from tests.common import LabHandle


def section(lab: LabHandle, name: str) -> Any:
    """The scenario's section of a service."""
    return lab.scenario.sections[name]


def ollama_data(lab: LabHandle, **overrides: Any) -> dict[str, Any]:
    """Entry data for the simulated Ollama."""
    return {
        CONF_ENTRY_TYPE: EntryType.OLLAMA.value,
        CONF_URL: lab.simulator.service_url("ollama"),
        CONF_VERIFY_SSL: True,
        **overrides,
    }


def paperless_data(lab: LabHandle, *, ai: bool = True, **overrides: Any) -> dict[str, Any]:
    """Entry data for the simulated Paperless-ngx (and Paperless-AI)."""
    data: dict[str, Any] = {
        CONF_ENTRY_TYPE: EntryType.PAPERLESS.value,
        CONF_URL: lab.simulator.service_url("paperless"),
        CONF_VERIFY_SSL: True,
        CONF_TOKEN: section(lab, "paperless").token,
    }
    if ai:
        data[CONF_AI_URL] = lab.simulator.service_url("paperless_ai")
        data[CONF_AI_API_KEY] = section(lab, "paperless_ai").api_key
    return {**data, **overrides}


def n8n_data(lab: LabHandle, **overrides: Any) -> dict[str, Any]:
    """Entry data for the simulated n8n."""
    return {
        CONF_ENTRY_TYPE: EntryType.N8N.value,
        CONF_URL: lab.simulator.service_url("n8n"),
        CONF_VERIFY_SSL: True,
        CONF_API_KEY: section(lab, "n8n").api_key,
        **overrides,
    }


def make_entry(kind: EntryType, data: dict[str, Any], **kwargs: Any) -> MockConfigEntry:
    """A config entry like the config flow creates."""
    titles = {
        EntryType.OLLAMA: "Ollama",
        EntryType.PAPERLESS: "Paperless-ngx",
        EntryType.N8N: "n8n",
    }
    # A fixed entry id: unique ids of entities are built from it (and snapshotted).
    options: dict[str, Any] = {
        "entry_id": f"{kind.value}_entry_id",
        "unique_id": f"{kind.value}_{data[CONF_URL]}",
        **kwargs,
    }
    return MockConfigEntry(domain=DOMAIN, title=titles[kind], data=data, **options)


async def setup_entry(hass: HomeAssistant, entry: MockConfigEntry) -> MockConfigEntry:
    """Add and set up an entry."""
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def freeze(lab: LabHandle) -> None:
    """Stop the lab clock (values stay put between requests)."""
    await lab.control("POST", "/control/services/clock", {"freeze": True})


async def advance(lab: LabHandle, seconds: float) -> None:
    """Move the lab clock forward."""
    await lab.control("POST", "/control/services/clock", {"advance": seconds})


@pytest.fixture(autouse=True)
def frozen_services(lab: LabHandle) -> None:
    """Stop the lab clock as soon as the simulator runs: the scenario's pinned times hold."""
    lab.simulator.control_sync("POST", "/control/services/clock", {"freeze": True})


@pytest.fixture
def ollama_entry(lab: LabHandle) -> MockConfigEntry:
    """An Ollama entry for the lab."""
    return make_entry(EntryType.OLLAMA, ollama_data(lab))


@pytest.fixture
def paperless_entry(lab: LabHandle) -> MockConfigEntry:
    """A Paperless-ngx entry with Paperless-AI for the lab."""
    return make_entry(EntryType.PAPERLESS, paperless_data(lab))


@pytest.fixture
def n8n_entry(lab: LabHandle) -> MockConfigEntry:
    """An n8n entry for the lab."""
    return make_entry(EntryType.N8N, n8n_data(lab))
