"""The "Home Lab" LLM API: tools an LLM-backed conversation agent can call.

Every acting tool goes through the integration's own actions (`hass.services.async_call`), so
an LLM gets exactly the validation, refusals and job tracking a user or automation gets.

The tools see and act on what the user exposed to the agent's assistant only: a device counts
as exposed when one of its entities is (Settings > Voice assistants > Expose). Objects are found
by what the entries know of them (app names, task and dataset names) and by the device's name,
never by reading device identifiers.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any, override

from homeassistant.components.conversation import DOMAIN as CONVERSATION_DOMAIN
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import ATTR_DEVICE_ID
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import llm
from homeassistant.util.json import JsonObjectType, JsonValueType
import probatio as vol

from .clients.truenas.backups import DatasetUsage
from .const import DOMAIN
from .entries import is_pipeline_entry, loaded_truenas_entries
from .lab_profile import FAILED_TAG
from .nas.backups.coordinator import TaskKind, task_name
from .nas.runtime import TrueNASRuntimeData
from .pipeline.entity import service_identifier
from .pipeline.entry import (
    PipelineConfigEntry,
    is_ollama_entry,
    is_paperless_entry,
    loaded_pipeline_entries,
)
from .redact import alert_text
from .targets import (
    KIND_APP,
    KIND_DATASET,
    KIND_POOL,
    KIND_SYSTEM,
    KIND_VM,
    entry_devices_exposed,
    object_device,
    owned_objects,
)

API_PROMPT = (
    "You can see and act on the user's self-hosted lab (a TrueNAS server with apps, ZFS pools, "
    "backups and a document pipeline). Call lab_status before answering questions about it. "
    "Restarting an app or starting a backup takes a while: pass wait=true when the user wants "
    "to know how it ended, and report the job's state and error."
)


def _exposed(hass: HomeAssistant, llm_context: llm.LLMContext) -> set[str]:
    """The Home Lab devices the user exposed (one entity is enough) to the agent's assistant."""
    return entry_devices_exposed(hass, llm_context.assistant or CONVERSATION_DOMAIN)


def _device_id(hass: HomeAssistant, entry: ConfigEntry[Any], identifier: tuple[str, str]) -> str:
    device = object_device(hass, entry, identifier)
    return device.id if device is not None else ""


def _pipeline_summary(entry: PipelineConfigEntry) -> JsonObjectType:
    """What the LLM needs of one pipeline entry, from its coordinators' latest data."""
    summary: JsonObjectType = {"service": entry.title}
    if is_paperless_entry(entry):
        runtime = entry.runtime_data
        paperless = runtime.coordinator
        summary["available"] = paperless.last_update_success
        if (data := paperless.data) is not None:
            summary["documents_total"] = data.statistics.documents_total
            summary["tasks_queued"] = data.queue.pending
            summary["tasks_processing"] = data.queue.started
            summary["tasks_failed_24h"] = data.queue.failed_recent
            summary["documents_by_tag"] = dict(data.stages)
            if data.ai_backlog is not None:
                summary["ai_backlog"] = data.ai_backlog
        if (ai := runtime.ai_coordinator) is not None and ai.data is not None:
            summary["paperless_ai"] = {
                "available": ai.last_update_success,
                "health": ai.data.health.status,
                "processing": ai.data.processing.is_processing,
                "processed_today": ai.data.processing.processed_today,
            }
    elif is_ollama_entry(entry):
        ollama = entry.runtime_data.coordinator
        summary["available"] = ollama.last_update_success
        if (models := ollama.data) is not None:
            summary["version"] = models.version
            summary["models_installed"] = len(models.installed)
            summary["models_loaded"] = [model.name for model in models.running.models]
    else:
        n8n = entry.runtime_data.coordinator
        summary["available"] = n8n.last_update_success
        if (flows := n8n.data) is not None:
            summary["ready"] = flows.ready
            summary["executions_running"] = flows.running
            summary["executions_failed_24h"] = flows.failed_recent
    return summary


def _entry_exposed(hass: HomeAssistant, entry: ConfigEntry[Any], exposed: set[str]) -> bool:
    """Whether one of the entry's devices is exposed."""
    return any(
        _device_id(hass, entry, identifier) in exposed for identifier in owned_objects(entry)
    )


def _system_summary(runtime: TrueNASRuntimeData) -> JsonObjectType:
    """Live figures, the TrueNAS update and certificate expiry (days only: names are hosts)."""
    return {
        "live": runtime.system.live.summary(),
        "update": runtime.system.update.summary(),
        "certificates": [
            {"web_ui": cert["ui"], "days_left": cert["days_left"]}
            for cert in runtime.system.certificates.summary()
        ],
    }


def _gib(value: int | None) -> float | None:
    return None if value is None else round(value / 2**30, 1)


