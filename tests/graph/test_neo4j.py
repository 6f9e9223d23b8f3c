"""The Neo4j mirror against a real Neo4j 5.26 server: counts, provenance, idempotence, increments, errors."""

from __future__ import annotations

import csv
import io
import shutil
import socket
import time

import neo4j
import pytest
import typer
from typer.testing import CliRunner

from jiyi.build import build, open_workspace
from jiyi.errors import JiyiError
from jiyi.graph import neo4j_mirror
from jiyi.graph.neo4j_cli import cypher_command, neo4j_app
from jiyi.graph.cypher import run_cypher
from jiyi.graph.neo4j_mirror import read_graph, sync
from jiyi.graph.store import open_store
from jiyi.graph.vocab import RICO
from jiyi.progress import QUIET
from jiyi.workspace import Workspace

from helpers import DEMO_SOURCE

# Mirror label → the RiC-O classes it stands for.
LABEL_CLASSES = {
    "Person": ["Person"], "Organization": ["CorporateBody", "Agent"], "Place": ["Place"], "Event": ["Event"],
    "Record": ["Record"], "RecordSet": ["RecordSet"], "Date": ["Date", "DateRange", "SingleDate"],
}


def cypher(server, query: str, **params) -> list[dict]:
    uri, user, password = server
    with neo4j.GraphDatabase.driver(uri, auth=(user, password), notifications_min_severity="OFF") as driver:
        return [record.data() for record in driver.execute_query(query, params).records]


def sparql(ws: Workspace, query: str) -> list:
    store = open_store(ws)
    try:
        return [[term.value if term is not None else None for term in row] for row in store.query(query)]
    finally:
        del store


def public_graph(ws: Workspace) -> str:
    return f"<{open_workspace(ws.root)[1].base_uri}graph/public>"


def rdf_count(ws: Workspace, classes: list[str]) -> int:
    values = " ".join(f"<{RICO}{name}>" for name in classes)
    query = (f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH {public_graph(ws)} {{ ?s a ?t VALUES ?t {{ {values} }} }} }}")
    return int(sparql(ws, query)[0][0])


def fresh_demo(root) -> Workspace:
    shutil.copytree(DEMO_SOURCE, root)
    ws, config = open_workspace(root)
    build(ws, config, QUIET)
    return ws


