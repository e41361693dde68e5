"""Run the Home Lab demo: the TrueNAS simulator and a real Home Assistant, set up over REST.

scripts/demo runs this inside the development environment (through `in_env`), with the repository
as the working directory. It:

1. writes a fresh Home Assistant configuration in .demo/config, with the integration linked in;
2. starts the simulator (`python -m labsim`) and Home Assistant (`python -m homeassistant`);
3. completes onboarding through Home Assistant's REST API (user, core config, analytics,
   integration step) and adds the TrueNAS entry through the real config flow, then the document
   pipeline's services from the simulator (Ollama, Paperless-ngx with Paperless-AI, n8n);
4. waits for the pool entities, prints where to log in, and keeps running until interrupted;
   with --check it verifies the entities instead and exits 0 (passed) or 1 (failed).

It stops both processes on SIGINT/SIGTERM/SIGHUP and never prints the simulator's API key.
Standard library only, plus PyYAML (a Home Assistant dependency) to read the scenario.
"""

import argparse
from collections.abc import Iterator
import contextlib
import ctypes
from dataclasses import dataclass, field
import json
import os
from pathlib import Path
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from types import FrameType
from typing import Any
import urllib.error
import urllib.parse
import urllib.request

import demo_extras  # scripts/: the dashboard, the blueprints, the HTTP settings
from e2e_browser import run_browser_check
import yaml

REPO = Path(__file__).resolve().parent.parent
INTEGRATION_DIR = REPO / "custom_components" / "homelab"
DOMAIN = "homelab"
USERNAME = "demo"
POOL_PREFIXES = ("sensor.tank_", "binary_sensor.tank_")
# The document pipeline's entries (Ollama, Paperless-ngx + Paperless-AI, n8n) and what must read.
PIPELINE_PREFIXES = (
    "sensor.ollama_",
    "binary_sensor.ollama_",
    "sensor.paperless_",
    "binary_sensor.paperless_",
    "sensor.n8n_",
    "sensor.pipeline_",
)
PIPELINE_CHECKS = ("sensor.pipeline_depth", "sensor.ollama_loaded_models", "sensor.n8n_health")
ONBOARDING_DOMAINS = {"google_translate", "met", "radio_browser", "shopping_list"}

# Requirements of integrations Home Assistant sets up by default, that have no wheel for this
# Python and need a compiler. Everything else is pinned in requirements-dev.txt, so Home
# Assistant runs with --skip-pip and never installs anything at run time.
CONFIGURATION_YAML = """\
# Written by scripts/demo on every run: edits here are lost.
homeassistant:
  name: Home Lab demo
  unit_system: metric
  time_zone: UTC
  currency: EUR
  country: NL
  language: en
  latitude: 52.3731
  longitude: 4.8922
  elevation: 0

# A curated subset of default_config: some of its requirements do not build here.
frontend:
config:
api:
history:
logbook:
system_health:
energy:

http:
  server_host: 127.0.0.1
  server_port: {port}

logger:
  default: warning
  logs:
    homeassistant.setup: info
    homeassistant.bootstrap: info
    custom_components.homelab: info
"""


class DemoError(Exception):
    """A step of the demo failed; the message says which and why."""


class Stopped(Exception):  # noqa: N818 - not an error: a signal asked us to stop
    """A signal asked the demo to stop."""

    def __init__(self, signum: int) -> None:
        """Remember which signal it was."""
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _stop_on_signal(signum: int, _frame: FrameType | None) -> None:
    raise Stopped(signum)


def _die_with_parent() -> None:
    """Ask the kernel to send SIGTERM to this child when the driver dies (even by SIGKILL)."""
    pr_set_pdeathsig = 1
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def log(message: str) -> None:
    """Print a progress line."""
    print(f"demo: {message}", flush=True)


@dataclass
class Redactor:
    """Removes secrets from anything the driver prints."""

    secrets: list[str] = field(default_factory=list)

    def __call__(self, text: str) -> str:
        """Return text with every secret replaced."""
        for secret in self.secrets:
            if secret:
                text = text.replace(secret, "**********")
        return text


