"""Repair issues: a degraded pool, a missing role, an unsupported API, plain ws://, a changed cert.

A missing role is raised for a refused method and for a refused event subscription.

Two issues have a fix flow: insecure transport (turn TLS on) and a changed certificate (accept
the new one, or leave the connection stopped); the others need the user to act on the NAS, and
say exactly what to do.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from homeassistant.components.repairs import RepairsFlow, RepairsFlowResult
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
import probatio as vol

from .clients.truenas import (
    Pool,
    TrueNASCertificateChangedError,
    TrueNASError,
    fetch_certificate_sha256,
    format_fingerprint,
)
from .clients.truenas.events import event_role
from .const import CONF_CERTIFICATE_SHA256, CONF_SSL, DEFAULT_PORT_SSL, DOMAIN

# The least-privilege role that grants each method (TrueNAS 25.04+ roles); READONLY_ADMIN
# covers every read, so a read that is refused names it.
ROLE_FOR_METHOD: dict[str, str] = {
    "app.start": "APPS_WRITE",
    "app.stop": "APPS_WRITE",
    "app.redeploy": "APPS_WRITE",
    "app.upgrade": "APPS_WRITE",
    "pool.snapshot.create": "SNAPSHOT_WRITE",
    "zfs.snapshot.create": "SNAPSHOT_WRITE",
    "pool.snapshottask.run": "SNAPSHOT_TASK_WRITE",
    "replication.run": "REPLICATION_TASK_WRITE",
    "cloudsync.sync": "CLOUD_SYNC_WRITE",
    "update.run": "SYSTEM_UPDATE_WRITE",
    "update.update": "SYSTEM_UPDATE_WRITE",
    "system.reboot": "FULL_ADMIN",
    "system.shutdown": "FULL_ADMIN",
}
READ_ROLE = "READONLY_ADMIN"
# API versions this integration is built and tested against, oldest first. The client pins the
# newest of these the server serves; a server that serves none of them gets a repair issue.
SUPPORTED_API_PREFIXES = ("v25.04", "v25.10", "v26.0")


def role_for(method: str) -> str:
    """The role a refused method needs."""
    return ROLE_FOR_METHOD.get(method, READ_ROLE)


def _issue_id(entry: ConfigEntry[Any], kind: str, detail: str = "") -> str:
    return f"{entry.entry_id}_{kind}{'_' + detail if detail else ''}"


@callback
def _raise_issue(
    hass: HomeAssistant,
    issue_id: str,
    translation_key: str,
    placeholders: dict[str, str],
    *,
    severity: ir.IssueSeverity = ir.IssueSeverity.WARNING,
    fix_for: ConfigEntry[Any] | None = None,
) -> None:
    """Raise (or update) an issue; `fix_for`: the entry its fix flow repairs."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id,
        is_fixable=fix_for is not None,
        severity=severity,
        translation_key=translation_key,
        translation_placeholders=placeholders,
        data={"entry_id": fix_for.entry_id} if fix_for is not None else None,
    )


@callback
def async_sync_issue(
    hass: HomeAssistant,
    issue_id: str,
    translation_key: str,
    placeholders: dict[str, str],
    *,
    active: bool,
) -> None:
    """Raise (or update) the warning `issue_id` while `active`; delete it once not."""
    if active:
        _raise_issue(hass, issue_id, translation_key, placeholders)
    else:
        ir.async_delete_issue(hass, DOMAIN, issue_id)


@callback
def _delete_issues(hass: HomeAssistant, prefix: str, keep: Collection[str] = ()) -> None:
    """Delete this integration's issues whose id starts with `prefix`, except those to keep."""
    registry = ir.async_get(hass)
    for domain, issue_id in list(registry.issues):
        if domain == DOMAIN and issue_id.startswith(prefix) and issue_id not in keep:
            ir.async_delete_issue(hass, DOMAIN, issue_id)


@callback
def async_report_missing_role(hass: HomeAssistant, entry: ConfigEntry[Any], method: str) -> None:
    """The API key's user lacks the role `method` needs."""
    role = role_for(method)
    _raise_issue(
        hass,
        _issue_id(entry, "missing_role", role),
        "missing_role",
        {"role": role, "method": method, "entry": entry.title},
    )