def test_sync_mirrors_the_public_graph_with_the_stores_counts(built_demo, neo4j_db):
    ws, _ = built_demo
    report = sync(ws, *neo4j_db)

    for label, classes in LABEL_CLASSES.items():
        mirrored = cypher(neo4j_db, f"MATCH (n:{label}) RETURN count(n) AS n")[0]["n"]
        assert mirrored == rdf_count(ws, classes), label
    # Links: distinct triples between two RiC-O-typed nodes, other than rdf:type.
    links = int(sparql(ws, f"""PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?p ?o WHERE {{ GRAPH {public_graph(ws)} {{
            ?s ?p ?o . ?s a ?st . ?o a ?ot
            FILTER(?p != rdf:type && STRSTARTS(STR(?st), "{RICO}") && STRSTARTS(STR(?ot), "{RICO}")) }} }} }}""")[0][0])
    assert cypher(neo4j_db, "MATCH (:Resource)-[r]->(:Resource) RETURN count(r) AS n")[0]["n"] == links
    assert report.nodes_created == cypher(neo4j_db, "MATCH (n:Resource) RETURN count(n) AS n")[0]["n"]
    assert report.counters["nodes_created"] == report.nodes_created
    assert report.counters["relationships_created"] == report.relationships_created == links

    # Provenance machinery is folded into relationships, never mirrored as nodes.
    assert cypher(neo4j_db, "MATCH (n) WHERE n.uri CONTAINS '/mention/' OR n.uri CONTAINS '/assertion/' "
                            "OR n.uri CONTAINS '/activity/' RETURN count(n) AS n")[0]["n"] == 0
    # Labels keep their language in the key, in the tag's usual case: "…"@zh-Hans → label_zh_Hans.
    uri = sparql(ws, f"""SELECT ?p WHERE {{ GRAPH {public_graph(ws)} {{ ?p a <{RICO}Person> }} }} LIMIT 1""")[0][0]
    labels = {(lang, label) for label, lang in sparql(ws, f"""SELECT ?label (LANG(?label) AS ?lang) WHERE {{
        GRAPH {public_graph(ws)} {{ <{uri}> <http://www.w3.org/2000/01/rdf-schema#label> ?label }} }}""")}
    person = cypher(neo4j_db, "MATCH (p:Person {uri: $uri}) RETURN p", uri=uri)[0]["p"]
    keys = {"zh-hans": "label_zh_Hans", "zh-hant": "label_zh_Hant", "zh-latn-pinyin": "label_zh_Latn_pinyin", "en": "label_en"}
    assert {lang for lang, _ in labels} >= {"zh-hans", "zh-hant", "zh-latn-pinyin"}
    for lang, label in labels:
        value = person[keys[lang]]
        assert label in (value if isinstance(value, list) else [value])
    assert person["public"] is True
    subject = cypher(neo4j_db, "MATCH (:Record)-[r:HAS_OR_HAD_SUBJECT]->(:Person) RETURN properties(r) AS r LIMIT 1")[0]["r"]
    assert subject["predicate"] == RICO + "hasOrHadSubject"
    constraints = cypher(neo4j_db, "SHOW CONSTRAINTS YIELD labelsOrTypes, properties RETURN labelsOrTypes, properties")
    assert {"labelsOrTypes": ["Resource"], "properties": ["uri"]} in constraints


def test_relationships_carry_the_provenance_of_statements_and_mentions(built_demo, neo4j_db):
    ws, _ = built_demo
    sync(ws, *neo4j_db)
    statement = sparql(ws, f"""PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        SELECT ?s ?p ?o ?id ?method ?confidence WHERE {{ GRAPH {public_graph(ws)} {{
            ?st a rdf:Statement ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ;
                <http://www.w3.org/ns/prov#wasDerivedFrom> ?record ; ?m ?method ; ?c ?confidence .
            ?record <{RICO}identifier> ?id .
            FILTER(STRENDS(STR(?m), "ns#method") && STRENDS(STR(?c), "ns#confidence")) }} }} LIMIT 1""")[0]
    s, p, o, record_id, method, confidence = statement
    found = cypher(neo4j_db, "MATCH (:Resource {uri: $s})-[r {predicate: $p}]->(:Resource {uri: $o}) RETURN properties(r) AS r",
                   s=s, p=p, o=o)
    assert len(found) == 1
    relation = found[0]["r"]
    assert record_id in relation["records"] and method in relation["methods"]
    assert relation["confidence"] >= float(confidence) and relation["evidence"] >= 1

    mention = sparql(ws, f"""SELECT ?record ?entity ?method WHERE {{ GRAPH {public_graph(ws)} {{
            ?a a <http://www.w3.org/ns/oa#Annotation> ; <http://www.w3.org/ns/oa#hasBody> ?entity ;
               <http://www.w3.org/ns/prov#wasDerivedFrom> ?record ; ?m ?method . ?entity a <{RICO}Person>
            FILTER(STRENDS(STR(?m), "ns#method")) }} }} LIMIT 1""")[0]
    link = cypher(neo4j_db, "MATCH (:Record {uri: $r})-[l:HAS_OR_HAD_SUBJECT]->(:Person {uri: $e}) RETURN properties(l) AS l",
                  r=mention[0], e=mention[1])[0]["l"]
    assert mention[2] in link["methods"] and link["evidence"] >= 1 and 0 < link["confidence"] <= 1


