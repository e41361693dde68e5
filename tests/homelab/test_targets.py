"""Action targets resolve to the lab's objects from the entry's own data, never from names.

The lab here has pools, datasets and apps whose names contain every marker and separator of
Home Lab's device identifiers (`tests/homelab/tricky_names.py`): a pool called `fast_app_n8n`
must not restart the app n8n, a pool `p_replication_1` must not run replication task 1, and a
dataset `.../my_replication_data` must be snapshot like any other.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from unittest.mock import PropertyMock, patch

from homeassistant.const import ATTR_AREA_ID, ATTR_DEVICE_ID, ATTR_ENTITY_ID, ATTR_LABEL_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import (
    area_registry as ar,
    device_registry as dr,
    entity_registry as er,
    label_registry as lr,
)
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homelab.const import DOMAIN
from custom_components.homelab.nas.identifiers import (
    app_identifier,
    dataset_identifier,
    pool_identifier,
)
from tests.common import LabHandle

from .tricky_names import ACTING, TRICKY_APPS, TRICKY_DATASETS, TRICKY_POOLS, run_tricky_lab


@pytest.fixture
def lab(socket_enabled: None, request: pytest.FixtureRequest) -> Iterator[LabHandle]:
    """The seed lab plus pools, datasets and apps with tricky names."""
    yield from run_tricky_lab(request)


@pytest.fixture(autouse=True)
def no_deprecated_device_reads() -> Iterator[None]:
    """`DeviceEntry.config_entries` stops working in 2027.10: the actions must not read it."""
    with (
        patch.object(
            dr.DeviceEntry, "config_entries", new_callable=PropertyMock, side_effect=AssertionError
        ),
        patch.object(
            dr.DeviceEntry,
            "config_entries_subentries",
            new_callable=PropertyMock,
            side_effect=AssertionError,
        ),
    ):
        yield


def device(hass: HomeAssistant, identifier: tuple[str, str], entry: MockConfigEntry) -> str:
    found = dr.async_get(hass).async_get_device_by_identifier(identifier, entry.entry_id)
    assert found is not None, identifier
    return found.id


async def acting_calls(lab: LabHandle) -> list[dict[str, Any]]:
    return [call for call in await lab.calls() if call["method"] in ACTING]


async def call(hass: HomeAssistant, service: str, **data: Any) -> Any:
    return await hass.services.async_call(
        DOMAIN, service, data, blocking=True, return_response=True
    )


async def test_every_tricky_object_has_its_device(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    for pool in TRICKY_POOLS:
        device(hass, pool_identifier(loaded_entry, pool), loaded_entry)
    for dataset in TRICKY_DATASETS:
        device(hass, dataset_identifier(loaded_entry, dataset), loaded_entry)
    for app in TRICKY_APPS:
        device(hass, app_identifier(loaded_entry, app), loaded_entry)


@pytest.mark.parametrize("pool", TRICKY_POOLS)
@pytest.mark.parametrize("service", ["restart_app", "stop_app", "trigger_backup"])
async def test_a_pool_named_like_something_else_is_refused(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry, pool: str, service: str
) -> None:
    """`fast_app_n8n` used to restart n8n; `p_replication_1` to run replication task 1."""
    target = device(hass, pool_identifier(loaded_entry, pool), loaded_entry)
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, service, device_id=target)
    assert err.value.translation_domain == DOMAIN
    assert err.value.translation_key == (
        "not_a_backup_target" if service == "trigger_backup" else "not_an_app"
    )
    assert await acting_calls(lab) == []


@pytest.mark.parametrize("dataset", TRICKY_DATASETS)
async def test_a_dataset_with_markers_in_its_name_is_snapshot(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry, dataset: str
) -> None:
    """`my_replication_data` used to raise a raw ValueError (int("data"))."""
    target = device(hass, dataset_identifier(loaded_entry, dataset), loaded_entry)
    response = await call(hass, "trigger_backup", device_id=target)
    assert response["state"] == "SUCCESS", response
    assert response["snapshot"].startswith(f"{dataset}@")
    (created,) = await acting_calls(lab)
    assert created["method"] in {"pool.snapshot.create", "zfs.snapshot.create"}


async def test_an_app_named_like_a_pool(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry
) -> None:
    """The app `tank` restarts; the pool `tank` is not an app."""
    app = device(hass, app_identifier(loaded_entry, "tank"), loaded_entry)
    response = await call(hass, "restart_app", device_id=app, wait=True)
    assert response["state"] == "SUCCESS"
    assert [c["method"] for c in await acting_calls(lab)] == ["app.redeploy"]
    pool = device(hass, pool_identifier(loaded_entry, "tank"), loaded_entry)
    with pytest.raises(ServiceValidationError):
        await call(hass, "restart_app", device_id=pool)


async def test_area_targets_act_on_the_right_kind_only(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry
) -> None:
    """An area stands for its Home Lab devices of the action's kind; the rest is skipped."""
    devices = dr.async_get(hass)
    area = ar.async_get(hass).async_create("Rack")
    syncthing = device(hass, app_identifier(loaded_entry, "syncthing"), loaded_entry)
    for device_id in (
        syncthing,
        device(hass, pool_identifier(loaded_entry, "fast_app_n8n"), loaded_entry),
        device(hass, dataset_identifier(loaded_entry, TRICKY_DATASETS[0]), loaded_entry),
    ):
        devices.async_update_device(device_id, area_id=area.id)
    response = await call(hass, "restart_app", area_id=area.id, wait=True)
    assert response["state"] == "SUCCESS"
    redeployed = [c for c in await acting_calls(lab) if c["method"] == "app.redeploy"]
    assert [c["params"][0] for c in redeployed] == ["syncthing"]
    # The same area for a backup: only the dataset.
    response = await call(hass, "trigger_backup", area_id=area.id)
    assert response["snapshot"].startswith(f"{TRICKY_DATASETS[0]}@")

    empty = ar.async_get(hass).async_create("Empty")
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "restart_app", area_id=empty.id)
    assert err.value.translation_key == "no_matching_target"
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "restart_app", area_id="no_such_area")
    assert err.value.translation_key == "unknown_target"


