"""The API methods the simulator serves: one small handler each, listed in ``METHODS``.

Adding a method is one function and one ``METHODS`` entry. A handler receives a
``CallContext`` (session, lab state, params) and returns the result, or raises ``CallError`` /
``ValidationErrors`` (see ``labsim.errors``). ``Method`` records who may call it: ``auth=False``
for login methods, ``role`` for the role it needs, ``since``, ``api_since``, ``removed_in`` and
``dropped_in`` for the releases and API versions that have it (see ``labsim.rpc.Method``).
``EVENTS`` lists the event names ``core.subscribe`` accepts on every release, with their roles.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
import errno
from typing import Any, Final

from .apps import APP_EVENTS, APP_METHODS, start_event_source
from .backups import BACKUP_METHODS
from .errors import CallError, ValidationErrors, single_error
from .events import registered_events
from .query import parse_options, run_query
from .rpc import CallContext, Method, has_role
from .scenario import User
from .state import INSECURE_TRANSPORT_REASON

AUTH_MECHANISMS: Final = ("PASSWORD_PLAIN", "API_KEY_PLAIN", "TOKEN_PLAIN", "OTP_TOKEN")
_MISSING: Final = object()


# ---------------------------------------------------------------- argument helpers


def arg(ctx: CallContext, index: int, name: str, kind: type, default: Any = _MISSING) -> Any:
    """Return positional argument ``index`` checked against ``kind`` (pydantic's messages)."""
    if index >= len(ctx.params):
        if default is _MISSING:
            raise single_error(name, "Field required")
        return default
    value = ctx.params[index]
    if kind is bool and not isinstance(value, bool):
        raise single_error(name, "Input should be a valid boolean")
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise single_error(name, "Input should be a valid integer")
    if kind is str and not isinstance(value, str):
        raise single_error(name, "Input should be a valid string")
    if kind is dict and not isinstance(value, dict):
        raise single_error(name, "Input should be a valid dictionary")
    return value


def _user_info(user: User) -> dict[str, Any]:
    """Return what ``auth.me`` reports for a user."""
    return {
        "pw_name": user.username,
        "pw_gecos": user.username,
        "pw_dir": "/var/empty",
        "pw_shell": "/usr/sbin/nologin",
        "pw_uid": 3000,
        "pw_gid": 3000,
        "grouplist": [3000],
        "sid": None,
        "source": "LOCAL",
        "local": True,
        "attributes": {},
        "two_factor_config": {"secret_configured": False, "interval": 30, "otp_digits": 6},
        "privilege": {"roles": {"$set": list(user.roles)}, "allowlist": [], "web_shell": False},
        "account_attributes": ["LOCAL", "API_KEY"],
    }


# ---------------------------------------------------------------- auth


def _api_key_login(
    ctx: CallContext, username: str, api_key: str, *, user_info: bool
) -> dict[str, Any]:
    """Check an API key as ``auth.login_ex`` with ``API_KEY_PLAIN`` does."""
    stats = ctx.state.stats
    found = ctx.state.find_key(api_key)
    if found is None or found[0].username != username or found[1].revoked:
        # Unknown user, wrong key and revoked key all look alike (no username guessing).
        stats.logins_failed += 1
        return {"response_type": "AUTH_ERR"}
    user, key = found
    if key.expires_at is not None and key.expires_at <= datetime.now(UTC):
        stats.logins_failed += 1
        return {"response_type": "EXPIRED"}
    if not ctx.session.secure_transport:
        # The NEP: a key seen in clear text from a remote client is revoked on the spot.
        ctx.state.revoke_key(key, INSECURE_TRANSPORT_REASON)
        stats.logins_failed += 1
        return {"response_type": "EXPIRED"}
    ctx.session.login(user, key)
    stats.logins_ok += 1
    response: dict[str, Any] = {
        "response_type": "SUCCESS",
        "user_info": _user_info(user) if user_info else None,
        "authenticator": "LEVEL_1",
    }
    if ctx.session.version >= (26,):
        # AuthRespSuccess gained reconnect_token in the 26 API; older models forbid the key.
        response["reconnect_token"] = None
    return response


def _login_data(ctx: CallContext) -> tuple[str, dict[str, Any]]:
    """Validate the ``login_data`` argument; return mechanism and data."""
    data = arg(ctx, 0, "login_data", dict)
    mechanism = data.get("mechanism", _MISSING)
    if mechanism is _MISSING:
        raise single_error("login_data.mechanism", "Field required")
    if mechanism not in AUTH_MECHANISMS:
        tags = ", ".join(f"'{tag}'" for tag in AUTH_MECHANISMS)
        msg = (
            f"Input tag '{mechanism}' found using 'mechanism' does not match any of the "
            f"expected tags: {tags}"
        )
        raise single_error("login_data", msg)
    return mechanism, data


def auth_login_ex(ctx: CallContext) -> dict[str, Any]:
    """``auth.login_ex``: log in with a mechanism; only ``API_KEY_PLAIN`` can succeed here."""
    mechanism, data = _login_data(ctx)
    if mechanism != "API_KEY_PLAIN":
        ctx.state.stats.logins_failed += 1
        return {"response_type": "AUTH_ERR"}
    errors = ValidationErrors()
    prefix = "login_data.API_KEY_PLAIN"
    for key in sorted(set(data) - {"mechanism", "username", "api_key", "login_options"}):
        errors.add(f"{prefix}.{key}", "Extra inputs are not permitted")
    for key in ("username", "api_key"):
        if key not in data:
            errors.add(f"{prefix}.{key}", "Field required")
        elif not isinstance(data[key], str):
            errors.add(f"{prefix}.{key}", "Input should be a valid string")
    options = data.get("login_options", {})
    if not isinstance(options, dict):
        errors.add(f"{prefix}.login_options", "Input should be a valid dictionary")
        options = {}
    user_info = options.get("user_info", True)
    if not isinstance(user_info, bool):
        errors.add(f"{prefix}.login_options.user_info", "Input should be a valid boolean")
    errors.check()
    return _api_key_login(ctx, data["username"], data["api_key"], user_info=user_info)


def auth_login_with_api_key(ctx: CallContext) -> bool:
    """``auth.login_with_api_key``: legacy key login, true/false (removed in 27)."""
    api_key: str = arg(ctx, 0, "api_key", str)
    try:
        found = ctx.state.find_key_by_id(int(api_key.split("-", 1)[0]))
    except ValueError:
        found = None
    if found is None:
        ctx.state.stats.logins_failed += 1
        return False
    response = _api_key_login(ctx, found[0].username, api_key, user_info=False)
    return bool(response["response_type"] == "SUCCESS")


def auth_logout(ctx: CallContext) -> bool:
    """``auth.logout``: end the login on this connection."""
    ctx.session.logout()
    return True


def auth_me(ctx: CallContext) -> dict[str, Any]:
    """``auth.me``: the logged-in user."""
    assert ctx.session.user is not None  # noqa: S101 - the auth gate guarantees it
    return _user_info(ctx.session.user)


# ---------------------------------------------------------------- core


def core_ping(_ctx: CallContext) -> str:
    """``core.ping``: keep-alive."""
    return "pong"


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


def core_unsubscribe(ctx: CallContext) -> None:
    """``core.unsubscribe``: stop a subscription."""
    ctx.session.unsubscribe(arg(ctx, 0, "id", str))


def core_get_jobs(ctx: CallContext) -> object:
    """``core.get_jobs``: jobs, with query filters and options."""
    return run_query(ctx.state.job_entries(), ctx.params)


# ---------------------------------------------------------------- system, storage, alerts


def system_info(ctx: CallContext) -> dict[str, Any]:
    """``system.info``: hardware, version and uptime."""
    return ctx.state.system_info()


def system_host_id(ctx: CallContext) -> str:
    """``system.host_id``: a stable identity of the machine."""
    return ctx.state.host_id


def pool_query(ctx: CallContext) -> object:
    """``pool.query``: data pools with topology and scan."""
    return run_query(ctx.state.pool_entries(ctx.session.version), ctx.params)


def pool_dataset_query(ctx: CallContext) -> object:
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
    items = ctx.state.dataset_entries(
        properties,
        children=extra.get("retrieve_children", True),
        flat=extra.get("flat", True),
        user_props=extra.get("retrieve_user_props", True),
    )
    return run_query(items, ctx.params)


def boot_get_state(ctx: CallContext) -> dict[str, Any] | None:
    """``boot.get_state``: the boot pool (it is not part of ``pool.query``)."""
    return ctx.state.boot_state(ctx.session.version)


def alert_list(ctx: CallContext) -> list[dict[str, Any]]:
    """``alert.list``: current alerts."""
    return ctx.state.alert_entries()


def _alert_uuid(ctx: CallContext) -> str:
    alert_uuid: str = arg(ctx, 0, "uuid", str)
    if alert_uuid not in ctx.state.alerts:
        raise CallError(f"Alert {alert_uuid!r} does not exist", errno.ENOENT)
    return alert_uuid


def alert_dismiss(ctx: CallContext) -> None:
    """``alert.dismiss``: mark an alert as dismissed."""
    ctx.state.set_alert_dismissed(_alert_uuid(ctx), dismissed=True)


def alert_restore(ctx: CallContext) -> None:
    """``alert.restore``: undo a dismissal."""
    ctx.state.set_alert_dismissed(_alert_uuid(ctx), dismissed=False)


METHODS: Final[Mapping[str, Method]] = {
    "auth.login_ex": Method(auth_login_ex, 1, auth=False),
    "auth.login_with_api_key": Method(
        auth_login_with_api_key, 1, auth=False, api_since="25.10", removed_in="27"
    ),
    "auth.logout": Method(auth_logout, 0),
    "auth.me": Method(auth_me, 0),
    # authentication_required=False: a client may ping before it logs in (rate limited).
    "core.ping": Method(core_ping, 0, auth=False),
    "core.set_options": Method(core_set_options, 1, auth=False, rate_limit=False),
    "core.subscribe": Method(core_subscribe, 1),
    "core.unsubscribe": Method(core_unsubscribe, 1),
    "core.get_jobs": Method(core_get_jobs, 2),
    "system.info": Method(system_info, 0, role="SYSTEM_GENERAL_READ", api_since="25.10"),
    "system.host_id": Method(system_host_id, 0, role="SYSTEM_GENERAL_READ", api_since="25.10"),
    "pool.query": Method(pool_query, 2, role="POOL_READ"),
    "pool.dataset.query": Method(pool_dataset_query, 2, role="DATASET_READ"),
    "boot.get_state": Method(boot_get_state, 0, role="BOOT_ENV_READ", api_since="25.10"),
    "alert.list": Method(alert_list, 0, role="ALERT_LIST_READ"),
    "alert.dismiss": Method(alert_dismiss, 1, role="ALERT_LIST_WRITE"),
    "alert.restore": Method(alert_restore, 1, role="ALERT_LIST_WRITE"),
    **APP_METHODS,
    **BACKUP_METHODS,
}

# The events every supported release registers; scrub progress, renamed in 26, is added by
# ``labsim.events.registered_events``.
EVENTS: Final[Mapping[str, str | None]] = {
    "*": "FULL_ADMIN",
    "alert.list": "ALERT_LIST_READ",
    "core.get_jobs": None,
    "pool.query": "POOL_READ",
    **APP_EVENTS,
}