def test_a_second_sync_of_the_same_graph_writes_nothing(built_demo, neo4j_db):
    ws, _ = built_demo
    first = sync(ws, *neo4j_db)
    second = sync(ws, *neo4j_db)
    assert first.server_writes > 0
    assert (second.nodes_created, second.nodes_updated, second.nodes_deleted) == (0, 0, 0)
    assert (second.relationships_created, second.relationships_updated, second.relationships_deleted) == (0, 0, 0)
    assert second.nodes_unchanged == first.nodes_created
    assert second.relationships_unchanged == first.relationships_created
    assert second.counters == {} and second.server_writes == 0  # Neo4j's own counters: nothing written


def test_a_rebuild_writes_only_what_changed_and_deletes_what_vanished(tmp_path, neo4j_db):
    ws = fresh_demo(tmp_path / "demo")
    sync(ws, *neo4j_db)
    before = read_graph(ws)
    # User data in the same database must survive the mirror's deletions.
    cypher(neo4j_db, "CREATE (:Note {text: 'mine'}) CREATE (:Resource {uri: 'urn:user:1'})")

    catalogue = ws.root / "sources" / "memory_of_the_world.csv"
    rows = list(csv.reader(io.StringIO(catalogue.read_text(encoding="utf-8"))))
    header, changed, removed = rows[0], rows[1], rows[-1]
    changed[header.index("题名")] += "（修订）"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows[:-1])
    catalogue.write_text(out.getvalue(), encoding="utf-8")
    build(ws, open_workspace(ws.root)[1], QUIET)
    after = read_graph(ws)

    report = sync(ws, *neo4j_db)
    # What the mirror should write follows from the two graphs, node by node.
    created = after.nodes.keys() - before.nodes.keys()
    deleted = before.nodes.keys() - after.nodes.keys()
    updated = {u for u in after.nodes.keys() & before.nodes.keys() if after.nodes[u] != before.nodes[u]}
    assert (report.nodes_created, report.nodes_updated, report.nodes_deleted) == (len(created), len(updated), len(deleted))
    assert report.nodes_unchanged == len(after.nodes) - len(created) - len(updated)
    assert 1 <= len(deleted) and len(updated) + len(created) + len(deleted) < len(after.nodes) / 10  # only a few
    assert report.counters.get("nodes_deleted", 0) == len(deleted)
    assert report.counters.get("nodes_created", 0) == len(created)
    gone_edges = before.edges.keys() - after.edges.keys()
    assert report.relationships_deleted == report.counters.get("relationships_deleted", 0) == len(gone_edges)

    assert cypher(neo4j_db, "MATCH (r:Record {identifier: $id}) RETURN r", id=removed[0]) == []
    record = cypher(neo4j_db, "MATCH (r:Record {identifier: $id}) RETURN properties(r) AS r", id=changed[0])[0]["r"]
    titles = [v for k, v in record.items() if k.startswith("title")]  # title_zh_Hans or so: the tag is the graph's
    assert any(str(v).endswith("（修订）") for v in titles), record
    assert cypher(neo4j_db, "MATCH (n:Note) RETURN count(n) AS n")[0]["n"] == 1
    assert cypher(neo4j_db, "MATCH (n:Resource {uri: 'urn:user:1'}) RETURN count(n) AS n")[0]["n"] == 1
    assert sync(ws, *neo4j_db).server_writes == 0


