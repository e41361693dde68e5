"""The "Home Lab" LLM API: tools an LLM-backed conversation agent can call.

Every acting tool goes through the integration's own actions (`hass.services.async_call`), so
an LLM gets exactly the validation, refusals and job tracking a user or automation gets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, override

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_DEVICE_ID
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, llm
from homeassistant.util.json import JsonObjectType, JsonValueType
import probatio as vol

from .const import CONF_ENTRY_TYPE, DOMAIN, EntryType

# The lab's taxonomy tag for documents whose automation failed (Paperless-ngx).
FAILED_TAG = "automation-failed"

API_PROMPT = (
    "You can see and act on the user's self-hosted lab (a TrueNAS server with apps, ZFS pools, "
    "backups and a document pipeline). Call lab_status before answering questions about it. "
    "Restarting an app or starting a backup takes a while: pass wait=true when the user wants "
    "to know how it ended, and report the job's state and error."
)


def _truenas_entries(hass: HomeAssistant) -> list[Any]:
    return [
        entry
        for entry in hass.config_entries.async_entries(DOMAIN)
        if entry.state is ConfigEntryState.LOADED
        and entry.data.get(CONF_ENTRY_TYPE, EntryType.TRUENAS) == EntryType.TRUENAS
    ]


def _find_device(hass: HomeAssistant, name: str, marker: str) -> dr.DeviceEntry | None:
    """A Home Lab device whose identifier holds `_<marker>_<name>` or whose name is `name`."""
    wanted = name.strip().lower()
    registry = dr.async_get(hass)
    for entry in hass.config_entries.async_entries(DOMAIN):
        for device in dr.async_entries_for_config_entry(registry, entry.entry_id):
            names = {
                identifier.split(f"_{marker}_", 1)[1].lower()
                for domain, identifier in device.identifiers
                if domain == DOMAIN and f"_{marker}_" in identifier
            }
            if not names:
                continue
            shown = {(device.name_by_user or "").lower(), (device.name or "").lower()}
            if wanted in names or wanted in shown:
                return device
    return None


def lab_status(hass: HomeAssistant) -> JsonObjectType:
    """A compact summary: pools, apps, alerts, backups and the pipeline."""
    servers: list[JsonValueType] = []
    for entry in _truenas_entries(hass):
        runtime = entry.runtime_data
        data = runtime.coordinator.data
        apps = runtime.apps.data
        server: JsonObjectType = {
            "server": entry.title,
            "connected": runtime.client.connected,
            "version": data.system.version,
            "pools": {
                name: {"status": pool.status, "used_percent": pool.used_percent}
                for name, pool in data.pools.items()
            },
            "apps_running": sorted(name for name, app in apps.items() if app.state == "RUNNING"),
            "apps_not_running": {
                name: app.state for name, app in apps.items() if app.state != "RUNNING"
            },
            "apps_with_updates": sorted(
                name for name, app in apps.items() if app.upgrade_available
            ),
            "alerts": [
                {"level": alert.level, "text": alert.formatted or alert.klass}
                for alert in data.active_alerts
            ],
        }
        backups = getattr(runtime, "backups", None)
        summary = getattr(backups, "llm_summary", None)
        if callable(summary):
            server["backups"] = summary()
        servers.append(server)
    pipeline: list[JsonValueType] = []
    for entry in hass.config_entries.async_entries(DOMAIN):
        if entry.state is not ConfigEntryState.LOADED or entry in _truenas_entries(hass):
            continue
        summary = getattr(entry.runtime_data, "llm_summary", None)
        if callable(summary):
            pipeline.append({"service": entry.title, **summary()})
    return {"servers": servers, "pipeline": pipeline}


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
        return llm.ToolResult(data=lab_status(hass))


@dataclass(frozen=True)
class _ActionSpec:
    """How a tool turns its arguments into an action call."""

    service: str
    target_arg: str
    marker: str
    options: Callable[[dict[str, Any]], dict[str, Any]]


async def _call_action(
    hass: HomeAssistant, spec: _ActionSpec, args: dict[str, Any], llm_context: llm.LLMContext
) -> llm.ToolResult:
    name = str(args[spec.target_arg])
    device = _find_device(hass, name, spec.marker)
    if device is None:
        return llm.ToolResult(data={"error": f"No {spec.marker} named {name!r}"}, error=True)
    try:
        response = await hass.services.async_call(
            DOMAIN,
            spec.service,
            {ATTR_DEVICE_ID: device.id, **spec.options(args)},
            blocking=True,
            context=llm_context.context,
            return_response=True,
        )
    except HomeAssistantError as err:
        return llm.ToolResult(data={"error": str(err)}, error=True)
    return llm.ToolResult(data={"target": device.name or name, "result": response or {}})


class RestartAppTool(HomeLabTool):
    """Restart a TrueNAS app through `homelab.restart_app`."""

    name = "restart_app"
    description = "Restart a lab app (a TrueNAS app) by name, e.g. 'paperless-ngx'."
    parameters = vol.Schema(
        {
            vol.Required("app", description="The app's name"): str,
            vol.Optional("wait", description="Wait for the restart job to finish"): bool,
        }
    )
    _spec = _ActionSpec(
        "restart_app", "app", "app", lambda args: {"wait": bool(args.get("wait", False))}
    )

    @override
    async def async_call(
        self, hass: HomeAssistant, tool_input: llm.ToolInput, llm_context: llm.LLMContext
    ) -> llm.ToolResult:
        return await _call_action(hass, self._spec, tool_input.tool_args, llm_context)


class TriggerBackupTool(HomeLabTool):
    """Start a backup through `homelab.trigger_backup`."""

    name = "trigger_backup"
    description = (
        "Back up now: run a snapshot, replication or cloud sync task, or snapshot a dataset "
        "(target by task or dataset name, e.g. 'tank/applications/paperless-ngx')."
    )
    parameters = vol.Schema(
        {
            vol.Required("target", description="Task or dataset name"): str,
            vol.Optional("wait", description="Wait for the backup to finish"): bool,
        }
    )

    @override
    async def async_call(
        self, hass: HomeAssistant, tool_input: llm.ToolInput, llm_context: llm.LLMContext
    ) -> llm.ToolResult:
        args = tool_input.tool_args
        extra = {"wait": bool(args.get("wait", False))}
        for marker in ("snapshottask", "replication", "cloudsync", "dataset"):
            if _find_device(hass, str(args["target"]), marker) is not None:
                spec = _ActionSpec("trigger_backup", "target", marker, lambda _a: extra)
                return await _call_action(hass, spec, args, llm_context)
        return llm.ToolResult(
            data={"error": f"No backup task or dataset named {args['target']!r}"}, error=True
        )


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
        # Without ids, the documents the pipeline tagged as failed go back through it.
        data: dict[str, Any] = {"tag": FAILED_TAG}
        if ids := tool_input.tool_args.get("document_ids"):
            data = {"document_ids": ids}
        try:
            response = await hass.services.async_call(
                DOMAIN,
                "reprocess_documents",
                data,
                blocking=True,
                context=llm_context.context,
                return_response=True,
            )
        except HomeAssistantError as err:
            return llm.ToolResult(data={"error": str(err)}, error=True)
        return llm.ToolResult(data={"result": response or {}})


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
