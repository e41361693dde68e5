"""``auth``: login with an API key (the only mechanism that can succeed here), logout, who am I."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final

from labsim.errors import ValidationErrors, single_error
from labsim.rpc import CallContext, MethodTable
from labsim.scenario import User
from labsim.state import INSECURE_TRANSPORT_REASON

from .args import _MISSING, arg

AUTH_MECHANISMS: Final = ("PASSWORD_PLAIN", "API_KEY_PLAIN", "TOKEN_PLAIN", "OTP_TOKEN")


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


METHODS: Final = MethodTable()


@METHODS.register("auth.login_ex", 1, auth=False)
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


@METHODS.register("auth.login_with_api_key", 1, auth=False, api_since="25.10", removed_in="27")
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


@METHODS.register("auth.logout", 0)
def auth_logout(ctx: CallContext) -> bool:
    """``auth.logout``: end the login on this connection."""
    ctx.session.logout()
    return True


@METHODS.register("auth.me", 0)
def auth_me(ctx: CallContext) -> dict[str, Any]:
    """``auth.me``: the logged-in user."""
    assert ctx.session.user is not None  # noqa: S101 - the auth gate guarantees it
    return _user_info(ctx.session.user)
