"""Exports of the built graph: Turtle, N-Triples, N-Quads, TriG and JSON-LD, public or whole.

Oxigraph writes the RDF syntaxes itself. JSON-LD is written here, one node object per
subject, streamed from the store, compacted with a small published @context (the
prefixes below): rdflib's compacting serialiser holds the whole graph in memory, which
the public graph of a large archive would not fit. The context is written beside the
public exports as `context.jsonld`, and inlined in every JSON-LD file so the file
reads offline.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote

from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad, RdfFormat, Triple, serialize

from jiyi.errors import JiyiError
from jiyi.model import atomic_writer
from jiyi.workspace import Workspace

from .store import open_store
from .vocab import PREFIXES, RDF, Minter

FORMATS = {"turtle": RdfFormat.TURTLE, "ntriples": RdfFormat.N_TRIPLES, "nquads": RdfFormat.N_QUADS,
           "trig": RdfFormat.TRIG, "jsonld": None}
SUFFIXES = {"turtle": ".ttl", "ntriples": ".nt", "nquads": ".nq", "trig": ".trig", "jsonld": ".jsonld"}
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def context(base_uri: str) -> dict:
    """The JSON-LD @context of Jiyi's exports: the vocabularies' prefixes and Jiyi's own terms."""
    return {"@context": {**PREFIXES, "jiyi": Minter(base_uri).jiyi}}


def export(ws: Workspace, base_uri: str, out: Path, *, fmt: str, scope: str = "public") -> int:
    """Write the public graph, or every graph ("all"), to `out` in `fmt`; returns the number of triples."""
    if fmt not in FORMATS:
        raise JiyiError("E430", f"unknown export format {fmt!r}", f"choose one of {', '.join(FORMATS)}")
    if scope not in ("public", "all"):
        raise JiyiError("E431", f"unknown scope {scope!r}", "choose public or all")
    store = open_store(ws)
    minter = Minter(base_uri)
    graphs = [minter.graph("public")] if scope == "public" else sorted(store.named_graphs(), key=lambda g: g.value)
    prefixes = {**PREFIXES, "jiyi": minter.jiyi}
    with atomic_writer(out, "wb") as stream:
        if fmt == "jsonld":
            return _write_jsonld(stream, store, graphs, base_uri)
        if FORMATS[fmt].supports_datasets or len(graphs) == 1:
            # Oxigraph writes in its own index order, the same for the same triples: a sort by the terms' text
            # in Python took 82 s for the 2 million public triples of 20,000 records.
            one = {"from_graph": graphs[0]} if scope == "public" or not FORMATS[fmt].supports_datasets else {}
            store.dump(stream, format=FORMATS[fmt], **one, **({"prefixes": prefixes} if fmt == "turtle" else {}))
            return sum(_count(store, g) for g in graphs)
        # Turtle and N-Triples hold one graph: the whole is the union, each triple once.
        union = {(q.subject, q.predicate, q.object) for g in graphs for q in store.quads_for_pattern(None, None, None, g)}
        quads = (Quad(s, p, o, DefaultGraph()) for s, p, o in sorted(union, key=lambda t: (str(t[0]), str(t[1]), str(t[2]))))
        serialize(quads, stream, format=FORMATS[fmt], **({"prefixes": prefixes} if fmt == "turtle" else {}))
        return len(union)


def _count(store, graph: NamedNode) -> int:
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph.value}> {{ ?s ?p ?o }} }}"
    return int(next(iter(store.query(query)))[0].value)


def write_public_exports(ws: Workspace, base_uri: str) -> None:
    """The public graph as N-Triples and JSON-LD beside its Turtle, and the published @context."""
    folder = ws.public_graph_dir
    export(ws, base_uri, folder / "public.nt", fmt="ntriples")
    export(ws, base_uri, folder / "public.jsonld", fmt="jsonld")
    with atomic_writer(folder / "context.jsonld", "w") as out:
        json.dump(context(base_uri), out, ensure_ascii=False, indent=1)


