"""The lab's datasets: the dataset tree and ``pool.dataset.query`` entries with their properties.

``LabState`` takes them in as ``LabDatasets``.
"""

from __future__ import annotations

import copy
from typing import Any

from .scenario import Dataset, Pool
from .zfs import human_size, prop, size_prop


class LabDatasets:
    """Datasets as the scenario lists them; parents and pool roots are added when rendered."""

    pools: dict[str, Pool]
    datasets: list[Dataset]

    def _dataset_tree(self) -> dict[str, Dataset]:
        """Return every dataset by name, adding pool roots and missing parents."""
        tree: dict[str, Dataset] = {}
        for pool in self.pools.values():
            if not pool.boot:
                tree[pool.name] = Dataset(name=pool.name, used=pool.allocated, available=pool.free)
        for dataset in self.datasets:
            if dataset.pool not in tree:
                continue
            parts = dataset.name.split("/")
            for depth in range(2, len(parts)):
                tree.setdefault("/".join(parts[:depth]), Dataset(name="/".join(parts[:depth])))
            explicit = copy.copy(dataset)
            if dataset.name == dataset.pool:
                root = tree[dataset.pool]
                explicit.used = dataset.used if dataset.used is not None else root.used
                explicit.available = (
                    dataset.available if dataset.available is not None else root.available
                )
            tree[dataset.name] = explicit
        return dict(sorted(tree.items()))

    def _used(self, tree: dict[str, Dataset], name: str) -> int:
        dataset = tree[name]
        if dataset.used is not None:
            return dataset.used
        prefix = name + "/"
        children = [n for n in tree if n.startswith(prefix) and "/" not in n[len(prefix) :]]
        return sum(self._used(tree, child) for child in children) + 98304  # own metadata

    def _dataset_entry(
        self,
        tree: dict[str, Dataset],
        name: str,
        properties: list[str] | None,
        *,
        children: bool,
        user_props: bool,
    ) -> dict[str, Any]:
        dataset = tree[name]
        pool = self.pools[dataset.pool]
        used = self._used(tree, name)
        available = dataset.available if dataset.available is not None else pool.free
        if dataset.quota:
            available = min(available, max(0, dataset.quota - used))
        prefix = name + "/"
        child_names = [n for n in tree if n.startswith(prefix) and "/" not in n[len(prefix) :]]
        child_used = sum(self._used(tree, child) for child in child_names)
        referenced = (
            dataset.referenced if dataset.referenced is not None else max(used - child_used, 0)
        )
        compression = dataset.compression.lower()
        root = self.encryption_root(tree, name)
        values: dict[str, dict[str, Any]] = {
            "used": size_prop(used),
            "available": size_prop(available),
            "usedbydataset": size_prop(referenced),
            "usedbychildren": size_prop(child_used),
            "usedbysnapshots": size_prop(0),
            "usedbyrefreservation": size_prop(0),
            "quota": prop(
                dataset.quota or None,
                dataset.quota,
                human_size(dataset.quota) if dataset.quota else None,
                "LOCAL" if dataset.quota else "DEFAULT",
            ),
            "refquota": prop(None, 0, None, "DEFAULT"),
            "reservation": prop(None, 0, None, "DEFAULT"),
            "refreservation": prop(None, 0, None, "DEFAULT"),
            "compression": prop(
                compression,
                compression,
                dataset.compression,
                "LOCAL" if name == dataset.pool else "INHERITED",
            ),
            "compressratio": prop("1.00", "1.00", "1.00x"),
            "deduplication": prop("off", "off", "OFF", "DEFAULT"),
            "atime": prop(False, "off", "OFF", "LOCAL"),
            "readonly": prop(False, "off", "OFF", "DEFAULT"),
            "recordsize": prop(131072, 131072, "128K", "DEFAULT"),
            "sync": prop("standard", "standard", "STANDARD", "DEFAULT"),
            "snapdir": prop("hidden", "hidden", "HIDDEN", "DEFAULT"),
            "copies": prop(1, 1, "1", "DEFAULT"),
            "exec": prop(True, "on", "ON", "DEFAULT"),
            "checksum": prop(True, "on", "ON", "DEFAULT"),
            "casesensitivity": prop("sensitive", "sensitive", "SENSITIVE", "NONE"),
            "aclmode": prop("discard", "discard", "DISCARD", "LOCAL"),
            "acltype": prop("posix", "posix", "POSIX", "LOCAL"),
            **self._encryption_props(tree, name),
        }
        for key, value in dataset.properties.items():
            values[key] = (
                value
                if isinstance(value, dict) and "rawvalue" in value
                else prop(value, value, str(value), "LOCAL")
            )
        if properties is not None:
            values = {key: values[key] for key in properties if key in values}
        entry: dict[str, Any] = {
            "id": name,
            "type": dataset.type,
            "name": name,
            "pool": dataset.pool,
            "encrypted": root is not None,
            "encryption_root": root.name if root is not None else None,
            "key_loaded": root is not None and not root.locked,
            "locked": root is not None and root.locked,
            "mountpoint": f"/mnt/{name}" if dataset.type == "FILESYSTEM" else None,
            "children": [
                self._dataset_entry(tree, child, properties, children=True, user_props=user_props)
                for child in child_names
            ]
            if children
            else [],
            **values,
        }
        if user_props:
            entry["user_properties"] = {
                key: prop(value, value, value, "LOCAL")
                for key, value in dataset.user_properties.items()
            }
        return entry

    @staticmethod
    def encryption_root(tree: dict[str, Dataset], name: str) -> Dataset | None:
        """The encrypted dataset whose key ``name`` uses (itself, or its nearest encrypted parent)."""
        parts = name.split("/")
        for depth in range(len(parts), 0, -1):
            candidate = tree.get("/".join(parts[:depth]))
            if candidate is not None and candidate.encrypted:
                return candidate
        return None

    def _encryption_props(self, tree: dict[str, Dataset], name: str) -> dict[str, Any]:
        root = self.encryption_root(tree, name)
        if root is None:
            return {
                "key_format": prop(None, "none", None, "DEFAULT"),
                "encryption_algorithm": prop(None, "off", None, "DEFAULT"),
                "pbkdf2iters": prop("0", "0", "0", "DEFAULT"),
            }
        key_format = root.key_format.lower()
        iters = "350000" if key_format == "passphrase" else "1"
        source = "LOCAL" if root.name == name else "INHERITED"
        return {
            "key_format": prop(key_format, key_format, key_format.upper(), source),
            "encryption_algorithm": prop("aes-256-gcm", "aes-256-gcm", "AES-256-GCM", source),
            "pbkdf2iters": prop(iters, iters, iters, source),
        }

    def find_dataset(self, name: str) -> Dataset | None:
        """The dataset the scenario lists (or a pool root / implied parent), by name."""
        return self._dataset_tree().get(name)

    def dataset_entries(
        self,
        properties: list[str] | None = None,
        *,
        children: bool = True,
        flat: bool = True,
        user_props: bool = True,
    ) -> list[dict[str, Any]]:
        """Return ``pool.dataset.query`` items (flat: every dataset; else only pool roots)."""
        tree = self._dataset_tree()
        names = list(tree) if flat else [name for name in tree if "/" not in name]
        return [
            self._dataset_entry(tree, name, properties, children=children, user_props=user_props)
            for name in names
        ]
