"""A pinned TrueNAS certificate that changes: repair, no key to the new server, fix flow.

Real loopback TLS against the simulator; `POST /control/tls/replace_certificate` makes it present
a new self-signed certificate (as a renewed one, or an impostor at the NAS's address would).
"""

from __future__ import annotations

import asyncio
from unittest.mock import patch

from homeassistant.components.repairs import repairs_flow_manager
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homelab.clients.truenas import TrueNASConnectionError, format_fingerprint
from custom_components.homelab.const import CONF_CERTIFICATE_SHA256, DOMAIN
from tests.common import LabHandle, wait_for

from .conftest import entry_data

POOL_SENSOR = "sensor.tank_status"
OLD_PIN = "ab" * 32


async def served_sha256(lab: LabHandle) -> str:
    sha256 = (await lab.control("GET", "/control/tls"))["sha256"]
    assert isinstance(sha256, str)
    return sha256


async def login_calls(lab: LabHandle) -> int:
    return sum(call["method"] == "auth.login_ex" for call in await lab.calls())


def certificate_issue(hass: HomeAssistant, entry: MockConfigEntry) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(DOMAIN, f"{entry.entry_id}_certificate_changed")


@pytest.fixture
async def repairs(hass: HomeAssistant) -> None:
    assert await async_setup_component(hass, "repairs", {})


async def pinned_entry(hass: HomeAssistant, lab: LabHandle, sha256: str) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="nas",
        unique_id=lab.host_id,
        data=entry_data(lab, **{CONF_CERTIFICATE_SHA256: sha256}),
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def fix(hass: HomeAssistant, entry: MockConfigEntry, choice: str) -> dict[str, object]:
    manager = repairs_flow_manager(hass)
    assert manager is not None
    issue = certificate_issue(hass, entry)
    assert issue is not None
    result = await manager.async_init(DOMAIN, context={"issue_id": issue.issue_id})
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["accept", "leave"]
    placeholders = result["description_placeholders"] or {}
    assert placeholders["host"] == "127.0.0.1"
    assert placeholders["expected"] == format_fingerprint(entry.data[CONF_CERTIFICATE_SHA256])
    return dict(await manager.async_configure(result["flow_id"], {"next_step_id": choice}))


async def test_pinned_entry_runs_over_tls(hass: HomeAssistant, lab: LabHandle) -> None:
    entry = await pinned_entry(hass, lab, await served_sha256(lab))
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.client.certificate_sha256 == await served_sha256(lab)
    assert hass.states.get(POOL_SENSOR).state != STATE_UNAVAILABLE
    assert certificate_issue(hass, entry) is None


async def test_replaced_certificate_stops_with_a_repair(
    hass: HomeAssistant, lab: LabHandle, repairs: None, caplog: pytest.LogCaptureFixture
) -> None:
    old = await served_sha256(lab)
    entry = await pinned_entry(hass, lab, old)
    assert entry.state is ConfigEntryState.LOADED
    await lab.control("DELETE", "/control/calls")
    new = (await lab.control("POST", "/control/tls/replace_certificate"))["sha256"]

    await wait_for(lambda: certificate_issue(hass, entry) is not None)
    issue = certificate_issue(hass, entry)
    assert issue is not None
    assert issue.is_fixable
    assert issue.severity is ir.IssueSeverity.ERROR
    assert issue.translation_placeholders == {
        "entry": "nas",
        "host": "127.0.0.1",
        "expected": format_fingerprint(old),
        "presented": format_fingerprint(new),
    }
    await hass.async_block_till_done()
    assert hass.states.get(POOL_SENSOR).state == STATE_UNAVAILABLE
    # A poll meanwhile does not reconnect either; nothing ever logs in to the new server.
    await entry.runtime_data.coordinator.async_refresh()
    await asyncio.sleep(0.3)
    assert await login_calls(lab) == 0
    assert hass.states.get(POOL_SENSOR).state == STATE_UNAVAILABLE
    assert lab.api_key not in caplog.text
    assert "presented a certificate other than the pinned one" in caplog.text

    # "Leave it": nothing changes, the issue stays.
    result = await fix(hass, entry, "leave")
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "certificate_left"
    assert certificate_issue(hass, entry) is not None
    assert await login_calls(lab) == 0

    # Accept: the new pin is stored, the entry reloads and connects, the issue is gone.
    result = await fix(hass, entry, "accept")
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.data[CONF_CERTIFICATE_SHA256] == new
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.client.connected
    assert hass.states.get(POOL_SENSOR).state != STATE_UNAVAILABLE
    assert certificate_issue(hass, entry) is None
    assert await login_calls(lab) >= 1


async def test_wrong_pin_at_setup_is_a_repair(
    hass: HomeAssistant, lab: LabHandle, repairs: None
) -> None:
    await lab.control("DELETE", "/control/calls")
    entry = await pinned_entry(hass, lab, OLD_PIN)
    # Not retried: only the user can accept another certificate.
    assert entry.state is ConfigEntryState.SETUP_ERROR
    issue = certificate_issue(hass, entry)
    assert issue is not None
    assert issue.translation_placeholders["presented"] == format_fingerprint(
        await served_sha256(lab)
    )
    assert await lab.calls() == []

    result = await fix(hass, entry, "accept")
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.data[CONF_CERTIFICATE_SHA256] == await served_sha256(lab)
    assert certificate_issue(hass, entry) is None


async def test_fix_flow_when_the_server_or_entry_is_gone(
    hass: HomeAssistant, lab: LabHandle, repairs: None
) -> None:
    entry = await pinned_entry(hass, lab, OLD_PIN)
    issue = certificate_issue(hass, entry)
    assert issue is not None
    manager = repairs_flow_manager(hass)
    assert manager is not None
    with patch(
        "custom_components.homelab.repairs.fetch_certificate_sha256",
        side_effect=TrueNASConnectionError("down"),
    ):
        result = await manager.async_init(DOMAIN, context={"issue_id": issue.issue_id})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "cannot_connect"
    assert certificate_issue(hass, entry) is not None
    # The entry is removed while the question is open, or before the flow starts.
    result = await manager.async_init(DOMAIN, context={"issue_id": issue.issue_id})
    assert result["type"] is FlowResultType.MENU
    await hass.config_entries.async_remove(entry.entry_id)
    result = await manager.async_configure(result["flow_id"], {"next_step_id": "accept"})
    assert result["reason"] == "entry_removed"
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue.issue_id,
        is_fixable=True,
        severity=ir.IssueSeverity.ERROR,
        translation_key="certificate_changed",
        data={"entry_id": entry.entry_id},
    )
    result = await manager.async_init(DOMAIN, context={"issue_id": issue.issue_id})
    assert result["reason"] == "entry_removed"
