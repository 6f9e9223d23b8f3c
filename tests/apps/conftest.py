"""Fixtures of the app tests: the real page scripts run by AppTest against the demo built once per session."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from google.protobuf import text_format
from streamlit.testing.v1 import AppTest

MAIN = Path(__file__).resolve().parents[2] / "apps" / "main.py"
# Loading the graph and drawing pyvis takes a few seconds on a 2-core machine; AppTest's own default is 3 s.
TIMEOUT = 60


@pytest.fixture(scope="session")
def ws(built_demo):
    workspace, _ = built_demo
    return workspace


@pytest.fixture
def open_page(ws, monkeypatch):
    """open_page("views/item.py", id="RA-1921-001", lang="en") → an AppTest that has run that page.

    The workspace reaches the app as it does under `jiyi app`: through $JIYI_WORKSPACE; the built demo
    unless `workspace=` names another.
    """
    monkeypatch.setenv("JIYI_APP_PUBLIC", "1")  # the public site, as `jiyi app --public` serves it

    def run(page: str | None = None, lang: str = "zh", workspace=None, **query: str) -> AppTest:
        monkeypatch.setenv("JIYI_WORKSPACE", str((workspace or ws).root))
        at = AppTest.from_file(str(MAIN), default_timeout=TIMEOUT)
        at.session_state["lang"] = lang
        at.run()  # the entry first, so st.navigation has registered the pages
        if page:
            at.switch_page(page)
            for key, value in query.items():
                at.query_params[key] = value
            at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return run


@pytest.fixture(scope="session")
def public_records(ws) -> list[dict]:
    """The public records as plain JSON, read without the app's code."""
    return [json.loads(line) for line in ws.public_records_file.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="session")
def exhibit_files(ws) -> list[dict]:
    files = sorted(ws.public_exhibits_dir.glob("*.json"))
    assert files, "the demo must publish at least one exhibit"
    return [json.loads(f.read_text(encoding="utf-8")) for f in files]


def rendered_text(at: AppTest) -> str:
    """Everything a page put on screen: every element's protobuf as text, tables and iframes included."""
    parts: list[str] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(text_format.MessageToString(proto, as_utf8=True))
        try:
            value = getattr(node, "value", None)
        except Exception:  # some widgets' value reads session state they do not hold
            value = None
        if hasattr(value, "to_csv"):  # dataframes and tables travel as Arrow bytes; read them back as text
            parts.append(value.to_csv())
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(parts)


@pytest.fixture
def page_text():
    return rendered_text
