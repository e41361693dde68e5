"""Config flow against the running simulator: success, each error, duplicate, reauth, reconfigure.

The simulator's certificate is self-signed, so these flows turn verification off and pass the
certificate-pinning step (the fingerprint shown, then accepted) before the key is sent.
"""

from __future__ import annotations

from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState, ConfigFlowResult
from homeassistant.const import CONF_API_KEY, CONF_HOST, CONF_PORT, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homelab.clients.truenas import format_fingerprint
from custom_components.homelab.const import (
    CONF_CERTIFICATE_SHA256,
    CONF_POLL_INTERVAL,
    CONF_SSL,
    CONF_VERIFY_SSL,
    DOMAIN,
)
from tests.common import LabHandle

from .conftest import entry_data


async def _start(hass: HomeAssistant) -> str:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "user"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "truenas"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "truenas"
    assert result["errors"] == {}
    return result["flow_id"]


async def served_sha256(lab: LabHandle) -> str:
    """The SHA-256 of the certificate the simulator presents now."""
    sha256 = (await lab.control("GET", "/control/tls"))["sha256"]
    assert isinstance(sha256, str)
    return sha256


async def accept_pin(hass: HomeAssistant, result: ConfigFlowResult, lab: LabHandle) -> Any:
    """The pin step shows the simulator's fingerprint; accept it."""
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "pin"
    placeholders = result["description_placeholders"] or {}
    assert placeholders["fingerprint"] == format_fingerprint(await served_sha256(lab))
    assert placeholders["host"] == "127.0.0.1"
    return await hass.config_entries.flow.async_configure(result["flow_id"], {})


async def submit(hass: HomeAssistant, flow_id: str, lab: LabHandle, data: dict[str, Any]) -> Any:
    """Submit the connection form and accept the certificate it shows."""
    result = await hass.config_entries.flow.async_configure(flow_id, data)
    return await accept_pin(hass, result, lab)


async def test_user_flow_creates_entry(hass: HomeAssistant, lab: LabHandle) -> None:
    flow_id = await _start(hass)
    await lab.control("DELETE", "/control/calls")
    result = await hass.config_entries.flow.async_configure(flow_id, entry_data(lab))
    assert result["step_id"] == "pin"
    # Only a TLS handshake went out to read the certificate: no login, no key.
    assert await lab.calls() == []
    result = await accept_pin(hass, result, lab)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "nas"
    sha256 = await served_sha256(lab)
    assert result["data"] == {**entry_data(lab), CONF_CERTIFICATE_SHA256: sha256}
    assert result["result"].unique_id == lab.host_id
    assert [call["method"] for call in await lab.calls()][:1] == ["auth.login_ex"]


async def test_plain_loopback_needs_no_pin(hass: HomeAssistant, plain_lab: LabHandle) -> None:
    flow_id = await _start(hass)
    data = entry_data(plain_lab, **{CONF_SSL: False})
    result = await hass.config_entries.flow.async_configure(flow_id, data)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert CONF_CERTIFICATE_SHA256 not in result["data"]


