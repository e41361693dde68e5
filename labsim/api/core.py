"""``core``: ping, connection options, subscriptions and jobs."""

from __future__ import annotations

from collections.abc import Mapping
import errno
from typing import Any, Final

from labsim.errors import CallError, ValidationErrors
from labsim.events import registered_events
from labsim.parts import start_event_source
from labsim.query import run_query
from labsim.rpc import CallContext, MethodTable, has_role

from .args import arg

METHODS: Final = MethodTable()


# authentication_required=False: a client may ping before it logs in (rate limited).
@METHODS.register("core.ping", 0, auth=False)
def core_ping(_ctx: CallContext) -> str:
    """``core.ping``: keep-alive."""
    return "pong"


@METHODS.register("core.set_options", 1, auth=False, rate_limit=False)
def core_set_options(ctx: CallContext) -> dict[str, bool] | None:
    """``core.set_options``: per-connection options (unknown keys are ignored).

    The 25.04 API answers null (``single_argument_result(None)``); 25.10 the options.
    """
    options: dict[str, Any] = arg(ctx, 0, "options", dict)
    errors = ValidationErrors()
    for key in ctx.session.options:
        if key in options and not isinstance(options[key], bool):
            errors.add(f"options.{key}", "Input should be a valid boolean")
    errors.check()
    for key in ctx.session.options:
        if key in options:
            ctx.session.options[key] = options[key]
    if ctx.session.version < (25, 10):
        return None
    return dict(ctx.session.options)


@METHODS.register("core.subscribe", 1)
def core_subscribe(ctx: CallContext) -> str:
    """``core.subscribe``: receive ``collection_update`` events for an event name.

    As ``can_subscribe``: a registered event needs its role (none for ``core.get_jobs``); a name
    the box does not register is refused with ``EACCES`` unless the user is FULL_ADMIN, who gets
    a subscription on which nothing ever arrives (see ``labsim.events``).
    """
    name: str = arg(ctx, 0, "event", str)
    short = name.split(":", 1)[0]
    session = ctx.session
    events = registered_events(session.server.events, session.box)
    user = session.user
    role = events.get(short, "FULL_ADMIN")
    if role is not None and user is not None and not has_role(user.roles, role):
        raise CallError("Not authorized", errno.EACCES)
    if short in events:
        # Sources that produce events on their own (app.stats) start with their first subscriber.
        ctx.after_reply.append(lambda: start_event_source(ctx.state, name))
    return session.subscribe(name)


@METHODS.register("core.unsubscribe", 1)
def core_unsubscribe(ctx: CallContext) -> None:
    """``core.unsubscribe``: stop a subscription."""
    ctx.session.unsubscribe(arg(ctx, 0, "id", str))


@METHODS.register("core.get_jobs", 2)
def core_get_jobs(ctx: CallContext) -> object:
    """``core.get_jobs``: jobs, with query filters and options."""
    return run_query(ctx.state.job_entries(), ctx.params)


EVENTS: Final[Mapping[str, str | None]] = {"core.get_jobs": None}
