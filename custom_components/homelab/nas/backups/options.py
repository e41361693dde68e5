"""Options of the backups: which datasets to watch, when things count as stale, how often to poll.

They live in the entry's options under `backups` (a collapsed "Backups" section of the options
form), so entries made before backups existed simply use the defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final

from homeassistant.helpers.selector import TextSelector, TextSelectorConfig
import probatio as vol

from ...form_fields import collapsed_section, number_box, section_from_input, stored_section

CONF_BACKUPS: Final = "backups"
CONF_DATASETS: Final = "datasets"
CONF_SNAPSHOT_MAX_AGE: Final = "snapshot_max_age"
CONF_TASK_MAX_AGE: Final = "task_max_age"
CONF_BACKUP_POLL_INTERVAL: Final = "backup_poll_interval"

# Every application dataset of every pool (`*` stays within one path component).
DEFAULT_DATASETS: Final = ("*/applications/*",)
DEFAULT_BACKUP_POLL_INTERVAL: Final = 300
MIN_BACKUP_POLL_INTERVAL: Final = 30
MAX_BACKUP_POLL_INTERVAL: Final = 86400
# A dataset no enabled snapshot task covers counts as stale after two days without a snapshot.
DEFAULT_UNCOVERED_MAX_AGE: Final = timedelta(hours=48)
MAX_AGE_HOURS_LIMIT: Final = 24 * 366


@dataclass(frozen=True)
class BackupOptions:
    """The backup options of an entry, with defaults filled in."""

    datasets: tuple[str, ...] = DEFAULT_DATASETS
    snapshot_max_age: timedelta | None = None
    """Stale threshold of a dataset's newest snapshot; None: from its snapshot tasks."""
    task_max_age: timedelta | None = None
    """Stale threshold of a task's last success; None: from the task's schedule."""
    poll_interval: timedelta = timedelta(seconds=DEFAULT_BACKUP_POLL_INTERVAL)

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> BackupOptions:
        """Read `options[backups]` (absent or partial: defaults)."""
        data = stored_section(options, CONF_BACKUPS)
        patterns = data.get(CONF_DATASETS, list(DEFAULT_DATASETS))
        if isinstance(patterns, str):
            patterns = patterns.split(",")

        def hours(key: str) -> timedelta | None:
            value = data.get(key)
            return timedelta(hours=float(value)) if value else None

        return cls(
            datasets=tuple(p.strip() for p in patterns if isinstance(p, str) and p.strip()),
            snapshot_max_age=hours(CONF_SNAPSHOT_MAX_AGE),
            task_max_age=hours(CONF_TASK_MAX_AGE),
            poll_interval=timedelta(
                seconds=int(data.get(CONF_BACKUP_POLL_INTERVAL, DEFAULT_BACKUP_POLL_INTERVAL))
            ),
        )


def backup_section(options: Mapping[str, Any]) -> dict[vol.Marker, Any]:
    """The "Backups" section of the options form, filled with the current values."""
    current = BackupOptions.from_options(options)
    snapshot_hours = (
        current.snapshot_max_age.total_seconds() / 3600 if current.snapshot_max_age else 0
    )
    task_hours = current.task_max_age.total_seconds() / 3600 if current.task_max_age else 0
    return collapsed_section(
        CONF_BACKUPS,
        {
            vol.Required(CONF_DATASETS, default=list(current.datasets)): TextSelector(
                TextSelectorConfig(multiple=True)
            ),
            vol.Required(CONF_SNAPSHOT_MAX_AGE, default=snapshot_hours): number_box(
                0, MAX_AGE_HOURS_LIMIT, "h"
            ),
            vol.Required(CONF_TASK_MAX_AGE, default=task_hours): number_box(
                0, MAX_AGE_HOURS_LIMIT, "h"
            ),
            vol.Required(
                CONF_BACKUP_POLL_INTERVAL, default=int(current.poll_interval.total_seconds())
            ): number_box(MIN_BACKUP_POLL_INTERVAL, MAX_BACKUP_POLL_INTERVAL, "s"),
        },
    )


def _backup_options(data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        CONF_DATASETS: [str(p).strip() for p in data.get(CONF_DATASETS, []) if str(p).strip()],
        CONF_SNAPSHOT_MAX_AGE: float(data.get(CONF_SNAPSHOT_MAX_AGE, 0)),
        CONF_TASK_MAX_AGE: float(data.get(CONF_TASK_MAX_AGE, 0)),
        CONF_BACKUP_POLL_INTERVAL: int(
            data.get(CONF_BACKUP_POLL_INTERVAL, DEFAULT_BACKUP_POLL_INTERVAL)
        ),
    }


def backup_options_from_input(
    user_input: Mapping[str, Any], options: Mapping[str, Any]
) -> dict[str, Any]:
    """The `backups` options to store from a submitted form (the current ones if absent)."""
    return section_from_input(CONF_BACKUPS, user_input, options, _backup_options)
