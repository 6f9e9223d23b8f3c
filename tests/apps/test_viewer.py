"""The IIIF viewer on the item page: Mirador served from this machine, opened in Debian's Chromium.

The browser tests drive /usr/bin/chromium through Playwright (no browser download); every request that
would leave loopback is blocked and fails the test, so "nothing from a CDN at run time" is checked, not hoped.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

import pytest

from jiyi.iiif import viewer

CHROMIUM = Path("/usr/bin/chromium")
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


def need_browser():
    """Playwright's Python API and Debian's chromium, which `make test` installs; in CI their absence fails."""
    problems = []
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
        problems.append("the playwright package is missing (`make install`: it is in the dev extra)")
    if not CHROMIUM.is_file():
        problems.append(f"{CHROMIUM} is missing (`make system-deps` installs Debian's chromium)")
    if not viewer.installed():
        problems.append(f"Mirador's bundle is not at {viewer.bundle_path()} (`make viewer`)")
    if problems:
        (pytest.fail if os.environ.get("CI") else pytest.skip)("; ".join(problems))
    return sync_playwright


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def iiif_server(ws):
    """`jiyi serve`'s app over the demo on a free loopback port, in a thread: its base URL."""
    from jiyi.build import open_workspace
    from jiyi.iiif.server import serve_in_thread

    _, config = open_workspace(ws.root)
    server, thread, port = serve_in_thread(ws.public_iiif_dir, config.base_uri)
    assert server.started
    yield f"http://127.0.0.1:{port}/"
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def scanned(ws) -> tuple[str, str]:
    """(id, Chinese label) of the first public record whose manifest has a page image."""
    for path in sorted(ws.public_iiif_dir.glob("*/manifest.json")):
        manifest = json.loads(path.read_text(encoding="utf-8"))
        if manifest.get("items") and manifest["items"][0]["items"][0]["items"]:
            label = manifest["label"]
            return path.parent.name, (label.get("zh-Hans") or label.get("zh") or next(iter(label.values())))[0]
    raise AssertionError("the demo should publish a manifest with page images")


