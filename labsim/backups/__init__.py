"""Backups: periodic snapshot tasks, replication, cloud sync (rclone) and snapshots at scale.

Scenario section ``backups`` (see ``labsim/scenarios/default.yaml``)::

    backups:
      clock: "-0s"            # where the backup clock starts (default: load time); tests pin it
      job_seconds: {snapshot_task: 1, replication: 6, cloudsync: 8}
      snapshot_tasks:
        - {id: 1, dataset: tank/applications, recursive: true, schedule: {minute: "0"},
           lifetime_value: 2, lifetime_unit: WEEK, naming_schema: "auto-%Y-%m-%d_%H-%M"}
      replication_tasks:
        - {id: 1, name: apps offsite, source_datasets: [tank/applications],
           target_dataset: backup/apps, schedule: {minute: "0", hour: "2"}, bytes: 3 GiB}
      cloudsync_tasks:
        - {id: 1, description: B2 offsite, path: /mnt/tank/applications/paperless-ngx,
           schedule: {minute: "30", hour: "3"}, bytes: 1 GiB}
      snapshots: [{dataset: tank/applications/nextcloud, name: manual-1, created: "-10d"}]
      generate: {datasets: 2000, snapshots: 100000, parent: tank/archive, interval: 1h}

Control routes (``labsim.backups.control``): ``GET /control/backups``,
``POST /control/backups/advance {"seconds"}``, ``POST /control/backups/version {"version"}``,
``POST /control/backups/snapshots {"dataset", "name"}``, ``POST /control/backups/{kind}`` (a new
task) and, per task (``kind`` is ``snapshot_task``, ``replication`` or ``cloudsync``),
``POST .../{kind}/{id}/fail_next|stall|age|run|set`` and ``DELETE .../{kind}/{id}``;
``GET``/``DELETE /control/snapshot_cost`` and ``POST /control/snapshot_cost/delay {"factor"}``.

The lab keeps a *backup clock*: the scenario's ``clock`` plus the time elapsed since the lab
started, plus what ``POST /control/backups/advance`` added. Schedules run on it: whenever a
backup method or control route is used, every enabled task catches up with the fire times that
passed, as zettarepl and the cron jobs would have (snapshots are taken and pruned, replication
and cloud sync runs are recorded). A periodic snapshot task starts with the history its
retention keeps. ``run`` / ``sync`` start real jobs with ``core.get_jobs`` progress events.

Methods by release of the box (a box without the method answers -32601; a box that has it but
gave it its model later than the ``/api/<version>`` of the socket answers -32001 ``ENOMETHOD``):

================================  ========  ======================================================
``pool.snapshottask.query/run``   all
``replication.query/run``         all       run is a job; run has a model from 25.10 on
``cloudsync.query/sync/abort``    all       sync is a job; sync/abort have models from 25.10 on
``zfs.snapshot.query/create``     25.x      private on 25.10 (FULL_ADMIN only), gone in 26
``pool.snapshot.query/create``    25.10+
``zfs.resource.query``            25.10+    ``snapshots_changed`` per dataset
``zfs.resource.snapshot.query``   26+       path scoped; ``zfs.resource.snapshot.count`` cached
================================  ========  ======================================================
"""

from labsim.backups.control import backup_routes
from labsim.backups.lab import BackupLab, TaskRuntime, add_generated_datasets, backups_of
from labsim.backups.section import (
    KINDS,
    BackupsSection,
    CloudSyncDef,
    GenerateDef,
    ReplicationDef,
    SnapshotDef,
    SnapshotTaskDef,
    parse_backups_section,
)

__all__ = [
    "KINDS",
    "BackupLab",
    "BackupsSection",
    "CloudSyncDef",
    "GenerateDef",
    "ReplicationDef",
    "SnapshotDef",
    "SnapshotTaskDef",
    "TaskRuntime",
    "add_generated_datasets",
    "backup_routes",
    "backups_of",
    "parse_backups_section",
]
