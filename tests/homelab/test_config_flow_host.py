"""The host field of the TrueNAS form: a URL is taken apart, anything else invalid is refused."""

from __future__ import annotations

import logging

from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest

from custom_components.homelab.const import DOMAIN
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