@dataclass
class Child:
    """A process the demo started, with its log file."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def check_alive(self, redact: Redactor) -> None:
        """Raise DemoError, with the end of its log, if the process has exited."""
        code = self.process.poll()
        if code is not None:
            raise DemoError(
                f"{self.name} exited with status {code}; end of {self.log_path}:\n"
                + redact(tail(self.log_path))
            )

    def stop(self, timeout: float) -> None:
        """Terminate the process (SIGTERM, then SIGKILL after timeout seconds)."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            log(f"{self.name} did not stop within {timeout:.0f} s; killing it")
            self.process.kill()
            self.process.wait()


def tail(path: Path, lines: int = 40) -> str:
    """The last lines of a text file, or a note that it does not exist."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return f"({path} does not exist)"
    return "\n".join(text.splitlines()[-lines:])


def start(name: str, command: list[str], log_path: Path, cwd: Path) -> Child:
    """Start a command in cwd, output to log_path; it dies with the driver."""
    with log_path.open("wb") as output:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,  # noqa: PLW1509 - the driver starts no threads
        )
    return Child(name, process, log_path)


def port_in_use(port: int) -> bool:
    """Whether something already listens on 127.0.0.1:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_until[T](
    what: str, probe: Iterator[T | None], timeout: float, children: list[Child], redact: Redactor
) -> T:
    """Poll probe (a generator yielding None until it has the answer) for up to timeout s."""
    deadline = time.monotonic() + timeout
    for answer in probe:
        if answer is not None:
            return answer
        for child in children:
            child.check_alive(redact)
        if time.monotonic() > deadline:
            raise DemoError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.5)
    raise DemoError(f"gave up waiting for {what}")


