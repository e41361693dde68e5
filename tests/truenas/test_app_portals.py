"""App portals: the apps library builds them on host 0.0.0.0; links use the NAS's host."""

from __future__ import annotations

import pytest

from custom_components.homelab.clients.truenas.apps import App, portal_on_host


@pytest.mark.parametrize(
    ("portal", "host", "expected"),
    [
        # What a real TrueNAS answers (ix-apps portals) and what a browser can open.
        ("http://0.0.0.0:30068/", "nas.lan", "http://nas.lan:30068/"),
        ("http://0.0.0.0:30069/ui", "192.0.2.7", "http://192.0.2.7:30069/ui"),
        ("https://0.0.0.0:30027/login?x=1", "nas.lan", "https://nas.lan:30027/login?x=1"),
        ("http://[::]:30070/", "nas.lan", "http://nas.lan:30070/"),
        ("http://0.0.0.0:30070/", "fd00::7", "http://[fd00::7]:30070/"),
        # A portal on a real address or a domain is kept.
        ("http://10.0.0.5:8080/", "nas.lan", "http://10.0.0.5:8080/"),
        ("https://cloud.example.org/", "nas.lan", "https://cloud.example.org/"),
        # No host to use, or not a URL: unchanged.
        ("http://0.0.0.0:30068/", "", "http://0.0.0.0:30068/"),
        ("not a url", "nas.lan", "not a url"),
    ],
)
def test_portal_on_host(portal: str, host: str, expected: str) -> None:
    assert portal_on_host(portal, host) == expected


def test_app_with_portal_host() -> None:
    app = App.from_dict(
        {
            "name": "ollama",
            "state": "RUNNING",
            "portals": {"API": "http://0.0.0.0:30068/", "Docs": "https://docs.example.org/"},
        }
    )
    moved = app.with_portal_host("nas.lan")
    assert moved.portals == {"API": "http://nas.lan:30068/", "Docs": "https://docs.example.org/"}
    assert moved.first_portal == "http://nas.lan:30068/"
    # Nothing to change: the same object.
    assert moved.with_portal_host("nas.lan") is moved
