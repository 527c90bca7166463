"""Browser tests' fixtures and page helpers: Debian's headless Chromium driven by
Playwright, a live server with one agent (Mei, zh and en)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.authenticator import Phone
from tests.server.live_server import ROOT, Launched, launch, stop, wait_ready

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-gpu"]
PASSWORD = "browser test password"
SHOTS = Path(os.environ.get("SUPPORTBOT_SCREENSHOTS", "")) if os.environ.get(
    "SUPPORTBOT_SCREENSHOTS") else None


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium must be installed in CI (scripts/install.sh --dev does it)")
        pytest.skip("no /usr/bin/chromium; install Debian's chromium to run browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # Playwright gives each launch a fresh, empty profile directory.
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield instance
        instance.close()


class ServerPool:
    """The next browser test's live server, started while the current test runs. A start
    loads the models (about 7 s on 2 cores, more under load) and each of some 20 browser
    tests needs a fresh server with its own data folder; started ahead, it is usually
    answering by the time the test asks for it. Each server is still used by one test
    only. One started with another environment than the test's (a module that sets an
    identity secret before its server starts) is stopped and a fresh one started."""

    def __init__(self, model_dir: Path, folders: pytest.TempPathFactory):
        self.model_dir, self.folders = model_dir, folders
        self.spare: tuple[dict[str, str], Path, Launched] | None = None

    def _launch(self) -> tuple[dict[str, str], Path, Launched]:
        folder = self.folders.mktemp("browser-server")
        return _environment(), folder, launch(self.model_dir, folder)

    def take(self) -> tuple[Path, Launched]:
        if self.spare is None or self.spare[0] != _environment():
            self.close()
            self.spare = self._launch()
        _env, folder, taken = self.spare
        self.spare = self._launch()
        return folder, taken

    def close(self) -> None:
        if self.spare is not None:
            stop(self.spare[2].process)
            self.spare = None


def _environment() -> dict[str, str]:
    # pytest names the running test in PYTEST_CURRENT_TEST: no setting of the server's.
    return {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}


# The browser tests' package: the spare stops after the last of them, not at the end of
# the session.
@pytest.fixture(scope="package")
def server_pool(shipped_model_dir, tmp_path_factory):  # type: ignore[no-untyped-def]
    pool = ServerPool(shipped_model_dir, tmp_path_factory)
    yield pool
    pool.close()


@pytest.fixture
def _taken(server_pool):  # type: ignore[no-untyped-def]
    folder, launched = server_pool.take()
    yield folder, launched
    stop(launched.process)


@pytest.fixture
def data_dir(_taken):  # type: ignore[no-untyped-def]
    return _taken[0]


@pytest.fixture
def server(_taken):  # type: ignore[no-untyped-def]
    _folder, launched = _taken
    wait_ready(launched)
    env = {**os.environ, "SUPPORTBOT_AGENT_PASSWORD": PASSWORD, "SUPPORTBOT_DATABASE_URL": ""}
    subprocess.run([sys.executable, "-m", "bot", "--config", str(launched.config), "agent",
                    "add", "mei", "--languages", "zh,en", "--name", "Mei"],
                   cwd=ROOT, env=env, check=True, capture_output=True)
    return launched.base


def wait_until(page, expression, timeout=30_000):  # type: ignore[no-untyped-def]
    """Poll a JavaScript expression until it is true. (Playwright's wait_for_function
    compiles its predicate with eval inside the page, which the pages' CSP forbids, as it
    should; evaluate goes through the DevTools protocol.)"""
    deadline = time.monotonic() + timeout / 1000
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"never true: {expression}")
        page.wait_for_timeout(100)


def shot(page, name):  # type: ignore[no-untyped-def]
    if SHOTS:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / name))


# Each live server's agents' authenticators (tests/authenticator.py), by (base, username).
PHONES: dict[tuple[str, str], Phone] = {}


def agent_login(context, base, username="mei"):  # type: ignore[no-untyped-def]
    """Sign in on the console, password then second factor: the first time enrol (the
    secret read off the page, a real code typed, the recovery codes kept), later a code."""
    page = context.new_page()
    page.goto(f"{base}/agent")
    page.fill("#login-user", username)
    page.fill("#login-password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#console:not([hidden]), #second-factor:not([hidden])")
    if page.is_visible("#second-factor"):
        pass_second_factor_in_console(page, base, username)
    page.wait_for_selector("#console:not([hidden])")
    return page


def pass_second_factor_in_console(page, base, username="mei"):  # type: ignore[no-untyped-def]
    page.wait_for_selector("#factor-form:not([hidden]), #enrol-secret:text-matches('[A-Z2-7]')")
    if page.is_visible("#factor-form"):
        page.fill("#factor-code", PHONES[(base, username)].code())
        page.click("#factor-submit")
        return
    phone = Phone(page.text_content("#enrol-secret").replace(" ", ""))
    page.fill("#enrol-code", phone.code())
    page.click("#enrol-submit")
    page.wait_for_selector("#recovery-codes li")
    phone.recovery_codes = page.locator("#recovery-codes li").all_text_contents()
    PHONES[(base, username)] = phone
    page.click("#recovery-saved")


def say_in_widget(context, base, text, wait_for):  # type: ignore[no-untyped-def]
    """A trader opens the widget on the demo page and sends one message."""
    page = context.new_page()
    page.goto(base + "/")
    page.click(".sb-bubble")
    page.fill(".sb-input", text)
    page.keyboard.press("Enter")
    page.wait_for_selector(wait_for)
    return page
