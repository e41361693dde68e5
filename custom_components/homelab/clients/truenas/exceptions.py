"""Errors raised by the TrueNAS client.

A tiny tree: callers catch `TrueNASError`, and only the leaves a caller acts on differently exist.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "TrueNASApiVersionError",
    "TrueNASAuthenticationError",
    "TrueNASCallError",
    "TrueNASCertificateChangedError",
    "TrueNASConnectionError",
    "TrueNASError",
    "TrueNASInsecureTransportError",
    "TrueNASInvalidResponseError",
    "TrueNASJobError",
    "TrueNASMethodNotFoundError",
    "TrueNASSSLError",
    "TrueNASTimeoutError",
    "TrueNASTooManyCallsError",
]


class TrueNASError(Exception):
    """Base class of every error this client raises."""


class TrueNASConnectionError(TrueNASError):
    """The server cannot be reached, the socket dropped, or a call timed out."""


class TrueNASTimeoutError(TrueNASConnectionError):
    """A call got no reply within its timeout."""


class TrueNASSSLError(TrueNASConnectionError):
    """The TLS handshake failed (certificate not trusted, wrong host name, ...)."""


class TrueNASCertificateChangedError(TrueNASError):
    """The server presented a certificate other than the pinned one.

    Raised during the TLS handshake, before anything (least of all the API key) is sent. Not a
    connection error: the client does not reconnect to an impostor; the user must accept the new
    certificate (or find out why it changed).
    """

    def __init__(self, message: str, *, expected: str, presented: str | None = None) -> None:
        """Keep both SHA-256 fingerprints (hex; `presented` when the handshake showed it)."""
        super().__init__(message)
        self.expected = expected
        self.presented = presented


class TrueNASApiVersionError(TrueNASConnectionError):
    """The server no longer serves the pinned API version (404 on `/api/<version>`)."""


class TrueNASAuthenticationError(TrueNASError):
    """The server refused the credentials (AUTH_ERR, EXPIRED, DENIED, ...)."""

    def __init__(self, message: str, *, response_type: str | None = None) -> None:
        """Keep the server's `response_type` so callers can tell a revoked key apart."""
        super().__init__(message)
        self.response_type = response_type


class TrueNASInsecureTransportError(TrueNASError):
    """Refused to send an API key over plain ws:// to a host that is not loopback.

    TrueNAS revokes an API key that authenticates over a non-TLS connection from a non-loopback
    address, so the key is never sent: the error is raised before any byte goes out.
    """


class TrueNASInvalidResponseError(TrueNASError):
    """The server answered something this client cannot understand."""

    def __init__(self, message: str, *, payload: Any = None) -> None:
        """Keep the offending payload for debugging."""
        super().__init__(message)
        self.payload = payload


class TrueNASCallError(TrueNASError):
    """A JSON-RPC call failed on the server (-32001, -32602, ...)."""

    def __init__(
        self,
        message: str,
        *,
        code: int,
        errname: str | None = None,
        errno: int | None = None,
        reason: str | None = None,
        extra: Any = None,
    ) -> None:
        """Keep the JSON-RPC error code and the middleware's errname/reason."""
        super().__init__(message)
        self.code = code
        self.errname = errname
        self.errno = errno
        self.reason = reason
        self.extra = extra

    @property
    def not_authorized(self) -> bool:
        """True when the API key lacks a role the method needs (EACCES)."""
        return self.errname == "EACCES"


class TrueNASMethodNotFoundError(TrueNASCallError):
    """The server does not know the method (-32601): older or newer TrueNAS version."""


class TrueNASTooManyCallsError(TrueNASCallError):
    """The per-connection call limit was exceeded (-32000)."""


class TrueNASJobError(TrueNASError):
    """A job ended FAILED or ABORTED."""

    def __init__(self, message: str, *, job_id: int, state: str, error: str | None) -> None:
        """Keep what the job reported."""
        super().__init__(message)
        self.job_id = job_id
        self.state = state
        self.error = error