async def test_certificate_replaced_before_accepting(hass: HomeAssistant, lab: LabHandle) -> None:
    """Another certificate at accept time: the key is not sent, the form says why."""
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, entry_data(lab))
    assert result["step_id"] == "pin"
    await lab.control("POST", "/control/tls/replace_certificate")
    await lab.control("DELETE", "/control/calls")
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "truenas"
    assert result["errors"] == {"base": "certificate_changed"}
    assert await lab.calls() == []
    # Typed again: the new certificate is shown, and pinned once accepted.
    result = await submit(hass, flow_id, lab, entry_data(lab))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_CERTIFICATE_SHA256] == await served_sha256(lab)


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({CONF_API_KEY: "1-" + "z" * 64}, "invalid_auth"),
        ({CONF_VERIFY_SSL: True}, "ssl_error"),
        ({CONF_SSL: False, CONF_HOST: "192.0.2.7"}, "insecure_transport"),
        ({CONF_PORT: 9}, "cannot_connect"),
    ],
)
async def test_user_flow_errors_then_recovers(
    hass: HomeAssistant, lab: LabHandle, overrides: dict[str, Any], error: str
) -> None:
    flow_id = await _start(hass)
    data = entry_data(lab, **overrides)
    result = await hass.config_entries.flow.async_configure(flow_id, data)
    if result["step_id"] == "pin":
        # The certificate is read before the key is tried.
        result = await accept_pin(hass, result, lab)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "truenas"
    assert result["errors"] == {"base": error}
    result = await submit(hass, flow_id, lab, entry_data(lab))
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_user_flow_unexpected_error(hass: HomeAssistant, lab: LabHandle) -> None:
    flow_id = await _start(hass)
    with patch(
        "custom_components.homelab.nas.config_flow.validate_connection", side_effect=RuntimeError
    ):
        result = await submit(hass, flow_id, lab, entry_data(lab))
    assert result["errors"] == {"base": "unknown"}


async def test_user_flow_call_error_is_unknown(hass: HomeAssistant, lab: LabHandle) -> None:
    flow_id = await _start(hass)
    await lab.control("POST", "/control/method_error", {"method": "system.host_id"})
    result = await submit(hass, flow_id, lab, entry_data(lab))
    assert result["errors"] == {"base": "unknown"}


async def test_duplicate_is_aborted(
    hass: HomeAssistant, lab: LabHandle, mock_config_entry: MockConfigEntry
) -> None:
    mock_config_entry.add_to_hass(hass)
    flow_id = await _start(hass)
    result = await submit(hass, flow_id, lab, entry_data(lab))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_reauth(
    hass: HomeAssistant, lab: LabHandle, mock_config_entry: MockConfigEntry
) -> None:
    mock_config_entry.add_to_hass(hass)
    result = await mock_config_entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_USERNAME: lab.username, CONF_API_KEY: "1-" + "q" * 64}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_USERNAME: lab.username, CONF_API_KEY: lab.api_key}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"


async def test_reauth_with_a_changed_certificate(hass: HomeAssistant, lab: LabHandle) -> None:
    """The pinned certificate is gone: the new key is not sent, the form says why."""
    entry = MockConfigEntry(
        domain=DOMAIN, unique_id=lab.host_id, data=entry_data(lab, certificate_sha256="ab" * 32)
    )
    entry.add_to_hass(hass)
    result = await entry.start_reauth_flow(hass)
    await lab.control("DELETE", "/control/calls")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_USERNAME: lab.username, CONF_API_KEY: lab.api_key}
    )
    assert result["errors"] == {"base": "certificate_changed"}
    assert await lab.calls() == []


async def test_reauth_wrong_server(
    hass: HomeAssistant, lab: LabHandle, mock_config_entry: MockConfigEntry
) -> None:
    entry = MockConfigEntry(domain=DOMAIN, unique_id="another-box", data=entry_data(lab))
    entry.add_to_hass(hass)
    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_USERNAME: lab.username, CONF_API_KEY: lab.api_key}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_server"


async def test_reconfigure(
    hass: HomeAssistant, lab: LabHandle, mock_config_entry: MockConfigEntry
) -> None:
    mock_config_entry.add_to_hass(hass)
    result = await mock_config_entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_HOST: "127.0.0.1", CONF_PORT: 9, CONF_SSL: True, CONF_VERIFY_SSL: False},
    )
    assert result["errors"] == {"base": "cannot_connect"}
    result = await submit(
        hass,
        result["flow_id"],
        lab,
        {CONF_HOST: " 127.0.0.1 ", CONF_PORT: lab.port, CONF_SSL: True, CONF_VERIFY_SSL: False},
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert mock_config_entry.data[CONF_HOST] == "127.0.0.1"
    assert mock_config_entry.data[CONF_PORT] == lab.port
    assert mock_config_entry.data[CONF_CERTIFICATE_SHA256] == await served_sha256(lab)


async def test_reconfigure_keeps_a_pin_it_already_has(hass: HomeAssistant, lab: LabHandle) -> None:
    """The pinned certificate presented again: nothing to accept."""
    sha256 = await served_sha256(lab)
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=lab.host_id,
        data=entry_data(lab, **{CONF_CERTIFICATE_SHA256: sha256}),
    )
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_HOST: "127.0.0.1", CONF_PORT: lab.port, CONF_SSL: True, CONF_VERIFY_SSL: False},
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_CERTIFICATE_SHA256] == sha256


