"""Command line: ``python -m labsim [--scenario FILE] [--port 8443] [--control-port 8444] ...``.

Prints one JSON line when ready::

    {"url": "wss://127.0.0.1:8443/api/current", "versions_url": "...", "control_url": "...",
     "ca_file": "...", "ollama_url": "http://127.0.0.1:30068", "paperless_url": "...",
     "paperless_ai_url": "...", "n8n_url": "..."}

(a service URL is null when the scenario has no such service).

and runs until SIGINT or SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
import json
import logging
from pathlib import Path
import signal
import sys

from .scenario import DEFAULT_SCENARIO, ScenarioError, load_scenario
from .server import LabSimulator
from .services import SERVICE_NAMES


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m labsim", description="A simulated TrueNAS SCALE server for tests and demos."
    )
    parser.add_argument(
        "--scenario",
        type=Path,
        default=DEFAULT_SCENARIO,
        help="YAML or JSON scenario file (default: the built-in lab)",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8443, help="API port (0: pick a free one)")
    parser.add_argument(
        "--control-port",
        type=int,
        default=8444,
        help="control API port on 127.0.0.1 (0: pick a free one)",
    )
    parser.add_argument("--no-tls", action="store_true", help="serve ws:// instead of wss://")
    parser.add_argument("--cert-dir", type=Path, help="where to write ca.pem, cert.pem, key.pem")
    parser.add_argument(
        "--allow-remote", action="store_true", help="allow --host to be a non-loopback address"
    )
    parser.add_argument(
        "--service-ports",
        choices=("scenario", "free"),
        default="scenario",
        help="HTTP services (Ollama, Paperless-ngx, ...): the scenario's ports or free ones",
    )
    parser.add_argument("--log-level", default="WARNING", help="logging level")
    return parser.parse_args(argv)


async def serve(simulator: LabSimulator) -> int:
    """Run the simulator until SIGINT/SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await simulator.start()
    except OSError as err:
        print(f"labsim: cannot listen: {err}", file=sys.stderr)
        return 1
    ready = {
        "url": simulator.url,
        "versions_url": simulator.versions_url,
        "control_url": simulator.control_url,
        "ca_file": str(simulator.ca_file) if simulator.ca_file else None,
        "certificate_sha256": simulator.certificate_sha256,
        **{f"{name}_url": simulator.service_url(name) for name in SERVICE_NAMES},
    }
    print(json.dumps(ready), flush=True)
    try:
        await stop.wait()
    finally:
        await simulator.stop()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level.upper())
    try:
        simulator = LabSimulator(
            load_scenario(args.scenario),
            host=args.host,
            port=args.port,
            tls=not args.no_tls,
            control_port=args.control_port,
            cert_dir=args.cert_dir,
            allow_remote=args.allow_remote,
            service_ports=args.service_ports == "scenario",
        )
    except (ScenarioError, ValueError) as err:
        print(f"labsim: {err}", file=sys.stderr)
        return 2
    return asyncio.run(serve(simulator))


if __name__ == "__main__":
    sys.exit(main())
