"""Real servers on loopback for the HTTP probe tests, each stopped by its fixture.

Syncthing is configured before its first start so that it talks to nobody: no global or local
discovery, no relays, no NAT traversal, no usage reports or upgrade checks, listening on
127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
import contextlib
import os
from pathlib import Path
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET

from aiohttp import web


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_http(url: str, timeout: float = 30.0) -> None:
    """Wait until `url` answers anything over HTTP."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - loopback test URL
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@contextlib.contextmanager
def _process(
    args: list[str], env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(  # noqa: S603 - fixed argument lists
        args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
    )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def radicale(tmp: Path) -> Iterator[str]:
    """A Radicale CalDAV server; yields its base URL."""
    port = free_port()
    args = [
        sys.executable,
        "-m",
        "radicale",
        "--server-hosts",
        f"127.0.0.1:{port}",
        "--auth-type",
        "none",
        "--storage-filesystem-folder",
        str(tmp / "collections"),
    ]
    with _process(args):
        url = f"http://127.0.0.1:{port}/"
        wait_http(url)
        yield url


_SYNCTHING_OFFLINE = {
    "globalAnnounceEnabled": "false",
    "localAnnounceEnabled": "false",
    "relaysEnabled": "false",
    "natEnabled": "false",
    "urAccepted": "-1",
    "autoUpgradeIntervalH": "0",
    "crashReportingEnabled": "false",
    "announceLANAddresses": "false",
    "startBrowser": "false",
}


def _configure_syncthing(home: Path, gui_port: int) -> None:
    config = home / "config.xml"
    tree = ET.parse(config)  # noqa: S314 - a file syncthing itself just wrote
    root = tree.getroot()
    options = root.find("options")
    assert options is not None
    for name, value in _SYNCTHING_OFFLINE.items():
        element = options.find(name)
        if element is None:
            element = ET.SubElement(options, name)
        element.text = value
    for element in options.findall("listenAddress"):
        options.remove(element)
    ET.SubElement(options, "listenAddress").text = "tcp://127.0.0.1:0"
    gui = root.find("gui")
    assert gui is not None
    address = gui.find("address")
    assert address is not None
    address.text = f"127.0.0.1:{gui_port}"
    tree.write(config)


@contextlib.contextmanager
def syncthing(tmp: Path) -> Iterator[str]:
    """A Syncthing instance; yields its GUI base URL."""
    binary = shutil.which("syncthing")
    assert binary, "syncthing is installed by scripts/setup"
    home = tmp / "syncthing"
    env = {**os.environ, "STNOUPGRADE": "1", "STNODEFAULTFOLDER": "1", "HOME": str(tmp)}
    subprocess.run(  # noqa: S603
        [binary, "generate", f"--home={home}", "--no-default-folder"],
        check=True,
        capture_output=True,
        env=env,
    )
    port = free_port()
    _configure_syncthing(home, port)
    with _process(
        [binary, "serve", f"--home={home}", "--no-browser", "--no-restart", "--no-upgrade"],
        env=env,
    ):
        url = f"http://127.0.0.1:{port}/"
        wait_http(url + "rest/noauth/health")
        yield url


async def _cancel_rest() -> None:
    """Cancel what a slow handler left running, so the loop closes cleanly."""
    tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


@contextlib.contextmanager
def threaded_site(
    app: web.Application, ssl_context: ssl.SSLContext | None = None, port: int | None = None
) -> Iterator[str]:
    """Serve an aiohttp app on loopback from its own thread and loop; yields its base URL.

    Its own loop keeps server-side noise (a client aborting a TLS handshake) out of the
    Home Assistant test loop.
    """
    loop = asyncio.new_event_loop()
    port = port or free_port()
    runner = web.AppRunner(app, shutdown_timeout=0.1)

    async def start() -> None:
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port, ssl_context=ssl_context).start()

    thread = threading.Thread(target=loop.run_forever, name="test-http-site", daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(start(), loop).result(10)
    scheme = "https" if ssl_context else "http"
    try:
        yield f"{scheme}://127.0.0.1:{port}"
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
        asyncio.run_coroutine_threadsafe(_cancel_rest(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
