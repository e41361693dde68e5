"""The TrueNAS update entity: offer, install as a tracked job without a reboot, failure halfway.

The lab's update jobs run on the lab clock: the tests freeze it and advance it step by step.
"""

from __future__ import annotations

import asyncio

from homeassistant.components.update import ATTR_IN_PROGRESS, SERVICE_INSTALL
from homeassistant.const import ATTR_ENTITY_ID, STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_track_state_change_event
import pytest

from custom_components.homelab.const import DOMAIN
from custom_components.homelab.nas.system.update import reboot_issue_id
from tests.backups_lab import release_lab
from tests.common import LabHandle, wait_for

from .conftest import set_up

pytestmark = pytest.mark.usefixtures("socket_enabled")

UPDATE = "update.nas_truenas"
WRITER = ["READONLY_ADMIN", "SYSTEM_UPDATE_WRITE"]


def attributes(hass: HomeAssistant) -> dict[str, object]:
    current = hass.states.get(UPDATE)
    assert current is not None
    return dict(current.attributes)


async def advance(lab: LabHandle, seconds: float) -> None:
    await lab.control("POST", "/control/nas/clock", {"advance": seconds})


async def finish(lab: LabHandle, install: asyncio.Task[object]) -> None:
    """Advance the lab clock a second at a time until the install returns (or raises)."""
    for _ in range(60):
        await advance(lab, 1)
        done, _ = await asyncio.wait([install], timeout=0.2)
        if done:
            break
    await install


@pytest.mark.parametrize(
    ("version", "offer", "install_method"),
    [
        ("25.04.2", "25.10.3", "update.update"),
        ("25.10.2", "25.10.3", "update.run"),
        ("26.0.0", "26.0.1", "update.run"),
    ],
)
async def test_offer_and_install_without_reboot(
    hass: HomeAssistant, version: str, offer: str, install_method: str
) -> None:
    with release_lab(version, WRITER) as lab:
        await lab.control("POST", "/control/nas/clock", {"freeze": True})
        await lab.control(
            "POST",
            "/control/nas/update",
            {"version": offer, "download_seconds": 4, "install_seconds": 6},
        )
        entry = await set_up(hass, lab)
        state = hass.states.get(UPDATE)
        assert state is not None
        assert state.state == STATE_ON
        assert attributes(hass)["installed_version"] == version
        assert attributes(hass)["latest_version"] == offer
        assert "scalereleasenotes" in str(attributes(hass)["release_url"])

        seen: list[object] = []
        async_track_state_change_event(
            hass,
            [UPDATE],
            lambda event: seen.append(event.data["new_state"].attributes.get("update_percentage")),
        )
        install = hass.async_create_task(
            hass.services.async_call(
                "update", SERVICE_INSTALL, {ATTR_ENTITY_ID: UPDATE}, blocking=True
            )
        )
        await wait_for(lambda: attributes(hass)[ATTR_IN_PROGRESS] is True)
        await finish(lab, install)
        assert 50 in seen, seen  # progress followed the job (downloaded: 50 %)
        await hass.async_block_till_done()
        calls = [c for c in await lab.calls() if c["method"] == install_method]
        assert len(calls) == 1
        assert calls[0]["params"] == [{"reboot": False}]
        methods = {c["method"] for c in await lab.calls()}
        assert not {"system.reboot", "system.shutdown"} & methods
        assert (await lab.control("GET", "/control/nas/power"))["power"] == "ON"
        # Applied: a repair says a reboot is needed; the entity waits for it.
        await wait_for(lambda: attributes(hass)["reboot_required"] is True)
        issue = ir.async_get(hass).async_get_issue(DOMAIN, reboot_issue_id(entry))
        assert issue is not None
        assert issue.translation_key == "system_update_reboot_required"
        assert attributes(hass)[ATTR_IN_PROGRESS] is False
        with pytest.raises(HomeAssistantError) as err:
            await hass.services.async_call(
                "update", SERVICE_INSTALL, {ATTR_ENTITY_ID: UPDATE}, blocking=True
            )
        assert err.value.translation_key == "system_update_reboot_required"
        assert await hass.config_entries.async_unload(entry.entry_id)


async def test_install_fails_halfway(hass: HomeAssistant) -> None:
    with release_lab("25.10.2", WRITER) as lab:
        await lab.control("POST", "/control/nas/clock", {"freeze": True})
        entry = await set_up(hass, lab)
        await lab.control(
            "POST", "/control/nas/update/fail", {"at_percent": 50, "error": "No space left"}
        )
        install = hass.async_create_task(
            hass.services.async_call(
                "update", SERVICE_INSTALL, {ATTR_ENTITY_ID: UPDATE}, blocking=True
            )
        )
        await wait_for(lambda: attributes(hass)[ATTR_IN_PROGRESS] is True)
        with pytest.raises(HomeAssistantError) as err:
            await finish(lab, install)
        assert err.value.translation_key == "system_update_failed"
        assert err.value.translation_placeholders == {"error": "No space left"}
        await hass.async_block_till_done()
        assert attributes(hass)["last_error"] == "No space left"
        assert attributes(hass)[ATTR_IN_PROGRESS] is False
        state = hass.states.get(UPDATE)
        assert state is not None
        assert state.state == STATE_ON  # still on offer
        assert ir.async_get(hass).async_get_issue(DOMAIN, reboot_issue_id(entry)) is None
        assert await hass.config_entries.async_unload(entry.entry_id)


async def test_no_update_on_offer(hass: HomeAssistant) -> None:
    with release_lab("26.0.0", ["READONLY_ADMIN"]) as lab:
        await lab.control("DELETE", "/control/nas/update")
        entry = await set_up(hass, lab)
        state = hass.states.get(UPDATE)
        assert state is not None
        assert state.state == STATE_OFF
        assert attributes(hass)["latest_version"] == "26.0.0"
        # An update appears: 26 pushes `update.status`... the lab announces it on install only,
        # so the coordinator's refresh picks it up.
        await lab.control("POST", "/control/nas/update", {"version": "26.0.1"})
        await entry.runtime_data.system.update.async_refresh()
        await hass.async_block_till_done()
        assert hass.states.get(UPDATE).state == STATE_ON  # type: ignore[union-attr]
        assert await hass.config_entries.async_unload(entry.entry_id)


async def test_install_without_the_role(hass: HomeAssistant) -> None:
    """READONLY_ADMIN may read the offer but not install: a translated error, a repair."""
    with release_lab("25.10.2", ["READONLY_ADMIN"]) as lab:
        entry = await set_up(hass, lab)
        with pytest.raises(HomeAssistantError) as err:
            await hass.services.async_call(
                "update", SERVICE_INSTALL, {ATTR_ENTITY_ID: UPDATE}, blocking=True
            )
        assert err.value.translation_key == "system_update_failed"
        issues = [
            issue
            for (domain, _), issue in ir.async_get(hass).issues.items()
            if domain == DOMAIN and issue.translation_key == "missing_role"
        ]
        assert issues
        assert issues[0].translation_placeholders is not None
        assert issues[0].translation_placeholders["role"] == "SYSTEM_UPDATE_WRITE"
        assert await hass.config_entries.async_unload(entry.entry_id)
