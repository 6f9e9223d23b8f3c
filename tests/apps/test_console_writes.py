"""Writes through the researchers' console are refused, and the graph is the same afterwards (issue 8, bad input).

tests/apps/test_staff_app.py tries one `DELETE WHERE` in the console and tests/graph/test_queries.py
the keyword check alone; here every SPARQL update form, disguised as a reader could disguise it,
goes through the console's own button, and the store is compared before and after. Cypher writes
go through the console to a real Neo4j (the one Neo4j server of the test run, tests/conftest.py), whose
READ sessions must refuse them; a node written beforehand must survive.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from jiyi.apps.users import add_user
from jiyi.workspace import Workspace

PASSWORD = "遵义 1935 conference"
MAIN = Path(__file__).resolve().parents[2] / "apps" / "main.py"
TIMEOUT = 60

SPARQL_WRITES = [
    "INSERT DATA { <http://evil.example/s> <http://evil.example/p> 'x' }",
    "insert data { <http://evil.example/s> <http://evil.example/p> 'x' }",  # keywords in any case
    "# a comment first\nDELETE WHERE { ?s ?p ?o }",
    "PREFIX ex: <http://evil.example/>\nPREFIX rico: <https://www.ica.org/standards/RiC/ontology#>\n"
    "DELETE { ?r rico:title ?t } INSERT { ?r rico:title 'hacked' } WHERE { ?r rico:title ?t }",
    "BASE <http://evil.example/>\nWITH <http://evil.example/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "LOAD <file:///etc/passwd>",
    "CLEAR ALL", "DROP DEFAULT", "CREATE GRAPH <http://evil.example/g>",
    "COPY DEFAULT TO <http://evil.example/g>", "MOVE DEFAULT TO <http://evil.example/g>",
    "ADD DEFAULT TO <http://evil.example/g>",
]
# A query first, an update after it: these pass the keyword check, so the engine must refuse them.
SMUGGLED_WRITES = [
    "SELECT * WHERE { ?s ?p ?o } LIMIT 1 ; INSERT DATA { <http://evil.example/s> <http://evil.example/p> 'x' }",
    "ASK {} ; DROP ALL",
]
CYPHER_WRITES = [
    "CREATE (n:Hacked {by: 'console'}) RETURN n",
    "MERGE (n:Hacked {by: 'console'}) RETURN n",
    "MATCH (n:Sentinel) SET n.hacked = true RETURN n",
    "MATCH (n:Sentinel) REMOVE n.kept RETURN n",
    "MATCH (n) DETACH DELETE n",
    "match (n:Sentinel) detach delete n",
    "CALL db.createLabel('Hacked')",
    "UNWIND [1, 2] AS i CREATE (:Hacked {i: i})",
    "LOAD CSV FROM 'file:///etc/hostname' AS line CREATE (:Hacked {line: line[0]})",
]


@pytest.fixture(scope="module")
def staff_ws(built_demo, tmp_path_factory) -> Workspace:
    """A copy of the built demo with one researcher, so the shared build is never at risk."""
    ws, _ = built_demo
    copy = Workspace(tmp_path_factory.mktemp("console-writes") / "demo")
    shutil.copytree(ws.root, copy.root)
    add_user(copy, "li", "researcher", PASSWORD)
    return copy


def console(ws: Workspace, monkeypatch) -> AppTest:
    """The console page of the staff app, signed in as a researcher, in English."""
    monkeypatch.setenv("JIYI_WORKSPACE", str(ws.root))
    monkeypatch.delenv("JIYI_APP_PUBLIC", raising=False)
    at = AppTest.from_file(str(MAIN), default_timeout=TIMEOUT)
    at.session_state["lang"] = "en"
    at.run()
    at.text_input(key="sign_in_name").input("li")
    at.text_input(key="sign_in_password").input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    at.switch_page("views/console.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def store_contents(ws: Workspace) -> list[str]:
    """Every quad of the workspace's store, as text, in order: what a write would change."""
    from pyoxigraph import Store

    return sorted(str(quad) for quad in Store.read_only(str(ws.store_dir)))


def try_sparql(ws: Workspace, monkeypatch, writes: list[str]) -> None:
    """Each write through the console's button: refused with an error, no table, the store unchanged."""
    before = store_contents(ws)
    files_before = {p: p.stat().st_mtime_ns for p in ws.store_dir.rglob("*") if p.is_file()}
    at = console(ws, monkeypatch)
    for update in writes:
        at.text_area(key="console_sparql").input(update)
        at.button(key="run_sparql").click().run()
        assert not at.exception, (update, [e.value for e in at.exception])
        assert at.error and at.error[0].value.startswith(("E420", "E421", "E424", "E425")), (update, at.error)
        assert not at.get("dataframe"), update  # no result table for a refused write
    assert store_contents(ws) == before
    # nothing was written to the store's files either (a read-only open leaves them as they were)
    assert {p: p.stat().st_mtime_ns for p in files_before} == files_before


def test_sparql_updates_in_any_disguise_are_refused_and_change_nothing(staff_ws, monkeypatch):
    try_sparql(staff_ws, monkeypatch, SPARQL_WRITES)


def test_an_update_smuggled_after_a_query_is_refused_and_changes_nothing(staff_ws, monkeypatch):
    try_sparql(staff_ws, monkeypatch, SMUGGLED_WRITES)


def test_cypher_writes_through_the_console_are_refused_and_change_nothing(staff_ws, neo4j_server, monkeypatch):
    import neo4j

    uri, user, password = neo4j_server
    with neo4j.GraphDatabase.driver(uri, auth=(user, password)) as driver:
        driver.execute_query("MATCH (n) DETACH DELETE n")
        driver.execute_query("CREATE (:Sentinel {kept: 'yes'})")  # written by the operator, outside the console
    monkeypatch.setenv("NEO4J_URI", uri)
    monkeypatch.setenv("NEO4J_USER", user)
    monkeypatch.setenv("NEO4J_PASSWORD", password)
    at = console(staff_ws, monkeypatch)
    at.radio(key="console_language").set_value("Cypher").run()
    for write in CYPHER_WRITES:
        at.text_area(key="console_cypher").input(write)
        at.button(key="run_cypher").click().run()
        assert not at.exception, (write, [e.value for e in at.exception])
        assert at.error and at.error[0].value.startswith(("E454", "E456")), (write, at.error)
    # a read goes through the same button: the refusals above are not the console being broken
    at.text_area(key="console_cypher").input("MATCH (n:Sentinel) RETURN n.kept AS kept")
    at.button(key="run_cypher").click().run()
    assert not at.error and list(at.dataframe[0].value["kept"]) == ["yes"]
    with neo4j.GraphDatabase.driver(uri, auth=(user, password)) as driver:
        rows = driver.execute_query("MATCH (n) RETURN labels(n) AS labels, properties(n) AS properties").records
    assert [(r["labels"], r["properties"]) for r in rows] == [(["Sentinel"], {"kept": "yes"})]
