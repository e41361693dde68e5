"""The API methods the simulator serves: the tables of the namespaces in ``labsim.api``, joined.

Each TrueNAS API namespace has a module in ``labsim.api`` (``auth``, ``core``, ``system``,
``pool``, ``pool_dataset``, ``boot``, ``alert``, ``app``, ``pool_snapshottask``, ``replication``,
``cloudsync``, ``snapshot`` for ``zfs.snapshot`` and ``pool.snapshot``, ``zfs_resource``) with
one small handler a method, each marked ``@METHODS.register(name, max_args, ...)`` (a
``*.query`` method: ``@METHODS.query(name, ...)`` on a function returning its rows). Adding a
method is one decorated function in its namespace (a new namespace: a module with a
``METHODS = MethodTable()``, listed in ``NAMESPACES``).

A handler receives a ``CallContext`` (session, lab state, params) and returns the result, or
raises ``CallError`` / ``ValidationErrors`` (see ``labsim.errors``). Its ``Method`` (the
registration's options) records who may call it: ``auth=False`` for login methods, ``role`` for the role it needs, ``since``,
``api_since``, ``removed_in`` and ``dropped_in`` for the releases and API versions that have it
(see ``labsim.rpc.Method``). ``EVENTS`` lists the event names ``core.subscribe`` accepts on every
release, with their roles (a namespace's own ``EVENTS``).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType
from typing import Final

from .api import (
    alert,
    app,
    auth,
    boot,
    certificate,
    cloudsync,
    container,
    core,
    disk,
    pool,
    pool_dataset,
    pool_snapshottask,
    replication,
    reporting,
    service,
    snapshot,
    system,
    update,
    virt_instance,
    vm,
    zfs_resource,
)
from .api.args import arg
from .rpc import Method

__all__ = ["EVENTS", "METHODS", "NAMESPACES", "arg"]

NAMESPACES: Final[tuple[ModuleType, ...]] = (
    auth,
    core,
    system,
    pool,
    pool_dataset,
    boot,
    alert,
    app,
    pool_snapshottask,
    replication,
    cloudsync,
    snapshot,
    zfs_resource,
    disk,
    reporting,
    vm,
    virt_instance,
    container,
    service,
    update,
    certificate,
)

METHODS: Final[Mapping[str, Method]] = {
    name: method for namespace in NAMESPACES for name, method in namespace.METHODS.items()
}

# The events every supported release registers; scrub progress, renamed in 26, is added by
# ``labsim.events.registered_events``.
EVENTS: Final[Mapping[str, str | None]] = {
    "*": "FULL_ADMIN",
    **{
        name: role
        for namespace in NAMESPACES
        for name, role in getattr(namespace, "EVENTS", {}).items()
    },
}
