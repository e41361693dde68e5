"""Fixtures for the Home Assistant side: entries pointing at the running simulator."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from unittest.mock import PropertyMock, patch

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_API_KEY, CONF_HOST, CONF_PORT, CONF_USERNAME
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homelab.const import CONF_SSL, CONF_VERIFY_SSL, DOMAIN
from custom_components.homelab.nas.identifiers import disk_identifier
from tests.common import LabHandle


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Load custom_components/ in every Home Assistant test."""


@pytest.fixture(autouse=True)
def fast_reconnect() -> Iterator[None]:
    """Reconnect after 50 ms instead of seconds, so outages are short in tests."""
    with patch(
        "custom_components.homelab.clients.truenas.client.TrueNASClient._backoff", return_value=0.05
    ):
        yield


def entry_data(lab: LabHandle, **overrides: Any) -> dict[str, Any]:
    """Config entry data for the simulator over TLS (self-signed, so no verification)."""
    return {
        CONF_HOST: "127.0.0.1",
        CONF_PORT: lab.port,
        CONF_SSL: True,
        CONF_VERIFY_SSL: False,
        CONF_USERNAME: lab.username,
        CONF_API_KEY: lab.api_key,
        **overrides,
    }


async def set_up(hass: HomeAssistant, lab: LabHandle, **options: Any) -> MockConfigEntry:
    """A TrueNAS entry for `lab` with `options`, added and loaded."""
    entry = MockConfigEntry(
        domain=DOMAIN, title="nas", unique_id=lab.host_id, data=entry_data(lab), options=options
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    return entry


@pytest.fixture
def mock_config_entry(lab: LabHandle) -> MockConfigEntry:
    """An entry for the seed lab."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="nas",
        unique_id=lab.host_id,
        data=entry_data(lab),
    )


@pytest.fixture
async def loaded_entry(hass: HomeAssistant, mock_config_entry: MockConfigEntry) -> MockConfigEntry:
    """The entry set up against the simulator."""
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    return mock_config_entry


@pytest.fixture
def entity_registry_enabled_by_default() -> Iterator[None]:
    """Create the entities that are disabled by default enabled (as HA core's fixture does)."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        return_value=True,
        new_callable=PropertyMock,
    ):
        yield


def disk_identifier_now(entry: MockConfigEntry, name: str) -> tuple[str, str]:
    """The device identifier of the disk the kernel now calls `name` (`sda`)."""
    keys = {kernel: key for key, kernel in entry.runtime_data.disks.data.keys.items()}
    return disk_identifier(entry, keys[name])
