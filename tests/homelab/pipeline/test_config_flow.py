"""Config flow of the pipeline's entries against the simulator: add, errors, reauth, reconfigure, options."""

from __future__ import annotations

import json
from pathlib import Path
import re
from typing import Any
from unittest.mock import AsyncMock, patch

from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.config_validation import custom_serializer
import probatio
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homelab.const import CONF_ENTRY_TYPE, DOMAIN, EntryType
from custom_components.homelab.pipeline.config_flow import CHECKS, normalize_url
from custom_components.homelab.pipeline.const import (
    CONF_AI_API_KEY,
    CONF_AI_PROCESSED_TAG,
    CONF_AI_URL,
    CONF_API_KEY,
    CONF_KEEP_ALIVE,
    CONF_POLL_INTERVAL,
    CONF_STAGE_TAGS,
    CONF_STUCK_THRESHOLD,
    CONF_TOKEN,
    CONF_URL,
    DEFAULT_AI_PROCESSED_TAG,
)
from tests.common import LabHandle

from .conftest import make_entry, n8n_data, ollama_data, paperless_data, section, setup_entry

STRINGS = Path(__file__).parents[3] / "custom_components" / "homelab" / "strings.json"


def form(data: dict[str, Any]) -> dict[str, Any]:
    """What the user types: the entry data without the entry type."""
    return {key: value for key, value in data.items() if key != CONF_ENTRY_TYPE}


