"""The end-to-end browser check: a person's first look at the Home Lab dashboard, automated.

`scripts/demo --check` runs it once Home Assistant runs with the Home Lab entries and the
dashboard (scripts/demo_driver.py). With headless Chromium (Debian's `chromium` package, driven
by Playwright for Python; no browser is downloaded) it:

1. logs in through Home Assistant's login page;
2. opens the Home Lab dashboard and checks that its pool, app, pipeline, Ollama and backup cards
   show values, view by view;
3. presses an app's Restart button and watches the app's State row leave "Running" and come back;
4. saves a screenshot of every view (and of the restart under way).

Every wait is on a condition (Playwright's auto-retrying assertions), never a fixed sleep.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
import re
import shutil
import tempfile
import time

from playwright.sync_api import Error as PlaywrightError, Locator, Page, expect, sync_playwright

# Debian's chromium; on a hosted CI runner (Ubuntu) the preinstalled Chrome or Chromium.
CHROMIUM = next(
    (
        path
        for name in ("chromium", "chromium-browser", "google-chrome")
        if (path := shutil.which(name))
    ),
    "/usr/bin/chromium",
)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DASHBOARD = "/home-lab"
VIEWPORT = {"width": 1440, "height": 1000}
RESTART_APP = "Syncthing"
TIMEOUT_MS = 30_000
NUMBER = re.compile(r"\d")
EMPTY_LAB_SCRIPT = """async () => {
    const strategy = customElements.get("ll-strategy-dashboard-homelab");
    const config = await strategy.generate({}, {entities: {}, devices: {}, states: {}});
    return config.views;
}"""


@dataclass
class BrowserReport:
    """What the browser saw: the checks that passed, the problems, and the screenshots."""

    passed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    screenshots: list[Path] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)


def run_browser_check(
    base_url: str,
    username: str,
    password: str,
    screenshot_dir: Path,
    log: Callable[[str], None],
) -> BrowserReport:
    """Run the browser session; every failed step is a problem in the report."""
    report = BrowserReport()
    screenshot_dir.mkdir(parents=True, exist_ok=True)
    expect.set_options(timeout=TIMEOUT_MS)

    def check(what: str, assertion: Callable[[], object]) -> bool:
        try:
            assertion()
        except (AssertionError, PlaywrightError) as err:
            first_line = str(err).strip().splitlines()[0] if str(err).strip() else repr(err)
            report.problems.append(f"{what}: {first_line}")
            log(f"browser: FAILED {what}")
            return False
        report.passed.append(what)
        log(f"browser: ok   {what}")
        return True

    def screenshot(page: Page, name: str, element: Locator | None = None) -> None:
        path = screenshot_dir / f"{name}.png"
        if element is not None:
            element.screenshot(path=str(path))
        else:
            # The whole page in one window (a full-page capture of a scrolled page repeats the
            # fixed header, and the sidebar ends at the window's height).
            page.evaluate("window.scrollTo(0, 0)")
            height = int(page.evaluate("document.documentElement.scrollHeight"))
            page.set_viewport_size({"width": VIEWPORT["width"], "height": max(height, 600)})
            page.screenshot(path=str(path))
            page.set_viewport_size(VIEWPORT)  # type: ignore[arg-type]
        report.screenshots.append(path)

    def open_view(page: Page, view: str) -> None:
        page.goto(f"{base_url}{DASHBOARD}/{view}")
        expect(page.locator("hui-view, hui-sections-view").first).to_be_attached()
        expect(page.get_by_text("Error loading the dashboard strategy")).to_have_count(0)

    def displayed_state(page: Page, app: str) -> str:
        """The app's State as the frontend holds it (for the log)."""
        entity_id = f"sensor.{app.lower().replace('-', '_')}_state"
        return str(
            page.evaluate(
                "(id) => document.querySelector('home-assistant').hass.states[id]?.state",
                entity_id,
            )
        )

    def section(page: Page, heading: str) -> Locator:
        return page.locator("hui-section", has=page.locator("hui-heading-card", has_text=heading))

    def tile(page: Page, name: str) -> Locator:
        return page.locator("hui-tile-card", has_text=name)

    with tempfile.TemporaryDirectory(prefix="homelab-chromium-") as profile, sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport=VIEWPORT,  # type: ignore[arg-type]
        )
        try:
            page = context.pages[0] if context.pages else context.new_page()
            page.on("pageerror", lambda err: report.page_errors.append(str(err)))
            started = time.monotonic()

            def log_in() -> None:
                page.goto(f"{base_url}{DASHBOARD}/overview")
                page.wait_for_url(re.compile(r"/auth/authorize"))
                page.locator('input[name="username"]').fill(username)
                page.locator('input[name="password"]').fill(password)
                page.locator("ha-button", has_text="Log in").click()
                page.wait_for_url(re.compile(rf"{DASHBOARD}/overview$"))

            if not check("log in through the login page", log_in):
                screenshot(page, "login-failed")
                return report

            # Overview: every group of the lab shows values.
            open_view(page, "overview")
            check(
                "overview: the pool tile reads Online",
                lambda: expect(tile(page, "Pool tank")).to_contain_text("Online"),
            )
            check(
                "overview: the apps summary counts running apps",
                lambda: expect(section(page, "Services")).to_contain_text(
                    re.compile(r"\d+ of \d+ apps running")
                ),
            )
            check(
                "overview: the pipeline depth has a value",
                lambda: expect(tile(page, "Depth")).to_contain_text(NUMBER),
            )
            check(
                "overview: Ollama's loaded models have a value",
                lambda: expect(tile(page, "Loaded models")).to_contain_text(NUMBER),
            )
            check(
                "overview: backup tasks read OK or Problem",
                lambda: expect(section(page, "Backups")).to_contain_text(
                    re.compile(r"\d+ of \d+ backup tasks stale[\s\S]*(OK|Problem)")
                ),
            )
            screenshot(page, "dashboard-overview")

            open_view(page, "system")
            check(
                "system: the CPU usage has a value",
                # "CPU usage", not "CPU": that would also match the CPU temperature tile.
                lambda: expect(tile(page, "CPU usage")).to_contain_text(NUMBER),
            )
            screenshot(page, "dashboard-system")

            open_view(page, "storage")
            check(
                "storage: the pool's space and scrub",
                lambda: expect(section(page, "Pool tank")).to_contain_text(
                    re.compile(r"Allocated\s*[\d.]+\s*TB[\s\S]*Last scrub")
                ),
            )
            check(
                "storage: the pool lists its disks",
                lambda: expect(section(page, "Pool tank")).to_contain_text("Disk sda"),
            )
            screenshot(page, "dashboard-storage")

            open_view(page, "pipeline")
            check(
                "pipeline: Paperless-ngx's queue",
                lambda: expect(section(page, "Paperless-ngx")).to_contain_text(
                    re.compile(r"Queued\s*\d+")
                ),
            )
            check(
                "pipeline: Ollama's VRAM",
                lambda: expect(section(page, "Ollama")).to_contain_text(
                    re.compile(r"VRAM used\s*[\d.]+\s*GiB")
                ),
            )
            screenshot(page, "dashboard-pipeline")

            open_view(page, "backups")
            check(
                "backups: the replication task's last run",
                lambda: expect(section(page, "Replication")).to_contain_text(
                    re.compile(r"Last run\s*\S+")
                ),
            )
            screenshot(page, "dashboard-backups")

            # Services: restart an app and watch it go down and come back.
            open_view(page, "services")
            app = section(page, RESTART_APP)
            state = app.locator("hui-sensor-entity-row", has_text="State")
            if check(
                f"services: {RESTART_APP} is running",
                lambda: expect(state).to_contain_text("Running"),
            ):
                screenshot(page, "dashboard-services")
                restart = app.locator("hui-button-entity-row", has_text="Restart")
                seen: list[str] = []

                def press_and_leave_running() -> None:
                    restart.get_by_role("button").click()
                    expect(state).not_to_contain_text("Running")
                    seen.append(displayed_state(page, RESTART_APP))

                if check(
                    f"services: Restart takes {RESTART_APP} out of Running",
                    press_and_leave_running,
                ):
                    log(f"browser: {RESTART_APP} reads {seen[0]!r} while it restarts")
                    screenshot(page, "dashboard-services-restarting", element=app)
                    check(
                        f"services: {RESTART_APP} is Running again",
                        lambda: expect(state).to_contain_text("Running", timeout=90_000),
                    )

            # The strategy on an installation without Home Lab entities: each view says what
            # to add instead of showing empty cards.
            def empty_lab() -> None:
                views = page.evaluate(EMPTY_LAB_SCRIPT)
                paths = [view["path"] for view in views]
                if paths != ["overview", "system", "storage", "services", "pipeline", "backups"]:
                    raise AssertionError(f"views {paths}")
                for view in views:
                    cards = [c for s in view["sections"] for c in s["cards"]]
                    if [c["type"] for c in cards] != ["markdown"]:
                        raise AssertionError(f"view {view['path']}: {cards}")

            check("strategy: without Home Lab entities every view explains itself", empty_lab)
            log(f"browser: session took {time.monotonic() - started:.1f} s")
        finally:
            context.close()
    return report
