"""Graph stage: records + mentions → RiC-O triples in Oxigraph on disk; the public subset as Turtle, N-Triples and JSON-LD.

Memory does not grow with the number of records (issue 9): each record's triples are made
when it is read and go to the store in chunks, and each public record's own RDF file is
written in a second pass over the records, one record at a time. What stays in memory grows
with the entities, not the records: the entities themselves and the shared nodes (people,
places, dates, record sets, the extraction activity) in `GraphParts.shared`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import ExitStack

from pyoxigraph import NamedNode, Quad, RdfFormat, Triple

from jiyi.config import Config
from jiyi.errors import JiyiError
from jiyi.model import Assertion, Entity, Mention, Problem, Record, StageResult, atomic_writer
from jiyi.progress import Reporter
from jiyi.workspace import Workspace

from .entity_index import write_entity_index
from .export import write_public_exports, write_record_exports
from .inputs import RowsByRecord, read_rows
from .remote import push_if_configured
from .store import load_quads, open_store, write_public_store
from .triples import GraphParts, SharedNode, TripleMaker
from .vocab import PREFIXES, Minter

PUBLIC_TURTLE = "public.ttl"


def record_rdf(own: list[Triple], shared: dict[str, SharedNode]) -> list[Triple]:
    """A public record's triples and one level of what they point at (its people, places, dates, record set)."""
    linked = {t.object.value for t in own if isinstance(t.object, NamedNode) and t.object.value in shared}
    return own + [t for uri in sorted(linked) for t in shared[uri].triples]


def run(ws: Workspace, config: Config, records: Iterable[Record], reporter: Reporter) -> StageResult:
    """Build the graph. `records` is read twice, in the same order, and never held whole: a list,
    or a reader that reads the file again each time it is iterated (not a one-shot iterator).

    Record ids are unique: ingest leaves out a row whose id it has met before.
    """
    if not ws.entities_file.is_file():
        raise JiyiError("E011", f"{ws.entities_file}: nothing extracted yet", f"run `jiyi extract --workspace {ws.root}` first")
    if iter(records) is records:  # a generator would give nothing the second time, and lose every record's file
        raise TypeError("the graph stage reads the records twice: give it a list or a re-iterable reader, not an iterator")
    problems: list[Problem] = []
    minter = Minter(config.base_uri)
    public_graph, internal_graph = minter.graph("public"), minter.graph("restricted")
    with ExitStack() as scratch:
        # Read in this order (mentions, entities, assertions) so their problems are listed in it.
        mentions = scratch.enter_context(RowsByRecord(read_rows(ws.mentions_file, Mention, problems)))
        entities = list(read_rows(ws.entities_file, Entity, problems))  # grows with the entities, not the records
        assertions = scratch.enter_context(RowsByRecord(read_rows(ws.assertions_file, Assertion, problems)))
        maker = TripleMaker(minter, entities, config.record_set_labels())
        parts = GraphParts()  # only its shared nodes are filled: a record's own triples are not kept

        def own_triples(record: Record) -> list[Triple]:
            return maker.record_triples(record, mentions.of(record.id), assertions.of(record.id), parts)

        def quads() -> Iterator[Quad]:
            """Every record's triples as it is read, then the shared nodes. Restricted records and the
            nodes only they point at go to a graph of their own, so the public Turtle is one named
            graph, dumped as it is."""
            any_records = False
            for record in reporter.track(records, "graph"):
                any_records = True
                graph = public_graph if record.is_public else internal_graph
                yield from (Quad(*triple, graph) for triple in own_triples(record))
            if any_records:
                maker.describe_extraction(parts)
            # Only once every record has been read is it known which shared nodes a public record points at.
            for node in parts.shared.values():
                yield from (Quad(*triple, public_graph if node.public else internal_graph) for triple in node.triples)

        def public_records_rdf() -> Iterator[tuple[str, list[Triple]]]:
            """The second pass: each public record's triples made again, now that every shared node is
            described. A record can point at a node a later record describes first (an event's place
            that only a later text names), and its file includes that description."""
            for record in reporter.track(records, "record rdf"):
                if record.is_public:
                    yield record.id, record_rdf(own_triples(record), parts.shared)

        store = open_store(ws, read_only=False)
        try:
            store.clear()
            triple_count = load_quads(store, quads())
            with atomic_writer(ws.public_graph_dir / PUBLIC_TURTLE, "wb") as out:
                store.dump(out, format=RdfFormat.TURTLE, from_graph=public_graph, prefixes={**PREFIXES, "jiyi": minter.jiyi})
            public_count = write_public_store(ws, store, public_graph)
        finally:
            del store  # releases the RocksDB lock so the app can open the store
        write_entity_index(ws.public_entity_index, ws.public_store_dir, minter.jiyi)
        write_public_exports(ws, config.base_uri)
        write_record_exports(ws, config.base_uri, public_records_rdf())
    # Last, and from a read-only handle: a remote store that is down must not cost the local graph or the public files.
    pushed = push_if_configured(config, open_store(ws), reporter) or {}
    return StageResult("graph", {"triples": triple_count, "public triples": public_count, **pushed}, problems)
