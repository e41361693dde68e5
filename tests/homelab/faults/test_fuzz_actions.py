"""Fuzzing every `homelab.*` action with random inputs against a live lab.

Targets are random mixes of real devices, entities, areas and labels (apps, backup tasks,
datasets, Ollama, Paperless-ngx, n8n, the NAS), unknown ids and garbage. The lab's pools, datasets
and apps carry every marker and separator of Home Lab's identifiers in their names
(`tests/homelab/tricky_names.py`); a device the action is not meant for must be refused with
nothing run on the server; fields get valid, borderline and absurd
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

from homeassistant.const import ATTR_AREA_ID, ATTR_DEVICE_ID, ATTR_ENTITY_ID, ATTR_LABEL_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import (
    area_registry as ar,
    device_registry as dr,
    entity_registry as er,
    label_registry as lr,
)
from hypothesis import HealthCheck, given, settings, strategies as st
import probatio as vol
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import yaml

from custom_components.homelab.const import DOMAIN, EntryType
from custom_components.homelab.targets import owned_objects
from tests.common import LabHandle
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
from tests.homelab.tricky_names import ACTING, MARKERS, SEPARATORS, all_names, run_tricky_lab
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
    "delay": st.integers(-5, 10**5) | st.sampled_from(["60", "soon", None, 1.5]),
    "force": st.booleans() | st.sampled_from(["yes", 2, None]),
    "passphrase": st.sampled_from(["wrong", "", " ", None, 3]) | st.text(max_size=8),
}


SERVICE_FIELDS: dict[str, list[str]] = {
    service: list((spec or {}).get("fields", {}))
    for service, spec in yaml.safe_load(
        (Path(__file__).parents[3] / "custom_components/homelab/services.yaml").read_text()
    ).items()
}


# Which objects each action is meant for, by the kind the entry itself gives the device's object
# (`targets.owned_objects`): never by reading identifiers or names, which embed user names.
SUITABLE = {
    "app": ["start_app", "stop_app", "restart_app"],
    "snapshottask": ["trigger_backup"],
    "replication": ["trigger_backup"],
    "cloudsync": ["trigger_backup"],
    "dataset": ["trigger_backup", "unlock_dataset"],
    "paperless": ["reprocess_documents"],
    "ollama": ["load_model", "unload_model"],
    "vm": ["start_vm", "stop_vm", "restart_vm"],
    "system": ["reboot_nas", "shutdown_nas"],
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
    "delay": st.integers(0, 3600),
    "force": st.booleans(),
    "passphrase": st.sampled_from(["wrong", "x"]),
}


def test_names_cover_every_marker_and_separator() -> None:
    """The fuzzed lab has pools, datasets and apps named with every identifier marker."""
    names = all_names()
    for needle in (*MARKERS, *SEPARATORS):
        assert any(needle in name for name in names), needle


@pytest.fixture
def fast_lab(socket_enabled: None, request: pytest.FixtureRequest) -> Iterator[LabHandle]:
    """The seed lab plus tricky names, with backup jobs that take 0.2 s (actions may wait)."""
    yield from run_tricky_lab(request)


@pytest.fixture
async def targets(hass: HomeAssistant, fast_lab: LabHandle) -> AsyncIterator[dict[str, list[str]]]:
    """Every kind of entry loaded; the ids actions may target."""
    hass.data["homelab_fuzz_lab"] = fast_lab
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
        owned = owned_objects(entry)
        for device in dr.async_entries_for_config_entry(devices, entry.entry_id):
            found["device"].append(device.id)
            kinds = {owned[i][0] for i in device.identifiers if i in owned}
            for kind in kinds:
                for service in SUITABLE.get(kind, []):
                    found.setdefault(service, []).append(device.id)
        found["entity"] += [
            e.entity_id for e in er.async_entries_for_config_entry(entities, entry.entry_id)
        ]
    found["entity"] = sorted(found["entity"])[::7]
    # Areas and labels holding a mix of devices and entities of every kind (and of none).
    areas = ar.async_get(hass)
    labels = lr.async_get(hass)
    found["area"] = [areas.async_create(name).id for name in ("Rack", "Shelf", "Empty")]
    found["label"] = [labels.async_create(name).label_id for name in ("Red", "Blue", "Unused")]
    for index, device_id in enumerate(sorted(found["device"])):
        devices.async_update_device(
            device_id,
            area_id=found["area"][index % 2],
            labels={found["label"][index % 3 % 2]} if index % 3 else set(),
        )
    for index, entity_id in enumerate(found["entity"]):
        if index % 4 == 0:
            entities.async_update_entity(entity_id, labels={found["label"][1]})
    with patch(
        "custom_components.homelab.nas.backups.coordinator.SNAPSHOT_TASK_POLL_SECONDS", 0.05
    ):
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
        if data.draw(st.booleans(), label="suitable device"):
            call[ATTR_DEVICE_ID] = data.draw(st.sampled_from(suitable), label="device")
            await _call(hass, service, call, return_response=data.draw(st.booleans()))
            return
        # A device the action is not meant for (a pool named `fast_app_n8n` for restart_app,
        # `p_replication_1` for trigger_backup): refused, and nothing runs on the server.
        others = sorted(set(targets["device"]) - set(suitable)) or targets["device"]
        call[ATTR_DEVICE_ID] = data.draw(st.sampled_from(others), label="other device")
        before = len(await fast_lab_calls(hass))
        # (A required field the draw left out fails the schema first: refused all the same.)
        with pytest.raises((ServiceValidationError, vol.Invalid)):
            await hass.services.async_call(DOMAIN, service, call, blocking=True)
        OUTCOMES["validation"] += 1
        assert not [m for m in (await fast_lab_calls(hass))[before:] if m in ACTING], call
        return
    for field, values in FIELD_VALUES.items():
        # Mostly the action's own fields, mostly with values of the right kind (draws shrink
        # towards 0, so 0 is "leave a foreign field out").
        if data.draw(st.integers(0, 1 if field in own else 15), label=f"with {field}") in (1, 15):
            call[field] = data.draw(values | values | values | JSON, label=field)
    how = data.draw(st.integers(0, 5), label="target kind")
    if how in (0, 1, 2):
        call[ATTR_DEVICE_ID] = _target(data, targets["device"], ["nope", ""])
    if how in (1, 3):
        call[ATTR_ENTITY_ID] = _target(data, targets["entity"], ["sensor.nope", "light.x"])
    if data.draw(st.integers(0, 3), label="with area") == 3:
        call[ATTR_AREA_ID] = _target(data, targets["area"], ["no_such_area", ""])
    if data.draw(st.integers(0, 3), label="with label") == 3:
        call[ATTR_LABEL_ID] = _target(data, targets["label"], ["no_such_label"])
    if data.draw(st.integers(0, 7), label="extra key") == 7:
        call[data.draw(st.text(max_size=6), label="extra")] = data.draw(JSON)
    await _call(hass, service, call, return_response=data.draw(st.booleans()))


async def fast_lab_calls(hass: HomeAssistant) -> list[str]:
    """The methods the simulator was called with so far, in order."""
    lab: LabHandle = hass.data["homelab_fuzz_lab"]
    return [str(c["method"]) for c in await lab.calls()]


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
