"""The Paperless-ngx entry against the simulator behaving like real 2.20.15 and 3.0.5 (issue 10).

Orphaned tasks and their dismissal, the repair for a token that sees only its own documents,
reprocessing by tag on API 10 (no `all`), what a poll costs the server, and the refusals the real
servers give.
"""

from __future__ import annotations

from typing import Any

from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import issue_registry as ir
import pytest

from custom_components.homelab.const import DOMAIN, EntryType
from custom_components.homelab.pipeline.config_flow import validate_service
from custom_components.homelab.pipeline.const import CONF_STUCK_THRESHOLD
from custom_components.homelab.pipeline.paperless import LIMITED_USER_ISSUE
from tests.common import LabHandle

from .conftest import advance, freeze, make_entry, paperless_data, setup_entry

STUCK = "binary_sensor.paperless_ngx_stuck"
DISMISS = "button.paperless_ngx_dismiss_stuck_tasks"
POLL = 30  # seconds: the default interval


def state(hass: HomeAssistant, entity_id: str) -> str:
    current = hass.states.get(entity_id)
    assert current is not None, entity_id
    return current.state


def attributes(hass: HomeAssistant, entity_id: str) -> dict[str, Any]:
    current = hass.states.get(entity_id)
    assert current is not None, entity_id
    return dict(current.attributes)


async def refresh(hass: HomeAssistant, entry: Any) -> None:
    await entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()


async def start(hass: HomeAssistant, lab: LabHandle, version: str, **options: Any) -> Any:
    await freeze(lab)
    await lab.control("POST", "/control/paperless/version", {"version": version})
    entry = make_entry(EntryType.PAPERLESS, paperless_data(lab, ai=False), options=options)
    return await setup_entry(hass, entry)


def limited_issue(hass: HomeAssistant, entry: Any) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(DOMAIN, f"{entry.entry_id}_{LIMITED_USER_ISSUE}")


# ---------------------------------------------------------------- 2: a wrong token


@pytest.mark.parametrize("version", ["2.20.15", "3.0.5"])
async def test_a_wrong_token_is_invalid_auth_in_the_form(
    hass: HomeAssistant, lab: LabHandle, version: str
) -> None:
    await freeze(lab)
    await lab.control("POST", "/control/paperless/version", {"version": version})
    data = paperless_data(lab, ai=False)
    assert await validate_service(hass, EntryType.PAPERLESS, data) == {}
    data["token"] = "f" * 40
    errors = await validate_service(hass, EntryType.PAPERLESS, data)
    assert errors == {"base": "service_invalid_auth"}


# ---------------------------------------------------------------- 4: reprocess by tag, API 10


@pytest.mark.parametrize("version", ["2.20.15", "3.0.5"])
async def test_reprocess_by_tag_reports_what_the_limit_skipped(
    hass: HomeAssistant, lab: LabHandle, version: str
) -> None:
    await start(hass, lab, version)
    result = await hass.services.async_call(
        DOMAIN,
        "reprocess_documents",
        {ATTR_ENTITY_ID: "sensor.pipeline_depth", "tag": "automation-failed", "limit": 1},
        blocking=True,
        return_response=True,
    )
    # API 10 has no "all": the skipped ids come from the count and the pages.
    assert result == {"queued": [1203], "skipped": [{"id": 1251, "reason": "limit"}]}


async def test_a_tag_deleted_meanwhile_is_an_unknown_tag(
    hass: HomeAssistant, lab: LabHandle
) -> None:
    await start(hass, lab, "3.0.5")
    await lab.control(
        "POST",
        "/control/paperless/fault",
        {
            "status": 400,
            "body": {"non_field_errors": ["Tag does not exist"]},
            "path": "/api/documents/bulk_edit/",
            "count": 1,
        },
    )
    with pytest.raises(ServiceValidationError) as info:
        await hass.services.async_call(
            DOMAIN,
            "reprocess_documents",
            {
                ATTR_ENTITY_ID: "sensor.pipeline_depth",
                "tag": "automation-failed",
                "remove_tag": True,
            },
            blocking=True,
            return_response=True,
        )
    assert info.value.translation_key == "unknown_tag"


