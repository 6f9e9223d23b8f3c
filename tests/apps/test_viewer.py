"""The IIIF viewer on the item page: Mirador served from this machine, opened in Debian's Chromium.

The browser tests drive /usr/bin/chromium through Playwright (no browser download); every request that
would leave loopback is blocked and fails the test, so "nothing from a CDN at run time" is checked, not hoped.
"""

from __future__ import annotations

import json
import os
import time
import urllib.request
from urllib.parse import quote, urlencode

import pytest

from browser import open_browser, running_app
from jiyi.iiif import viewer


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


@pytest.fixture
def browser(tmp_path):
    with open_browser(tmp_path, viewer_bundle=True) as opened:
        yield opened


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
def app_url(ws):
    # The app's own IIIF server and bundle, whatever the developer's shell points at.
    env = {k: v for k, v in os.environ.items() if k not in ("JIYI_IIIF_URL", viewer.VIEWER_DIR_ENV)}
    with running_app(ws.root, env=env) as url:
        yield url


def test_jiyi_app_item_page_shows_mirador_in_chromium(browser, app_url, scanned):
    record_id, label = scanned
    started = time.monotonic()
    browser.page.goto(f"{app_url}item?id={quote(record_id)}", timeout=60_000)
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
    browser.drop_stcore_probes()  # Streamlit looking for itself under /item/_stcore/ (tests/browser.py)
    browser.check_stayed_local()  # the page icon included: apps/main.py ships its own
