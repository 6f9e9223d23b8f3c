"""Speed of the Neo4j mirror on a large synthetic graph: first sync, idempotent rerun, 1 % changed.

    .venv/bin/python benchmarks/neo4j_sync.py [--records 10000] [--uri bolt://… --password …]

Without --uri it starts a throw-away Neo4j from tools/neo4j_server.py (run `make neo4j` first).
The graph has the shape graph/triples.py gives a build — records in record sets with
dates and creators, mentions as oa:Annotation with selectors, relations as rdf:Statement —
written straight into the Oxigraph store of a temporary workspace.
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import sys
import tempfile
import time
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Quad

from jiyi.graph.neo4j_mirror import DEFAULT_BATCH, read_graph, sync
from jiyi.graph.store import open_store
from jiyi.graph.vocab import A, LABEL, OA, PROV, RDF, RICO, XSD, Minter
from jiyi.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]
BASE = "https://example.org/jiyi/"


def term(namespace: str, name: str) -> NamedNode:
    return NamedNode(namespace + name)


def synthetic_quads(records: int, edition: int = 0, seed: int = 7) -> list[Quad]:
    """About 45 triples a record; `edition` changes the titles of 1 % of the records."""
    mint, rng = Minter(BASE), random.Random(seed)
    graph = mint.graph("public")
    decimal, integer = NamedNode(XSD + "decimal"), NamedNode(XSD + "integer")
    triples = []
    people = [mint.node("person", f"per-{i}") for i in range(records // 5)]
    places = [mint.node("place", f"loc-{i}") for i in range(records // 10)]
    sets = [mint.node("recordset", f"set-{i}") for i in range(10)]
    dates = [mint.node("date", f"{1900 + i}") for i in range(100)]
    for i, node in enumerate(people):
        triples += [(node, A, term(RICO, "Person")), (node, LABEL, Literal(f"人{i}", language="zh-Hans")),
                    (node, LABEL, Literal(f"Ren {i}", language="en")), (node, term(RICO, "name"), Literal(f"人{i}", language="zh-Hans"))]
    for i, node in enumerate(places):
        triples += [(node, A, term(RICO, "Place")), (node, LABEL, Literal(f"地{i}", language="zh-Hans")),
                    (node, term(RICO, "geographicalCoordinates"), Literal(f"{30 + i % 10},{110 + i % 10}"))]
    for i, node in enumerate(sets):
        triples += [(node, A, term(RICO, "RecordSet")), (node, term(RICO, "title"), Literal(f"全宗{i}", language="zh-Hans"))]
    for i, node in enumerate(dates):
        triples += [(node, A, term(RICO, "Date")), (node, term(RICO, "normalizedDateValue"), Literal(str(1900 + i)))]
    activity = mint.node("activity", "extract")
    triples += [(activity, A, term(PROV, "Activity"))]
    for r in range(records):
        rid = f"R-{r:06d}"
        node = mint.node("record", rid)
        title = f"档案{r}" + (f"（第{edition}版）" if edition and r % 100 == 0 else "")
        triples += [(node, A, term(RICO, "Record")), (node, term(RICO, "identifier"), Literal(rid)),
                    (node, term(RICO, "title"), Literal(title, language="zh-Hans")), (node, LABEL, Literal(title, language="zh-Hans")),
                    (node, term(RICO, "conditionsOfAccess"), Literal("开放")),
                    (node, term(RICO, "isOrWasIncludedIn"), sets[r % len(sets)]),
                    (node, term(RICO, "hasCreationDate"), dates[r % len(dates)]),
                    (node, term(RICO, "hasCreator"), people[rng.randrange(len(people))])]
        for m, entity in enumerate((people[rng.randrange(len(people))], places[rng.randrange(len(places))])):
            annotation = mint.mention(rid, "title", m * 3, m * 3 + 2)
            target, position = NamedNode(annotation.value + "#target"), NamedNode(annotation.value + "#position")
            triples += [(node, term(RICO, "hasOrHadSubject"), entity),
                        (annotation, A, term(OA, "Annotation")), (annotation, term(OA, "hasBody"), entity),
                        (annotation, term(OA, "hasTarget"), target), (annotation, term(PROV, "wasDerivedFrom"), node),
                        (annotation, term(PROV, "wasGeneratedBy"), activity),
                        (annotation, mint.term("method"), Literal("crf")),
                        (annotation, mint.term("confidence"), Literal("0.90", datatype=decimal)),
                        (target, term(OA, "hasSource"), node), (target, term(OA, "hasSelector"), position),
                        (position, A, term(OA, "TextPositionSelector")),
                        (position, term(OA, "start"), Literal(str(m * 3), datatype=integer)),
                        (position, term(OA, "end"), Literal(str(m * 3 + 2), datatype=integer))]
        if r % 5 == 0:  # a relation read in the record: person took part at a place
            person, place = people[rng.randrange(len(people))], places[rng.randrange(len(places))]
            statement = mint.node("assertion", f"{rid}/0")
            triples += [(person, term(RICO, "hasOrHadLocation"), place), (statement, A, NamedNode(RDF + "Statement")),
                        (statement, NamedNode(RDF + "subject"), person),
                        (statement, NamedNode(RDF + "predicate"), term(RICO, "hasOrHadLocation")),
                        (statement, NamedNode(RDF + "object"), place), (statement, term(PROV, "wasDerivedFrom"), node),
                        (statement, mint.term("method"), Literal("same-sentence")),
                        (statement, mint.term("confidence"), Literal("0.50", datatype=decimal))]
    return [Quad(s, p, o, graph) for s, p, o in triples]


def write_store(ws: Workspace, quads: list[Quad]) -> None:
    store = open_store(ws, read_only=False)
    store.clear()
    store.bulk_extend(quads)
    store.flush()
    del store


def wipe(auth: tuple[str, str, str]) -> None:
    import neo4j

    uri, user, password = auth
    with neo4j.GraphDatabase.driver(uri, auth=(user, password)) as driver, driver.session() as session:
        session.run("MATCH (n:Resource) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 2000 ROWS").consume()


def load_server_tool():
    spec = importlib.util.spec_from_file_location("jiyi_neo4j_server", REPO / "tools" / "neo4j_server.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH)
    parser.add_argument("--uri")
    parser.add_argument("--user", default="neo4j")
    parser.add_argument("--password", default="jiyi-bench-password")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="jiyi-neo4j-bench-") as tmp:
        server = None
        if args.uri is None:
            tool = load_server_tool()
            server = tool.start(tool.fetch(), Path(tmp) / "neo4j", password=args.password)
            args.uri = server.uri
        try:
            ws = Workspace(Path(tmp) / "ws")
            quads = synthetic_quads(args.records)
            write_store(ws, quads)
            started = time.perf_counter()
            graph = read_graph(ws)
            read_seconds = time.perf_counter() - started
            items = len(graph.nodes) + len(graph.edges)
            print(f"graph: {len(quads):,} triples → {len(graph.nodes):,} nodes + {len(graph.edges):,} relationships "
                  f"(read from Oxigraph in {read_seconds:.2f} s)")
            auth = (args.uri, args.user, args.password)
            first = sync(ws, *auth, batch_size=args.batch_size)
            print(f"first sync:   {first.seconds:7.2f} s  {items / first.seconds:10,.0f} nodes+relationships/s  "
                  f"({first.server_writes:,} writes in Neo4j)")
            second = sync(ws, *auth, batch_size=args.batch_size)
            print(f"second sync:  {second.seconds:7.2f} s  ({second.server_writes} writes: unchanged graph)")
            write_store(ws, synthetic_quads(args.records, edition=1))
            third = sync(ws, *auth, batch_size=args.batch_size)
            print(f"1 % changed:  {third.seconds:7.2f} s  ({third.nodes_updated} nodes updated, "
                  f"{third.server_writes} writes)")
            wipe(auth)  # the first sync again, now that Neo4j's JIT has compiled the queries
            again = sync(ws, *auth, batch_size=args.batch_size)
            print(f"first sync on a warm server: {again.seconds:7.2f} s  "
                  f"{items / again.seconds:10,.0f} nodes+relationships/s")
        finally:
            if server is not None:
                server.stop()


if __name__ == "__main__":
    main()