def write_record_exports(ws: Workspace, base_uri: str, records: Iterable[tuple[str, list[Triple]]]) -> None:
    """Each public record's own triples, and the descriptions of the nodes they point at, as Turtle and JSON-LD.

    `records` gives (record id, triples) pairs, one record at a time: only one record's
    triples are held at once. A record's IIIF manifest links these files (seeAlso). The folder
    is written afresh on every build, so a record that is no longer public loses its files.
    """
    folder = ws.public_graph_dir / "records"
    folder.mkdir(parents=True, exist_ok=True)
    prefixes = {**PREFIXES, "jiyi": Minter(base_uri).jiyi}
    # The names written by this build, to delete the others after: kept in SQLite's private
    # temporary database (deleted when closed), as a set they would grow with the records.
    written = sqlite3.connect("")
    try:
        written.execute("CREATE TABLE name (name TEXT PRIMARY KEY) WITHOUT ROWID")
        for record_id, triples in records:
            name = quote(record_id, safe="")
            written.executemany("INSERT OR IGNORE INTO name VALUES (?)", ((f"{name}.ttl",), (f"{name}.jsonld",)))
            grouped = sorted(set(triples), key=lambda t: (t.subject.value, t.predicate.value, str(t.object)))
            with atomic_writer(folder / f"{name}.ttl", "wb") as out:
                serialize(grouped, out, format=RdfFormat.TURTLE, prefixes=prefixes)
            with atomic_writer(folder / f"{name}.jsonld", "wb") as out:
                write_jsonld(out, grouped, base_uri)
        for stale in folder.iterdir():
            # quote() writes ASCII names only: any other name is not this build's (and may not be valid UTF-8).
            if not stale.name.isascii() or written.execute("SELECT 1 FROM name WHERE name = ?", (stale.name,)).fetchone() is None:
                stale.unlink()
    finally:
        written.close()


def _write_jsonld(stream, store, graphs: list[NamedNode], base_uri: str) -> int:
    quads = (q for g in graphs for q in store.quads_for_pattern(None, None, None, g))
    # One graph comes out of the store grouped by subject; several are merged by sorting.
    return write_jsonld(stream, sorted(quads, key=lambda q: q.subject.value) if len(graphs) > 1 else quads, base_uri)


def write_jsonld(stream, quads, base_uri: str) -> int:
    """{"@context": …, "@graph": [node objects]}, written as it is read: one subject at a time.

    `quads` (or triples) must come grouped by subject.
    """
    ctx = context(base_uri)["@context"]
    compact = _compacter(ctx)
    stream.write(b'{"@context":' + json.dumps(ctx, ensure_ascii=False).encode() + b',"@graph":[')
    count, first, node, current = 0, True, {}, None
    for quad in quads:
        if quad.subject != current:
            if node:
                stream.write((b"" if first else b",") + json.dumps(node, ensure_ascii=False).encode())
                first = False
            current, node = quad.subject, {"@id": _node_id(quad.subject)}
        if quad.predicate.value == RDF + "type" and isinstance(quad.object, NamedNode):
            value, key = compact(quad.object.value), "@type"
        else:
            value, key = _value(quad.object, compact), compact(quad.predicate.value)
        values = node.setdefault(key, [])
        if value not in values:  # the whole export merges graphs: a shared node is described in each
            values.append(value)
            count += 1
    if node:
        stream.write((b"" if first else b",") + json.dumps(node, ensure_ascii=False).encode())
    stream.write(b"]}\n")
    return count


def _compacter(ctx: dict):
    ordered = sorted(((ns, name) for name, ns in ctx.items()), key=lambda item: -len(item[0]))
    # Only predicates, classes and datatypes are compacted (nodes keep their full IRIs), so the
    # answers are few and kept: looking each up against every namespace was a tenth of the graph stage.
    known: dict[str, str] = {}

    def compact(iri: str) -> str:
        found = known.get(iri)
        if found is None:
            found = known[iri] = _compact(iri, ordered)
        return found
    return compact


def _compact(iri: str, ordered: list[tuple[str, str]]) -> str:
    for namespace, name in ordered:
        local = iri[len(namespace):]
        if iri.startswith(namespace) and local and not local.startswith("//") and "/" not in local and "#" not in local:
            return f"{name}:{local}"
    return iri


def _node_id(term) -> str:
    return term.value if isinstance(term, NamedNode) else f"_:{term.value}"


def _value(term, compact) -> dict:
    if isinstance(term, Literal):
        if term.language:
            return {"@value": term.value, "@language": term.language}
        if term.datatype.value != XSD_STRING:
            return {"@value": term.value, "@type": compact(term.datatype.value)}
        return {"@value": term.value}
    return {"@id": _node_id(term)}
