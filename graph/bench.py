"""`jiyi bench graph`: build ~1M triples from extraction output into Oxigraph and into rdflib's memory store,
then time the explorer's queries on the Oxigraph store.

The extraction output is the demo's, copied until the graph reaches the target size:
each copy gets its own record ids, and entities come in eight variants, so the graph
grows in records, people and places alike. Each store is built in a child process of
its own. "triples s" is making the triples (the same code for both); "load s" is putting them
into the store; "load MB" is the growth of resident memory that holding them takes (peak
after, minus before; for rdflib this includes its terms, which its store keeps). "peak MB" is the child's whole peak, which includes the
extraction output it was given.

    jiyi bench graph [--triples 1000000] [--queries 50] [--neo4j-uri bolt://127.0.0.1:7687 --neo4j-password …]
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import resource
import shutil
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import rdflib
from pyoxigraph import BlankNode, Literal, NamedNode, Quad, Store

import jiyi
from jiyi.model import Assertion, Entity, Mention, Record, read_jsonl
from jiyi.workspace import Workspace

from . import queries
from .store import load_quads
from .triples import TripleMaker
from .vocab import Minter

DEMO = Path(jiyi.__file__).resolve().parent / "demo"  # the bundled demo, wherever jiyi is installed
ENTITY_VARIANTS = 8
BASE = "https://example.org/jiyi/"


def demo_extraction(folder: Path) -> tuple[list[Record], list[Mention], list[Entity], list[Assertion]]:
    from jiyi.build import build, open_workspace
    from jiyi.progress import QUIET

    root = folder / "demo"
    shutil.copytree(DEMO, root)
    ws, config = open_workspace(root)
    build(ws, config, QUIET, stages=["ingest", "extract"])
    return (list(read_jsonl(ws.records_file, Record)), list(read_jsonl(ws.mentions_file, Mention)),
            list(read_jsonl(ws.entities_file, Entity)), list(read_jsonl(ws.assertions_file, Assertion)))


def scaled(extraction, copies: int):
    """`copies` copies of the extraction output, with fresh record ids and entities in variants."""
    records, mentions, entities, assertions = extraction
    out_records, out_mentions, out_assertions, out_entities = [], [], [], {}
    for copy in range(copies):
        variant = copy % ENTITY_VARIANTS
        rename = lambda entity_id: f"{entity_id}~{variant}" if entity_id else entity_id  # noqa: E731
        out_records += [replace(r, id=f"{r.id}~{copy}") for r in records]
        out_mentions += [replace(m, record_id=f"{m.record_id}~{copy}", entity_id=rename(m.entity_id)) for m in mentions]
        out_assertions += [replace(a, record_id=f"{a.record_id}~{copy}", subject=rename(a.subject), object=rename(a.object))
                           for a in assertions]
        for entity in entities:
            label = entity.label if entity.type.value == "TIME" else f"{entity.label}{variant or ''}"
            out_entities.setdefault(rename(entity.id), replace(entity, id=rename(entity.id), label=label))
    return out_records, out_mentions, list(out_entities.values()), out_assertions


def make_quads(extraction) -> list[Quad]:
    records, mentions, entities, assertions = extraction
    minter = Minter(BASE)
    graph = minter.graph("public")
    parts = TripleMaker(minter, entities, {}).build(records, mentions, assertions)
    quads = [Quad(*t, graph) for triples in parts.record_triples.values() for t in triples]
    return quads + [Quad(*t, graph) for node in parts.shared.values() for t in node.triples]


def _rdflib_term(term):
    if isinstance(term, NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, BlankNode):
        return rdflib.BNode(term.value)
    if isinstance(term, Literal):
        return rdflib.Literal(term.value, lang=term.language) if term.language else rdflib.Literal(term.value, datatype=term.datatype.value)
    raise TypeError(term)


def _build_in_child(kind: str, extraction, store_dir: str, sender) -> None:
    """Extraction output → triples → the store; sends seconds per step and the peak RSS."""
    started = time.perf_counter()
    quads = make_quads(extraction)
    made = time.perf_counter()
    before_mb = _resident_mb()
    if kind == "rdflib":  # rdflib code would make rdflib terms instead: converted here, outside the timing
        rows = [(_rdflib_term(q.subject), _rdflib_term(q.predicate), _rdflib_term(q.object)) for q in quads]
        del quads  # the store keeps these terms, so they count in its memory (before_mb is taken above)
    loading = time.perf_counter()
    if kind == "oxigraph":
        store = Store(store_dir)
        load_quads(store, quads)  # as the graph stage does
        count = len(store)
    else:  # rdflib's default in-memory store
        dataset = rdflib.Dataset()
        graph = dataset.graph(rdflib.URIRef(BASE + "graph/public"))
        graph.addN((s, p, o, graph) for s, p, o in rows)
        count = len(graph)
    done = time.perf_counter()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    sender.send({"triples": count, "make": made - started, "load": done - loading, "store_mb": peak_mb - before_mb,
                 "peak_mb": peak_mb})


def _resident_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


def build_store(kind: str, extraction, store_dir: str) -> dict:
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_build_in_child, args=(kind, extraction, store_dir, sender))
    child.start()
    figures = receiver.recv()
    child.join()
    return figures


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def time_queries(store_dir: str, runs: int, seed: int = 7) -> dict[str, list[float]]:
    """Milliseconds of each explorer query, over `runs` randomly chosen people and places."""
    store = Store.read_only(store_dir)
    pick = lambda cls: [r["n"].value for r in store.query(f"SELECT ?n WHERE {{ GRAPH ?g {{ ?n a <https://www.ica.org/standards/RiC/ontology#{cls}> }} }}")]  # noqa: E731
    people, places = pick("Person"), pick("Place")
    rng = random.Random(seed)
    asks = {
        "ego network, depth 2": lambda: queries.neighbourhood(store, rng.choice(people), depth=2),
        "shortest path": lambda: queries.shortest_path(store, rng.choice(people), rng.choice(people)),
        "events of a person": lambda: queries.events_of(store, rng.choice(people)),
        "timeline of a place": lambda: queries.timeline_of(store, rng.choice(places)),
    }
    times = {name: [] for name in asks}
    for name, ask in asks.items():
        for _ in range(runs):
            started = time.perf_counter()
            ask()
            times[name].append((time.perf_counter() - started) * 1000)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--triples", type=int, default=1_000_000, help="about how many triples to build")
    parser.add_argument("--queries", type=int, default=50, help="runs of each explorer query")
    parser.add_argument("--neo4j-uri", help="also time syncing the graph to this (empty) Neo4j database")
    parser.add_argument("--neo4j-user", default="neo4j")
    parser.add_argument("--neo4j-password", default="")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        demo = demo_extraction(Path(tmp))
        # Copies share dates, and from the ninth on their entity variants too, so each copy
        # adds fewer triples than the first: count what a copy adds at both stages.
        first, second = len(make_quads(scaled(demo, 1))), len(make_quads(scaled(demo, 2)))
        copies = 1 + max(0, -(-(args.triples - first) // (second - first)))
        if copies > ENTITY_VARIANTS:
            full = len(make_quads(scaled(demo, ENTITY_VARIANTS)))
            extra = len(make_quads(scaled(demo, ENTITY_VARIANTS + 1))) - full
            copies = ENTITY_VARIANTS + max(0, -(-(args.triples - full) // extra))
        copies += 1  # the store keeps each triple once and copies share some: one more stays above the target
        extraction = scaled(demo, copies)
        print(f"extraction output: {len(extraction[0]):,} records, {len(extraction[1]):,} mentions, "
              f"{len(extraction[2]):,} entities ({copies} copies of the demo's)")
        ws = Workspace(Path(tmp) / "ws")  # a workspace, so the Neo4j mirror can read the store as it reads a build
        ws.store_dir.parent.mkdir(parents=True)
        oxigraph = build_store("oxigraph", extraction, str(ws.store_dir))
        baseline = build_store("rdflib", extraction, "")
        print(f"{'store':<22}{'triples':>11}{'triples s':>11}{'load s':>9}{'load MB':>9}{'peak MB':>9}")
        for name, f in (("Oxigraph (on disk)", oxigraph), ("rdflib Memory", baseline)):
            print(f"{name:<22}{f['triples']:>11,}{f['make']:>11.1f}{f['load']:>9.1f}{f['store_mb']:>9.0f}{f['peak_mb']:>9.0f}")
        print(f"Oxigraph vs rdflib: loading {baseline['load'] / oxigraph['load']:.1f}x faster, "
              f"with {oxigraph['store_mb'] / baseline['store_mb']:.2f} of the memory rdflib's load takes "
              f"(make triples + load: {(baseline['make'] + baseline['load']) / (oxigraph['make'] + oxigraph['load']):.1f}x)")
        print(f"\nexplorer queries on {oxigraph['triples']:,} triples, {args.queries} runs each (ms):")
        print(f"{'query':<24}{'p50':>8}{'p95':>8}{'max':>8}")
        for name, values in time_queries(str(ws.store_dir), args.queries).items():
            print(f"{name:<24}{statistics.median(values):>8.1f}{percentile(values, 0.95):>8.1f}{max(values):>8.1f}")
        if args.neo4j_uri:
            bench_neo4j(ws, args.neo4j_uri, args.neo4j_user, args.neo4j_password)
    return 0


def bench_neo4j(ws: Workspace, uri: str, user: str, password: str) -> None:
    """A first sync into an empty database (nodes+relationships per second), then the idempotent rerun."""
    from .neo4j_mirror import read_graph, sync

    started = time.perf_counter()
    graph = read_graph(ws)
    read_seconds = time.perf_counter() - started
    items = len(graph.nodes) + len(graph.edges)
    first = sync(ws, uri, user, password)
    if first.nodes_unchanged or first.relationships_unchanged:
        print("note: the database already held this mirror; the first sync is not a cold one")
    second = sync(ws, uri, user, password)
    print(f"\nNeo4j sync of {len(graph.nodes):,} nodes + {len(graph.edges):,} relationships ({uri}):")
    print(f"first sync   {first.seconds:8.1f} s  {items / first.seconds:>9,.0f} nodes+relationships/s "
          f"(of which reading the Oxigraph store {read_seconds:.1f} s; {first.server_writes:,} writes)")
    print(f"second sync  {second.seconds:8.1f} s  {second.server_writes} writes (nothing changed)")


if __name__ == "__main__":
    raise SystemExit(main())
