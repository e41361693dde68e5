"""The lab's alerts: ``alert.list`` entries, raised and cleared, and the pool health alerts.

``LabState`` takes them in as ``LabAlerts``. ``VolumeStatus`` and ``BootPoolStatus`` follow the
pools as the middleware's alert sources do, after ``settings.alert_delay_seconds``.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
import json
from typing import TYPE_CHECKING, Any, Final
import uuid

from . import zfs
from .events import Event
from .parts import LabError
from .scenario import AlertDef, Pool, Settings

HEALTH_ALERT_CLASSES: Final = frozenset({"VolumeStatus", "BootPoolStatus"})

VOLUME_STATUS_TEXT: Final = "Pool %(volume)s state is %(state)s: %(status)s%(devices)s"
BOOT_POOL_TEXT: Final = "Boot pool status is %(status)s: %(status_detail)s."


class LabAlerts:
    """Alerts by uuid."""

    settings: Settings
    pools: dict[str, Pool]
    alerts: dict[str, AlertDef]
    _health_handle: asyncio.TimerHandle | None

    if TYPE_CHECKING:

        def emit(self, event: Event) -> None:
            """Publish an event (``LabState``)."""

    @staticmethod
    def alert_entry(alert: AlertDef) -> dict[str, Any]:
        """Return an ``alert.list`` item."""
        return {
            "uuid": alert.uuid,
            "source": alert.source,
            "klass": alert.klass,
            "args": alert.args,
            "node": alert.node,
            "key": alert.key,
            "datetime": alert.created_at,
            "last_occurrence": alert.last_occurrence or alert.created_at,
            "dismissed": alert.dismissed,
            "mail": None,
            "text": alert.text,
            "id": alert.uuid,
            "level": alert.level,
            "formatted": alert.formatted,
            "one_shot": alert.one_shot,
        }

    def alert_entries(self) -> list[dict[str, Any]]:
        """Return ``alert.list``."""
        return [self.alert_entry(alert) for alert in self.alerts.values()]

    def add_alert(self, alert: AlertDef, *, notify: bool = True) -> AlertDef:
        """Raise an alert (``alert.list`` ``added`` event)."""
        self.alerts[alert.uuid] = alert
        if notify:
            self.emit(Event("alert.list", "added", alert.uuid, self.alert_entry(alert)))
        return alert

    def new_alert(
        self,
        klass: str,
        level: str,
        text: str,
        args: Any,
        formatted: str,
        *,
        one_shot: bool = False,
    ) -> AlertDef:
        """Return a fresh alert object (not yet raised)."""
        now = datetime.now(UTC)
        return AlertDef(
            uuid=str(uuid.uuid4()),
            klass=klass,
            source=klass,
            level=level,
            args=args,
            text=text,
            formatted=formatted,
            key=json.dumps(args, sort_keys=True, default=str),
            created_at=now,
            last_occurrence=now,
            one_shot=one_shot,
        )

    def remove_alert(self, alert_uuid: str) -> AlertDef:
        """Clear an alert (``alert.list`` ``removed`` event)."""
        alert = self.alerts.pop(alert_uuid, None)
        if alert is None:
            msg = f"no alert {alert_uuid!r}"
            raise LabError(msg, 404)
        self.emit(Event("alert.list", "removed", alert_uuid))
        return alert

    def clear_alerts(self) -> int:
        """Clear every alert; return how many there were."""
        uuids = list(self.alerts)
        for alert_uuid in uuids:
            self.remove_alert(alert_uuid)
        return len(uuids)

    def set_alert_dismissed(self, alert_uuid: str, *, dismissed: bool) -> AlertDef:
        """Dismiss or restore an existing alert (``alert.list`` ``changed`` event)."""
        alert = self.alerts[alert_uuid]
        alert.dismissed = dismissed
        self.emit(Event("alert.list", "changed", alert.uuid, self.alert_entry(alert)))
        return alert

    def schedule_health_check(self) -> None:
        """Let the health alert sources run after ``alert_delay_seconds`` (now when 0)."""
        if self._health_handle is not None:
            self._health_handle.cancel()
            self._health_handle = None
        delay = self.settings.alert_delay_seconds
        if delay <= 0:
            self._reconcile_health_alerts(notify=True)
            return
        self._health_handle = asyncio.get_running_loop().call_later(
            delay, self._reconcile_health_alerts, True
        )

    def _desired_health_alerts(self) -> dict[str, tuple[str, str, dict[str, Any]]]:
        """Return ``{key: (klass, text, args)}`` as VolumeStatus/BootPoolStatus would raise."""
        desired: dict[str, tuple[str, str, dict[str, Any]]] = {}
        for pool in self.pools.values():
            code, detail = zfs.status_code_and_detail(pool)
            code, detail = (
                (pool.status_code, pool.status_detail) if pool.status_code else (code, detail)
            )
            # The alert source's condition: unhealthy, or a warning other than FEAT_DISABLED.
            if zfs.is_healthy(pool) and not (pool.warning and code != "FEAT_DISABLED"):
                continue
            if pool.boot:
                args: dict[str, Any] = {"status": pool.status, "status_detail": detail}
                klass, text = "BootPoolStatus", BOOT_POOL_TEXT
            else:
                bad = [f"Disk {leaf.guid} is {leaf.status}" for leaf in zfs.unhealthy_disks(pool)]
                devices = (
                    (
                        "<br>The following devices are not healthy:<ul><li>"
                        + "</li><li>".join(bad)
                        + "</li></ul>"
                    )
                    if bad
                    else ""
                )
                args = {
                    "volume": pool.name,
                    "state": pool.status,
                    "status": detail,
                    "devices": devices,
                }
                klass, text = "VolumeStatus", VOLUME_STATUS_TEXT
            desired[json.dumps(args, sort_keys=True)] = (klass, text, args)
        return desired

    def _reconcile_health_alerts(self, notify: bool) -> None:
        # What the alert sources do on each run: clear alerts whose condition is gone, raise
        # new ones (a changed state has a new key, so it replaces the old alert).
        self._health_handle = None
        desired = self._desired_health_alerts()
        for alert in list(self.alerts.values()):
            if alert.klass in HEALTH_ALERT_CLASSES and alert.key not in desired:
                del self.alerts[alert.uuid]
                if notify:
                    self.emit(Event("alert.list", "removed", alert.uuid))
        present = {a.key for a in self.alerts.values() if a.klass in HEALTH_ALERT_CLASSES}
        for key, (klass, text, args) in desired.items():
            if key in present:
                continue
            alert = self.new_alert(klass, "CRITICAL", text, args, text % args)
            alert.key = key
            self.add_alert(alert, notify=notify)