async def start(hass: HomeAssistant, step: str) -> str:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["truenas", "ollama", "paperless", "n8n"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": step}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == step
    return result["flow_id"]


@pytest.mark.parametrize(
    ("kind", "data_fn", "title"),
    [
        (EntryType.OLLAMA, ollama_data, "Ollama"),
        (EntryType.PAPERLESS, paperless_data, "Paperless-ngx"),
        (EntryType.N8N, n8n_data, "n8n"),
    ],
)
async def test_create(
    hass: HomeAssistant, lab: LabHandle, kind: EntryType, data_fn: Any, title: str
) -> None:
    flow_id = await start(hass, kind.value)
    data = data_fn(lab)
    result = await hass.config_entries.flow.async_configure(flow_id, form(data))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == title
    assert result["data"] == data
    assert result["result"].unique_id == f"{kind.value}_{data[CONF_URL]}"
    await hass.async_block_till_done()
    # The same service again is refused.
    flow_id = await start(hass, kind.value)
    result = await hass.config_entries.flow.async_configure(flow_id, form(data))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "service_already_configured"


async def test_url_is_normalised(hass: HomeAssistant, lab: LabHandle) -> None:
    flow_id = await start(hass, "ollama")
    url = lab.simulator.service_url("ollama")
    assert url is not None
    result = await hass.config_entries.flow.async_configure(
        flow_id,
        {
            CONF_URL: f" {url.removeprefix('http://').upper()}/ ",
            "verify_ssl": True,
            CONF_TOKEN: " ",
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == ollama_data(lab)


def test_normalize_url() -> None:
    assert normalize_url("nas:30068") == "http://nas:30068"
    assert normalize_url("https://NAS.local:8443/ollama/?x=1#y") == "https://nas.local:8443/ollama"
    assert normalize_url("") is None
    assert normalize_url("ftp://nas") is None
    assert normalize_url("http://") is None
    assert normalize_url("http://[::1") is None


@pytest.mark.parametrize(
    ("step", "data_fn", "setup", "overrides", "errors"),
    [
        ("ollama", ollama_data, None, {CONF_URL: "not a url"}, {CONF_URL: "invalid_url"}),
        (
            "ollama",
            ollama_data,
            None,
            {CONF_URL: "http://127.0.0.1:9"},
            {"base": "service_cannot_connect"},
        ),
        (
            "ollama",
            ollama_data,
            ("/control/ollama/token", {"token": "proxy-secret"}),
            {},
            {"base": "service_invalid_auth"},
        ),
        (
            "ollama",
            ollama_data,
            ("/control/ollama/fault", {"garbage": True, "count": 1}),
            {},
            {"base": "invalid_response"},
        ),
        (
            "ollama",
            ollama_data,
            ("/control/ollama/fault", {"status": 404, "count": 1}),
            {},
            {"base": "invalid_response"},
        ),
        (
            "paperless",
            paperless_data,
            None,
            {CONF_TOKEN: "0" * 40},
            {"base": "service_invalid_auth"},
        ),
        (
            "paperless",
            paperless_data,
            ("/control/paperless/fault", {"status": 406, "count": 1}),
            {},
            {"base": "unsupported_version"},
        ),
        (
            "paperless",
            paperless_data,
            None,
            {CONF_AI_API_KEY: "wrong"},
            {CONF_AI_API_KEY: "ai_invalid_auth"},
        ),
        (
            "paperless",
            paperless_data,
            None,
            {CONF_AI_URL: "http://127.0.0.1:9"},
            {CONF_AI_URL: "ai_cannot_connect"},
        ),
        ("paperless", paperless_data, None, {CONF_AI_URL: "::"}, {CONF_AI_URL: "invalid_url"}),
        ("n8n", n8n_data, None, {CONF_API_KEY: "wrong"}, {"base": "service_invalid_auth"}),
    ],
)
async def test_errors_then_recovers(
    hass: HomeAssistant,
    lab: LabHandle,
    step: str,
    data_fn: Any,
    setup: tuple[str, dict[str, Any]] | None,
    overrides: dict[str, Any],
    errors: dict[str, str],
) -> None:
    flow_id = await start(hass, step)
    if setup is not None:
        await lab.control("POST", *setup)
    result = await hass.config_entries.flow.async_configure(
        flow_id, form(data_fn(lab, **overrides))
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    await lab.control("POST", "/control/ollama/token", {"token": None})
    result = await hass.config_entries.flow.async_configure(flow_id, form(data_fn(lab)))
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_unexpected_error(hass: HomeAssistant, lab: LabHandle) -> None:
    flow_id = await start(hass, "n8n")
    with patch.dict(CHECKS, {EntryType.N8N: AsyncMock(side_effect=RuntimeError)}):
        result = await hass.config_entries.flow.async_configure(flow_id, form(n8n_data(lab)))
    assert result["errors"] == {"base": "unknown"}


async def test_reauth_paperless_keeps_the_ai_key(
    hass: HomeAssistant, lab: LabHandle, paperless_entry: MockConfigEntry
) -> None:
    await setup_entry(hass, paperless_entry)
    await lab.control("POST", "/control/paperless/token", {"token": "a" * 40})
    result = await paperless_entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_paperless"
    assert result["description_placeholders"]["url"] == lab.simulator.service_url("paperless")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_TOKEN: "b" * 40}
    )
    assert result["errors"] == {"base": "service_invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_TOKEN: "a" * 40}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert paperless_entry.data[CONF_TOKEN] == "a" * 40
    assert paperless_entry.data[CONF_AI_API_KEY] == section(lab, "paperless_ai").api_key


async def test_reauth_ollama_can_drop_the_token(hass: HomeAssistant, lab: LabHandle) -> None:
    entry = make_entry(EntryType.OLLAMA, ollama_data(lab, token="old"))
    await setup_entry(hass, entry)
    result = await entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_ollama"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["reason"] == "reauth_successful"
    assert CONF_TOKEN not in entry.data


async def test_reauth_n8n(hass: HomeAssistant, lab: LabHandle, n8n_entry: MockConfigEntry) -> None:
    await setup_entry(hass, n8n_entry)
    await lab.control("POST", "/control/n8n/api_key", {"api_key": "rotated"})
    result = await n8n_entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_n8n"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: "rotated"}
    )
    assert result["reason"] == "reauth_successful"
    assert n8n_entry.data[CONF_API_KEY] == "rotated"


async def test_reconfigure(
    hass: HomeAssistant,
    lab: LabHandle,
    ollama_entry: MockConfigEntry,
    n8n_entry: MockConfigEntry,
) -> None:
    await setup_entry(hass, ollama_entry)
    await setup_entry(hass, n8n_entry)
    result = await ollama_entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure_ollama"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: "http://127.0.0.1:9", "verify_ssl": True}
    )
    assert result["errors"] == {"base": "service_cannot_connect"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: lab.simulator.service_url("ollama"), "verify_ssl": True}
    )
    assert result["reason"] == "reconfigure_successful"
    # Another Ollama entry cannot move to the URL of the first one.
    other = make_entry(
        EntryType.OLLAMA,
        ollama_data(lab, url="http://127.0.0.1:9"),
        entry_id="other",
        unique_id="ollama_http://127.0.0.1:9",
    )
    other.add_to_hass(hass)
    result = await other.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: lab.simulator.service_url("ollama"), "verify_ssl": True}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "service_already_configured"
    result = await n8n_entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure_n8n"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: f"{lab.simulator.service_url('n8n')}/", "verify_ssl": False}
    )
    assert result["reason"] == "reconfigure_successful"
    assert n8n_entry.data["verify_ssl"] is False


