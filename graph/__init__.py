"""Graph stage: records + mentions → RiC-O triples in Oxigraph on disk; the public subset as Turtle, N-Triples and JSON-LD."""

from __future__ import annotations

from pyoxigraph import NamedNode, Quad, RdfFormat

from jiyi.config import Config
from jiyi.errors import JiyiError
from jiyi.model import Assertion, Entity, Mention, Problem, Record, StageResult, atomic_writer
from jiyi.progress import Reporter
from jiyi.workspace import Workspace

from .entity_index import write_entity_index
from .export import write_public_exports, write_record_exports
from .inputs import read_rows
from .remote import push_if_configured
from .store import load_quads, open_store, write_public_store
from .triples import GraphParts, TripleMaker
from .vocab import PREFIXES, Minter

PUBLIC_TURTLE = "public.ttl"


def record_rdf(parts: GraphParts, record_id: str) -> list:
    """A public record's triples and one level of what they point at (its people, places, dates, record set)."""
    own = parts.record_triples.get(record_id, [])
    linked = {t.object.value for t in own if isinstance(t.object, NamedNode) and t.object.value in parts.shared}
    return own + [t for uri in sorted(linked) for t in parts.shared[uri].triples]


def run(ws: Workspace, config: Config, records: list[Record], reporter: Reporter) -> StageResult:
    if not ws.entities_file.is_file():
        raise JiyiError("E011", f"{ws.entities_file}: nothing extracted yet", f"run `jiyi extract --workspace {ws.root}` first")
    problems: list[Problem] = []
    mentions = list(read_rows(ws.mentions_file, Mention, problems))
    entities = list(read_rows(ws.entities_file, Entity, problems))
    assertions = list(read_rows(ws.assertions_file, Assertion, problems))
    minter = Minter(config.base_uri)
    public_graph, internal_graph = minter.graph("public"), minter.graph("restricted")
    parts: GraphParts = TripleMaker(minter, entities, config.record_set_labels()).build(
        list(reporter.track(records, "graph")), mentions, assertions)

    # Restricted records and the nodes only they point at go to a graph of their own,
    # so the public Turtle is one named graph, dumped as it is.
    public_ids = {r.id for r in records if r.is_public}
    quads = [Quad(*t, public_graph if rid in public_ids else internal_graph)
             for rid, triples in parts.record_triples.items() for t in triples]
    quads += [Quad(*t, public_graph if node.public else internal_graph)
              for node in parts.shared.values() for t in node.triples]

    store = open_store(ws, read_only=False)
    try:
        store.clear()
        load_quads(store, quads)
        with atomic_writer(ws.public_graph_dir / PUBLIC_TURTLE, "wb") as out:
            store.dump(out, format=RdfFormat.TURTLE, from_graph=public_graph, prefixes={**PREFIXES, "jiyi": minter.jiyi})
        public_count = write_public_store(ws, store, public_graph)
    finally:
        del store  # releases the RocksDB lock so the app can open the store
    write_entity_index(ws.public_entity_index, ws.public_store_dir, minter.jiyi)
    write_public_exports(ws, config.base_uri)
    write_record_exports(ws, config.base_uri, {rid: record_rdf(parts, rid) for rid in public_ids})
    # Last, and from a read-only handle: a remote store that is down must not cost the local graph or the public files.
    pushed = push_if_configured(config, open_store(ws), reporter) or {}
    return StageResult("graph", {"triples": len(quads), "public triples": public_count, **pushed}, problems)
