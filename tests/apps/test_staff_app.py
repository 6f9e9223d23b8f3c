"""The staff app: sign-in against WORKSPACE/users.json, pages by role, the researchers' console (real queries)."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from jiyi.apps.users import add_user
from jiyi.workspace import Workspace


PASSWORD = "遵义 1935 conference"
MAIN = Path(__file__).resolve().parents[2] / "apps" / "main.py"
TIMEOUT = 60


@pytest.fixture(scope="module")
def staff_ws(built_demo, tmp_path_factory) -> Workspace:
    """A copy of the built demo with one researcher, so users.json never touches the shared build."""
    ws, _ = built_demo
    copy = Workspace(tmp_path_factory.mktemp("staff") / "demo")
    shutil.copytree(ws.root, copy.root)
    add_user(copy, "li", "researcher", PASSWORD)
    return copy


def app(ws: Workspace, monkeypatch) -> AppTest:
    monkeypatch.setenv("JIYI_WORKSPACE", str(ws.root))
    monkeypatch.delenv("JIYI_APP_PUBLIC", raising=False)
    at = AppTest.from_file(str(MAIN), default_timeout=TIMEOUT)
    at.session_state["lang"] = "en"
    return at


def signed_in(ws: Workspace, monkeypatch) -> AppTest:
    at = app(ws, monkeypatch)
    at.run()
    at.text_input(key="sign_in_name").input("li")
    at.text_input(key="sign_in_password").input(PASSWORD)
    at.button[0].click().run()  # the form's submit button
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_staff_app_shows_nothing_before_sign_in(staff_ws, monkeypatch):
    at = app(staff_ws, monkeypatch)
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Staff sign-in"]
    assert not at.get("dataframe") and not at.get("table")  # no records, no entities


def test_a_wrong_password_is_refused(staff_ws, monkeypatch):
    at = app(staff_ws, monkeypatch)
    at.run()
    at.text_input(key="sign_in_name").input("li")
    at.text_input(key="sign_in_password").input(PASSWORD + "x")
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["Wrong user name or password."]
    assert "jiyi_user" not in at.session_state


def test_a_workspace_without_users_says_how_to_add_one(built_demo, monkeypatch):
    ws, _ = built_demo
    at = app(ws, monkeypatch)
    at.run()
    assert "jiyi users add" in " ".join(c.value for c in at.code)


def test_a_researcher_signs_in_and_queries_the_whole_graph(staff_ws, monkeypatch):
    at = signed_in(staff_ws, monkeypatch)
    assert "Signed in: li (researcher)" in " ".join(c.value for c in at.sidebar.caption)
    at.switch_page("views/console.py").run()
    assert not at.exception, [e.value for e in at.exception]
    at.text_area(key="console_sparql").input(
        "SELECT ?id ?access WHERE { ?r a rico:Record ; rico:identifier ?id ; rico:conditionsOfAccess ?access }")
    at.button(key="run_sparql").click().run()
    assert not at.exception, [e.value for e in at.exception]
    table = at.dataframe[0].value
    records = [json.loads(line) for line in staff_ws.records_file.read_text(encoding="utf-8").splitlines()]
    assert sorted(table["id"]) == sorted(r["id"] for r in records)  # restricted records too: this is staff
    assert {"open"} < set(table["access"])

    at.radio(key="console_scope").set_value("Public graph only").run()
    at.button(key="run_sparql").click().run()
    public_ids = sorted(r["id"] for r in records if r["access"] == "open")
    assert sorted(at.dataframe[0].value["id"]) == public_ids


def test_updates_are_refused_and_downloads_hold_the_rows(staff_ws, monkeypatch):
    at = signed_in(staff_ws, monkeypatch)
    at.switch_page("views/console.py").run()
    at.text_area(key="console_sparql").input("DELETE WHERE { ?s ?p ?o }")
    at.button(key="run_sparql").click().run()
    assert at.error and "E420" in at.error[0].value
    at.text_area(key="console_sparql").input("SELECT ?s WHERE { ?s a rico:Person } LIMIT 5")
    at.button(key="run_sparql").click().run()
    downloads = at.get("download_button")
    assert len(downloads) == 2
    shown = at.dataframe[0].value
    assert len(shown) == 5
    rows = list(csv.reader(io.StringIO(shown.to_csv(index=False))))
    assert rows[0] == ["s"]


def test_the_public_site_has_no_console(built_demo, monkeypatch):
    ws, _ = built_demo
    monkeypatch.setenv("JIYI_WORKSPACE", str(ws.root))
    monkeypatch.setenv("JIYI_APP_PUBLIC", "1")
    at = AppTest.from_file(str(MAIN), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception
    with pytest.raises(Exception):
        at.switch_page("views/console.py").run()


def test_only_curators_get_the_review_page(staff_ws, monkeypatch):
    at = signed_in(staff_ws, monkeypatch)  # li is a researcher
    with pytest.raises(Exception):
        at.switch_page("views/review.py").run()


def test_a_curators_decision_is_written_and_applied_by_the_next_build(built_demo, tmp_path, monkeypatch):
    from jiyi.build import build, open_workspace
    from jiyi.extract.curation import read_decisions
    from jiyi.model import Entity, read_jsonl
    from jiyi.progress import QUIET

    demo, _ = built_demo
    ws = Workspace(tmp_path / "demo")
    shutil.copytree(demo.root, ws.root)
    add_user(ws, "wang", "curator", PASSWORD)
    at = app(ws, monkeypatch)
    at.run()
    at.text_input(key="sign_in_name").input("wang")
    at.text_input(key="sign_in_password").input(PASSWORD)
    at.button[0].click().run()
    at.switch_page("views/review.py").run()
    assert not at.exception, [e.value for e in at.exception]
    rejects = [b for b in at.button if b.key and b.key.startswith("reject_")]
    assert rejects, "the demo has entities to review"
    entity_id = rejects[0].key.removeprefix("reject_")
    rejects[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.success and "reject" in at.success[0].value
    (decision,), _ = read_decisions(ws.decisions_file)
    assert decision.action == "reject" and "wang" in decision.note
    assert not [b for b in at.button if b.key == f"reject_{entity_id}"]  # decided: gone from the queue

    build(ws, open_workspace(ws.root)[1], QUIET)
    assert entity_id not in {e.id for e in read_jsonl(ws.entities_file, Entity)}
