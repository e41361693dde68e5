"""Certificate pinning: read a server's certificate fingerprint without trusting it.

TrueNAS ships a self-signed certificate. Rather than turning verification off (and sending the
API key to whoever answers), the user pins the certificate's SHA-256 fingerprint: this module
reads it with a bare TLS handshake (nothing else is sent, least of all the key), and the client
then connects with `aiohttp.Fingerprint`, which refuses any other certificate.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import ssl

from .exceptions import TrueNASConnectionError, TrueNASSSLError

SHA256_HEX_LENGTH = 64


def _no_verify_context() -> ssl.SSLContext:
    # No CA bundle is loaded (cheap, nothing blocking): the certificate is not trusted, only read.
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


_CONTEXT = _no_verify_context()


def normalize_fingerprint(value: str) -> str:
    """`AA:BB:...` or `aabb...` -> 64 lower-case hex digits; ValueError if not a SHA-256."""
    text = value.strip().replace(":", "").replace(" ", "").lower()
    if len(text) != SHA256_HEX_LENGTH or any(char not in "0123456789abcdef" for char in text):
        msg = "not a SHA-256 fingerprint"
        raise ValueError(msg)
    return text


def format_fingerprint(sha256_hex: str) -> str:
    """64 hex digits -> `AA:BB:CC:...` (as browsers and `openssl x509 -fingerprint` show it)."""
    text = sha256_hex.upper()
    return ":".join(text[i : i + 2] for i in range(0, len(text), 2))


async def fetch_certificate_sha256(host: str, port: int, timeout: float = 10.0) -> str:
    """SHA-256 (hex) of the DER certificate `host:port` presents in a TLS handshake.

    The certificate is not verified (this is how an unknown one is first seen); after the
    handshake the connection is closed without sending anything.
    Raises TrueNASSSLError when the TLS handshake fails, TrueNASConnectionError when the server
    cannot be reached in time.
    """
    writer: asyncio.StreamWriter | None = None
    try:
        async with asyncio.timeout(timeout):
            _reader, writer = await asyncio.open_connection(
                host.strip("[]"), port, ssl=_CONTEXT, ssl_handshake_timeout=timeout
            )
            ssl_object = writer.get_extra_info("ssl_object")
            certificate = (
                ssl_object.getpeercert(binary_form=True)
                if isinstance(ssl_object, ssl.SSLObject)
                else None
            )
    except ssl.SSLError as err:
        msg = f"TLS handshake with {host}:{port} failed: {err}"
        raise TrueNASSSLError(msg) from err
    except (OSError, TimeoutError) as err:
        msg = f"cannot connect to {host}:{port}: {err or type(err).__name__}"
        raise TrueNASConnectionError(msg) from err
    finally:
        if writer is not None:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
    if not certificate:  # pragma: no cover - a TLS server always presents one to a client
        msg = f"{host}:{port} presented no certificate"
        raise TrueNASSSLError(msg)
    return hashlib.sha256(certificate).hexdigest()
