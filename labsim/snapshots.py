"""ZFS snapshots at scale, and what listing them costs the server.

Listing snapshots is the expensive thing on a TrueNAS box: about 8 s for 11,550 snapshots with
properties (each snapshot is a round trip into the kernel for its properties). The simulator keeps
every snapshot and charges *simulated server time* for each one a call makes the middleware read,
by the rules of the real code:

* 25.04 ``zfs.snapshot.query`` / 25.10 ``pool.snapshot.query`` (same implementation,
  ``plugins/zfs_/snapshot.py``):

  - ``select: ["name"]`` or ``count``, with filters only on ``name``/``pool``/``dataset``: the
    names-only fast path. A ``dataset``/``pool`` ``=``/``in`` filter is pushed down (only those
    datasets are walked; ``dataset`` is not recursive, ``pool`` is); ``count`` without filters
    reads the cached per-dataset counts and walks nothing.
  - exactly one filter ``["id"|"name", "=", X]``: that one snapshot, with properties.
  - anything else (e.g. ``[["dataset", "=", D]]`` with properties): **every snapshot on the
    system** is read with its properties and filtered afterwards.

* 25.10+ ``zfs.resource.query {"paths", "properties": ["snapshots_changed"]}``: one property read
  per dataset, no snapshot.
* 26 ``zfs.resource.snapshot.query {"paths", "properties", "min_txg"}``: only the snapshots of
  the given paths are walked; ``min_txg`` is applied in the kernel, so older snapshots are skipped
  almost for free. ``zfs.resource.snapshot.count`` is cached (``snapshots_changed`` is the cache
  key, and a mounted filesystem is counted from the link count of ``.zfs/snapshot``): no walk.

``SnapshotCost`` (``GET /control/snapshot_cost``) reports what was read and the time charged.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
import errno
import hashlib
import re
from typing import Any, Final

from .errors import CallError, ValidationErrors, single_error
from .query import filter_list, query_args

# Simulated server time. 8 s for 11,550 snapshots with properties (middleware measurements).
SECONDS_PER_SNAPSHOT_WITH_PROPERTIES: Final = 8.0 / 11550
# `zfs list -t snapshot -o name` reads names from the snapshot list: about 25,000 per second.
SECONDS_PER_SNAPSHOT_NAME: Final = 0.00004
# A snapshot skipped in the kernel by min_txg (no round trip to user space).
SECONDS_PER_SKIPPED_SNAPSHOT: Final = 0.000002
# One property of one dataset (zfs.resource.query), or one cached count.
SECONDS_PER_DATASET: Final = 0.00005
SECONDS_PER_CALL: Final = 0.001

SNAPSHOT_NAME_RE: Final = re.compile(r"^[A-Za-z0-9_.:\-]+$")
NAME_FAST_PATH_ATTRS: Final = frozenset({"name", "pool", "dataset"})
SNAPSHOT_PROPERTIES: Final = ("creation", "createtxg", "used", "referenced", "written")


@dataclass(slots=True)
class Snapshot:
    """One snapshot: ``dataset@name``."""

    dataset: str
    name: str
    txg: int
    creation: int
    """Epoch seconds."""
    owner: int | None = None
    """The periodic snapshot task that made it (its retention prunes it)."""
    used: int = 0
    referenced: int = 0

    @property
    def full_name(self) -> str:
        """Return ``dataset@name``."""
        return f"{self.dataset}@{self.name}"

    @property
    def pool(self) -> str:
        """Return the pool name."""
        return self.dataset.split("/", 1)[0]


@dataclass(slots=True)
class MethodCost:
    """What one method has cost so far."""

    calls: int = 0
    enumerated: int = 0
    seconds: float = 0.0


@dataclass(slots=True)
class SnapshotCost:
    """Counters for ``GET /control/snapshot_cost``."""

    enumerated: int = 0
    """Snapshots the middleware read (names only or with properties)."""
    with_properties: int = 0
    names_only: int = 0
    skipped: int = 0
    """Snapshots passed over in the kernel (``min_txg``)."""
    datasets_read: int = 0
    server_seconds: float = 0.0
    methods: dict[str, MethodCost] = field(default_factory=dict)

    def charge(
        self,
        method: str,
        *,
        props: int = 0,
        names: int = 0,
        skipped: int = 0,
        datasets: int = 0,
    ) -> float:
        """Record one call; return the simulated server time it took."""
        seconds = (
            SECONDS_PER_CALL
            + props * SECONDS_PER_SNAPSHOT_WITH_PROPERTIES
            + names * SECONDS_PER_SNAPSHOT_NAME
            + skipped * SECONDS_PER_SKIPPED_SNAPSHOT
            + datasets * SECONDS_PER_DATASET
        )
        self.enumerated += props + names
        self.with_properties += props
        self.names_only += names
        self.skipped += skipped
        self.datasets_read += datasets
        self.server_seconds += seconds
        cost = self.methods.setdefault(method, MethodCost())
        cost.calls += 1
        cost.enumerated += props + names
        cost.seconds += seconds
        return seconds

    def as_dict(self) -> dict[str, Any]:
        """Return the counters as JSON."""
        return {
            "enumerated": self.enumerated,
            "with_properties": self.with_properties,
            "names_only": self.names_only,
            "skipped": self.skipped,
            "datasets_read": self.datasets_read,
            "server_seconds": round(self.server_seconds, 6),
            "methods": {
                name: {
                    "calls": cost.calls,
                    "enumerated": cost.enumerated,
                    "seconds": round(cost.seconds, 6),
                }
                for name, cost in sorted(self.methods.items())
            },
        }


class SnapshotStore:
    """Every snapshot of the lab, per dataset in creation (createtxg) order."""

    def __init__(self, datasets: Iterable[str], first_txg: int = 1000) -> None:
        """Start with the given datasets and no snapshot."""
        self.by_dataset: dict[str, dict[str, Snapshot]] = {name: {} for name in datasets}
        self.changed: dict[str, int | None] = dict.fromkeys(self.by_dataset)
        """``snapshots_changed``: epoch seconds of the last create/destroy (None: never)."""
        self.txg = first_txg
        self.total = 0

    # ------------------------------------------------------------ datasets

    def add_dataset(self, name: str) -> None:
        """Make a dataset known (no-op if it is)."""
        if name not in self.by_dataset:
            self.by_dataset[name] = {}
            self.changed[name] = None

    def has_dataset(self, name: str) -> bool:
        """Return whether the dataset exists."""
        return name in self.by_dataset

    def descendants(self, name: str, *, include_self: bool = True) -> list[str]:
        """Return the dataset and every dataset below it."""
        prefix = name + "/"
        found = [other for other in self.by_dataset if other.startswith(prefix)]
        return [name, *found] if include_self else found

    # ------------------------------------------------------------ snapshots

    def get(self, full_name: str) -> Snapshot | None:
        """Return ``dataset@name`` or None."""
        dataset, _, name = full_name.partition("@")
        return self.by_dataset.get(dataset, {}).get(name)

    def create(
        self, dataset: str, name: str, when: datetime, *, owner: int | None = None
    ) -> Snapshot:
        """Take a snapshot (``ValueError`` if the dataset is unknown or the name is taken)."""
        snapshots = self.by_dataset.get(dataset)
        if snapshots is None:
            msg = f"dataset {dataset!r} does not exist"
            raise ValueError(msg)
        if name in snapshots:
            msg = f"snapshot {dataset}@{name} already exists"
            raise ValueError(msg)
        self.txg += 1
        creation = int(when.timestamp())
        snapshot = Snapshot(dataset, name, self.txg, creation, owner)
        snapshots[name] = snapshot
        self.changed[dataset] = max(creation, self.changed[dataset] or 0)
        self.total += 1
        return snapshot

    def destroy(self, snapshot: Snapshot, when: datetime) -> None:
        """Destroy a snapshot (retention; never done for a client)."""
        if self.by_dataset[snapshot.dataset].pop(snapshot.name, None) is not None:
            self.total -= 1
            self.changed[snapshot.dataset] = max(
                int(when.timestamp()), self.changed[snapshot.dataset] or 0
            )

    def in_datasets(self, datasets: Iterable[str]) -> Iterator[Snapshot]:
        """Every snapshot of the given datasets (unknown ones are skipped)."""
        for dataset in datasets:
            yield from self.by_dataset.get(dataset, {}).values()

    def all(self) -> Iterator[Snapshot]:
        """Every snapshot on the system."""
        for snapshots in self.by_dataset.values():
            yield from snapshots.values()

    def count(self, dataset: str) -> int:
        """Return how many snapshots a dataset has."""
        return len(self.by_dataset.get(dataset, {}))


# ---------------------------------------------------------------- entries


def _epoch(value: int) -> datetime:
    return datetime.fromtimestamp(value, UTC)


def _property_values(snapshot: Snapshot) -> dict[str, tuple[Any, str]]:
    return {
        "creation": (_epoch(snapshot.creation), str(snapshot.creation)),
        "createtxg": (snapshot.txg, str(snapshot.txg)),
        "used": (snapshot.used, str(snapshot.used)),
        "referenced": (snapshot.referenced, str(snapshot.referenced)),
        "written": (snapshot.used, str(snapshot.used)),
    }


def legacy_entry(snapshot: Snapshot, properties: Sequence[str] | None) -> dict[str, Any]:
    """Return a 25.04/25.10 snapshot entry (``zfs.snapshot.query`` / ``pool.snapshot.query``)."""
    values = _property_values(snapshot)
    wanted = SNAPSHOT_PROPERTIES if properties is None else properties
    props: dict[str, Any] = {}
    for name in wanted:
        if name in values:
            parsed, raw = values[name]
            shown = parsed.strftime("%a %b %d %H:%M %Y") if name == "creation" else raw
            props[name] = {"value": shown, "rawvalue": raw, "parsed": parsed, "source": "NONE"}
    return {
        "id": snapshot.full_name,
        "name": snapshot.full_name,
        "pool": snapshot.pool,
        "type": "SNAPSHOT",
        "snapshot_name": snapshot.name,
        "dataset": snapshot.dataset,
        "createtxg": str(snapshot.txg),
        "properties": props,
        "holds": {},
        "retention": None,
    }


def resource_entry(snapshot: Snapshot, properties: Sequence[str] | None) -> dict[str, Any]:
    """Return a 26 ``zfs.resource.snapshot.query`` entry."""
    values = _property_values(snapshot)
    props: dict[str, Any] | None = None
    if properties is not None:
        wanted = properties or SNAPSHOT_PROPERTIES
        props = {}
        for name in wanted:
            if name in values:
                parsed, raw = values[name]
                value = snapshot.creation if name == "creation" else parsed
                props[name] = {"raw": raw, "source": None, "value": value}
    return {
        "createtxg": snapshot.txg,
        "guid": snapshot.txg * 7919 + 13,
        "name": snapshot.full_name,
        "pool": snapshot.pool,
        "dataset": snapshot.dataset,
        "snapshot_name": snapshot.name,
        "type": "SNAPSHOT",
        "holds": None,
        "properties": props,
        "user_properties": None,
    }


# ---------------------------------------------------------------- 25.04 / 25.10 queries


def filter_attrs(filters: Sequence[Any]) -> set[str]:
    """Field names a filter list uses (``filter_getattrs``)."""
    attrs: set[str] = set()
    for condition in filters:
        if len(condition) == 2 and condition[0] == "OR":  # noqa: PLR2004 - ["OR", [...]]
            for branch in condition[1]:
                attrs |= filter_attrs(
                    branch if branch and isinstance(branch[0], list) else [branch]
                )
        elif condition and isinstance(condition[0], str):
            attrs.add(condition[0])
    return attrs


def _txg_range(extra: dict[str, Any]) -> tuple[int, int]:
    min_txg, max_txg = extra.get("min_txg", 0), extra.get("max_txg", 0)
    if not isinstance(min_txg, int) or not isinstance(max_txg, int):
        raise single_error("options.extra", "min_txg and max_txg must be integers")
    return min_txg, max_txg


def _txg_filter(
    snapshots: Iterable[Snapshot], min_txg: int, max_txg: int
) -> tuple[list[Snapshot], int]:
    """Apply min/max txg as the kernel does; return the kept ones and how many were skipped."""
    kept: list[Snapshot] = []
    skipped = 0
    for snapshot in snapshots:
        if (min_txg and snapshot.txg < min_txg) or (max_txg and snapshot.txg > max_txg):
            skipped += 1
        else:
            kept.append(snapshot)
    return kept, skipped


def legacy_query(
    store: SnapshotStore, cost: SnapshotCost, method: str, params: Sequence[Any]
) -> tuple[Any, float]:
    """``zfs.snapshot.query`` (25.04) / ``pool.snapshot.query`` (25.10); returns (result, seconds)."""
    filters, timestamps, options = query_args(params)
    min_txg, max_txg = _txg_range(options.extra)
    attrs = filter_attrs(filters)
    if (options.select == ["name"] or options.count) and attrs <= NAME_FAST_PATH_ATTRS:
        if not filters and options.count:
            # The cached per-dataset counts (snapshots_changed is the cache key).
            seconds = cost.charge(method, datasets=len(store.by_dataset))
            return store.total, seconds
        datasets: list[str] | None = None
        recursive = True
        others: list[Any] = []
        for condition in filters:
            if (
                len(condition) == 3  # noqa: PLR2004 - [field, op, value]
                and condition[0] in ("pool", "dataset")
                and condition[1] in ("=", "in")
            ):
                value = condition[2]
                datasets = [value] if condition[1] == "=" else list(value)
                recursive = condition[0] != "dataset"
            else:
                others.append(condition)
        if datasets is None:
            walked: Iterable[Snapshot] = store.all()
        elif recursive:
            walked = store.in_datasets(d for top in datasets for d in store.descendants(top))
        else:
            walked = store.in_datasets(datasets)
        kept, skipped = _txg_filter(walked, min_txg, max_txg)
        seconds = cost.charge(method, names=len(kept), skipped=skipped)
        names = [{"name": snapshot.full_name} for snapshot in kept]
        return filter_list(names, others, options, timestamps), seconds
    properties = options.extra.get("properties")
    if (
        len(filters) == 1
        and len(filters[0]) == 3  # noqa: PLR2004 - [field, op, value]
        and filters[0][0] in ("id", "name")
        and filters[0][1] == "="
    ):
        found = store.get(str(filters[0][2]))
        candidates = [found] if found is not None else []
    else:
        # "FIXME: awful performance with hundreds/thousands of snapshots": every snapshot on
        # the system is read with its properties, and the filters are applied afterwards.
        candidates = list(store.all())
    kept, skipped = _txg_filter(candidates, min_txg, max_txg)
    seconds = cost.charge(method, props=len(kept), skipped=skipped)
    entries = [legacy_entry(snapshot, properties) for snapshot in kept]
    return filter_list(entries, filters, options, timestamps), seconds


def validate_snapshot_name(dataset: str, name: str) -> bool:
    """Return whether ``dataset@name`` is a valid snapshot name."""
    return bool(name) and SNAPSHOT_NAME_RE.match(name) is not None and len(dataset + name) < 255  # noqa: PLR2004 - ZFS_MAX_DATASET_NAME_LEN


def create_snapshots(
    store: SnapshotStore,
    data: Any,
    when: datetime,
    method: str,
    *,
    validation_duplicates: bool,
) -> Snapshot:
    """``pool.snapshot.create`` / ``zfs.snapshot.create``: take a snapshot (recursively)."""
    if not isinstance(data, dict):
        raise single_error("data", "Input should be a valid dictionary")
    errors = ValidationErrors()
    dataset = data.get("dataset")
    name = data.get("name")
    if not isinstance(dataset, str):
        errors.add(f"{method}.dataset", "Field required")
    if "naming_schema" in data and name is not None:
        errors.add(
            f"{method}.naming_schema", "You can't specify name and naming schema at the same time"
        )
    elif isinstance(data.get("naming_schema"), str):
        name = when.strftime(data["naming_schema"])
    elif not isinstance(name, str):
        errors.add(f"{method}.naming_schema", "You must specify either name or naming schema")
    recursive = data.get("recursive", False)
    if not isinstance(recursive, bool):
        errors.add(f"{method}.recursive", "Input should be a valid boolean")
    errors.check()
    assert isinstance(dataset, str)  # noqa: S101 - checked above
    assert isinstance(name, str)  # noqa: S101 - checked above
    if not validate_snapshot_name(dataset, name):
        raise single_error(f"{method}.name", "Invalid snapshot name")
    if not store.has_dataset(dataset):
        raise single_error(f"{method}.dataset", f"{dataset!r} does not exist", errno.ENOENT)
    targets = store.descendants(dataset) if recursive else [dataset]
    if any(store.get(f"{target}@{name}") for target in targets):
        message = f"Failed to snapshot {dataset}@{name}: snapshot already exists."
        if validation_duplicates:
            raise single_error(method, message, errno.EEXIST)
        raise CallError(message, errno.EEXIST)
    created = [store.create(target, name, when) for target in targets]
    return created[0]


# ---------------------------------------------------------------- 25.10+ / 26 resource methods


def _resource_args(params: Sequence[Any], method: str) -> tuple[dict[str, Any], list[str]]:
    """The checked ``data`` argument of a ``zfs.resource`` method, and its ``paths``."""
    data = params[0] if params else {}
    if not isinstance(data, dict):
        raise single_error("data", "Input should be a valid dictionary")
    paths = data.get("paths", [])
    if not isinstance(paths, list) or not all(isinstance(path, str) for path in paths):
        raise single_error(f"{method}.paths", "Input should be a valid list of strings")
    if len(set(paths)) != len(paths):
        raise single_error(f"{method}.paths", "List must be unique")
    properties = data.get("properties", [])
    if properties is not None and (
        not isinstance(properties, list) or not all(isinstance(p, str) for p in properties)
    ):
        raise single_error(f"{method}.properties", "Input should be a valid list of strings")
    for key in ("min_txg", "max_txg"):
        if not isinstance(data.get(key, 0), int):
            raise single_error(f"{method}.{key}", "Input should be a valid integer")
    for key in ("recursive", "get_children", "get_user_properties", "get_source"):
        if not isinstance(data.get(key, False), bool):
            raise single_error(f"{method}.{key}", "Input should be a valid boolean")
    return data, paths


def dataset_guid(name: str) -> int:
    """A dataset's ZFS guid: a stable 64-bit number (ZFSResourceEntry.guid is an int)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big") >> 1


