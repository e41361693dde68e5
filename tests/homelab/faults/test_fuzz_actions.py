"""Fuzzing every `homelab.*` action with random inputs against a live lab.

Targets are random mixes of real devices and entities (apps, backup tasks, datasets, Ollama,
Paperless-ngx, n8n, the NAS), unknown ids and garbage; fields get valid, borderline and absurd
values, plus keys nobody asked for. Allowed outcomes: success, a schema error (`vol.Invalid`,
which Home Assistant shows as a validation error), a `ServiceValidationError`, or a translated
`HomeAssistantError` of this integration (a refused or failed run on the server). Anything else
-- a KeyError, a TypeError, an untranslated error -- fails.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from unittest.mock import patch

from homeassistant.const import ATTR_DEVICE_ID, ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr, entity_registry as er
from hypothesis import HealthCheck, given, settings, strategies as st
import probatio as vol
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import yaml

from custom_components.homelab.const import DOMAIN, EntryType
from labsim import LabSimulator
from tests.common import LabHandle
from tests.conftest import PINNED_NOW, seed_scenario
from tests.fuzz.strategies import EXAMPLES, JSON
from tests.homelab.conftest import entry_data
from tests.homelab.pipeline.conftest import (
    freeze,
    make_entry,
    n8n_data,
    ollama_data,
    paperless_data,
    setup_entry,
)
from tests.safety import SAFETY, forbidden

pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")

OUTCOMES: Counter[str] = Counter()

FIELD_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "wait": st.booleans() | st.sampled_from(["yes", "off", 2, None]),
    "timeout": st.sampled_from([1, 2, 5, 0, -1, 3601, 86401, "10", "abc", None, 1.5]),
    "recursive": st.booleans() | st.sampled_from(["true", 3, None]),
    "naming_schema": st.sampled_from(
        ["ha-%Y-%m-%d_%H-%M-%S", "bad name!", "%", "\x00", "", "a" * 300, "x@y", "%Q%Y"]
    )
    | st.text(max_size=10),
    "document_ids": st.lists(st.integers(-3, 2**40), max_size=4)
    | st.sampled_from([[1203], [1203, 1203, 1251], "1203", [], [None], [True]]),
    "tag": st.sampled_from(["automation-failed", "inbox", "no-such-tag", "", " "])
    | st.text(max_size=8),
    "limit": st.integers(-5, 600) | st.sampled_from(["50", "x", None, 1.5]),
    "remove_tag": st.booleans() | st.sampled_from(["no", 1]),
    "model": st.sampled_from(["qwen3:8b", "llama3.2", "nomic-embed-text", "nope", "", " "])
    | st.text(max_size=8),
    "keep_alive": st.integers(-5, 10**6) | st.sampled_from(["1800", "5m", None, -2]),
}


SERVICE_FIELDS: dict[str, list[str]] = {
    service: list((spec or {}).get("fields", {}))
    for service, spec in yaml.safe_load(
        (Path(__file__).parents[3] / "custom_components/homelab/services.yaml").read_text()
    ).items()
}


# Which devices each action is meant for (by identifier infix, or manufacturer).
SUITABLE = {
    "_app_": ["start_app", "stop_app", "restart_app"],
    "_snapshottask_": ["trigger_backup"],
    "_replication_": ["trigger_backup"],
    "_cloudsync_": ["trigger_backup"],
    "_dataset_": ["trigger_backup"],
    "Paperless-ngx": ["reprocess_documents"],
    "Ollama": ["load_model", "unload_model"],
}
# Values the schemas accept, so that half of the calls get past them into the actions.
VALID_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "wait": st.booleans(),
    "timeout": st.sampled_from([1, 2, 5]),
    "recursive": st.booleans(),
    "naming_schema": st.sampled_from(["ha-%Y-%m-%d_%H-%M-%S-%f", "bad name!", "x@y", "a\x00"]),
    "document_ids": st.lists(st.integers(1, 1300), min_size=1, max_size=3),
    "tag": st.sampled_from(["automation-failed", "no-such-tag", "inbox"]),
    "limit": st.integers(1, 500),
    "remove_tag": st.booleans(),
    "model": st.sampled_from(["qwen3:8b", "llama3.2", "nope"]),
    "keep_alive": st.integers(-1, 3600),
}


def _fast_scenario() -> Any:
    scenario = seed_scenario()
    backups = scenario.sections["backups"]
    backups.job_seconds = dict.fromkeys(backups.job_seconds, 0.2)
    return scenario


@pytest.fixture
def fast_lab(socket_enabled: None, request: pytest.FixtureRequest) -> Iterator[LabHandle]:
    """The seed lab with backup jobs that take 0.2 s (the actions may wait for them)."""
    scenario = _fast_scenario()
    simulator = LabSimulator(scenario, service_clock_start=PINNED_NOW).run_in_thread()
    try:
        yield LabHandle(simulator, scenario)
        SAFETY.record(request.node.nodeid, simulator.control_sync("GET", "/control/calls"))
    finally:
        simulator.stop_thread()


@pytest.fixture
async def targets(hass: HomeAssistant, fast_lab: LabHandle) -> AsyncIterator[dict[str, list[str]]]:
    """Every kind of entry loaded; the ids actions may target."""
    truenas = MockConfigEntry(
        domain=DOMAIN, title="nas", unique_id=fast_lab.host_id, data=entry_data(fast_lab)
    )
    await setup_entry(hass, truenas)
    await freeze(fast_lab)
    for kind, data in (
        (EntryType.OLLAMA, ollama_data(fast_lab)),
        (EntryType.PAPERLESS, paperless_data(fast_lab)),
        (EntryType.N8N, n8n_data(fast_lab)),
    ):
        await setup_entry(hass, make_entry(kind, data))
    devices = dr.async_get(hass)
    entities = er.async_get(hass)
    found: dict[str, list[str]] = {"device": [], "entity": []}
    for entry in hass.config_entries.async_entries(DOMAIN):
        for device in dr.async_entries_for_config_entry(devices, entry.entry_id):
            found["device"].append(device.id)
            names = " ".join(identifier for _, identifier in device.identifiers)
            for marker, services in SUITABLE.items():
                if marker in names or marker == device.manufacturer:
                    for service in services:
                        found.setdefault(service, []).append(device.id)
        found["entity"] += [
            e.entity_id for e in er.async_entries_for_config_entry(entities, entry.entry_id)
        ]
    found["entity"] = sorted(found["entity"])[::7]
    with patch("custom_components.homelab.backup_coordinator.SNAPSHOT_TASK_POLL_SECONDS", 0.05):
        yield found
    await hass.async_block_till_done()


def _target(data: st.DataObject, ids: list[str], junk: list[str]) -> Any:
    real = st.sampled_from(ids)
    one = real | real | real | st.sampled_from(junk)
    return data.draw(one | one | st.lists(one, max_size=3) | JSON, label="target")


@settings(
    max_examples=EXAMPLES * 2,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    deadline=None,
)
@given(data=st.data())
async def test_actions_accept_or_refuse_cleanly(
    hass: HomeAssistant, targets: dict[str, list[str]], data: st.DataObject
) -> None:
    services = sorted(hass.services.async_services_for_domain(DOMAIN))
    service = data.draw(st.sampled_from(services), label="service")
    own = SERVICE_FIELDS.get(service, [])
    call: dict[str, Any] = {}
    if data.draw(st.booleans(), label="well-formed"):
        for field in own:
            if data.draw(st.booleans(), label=f"with {field}"):
                call[field] = data.draw(VALID_VALUES[field], label=field)
        suitable = targets.get(service) or targets["device"]
        call[ATTR_DEVICE_ID] = data.draw(st.sampled_from(suitable), label="device")
        await _call(hass, service, call, return_response=data.draw(st.booleans()))
        return
    for field, values in FIELD_VALUES.items():
        # Mostly the action's own fields, mostly with values of the right kind (draws shrink
        # towards 0, so 0 is "leave a foreign field out").
        if data.draw(st.integers(0, 1 if field in own else 15), label=f"with {field}") in (1, 15):
            call[field] = data.draw(values | values | values | JSON, label=field)
    how = data.draw(st.integers(0, 4), label="target kind")
    if how in (0, 1, 2):
        call[ATTR_DEVICE_ID] = _target(data, targets["device"], ["nope", ""])
    if how in (1, 3):
        call[ATTR_ENTITY_ID] = _target(data, targets["entity"], ["sensor.nope", "light.x"])
    if data.draw(st.integers(0, 7), label="extra key") == 7:
        call[data.draw(st.text(max_size=6), label="extra")] = data.draw(JSON)
    await _call(hass, service, call, return_response=data.draw(st.booleans()))


async def _call(
    hass: HomeAssistant, service: str, call: dict[str, Any], *, return_response: bool
) -> None:
    try:
        await hass.services.async_call(
            DOMAIN, service, call, blocking=True, return_response=return_response
        )
    except vol.Invalid:
        OUTCOMES["schema"] += 1
    except ServiceValidationError:
        OUTCOMES["validation"] += 1
    except HomeAssistantError as err:
        if err.translation_domain not in (DOMAIN, "homeassistant") or not err.translation_key:
            msg = f"an untranslated error escaped: {err!r}"
            raise AssertionError(msg) from err
        OUTCOMES["refused"] += 1
    else:
        OUTCOMES["success"] += 1


def test_zz_outcomes_were_varied() -> None:
    """The fuzzing reached past the schemas (when it ran in this session)."""
    if not OUTCOMES:
        pytest.skip("the action fuzzing did not run in this session")
    assert OUTCOMES["schema"], OUTCOMES
    assert OUTCOMES["validation"], OUTCOMES
    assert OUTCOMES["success"] + OUTCOMES["refused"] > 0, OUTCOMES
    assert not [m for m in SAFETY.methods if forbidden(m)]
