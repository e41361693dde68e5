"""One HTTP health check: status, latency, an optional keyword, and the TLS certificate's expiry.

A probe never raises for the service's sake: an unreachable, slow or wrong answer is a result
(`reachable=False` with the reason), because "the service is down" is what the user wants to see.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import datetime
import json
import ssl
from typing import Self

import aiohttp
from cryptography import x509
from yarl import URL

from ..http_api import fetch

# Cheap health endpoints of the lab's services (path appended to the service's base URL).
KNOWN_HEALTH_PATHS: dict[str, str] = {
    "nextcloud": "/status.php",
    "syncthing": "/rest/noauth/health",
    "paperless-ai": "/health",
    "litellm": "/health/liveliness",
    "n8n": "/healthz/readiness",
    "vikunja": "/api/v1/info",
    "ollama": "/",
}
# Read at most this much of a body when looking for the keyword.
MAX_BODY = 256 * 1024


def health_url(service: str, base_url: str) -> str:
    """The health endpoint of a known service under `base_url`, else `base_url` itself."""
    path = KNOWN_HEALTH_PATHS.get(service.lower())
    if path is None:
        return base_url
    return str(URL(base_url).with_path(path).with_query(None).with_fragment(None))


@dataclass(frozen=True, slots=True)
class ExpectedStatus:
    """Accepted HTTP statuses, written like "200-399" or "200,204,301"."""

    ranges: tuple[tuple[int, int], ...]

    @classmethod
    def parse(cls, text: str) -> Self:
        """Parse; raise ValueError on anything that is not statuses or ranges of 100..599."""
        ranges: list[tuple[int, int]] = []
        for part in text.replace(" ", "").split(","):
            low, _, high = part.partition("-")
            start, end = int(low), int(high or low)
            if not 100 <= start <= end <= 599:  # noqa: PLR2004 - HTTP status range
                msg = f"not a status range: {part}"
                raise ValueError(msg)
            ranges.append((start, end))
        return cls(tuple(ranges))

    def accepts(self, status: int) -> bool:
        """Whether `status` is expected."""
        return any(start <= status <= end for start, end in self.ranges)


DEFAULT_EXPECTED = "200-399"


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """What one probe saw."""

    reachable: bool
    status: int | None = None
    response_time_ms: float | None = None
    cert_expiry: datetime | None = None
    error: str | None = None


async def certificate_expiry(host: str, port: int, *, timeout: float = 10.0) -> datetime | None:
    """The notAfter of the certificate `host:port` presents (read without verifying it).

    A separate handshake: aiohttp releases a connection as soon as a short body is read, so the
    response's own transport is often gone by the time we could look at it.
    """
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        async with asyncio.timeout(timeout):
            _reader, writer = await asyncio.open_connection(
                host, port, ssl=context, server_hostname=host
            )
    except OSError, TimeoutError, ssl.SSLError:
        return None
    try:
        ssl_object = writer.get_extra_info("ssl_object")
        der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
    finally:
        writer.close()
        with contextlib.suppress(OSError, ssl.SSLError):
            await writer.wait_closed()
    if not der:
        return None
    try:
        return x509.load_der_x509_certificate(der).not_valid_after_utc
    except ValueError:
        return None


def _in_maintenance(body: bytes) -> bool:
    """Nextcloud's /status.php answers 200 in maintenance mode, with `"maintenance": true`."""
    try:
        data = json.loads(body)
    except ValueError:
        return False
    return isinstance(data, dict) and data.get("maintenance") is True


async def probe(
    session: aiohttp.ClientSession,
    url: str,
    *,
    expected: ExpectedStatus,
    keyword: str | None = None,
    verify_ssl: bool = True,
    timeout: float = 10.0,
) -> ProbeResult:
    """GET `url` once and judge the answer."""
    try:
        nextcloud = URL(url).path.endswith("/status.php")
        wants_body = bool(keyword) or nextcloud
        answer = await fetch(
            session,
            "GET",
            url,
            timeout=timeout,
            ssl=verify_ssl,
            allow_redirects=False,
            limit=MAX_BODY if wants_body else 0,
        )
    except TimeoutError:
        return ProbeResult(False, error=f"no answer within {timeout:g} s")
    except aiohttp.ClientConnectorCertificateError as err:
        return ProbeResult(False, error=f"certificate not trusted: {err.certificate_error}")
    except (aiohttp.ClientError, OSError, ValueError) as err:
        return ProbeResult(False, error=str(err) or type(err).__name__)
    status, body = answer.status, answer.head
    elapsed = round(answer.elapsed * 1000, 1)
    expiry = None
    parsed = URL(url)
    if parsed.scheme == "https" and parsed.host:
        expiry = await certificate_expiry(parsed.host, parsed.port or 443, timeout=timeout)
    if not expected.accepts(status):
        return ProbeResult(False, status, elapsed, expiry, f"unexpected status {status}")
    if keyword and keyword.encode() not in body:
        return ProbeResult(False, status, elapsed, expiry, f"keyword {keyword!r} not found")
    if nextcloud and _in_maintenance(body):
        return ProbeResult(False, status, elapsed, expiry, "maintenance mode")
    return ProbeResult(True, status, elapsed, expiry)
