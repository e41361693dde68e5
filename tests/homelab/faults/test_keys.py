"""Key trouble: a revoked key, a role taken away, the pinned API version gone from the server."""

from __future__ import annotations

import logging

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_API_KEY, CONF_USERNAME, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homelab.const import DOMAIN
from tests.common import LabHandle, wait_for

from .conftest import KeepAll, VirtualClock, ours

POOL = "sensor.tank_status"
APP_DEVICE_ENTITY = "sensor.nextcloud_state"
HA_ROLES = [
    "READONLY_ADMIN",
    "SNAPSHOT_WRITE",
    "SNAPSHOT_TASK_WRITE",
    "REPLICATION_TASK_WRITE",
    "CLOUD_SYNC_WRITE",
    "APPS_WRITE",
]


def state(hass: HomeAssistant, entity_id: str) -> str:
    current = hass.states.get(entity_id)
    assert current is not None, entity_id
    return current.state


def our_issues(hass: HomeAssistant) -> dict[str, ir.IssueEntry]:
    return {
        issue_id: issue
        for (domain, issue_id), issue in ir.async_get(hass).issues.items()
        if domain == DOMAIN
    }


async def test_revoked_key_leads_to_reauth_and_back(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry, log_guard: KeepAll
) -> None:
    """The key is revoked while connected: one reauth flow; a new key brings everything back."""
    await lab.control("POST", "/control/revoke_key", {"username": lab.username})
    await wait_for(lambda: bool(hass.config_entries.flow.async_progress()), timeout=5)
    flows = hass.config_entries.flow.async_progress()
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]
    assert flows[0]["context"]["entry_id"] == loaded_entry.entry_id
    assert state(hass, POOL) == STATE_UNAVAILABLE
    # The client stopped trying with the revoked key (no login storm).
    logins = [c for c in await lab.calls() if c["method"] == "auth.login_ex"]
    await wait_for(lambda: True)
    assert len([c for c in await lab.calls() if c["method"] == "auth.login_ex"]) == len(logins)
    admin = lab.scenario.users[1]
    result = await hass.config_entries.flow.async_configure(
        flows[0]["flow_id"], {CONF_USERNAME: admin.username, CONF_API_KEY: admin.api_key}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert loaded_entry.state is ConfigEntryState.LOADED
    await wait_for(lambda: state(hass, POOL) == "online", timeout=5)


async def test_removed_write_role_gives_a_repair_naming_it(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry, log_guard: KeepAll
) -> None:
    """APPS_WRITE taken away: starting an app is refused, and a repair names the role."""
    roles = [role for role in HA_ROLES if role != "APPS_WRITE"]
    await lab.control("POST", f"/control/user/{lab.username}/roles", {"roles": roles})
    apps = loaded_entry.runtime_data.apps
    with pytest.raises(HomeAssistantError) as refused:
        await apps.async_run_app_action("nextcloud", "restart")
    assert "Not authorized" in str(refused.value.__cause__)
    issues = our_issues(hass)
    missing = [issue for issue in issues.values() if issue.translation_key == "missing_role"]
    assert len(missing) == 1, issues
    assert missing[0].translation_placeholders is not None
    assert missing[0].translation_placeholders["role"] == "APPS_WRITE"
    assert loaded_entry.state is ConfigEntryState.LOADED
    assert state(hass, POOL) == "online"
    assert not hass.config_entries.flow.async_progress(), "a missing role is no reauth"


async def test_removed_read_role_gives_a_repair_naming_it(
    hass: HomeAssistant,
    lab: LabHandle,
    loaded_entry: MockConfigEntry,
    clock: VirtualClock,
    log_guard: KeepAll,
) -> None:
    """READONLY_ADMIN taken away: polls are refused; a repair names the role, no reauth."""
    roles = [role for role in HA_ROLES if role != "READONLY_ADMIN"]
    await lab.control("POST", f"/control/user/{lab.username}/roles", {"roles": roles})
    await clock.advance(61, step=1)
    assert state(hass, POOL) == STATE_UNAVAILABLE
    missing = [i for i in our_issues(hass).values() if i.translation_key == "missing_role"]
    assert [i.translation_placeholders["role"] for i in missing if i.translation_placeholders] == [
        "READONLY_ADMIN"
    ]
    assert not hass.config_entries.flow.async_progress()
    # The role given back: the next poll works again.
    await lab.control("POST", f"/control/user/{lab.username}/roles", {"roles": HA_ROLES})
    back = await clock.advance_until(lambda: state(hass, POOL) == "online", 61, step=1)
    assert back is not None


async def test_pinned_api_version_disappears(
    hass: HomeAssistant,
    lab: LabHandle,
    loaded_entry: MockConfigEntry,
    clock: VirtualClock,
    log_guard: KeepAll,
) -> None:
    """The NAS is upgraded: the API version the client pinned is no longer served.

    The integration must not retry the vanished version for ever: it moves to a version the
    server still serves (and that it supports), and the entities come back.
    """
    client = loaded_entry.runtime_data.client
    pinned = client.api_version
    assert pinned.startswith("v25.10")
    await lab.control(
        "POST",
        "/control/api_versions",
        {"versions": ["v25.10.3", "v26.0.0", "v26.0.1"], "drop": True},
    )
    # The pool reads online before the drop is noticed, so wait for both: re-pinned and back.
    back = await clock.advance_until(
        lambda: client.api_version != pinned and state(hass, POOL) == "online", 120, step=1
    )
    assert back is not None, f"still on {client.api_version} after two minutes"
    # Now a 26 box: scrub progress is restored under 26's name, and accepted.
    assert client.api_version == "v26.0.1"
    assert "pool.scan" in client.subscriptions
    assert "zfs.pool.scan" not in client.subscriptions
    assert not client.subscription_denied("pool.scan")


async def test_no_supported_api_version_left(
    hass: HomeAssistant,
    lab: LabHandle,
    loaded_entry: MockConfigEntry,
    clock: VirtualClock,
    log_guard: KeepAll,
) -> None:
    """Only versions this integration does not know are served: a repair says so."""
    await lab.control("POST", "/control/api_versions", {"versions": ["v99.0.0"], "drop": True})
    await clock.advance(120, step=1)
    issues = our_issues(hass).values()
    assert [i.translation_key for i in issues if "api" in i.translation_key] == [
        "unsupported_api_version"
    ]
    assert loaded_entry.state is ConfigEntryState.LOADED
    assert not ours(log_guard, logging.ERROR)
