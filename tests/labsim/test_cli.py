"""`python -m labsim`: the ready line, a working server, a clean stop on SIGTERM/SIGINT."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
import signal
import ssl
import sys

import aiohttp
import pytest

from labsim.__main__ import main, parse_args
from labsim.scenario import DEFAULT_SCENARIO

REPO = Path(__file__).resolve().parents[2]


async def start(*args: str) -> tuple[asyncio.subprocess.Process, dict[str, str]]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "labsim",
        "--port",
        "0",
        "--control-port",
        "0",
        "--service-ports",
        "free",
        *args,
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), 30)
    return process, json.loads(line)


async def stop(process: asyncio.subprocess.Process, signum: int) -> int:
    process.send_signal(signum)
    return await asyncio.wait_for(process.wait(), 30)


async def test_cli_serves_and_stops_on_sigterm(tmp_path: Path) -> None:
    process, ready = await start("--cert-dir", str(tmp_path))
    try:
        assert {"url", "versions_url", "control_url", "ca_file"} <= set(ready)
        assert ready["url"].startswith("wss://127.0.0.1:")
        assert ready["url"].endswith("/api/current")
        assert ready["ca_file"] == str(tmp_path / "ca.pem")
        # The fingerprint a client pins (see truenas/tls.py): SHA-256 of the certificate's DER.
        assert len(ready["certificate_sha256"]) == 64
        context = ssl.create_default_context(cafile=ready["ca_file"])
        async with aiohttp.ClientSession() as http:
            async with http.get(ready["versions_url"], ssl=context) as response:
                assert (await response.json())[-1] == "v25.10.2"
            async with http.get(ready["control_url"] + "/control/state") as response:
                assert (await response.json())["hostname"] == "nas"
            async with http.ws_connect(ready["url"], ssl=context) as ws:
                await ws.send_json({"jsonrpc": "2.0", "id": 1, "method": "alert.list"})
                reply = await ws.receive_json()
                assert reply["error"]["data"]["errname"] == "ENOTAUTHENTICATED"
    finally:
        status = await stop(process, signal.SIGTERM)
    assert status == 0


async def test_cli_plain_and_sigint(tmp_path: Path) -> None:
    scenario = tmp_path / "lab.json"
    scenario.write_text(
        json.dumps(
            {
                "schema": 1,
                "system": {"hostname": "json-box", "version": "25.10.1"},
                "pools": [{"name": "p", "disks": ["sda"]}],
            }
        ),
        encoding="utf-8",
    )
    process, ready = await start("--no-tls", "--scenario", str(scenario))
    try:
        assert ready["url"].startswith("ws://")
        assert ready["ca_file"] is None
        assert ready["certificate_sha256"] is None
        async with (
            aiohttp.ClientSession() as http,
            http.get(ready["control_url"] + "/control/state") as response,
        ):
            assert (await response.json())["hostname"] == "json-box"
    finally:
        status = await stop(process, signal.SIGINT)
    assert status == 0


async def test_cli_reports_a_busy_port() -> None:
    process, ready = await start("--no-tls")
    try:
        port = ready["url"].rsplit(":", 1)[1].split("/")[0]
        second = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "labsim",
            "--no-tls",
            "--port",
            port,
            "--control-port",
            "0",
            "--service-ports",
            "free",
            cwd=REPO,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(second.communicate(), 30)
        assert second.returncode == 1
        assert out == b""
        assert b"labsim: cannot listen" in err
    finally:
        await stop(process, signal.SIGTERM)


def test_main_rejects_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--scenario", str(tmp_path / "missing.yaml")]) == 2
    assert "cannot read scenario" in capsys.readouterr().err
    assert main(["--host", "0.0.0.0"]) == 2  # noqa: S104
    assert "refusing to listen on non-loopback address" in capsys.readouterr().err


def test_parse_args_defaults() -> None:
    args = parse_args([])
    assert args.scenario == DEFAULT_SCENARIO
    assert args.host == "127.0.0.1"
    assert args.port == 8443
    assert args.control_port == 8444
    assert args.no_tls is False
    assert args.cert_dir is None
    assert args.allow_remote is False
