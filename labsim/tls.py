"""Self-signed certificates for the simulator's ``wss://`` endpoint.

One CA and one server certificate (EC P-256, fast to make) per process and directory, valid for
127.0.0.1, ::1 and localhost (plus any extra host names). Clients verify with ``ca.pem``, or
pin the server certificate's SHA-256 fingerprint (``certificate_sha256``). ``replace_certificates``
makes a new CA and server certificate in the same directory, as when TrueNAS gets a new
self-signed certificate (or an impostor answers at its address).
"""

from __future__ import annotations

import atexit
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
import hashlib
import ipaddress
from pathlib import Path
import shutil
import ssl
import tempfile
import threading
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DEFAULT_HOSTS: Final = ("127.0.0.1", "::1", "localhost")

_lock = threading.Lock()
_cache: dict[tuple[str, tuple[str, ...]], CertFiles] = {}
_temp_dir: Path | None = None


@dataclass(frozen=True, slots=True)
class CertFiles:
    """Paths of the PEM files."""

    ca_file: Path
    cert_file: Path
    key_file: Path

    def server_context(self) -> ssl.SSLContext:
        """Return a TLS server context using these files."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context

    def client_context(self) -> ssl.SSLContext:
        """Return a TLS client context that trusts the simulator's CA."""
        return ssl.create_default_context(cafile=str(self.ca_file))

    def certificate_sha256(self) -> str:
        """Return the SHA-256 (hex) of the server certificate's DER, as a client pins it."""
        cert = x509.load_pem_x509_certificate(self.cert_file.read_bytes())
        return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Home Lab simulator"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _san(hosts: tuple[str, ...]) -> x509.SubjectAlternativeName:
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return x509.SubjectAlternativeName(names)


def _generate(directory: Path, hosts: tuple[str, ...]) -> CertFiles:
    now = datetime.now(UTC) - timedelta(minutes=5)  # tolerate small clock skew
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("Home Lab simulator CA")
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(hosts[0]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=825))
        .add_extension(_san(hosts), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    files = CertFiles(directory / "ca.pem", directory / "cert.pem", directory / "key.pem")
    files.ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    files.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files.key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    files.key_file.chmod(0o600)
    return files


def _default_dir() -> Path:
    global _temp_dir  # noqa: PLW0603 - one temporary directory per process
    if _temp_dir is None:
        _temp_dir = Path(tempfile.mkdtemp(prefix="labsim-tls-"))
        atexit.register(shutil.rmtree, _temp_dir, ignore_errors=True)
    return _temp_dir


def ensure_certificates(
    cert_dir: str | Path | None = None, extra_hosts: tuple[str, ...] = ()
) -> CertFiles:
    """Return CA, certificate and key files, generating them once per process and directory."""
    hosts = DEFAULT_HOSTS + tuple(h for h in extra_hosts if h not in DEFAULT_HOSTS)
    with _lock:
        directory = Path(cert_dir) if cert_dir is not None else _default_dir()
        cache_key = (str(directory.resolve()), hosts)
        files = _cache.get(cache_key)
        if files is None or not all(
            p.exists() for p in (files.ca_file, files.cert_file, files.key_file)
        ):
            files = _generate(directory, hosts)
            _cache[cache_key] = files
        return files


def replace_certificates(
    cert_dir: str | Path | None = None, extra_hosts: tuple[str, ...] = ()
) -> CertFiles:
    """Generate a new CA and server certificate; return them.

    A ``cert_dir`` given by the user gets the new files in place of the old ones. Without one, they
    go to a new directory of their own: other simulators of the process keep theirs.
    """
    hosts = DEFAULT_HOSTS + tuple(h for h in extra_hosts if h not in DEFAULT_HOSTS)
    with _lock:
        if cert_dir is None:
            return _generate(Path(tempfile.mkdtemp(prefix="replaced-", dir=_default_dir())), hosts)
        directory = Path(cert_dir)
        files = _generate(directory, hosts)
        _cache[(str(directory.resolve()), hosts)] = files
        return files
