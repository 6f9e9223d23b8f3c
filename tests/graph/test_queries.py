"""Researchers' access to the built graph: SHACL validation, read-only SPARQL, exports."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import rdflib
from pyoxigraph import RdfFormat, parse
from rdflib.compare import isomorphic

from jiyi.build import open_workspace
from jiyi.errors import JiyiError
from jiyi.graph.export import export
from jiyi.graph.sparql import check_read_only, query_form, run_query
from jiyi.graph.validate import validate_graph, workspace_graph

JIYI = str(Path(sys.executable).parent / "jiyi")
RICO = rdflib.Namespace("https://www.ica.org/standards/RiC/ontology#")
OA = rdflib.Namespace("http://www.w3.org/ns/oa#")
SCHEMA = rdflib.Namespace("https://schema.org/")


def jiyi(*args, stdin=None):
    return subprocess.run([JIYI, *args], capture_output=True, text=True, input=stdin, timeout=600)


@pytest.fixture(scope="module")
def demo(built_demo):
    ws, _ = built_demo
    return open_workspace(ws.root)


def test_the_demo_graph_has_no_shacl_violations(demo):
    ws, config = demo
    result = jiyi("graph", "validate", "--workspace", str(ws.root))
    assert result.returncode == 0, result.stderr
    assert "0 violation(s)" in result.stdout


def test_a_broken_graph_gets_readable_violations(demo):
    ws, config = demo
    data = workspace_graph(ws, config.base_uri, scope="public")
    record = next(data.subjects(rdflib.RDF.type, RICO.Record))
    data.remove((record, RICO.identifier, None))
    place = next(data.subjects(SCHEMA.latitude, None))
    data.set((place, SCHEMA.latitude, rdflib.Literal("north")))
    date = next(data.subjects(RICO.normalizedDateValue, None))
    data.set((date, RICO.normalizedDateValue, rdflib.Literal("民国二十四年")))
    selector = next(data.subjects(rdflib.RDF.type, OA.TextPositionSelector))
    data.set((selector, OA.start, rdflib.Literal(10 ** 6)))

    found = {(v.focus, v.path): str(v) for v in validate_graph(data, config.base_uri)}
    short = lambda node: str(node).removeprefix(config.base_uri)  # noqa: E731
    assert set(found) == {(short(record), "rico:identifier"), (short(place), "schema:latitude"),
                          (short(date), "rico:normalizedDateValue"), (short(selector), "oa:start")}
    assert "needs exactly one identifier (档号)" in found[(short(record), "rico:identifier")]
    assert "(value: north)" in found[(short(place), "schema:latitude")]
    assert "EDTF" in found[(short(date), "rico:normalizedDateValue")]


@pytest.mark.parametrize("query, form", [
    ("SELECT * WHERE { ?s ?p ?o }", "SELECT"),
    ("PREFIX x: <http://x/>\n# INSERT in a comment\nASK { ?s x:p 'DELETE' }", "ASK"),
    ("BASE <http://x/> PREFIX a: <http://a/> INSERT DATA { <s> a:p 1 }", "INSERT"),
    ("  delete where { ?s ?p ?o }", "DELETE"),
    ("DROP ALL", "DROP"),
])
def test_the_query_form_is_read_past_prefixes_comments_and_strings(query, form):
    assert query_form(query) == form


@pytest.mark.parametrize("update", ["INSERT DATA { <http://a> <http://b> <http://c> }", "CLEAR ALL",
                                    "LOAD <http://example.org/x.ttl>", "WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }"])
def test_updates_are_refused_with_the_way_to_change_the_graph(update):
    with pytest.raises(JiyiError) as caught:
        check_read_only(update)
    assert caught.value.code == "E420" and "jiyi build" in str(caught.value)


def test_the_graph_is_unchanged_after_an_update_attempt_through_the_cli(demo):
    ws, _ = demo
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    before = jiyi("sparql", "-f", "json", count, "--workspace", str(ws.root))
    refused = jiyi("sparql", "INSERT DATA { <http://a> <http://b> <http://c> }", "--workspace", str(ws.root))
    after = jiyi("sparql", "-f", "json", count, "--workspace", str(ws.root))
    assert refused.returncode != 0 and "updates are refused" in refused.stderr and "Traceback" not in refused.stderr
    assert json.loads(before.stdout) == json.loads(after.stdout)


def test_a_slow_query_is_stopped_at_its_timeout(demo):
    ws, config = demo
    with pytest.raises(JiyiError) as caught:
        run_query(str(ws.store_dir), "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
                  base_uri=config.base_uri, timeout=1)
    assert caught.value.code == "E422"


def test_rows_are_limited_and_the_cut_is_said(demo):
    ws, _ = demo
    result = jiyi("sparql", "--limit", "3", "-f", "csv", "SELECT ?s WHERE { ?s a rico:Record }", "--workspace", str(ws.root))
    lines = result.stdout.strip().splitlines()
    assert lines[0].strip() == "s" and len(lines) == 4
    assert "cut at 3 rows" in result.stderr


def test_json_results_follow_the_sparql_results_format(demo):
    ws, config = demo
    result = jiyi("sparql", "-f", "json", "--workspace", str(ws.root),
                  'SELECT ?name WHERE { ?p a rico:Person ; rico:name ?name FILTER(STR(?name) = "毛泽东") }')
    answer = json.loads(result.stdout)
    assert answer["head"]["vars"] == ["name"]
    assert answer["results"]["bindings"] == [{"name": {"type": "literal", "value": "毛泽东", "xml:lang": "zh-hans"}}]


def test_public_queries_do_not_see_restricted_records(demo, restricted_records):
    ws, config = demo
    query = "SELECT ?id WHERE { ?r a rico:Record ; rico:identifier ?id }"
    everything = {row[0]["value"] for row in run_query(str(ws.store_dir), query, base_uri=config.base_uri, limit=10**6).rows}
    public = {row[0]["value"] for row in run_query(str(ws.store_dir), query, base_uri=config.base_uri,
                                                     public_only=True, limit=10**6).rows}
    hidden = {r.id for r in restricted_records}
    assert hidden <= everything and not hidden & public and public == everything - hidden
    named = run_query(str(ws.store_dir), "SELECT ?id WHERE { GRAPH ?g { ?r rico:identifier ?id } }",
                      base_uri=config.base_uri, public_only=True, limit=10**6)
    assert not hidden & {row[0]["value"] for row in named.rows}  # not through GRAPH either


def test_public_exports_are_the_same_graph_in_three_syntaxes(demo):
    ws, _ = demo
    folder = ws.public_graph_dir
    turtle = rdflib.Graph().parse(folder / "public.ttl", format="turtle")
    assert len(turtle) > 1000
    assert isomorphic(turtle, rdflib.Graph().parse(folder / "public.nt", format="nt"))
    assert isomorphic(turtle, rdflib.Graph().parse(folder / "public.jsonld", format="json-ld"))
    document = json.loads((folder / "public.jsonld").read_text(encoding="utf-8"))
    assert document["@context"] == json.loads((folder / "context.jsonld").read_text(encoding="utf-8"))["@context"]
    assert document["@context"]["rico"] == str(RICO)


@pytest.mark.parametrize("fmt", ["turtle", "ntriples", "nquads", "trig", "jsonld"])
def test_the_whole_graph_exports_with_restricted_records_and_the_public_without(demo, restricted_records, tmp_path, fmt):
    ws, config = demo
    parse_as = {"turtle": "turtle", "ntriples": "nt", "nquads": "nquads", "trig": "trig", "jsonld": "json-ld"}[fmt]
    secret = restricted_records[0].title
    for scope in ("public", "all"):
        out = tmp_path / f"{scope}.{fmt}"
        count = export(ws, config.base_uri, out, fmt=fmt, scope=scope)
        if fmt in ("nquads", "trig"):  # datasets: read back with Oxigraph (rdflib's readers warn per quad)
            assert sum(1 for _ in parse(path=str(out), format=RdfFormat.from_extension(fmt.replace("nquads", "nq")))) == count
        else:
            assert len(rdflib.Graph().parse(out, format=parse_as)) == count
        assert (secret in out.read_text(encoding="utf-8")) == (scope == "all")