async def test_reconfigure_paperless_drops_paperless_ai(
    hass: HomeAssistant, lab: LabHandle, paperless_entry: MockConfigEntry
) -> None:
    await setup_entry(hass, paperless_entry)
    devices = dr.async_get(hass)
    assert devices.async_get_device_by_identifier(
        (DOMAIN, f"{paperless_entry.entry_id}_paperless_ai"), paperless_entry.entry_id
    )
    result = await paperless_entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure_paperless"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: lab.simulator.service_url("paperless"), "verify_ssl": True}
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert CONF_AI_URL not in paperless_entry.data
    assert CONF_AI_API_KEY not in paperless_entry.data
    assert hass.states.get("sensor.paperless_ai_backlog") is None
    assert not devices.async_get_device_by_identifier(
        (DOMAIN, f"{paperless_entry.entry_id}_paperless_ai"), paperless_entry.entry_id
    )


async def test_options_ollama_and_n8n(
    hass: HomeAssistant, lab: LabHandle, ollama_entry: MockConfigEntry, n8n_entry: MockConfigEntry
) -> None:
    await setup_entry(hass, ollama_entry)
    await setup_entry(hass, n8n_entry)
    result = await hass.config_entries.options.async_init(ollama_entry.entry_id)
    assert result["step_id"] == "ollama"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_POLL_INTERVAL: 20, CONF_KEEP_ALIVE: 1800}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    coordinator = ollama_entry.runtime_data.coordinator
    assert coordinator.update_interval.total_seconds() == 20
    assert coordinator.tracker.default_keep_alive.total_seconds() == 1800
    result = await hass.config_entries.options.async_init(n8n_entry.entry_id)
    assert result["step_id"] == "n8n"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_POLL_INTERVAL: 120}
    )
    await hass.async_block_till_done()
    assert n8n_entry.runtime_data.coordinator.update_interval.total_seconds() == 120


def _placeholders_in(step: str) -> set[str]:
    """The `{name}`s that a config step's texts (and the flow's error texts) ask for."""
    strings = json.loads(STRINGS.read_text())["config"]
    texts = [*strings["error"].values()]
    step_strings = strings["step"][step]
    texts += [
        step_strings.get("description", ""),
        *step_strings.get("data_description", {}).values(),
    ]
    return {name for text in texts for name in re.findall(r"\{(\w+)\}", text)}


@pytest.mark.parametrize("kind", [EntryType.OLLAMA, EntryType.PAPERLESS, EntryType.N8N])
async def test_forms_fill_in_the_example_addresses(
    hass: HomeAssistant, lab: LabHandle, kind: EntryType
) -> None:
    """The example URLs are placeholders (hassfest allows no URL in a string): both forms fill them."""
    data_fn = {EntryType.OLLAMA: ollama_data, EntryType.PAPERLESS: paperless_data}.get(
        kind, n8n_data
    )
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": kind.value}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**form(data_fn(lab)), CONF_URL: "not a url"}
    )
    assert result["errors"] == {CONF_URL: "invalid_url"}
    placeholders = result["description_placeholders"]
    assert _placeholders_in(kind.value) <= set(placeholders)
    assert placeholders["example_url"].startswith("http://")
    entry = make_entry(kind, data_fn(lab))
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == f"reconfigure_{kind.value}"
    assert _placeholders_in(result["step_id"]) <= set(result["description_placeholders"])


