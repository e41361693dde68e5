"""The dashboard strategy: served by the integration and loaded in every frontend page."""

from __future__ import annotations

from http import HTTPStatus

from homeassistant.components.frontend import DATA_EXTRA_MODULE_URL
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.homelab.const import DOMAIN
from custom_components.homelab.dashboard import (
    STRATEGY_FILE,
    STRATEGY_URL,
    async_register_dashboard_strategy,
)


async def test_strategy_is_served_and_loaded(
    hass: HomeAssistant, hass_client: ClientSessionGenerator
) -> None:
    """With a frontend, the script is served and added to the frontend's extra modules."""
    assert await async_setup_component(hass, "frontend", {})
    assert await async_setup_component(hass, DOMAIN, {})
    await hass.async_block_till_done()

    (url,) = [u for u in hass.data[DATA_EXTRA_MODULE_URL].urls if u.startswith(STRATEGY_URL)]
    assert url.startswith(f"{STRATEGY_URL}?v=")
    client = await hass_client()
    response = await client.get(url)
    assert response.status == HTTPStatus.OK
    text = await response.text()
    assert text == STRATEGY_FILE.read_text(encoding="utf-8")
    assert 'customElements.define("ll-strategy-dashboard-homelab"' in text


async def test_no_frontend(hass: HomeAssistant) -> None:
    """Without a frontend (a headless install) there is nothing to register."""
    assert not await async_register_dashboard_strategy(hass)