@callback
def async_sync_event_issue(
    hass: HomeAssistant, entry: ConfigEntry[Any], event: str, *, denied: bool
) -> None:
    """TrueNAS refused (or accepts again) the subscription to `event` for lack of a role."""
    short = event.split(":", 1)[0]
    role = event_role(short) or READ_ROLE
    async_sync_issue(
        hass,
        _issue_id(entry, "missing_event_role", short),
        "missing_event_role",
        {"event": short, "role": role, "entry": entry.title},
        active=denied,
    )


@callback
def async_sync_pool_issues(hass: HomeAssistant, entry: ConfigEntry[Any], pools: list[Pool]) -> None:
    """Raise an issue for each unhealthy pool; delete it once the pool is healthy (or gone)."""
    prefix = _issue_id(entry, "pool_degraded")
    wanted = {f"{prefix}_{pool.name}": pool for pool in pools if not pool.healthy or pool.warning}
    for issue_id, pool in wanted.items():
        _raise_issue(
            hass,
            issue_id,
            "pool_degraded",
            {
                "pool": pool.name,
                "status": pool.status,
                "detail": pool.status_detail or "",
                "disks": str(pool.disks_not_online),
            },
            severity=ir.IssueSeverity.ERROR if not pool.healthy else ir.IssueSeverity.WARNING,
        )
    _delete_issues(hass, prefix, keep=wanted)


def choose_api_version(served: list[str]) -> str | None:
    """The newest served version this integration supports, or None."""
    supported = [version for version in served if version.startswith(SUPPORTED_API_PREFIXES)]
    return max(supported, key=_version_key) if supported else None


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.lstrip("v").split(".") if part.isdigit())


@callback
def async_sync_api_version_issue(
    hass: HomeAssistant, entry: ConfigEntry[Any], served: list[str], chosen: str | None
) -> None:
    """An issue when the server no longer serves any API version we support."""
    issue_id = _issue_id(entry, "unsupported_api")
    if chosen is not None:
        ir.async_delete_issue(hass, DOMAIN, issue_id)
        return
    supported = ", ".join(f"{prefix}.x" for prefix in SUPPORTED_API_PREFIXES)
    _raise_issue(
        hass,
        issue_id,
        "unsupported_api_version",
        {"served": ", ".join(served) or "none", "supported": supported},
        severity=ir.IssueSeverity.ERROR,
    )


@callback
def async_sync_insecure_issue(hass: HomeAssistant, entry: ConfigEntry[Any]) -> None:
    """A warning (with a fix) while the entry talks plain ws:// (allowed only to loopback)."""
    issue_id = _issue_id(entry, "insecure_transport")
    if entry.data.get(CONF_SSL, True):
        ir.async_delete_issue(hass, DOMAIN, issue_id)
        return
    _raise_issue(hass, issue_id, "insecure_transport", {"entry": entry.title}, fix_for=entry)


CERTIFICATE_CHANGED = "certificate_changed"
# How long the fix flow waits for the TLS handshake that reads the new certificate.
CERTIFICATE_FETCH_TIMEOUT = 10.0


@callback
def async_report_certificate_changed(
    hass: HomeAssistant, entry: ConfigEntry[Any], err: TrueNASCertificateChangedError | None
) -> None:
    """The server presented a certificate other than the pinned one: the connection is stopped."""
    expected = (err.expected if err else None) or entry.data.get(CONF_CERTIFICATE_SHA256) or ""
    presented = err.presented if err else None
    _raise_issue(
        hass,
        _issue_id(entry, CERTIFICATE_CHANGED),
        CERTIFICATE_CHANGED,
        {
            "entry": entry.title,
            "host": str(entry.data.get("host", "")),
            "expected": format_fingerprint(expected),
            "presented": format_fingerprint(presented) if presented else "?",
        },
        severity=ir.IssueSeverity.ERROR,
        fix_for=entry,
    )


@callback
def async_clear_certificate_issue(hass: HomeAssistant, entry: ConfigEntry[Any]) -> None:
    """The pinned certificate was presented again (or a new one accepted)."""
    ir.async_delete_issue(hass, DOMAIN, _issue_id(entry, CERTIFICATE_CHANGED))


