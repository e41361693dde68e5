"""What leaves Home Assistant carries no credential and no identity."""

from __future__ import annotations

import pytest

from custom_components.homelab.clients.truenas import Alert
from custom_components.homelab.redact import REDACTED, alert_text, public_url


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://user:pw@nas.lan:8443/health?token=abc#x", "https://nas.lan:8443/health"),
        ("http://nas.lan/", "http://nas.lan/"),
        ("nas.lan/health", REDACTED),
        ("http://[::1", REDACTED),
    ],
)
def test_public_url(url: str, shown: str) -> None:
    assert public_url(url) == shown


def test_alert_text_blanks_arguments_and_addresses() -> None:
    alert = Alert(
        uuid="1",
        klass="Login",
        level="WARNING",
        formatted="Failed login of alice from 192.0.2.7 (fe80::1:2:3), mail bob@example.org, "
        "NIC 00:11:22:33:44:55, disk sdc1 serial WD-123",
        args={"user": "alice", "disk": "sdc1", "short": "sdc", "serial": "WD-123"},
    )
    text = alert_text(alert)
    for secret in (
        "alice",
        "192.0.2.7",
        "fe80::1:2:3",
        "bob@example.org",
        "00:11:22",
        "sdc",
        "WD-",
    ):
        assert secret not in text
    assert text.startswith("Failed login of [redacted] from [redacted]")


def test_alert_text_without_text_or_args() -> None:
    assert alert_text(Alert(uuid="1", klass="HasUpdate", level="INFO")) == "HasUpdate"
    listed = Alert(uuid="2", klass="X", level="INFO", formatted="pool tank degraded", args=["tank"])
    assert alert_text(listed) == f"pool {REDACTED} degraded"
    scalar = Alert(uuid="3", klass="X", level="INFO", formatted="disk sda hot", args="sda")
    assert alert_text(scalar) == f"disk {REDACTED} hot"
