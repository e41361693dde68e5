"""``update``: the TrueNAS update on offer, downloaded and installed as jobs.

* 25.04 (legacy methods, no models): ``update.check_available()`` answers ``{"status":
  "AVAILABLE", "version", "changes", "notes", "notice", "release_notes_url", "changelog",
  "filename", "filesize", "checksum"}``, ``{"status": "UNAVAILABLE"}`` or ``{"status":
  "REBOOT_REQUIRED"}`` once applied; ``update.get_pending()`` lists a downloaded update;
  ``update.download()`` (job, bool) and ``update.update({"reboot": bool, ...})`` (job, true).
* 25.10 and 26: ``update.status()`` answers ``{"code": "NORMAL"|"ERROR", "status":
  {"current_version": {...}, "new_version": {"version", "manifest", "release_notes",
  "release_notes_url"} | null}, "error": null | {"errname", "reason"},
  "update_download_progress"}``; ``update.download(train, version)`` (job, bool) and
  ``update.run({"reboot": bool, ...})`` (job, true); ``update.status`` ``changed`` events carry
  ``status`` beside ``collection`` (no ``fields``).

Jobs download to 50 %, then install to 100 %; an update that fails halfway (a fault) fails the
job with the fault's error at that percent.
"""

from __future__ import annotations

import errno
from typing import Any, Final

from labsim.errors import CallError
from labsim.events import RELEASE_EVENTS, Event
from labsim.nas import nas_of
from labsim.nas.lab import NasLab
from labsim.rpc import CallContext, MethodTable

from .args import arg

READ: Final = "SYSTEM_UPDATE_READ"
WRITE: Final = "SYSTEM_UPDATE_WRITE"
REBOOT_REASON: Final = "System upgrade"


def release_notes_url(version: str) -> str:
    """``system.release_notes_url``."""
    major_minor = ".".join(version.split(".")[:2])
    return (
        f"https://www.truenas.com/docs/scale/{major_minor}/gettingstarted/scalereleasenotes/"
        f"#{version.replace('.', '')}"
    )


def update_status(lab: NasLab) -> dict[str, Any]:
    """What ``update.status`` answers (25.10+)."""
    update = lab.update
    if update.applied:
        return {
            "code": "ERROR",
            "status": None,
            "error": {
                "errname": "EREBOOTREQUIRED",
                "reason": "System update was already applied, system reboot is required.",
            },
            "update_download_progress": None,
        }
    offer = update.offer
    new_version = None
    if offer is not None:
        new_version = {
            "version": offer.version,
            "manifest": {"version": offer.version, "train": offer.train, "date": "2025-11-20"},
            "release_notes": None,
            "release_notes_url": release_notes_url(offer.version),
        }
    return {
        "code": "NORMAL",
        "status": {
            "current_version": {
                "train": offer.train if offer else "TrueNAS-SCALE-Goldeye",
                "profile": offer.profile if offer else "GENERAL",
                "matches_profile": True,
            },
            "new_version": new_version,
        },
        "error": None,
        "update_download_progress": update.progress,
    }


def _announce(lab: NasLab) -> None:
    if lab.box() >= (25, 10):
        lab.state.emit(Event("update.status", "changed", extra={"status": update_status(lab)}))


METHODS: Final = MethodTable()


@METHODS.register("update.check_available", 1, role=READ, dropped_in="25.10")
def check_available(ctx: CallContext) -> dict[str, Any]:
    """``update.check_available`` (25.04)."""
    lab = nas_of(ctx.state)
    if lab.update.applied:
        return {"status": "REBOOT_REQUIRED"}
    offer = lab.update.offer
    if offer is None:
        return {"status": "UNAVAILABLE"}
    current = ctx.state.system.version
    return {
        "status": "AVAILABLE",
        "changes": [
            {
                "operation": "upgrade",
                "old": {"name": "TrueNAS", "version": current},
                "new": {"name": "TrueNAS", "version": offer.version},
            }
        ],
        "notice": None,
        "notes": None,
        "release_notes_url": release_notes_url(offer.version),
        "changelog": offer.changelog,
        "version": offer.version,
        "filename": f"TrueNAS-SCALE-{offer.version}.update",
        "filesize": 1_700_000_000,
        "checksum": "0" * 64,
    }


@METHODS.register("update.get_pending", 1, role=READ, dropped_in="25.10")
def get_pending(ctx: CallContext) -> list[dict[str, Any]]:
    """``update.get_pending`` (25.04): the downloaded update, if any."""
    lab = nas_of(ctx.state)
    offer = lab.update.offer
    if offer is None or not lab.update.downloaded:
        return []
    return [
        {
            "operation": "upgrade",
            "old": {"name": "TrueNAS", "version": ctx.state.system.version},
            "new": {"name": "TrueNAS", "version": offer.version},
        }
    ]


@METHODS.register("update.status", 0, role=READ, since="25.10")
def status(ctx: CallContext) -> dict[str, Any]:
    """``update.status`` (25.10+)."""
    return update_status(nas_of(ctx.state))


def _downloaded(lab: NasLab) -> bool:
    lab.update.downloaded = lab.update.offer is not None
    return lab.update.downloaded


@METHODS.register("update.download", 2, role=WRITE, api_since="25.10")
def download(ctx: CallContext) -> int:
    """``update.download`` (job): false when nothing is on offer."""
    lab = nas_of(ctx.state)
    seconds = lab.update.offer.download_seconds if lab.update.offer else 0.1
    return lab.run_job(
        ctx.method,
        list(ctx.params),
        [(seconds / 2, 25, "Downloading update"), (seconds / 2, 100, "Downloaded")],
        lock="updatedownload",
        result=lambda: _downloaded(lab),
    ).id


@METHODS.register("update.update", 1, role=WRITE, dropped_in="25.10")
@METHODS.register("update.run", 1, role=WRITE, since="25.10")
def install(ctx: CallContext) -> int:
    """``update.update`` (25.04) / ``update.run`` (25.10+) (job): download, install, reboot."""
    lab = nas_of(ctx.state)
    attrs: dict[str, Any] = arg(ctx, 0, "attrs", dict, {})
    offer = lab.update.offer
    if offer is None or lab.update.applied:
        raise CallError("No update available", errno.ENOENT)
    fail_at, lab.update.fail_at = lab.update.fail_at, None
    half = offer.download_seconds
    rest = offer.install_seconds
    steps = [
        (half / 2, 25, "Downloading update"),
        (half / 2, 50, "Downloaded update"),
        (rest / 2, 75, "Installing update"),
        (rest / 2, 95, "Finishing installation"),
    ]

    def applied() -> bool:
        lab.update.applied = True
        lab.update.progress = None
        _announce(lab)
        if attrs.get("reboot"):
            from labsim.nas.power import power_cycle  # noqa: PLC0415 - power needs the lab

            lab.state._spawn(power_cycle(lab, "reboot", 10))  # noqa: SLF001
        return True

    return lab.run_job(
        ctx.method,
        [attrs],
        steps,
        lock="update",
        result=applied,
        fail_at=fail_at,
        error=lab.update.fail_error,
    ).id


RELEASE_EVENTS["update.status"] = (READ, (25, 10), None)