def _dataset_space(usage: DatasetUsage | None) -> JsonObjectType:
    """A watched dataset's space in GiB; its quota only if set, its lock only if encrypted."""
    if usage is None:
        return {}
    space: JsonObjectType = {"used_gib": _gib(usage.used), "available_gib": _gib(usage.available)}
    if usage.quota:
        space["quota_gib"] = _gib(usage.quota)
    if usage.encrypted:
        space["locked"] = usage.locked
    return space


def lab_status(hass: HomeAssistant, exposed: set[str]) -> JsonObjectType:
    """A compact summary of what the user exposed: pools, apps, alerts, backups, the pipeline."""
    servers: list[JsonValueType] = []
    for entry in loaded_truenas_entries(hass):
        runtime = entry.runtime_data
        data = runtime.coordinator.data
        shown = {
            identifier: value
            for identifier, value in owned_objects(entry).items()
            if _device_id(hass, entry, identifier) in exposed
        }
        if not shown:
            continue
        kinds = {kind for kind, _key in shown.values()}
        keys = {(kind, key) for kind, key in shown.values()}
        apps = {name: app for name, app in runtime.apps.data.items() if (KIND_APP, name) in keys}
        server: JsonObjectType = {
            "server": entry.title,
            "connected": runtime.client.connected,
            "version": data.system.version,
            "pools": {
                name: {"status": pool.status, "used_percent": pool.used_percent}
                for name, pool in data.pools.items()
                if (KIND_POOL, name) in keys
            },
            "apps_running": [name for name in sorted(apps) if apps[name].state == "RUNNING"],
            "apps_not_running": {
                name: app.state for name, app in apps.items() if app.state != "RUNNING"
            },
            "apps_with_updates": [name for name in sorted(apps) if apps[name].upgrade_available],
        }
        if KIND_SYSTEM in kinds:
            server["alerts"] = [
                # The text goes to a language model, maybe a cloud one: no disks, hosts, users.
                {"level": alert.level, "kind": alert.klass, "text": alert_text(alert)}
                for alert in data.active_alerts
            ]
        if KIND_SYSTEM in kinds:
            server["system"] = _system_summary(runtime)
        guests: JsonObjectType = {
            guest.name: guest.state
            for key, guest in (runtime.vms.data or {}).items()
            if (KIND_VM, key) in keys
        }
        if guests:
            server["vms_and_containers"] = guests
        backups = runtime.backups.llm_summary()
        if "tasks" in backups:
            backups["tasks"] = [
                task for task in backups["tasks"] if (task["kind"], task["id"]) in keys
            ]
            usage = runtime.backups.data.usage if runtime.backups.data is not None else {}
            backups["datasets"] = {
                name: {**info, **_dataset_space(usage.get(name))}
                for name, info in backups["datasets"].items()
                if (KIND_DATASET, name) in keys
            }
        server["backups"] = backups
        servers.append(server)
    pipeline: list[JsonValueType] = [
        _pipeline_summary(entry)
        for entry in loaded_pipeline_entries(hass, is_pipeline_entry)
        if _entry_exposed(hass, entry, exposed)
    ]
    return {"servers": servers, "pipeline": pipeline}


def _find(
    hass: HomeAssistant, name: str, kinds: AbstractSet[str], exposed: set[str]
) -> list[tuple[str, str]]:
    """(device id, shown name) of the exposed objects of `kinds` called `name`.

    Matched against what the entry knows of each object (app name and title, task name, dataset
    name) and the device's name as the user sees it, never against identifiers.
    """
    wanted = name.strip().casefold()
    found: dict[str, str] = {}
    for entry in loaded_truenas_entries(hass):
        runtime = entry.runtime_data
        backups = runtime.backups.data
        for identifier, (kind, key) in owned_objects(entry).items():
            if kind not in kinds:
                continue
            device = object_device(hass, entry, identifier)
            if device is None or device.id not in exposed:
                continue
            names = {device.name_by_user or "", device.name or ""}
            if kind == KIND_APP and (app := runtime.apps.data.get(key)) is not None:
                names |= {app.name, app.title or ""}
            elif kind == KIND_DATASET:
                names.add(str(key))
            elif backups is not None and (task := backups.task((TaskKind(kind), key))):
                names.add(task_name(task))
            if wanted in {shown.casefold() for shown in names if shown}:
                found[device.id] = device.name_by_user or device.name or str(key)
    return list(found.items())


class HomeLabTool(llm.Tool):
    """A Home Lab tool (tagged with the integration)."""

    integration = DOMAIN


class LabStatusTool(HomeLabTool):
    """Read-only summary of the lab."""

    name = "lab_status"
    description = (
        "Summary of the lab: pools and their health, apps that run or not, alerts, backups "
        "and document pipeline queues."
    )
    annotations = llm.ToolAnnotations(
        read_only=True, destructive=False, idempotent=True, open_world=False
    )

    @override
    async def async_call(
        self, hass: HomeAssistant, tool_input: llm.ToolInput, llm_context: llm.LLMContext
    ) -> llm.ToolResult:
        return llm.ToolResult(data=lab_status(hass, _exposed(hass, llm_context)))


