"""Browser helpers the end-to-end tests share (importable because pytest puts tests/ on sys.path).

The browser is Debian's /usr/bin/chromium driven by Playwright: no browser download. Every request that
would leave loopback is blocked and recorded, so "nothing from a CDN at run time" is checked, not hoped;
page errors and console errors are collected so a test can fail on them.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = Path("/usr/bin/chromium")
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
# Opened at /item (any page but the root), Streamlit's frontend first looks for its server under
# /item/_stcore/ (a path prefix behind a proxy), gets a 404, then uses /_stcore/: its own probing,
# logged as console errors. Only those exact URLs are forgiven.
STCORE_PROBE = re.compile(r"404 .* at http://(localhost|127\.0\.0\.1):\d+/[\w-]+/_stcore/(health|host-config)$")


def need_browser(viewer_bundle: bool = False):
    """sync_playwright, or a skip naming the fix; under CI (CI=true) a missing piece fails instead.

    Playwright's Python API is in the dev extra and Debian's chromium comes from `make system-deps`;
    `viewer_bundle` also asks for Mirador's bundle (`make viewer`) for tests that open the IIIF viewer.
    """
    problems = []
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
        problems.append("the playwright package is missing (`make install`: it is in the dev extra)")
    if not CHROMIUM.is_file():
        problems.append(f"{CHROMIUM} is missing (`make system-deps` installs Debian's chromium)")
    if viewer_bundle:
        from jiyi.iiif import viewer

        if not viewer.installed():
            problems.append(f"Mirador's bundle is not at {viewer.bundle_path()} (`make viewer`)")
    if problems:
        (pytest.fail if os.environ.get("CI") else pytest.skip)("; ".join(problems))
    return sync_playwright


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def running_app(workspace: Path, *, public: bool = True, env: dict[str, str] | None = None):
    """`jiyi app [--public]` over `workspace` on a free loopback port, as a reader starts it: its base URL.

    Waits for Streamlit's health endpoint rather than a fixed time; stops the server afterwards.
    """
    port = free_port()
    command = [sys.executable, "-m", "jiyi.cli", "app", "--workspace", str(workspace), "--port", str(port)]
    if public:
        command.insert(4, "--public")
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               env=os.environ.copy() if env is None else env)
    url = f"http://localhost:{port}/"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(f"{url}_stcore/health", timeout=2) as health:
                if health.read() == b"ok":
                    break
        except OSError:
            time.sleep(0.5)
    else:
        process.kill()
        raise AssertionError(f"`jiyi app` did not start: {process.stdout.read().decode(errors='replace')[-2000:]}")
    try:
        yield url
    finally:
        process.terminate()  # `jiyi app` became Streamlit (execve): this pid is the server
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()


BROWSER_WAIT_MS = 120_000


class Browser:
    """One Chromium page that records every request and response and blocks all but loopback."""

    def __init__(self, playwright, shots: Path):
        self.browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        self.context = self.browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
        # A ceiling, not a speed check (benchmarks/app_render.py measures speed): on a 2-core CI machine running
        # other tests, a page's first render has taken longer than Playwright's 30 s default.
        self.context.set_default_timeout(BROWSER_WAIT_MS)
        self.page = self.context.new_page()
        self.shots = shots
        self.blocked: list[str] = []
        self.requests: list[str] = []
        self.responses: list[tuple[int, str]] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._guard)
        self.context.on("request", lambda request: self.requests.append(request.url))
        self.context.on("response", lambda response: self.responses.append((response.status, response.url)))
        self.page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        self.page.on("console", lambda message: message.type == "error" and self.errors.append(
            f"{message.text} at {message.location.get('url')}"))
        self.page.on("websocket", lambda socket_: self.requests.append(socket_.url))

    def _guard(self, route):
        if urlsplit(route.request.url).hostname in LOOPBACK:
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def drop_stcore_probes(self) -> None:
        """Forget Streamlit's own /<page>/_stcore/ 404 probes (see STCORE_PROBE); every other error stays."""
        self.errors = [error for error in self.errors if not STCORE_PROBE.search(error)]

    def check_stayed_local(self):
        assert not self.blocked, f"requests tried to leave this machine: {self.blocked}"
        outside = [url for url in self.requests
                   if urlsplit(url).scheme not in ("data", "blob") and urlsplit(url).hostname not in LOOPBACK]
        assert not outside, outside
        assert not self.errors, self.errors

    def wait_for(self, predicate, what: str, timeout: float = 30):
        """Responses matching `predicate`, polled until one arrives (a network event, not a page element)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [item for item in self.responses if predicate(item)]
            if found:
                return found
            self.page.wait_for_timeout(100)
        raise AssertionError(f"no {what} within {timeout} s; responses: {self.responses}")

    def close(self):
        self.browser.close()


@contextlib.contextmanager
def open_browser(shots: Path, *, viewer_bundle: bool = False):
    """A Browser for one test, closed afterwards; skips (or fails under CI) as need_browser says."""
    sync_playwright = need_browser(viewer_bundle)
    with sync_playwright() as playwright:
        opened = Browser(playwright, shots)
        try:
            yield opened
        finally:
            opened.close()
