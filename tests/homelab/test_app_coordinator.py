"""Edge cases of the apps coordinator, fed directly (a well-behaved server rarely sends them)."""

from __future__ import annotations

import asyncio
from unittest.mock import AsyncMock, patch

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed, HomeAssistantError
from homeassistant.helpers.update_coordinator import UpdateFailed
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homelab.clients.truenas import (
    Event,
    TrueNASAuthenticationError,
    TrueNASCallError,
    TrueNASConnectionError,
    TrueNASTimeoutError,
)
from custom_components.homelab.nas.apps.coordinator import STATS_LISTENERS_PER_BATCH
from tests.common import LabHandle


async def test_malformed_events_are_ignored(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry
) -> None:
    apps = loaded_entry.runtime_data.apps
    before = dict(apps.data)
    apps._on_app_event(Event("changed", "app.query", "x", {"no": "name"}))
    apps._on_stats(Event("added", "app.stats", None, "not a list"))
    apps._on_stats(Event("added", "app.stats", None, [{"cpu_usage": 1}]))
    apps._on_job(Event("changed", "core.get_jobs", 1, "not a dict"))
    apps._on_job(Event("changed", "core.get_jobs", 1, {"state": "RUNNING"}))
    apps._on_job(Event("changed", "core.get_jobs", 1, {"method": "pool.scrub", "state": "RUNNING"}))
    assert apps.data == before
    assert apps.jobs == {}


async def test_foreign_job_does_not_clear_ours(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry
) -> None:
    apps = loaded_entry.runtime_data.apps
    running = {"method": "app.stop", "arguments": ["n8n"], "state": "RUNNING"}
    apps._on_job(Event("added", "core.get_jobs", 7, running))
    apps._on_job(Event("changed", "core.get_jobs", 6, {**running, "state": "SUCCESS"}))
    assert apps.busy_job("n8n") is not None
    apps._on_job(Event("changed", "core.get_jobs", 7, {**running, "state": "SUCCESS"}))
    assert apps.busy_job("n8n") is None


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (TrueNASAuthenticationError("no"), ConfigEntryAuthFailed),
        (TrueNASTimeoutError("slow"), UpdateFailed),
        (TrueNASCallError("boom", code=-32001), UpdateFailed),
    ],
)
async def test_safety_net_errors(
    hass: HomeAssistant,
    lab: LabHandle,
    loaded_entry: MockConfigEntry,
    error: Exception,
    expected: type[Exception],
) -> None:
    apps = loaded_entry.runtime_data.apps
    with (
        patch.object(apps.client, "apps", AsyncMock(side_effect=error)),
        pytest.raises(expected),
    ):
        await apps._async_update_data()


async def test_socket_lost_mid_refresh_keeps_the_data(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry
) -> None:
    """The pool coordinator reports the outage once; the apps keep their last data."""
    apps = loaded_entry.runtime_data.apps
    with patch.object(apps.client, "apps", AsyncMock(side_effect=TrueNASConnectionError("x"))):
        assert await apps._async_update_data() is apps.data


async def test_socket_lost_mid_refresh_keeps_data(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry
) -> None:
    """The pool coordinator reports an outage once; the apps keep their last data."""
    apps = loaded_entry.runtime_data.apps
    with patch.object(apps.client, "apps", AsyncMock(side_effect=TrueNASConnectionError("x"))):
        assert await apps._async_update_data() == apps.data


async def test_action_errors(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry
) -> None:
    apps = loaded_entry.runtime_data.apps
    with pytest.raises(HomeAssistantError) as err:
        await apps.async_run_app_action("nope", "start")
    assert err.value.translation_key == "unknown_app"
    with (
        patch.object(apps.client, "stop_app", AsyncMock(side_effect=TrueNASConnectionError("x"))),
        pytest.raises(HomeAssistantError) as err,
    ):
        await apps.async_run_app_action("n8n", "stop")
    assert err.value.translation_key == "cannot_connect"
    with (
        patch.object(apps.client, "stop_app", AsyncMock(return_value=99)),
        patch.object(apps.client, "wait_for_job", AsyncMock(side_effect=TrueNASTimeoutError("t"))),
    ):
        result = await apps.async_run_app_action("n8n", "stop", wait=True, timeout=1)
    assert result.as_dict() == {"job_id": 99, "state": "RUNNING", "error": "timeout"}
    assert apps.busy_job("n8n") is not None
    apps.jobs.clear()
    with (
        patch.object(apps.client, "stop_app", AsyncMock(return_value=98)),
        patch.object(
            apps.client, "wait_for_job", AsyncMock(side_effect=TrueNASConnectionError("lost"))
        ),
        pytest.raises(HomeAssistantError) as err,
    ):
        await apps.async_run_app_action("n8n", "stop", wait=True)
    assert err.value.translation_key == "cannot_connect"


async def test_stats_sensors_are_told_a_batch_at_a_time(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry
) -> None:
    """A batch is counted in sensors told, so apps with more stats sensors make smaller ones."""
    apps = loaded_entry.runtime_data.apps
    names = sorted(apps.data)[:6]
    told: list[str] = []
    removers = [
        apps.add_stats_listener(name, lambda name=name: told.append(name))
        for name in names
        for _sensor in range(7)
    ]
    apps._notify_stats(names)
    # The first batch, told at once: the seed lab's own CPU and memory sensors count too, and
    # an app's sensors are never split, so it ends within one app of the limit.
    first = len(told)
    assert 0 < first <= STATS_LISTENERS_PER_BATCH + 7
    assert first < len(names) * 7
    for _ in range(10):  # the rest, one batch per loop iteration
        await asyncio.sleep(0)
    for remove in removers:
        remove()
    assert len(told) == len(names) * 7
