"""The host field of the TrueNAS form: a URL is taken apart, anything else invalid is refused."""

from __future__ import annotations

import logging

from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homelab.config_flow import HomeLabConfigFlow
from custom_components.homelab.const import (
    CONF_ENTRY_TYPE,
    CONF_SSL,
    CONF_VERIFY_SSL,
    DOMAIN,
    SUBENTRY_SERVICE,
    EntryType,
)
from custom_components.homelab.nas.config_flow import _normalise
from tests.common import LabHandle

from .conftest import entry_data
from .test_config_flow import accept_pin


async def _start(hass: HomeAssistant) -> str:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "truenas"}
    )
    assert result["step_id"] == "truenas"
    return result["flow_id"]


@pytest.mark.parametrize(
    "typed",
    [
        "https://127.0.0.1",
        "https://127.0.0.1/ui/dashboard",
        " HTTPS://127.0.0.1/ ",
        "127.0.0.1/ui",
    ],
)
async def test_host_typed_as_a_url_is_taken_apart(
    hass: HomeAssistant, lab: LabHandle, typed: str, caplog: pytest.LogCaptureFixture
) -> None:
    """`https://nas.local` (pasted from the browser) works: the host is kept, no traceback."""
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, entry_data(lab, **{CONF_HOST: typed})
    )
    result = await accept_pin(hass, result, lab)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_HOST] == "127.0.0.1"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_port_in_the_url_is_used(hass: HomeAssistant, lab: LabHandle) -> None:
    """`https://host:port/`: the port of the URL wins over the form's default."""
    flow_id = await _start(hass)
    data = entry_data(lab, **{CONF_HOST: f"https://127.0.0.1:{lab.port}/", CONF_PORT: 443})
    result = await hass.config_entries.flow.async_configure(flow_id, data)
    result = await accept_pin(hass, result, lab)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_PORT] == lab.port


@pytest.mark.parametrize("typed", ["", "https://", "nas local", "ftp://", "[::1"])
async def test_unusable_host_is_refused_with_a_message(
    hass: HomeAssistant, lab: LabHandle, typed: str, caplog: pytest.LogCaptureFixture
) -> None:
    """No "unknown" and no traceback: the host field says what to enter."""
    flow_id = await _start(hass)
    await lab.control("DELETE", "/control/calls")
    result = await hass.config_entries.flow.async_configure(
        flow_id, entry_data(lab, **{CONF_HOST: typed})
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_HOST: "invalid_host"}
    assert await lab.calls() == []
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ({CONF_HOST: "https://nas.lan:8443/ui"}, {CONF_HOST: "nas.lan", CONF_PORT: 8443}),
        ({CONF_HOST: "https://[::1"}, {CONF_HOST: "https://[::1"}),  # not a URL: left for the check
        ({CONF_HOST: "http:///path"}, {CONF_HOST: "http:///path"}),  # a URL without a host
        ({CONF_PORT: "443"}, {CONF_PORT: 443}),  # reconfigure of the port alone
        ({}, {}),
    ],
)
def test_normalise(typed: dict[str, object], expected: dict[str, object]) -> None:
    assert _normalise(typed) == expected


def test_pipeline_entries_hold_no_service_probes() -> None:
    """Only a TrueNAS entry offers the "Service" subentry."""
    ollama = MockConfigEntry(domain=DOMAIN, data={CONF_ENTRY_TYPE: EntryType.OLLAMA.value})
    truenas = MockConfigEntry(domain=DOMAIN, data={})
    assert HomeLabConfigFlow.async_get_supported_subentry_types(ollama) == {}
    assert set(HomeLabConfigFlow.async_get_supported_subentry_types(truenas)) == {SUBENTRY_SERVICE}


async def test_reconfigure_refuses_a_bad_host(
    hass: HomeAssistant, lab: LabHandle, mock_config_entry: MockConfigEntry
) -> None:
    mock_config_entry.add_to_hass(hass)
    result = await mock_config_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_HOST: "https://", CONF_PORT: lab.port, CONF_SSL: True, CONF_VERIFY_SSL: True},
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_HOST: "invalid_host"}