def test_a_sync_that_fails_midway_is_repaired_by_the_next(built_demo, neo4j_db, monkeypatch):
    ws, _ = built_demo
    real_batch, calls = neo4j_mirror.run_batch, []

    def failing_batch(tx, query, rows):
        calls.append(len(rows))
        if len(calls) >= 3:  # and on the driver's own retries
            raise neo4j.exceptions.ServiceUnavailable("connection lost (simulated)")
        return real_batch(tx, query, rows)

    monkeypatch.setattr(neo4j_mirror, "run_batch", failing_batch)
    with pytest.raises(JiyiError) as caught:
        sync(ws, *neo4j_db, batch_size=100)
    assert caught.value.code == "E451" and "rerun" in caught.value.fix
    assert cypher(neo4j_db, "MATCH (n:Resource) RETURN count(n) AS n")[0]["n"] == 200  # two whole batches
    monkeypatch.setattr(neo4j_mirror, "run_batch", real_batch)

    repair = sync(ws, *neo4j_db, batch_size=100)
    assert repair.nodes_unchanged == 200 and repair.nodes_created > 0
    assert sync(ws, *neo4j_db).server_writes == 0
    reference = read_graph(ws)
    assert cypher(neo4j_db, "MATCH (n:Resource) RETURN count(n) AS n")[0]["n"] == len(reference.nodes)
    assert cypher(neo4j_db, "MATCH (:Resource)-[r]->(:Resource) RETURN count(r) AS n")[0]["n"] == len(reference.edges)


def test_restricted_records_are_mirrored_only_when_asked(built_demo, restricted_records, neo4j_db):
    ws, _ = built_demo
    ids = [r.id for r in restricted_records]
    query = "MATCH (r:Record) WHERE r.identifier IN $ids RETURN r.identifier AS id, r.public AS public"
    sync(ws, *neo4j_db)
    assert cypher(neo4j_db, query, ids=ids) == []
    assert cypher(neo4j_db, "MATCH (n:Resource) WHERE n.public <> true RETURN count(n) AS n")[0]["n"] == 0

    sync(ws, *neo4j_db, include_restricted=True)
    found = cypher(neo4j_db, query, ids=ids)
    assert sorted(row["id"] for row in found) == sorted(ids) and all(row["public"] is False for row in found)
    assert cypher(neo4j_db, "MATCH (r:Record) WHERE r.public = true RETURN count(r) AS n")[0]["n"] == rdf_count(ws, ["Record"])

    back = sync(ws, *neo4j_db)  # public only again: the restricted part is taken out
    assert back.nodes_deleted > 0 and cypher(neo4j_db, query, ids=ids) == []


def test_run_cypher_reads_refuses_writes_and_honours_the_limit(built_demo, neo4j_db):
    ws, _ = built_demo
    sync(ws, *neo4j_db)
    columns, rows = run_cypher(*neo4j_db, "MATCH (p:Person) RETURN count(p) AS people")
    assert columns == ["people"] and rows == [[rdf_count(ws, ["Person"])]]

    for write in ("CREATE (n:Resource {uri: 'x'}) RETURN n", "MERGE (n:Thing {a: 1})",
                  "MATCH (p:Person) SET p.hacked = true", "MATCH (n) DETACH DELETE n"):
        with pytest.raises(JiyiError) as caught:
            run_cypher(*neo4j_db, write)
        assert "Cypher writes are refused" in caught.value.message, write
    assert cypher(neo4j_db, "MATCH (n) WHERE n.hacked OR n:Thing OR n.uri = 'x' RETURN count(n) AS n")[0]["n"] == 0

    cut = run_cypher(*neo4j_db, "UNWIND range(1, 50) AS i RETURN i", limit=10)
    assert len(cut.rows) == 10 and cut.cut
    whole = run_cypher(*neo4j_db, "UNWIND range(1, 50) AS i RETURN i", limit=100)
    assert len(whole.rows) == 50 and not whole.cut


def test_neo4j_down_is_a_clear_error_after_retries(built_demo):
    ws, _ = built_demo
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"bolt://127.0.0.1:{probe.getsockname()[1]}"
    with pytest.raises(JiyiError) as caught:
        sync(ws, closed, "neo4j", "whatever-pass", retries=3, retry_wait=0.01)
    assert caught.value.code == "E451" and closed in caught.value.message and "after 3 tries" in caught.value.message
    assert "is Neo4j running?" in caught.value.fix


