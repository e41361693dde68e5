"""What the demo adds for the user's experience: the Home Lab dashboard and the blueprints.

scripts/demo_driver.py calls these once Home Assistant runs with the Home Lab entries:

- `confirm_http_config` confirms the HTTP settings of the demo's configuration.yaml: Home
  Assistant moves them to its storage as a *pending* configuration and, unless an administrator
  confirms it within five minutes, restarts with its defaults (port 8123), ending the demo;
- `install_blueprints` copies the integration's blueprints into the configuration, as importing
  them from the README's links would (Settings → Automations & scenes → Blueprints);
- `create_dashboard` adds a storage-mode dashboard "Home Lab" (`/home-lab`) whose configuration
  is the integration's dashboard strategy, through Home Assistant's WebSocket API
  (`lovelace/dashboards/create`, then `lovelace/config/save`), as Settings → Dashboards →
  Add dashboard → Home Lab does.

aiohttp comes with Home Assistant.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
import shutil
from typing import Any

import aiohttp

REPO = Path(__file__).resolve().parent.parent
BLUEPRINTS = REPO / "custom_components" / "homelab" / "blueprints"
DASHBOARD_PATH = "home-lab"
DASHBOARD = {
    "url_path": DASHBOARD_PATH,
    "title": "Home Lab",
    "icon": "mdi:home-analytics",
    "show_in_sidebar": True,
    "require_admin": False,
    "mode": "storage",
}
DASHBOARD_CONFIG = {"strategy": {"type": "custom:homelab"}}


class DashboardError(Exception):
    """Home Assistant refused a WebSocket command."""


def install_blueprints(config_dir: Path) -> list[str]:
    """Copy the blueprints into <config>/blueprints/; return their paths there."""
    target = config_dir / "blueprints"
    shutil.copytree(BLUEPRINTS, target, dirs_exist_ok=True)
    return sorted(str(p.relative_to(BLUEPRINTS)) for p in BLUEPRINTS.rglob("*.yaml"))


async def _commands(base_url: str, token: str, messages: list[dict[str, Any]]) -> list[Any]:
    """Send WebSocket commands one by one; return their results (DashboardError on a refusal)."""
    url = base_url.replace("http", "ws", 1) + "/api/websocket"
    results: list[Any] = []
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as ws:
        await ws.receive_json()  # auth_required
        await ws.send_json({"type": "auth", "access_token": token})
        auth = await ws.receive_json()
        if auth.get("type") != "auth_ok":
            raise DashboardError(f"WebSocket authentication failed: {auth.get('type')}")
        for number, message in enumerate(messages, start=1):
            await ws.send_json({"id": number, **message})
            while True:
                reply = await ws.receive_json(timeout=30)
                if reply.get("id") == number and reply.get("type") == "result":
                    break
            if not reply.get("success"):
                raise DashboardError(f"{message['type']}: {reply.get('error')}")
            results.append(reply.get("result"))
    return results


def confirm_http_config(base_url: str, token: str) -> bool:
    """Confirm a pending HTTP configuration; False when there was none to confirm."""

    async def confirm() -> bool:
        config = (await _commands(base_url, token, [{"type": "http/config"}]))[0]
        if not (isinstance(config, dict) and config.get("pending")):
            return False
        await _commands(base_url, token, [{"type": "http/config/promote"}])
        return True

    return asyncio.run(confirm())


def create_dashboard(base_url: str, token: str) -> str:
    """Create the Home Lab dashboard (replacing one of the same URL); return its path."""

    async def create() -> None:
        existing = (await _commands(base_url, token, [{"type": "lovelace/dashboards/list"}]))[0]
        stale = [d["id"] for d in existing if d.get("url_path") == DASHBOARD_PATH]
        await _commands(
            base_url,
            token,
            [
                *({"type": "lovelace/dashboards/delete", "dashboard_id": i} for i in stale),
                {"type": "lovelace/dashboards/create", **DASHBOARD},
                {
                    "type": "lovelace/config/save",
                    "url_path": DASHBOARD_PATH,
                    "config": DASHBOARD_CONFIG,
                },
            ],
        )

    asyncio.run(create())
    return f"/{DASHBOARD_PATH}"
