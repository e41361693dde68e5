"""The exceptions a method handler raises, and how the middleware puts them on the wire.

They mirror ``middlewared/service_exception.py``: ``CallError`` becomes JSON-RPC error -32001
("Method call error"), ``ValidationErrors`` becomes -32602 ("Invalid params") and
``MatchNotFound`` (a query with ``get: true`` that matched nothing) is an unexpected exception,
which the middleware reports as -32001 with ``EINVAL`` and the reason ``MatchNotFound()``.
"""

from __future__ import annotations

from collections.abc import Mapping
import errno
import traceback
from typing import Any, Final

# JSON-RPC error codes used by the middleware (truenas_api_client/jsonrpc.py).
PARSE_ERROR: Final = -32700
INVALID_REQUEST: Final = -32600
METHOD_NOT_FOUND: Final = -32601
INVALID_PARAMS: Final = -32602
TOO_MANY_CONCURRENT_CALLS: Final = -32000
CALL_ERROR: Final = -32001

# Middleware-specific errno values (truenas_api_client/exc.py, ErrnoMixin).
ENOMETHOD: Final = 201
ENOTAUTHENTICATED: Final = 207

_CUSTOM_ERRNAMES: Final = {ENOMETHOD: "ENOMETHOD", ENOTAUTHENTICATED: "ENOTAUTHENTICATED"}


def errname(code: int) -> str:
    """Return the symbolic name of an errno value, as ``get_errname`` does."""
    return errno.errorcode.get(code) or _CUSTOM_ERRNAMES.get(code) or "EUNKNOWN"


class CallError(Exception):
    """A method failed in a way the caller should see (JSON-RPC -32001)."""

    def __init__(self, errmsg: str, code: int = errno.EFAULT, extra: Any = None) -> None:
        """Store the message, the errno value and optional extra data."""
        super().__init__(errmsg)
        self.errmsg = errmsg
        self.errno = code
        self.extra = extra

    def __str__(self) -> str:
        """Format as the middleware does: ``[EACCES] Not authorized``."""
        return f"[{errname(self.errno)}] {self.errmsg}"


def get_instance[ValueT](items: Mapping[int, ValueT], ident: object, kind: str) -> ValueT:
    """The item with id ``ident``, or ``InstanceNotFound`` (``<kind> <id> does not exist``)."""
    item = items.get(ident) if isinstance(ident, int) else None
    if item is None:
        raise CallError(f"{kind} {ident} does not exist", errno.ENOENT)
    return item


class ValidationErrors(Exception):  # noqa: N818 - the middleware's name
    """One or more invalid arguments (JSON-RPC -32602)."""

    def __init__(self, errors: list[tuple[str, str, int]] | None = None) -> None:
        """Start with the given ``(attribute, message, errno)`` triples."""
        super().__init__()
        self.errors: list[tuple[str, str, int]] = list(errors or [])

    def add(self, attribute: str, errmsg: str, code: int = errno.EINVAL) -> None:
        """Add one error."""
        self.errors.append((attribute, errmsg, code))

    def check(self) -> None:
        """Raise self when any error was added."""
        if self.errors:
            raise self

    def __str__(self) -> str:
        """Format as the middleware does, one ``[ERRNAME] attr: message`` per line."""
        return "".join(f"[{errname(code)}] {attr}: {msg}\n" for attr, msg, code in self.errors)


class MatchNotFound(IndexError):  # noqa: N818 - the middleware's name
    """A query with ``get: true`` matched nothing."""


def single_error(attribute: str, errmsg: str, code: int = errno.EINVAL) -> ValidationErrors:
    """Return a ``ValidationErrors`` holding one error."""
    return ValidationErrors([(attribute, errmsg, code)])


def error_trace(exc: BaseException) -> dict[str, Any]:
    """Return the ``trace`` object the middleware attaches to a -32001/-32602 error."""
    formatted = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return {"class": type(exc).__name__, "frames": [], "formatted": formatted, "repr": repr(exc)}


def error_data(
    code: int, reason: str, exc: BaseException | None = None, extra: Any = None
) -> dict[str, Any]:
    """Return the ``data`` member of a middleware error (``format_truenas_error``)."""
    return {
        "error": code,
        "errname": errname(code),
        "reason": reason,
        "trace": error_trace(exc) if exc is not None else None,
        "extra": extra,
    }


def rpc_error(
    id_: Any, code: int, message: str, data: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Return a complete JSON-RPC error message."""
    error: dict[str, Any] = {"code": code, "message": message}
    if data is not None:
        error["data"] = data
    return {"jsonrpc": "2.0", "error": error, "id": id_}


def exception_to_rpc(id_: Any, exc: Exception) -> dict[str, Any]:
    """Turn an exception raised by a method into the error message the middleware sends."""
    if isinstance(exc, ValidationErrors):
        extra = [list(error) for error in exc.errors]
        return rpc_error(
            id_, INVALID_PARAMS, "Invalid params", error_data(errno.EINVAL, str(exc), exc, extra)
        )
    if isinstance(exc, CallError):
        return rpc_error(
            id_, CALL_ERROR, "Method call error", error_data(exc.errno, str(exc), exc, exc.extra)
        )
    # Anything else is an unexpected exception: EINVAL with str() or repr() as the reason.
    reason = str(exc) or repr(exc)
    return rpc_error(id_, CALL_ERROR, "Method call error", error_data(errno.EINVAL, reason, exc))