@dataclass
class HomeAssistantAPI:
    """The few REST calls the demo makes to Home Assistant."""

    base_url: str
    redact: Redactor
    token: str | None = None

    def call(
        self,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        form: dict[str, str] | None = None,
        expect: tuple[int, ...] = (200,),
        timeout: float = 30,
    ) -> Any:
        """Make a request and return the decoded JSON answer; DemoError on anything else."""
        headers = {"Accept": "application/json"}
        data: bytes | None = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        elif form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(
            self.base_url + path, data=data, headers=headers, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as err:
            status, text = err.code, err.read().decode(errors="replace")
        except (urllib.error.URLError, OSError) as err:
            raise DemoError(f"{method} {path}: {err}") from err
        if status not in expect:
            raise DemoError(f"{method} {path}: HTTP {status}: {self.redact(text)[:2000]}")
        return json.loads(text) if text else None

    def probe_onboarding(self) -> Iterator[list[dict[str, Any]] | None]:
        """Yield None until the HTTP server answers, then the onboarding status."""
        while True:
            try:
                with urllib.request.urlopen(self.base_url + "/api/onboarding", timeout=5) as resp:
                    yield json.loads(resp.read())
            except urllib.error.URLError, OSError, ValueError:
                yield None

    def probe_running(self) -> Iterator[bool | None]:
        """Yield None until Home Assistant reports that it is running."""
        while True:
            config = self.call("GET", "/api/config")
            yield True if config.get("state") == "RUNNING" else None

    def probe_pipeline_entities(self) -> Iterator[list[dict[str, Any]] | None]:
        """Yield None until the pipeline's main sensors have values, then the pipeline's entities."""
        while True:
            states = self.call("GET", "/api/states")
            found = [s for s in states if s["entity_id"].startswith(PIPELINE_PREFIXES)]
            values = {s["entity_id"]: s["state"] for s in found}
            ready = all(
                values.get(entity_id) not in (None, "unavailable", "unknown")
                for entity_id in PIPELINE_CHECKS
            )
            yield found if ready else None

    def probe_pool_entities(self) -> Iterator[list[dict[str, Any]] | None]:
        """Yield None until the pool's sensors and binary sensors exist, then all of them."""
        while True:
            states = self.call("GET", "/api/states")
            found = [s for s in states if s["entity_id"].startswith(POOL_PREFIXES)]
            kinds = {s["entity_id"].split(".", 1)[0] for s in found}
            ready = kinds == {"sensor", "binary_sensor"} and any(
                s["state"] not in {"unavailable", "unknown"}
                for s in found
                if s["entity_id"].startswith("sensor.")
            )
            yield found if ready else None


def write_config(config_dir: Path, port: int) -> None:
    """A fresh Home Assistant configuration with the integration linked in."""
    shutil.rmtree(config_dir, ignore_errors=True)
    custom_components = config_dir / "custom_components"
    custom_components.mkdir(parents=True)
    (config_dir / "configuration.yaml").write_text(
        CONFIGURATION_YAML.format(port=port), encoding="utf-8"
    )
    # Relative, so that it resolves both on the host and in the root filesystem (repo at /repo).
    (custom_components / DOMAIN).symlink_to(os.path.relpath(INTEGRATION_DIR, custom_components))


def read_simulator_ready(log_path: Path) -> Iterator[dict[str, Any] | None]:
    """Yield None until the simulator has printed its JSON ready line, then that line."""
    while True:
        try:
            lines = log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        except FileNotFoundError:
            lines = []
        for line in lines:
            if line.startswith("{"):
                with contextlib.suppress(ValueError):
                    ready = json.loads(line)
                    if isinstance(ready, dict) and "url" in ready:
                        yield ready
        yield None


def onboard(api: HomeAssistantAPI, password: str) -> None:
    """Create the owner account and finish every onboarding step, as the frontend would."""
    client_id = api.base_url + "/"
    created = api.call(
        "POST",
        "/api/onboarding/users",
        body={
            "client_id": client_id,
            "name": "Demo",
            "username": USERNAME,
            "password": password,
            "language": "en",
        },
    )
    tokens = api.call(
        "POST",
        "/auth/token",
        form={
            "grant_type": "authorization_code",
            "code": created["auth_code"],
            "client_id": client_id,
        },
    )
    api.token = tokens["access_token"]
    api.redact.secrets.append(api.token)
    api.call("POST", "/api/onboarding/core_config", body={})
    api.call("POST", "/api/onboarding/analytics", body={})
    api.call(
        "POST",
        "/api/onboarding/integration",
        body={"client_id": client_id, "redirect_uri": client_id + "?auth_callback=1"},
    )


def add_truenas_entry(api: HomeAssistantAPI, sim_port: int, username: str, api_key: str) -> str:
    """Add the TrueNAS entry through the integration's config flow; return its title."""
    form = api.call(
        "POST",
        "/api/config/config_entries/flow",
        body={"handler": DOMAIN, "show_advanced_options": False},
    )
    if form.get("type") == "menu":
        # The first step asks what to add: TrueNAS, Ollama, Paperless-ngx or n8n.
        form = api.call(
            "POST",
            f"/api/config/config_entries/flow/{form['flow_id']}",
            body={"next_step_id": "truenas"},
        )
    if form.get("type") != "form":
        raise DemoError(f"config flow did not show a form: {api.redact(json.dumps(form))}")
    result = api.call(
        "POST",
        f"/api/config/config_entries/flow/{form['flow_id']}",
        body={
            "host": "127.0.0.1",
            "port": sim_port,
            "ssl": True,
            "verify_ssl": False,
            "username": username,
            "api_key": api_key,
        },
    )
    if result.get("type") == "form" and result.get("step_id") == "pin":
        # Verification off: the flow shows the simulator's certificate fingerprint; pin it.
        result = api.call("POST", f"/api/config/config_entries/flow/{form['flow_id']}", body={})
    if result.get("type") != "create_entry":
        details = {k: result.get(k) for k in ("type", "step_id", "errors", "reason")}
        raise DemoError(f"config flow did not create an entry: {json.dumps(details)}")
    return str(result.get("title", DOMAIN))


def add_service_entry(api: HomeAssistantAPI, step: str, data: dict[str, Any]) -> str:
    """Add one of the pipeline's services (Ollama, Paperless-ngx, n8n) through the config flow."""
    menu = api.call(
        "POST",
        "/api/config/config_entries/flow",
        body={"handler": DOMAIN, "show_advanced_options": False},
    )
    form = api.call(
        "POST", f"/api/config/config_entries/flow/{menu['flow_id']}", body={"next_step_id": step}
    )
    result = api.call("POST", f"/api/config/config_entries/flow/{form['flow_id']}", body=data)
    if result.get("type") != "create_entry":
        details = {k: result.get(k) for k in ("type", "step_id", "errors", "reason")}
        raise DemoError(f"the {step} config flow did not create an entry: {json.dumps(details)}")
    return str(result.get("title", step))


def pipeline_credentials(path: Path) -> dict[str, str]:
    """The services' secrets from the scenario: Paperless-ngx token, Paperless-AI and n8n keys."""
    scenario = yaml.safe_load(path.read_text(encoding="utf-8"))
    try:
        return {
            "paperless": str(scenario["paperless"]["token"]),
            "paperless_ai": str(scenario["paperless_ai"]["api_key"]),
            "n8n": str(scenario["n8n"]["api_key"]),
        }
    except (KeyError, TypeError) as err:
        raise DemoError(f"{path}: no paperless.token, paperless_ai.api_key or n8n.api_key") from err


def add_pipeline_entries(
    api: HomeAssistantAPI, ready: dict[str, Any], secrets: dict[str, str]
) -> list[str]:
    """Add Ollama, Paperless-ngx (with Paperless-AI) and n8n from the simulator's ready line."""
    titles = [add_service_entry(api, "ollama", {"url": ready["ollama_url"], "verify_ssl": True})]
    titles.append(
        add_service_entry(
            api,
            "paperless",
            {
                "url": ready["paperless_url"],
                "verify_ssl": True,
                "token": secrets["paperless"],
                "ai_url": ready["paperless_ai_url"],
                "ai_api_key": secrets["paperless_ai"],
            },
        )
    )
    titles.append(
        add_service_entry(
            api, "n8n", {"url": ready["n8n_url"], "verify_ssl": True, "api_key": secrets["n8n"]}
        )
    )
    return titles


def entry_state(api: HomeAssistantAPI) -> str:
    """The state of the integration's config entry (loaded, setup_retry, ...)."""
    entries = api.call("GET", f"/api/config/config_entries/entry?domain={DOMAIN}")
    return ", ".join(str(entry.get("state")) for entry in entries) or "no entry"


def remove_failed_onboarding_entries(api: HomeAssistantAPI) -> None:
    """Remove entries the onboarding step added that cannot load here (their packages are absent).

    Finishing the core_config step starts config flows for google_translate, met, radio_browser
    and shopping_list. Their requirements are not installed (Home Assistant runs with --skip-pip),
    so some end as failed entries that would clutter the demo's integrations page.
    """
    for entry in api.call("GET", "/api/config/config_entries/entry"):
        if entry.get("domain") in ONBOARDING_DOMAINS and entry.get("state") != "loaded":
            api.call("DELETE", f"/api/config/config_entries/entry/{entry['entry_id']}")


def check(entities: list[dict[str, Any]]) -> list[str]:
    """What is wrong with the pool entities (nothing: the check passed)."""
    problems = [
        f"no entity whose id starts with {prefix}"
        for prefix in POOL_PREFIXES
        if not any(s["entity_id"].startswith(prefix) for s in entities)
    ]
    online = [
        s["entity_id"]
        for s in entities
        if s["entity_id"].startswith("sensor.tank_") and s["state"] == "online"
    ]
    if not online:
        problems.append("no sensor.tank_* entity (the pool status) reads 'online'")
    return problems


def print_entities(entities: list[dict[str, Any]]) -> None:
    """One line per entity: id, state and unit."""
    for state in sorted(entities, key=lambda s: s["entity_id"]):
        unit = state.get("attributes", {}).get("unit_of_measurement") or ""
        print(f"    {state['entity_id']:<50} {state['state']} {unit}".rstrip(), flush=True)


def add_user_experience(api: HomeAssistantAPI, config_dir: Path) -> str:
    """Confirm the HTTP settings, add the blueprints and the Home Lab dashboard; its path."""
    if api.token is None:
        raise DemoError("not logged in to Home Assistant")
    try:
        demo_extras.confirm_http_config(api.base_url, api.token)
        blueprints = demo_extras.install_blueprints(config_dir)
        dashboard = demo_extras.create_dashboard(api.base_url, api.token)
    except (demo_extras.DashboardError, OSError) as err:
        raise DemoError(f"adding the dashboard and blueprints: {err}") from err
    log(f"added the dashboard {dashboard} and {len(blueprints)} blueprints (automation/homelab/)")
    return dashboard


def browser_check(
    args: argparse.Namespace, api: HomeAssistantAPI, password: str, demo_dir: Path
) -> list[str]:
    """Log in with headless Chromium and check the dashboard (scripts/e2e_browser.py)."""
    screenshots: Path = (args.screenshots or demo_dir / "screenshots").resolve()
    log(f"browser check: headless Chromium, screenshots in {screenshots}")
    started = time.monotonic()
    report = run_browser_check(api.base_url, USERNAME, password, screenshots, log)
    for error in report.page_errors:
        log(f"browser: page error: {error}")
    log(
        f"browser check: {len(report.passed)} passed, {len(report.problems)} failed "
        f"in {time.monotonic() - started:.1f} s; {len(report.screenshots)} screenshots"
    )
    return report.problems


def parse_args() -> argparse.Namespace:
    """Command line (scripts/demo passes the ports from its environment)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="verify the entities, then stop")
    parser.add_argument("--port", type=int, default=8123, help="Home Assistant's HTTP port")
    parser.add_argument("--sim-port", type=int, default=8443, help="the simulator's API port")
    parser.add_argument("--control-port", type=int, default=8444, help="the simulator's control")
    parser.add_argument("--demo-dir", type=Path, default=REPO / ".demo")
    parser.add_argument(
        "--scenario", type=Path, default=REPO / "labsim" / "scenarios" / "default.yaml"
    )
    parser.add_argument("--ha-timeout", type=float, default=180, help="seconds to wait for HA")
    parser.add_argument(
        "--no-browser", action="store_true", help="with --check: skip the browser check"
    )
    parser.add_argument(
        "--screenshots",
        type=Path,
        help="where the browser check saves its screenshots (default: <demo dir>/screenshots)",
    )
    return parser.parse_args()


def scenario_credentials(path: Path) -> tuple[str, str]:
    """The first user of the scenario and its first API key: (username, key)."""
    scenario = yaml.safe_load(path.read_text(encoding="utf-8"))
    try:
        user = scenario["users"][0]
        key = user["api_keys"][0]["key"] if "api_keys" in user else user["api_key"]
        return str(user["username"]), str(key)
    except (KeyError, IndexError, TypeError) as err:
        raise DemoError(f"{path}: no users[0] with username and api_keys[0].key") from err


def run(args: argparse.Namespace, children: list[Child], redact: Redactor) -> int:
    """Everything between starting and stopping the processes; returns the exit status."""
    demo_dir: Path = args.demo_dir.resolve()
    config_dir = demo_dir / "config"
    if not (INTEGRATION_DIR / "manifest.json").is_file():
        raise DemoError(f"{INTEGRATION_DIR}/manifest.json is missing")
    username, api_key = scenario_credentials(args.scenario)
    redact.secrets.append(api_key)
    for port in (args.port, args.sim_port, args.control_port):
        if port_in_use(port):
            raise DemoError(f"127.0.0.1:{port} is already in use (another demo running?)")

    demo_dir.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(demo_dir / "certs", ignore_errors=True)
    write_config(config_dir, args.port)
    password = f"demo-password-{secrets.token_hex(4)}"
    redact_password = Redactor([api_key])  # the password is meant to be shown

    started = time.monotonic()
    simulator = start(
        "simulator",
        [
            sys.executable,
            "-m",
            "labsim",
            "--scenario",
            str(args.scenario),
            "--port",
            str(args.sim_port),
            "--control-port",
            str(args.control_port),
            "--cert-dir",
            str(demo_dir / "certs"),
            # Free ports for Ollama, Paperless-ngx, ...: two demos (or a demo and a test run)
            # can then share the machine. The ready line says where they are.
            "--service-ports",
            "free",
        ],
        demo_dir / "labsim.log",
        REPO,
    )
    children.append(simulator)
    hass = start(
        "Home Assistant",
        [
            sys.executable,
            "-m",
            "homeassistant",
            "--config",
            str(config_dir),
            "--skip-pip",
            "--log-no-color",
        ],
        demo_dir / "hass.out",
        # Not the repository: `python -m` puts the working directory on sys.path, and Home
        # Assistant must find custom_components only in its configuration directory.
        demo_dir,
    )
    children.append(hass)
    log(f"starting the simulator and Home Assistant (logs in {demo_dir.relative_to(REPO)}/)")

    api = HomeAssistantAPI(f"http://127.0.0.1:{args.port}", redact)
    wait_until(
        "Home Assistant's HTTP server", api.probe_onboarding(), args.ha_timeout, children, redact
    )
    log(f"Home Assistant answers after {time.monotonic() - started:.1f} s")
    ready = wait_until(
        "the simulator", read_simulator_ready(simulator.log_path), 60, children, redact
    )
    log(f"simulator ready at {ready.get('url')} (control API {ready.get('control_url')})")
    log("onboarding: owner account, core config, analytics, integration step")
    onboard(api, password)
    wait_until(
        "Home Assistant to finish starting", api.probe_running(), args.ha_timeout, children, redact
    )
    log(f"Home Assistant running after {time.monotonic() - started:.1f} s")

    title = add_truenas_entry(api, args.sim_port, username, api_key)
    log(f"config flow created the entry '{title}'; waiting for the pool entities")
    try:
        entities = wait_until("the pool entities", api.probe_pool_entities(), 90, children, redact)
    except DemoError as err:
        raise DemoError(f"{err} (config entry state: {entry_state(api)})") from err
    secrets_ = pipeline_credentials(args.scenario)
    redact.secrets.extend(secrets_.values())
    titles = add_pipeline_entries(api, ready, secrets_)
    log(f"config flow created {', '.join(titles)}; waiting for the pipeline's entities")
    try:
        pipeline = wait_until(
            "the pipeline's entities", api.probe_pipeline_entities(), 90, children, redact
        )
    except DemoError as err:
        raise DemoError(f"{err} (config entry states: {entry_state(api)})") from err
    remove_failed_onboarding_entries(api)
    log(f"config entries {entry_state(api)}; {len(entities)} pool entities:")
    print_entities(entities)
    log(f"{len(pipeline)} entities of the document pipeline:")
    print_entities(pipeline)
    dashboard = add_user_experience(api, config_dir)

    if args.check:
        problems = check(entities)
        if not problems and not args.no_browser:
            problems = browser_check(args, api, password, demo_dir)
        for problem in problems:
            log(f"CHECK FAILED: {problem}")
        if problems:
            return 1
        log(
            "check passed: the pool entities exist, the pool reads online, and the pipeline's "
            "depth, Ollama and n8n sensors have values"
        )
        return 0

    print(
        redact_password(
            "\n"
            "Home Lab demo is running.\n"
            f"  Home Assistant:    {api.base_url}  (dashboard: {api.base_url}{dashboard})\n"
            f"  user / password:   {USERNAME} / {password}\n"
            f"  TrueNAS simulator: {ready.get('url')}  (user {username})\n"
            f"  simulator control: {ready.get('control_url')}\n"
            f"  Ollama:            {ready.get('ollama_url')}\n"
            f"  Paperless-ngx:     {ready.get('paperless_url')}  "
            f"(Paperless-AI {ready.get('paperless_ai_url')})\n"
            f"  n8n:               {ready.get('n8n_url')}\n"
            f"  logs:              {config_dir.relative_to(REPO)}/home-assistant.log, "
            f"{simulator.log_path.relative_to(REPO)}\n"
            "Press Ctrl-C to stop.\n"
        ),
        flush=True,
    )
    while True:
        for child in children:
            child.check_alive(redact)
        time.sleep(1)


def main() -> int:
    """Run the demo and always stop what it started."""
    args = parse_args()
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _stop_on_signal)
    children: list[Child] = []
    redact = Redactor()
    status = 1
    try:
        status = run(args, children, redact)
    except Stopped as stop:
        log(f"{stop}: stopping")
        status = 0 if not args.check else 1
    except DemoError as err:
        log(f"FAILED: {redact(str(err))}")
        status = 1
    finally:
        # Ignore further signals while stopping: a second Ctrl-C must not leave processes behind.
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)
        # Home Assistant first, so that it does not log the simulator going away.
        for child in reversed(children):
            child.stop(timeout=45)
        if children:
            log("stopped Home Assistant and the simulator")
    return status


if __name__ == "__main__":
    sys.exit(main())