def test_a_wrong_password_fails_at_once_without_retries(built_demo, neo4j_server):
    ws, _ = built_demo
    uri, user, _ = neo4j_server
    started = time.monotonic()
    with pytest.raises(JiyiError) as caught:
        sync(ws, uri, user, "not-the-password", retries=5, retry_wait=3.0)
    assert time.monotonic() - started < 3.0  # a retry would have waited 3 s
    assert caught.value.code == "E452" and "--password" in caught.value.fix


def test_no_graph_built_is_the_store_error(tmp_path):
    with pytest.raises(JiyiError) as caught:  # the graph is read before Neo4j is called
        sync(Workspace(tmp_path), "bolt://127.0.0.1:7687", "neo4j", "unused-password")
    assert caught.value.code == "E401"


def test_the_commands_sync_and_query(built_demo, neo4j_db):
    ws, _ = built_demo
    uri, user, password = neo4j_db
    cli = typer.Typer()
    cli.add_typer(neo4j_app, name="neo4j")
    cli.command("cypher")(cypher_command)
    env = {"NEO4J_PASSWORD": password}
    runner = CliRunner()

    synced = runner.invoke(cli, ["neo4j", "sync", "--uri", uri, "--workspace", str(ws.root), "-q"], env=env)
    assert synced.exit_code == 0, synced.output
    assert "nodes" in synced.output and "created" in synced.output

    asked = runner.invoke(cli, ["cypher", "MATCH (r:Record) RETURN r.identifier AS id ORDER BY id", "--uri", uri,
                                "--format", "csv", "--limit", "3"], env=env)
    assert asked.exit_code == 0, asked.output
    assert asked.stdout.splitlines()[0] == "id" and len(asked.stdout.splitlines()) == 4
    assert "cut" in asked.stderr

    refused = runner.invoke(cli, ["cypher", "CREATE (n) RETURN n", "--uri", uri], env=env)
    assert refused.exit_code == 1 and "Cypher writes are refused" in refused.stderr


def test_bench_graph_times_the_neo4j_sync_and_its_idempotent_rerun(neo4j_db):
    import re
    import subprocess
    import sys
    from pathlib import Path

    uri, user, password = neo4j_db
    result = subprocess.run([str(Path(sys.executable).parent / "jiyi"), "bench", "graph", "--triples", "30000",
                             "--queries", "2", "--neo4j-uri", uri, "--neo4j-user", user, "--neo4j-password", password],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    synced = re.search(r"Neo4j sync of ([\d,]+) nodes \+ ([\d,]+) relationships", result.stdout)
    assert synced and int(synced[1].replace(",", "")) > 500 and int(synced[2].replace(",", "")) > 1000
    assert re.search(r"^first sync\s+[\d.]+ s\s+[\d,]+ nodes\+relationships/s", result.stdout, re.M)
    assert re.search(r"^second sync\s+[\d.]+ s\s+0 writes", result.stdout, re.M)
    assert "not a cold one" not in result.stdout  # the database was emptied first


def test_the_mirror_sums_each_links_evidence_from_the_extraction_output(built_demo):
    """read_graph adds up annotations with SPARQL aggregates; the counts must be the mentions extraction wrote."""
    from jiyi.model import EntityType, Mention, read_jsonl

    ws, _ = built_demo
    graph = read_graph(ws)
    records = {node.props.get("identifier"): uri for uri, node in graph.nodes.items() if "Record" in node.labels}
    expected: dict[tuple[str, str], int] = {}
    for mention in read_jsonl(ws.mentions_file, Mention):
        if mention.record_id in records and mention.type is not EntityType.TIME and mention.entity_id:
            key = (mention.record_id, mention.entity_id)
            expected[key] = expected.get(key, 0) + 1
    subject_links = [e for e in graph.edges.values() if e.predicate == RICO + "hasOrHadSubject"]
    assert subject_links
    for edge in subject_links:
        (record_id,) = edge.evidence.records
        entity_id = edge.object.rsplit("/", 1)[-1]
        assert edge.evidence.count == expected[(record_id, entity_id)], edge.key
    assert sum(e.evidence.count for e in subject_links) == sum(expected.values())
