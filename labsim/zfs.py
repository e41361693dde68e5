"""ZFS health rules: how leaf disk states roll up into vdev and pool states.

The rules follow OpenZFS: a vdev keeps working while it has no more failed children than it
has redundancy (mirror: all but one, RAIDZn: n); beyond that it cannot open ("UNAVAIL",
insufficient replicas) and so neither can the pool. The texts are those of ``zpool status``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from .scenario import Pool, Vdev

FAILED_LEAF_STATES: Final = frozenset({"FAULTED", "UNAVAIL", "REMOVED", "OFFLINE"})
_PARITY: Final = {"RAIDZ1": 1, "RAIDZ2": 2, "RAIDZ3": 3}
# Categories whose loss makes the pool unusable (cache and spares are optional).
_ESSENTIAL: Final = ("data", "special", "dedup")

_REPLICAS_OK: Final = (
    "Sufficient replicas exist for the pool to continue functioning in a degraded state."
)
_NO_REPLICAS: Final = "There are insufficient replicas for the pool to continue functioning."
_DETAIL_BY_LEAF: Final = {
    "FAULTED": "One or more devices are faulted in response to persistent errors.",
    "DEGRADED": "One or more devices are faulted in response to persistent errors.",
    "UNAVAIL": "One or more devices could not be opened.",
    "REMOVED": "One or more devices has been removed by the administrator.",
    "OFFLINE": "One or more devices has been taken offline by the administrator.",
}
FAILING_DEV_DETAIL: Final = (
    "One or more devices has experienced an unrecoverable error. An attempt was made to correct "
    "the error. Applications are unaffected."
)
_POOL_DETAIL: Final = {
    "SUSPENDED": "One or more devices are faulted in response to IO failures.",
    "FAULTED": "The pool metadata is corrupted and the pool cannot be opened.",
    "OFFLINE": "The pool is offline.",
    "REMOVED": "One or more devices has been removed by the administrator. " + _NO_REPLICAS,
}


def vdev_status(vdev: Vdev) -> str:
    """Return the state of a vdev computed from its children (a leaf keeps its own)."""
    if vdev.type == "DISK":
        return vdev.status
    states = [vdev_status(child) for child in vdev.children]
    failed = sum(state in FAILED_LEAF_STATES for state in states)
    tolerance = len(states) - 1 if vdev.type == "MIRROR" else _PARITY.get(vdev.type, 0)
    if failed > tolerance:
        return "UNAVAIL"
    if failed or "DEGRADED" in states:
        return "DEGRADED"
    return "ONLINE"


def refresh(pool: Pool) -> str:
    """Recompute every vdev state of ``pool`` and return the resulting pool state."""
    result = "ONLINE"
    for category, vdevs in pool.topology.items():
        for vdev in vdevs:
            if vdev.type != "DISK":
                vdev.status = vdev_status(vdev)
            if category in ("cache", "spare"):
                continue
            state = vdev.status
            if category in _ESSENTIAL and (state == "UNAVAIL" or state in FAILED_LEAF_STATES):
                return "UNAVAIL"
            if state != "ONLINE":
                result = "DEGRADED"
    return result


def has_errors(pool: Pool) -> bool:
    """Return whether any leaf reports read, write or checksum errors."""
    return any(
        leaf.read_errors or leaf.write_errors or leaf.checksum_errors for leaf in pool.leaves()
    )


def is_healthy(pool: Pool) -> bool:
    """Return ``healthy`` as ``pool.query`` reports it."""
    return pool.status == "ONLINE" and not has_errors(pool)


def _worst_leaf(pool: Pool) -> str | None:
    order = ("FAULTED", "UNAVAIL", "REMOVED", "OFFLINE", "DEGRADED")
    states = {leaf.status for leaf in pool.leaves()}
    return next((state for state in order if state in states), None)


def status_code_and_detail(pool: Pool) -> tuple[str, str | None]:
    """Return ``(status_code, status_detail)`` for the pool's current state."""
    if pool.status == "ONLINE":
        return ("FAILING_DEV", FAILING_DEV_DETAIL) if has_errors(pool) else ("OK", None)
    if pool.status in _POOL_DETAIL:
        return pool.status, _POOL_DETAIL[pool.status]
    leaf = _worst_leaf(pool) or "FAULTED"
    tail = _REPLICAS_OK if pool.status == "DEGRADED" else _NO_REPLICAS
    return pool.status, f"{_DETAIL_BY_LEAF[leaf]} {tail}"


def unhealthy_disks(pool: Pool) -> list[Vdev]:
    """Return the leaves that are not ONLINE (what the VolumeStatus alert lists)."""
    return [leaf for leaf in pool.leaves() if leaf.status != "ONLINE"]


# ---------------------------------------------------------------- ZFS properties


def human_size(value: int) -> str:
    """Format bytes like the reference payloads (``"2 TiB"``, ``"1.5 GiB"``)."""
    amount = float(value)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(amount) < 1024 or unit == "PiB":  # noqa: PLR2004 - binary units
            text = f"{amount:.2f}".rstrip("0").rstrip(".")
            return f"{text} {unit}"
        amount /= 1024
    return f"{value} B"  # pragma: no cover - the loop always returns


def prop(parsed: object, raw: object, value: object, source: str = "NONE") -> dict[str, Any]:
    """Return a ZFS property object as ``pool.dataset.query`` does."""
    return {
        "parsed": parsed,
        "rawvalue": None if raw is None else str(raw),
        "value": value,
        "source": source,
        "source_info": None,
    }


def size_prop(size: int) -> dict[str, Any]:
    """Return a size property (bytes, shown in binary units)."""
    return prop(size, size, human_size(size))