async def test_label_targets(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry
) -> None:
    """A label on a device or on one of its entities stands for that device."""
    label = lr.async_get(hass).async_create("Critical")
    dataset = device(hass, dataset_identifier(loaded_entry, TRICKY_DATASETS[1]), loaded_entry)
    dr.async_get(hass).async_update_device(dataset, labels={label.label_id})
    entities = er.async_get(hass)
    (app_entity, *_) = er.async_entries_for_device(
        entities, device(hass, app_identifier(loaded_entry, "n8n"), loaded_entry)
    )
    entities.async_update_entity(app_entity.entity_id, labels={label.label_id})

    response = await call(hass, "trigger_backup", label_id=label.label_id)
    assert response["snapshot"].startswith(f"{TRICKY_DATASETS[1]}@")
    response = await call(hass, "restart_app", label_id=label.label_id, wait=True)
    assert response["state"] == "SUCCESS"
    redeployed = [c["params"][0] for c in await acting_calls(lab) if c["method"] == "app.redeploy"]
    assert redeployed == ["n8n"]
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "restart_app", label_id="no_such_label")
    assert err.value.translation_key == "unknown_target"


async def test_direct_targets_of_other_integrations_are_refused(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry
) -> None:
    other = MockConfigEntry(domain="other")
    other.add_to_hass(hass)
    foreign = dr.async_get(hass).async_get_or_create(
        config_entry_id=other.entry_id, identifiers={("other", "x_app_n8n")}, name="x_app_n8n"
    )
    area = ar.async_get(hass).async_create("Mixed")
    dr.async_get(hass).async_update_device(foreign.id, area_id=area.id)
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "restart_app", device_id=foreign.id)
    assert err.value.translation_key == "unknown_target"
    # Within an area, another integration's device is simply not ours.
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "restart_app", area_id=area.id)
    assert err.value.translation_key == "no_matching_target"
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "restart_app", **{ATTR_ENTITY_ID: "sensor.nope"})
    assert err.value.translation_key == "unknown_target"
    assert await acting_calls(lab) == []


async def test_unused_target_keys_mean_no_target(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    for data in ({}, {ATTR_DEVICE_ID: "none"}, {ATTR_AREA_ID: "none", ATTR_LABEL_ID: "none"}):
        with pytest.raises(ServiceValidationError) as err:
            await call(hass, "restart_app", **data)
        assert err.value.translation_key == "no_target"
