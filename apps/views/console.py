"""Researchers' console: read-only SPARQL over the graph, and Cypher when a Neo4j mirror is configured.

Both go through the same guards as `jiyi sparql` and `jiyi cypher`: updates refused before
they run, a time limit, a row limit. Results show as a table and download as CSV or JSON.
"""

import csv
import io
import json
import os

import pandas as pd
import streamlit as st

from jiyi.apps import data
from jiyi.apps.auth import current_user
from jiyi.apps.i18n import t
from jiyi.build import open_workspace
from jiyi.errors import JiyiError

EXAMPLE_SPARQL = """SELECT ?person ?name (COUNT(DISTINCT ?record) AS ?records) WHERE {
  ?record rico:hasOrHadSubject ?person .
  ?person a rico:Person ; rico:name ?name .
} GROUP BY ?person ?name ORDER BY DESC(?records) LIMIT 20"""
EXAMPLE_CYPHER = "MATCH (p:Person)<-[:HAS_OR_HAD_SUBJECT]-(r:Record) RETURN p.name AS person, count(r) AS records " \
                 "ORDER BY records DESC LIMIT 20"
RESULT_KEY = "console_result"

if current_user() is None:  # navigation offers this page to signed-in users only; a guard all the same
    st.stop()

ws, config = open_workspace(data.workspace_root())
st.title(t("nav_console"))
left, middle, right = st.columns(3)
limit = left.number_input(t("row_limit"), min_value=1, max_value=100_000, value=1000, step=100)
timeout = middle.number_input(t("time_limit"), min_value=1, max_value=300, value=30)
neo4j_uri, neo4j_password = os.environ.get("NEO4J_URI", ""), os.environ.get("NEO4J_PASSWORD", "")
language = right.radio(t("query_language"), ["SPARQL", "Cypher"], horizontal=True, key="console_language")


def cell(term) -> str:
    """A SPARQL JSON term, or a Cypher value, as shown in a table cell and a CSV."""
    if isinstance(term, dict):
        return term.get("value", "")
    return "" if term is None else term if isinstance(term, str) else json.dumps(term, ensure_ascii=False)


def run_sparql(query: str, public_only: bool) -> dict:
    from jiyi.graph.sparql import run_query

    result = run_query(str(ws.store_dir), query, base_uri=config.base_uri, public_only=public_only,
                       limit=int(limit), timeout=float(timeout))
    if result.kind == "ask":
        return {"columns": ["ask"], "rows": [[str(result.boolean).lower()]], "cut": False,
                "json": {"head": {}, "boolean": result.boolean}}
    bindings = [{name: term for name, term in zip(result.columns, row) if term is not None} for row in result.rows]
    return {"columns": result.columns, "rows": [[cell(term) for term in row] for row in result.rows],
            "cut": result.truncated, "json": {"head": {"vars": result.columns}, "results": {"bindings": bindings}}}


def run_neo4j(query: str) -> dict:
    from jiyi.graph.cypher import run_cypher

    result = run_cypher(neo4j_uri, os.environ.get("NEO4J_USER", "neo4j"), neo4j_password, query,
                        limit=int(limit), timeout=float(timeout))
    return {"columns": result.columns, "rows": [[cell(value) for value in row] for row in result.rows],
            "cut": result.cut, "json": [dict(zip(result.columns, row)) for row in result.rows]}


if language == "SPARQL":
    # The options are the labels themselves: a format_func would run outside the page in tests.
    scope = st.radio(t("scope"), [t("scope_all"), t("scope_public")], horizontal=True, key="console_scope")
    query = st.text_area("SPARQL", EXAMPLE_SPARQL, height=180, key="console_sparql")
    st.caption(t("sparql_hint"))
    run = st.button(t("run_query"), key="run_sparql", type="primary")
    runner = lambda: run_sparql(query, scope == t("scope_public"))  # noqa: E731
elif neo4j_uri and neo4j_password:
    query = st.text_area("Cypher", EXAMPLE_CYPHER, height=120, key="console_cypher")
    st.caption(t("cypher_hint", uri=neo4j_uri))
    run = st.button(t("run_query"), key="run_cypher", type="primary")
    runner = lambda: run_neo4j(query)  # noqa: E731
else:
    st.info(t("no_neo4j"))
    st.code(f"jiyi neo4j sync --workspace {ws.root}\nNEO4J_URI=bolt://127.0.0.1:7687 NEO4J_PASSWORD=… jiyi app "
            f"--workspace {ws.root}", language="bash")
    st.stop()

if run:
    try:
        st.session_state[RESULT_KEY] = runner()
    except JiyiError as error:
        st.session_state.pop(RESULT_KEY, None)
        st.error(f"{error.code}: {error.message}")
        st.info(error.fix)

result = st.session_state.get(RESULT_KEY)
if result:
    shown = t("rows_cut", n=len(result["rows"])) if result["cut"] else t("rows", n=len(result["rows"]))
    st.caption(shown)
    st.dataframe(pd.DataFrame(result["rows"], columns=result["columns"]), hide_index=True, width="stretch")
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([result["columns"], *result["rows"]])
    left, right = st.columns(2)
    left.download_button(t("download_csv"), out.getvalue().encode("utf-8"), "result.csv", "text/csv", key="csv")
    right.download_button(t("download_json"), json.dumps(result["json"], ensure_ascii=False, indent=1).encode("utf-8"),
                          "result.json", "application/json", key="json")