# ---------------------------------------------------------------- 5, 6: the queue and orphans


async def test_the_split_is_right_behind_55_waiting(hass: HomeAssistant, lab: LabHandle) -> None:
    entry = await start(hass, lab, "3.0.5")
    await lab.control("POST", "/control/paperless/consume", {"count": 55})
    await refresh(hass, entry)
    assert state(hass, "sensor.paperless_ngx_queued_tasks") == "57"
    assert state(hass, "sensor.paperless_ngx_processing_tasks") == "1"
    assert state(hass, "sensor.paperless_ngx_oldest_queued_task") == "2026-11-01T11:59:20+00:00"


@pytest.mark.parametrize("version", ["2.20.15", "3.0.5"])
async def test_an_orphaned_task_is_shown_and_can_be_dismissed(
    hass: HomeAssistant, lab: LabHandle, version: str
) -> None:
    entry = await start(hass, lab, version, **{CONF_STUCK_THRESHOLD: 5})
    assert state(hass, STUCK) == "off"
    assert state(hass, DISMISS) == "unknown"
    # The worker is killed mid-task: the task stays "started" for ever, the rest flows.
    await lab.control("POST", "/control/paperless/kill_worker")
    await lab.control("POST", "/control/paperless/consume", {"count": 2})
    await advance(lab, 400)
    await refresh(hass, entry)
    assert state(hass, "sensor.paperless_ngx_queued_tasks") == "0"
    assert state(hass, STUCK) == "on"
    shown = attributes(hass, STUCK)
    assert shown["oldest_task_file"] == "scan_2026-11-01_1155.pdf"
    assert shown["oldest_task_status"] == "started"
    assert shown["overrunning_tasks"] == [
        {"id": 4, "file": "scan_2026-11-01_1155.pdf", "type": "consume_file"}
    ]
    await hass.services.async_call("button", "press", {ATTR_ENTITY_ID: DISMISS}, blocking=True)
    await hass.async_block_till_done()
    assert state(hass, STUCK) == "off"
    assert state(hass, "sensor.paperless_ngx_processing_tasks") == "0"
    assert 4 in (await lab.control("GET", "/control/paperless/state"))["acknowledged"]
    # Nothing overran: pressing again changes nothing.
    await hass.services.async_call("button", "press", {ATTR_ENTITY_ID: DISMISS}, blocking=True)
    assert state(hass, STUCK) == "off"


async def test_dismissing_reports_a_failure(hass: HomeAssistant, lab: LabHandle) -> None:
    entry = await start(hass, lab, "3.0.5", **{CONF_STUCK_THRESHOLD: 5})
    await lab.control("POST", "/control/paperless/kill_worker")
    await advance(lab, 400)
    await refresh(hass, entry)
    await lab.control(
        "POST", "/control/paperless/fault", {"status": 500, "path": "/api/tasks/acknowledge/"}
    )
    with pytest.raises(Exception, match="HTTP 500"):
        await hass.services.async_call("button", "press", {ATTR_ENTITY_ID: DISMISS}, blocking=True)
    assert state(hass, STUCK) == "on"


# ---------------------------------------------------------------- 7: a token that is not staff


