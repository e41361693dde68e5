"""``pool.dataset``: datasets, their properties and children."""

from __future__ import annotations

from typing import Any, Final

from labsim.errors import ValidationErrors
from labsim.query import Entry, parse_options
from labsim.rpc import CallContext, MethodTable, redact

from .args import arg

METHODS: Final = MethodTable()


@METHODS.query("pool.dataset.query", role="DATASET_READ")
def pool_dataset_query(ctx: CallContext) -> list[Entry]:
    """``pool.dataset.query``: datasets; ``extra`` picks properties and children."""
    options = parse_options(ctx.params[1] if len(ctx.params) > 1 else None)
    extra = options.extra
    errors = ValidationErrors()
    properties = extra.get("properties")
    if properties is not None and (
        not isinstance(properties, list) or not all(isinstance(p, str) for p in properties)
    ):
        errors.add("options.extra.properties", "Input should be a valid list of strings")
    for key in ("retrieve_children", "flat", "retrieve_user_props"):
        if not isinstance(extra.get(key, True), bool):
            errors.add(f"options.extra.{key}", "Input should be a valid boolean")
    errors.check()
    return ctx.state.dataset_entries(
        properties,
        children=extra.get("retrieve_children", True),
        flat=extra.get("flat", True),
        user_props=extra.get("retrieve_user_props", True),
    )


@METHODS.register("pool.dataset.unlock", 2, role="DATASET_WRITE")
def pool_dataset_unlock(ctx: CallContext) -> int:
    """``pool.dataset.unlock(id, {"datasets": [{"name", "passphrase" | "key"}], ...})`` (job).

    As the middleware: validation problems (not locked, not an encryption root, no key) fail the
    job; a wrong passphrase does not: the job succeeds with ``{"unlocked": [], "failed": {name:
    {"error": "Invalid Key", "skipped": []}}}``. Passphrases never reach a log (the call log and
    the job's arguments are redacted).
    """
    state = ctx.state
    name: str = arg(ctx, 0, "id", str)
    options: dict[str, Any] = arg(ctx, 1, "options", dict, {})
    supplied = {
        item.get("name"): item.get("passphrase") or item.get("key")
        for item in options.get("datasets", [])
        if isinstance(item, dict)
    }
    dataset = next((ds for ds in state.datasets if ds.name == name), None)
    problem = None
    if dataset is None:
        problem = f"[ENOENT] None: {name!r} dataset does not exist"
    elif not (dataset.encrypted and dataset.locked):
        problem = f"[EINVAL] id: {name} dataset is not locked"
    elif name not in supplied:
        problem = f"[EINVAL] unlock_options.datasets: Please specify key for {name}"
    arguments = redact(ctx.method, [name, options])
    if problem is not None:
        return state.failed_job(ctx.method, arguments, problem)
    assert dataset is not None  # noqa: S101 - checked above
    if supplied[name] != dataset.passphrase:
        result: dict[str, Any] = {
            "unlocked": [],
            "failed": {name: {"error": "Invalid Key", "skipped": []}},
        }
    else:
        dataset.locked = False
        result = {"unlocked": [name], "failed": {}}
    return state.start_job(ctx.method, arguments, 1.0, result=result).id
