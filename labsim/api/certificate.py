"""``certificate``: the NAS's certificates with their expiry (``until``, ``expired``).

``privatekey`` is a ``Secret``: redacted (``"********"``) unless the caller is FULL_ADMIN or has
``CERTIFICATE_WRITE``, as the middleware serialises results. 25.04 has no model (legacy).
"""

from __future__ import annotations

from typing import Final

from labsim.nas import entries, nas_of
from labsim.query import Entry
from labsim.rpc import CallContext, MethodTable, has_role


def exposes_secrets(ctx: CallContext, prefix: str) -> bool:
    """Whether results show ``Secret`` fields to this caller (FULL_ADMIN or ``<prefix>_WRITE``)."""
    user = ctx.session.user
    return user is not None and has_role(user.roles, f"{prefix}_WRITE")


METHODS: Final = MethodTable()


@METHODS.query("certificate.query", role="CERTIFICATE_READ", api_since="25.10")
def certificate_query(ctx: CallContext) -> list[Entry]:
    """``certificate.query``."""
    lab = nas_of(ctx.state)
    now = lab.clock.now()
    expose = exposes_secrets(ctx, "CERTIFICATE")
    return [entries.certificate_entry(c, now, expose_secrets=expose) for c in lab.certificates]
