"""Every entity of the pipeline's entries against the simulator, platform by platform.

The lab clock is frozen at the pinned moment first, so the values do not drift. Paperless-ngx is
snapshotted in both API shapes: 2.20 (API 9) and 3.0 (API 10) must give the same entities.
Platforms without entities for an entry type (n8n has only sensors) are left out.
"""

from __future__ import annotations

from unittest.mock import patch

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from tests.common import LabHandle

from .conftest import freeze

PLATFORMS = [Platform.BINARY_SENSOR, Platform.BUTTON, Platform.SENSOR]


async def _snapshot(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    entry: MockConfigEntry,
    platform: Platform,
) -> None:
    entry.add_to_hass(hass)
    with patch("custom_components.homelab.pipeline.entry.PIPELINE_PLATFORMS", [platform]):
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
    await snapshot_platform(hass, entity_registry, snapshot, entry.entry_id)


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_ollama(
    hass: HomeAssistant,
    lab: LabHandle,
    ollama_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    platform: Platform,
) -> None:
    await freeze(lab)
    await _snapshot(hass, entity_registry, snapshot, ollama_entry, platform)


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize("platform", [Platform.BINARY_SENSOR, Platform.SENSOR])
@pytest.mark.parametrize("version", ["2.20.15", "3.0.5"])
async def test_paperless(
    hass: HomeAssistant,
    lab: LabHandle,
    paperless_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    platform: Platform,
    version: str,
) -> None:
    await freeze(lab)
    await lab.control("POST", "/control/paperless/version", {"version": version})
    await _snapshot(hass, entity_registry, snapshot, paperless_entry, platform)


@pytest.mark.parametrize("platform", [Platform.SENSOR])
async def test_n8n(
    hass: HomeAssistant,
    lab: LabHandle,
    n8n_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    platform: Platform,
) -> None:
    await freeze(lab)
    await _snapshot(hass, entity_registry, snapshot, n8n_entry, platform)
