"""`jiyi serve`'s /viewer/: Mirador's page and bundle by name only, and a 503 that says how to install it."""

from __future__ import annotations

import http.client
import json

import pytest
from starlette.testclient import TestClient

from jiyi.iiif import viewer
from jiyi.iiif.server import create_app, serve_in_thread

from helpers import REPO

BASE = "https://example.org/jiyi/"
FAKE_BUNDLE = b"window.Mirador = {viewer: function () {}};\n"


@pytest.fixture
def iiif_dir(tmp_path):
    """A tiny public IIIF folder, and a file beside it that must never be served."""
    folder = tmp_path / "public" / "iiif"
    (folder / "R-1").mkdir(parents=True)
    (folder / "R-1" / "manifest.json").write_text(json.dumps({"id": f"{BASE}iiif/R-1/manifest.json"}), encoding="utf-8")
    (tmp_path / "secret.txt").write_text("internal", encoding="utf-8")
    return folder


@pytest.fixture
def bundle_dir(tmp_path, monkeypatch):
    """A stand-in bundle in $JIYI_VIEWER_DIR, so these tests need no npm (the browser tests use the real one)."""
    folder = tmp_path / "viewer-dist"
    folder.mkdir()
    (folder / viewer.BUNDLE).write_bytes(FAKE_BUNDLE)
    monkeypatch.setenv(viewer.VIEWER_DIR_ENV, str(folder))
    return folder


@pytest.fixture
def client(iiif_dir):
    return TestClient(create_app(iiif_dir, BASE))


def test_the_bundle_is_served_as_javascript(client, bundle_dir):
    response = client.get("/viewer/mirador.min.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.content == FAKE_BUNDLE
    script = client.get("/viewer/viewer.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    assert b"Mirador.viewer" in script.content


def test_the_page_loads_only_local_scripts_and_keeps_the_query(client, bundle_dir):
    response = client.get("/viewer/", params={"manifest": "http://testserver/iiif/R-1/manifest.json"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    page = response.text
    assert '<script src="mirador.min.js"></script>' in page and '<script src="viewer.js"></script>' in page
    assert "http" not in page.split("<body>")[1]  # no script, style or font from anywhere else
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "connect-src 'self'" in policy
    moved = client.get("/viewer?manifest=x&lang=en", follow_redirects=False)
    assert moved.status_code in (302, 307) and moved.headers["location"] == "/viewer/?manifest=x&lang=en"


def test_a_missing_bundle_answers_503_with_the_fix(client, tmp_path, monkeypatch):
    monkeypatch.setenv(viewer.VIEWER_DIR_ENV, str(tmp_path / "nothing-here"))
    assert not viewer.installed()
    for path in ("/viewer/", "/viewer/mirador.min.js"):
        response = client.get(path)
        assert response.status_code == 503
        assert "make viewer" in response.text and viewer.MIRADOR_VERSION in response.text
        assert response.headers["content-type"].startswith("text/html")
    assert client.get("/iiif/R-1/manifest.json").status_code == 200  # the IIIF is served all the same


@pytest.mark.parametrize("path", ["/viewer/index.html", "/viewer/package.json", "/viewer/package-lock.json",
                                  "/viewer/dist/mirador.min.js", "/viewer/mirador.min.js.map", "/viewer/.hidden",
                                  "/viewer/%2e%2e/%2e%2e/secret.txt", "/viewer/..%2f..%2fsecret.txt",
                                  "/viewer/mirador.min.js/../../secret.txt", "/viewer/%2fetc%2fpasswd"])
def test_only_named_files_are_served(client, bundle_dir, path):
    response = client.get(path)
    assert response.status_code == 404, path
    assert b"internal" not in response.content


@pytest.fixture
def live_server(iiif_dir, bundle_dir):
    """The same app under a real uvicorn on a free loopback port: clients that do not tidy paths reach it raw."""
    server, thread, port = serve_in_thread(iiif_dir, BASE)
    assert server.started
    yield port
    server.should_exit = True
    thread.join(10)


def test_dot_segments_sent_raw_reach_nothing(live_server):
    for path in ("/viewer/../../secret.txt", "/viewer/./../iiif/../../secret.txt", "/viewer/..\\..\\secret.txt",
                 "/viewer/mirador.min.js/../../../../etc/passwd"):
        connection = http.client.HTTPConnection("127.0.0.1", live_server, timeout=10)
        connection.request("GET", path)  # http.client sends the path as given, dots and all
        response = connection.getresponse()
        body = response.read()
        connection.close()
        assert response.status in (400, 404), (path, response.status)
        assert b"internal" not in body and b"root:" not in body


def test_the_pinned_version_is_the_one_npm_installs():
    package = json.loads((REPO / "apps" / "viewer" / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((REPO / "apps" / "viewer" / "package-lock.json").read_text(encoding="utf-8"))
    assert package["dependencies"] == {"mirador": viewer.MIRADOR_VERSION}  # exact: no range
    assert lock["packages"]["node_modules/mirador"]["version"] == viewer.MIRADOR_VERSION
    assert lock["packages"]["node_modules/mirador"]["integrity"].startswith("sha512-")
    installed = REPO / "apps" / "viewer" / "dist" / "package.json"  # copied there by `make viewer`
    if installed.is_file():
        assert json.loads(installed.read_text(encoding="utf-8"))["version"] == viewer.MIRADOR_VERSION


def test_the_viewer_url_names_the_manifest():
    url = viewer.viewer_url("http://127.0.0.1:9/", "http://127.0.0.1:9/iiif/档案 1/manifest.json", "en")
    assert url == ("http://127.0.0.1:9/viewer/?manifest=http%3A%2F%2F127.0.0.1%3A9%2Fiiif%2F%E6%A1%A3%E6%A1%88"
                   "+1%2Fmanifest.json&lang=en")