@callback
def async_clear_entry_issues(hass: HomeAssistant, entry: ConfigEntry[Any]) -> None:
    """Forget every issue of an entry (on unload; they are re-raised while relevant)."""
    _delete_issues(hass, f"{entry.entry_id}_")


class EnableTLSRepairFlow(RepairsFlow):
    """Switch an entry from plain ws:// to wss:// (port 443 when it used 80)."""

    def __init__(self, entry_id: str) -> None:
        """Remember which entry to fix."""
        self.entry_id = entry_id

    async def async_step_init(self, user_input: dict[str, str] | None = None) -> RepairsFlowResult:
        """Start with the confirmation."""
        return await self.async_step_confirm()

    async def async_step_confirm(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Turn TLS on and reload the entry."""
        entry = self.hass.config_entries.async_get_entry(self.entry_id)
        if entry is None:
            return self.async_abort(reason="entry_removed")
        if user_input is not None:
            port = entry.data.get("port")
            data = {**entry.data, CONF_SSL: True}
            if port == 80:  # noqa: PLR2004 - plain HTTP's default port
                data["port"] = DEFAULT_PORT_SSL
            self.hass.config_entries.async_update_entry(entry, data=data)
            self.hass.config_entries.async_schedule_reload(entry.entry_id)
            return self.async_create_entry(data={})
        return self.async_show_form(
            step_id="confirm",
            data_schema=vol.Schema({}),
            description_placeholders={"entry": entry.title},
        )


class CertificateChangedRepairFlow(RepairsFlow):
    """Pin the certificate the server presents now, or leave the connection stopped."""

    def __init__(self, entry_id: str) -> None:
        """Remember which entry to fix."""
        self.entry_id = entry_id
        self._presented: str | None = None

    async def async_step_init(self, user_input: dict[str, str] | None = None) -> RepairsFlowResult:
        """Read the certificate the server presents now (nothing else is sent), then ask."""
        entry = self.hass.config_entries.async_get_entry(self.entry_id)
        if entry is None:
            return self.async_abort(reason="entry_removed")
        host = str(entry.data.get("host", ""))
        try:
            self._presented = await fetch_certificate_sha256(
                host, int(entry.data.get("port", DEFAULT_PORT_SSL)), CERTIFICATE_FETCH_TIMEOUT
            )
        except TrueNASError:
            return self.async_abort(
                reason="cannot_connect", description_placeholders={"host": host}
            )
        return self.async_show_menu(
            step_id="init",
            menu_options=["accept", "leave"],
            description_placeholders={
                "entry": entry.title,
                "host": host,
                "expected": format_fingerprint(str(entry.data.get(CONF_CERTIFICATE_SHA256, ""))),
                "presented": format_fingerprint(self._presented),
            },
        )

    async def async_step_accept(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Pin the new certificate; the entry reloads and connects with it."""
        entry = self.hass.config_entries.async_get_entry(self.entry_id)
        if entry is None or self._presented is None:
            return self.async_abort(reason="entry_removed")
        reload_here = not entry.update_listeners or entry.data.get(CONF_CERTIFICATE_SHA256) == (
            self._presented
        )
        self.hass.config_entries.async_update_entry(
            entry, data={**entry.data, CONF_CERTIFICATE_SHA256: self._presented}
        )
        if reload_here:
            # Not loaded (setup stopped at the handshake), or nothing changed: the entry's update
            # listener (which reloads a loaded entry on a data change) will not do it.
            self.hass.config_entries.async_schedule_reload(entry.entry_id)
        return self.async_create_entry(data={})

    async def async_step_leave(self, user_input: dict[str, str] | None = None) -> RepairsFlowResult:
        """Keep the old pin: the connection stays stopped and the issue stays open."""
        return self.async_abort(reason="certificate_left")


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, str | int | float | None] | None
) -> RepairsFlow:
    """The fix flow of a fixable issue: a changed certificate or insecure transport."""
    entry_id = str((data or {}).get("entry_id", ""))
    if issue_id.endswith(f"_{CERTIFICATE_CHANGED}"):
        return CertificateChangedRepairFlow(entry_id)
    return EnableTLSRepairFlow(entry_id)
