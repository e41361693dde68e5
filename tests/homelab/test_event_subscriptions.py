"""Setup and pushed scrub progress on 25.04, 25.10 and 26 with least privilege; EACCES fallback.

Real 25.04 and 25.10 boxes register scrub progress as `zfs.pool.scan`, 26 as `pool.scan`, and a
key without FULL_ADMIN is refused (EACCES) a name its box does not register (middleware tags
TS-25.04.2.6, TS-25.10.2, TS-26.0.0-BETA.3). `labsim` does the same.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from unittest.mock import patch

from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.homelab.clients.truenas import SCAN_EVENT
from custom_components.homelab.const import DOMAIN
from custom_components.homelab.nas.coordinator import SCAN_POLL_INTERVAL
from tests.backups_lab import release_lab
from tests.common import wait_for

from .conftest import set_up

pytestmark = pytest.mark.usefixtures("socket_enabled")

# What the README recommends for monitoring: the read-only administrator role.
LEAST_PRIVILEGE = ["READONLY_ADMIN"]


def state(hass: HomeAssistant, entity_id: str) -> str:
    current = hass.states.get(entity_id)
    assert current is not None, entity_id
    return current.state


def progress(hass: HomeAssistant) -> float:
    value = state(hass, "sensor.tank_scrub_progress")
    return float(value) if value not in ("unknown", "unavailable") else -1.0


def our_issues(hass: HomeAssistant) -> dict[str, ir.IssueEntry]:
    return {
        issue_id: issue
        for (domain, issue_id), issue in ir.async_get(hass).issues.items()
        if domain == DOMAIN
    }


@pytest.mark.parametrize(
    ("version", "roles", "pinned", "scan_event"),
    [
        ("25.04.2", LEAST_PRIVILEGE, "v25.04.2", "zfs.pool.scan"),
        ("25.10.2", LEAST_PRIVILEGE, "v25.10.2", "zfs.pool.scan"),
        ("26.0.0", LEAST_PRIVILEGE, "v26.0.0", "pool.scan"),
        ("25.10.2", ["FULL_ADMIN"], "v25.10.2", "zfs.pool.scan"),
    ],
)
async def test_setup_and_pushed_scrub_progress(
    hass: HomeAssistant, version: str, roles: list[str], pinned: str, scan_event: str
) -> None:
    """Setup succeeds, every subscription is accepted, and scrub progress is pushed.

    The pools are polled every 60 s: progress seen within seconds came by event.
    """
    with release_lab(version, roles) as lab:
        entry = await set_up(hass, lab)
        client = entry.runtime_data.client
        assert client.api_version == pinned
        assert scan_event in client.subscriptions
        assert all(server_id is not None for server_id in client.subscriptions.values())
        assert not our_issues(hass)
        subscribed = {c["params"][0] for c in await lab.calls() if c["method"] == "core.subscribe"}
        assert scan_event in subscribed
        assert ({"pool.scan", "zfs.pool.scan"} - {scan_event}).isdisjoint(subscribed)

        assert state(hass, "sensor.tank_scrub_state") == "finished"
        await lab.control("POST", "/control/pool/tank/scrub/start", {"duration_seconds": 5})
        await wait_for(lambda: state(hass, "sensor.tank_scrub_state") == "scrubbing", timeout=5)
        await wait_for(lambda: 0 < progress(hass) < 100, timeout=5)
        await wait_for(lambda: state(hass, "sensor.tank_scrub_state") == "finished", timeout=10)
        assert progress(hass) == 100.0
        assert await hass.config_entries.async_unload(entry.entry_id)


async def test_refused_scan_events_fall_back_to_polling(hass: HomeAssistant) -> None:
    """A scan subscription refused with EACCES: setup goes on, a repair names the role, and
    the progress is polled from `pool.query`, every 10 s while the scrub runs.

    A name the box does not register is what a key without FULL_ADMIN is refused: the client
    is made to ask 25.10 for 26's `pool.scan` (as Home Lab did before this was fixed).
    """
    with (
        release_lab("25.10.2", LEAST_PRIVILEGE) as lab,
        patch(
            "custom_components.homelab.clients.truenas.client.server_event_name",
            side_effect=lambda name, _level: name,
        ),
    ):
        entry = await set_up(hass, lab)
        client = entry.runtime_data.client
        coordinator = entry.runtime_data.coordinator
        assert client.subscription_denied(SCAN_EVENT)
        issue = our_issues(hass)[f"{entry.entry_id}_missing_event_role_pool.scan"]
        assert issue.translation_key == "missing_event_role"
        assert issue.translation_placeholders == {
            "event": "pool.scan",
            "role": "POOL_SCRUB_READ",
            "entry": "nas",
        }
        assert len(our_issues(hass)) == 1  # the other subscriptions were accepted
        assert coordinator.update_interval == timedelta(seconds=60)

        await lab.control("POST", "/control/pool/tank/scrub/start", {"duration_seconds": 60})
        await coordinator.async_refresh()  # the next regular poll
        assert state(hass, "sensor.tank_scrub_state") == "scrubbing"
        assert coordinator.update_interval == SCAN_POLL_INTERVAL
        first = progress(hass)
        await asyncio.sleep(2.5)  # the scrub moves on; no event tells us
        assert progress(hass) == first
        async_fire_time_changed(hass, dt_util.utcnow() + SCAN_POLL_INTERVAL)
        await wait_for(lambda: progress(hass) > first, timeout=5)

        await lab.control("POST", "/control/pool/tank/scrub/finish")
        async_fire_time_changed(hass, dt_util.utcnow() + 2 * SCAN_POLL_INTERVAL)
        await wait_for(lambda: state(hass, "sensor.tank_scrub_state") == "finished", timeout=5)
        assert coordinator.update_interval == timedelta(seconds=60)
        assert await hass.config_entries.async_unload(entry.entry_id)


async def test_refused_alert_and_app_events_are_polled(hass: HomeAssistant) -> None:
    """alert.list and app.query refused: alerts are read at every poll, apps every minute."""
    with (
        release_lab("26.0.0", LEAST_PRIVILEGE) as lab,
        patch(
            "custom_components.homelab.clients.truenas.client.server_event_name",
            side_effect=lambda name, _level: f"x.{name}" if name != "core.get_jobs" else name,
        ),
    ):
        entry = await set_up(hass, lab)
        runtime = entry.runtime_data
        issues = our_issues(hass)
        roles = {
            issue.translation_placeholders["event"]: issue.translation_placeholders["role"]
            for issue in issues.values()
            if issue.translation_placeholders is not None
        }
        assert roles == {
            "x.alert.list": "READONLY_ADMIN",  # an unknown name: the catch-all read role
            "x.pool.scan": "READONLY_ADMIN",
            "x.pool.query": "READONLY_ADMIN",
            "x.app.query": "READONLY_ADMIN",
            "x.app.stats": "READONLY_ADMIN",
            # The NAS's own devices and live figures (each refused event is its own repair).
            "x.reporting.realtime": "READONLY_ADMIN",
            "x.update.status": "READONLY_ADMIN",
            "x.vm.query": "READONLY_ADMIN",
            "x.container.query": "READONLY_ADMIN",
            "x.service.query": "READONLY_ADMIN",
        }
        assert runtime.apps.update_interval == timedelta(minutes=1)
        before = int(state(hass, "sensor.nas_active_alerts"))
        await lab.control(
            "POST", "/control/alerts", {"klass": "T", "level": "WARNING", "formatted": "x"}
        )
        await runtime.coordinator.async_refresh()
        assert int(state(hass, "sensor.nas_active_alerts")) == before + 1
        assert await hass.config_entries.async_unload(entry.entry_id)