def dataset_txg(name: str) -> int:
    """The txg a dataset was created in: stable, and before every snapshot's (first_txg 1000)."""
    return 4 + name.count("/") * 16 + (dataset_guid(name) % 16)


def resource_query(
    store: SnapshotStore, cost: SnapshotCost, params: Sequence[Any]
) -> tuple[list[dict[str, Any]], float]:
    """``zfs.resource.query`` (25.10+): datasets and their properties; never a snapshot."""
    method = "zfs.resource.query"
    data, paths = _resource_args(params, method)
    if any("@" in path for path in paths):
        raise single_error(
            method, "Use `zfs.resource.snapshot.query` to query snapshot information."
        )
    for path in paths:
        if not store.has_dataset(path):
            raise single_error(method, f"{path!r}: dataset not found", errno.ENOENT)
    if not paths:
        names = list(store.by_dataset)
    elif data.get("get_children"):
        names = list(dict.fromkeys(d for path in paths for d in store.descendants(path)))
    else:
        names = paths
    properties: list[str] | None = data.get("properties", [])
    entries = []
    for name in names:
        props: dict[str, Any] | None = None
        if properties is not None:
            props = {}
            for prop in properties or ["snapshots_changed"]:
                if prop == "snapshots_changed":
                    changed = store.changed.get(name)
                    props[prop] = {
                        "raw": "-" if changed is None else str(changed),
                        "source": "NONE" if data.get("get_source") else None,
                        "value": changed,
                    }
        entries.append(
            {
                "createtxg": dataset_txg(name),
                "guid": dataset_guid(name),
                "name": name,
                "pool": name.split("/", 1)[0],
                "type": "FILESYSTEM",
                "properties": props,
                "user_properties": {} if data.get("get_user_properties") else None,
                # normalize_asdict_result always adds it; only nest_results fills it.
                "children": [],
            }
        )
    seconds = cost.charge(method, datasets=len(names))
    return entries, seconds