async def test_a_token_that_is_not_staff_raises_a_repair_on_3x(
    hass: HomeAssistant, lab: LabHandle
) -> None:
    await freeze(lab)
    await lab.control("POST", "/control/paperless/version", {"version": "3.0.5"})
    # A user of its own, neither staff nor superuser: 3.x shows it nothing of the archive.
    await lab.control("POST", "/control/paperless/user", {"staff": False, "user_id": 7})
    entry = await setup_entry(hass, make_entry(EntryType.PAPERLESS, paperless_data(lab, ai=False)))
    assert state(hass, "sensor.paperless_ngx_documents") == "0"
    assert state(hass, "sensor.paperless_ngx_queued_tasks") == "0"
    issue = limited_issue(hass, entry)
    assert issue is not None
    assert issue.translation_key == LIMITED_USER_ISSUE
    assert issue.translation_placeholders == {"entry": "Paperless-ngx", "user": "user7"}
    assert entry.runtime_data.coordinator.data.limited_user
    # Fixed in Paperless-ngx: the user is read again within the hour and the issue goes.
    await lab.control("POST", "/control/paperless/user", {"staff": True, "user_id": 3})
    await advance(lab, 3600)
    await refresh(hass, entry)
    assert limited_issue(hass, entry) is None
    assert state(hass, "sensor.paperless_ngx_queued_tasks") == "0"  # the queue drained meanwhile
    assert state(hass, "sensor.paperless_ngx_documents") == "1287"


async def test_without_the_ui_settings_the_status_refusal_tells(
    hass: HomeAssistant, lab: LabHandle
) -> None:
    await freeze(lab)
    await lab.control("POST", "/control/paperless/version", {"version": "3.0.5"})
    await lab.control("POST", "/control/paperless/user", {"staff": False})
    await lab.control(
        "POST",
        "/control/paperless/fault",
        {"status": 403, "body": {"detail": "no"}, "path": "/api/ui_settings/"},
    )
    entry = await setup_entry(hass, make_entry(EntryType.PAPERLESS, paperless_data(lab, ai=False)))
    assert limited_issue(hass, entry) is not None
    # Other errors reading the user are not fatal either.
    await lab.control("DELETE", "/control/paperless/fault")
    await lab.control(
        "POST", "/control/paperless/fault", {"status": 500, "path": "/api/ui_settings/"}
    )
    await advance(lab, 3600)
    await refresh(hass, entry)
    assert state(hass, "sensor.paperless_ngx_queued_tasks") == "0"


@pytest.mark.parametrize(("user", "limited"), [({"staff": False}, True), ({}, False)])
async def test_2x_non_superuser_tokens_raise_the_repair_too(
    hass: HomeAssistant, lab: LabHandle, user: dict[str, Any], limited: bool
) -> None:
    # Real 2.20.15: a user who is not a superuser counts only its own documents (0 there).
    await freeze(lab)
    await lab.control("POST", "/control/paperless/user", {**user, "user_id": 7} if user else {})
    entry = await setup_entry(hass, make_entry(EntryType.PAPERLESS, paperless_data(lab, ai=False)))
    assert (limited_issue(hass, entry) is not None) is limited
    assert entry.runtime_data.coordinator.data.limited_user is limited


# ---------------------------------------------------------------- 8: what polling costs


@pytest.mark.parametrize("version", ["2.20.15", "3.0.5"])
async def test_polling_costs_the_server_under_half_a_second_a_minute(
    hass: HomeAssistant, lab: LabHandle, version: str
) -> None:
    """The simulator charges each answer a modelled server time (/api/status/: 2.3 s, as the
    real servers took); an hour of polls at the default interval, with documents flowing."""
    entry = await start(hass, lab, version)
    await lab.control("DELETE", "/control/paperless/cost")
    minutes = 60
    for poll in range(minutes * 60 // POLL):
        if poll % 20 == 0:
            await lab.control("POST", "/control/paperless/consume", {"count": 3})
        await advance(lab, POLL)
        await refresh(hass, entry)
    cost = await lab.control("GET", "/control/paperless/cost")
    per_minute = cost["server_seconds"] / minutes
    per_poll = cost["requests"] / (minutes * 60 // POLL)
    assert per_minute <= 0.5, cost  # the old poll read /api/status/ every time: 4.6 s a minute
    assert per_poll <= 4.5, cost
    assert cost["by_path"]["/api/status/"] <= minutes // 5
