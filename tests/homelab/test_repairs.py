"""Repair issues against the running simulator."""

from __future__ import annotations

from unittest.mock import AsyncMock, patch

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homelab.const import CONF_SSL, DOMAIN
from custom_components.homelab.repairs import async_create_fix_flow, choose_api_version
from tests.common import LabHandle, wait_for

from .conftest import entry_data


def issues(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, ir.IssueEntry]:
    registry = ir.async_get(hass)
    return {
        issue_id: issue
        for (domain, issue_id), issue in registry.issues.items()
        if domain == DOMAIN and issue_id.startswith(entry.entry_id)
    }


async def test_degraded_pool_raises_and_clears_an_issue(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry
) -> None:
    assert issues(hass, loaded_entry) == {}
    await lab.control("POST", "/control/pool/tank/disk/sdb/state", {"status": "FAULTED"})
    await wait_for(lambda: bool(issues(hass, loaded_entry)), timeout=3)
    (issue,) = issues(hass, loaded_entry).values()
    assert issue.translation_key == "pool_degraded"
    assert issue.severity is ir.IssueSeverity.ERROR
    assert issue.translation_placeholders["pool"] == "tank"
    assert issue.translation_placeholders["status"] == "DEGRADED"
    await lab.control("POST", "/control/pool/tank/disk/sdb/state", {"status": "ONLINE"})
    await loaded_entry.runtime_data.coordinator.async_refresh()
    assert issues(hass, loaded_entry) == {}


async def test_missing_role_names_the_role(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry
) -> None:
    await lab.control("POST", f"/control/user/{lab.username}/roles", {"roles": ["READONLY_ADMIN"]})
    with pytest.raises(HomeAssistantError):
        await hass.services.async_call(
            "button", "press", {ATTR_ENTITY_ID: "button.n8n_restart"}, blocking=True
        )
    (issue,) = issues(hass, loaded_entry).values()
    assert issue.translation_key == "missing_role"
    assert issue.translation_placeholders["role"] == "APPS_WRITE"
    assert issue.translation_placeholders["method"] == "app.redeploy"


def test_choose_api_version() -> None:
    served = ["v25.04.0", "v25.10.2", "v26.0.0", "v27.0.0"]
    assert choose_api_version(served) == "v26.0.0"
    assert choose_api_version(["v25.04.2", "v25.04.10"]) == "v25.04.10"
    assert choose_api_version(["v27.0.0"]) is None
    assert choose_api_version([]) is None


async def test_pinned_api_version(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry
) -> None:
    assert loaded_entry.runtime_data.client.api_version == "v25.10.2"
    connects = [c for c in await lab.calls() if c["method"] == "auth.login_ex"]
    assert connects


async def test_unsupported_api_version(hass: HomeAssistant, lab: LabHandle) -> None:
    entry = MockConfigEntry(domain=DOMAIN, unique_id=lab.host_id, data=entry_data(lab))
    entry.add_to_hass(hass)
    with patch(
        "custom_components.homelab.clients.truenas.TrueNASClient.api_versions",
        AsyncMock(return_value=["v27.0.0"]),
    ):
        assert await hass.config_entries.async_setup(entry.entry_id)
    assert entry.runtime_data.client.api_version == "current"
    (issue,) = issues(hass, entry).values()
    assert issue.translation_key == "unsupported_api_version"
    assert issue.translation_placeholders["served"] == "v27.0.0"


async def test_insecure_transport_issue_and_fix(hass: HomeAssistant, plain_lab: LabHandle) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=plain_lab.host_id,
        data=entry_data(plain_lab, **{CONF_SSL: False}),
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    ((issue_id, issue),) = issues(hass, entry).items()
    assert issue.translation_key == "insecure_transport"
    assert issue.is_fixable
    flow = await async_create_fix_flow(hass, issue_id, issue.data)
    flow.hass = hass
    result = await flow.async_step_init()
    assert result["step_id"] == "confirm"
    result = await flow.async_step_confirm({})
    assert result["type"] == "create_entry"
    assert entry.data[CONF_SSL] is True
    await hass.async_block_till_done()
    # The plain simulator does not speak TLS, so the reloaded entry waits to retry.
    assert entry.state is ConfigEntryState.SETUP_RETRY
    missing = await async_create_fix_flow(hass, issue_id, {"entry_id": "gone"})
    missing.hass = hass
    assert (await missing.async_step_init())["type"] == "abort"