def _sent_to_browser(result: Any) -> str:
    """The form as Home Assistant's websocket API serialises it for the frontend."""
    schema = probatio.to_field_list(result["data_schema"], custom_serializer=custom_serializer)
    return json.dumps([schema, result.get("description_placeholders")], default=str)


@pytest.mark.parametrize("flow", ["reconfigure", "reauth"])
async def test_no_stored_secret_reaches_the_browser(
    hass: HomeAssistant,
    lab: LabHandle,
    paperless_entry: MockConfigEntry,
    n8n_entry: MockConfigEntry,
    flow: str,
) -> None:
    """Reconfigure once offered the stored Paperless-AI key as a suggested value."""
    ollama_entry = make_entry(EntryType.OLLAMA, {**ollama_data(lab), CONF_TOKEN: "proxy-token-1"})
    checked = 0
    for entry in (paperless_entry, n8n_entry, ollama_entry):
        entry.add_to_hass(hass)
        secrets = [
            str(entry.data[key])
            for key in (CONF_TOKEN, CONF_API_KEY, CONF_AI_API_KEY)
            if entry.data.get(key)
        ]
        checked += len(secrets)
        start_flow = (
            entry.start_reconfigure_flow if flow == "reconfigure" else entry.start_reauth_flow
        )
        result = await start_flow(hass)
        assert result["type"] is FlowResultType.FORM
        sent = _sent_to_browser(result)
        for secret in secrets:
            assert secret not in sent, f"{entry.title}: a stored secret is in the {flow} form"
        hass.config_entries.flow.async_abort(result["flow_id"])
    assert checked == 4  # Paperless-ngx token, Paperless-AI key, n8n key, Ollama proxy token


async def test_options_paperless(
    hass: HomeAssistant, lab: LabHandle, paperless_entry: MockConfigEntry
) -> None:
    """Stage tags are trimmed and de-duplicated; an empty Paperless-AI tag means the default."""
    await setup_entry(hass, paperless_entry)
    result = await hass.config_entries.options.async_init(paperless_entry.entry_id)
    assert result["step_id"] == "paperless"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            CONF_POLL_INTERVAL: 45,
            CONF_STUCK_THRESHOLD: 20,
            CONF_STAGE_TAGS: [" inbox ", "inbox", "", "ocr-done"],
            CONF_AI_PROCESSED_TAG: "  ",
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert paperless_entry.options == {
        CONF_POLL_INTERVAL: 45,
        CONF_STUCK_THRESHOLD: 20,
        CONF_STAGE_TAGS: ["inbox", "ocr-done"],
        CONF_AI_PROCESSED_TAG: DEFAULT_AI_PROCESSED_TAG,
    }
    await hass.async_block_till_done()
    # Options reload the entry (OptionsFlowWithReload) with the new interval.
    assert paperless_entry.runtime_data.coordinator.update_interval.total_seconds() == 45
    result = await hass.config_entries.options.async_init(paperless_entry.entry_id)
    defaults = {str(key): key.default() for key in result["data_schema"].schema}
    assert defaults[CONF_STAGE_TAGS] == ["inbox", "ocr-done"]


async def test_paperless_without_paperless_ai_reauth_and_bad_reconfigure(
    hass: HomeAssistant, lab: LabHandle
) -> None:
    """Without Paperless-AI, reauth asks for the Paperless-ngx token only; a bad URL is refused."""
    entry = make_entry(EntryType.PAPERLESS, paperless_data(lab, ai=False))
    entry.add_to_hass(hass)
    result = await entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_paperless"
    assert [str(key) for key in result["data_schema"].schema] == [CONF_TOKEN]
    hass.config_entries.flow.async_abort(result["flow_id"])
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: "not a url", "verify_ssl": True}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"]
