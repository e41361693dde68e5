"""`homelab.trigger_backup`: run a backup task now, or snapshot a watched dataset.

Targets (devices, or any entity of one): a periodic snapshot task (`pool.snapshottask.run`), a
replication task (`replication.run`), a cloud sync task (`cloudsync.sync`), or a dataset, which
gets a manual snapshot (`pool.snapshot.create`; `zfs.snapshot.create` on 25.04) named from a
schema with a timestamp. With `wait`, the action follows the run to its end (up to `timeout`).
The response is `{job_id, state, result, error}` (+ `snapshot` for a dataset). A running or
disabled task is refused. Nothing is ever deleted or rolled back.
"""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv
import probatio as vol

from ...const import DOMAIN
from ...targets import KIND_DATASET, TARGET_FIELDS, resolve_targets
from ..actions import ATTR_TIMEOUT, ATTR_WAIT, action_response, refuse_with, wait_fields
from ..runtime import TrueNASConfigEntry
from .coordinator import DEFAULT_BACKUP_TIMEOUT, DEFAULT_SNAPSHOT_SCHEMA, BackupResult, TaskKind

SERVICE_TRIGGER_BACKUP = "trigger_backup"
ATTR_RECURSIVE = "recursive"
ATTR_NAMING_SCHEMA = "naming_schema"

TRIGGER_BACKUP_SCHEMA = vol.Schema(
    {
        **TARGET_FIELDS,
        **wait_fields(DEFAULT_BACKUP_TIMEOUT, 86400),
        vol.Optional(ATTR_RECURSIVE, default=False): cv.boolean,
        vol.Optional(ATTR_NAMING_SCHEMA, default=DEFAULT_SNAPSHOT_SCHEMA): cv.string,
    }
)

type BackupTarget = tuple[TrueNASConfigEntry, TaskKind | None, Any]
BACKUP_KINDS = {*map(str, TaskKind), KIND_DATASET}


def _targets(hass: HomeAssistant, call: ServiceCall) -> list[BackupTarget]:
    """(entry, kind, key) per targeted task or dataset: kind None for a dataset (key: its name)."""
    return [
        (
            target.entry,
            None if target.kind == KIND_DATASET else TaskKind(target.kind),
            target.key,
        )
        for target in resolve_targets(hass, call, BACKUP_KINDS, refuse_with("not_a_backup_target"))
    ]


async def _trigger(
    call: ServiceCall, entry: TrueNASConfigEntry, kind: TaskKind | None, key: Any
) -> tuple[str, BackupResult]:
    coordinator = entry.runtime_data.backups
    if kind is None:
        if coordinator.data is None or key not in coordinator.data.datasets:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="unknown_dataset",
                translation_placeholders={"dataset": key},
            )
        result = await coordinator.async_snapshot_dataset(
            key, recursive=call.data[ATTR_RECURSIVE], naming_schema=call.data[ATTR_NAMING_SCHEMA]
        )
        return key, result
    task_key = (kind, int(key))  # the task id from the coordinator's data
    result = await coordinator.async_run_task(
        task_key, wait=call.data[ATTR_WAIT], timeout=call.data[ATTR_TIMEOUT]
    )
    return f"{kind}_{key}", result


async def async_trigger_backup(call: ServiceCall) -> ServiceResponse:
    """Start each targeted backup; answer with how it went."""
    targets = _targets(call.hass, call)
    # Refuse before starting anything, so one bad target does not leave half a backup run.
    for entry, kind, key in targets:
        if kind is not None:
            entry.runtime_data.backups.check_startable((kind, int(key)))
    results: dict[str, Any] = {}
    for entry, kind, key in targets:
        name, result = await _trigger(call, entry, kind, key)
        if result.state in {"FAILED", "ABORTED"} and not call.return_response:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="backup_failed",
                translation_placeholders={"target": name, "error": result.error or result.state},
            )
        results[name] = result.as_dict()
    return action_response(call, results, "backups")


def async_register(hass: HomeAssistant) -> None:
    """Register `homelab.trigger_backup`."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_TRIGGER_BACKUP,
        async_trigger_backup,
        schema=TRIGGER_BACKUP_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