async def test_reconfigure_pin_error_returns_to_its_form(
    hass: HomeAssistant, lab: LabHandle, mock_config_entry: MockConfigEntry
) -> None:
    mock_config_entry.add_to_hass(hass)
    result = await mock_config_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_HOST: "127.0.0.1", CONF_PORT: lab.port, CONF_SSL: True, CONF_VERIFY_SSL: False},
    )
    assert result["step_id"] == "pin"
    await lab.control("POST", "/control/tls/replace_certificate")
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["step_id"] == "reconfigure"
    assert result["errors"] == {"base": "certificate_changed"}
    assert CONF_CERTIFICATE_SHA256 not in mock_config_entry.data


async def test_reconfigure_to_plain_loopback_drops_the_pin(
    hass: HomeAssistant, plain_lab: LabHandle
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=plain_lab.host_id,
        data=entry_data(plain_lab, **{CONF_CERTIFICATE_SHA256: "ab" * 32}),
    )
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_HOST: "127.0.0.1", CONF_PORT: 9, CONF_SSL: False, CONF_VERIFY_SSL: False},
    )
    assert result["errors"] == {"base": "cannot_connect"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_HOST: "127.0.0.1",
            CONF_PORT: plain_lab.port,
            CONF_SSL: False,
            CONF_VERIFY_SSL: False,
        },
    )
    assert result["reason"] == "reconfigure_successful"
    assert CONF_CERTIFICATE_SHA256 not in entry.data


async def test_options_flow(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_POLL_INTERVAL: 30}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert loaded_entry.options == {CONF_POLL_INTERVAL: 30}
    await hass.async_block_till_done()
    assert loaded_entry.runtime_data.coordinator.update_interval.total_seconds() == 30


@pytest.mark.parametrize("same_key", [False, True], ids=["new-key", "same-key"])
async def test_reauth_of_a_loaded_entry_reloads_it(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry, same_key: bool
) -> None:
    """Reauth of a running entry reloads it through its update listener (HA 2026.12 rule).

    The deprecation guard in tests/conftest.py fails this test if a flow reloads the entry itself.
    """
    first_client = loaded_entry.runtime_data.client
    admin = lab.scenario.users[0] if same_key else lab.scenario.users[1]
    result = await loaded_entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_USERNAME: admin.username, CONF_API_KEY: admin.api_key}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert loaded_entry.state is ConfigEntryState.LOADED
    assert loaded_entry.data[CONF_USERNAME] == admin.username
    # A reload built a new client on the stored key.
    assert loaded_entry.runtime_data.client is not first_client


async def test_reconfigure_of_a_loaded_entry_reloads_it(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry
) -> None:
    """The same address confirmed again still gives a fresh start (and no deprecated reload)."""
    first_client = loaded_entry.runtime_data.client
    result = await loaded_entry.start_reconfigure_flow(hass)
    result = await submit(
        hass,
        result["flow_id"],
        lab,
        {CONF_HOST: " 127.0.0.1 ", CONF_PORT: lab.port, CONF_SSL: True, CONF_VERIFY_SSL: False},
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert loaded_entry.state is ConfigEntryState.LOADED
    assert loaded_entry.runtime_data.client is not first_client