async def _call_service(
    hass: HomeAssistant,
    llm_context: llm.LLMContext,
    service: str,
    data: dict[str, Any],
    answer: JsonObjectType,
) -> llm.ToolResult:
    """Call one of the integration's actions; `answer` plus its response, or its error."""
    try:
        response = await hass.services.async_call(
            DOMAIN, service, data, blocking=True, context=llm_context.context, return_response=True
        )
    except HomeAssistantError as err:
        return llm.ToolResult(data={"error": str(err)}, error=True)
    return llm.ToolResult(data={**answer, "result": response or {}})


class NamedTargetTool(HomeLabTool):
    """Call the action `name` on the one exposed object of `kinds` called `target_arg`."""

    target_arg: str
    kinds: frozenset[str]

    @override
    async def async_call(
        self, hass: HomeAssistant, tool_input: llm.ToolInput, llm_context: llm.LLMContext
    ) -> llm.ToolResult:
        args = tool_input.tool_args
        name = str(args[self.target_arg])
        found = _find(hass, name, self.kinds, _exposed(hass, llm_context))
        if not found:
            return llm.ToolResult(
                data={"error": f"Nothing exposed to the assistant is called {name!r}"}, error=True
            )
        if len(found) > 1:
            return llm.ToolResult(
                data={"error": f"{name!r} is ambiguous: {sorted(shown for _id, shown in found)}"},
                error=True,
            )
        ((device_id, shown),) = found
        data = {ATTR_DEVICE_ID: device_id, "wait": bool(args.get("wait", False))}
        return await _call_service(hass, llm_context, self.name, data, {"target": shown})


def _target_and_wait(target: str, target_description: str, wait_description: str) -> vol.Schema:
    return vol.Schema(
        {
            vol.Required(target, description=target_description): str,
            vol.Optional("wait", description=wait_description): bool,
        }
    )


class RestartAppTool(NamedTargetTool):
    """Restart a TrueNAS app through `homelab.restart_app`."""

    name = "restart_app"
    description = "Restart a lab app (a TrueNAS app) by name, e.g. 'paperless-ngx'."
    parameters = _target_and_wait("app", "The app's name", "Wait for the restart job to finish")
    target_arg = "app"
    kinds = frozenset({KIND_APP})


class TriggerBackupTool(NamedTargetTool):
    """Start a backup through `homelab.trigger_backup`."""

    name = "trigger_backup"
    description = (
        "Back up now: run a snapshot, replication or cloud sync task, or snapshot a dataset "
        "(target by task or dataset name, e.g. 'tank/applications/paperless-ngx')."
    )
    parameters = _target_and_wait("target", "Task or dataset name", "Wait for the backup to finish")
    target_arg = "target"
    kinds = frozenset({*map(str, TaskKind), KIND_DATASET})


class ReprocessDocumentsTool(HomeLabTool):
    """Send failed documents back through the pipeline via `homelab.reprocess_documents`."""

    name = "reprocess_documents"
    description = (
        "Send documents back through the document pipeline (Paperless-ngx). Without document "
        "ids, the documents whose processing failed are reprocessed."
    )
    parameters = vol.Schema(
        {vol.Optional("document_ids", description="Paperless document ids"): [int]}
    )

    @override
    async def async_call(
        self, hass: HomeAssistant, tool_input: llm.ToolInput, llm_context: llm.LLMContext
    ) -> llm.ToolResult:
        exposed = _exposed(hass, llm_context)
        targets = [
            device_id
            for entry in loaded_pipeline_entries(hass, is_paperless_entry)
            if (device_id := _device_id(hass, entry, service_identifier(entry)))
            and _entry_exposed(hass, entry, exposed)
        ]
        if not targets:
            return llm.ToolResult(
                data={"error": "No Paperless-ngx is exposed to the assistant"}, error=True
            )
        # Without ids, the documents the pipeline tagged as failed go back through it.
        data: dict[str, Any] = {ATTR_DEVICE_ID: targets, "tag": FAILED_TAG}
        if ids := tool_input.tool_args.get("document_ids"):
            data = {ATTR_DEVICE_ID: targets, "document_ids": ids}
        return await _call_service(hass, llm_context, self.name, data, {})


@dataclass(slots=True, kw_only=True)
class HomeLabAPI(llm.API):
    """The Home Lab LLM API."""

    @override
    async def async_get_api_instance(self, llm_context: llm.LLMContext) -> llm.APIInstance:
        return llm.APIInstance(
            api=self,
            api_prompt=API_PROMPT,
            llm_context=llm_context,
            tools=[
                LabStatusTool(),
                RestartAppTool(),
                TriggerBackupTool(),
                ReprocessDocumentsTool(),
            ],
        )


@callback
def async_register_llm_api(hass: HomeAssistant) -> None:
    """Make the API available to conversation agents (once per Home Assistant)."""
    llm.async_register_api(hass, HomeLabAPI(hass=hass, id=DOMAIN, name="Home Lab"))
