"""Browser tests: the real `bureau serve` process, driven in headless Chromium by Playwright.

`live` (one per test module) is a data home made with the CLI, with one user of each role
(as tests/web/conftest.py has them), and a real `python -m bureau --home H serve` process on
a free loopback port, stopped when the module ends; Chromium (Debian's /usr/bin/chromium:
Playwright never downloads a browser) also runs per module. `tab` is a fresh browser
context (its own cookies). While the browser runs, a module's fixtures run a command that
seals (pyHanko's event loop) with `live.bureau.real`, in a new process.

Every page a test shows is kept as a full-page screenshot in test-artifacts/screenshots/,
named <test>-<step>.png: a test calls `tab.shot(step)` after each page loads, and a test
that lets two pages load without a screenshot between them fails. Every test also fails if
the browser logged an error: a script error, a Content-Security-Policy violation, or a
resource the page asked for that did not load (an error page the test went to on purpose
is not one).
"""

from __future__ import annotations

import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    expect,
    sync_playwright,
)

from tests.conftest import PASSPHRASE, PASSWORD, Bureau

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
USERS = {  # name: (role, clearance, department), as in tests/web/conftest.py
    "sec": ("secretary", "internal", "BGS"),
    "arc": ("archivist", "secret", None),
    "aud": ("auditor", "internal", None),
}
START_TIMEOUT = 30.0  # seconds for the server to answer on its port
WAIT_MS = 15_000  # the longest a step waits in the browser
expect.set_options(timeout=WAIT_MS)

# A Content-Security-Policy violation is logged by Chromium as a console error; this also
# reports it through the page's own event, in case a future Chromium words it otherwise.
# (Playwright adds init scripts outside the page's CSP.)
CSP_LISTENER = """
document.addEventListener('securitypolicyviolation', (e) => {
  console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + e.blockedURI);
});
"""
FAILED_LOAD = re.compile(r"Failed to load resource: the server responded with a status of (\d+)")


@dataclass
class Live:
    """A running `bureau serve`: its address, its home, and the CLI on that home."""

    url: str
    root: Path
    bureau: Bureau
    log: Path

    def at(self, path: str) -> str:
        return self.url + path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def live(pristine_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """A data home with users sec, arc and aud (and the administrator tester), served by a
    real `bureau serve` process for the whole module."""
    base = tmp_path_factory.mktemp("live")
    root = base / "home"
    shutil.copytree(pristine_home, root, symlinks=True)
    cli = Bureau(root, base)
    for name, (role, clearance, dept) in USERS.items():
        extra = ["--dept", dept] if dept else []
        cli.ok("users", "add", name, "--role", role, "--clearance", clearance, *extra)
    port = free_port()
    log = base / "serve.log"
    env = cli.env(BUREAU_PASSPHRASE=PASSPHRASE)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*cli.command("serve", "--port", port)],
            cwd=base,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not _answers(port):
            if process.poll() is not None:
                pytest.fail(f"bureau serve stopped ({process.returncode}): {log.read_text()}")
            if time.monotonic() > deadline:
                pytest.fail(f"bureau serve did not answer on port {port}: {log.read_text()}")
            time.sleep(0.05)
        yield Live(f"http://127.0.0.1:{port}", root, cli, log)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Chromium for one module. Not for the session: while Playwright runs, its event loop is
    this thread's running loop, and the in-process commands of the tests that follow on the
    same worker (pyHanko's `asyncio.run` when sealing) would fail."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make setup` installs Debian's chromium (as root)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class Tab:
    """One browser context and its page, keeping what the browser logged and a screenshot
    of every page it showed."""

    page: Page
    context: BrowserContext
    live: Live
    test: str
    errors: list[str] = field(default_factory=list)
    documents: dict[str, int] = field(default_factory=dict)  # url -> status of each page load
    loads: list[str] = field(default_factory=list)  # pages loaded since the last screenshot
    shots: list[Path] = field(default_factory=list)

    def go(self, path: str):
        """Open `path` on the server (as typed into the address bar); the main response."""
        return self.page.goto(self.live.at(path))

    def shot(self, step: str) -> Path:
        """A full-page screenshot of what the page shows now: <test>-<step>.png."""
        self._check_unseen(keep=True)
        target = SCREENSHOTS / f"{self.test}-{step}.png"
        self.page.screenshot(path=str(target), full_page=True)
        self.shots.append(target)
        self.loads.clear()
        return target

    def sign_in(self, name: str, password: str = PASSWORD, step: str = "signed-in") -> None:
        self.go("/login")
        self.shot(f"{step}-form")
        self.page.fill("input[name=username]", name)
        self.page.fill("input[name=password]", password)
        with self.page.expect_navigation():  # to the next page, or the form again if refused
            self.page.click("form[action='/login'] button[type=submit]")
        self.shot(step)

    def sign_out(self) -> None:
        self.page.click("#sign-out")
        self.page.wait_for_url(re.compile(r"/login"))

    def _loaded(self, page: Page) -> None:
        self.loads.append(page.url)

    def _check_unseen(self, keep: bool) -> None:
        """Fail if a page loaded since the last screenshot is not the one shown now (when
        `keep`; a reload of it is the same page), or, at the end, if any was not seen."""
        shown = self.page.url if keep else None
        unseen = [url for url in self.loads if url != shown]
        if unseen:
            pytest.fail(f"pages shown without a screenshot (call tab.shot after each): {unseen}")

    def _console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        text = message.text
        failed = FAILED_LOAD.match(text)
        url = message.location.get("url", "")
        if failed and self.documents.get(url) == int(failed.group(1)):
            return  # the error page the test went to (a 404, the refused sign-in's 401)
        self.errors.append(f"{text} ({url})")

    def _response(self, response) -> None:
        if response.request.is_navigation_request() and response.frame == self.page.main_frame:
            self.documents[response.url] = response.status


def open_tab(browser: Browser, live: Live, test: str) -> Tab:
    """A fresh visitor (own cookies; Chinese, as a new visitor gets) in Chromium."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(
        viewport={"width": 1280, "height": 800}, accept_downloads=True, locale="zh-CN"
    )
    context.set_default_timeout(WAIT_MS)
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    opened = Tab(page, context, live, re.sub(r"[^A-Za-z0-9_.-]+", "-", test).strip("-"))
    page.on("console", opened._console)
    page.on("pageerror", lambda error: opened.errors.append(f"script error: {error}"))
    page.on("response", opened._response)
    page.on("load", opened._loaded)
    return opened


def close_tab(opened: Tab) -> None:
    """Close the visitor's context after checking it logged no error and saw every page."""
    try:
        opened._check_unseen(keep=False)
        assert not opened.errors, f"the browser logged errors: {opened.errors}"
    finally:
        opened.context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Keep each phase's report on the test, so `tab` knows whether the test itself failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def tab(browser: Browser, live: Live, request: pytest.FixtureRequest) -> Iterator[Tab]:
    opened = open_tab(browser, live, request.node.name)
    yield opened
    called = getattr(request.node, "report_call", None)
    if called is not None and called.failed:  # its own failure says what went wrong
        opened.context.close()
        return
    close_tab(opened)
