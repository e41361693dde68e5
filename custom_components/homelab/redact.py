"""What leaves Home Assistant (states, diagnostics, LLM answers) without credentials or identities."""

from __future__ import annotations

from collections.abc import Iterable
import re
from typing import Any

from yarl import URL

from .clients.truenas import Alert

# IPv4 and IPv6 addresses, e-mail addresses and MAC addresses in free text.
_IDENTIFIERS = re.compile(
    r"\b(?:\d{1,3}\.){3}\d{1,3}\b"
    r"|\b(?:[0-9a-f]{1,4}:){2,7}[0-9a-f]{0,4}\b"
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    r"|\b(?:[0-9a-f]{2}[:-]){5}[0-9a-f]{2}\b",
    re.IGNORECASE,
)
REDACTED = "[redacted]"


def public_url(url: str) -> str:
    """`url` without user, password, query or fragment: any of them may carry a credential."""
    try:
        parsed = URL(url)
    except ValueError:
        return REDACTED
    if not parsed.is_absolute():
        return REDACTED
    return str(parsed.with_user(None).with_query(None).with_fragment(None))


def _arg_values(args: Any) -> Iterable[str]:
    if isinstance(args, dict):
        values: Iterable[Any] = args.values()
    elif isinstance(args, list | tuple):
        values = args
    elif args is None:
        return []
    else:
        values = [args]
    return [str(value) for value in values if str(value).strip()]


def alert_text(alert: Alert) -> str:
    """An alert's text without what its arguments fill in (disks, serials, users, hosts).

    TrueNAS formats an alert from a fixed text and arguments; the arguments are what identify a
    machine or a person, so each one is blanked, then any address left in the text.
    """
    text = alert.formatted or alert.klass
    # Longest first, so that "sdc1" is not half-replaced by "sdc".
    for value in sorted(_arg_values(alert.args), key=len, reverse=True):
        text = text.replace(value, REDACTED)
    return _IDENTIFIERS.sub(REDACTED, text)
