"""The Home Lab dashboard: a dashboard strategy the frontend loads from the integration.

`frontend/homelab-dashboard-strategy.js` defines the strategy `custom:homelab`, which builds the
dashboard's views from the integration's entities (found by their translation keys) with cards
that ship with Home Assistant. Here it is served over HTTP and added to every frontend page; the
user then picks **Home Lab** under Settings → Dashboards → Add dashboard (or saves a dashboard
whose configuration is `{"strategy": {"type": "custom:homelab"}}`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from homeassistant.components.frontend import add_extra_js_url
from homeassistant.components.http.server import StaticPathConfig
from homeassistant.core import HomeAssistant
from homeassistant.loader import async_get_integration

from .const import DOMAIN

STRATEGY_FILE: Final = Path(__file__).parent / "frontend" / "homelab-dashboard-strategy.js"
STRATEGY_URL: Final = f"/{DOMAIN}/homelab-dashboard-strategy.js"
STRATEGY_CONFIG: Final = {"strategy": {"type": f"custom:{DOMAIN}"}}


async def async_register_dashboard_strategy(hass: HomeAssistant) -> bool:
    """Serve the strategy and load it in the frontend; False when there is no frontend."""
    if "frontend" not in hass.config.components:  # the frontend also sets up http
        return False
    await hass.http.async_register_static_paths(
        [StaticPathConfig(STRATEGY_URL, str(STRATEGY_FILE), cache_headers=False)]
    )
    # The version in the URL makes browsers fetch the new script after an upgrade.
    integration = await async_get_integration(hass, DOMAIN)
    add_extra_js_url(hass, f"{STRATEGY_URL}?v={integration.version}")
    return True