class Browser:
    """One Chromium page that records every request and response and blocks all but loopback."""

    def __init__(self, playwright, shots: Path):
        self.browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        self.context = self.browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
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

    def check_stayed_local(self):
        assert not self.blocked, f"requests tried to leave this machine: {self.blocked}"
        outside = [url for url in self.requests
                   if urlsplit(url).scheme not in ("data", "blob") and urlsplit(url).hostname not in LOOPBACK]
        assert not outside, outside
        assert not self.errors, self.errors

    def wait_for(self, predicate, what: str, timeout: float = 30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [item for item in self.responses if predicate(item)]
            if found:
                return found
            self.page.wait_for_timeout(100)
        raise AssertionError(f"no {what} within {timeout} s; responses: {self.responses}")

    def close(self):
        self.browser.close()


@pytest.fixture
def browser(tmp_path):
    sync_playwright = need_browser()
    with sync_playwright() as playwright:
        opened = Browser(playwright, tmp_path)
        yield opened
        opened.close()


def is_page_image(server: str, min_width: int):
    """A 200 for a page image of our server at least `min_width` wide (Image API: …/full/W,H/0/default.jpg)."""
    def check(item):
        status, url = item
        parts = url.split("/full/")
        return (status == 200 and url.startswith(f"{server}iiif/images/") and len(parts) == 2
                and parts[1].split(",")[0].isdigit() and int(parts[1].split(",")[0]) >= min_width)
    return check


def test_mirador_opens_a_manifest_from_our_server_and_nothing_else(browser, iiif_server, scanned):
    record_id, label = scanned
    manifest = f"{iiif_server}iiif/{quote(record_id)}/manifest.json"
    started = time.monotonic()
    browser.page.goto(viewer.viewer_url(iiif_server, manifest, "zh"))
    browser.page.get_by_text(label).first.wait_for(timeout=30_000)  # Mirador's window title: the manifest read
    assert (200, f"{iiif_server}viewer/mirador.min.js") in browser.responses
    assert (200, manifest) in browser.responses
    # The page fitted to the window is drawn from a real size, not the 200 px thumbnail (osdConfig in viewer.js).
    browser.wait_for(is_page_image(iiif_server, 600), "page image from our server")  # comes after the title
    info = [url for status, url in browser.responses if status == 200 and url.endswith("/info.json")]
    assert info and all(url.startswith(f"{iiif_server}iiif/images/{record_id}/") for url in info)
    browser.page.wait_for_timeout(500)  # let the last tiles land before the screenshot
    browser.page.screenshot(path=str(browser.shots / "mirador.png"))
    print(f"Mirador showed {record_id} in {time.monotonic() - started:.1f} s; screenshot {browser.shots / 'mirador.png'}")
    browser.check_stayed_local()


def test_the_page_in_english_and_without_a_manifest(browser, iiif_server):
    browser.page.goto(f"{iiif_server}viewer/?lang=en")
    assert "?manifest=" in browser.page.locator("#message").inner_text(timeout=10_000)
    browser.check_stayed_local()


# The item page under AppTest: the iframe, the fallback, the deployment's address.
def frames(at) -> list[str]:
    return [element.proto.src for element in at.get("iframe")]


def test_item_page_embeds_the_viewer_served_from_this_machine(open_page, scanned, monkeypatch, tmp_path):
    if not viewer.installed():  # a stand-in bundle: this test is about the page, the browser tests use the real one
        (tmp_path / viewer.BUNDLE).write_text("window.Mirador = {};", encoding="utf-8")
        monkeypatch.setenv(viewer.VIEWER_DIR_ENV, str(tmp_path))
    record_id, _ = scanned
    at = open_page("views/item.py", id=record_id, lang="en")
    (src,) = [src for src in frames(at) if "/viewer/" in src]
    assert src.startswith("http://127.0.0.1:")
    server = src.split("viewer/")[0]
    assert f"manifest={quote(f'{server}iiif/{record_id}/manifest.json', safe='')}" in src and src.endswith("lang=en")
    with urllib.request.urlopen(src, timeout=10) as page:  # the app started the IIIF server it points at
        assert page.status == 200 and b"mirador.min.js" in page.read()
    assert "Static page images" in [e.label for e in at.expander]  # the plain image stays, folded
    assert at.get("image")


def test_item_page_without_the_viewer_says_how_to_install_it(open_page, scanned, monkeypatch, tmp_path):
    monkeypatch.setenv(viewer.VIEWER_DIR_ENV, str(tmp_path / "no-bundle"))
    record_id, _ = scanned
    at = open_page("views/item.py", id=record_id)
    assert not [src for src in frames(at) if "/viewer/" in src]
    assert any("make viewer" in info.value for info in at.info)
    assert at.get("image")  # the static page image is the fallback


def test_item_page_uses_the_deployments_iiif_address(open_page, scanned, monkeypatch):
    monkeypatch.setenv("JIYI_IIIF_URL", "https://archive.example.org/jiyi-iiif")
    record_id, _ = scanned
    at = open_page("views/item.py", id=record_id)
    manifest = f"https://archive.example.org/jiyi-iiif/iiif/{record_id}/manifest.json"
    assert frames(at) == ["https://archive.example.org/jiyi-iiif/viewer/?"
                          + urlencode({"manifest": manifest, "lang": "zh"})]


# End to end: `jiyi app` as a reader starts it, the item page in Chromium, Mirador inside its iframe.
@pytest.fixture(scope="module")
def running_app(ws):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("JIYI_IIIF_URL", viewer.VIEWER_DIR_ENV)}
    process = subprocess.Popen([sys.executable, "-m", "jiyi.cli", "app", "--public", "--workspace", str(ws.root), "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
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
    yield url
    process.terminate()  # `jiyi app` became Streamlit (execve): this pid is the server, our IIIF thread inside it
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()


def test_jiyi_app_item_page_shows_mirador_in_chromium(browser, running_app, scanned):
    record_id, label = scanned
    started = time.monotonic()
    browser.page.goto(f"{running_app}item?id={quote(record_id)}", timeout=60_000)
    frame = browser.page.frame_locator('iframe[src*="/viewer/?manifest="]')
    frame.get_by_text(label).first.wait_for(timeout=90_000)
    server = browser.page.locator('iframe[src*="/viewer/?manifest="]').get_attribute("src").split("viewer/")[0]
    assert server.startswith("http://127.0.0.1:")  # the IIIF server the app started on loopback
    browser.wait_for(is_page_image(server, 600), "page image in the item page's viewer")
    frame_element = browser.page.locator('iframe[src*="/viewer/?manifest="]')
    frame_element.scroll_into_view_if_needed()  # Streamlit scrolls inside its own container, not the page
    browser.page.wait_for_timeout(500)
    browser.page.screenshot(path=str(browser.shots / "item-page.png"))
    print(f"item page with Mirador in {time.monotonic() - started:.1f} s; screenshot {browser.shots / 'item-page.png'}")
    # Opened at /item, Streamlit's frontend first looks for its server under /item/_stcore/ (a path prefix
    # behind a proxy), gets a 404, then uses /_stcore/: its own probing, logged as console errors.
    probes = re.compile(r"404 .* at http://localhost:\d+/item/_stcore/(health|host-config)$")
    browser.errors = [error for error in browser.errors if not probes.search(error)]
    browser.check_stayed_local()  # the page icon included: apps/main.py ships its own