def resource_snapshot_query(
    store: SnapshotStore, cost: SnapshotCost, params: Sequence[Any]
) -> tuple[list[dict[str, Any]], float]:
    """``zfs.resource.snapshot.query`` (26): only the given paths are walked."""
    method = "zfs.resource.snapshot.query"
    data, paths = _resource_args(params, method)
    recursive = bool(data.get("recursive"))
    walked: list[Snapshot] = []
    if not paths:
        walked = list(store.all())
    for path in paths:
        if "@" in path:
            found = store.get(path)
            if found is None:
                raise single_error(method, f"{path!r}: snapshot not found", errno.ENOENT)
            walked.append(found)
            continue
        if not store.has_dataset(path):
            raise single_error(method, f"{path!r}: dataset not found", errno.ENOENT)
        datasets = store.descendants(path) if recursive else [path]
        walked.extend(store.in_datasets(datasets))
    kept, skipped = _txg_filter(walked, data.get("min_txg", 0), data.get("max_txg", 0))
    properties = data.get("properties", [])
    seconds = cost.charge(
        method,
        props=len(kept) if properties is not None else 0,
        names=0 if properties is not None else len(kept),
        skipped=skipped,
    )
    return [resource_entry(snapshot, properties) for snapshot in kept], seconds


def resource_snapshot_count(
    store: SnapshotStore, cost: SnapshotCost, params: Sequence[Any]
) -> tuple[dict[str, int], float]:
    """``zfs.resource.snapshot.count`` (26): cached counts per dataset; walks no snapshot."""
    method = "zfs.resource.snapshot.count"
    data, paths = _resource_args(params, method)
    paths = paths or [name for name in store.by_dataset if "/" not in name]
    counts: dict[str, int] = {}
    for path in paths:
        if not store.has_dataset(path):
            raise single_error(method, f"{path!r}: dataset not found", errno.ENOENT)
        datasets = store.descendants(path) if data.get("recursive") else [path]
        for dataset in datasets:
            counts[dataset] = store.count(dataset)
    seconds = cost.charge(method, datasets=len(counts))
    return counts, seconds
