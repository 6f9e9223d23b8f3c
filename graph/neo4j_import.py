"""CSV files for Neo4j's offline bulk importer (`neo4j-admin database import full`), for a first load.

Why a second path beside `jiyi neo4j sync`
    The sync writes over Bolt in transactions of a few thousand rows, each row MATCHed or
    MERGEd through the `uri` index: right for small graphs and for the increments of each
    build, slow for a first load of tens of millions of nodes. Neo4j's importer builds the
    store files directly from CSV, without transactions, and is the documented way to load
    a large graph into an empty database (docs/neo4j-bulk-import.md has the figures).

Same nodes, same relationships, same bookkeeping as the sync
    Every node and relationship carries exactly what graph/neo4j_mirror.py would write on
    it — labels, properties, `public`, and the mirror's own `jiyi_hash`, `jiyi_keys` and
    `jiyi_labels` — built with the mirror's own functions (property_key, literal_value,
    single_or_list, content_hash, MirrorEdge, Evidence, record_id). The sync decides what
    is new by reading `jiyi_hash` from Neo4j, so the first `jiyi neo4j sync` after an import
    finds every hash equal and writes no node or relationship: it only creates the `uri`
    uniqueness constraint and the lookup indexes, which the importer does not make. From
    then on the sync carries the increments.
    One difference Neo4j's CSV format forces: an empty list cannot be written (an empty
    array field is read as "no property"), so a node with no property of its own gets no
    `jiyi_keys` instead of an empty list. The sync reads a missing `jiyi_keys` as empty.

Memory stays flat in the number of nodes
    read_graph() in the mirror holds the whole graph in Python; here nothing grows with the
    graph. Nodes are found through the store's type index (`?s a rico:Class`, one class at a
    time) and each subject's triples are fetched by a point lookup. A subject is written
    only under its "owner" — the first chosen named graph that gives it a RiC-O class, and
    there its alphabetically first RiC-O class — so every node is written exactly once
    without a set of the nodes seen (10^7 URIs in a Python set is gigabytes). The evidence
    on links (the mirror's two aggregate queries, unchanged, so the sums are the sync's) goes
    row by row into a SQLite file beside the output, indexed by link, and is looked up when
    the link is written; while each of those queries runs, Oxigraph holds its groups (one per
    link with evidence) in its own memory. Otherwise only caches of fixed size are kept:
    which objects are mirrored nodes, and the record ids that evidence names.

Files
    nodes-NNNN.csv: one file per shape of node (its labels and its typed property keys),
    because a CSV column has one type and a property such as `altLabel_zh_Hans` is a string
    on one node and a list on another. relationships.csv: every relationship (the type in
    the `:TYPE` column). Lists are joined by U+001F (the ASCII unit separator), which
    archival text does not contain; a value that does is refused with E459. manifest.json
    records what was written and the import command; it also marks the folder as one this
    command may replace.
"""

from __future__ import annotations

import json
import math
import os
import shlex
import shutil
import sqlite3
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

from pyoxigraph import BlankNode, Literal, NamedNode

from jiyi.errors import JiyiError
from jiyi.progress import QUIET, Reporter
from jiyi.workspace import Workspace

from .neo4j_mirror import (CLASS_LABELS, MENTION_EVIDENCE, MENTION_LINKS, MIRROR_LABEL, RELATIONSHIP_KEYS,
                           STATEMENT_EVIDENCE, TYPE, MirrorEdge, MirrorGraph, MirrorNode, content_hash, literal_value,
                           local_name, property_key, record_id, relationship_type, single_or_list, term_key)
from .store import open_store
from .vocab import OA, PROV, RDF, RICO

ARRAY_DELIMITER = "\x1f"  # U+001F, the unit separator: never in archival text, unlike ; or |
ARRAY_DELIMITER_OPTION = "U+001F"  # how neo4j-admin is told about it
MANIFEST = "manifest.json"
RELATIONSHIPS_FILE = "relationships.csv"
MAX_OPEN_FILES = 64  # node files kept open at once; more shapes than this are reopened for appending
CACHE_SIZE = 100_000  # entries in each lookup cache: bounded, so memory does not grow with the graph
# A relationship's columns: the same keys, in the same order, as MirrorEdge.props(), then the hash.
RELATIONSHIP_TYPES = {"predicate": "string", "public": "boolean", "records": "string[]", "methods": "string[]",
                      "confidence": "double", "evidence": "long"}
assert tuple(RELATIONSHIP_TYPES) == RELATIONSHIP_KEYS, "keep RELATIONSHIP_TYPES in step with the mirror's keys"
# Marks mention evidence in the SQLite table: the mirror applies it to both MENTION_LINKS of a record and entity.
MENTION = "mention"


@dataclass
class BulkFiles:
    """What `write_bulk_files` wrote: the folder, its files, counts, and the command that imports them."""

    folder: Path
    node_files: list[str] = field(default_factory=list)
    relationship_files: list[str] = field(default_factory=list)
    nodes: int = 0
    relationships: int = 0
    labels: dict[str, int] = field(default_factory=dict)
    types: dict[str, int] = field(default_factory=dict)
    multiline: bool = False  # a value holds a line break: the importer must be told
    seconds: float = 0.0

    def command(self, database: str = "neo4j", admin: str = "neo4j-admin") -> str:
        """The `neo4j-admin database import full` command for these files, one option a line."""
        # The database comes first: --nodes and --relationships take several files each, so a
        # name after them would be read as one more file.
        options = [f"{admin} database import full {shlex.quote(database)}", "--overwrite-destination",
                   f"--array-delimiter={ARRAY_DELIMITER_OPTION}"]
        if self.multiline:
            options.append("--multiline-fields=true")
        options += [f"--nodes={shlex.quote(str(self.folder / name))}" for name in self.node_files]
        options += [f"--relationships={shlex.quote(str(self.folder / name))}" for name in self.relationship_files]
        return " \\\n  ".join(options)

    def line(self) -> str:
        return (f"Neo4j bulk files: {self.nodes} nodes in {len(self.node_files)} files, {self.relationships} "
                f"relationships, in {self.folder} ({self.seconds:.2f} s)")


def write_bulk_files(ws: Workspace, out: Path, *, include_restricted: bool = False, database: str = "neo4j",
                     reporter: Reporter = QUIET) -> BulkFiles:
    """Write the importer's CSV files for the workspace's graph into OUT, replacing OUT as a whole at the end."""
    started = time.perf_counter()
    out = Path(out).resolve()
    check_output_folder(out)
    store = open_store(ws)  # before anything is written: no graph is E401
    # The files are written into a folder beside OUT and swapped in by renames, so OUT is
    # always either the old complete set or the new one, never a mix.
    fresh = out.with_name(f".{out.name}.writing-{os.getpid()}")
    stale = out.with_name(f".{out.name}.old-{os.getpid()}")
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.mkdir(parents=True)
    reader = None
    try:
        reader = GraphReader(store, include_restricted=include_restricted)
        result = BulkFiles(out)
        evidence = reader.collect_evidence(fresh / "evidence.sqlite", reporter)
        try:
            write_files(reader, evidence, fresh, result, reporter)
        finally:
            evidence.close()
            (fresh / "evidence.sqlite").unlink(missing_ok=True)
        result.seconds = time.perf_counter() - started
        manifest = {"written_by": "jiyi neo4j bulk-files", "include_restricted": include_restricted,
                    "nodes": result.nodes, "relationships": result.relationships, "labels": result.labels,
                    "types": result.types, "node_files": result.node_files,
                    "relationship_files": result.relationship_files, "array_delimiter": ARRAY_DELIMITER_OPTION,
                    "multiline_fields": result.multiline, "command": result.command(database)}
        (fresh / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    finally:
        del reader, store  # releases the store's read lock before the folder is swapped in
    if out.exists():
        out.rename(stale)
    fresh.rename(out)
    shutil.rmtree(stale, ignore_errors=True)
    return result


def check_output_folder(out: Path) -> None:
    """OUT is replaced as a whole, so it must be new, empty, or an earlier output of this command."""
    if out.exists() and not out.is_dir():
        raise JiyiError("E458", f"{out}: exists and is not a folder", "pass --out a new folder")
    if out.is_dir() and any(out.iterdir()) and not (out / MANIFEST).is_file():
        raise JiyiError("E458", f"{out}: the folder holds files that `jiyi neo4j bulk-files` did not write, and "
                        "it would replace the whole folder", "pass --out a new or empty folder")


# ---------------------------------------------------------------- reading the store


class GraphReader:
    """The mirror's view of the store, read one subject at a time (see the module docstring)."""

    def __init__(self, store, *, include_restricted: bool):
        self.store = store
        graphs = sorted(g.value for g in store.named_graphs() if isinstance(g, NamedNode))
        public = next((g for g in graphs if g.endswith("graph/public")), None)
        # The same choice as neo4j_mirror.read_graph: the public graph, or every named graph.
        self.graphs = [NamedNode(g) for g in graphs if include_restricted or g == public]
        self.public = NamedNode(public) if public else None
        self.type = NamedNode(TYPE)
        # Bounded caches: a place or a year is the object of thousands of links, a record the source
        # of many pieces of evidence; an evicted entry is only looked up again.
        self.is_mirrored = lru_cache(maxsize=CACHE_SIZE)(self._is_mirrored)
        # Record ids by record key, least recently used first. Filled as each node is written, so the
        # evidence of a record's own links (a mention's record is the link's start) needs no lookup.
        self.record_ids: OrderedDict[str, str] = OrderedDict()
        self.evidence_predicates: set[str] = set()  # links of other predicates have no evidence to look up

    def rico_classes(self, term, graph: NamedNode) -> set[str]:
        return {q.object.value for q in self.store.quads_for_pattern(term, self.type, None, graph)
                if isinstance(q.object, NamedNode) and q.object.value.startswith(RICO)}

    def _is_mirrored(self, term) -> bool:
        """A subject with a RiC-O class in a chosen graph becomes a node (neo4j_mirror.shape's `mirrored`)."""
        return any(self.rico_classes(term, graph) for graph in self.graphs)

    def subjects(self) -> tuple[int, Iterator]:
        """(how many rdf:type triples name a RiC-O class, an iterator over the subjects to write, each once)."""
        counts: list[tuple[NamedNode, NamedNode, int]] = []
        for graph in self.graphs:
            query = (f'SELECT ?class (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph.value}> {{ ?s a ?class }} '
                     f'FILTER(STRSTARTS(STR(?class), "{RICO}")) }} GROUP BY ?class ORDER BY ?class')
            counts += [(graph, row["class"], int(row["n"].value)) for row in self.store.query(query)]

        def walk() -> Iterator:
            for graph, cls, _ in counts:
                for quad in self.store.quads_for_pattern(None, self.type, cls, graph):
                    subject = quad.subject
                    # Written by its owner only: the first chosen graph where it has a RiC-O class …
                    if any(self.rico_classes(subject, earlier) for earlier in self.graphs[:self.graphs.index(graph)]):
                        yield None
                    # … and there under its first RiC-O class (Agent before CorporateBody).
                    elif min(self.rico_classes(subject, graph)) != cls.value:
                        yield None
                    else:
                        yield subject
        return sum(n for _, _, n in counts), walk()

    def shape(self, subject) -> tuple[MirrorNode, dict[tuple[str, str, str], MirrorEdge]] | None:
        """One subject as neo4j_mirror.shape makes it: its node, and its links to other mirrored nodes.

        Follows shape() line by line; tests/graph/test_neo4j_import.py compares the two on the demo.
        """
        triples: list[tuple[str, Any, bool]] = []
        for graph in self.graphs:
            # MIRRORED_TRIPLES: a graph's triples of a subject count only if that graph gives it a RiC-O class.
            quads = list(self.store.quads_for_pattern(subject, None, None, graph))
            if any(q.predicate == self.type and isinstance(q.object, NamedNode) and q.object.value.startswith(RICO)
                   for q in quads):
                triples += [(q.predicate.value, q.object, graph == self.public) for q in quads]
        if not triples:
            return None
        key = term_key(subject)
        labels: set[str] = set()
        for predicate, obj, _ in triples:
            if predicate == TYPE and isinstance(obj, NamedNode) and obj.value.startswith(RICO):
                labels.update(CLASS_LABELS.get(obj.value, [local_name(obj.value)]))
        values: dict[str, list[Any]] = {}
        edges: dict[tuple[str, str, str], MirrorEdge] = {}
        public = False
        for predicate, obj, in_public in triples:
            public = public or in_public
            if predicate == TYPE:
                continue
            if isinstance(obj, Literal):
                values.setdefault(property_key(predicate, obj.language), []).append(literal_value(obj))
            elif isinstance(obj, (NamedNode, BlankNode)) and self.is_mirrored(obj):
                edge = edges.setdefault((key, predicate, term_key(obj)), MirrorEdge(key, predicate, term_key(obj), False))
                edge.public = edge.public or in_public
            elif isinstance(obj, NamedNode):
                values.setdefault(property_key(predicate, None), []).append(obj.value)
        node = MirrorNode(key, sorted(labels), {k: single_or_list(v) for k, v in values.items()}, public)
        return node, edges

    def remember_record_id(self, key: str, node: MirrorNode | None) -> str:
        """neo4j_mirror.record_id for one record (its identifier when it is a mirrored node, else its key), kept."""
        term = BlankNode(key[2:]) if key.startswith("_:") else NamedNode(key)
        value = record_id(MirrorGraph({key: node} if node else {}, {}), term)
        self.record_ids[key] = value
        if len(self.record_ids) > CACHE_SIZE:
            self.record_ids.popitem(last=False)
        return value

    def record_id(self, key: str) -> str:
        if key in self.record_ids:
            self.record_ids.move_to_end(key)
            return self.record_ids[key]
        shaped = self.shape(BlankNode(key[2:]) if key.startswith("_:") else NamedNode(key))
        return self.remember_record_id(key, shaped[0] if shaped else None)

    def collect_evidence(self, path: Path, reporter: Reporter) -> sqlite3.Connection:
        """The mirror's two evidence queries, row by row into SQLite, indexed by the link they back."""
        db = sqlite3.connect(path)
        # A scratch file deleted at the end: no journal, no fsync.
        db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-65536;"  # 64 MB
                         "CREATE TABLE evidence (s TEXT, p TEXT, o TEXT, record TEXT, method TEXT, "
                         "count INTEGER, confidence TEXT)")
        for graph in self.graphs:
            names = {"graph": graph.value, "rico": RICO, "rdf": RDF, "oa": OA, "prov": PROV,
                     "ns": graph.value.rsplit("graph/", 1)[0] + "ns#"}
            rows = ((term_key(r["s"]), r["p"].value, term_key(r["o"]), term_key(r["record"]), r["method"].value,
                     int(r["count"].value), r["confidence"].value)
                    for r in self.store.query(STATEMENT_EVIDENCE.format(**names)))
            db.executemany("INSERT INTO evidence VALUES (?, ?, ?, ?, ?, ?, ?)", reporter.track(rows, "evidence"))
            # A mention backs the record's link to the entity, whichever of MENTION_LINKS it is.
            rows = ((term_key(r["record"]), MENTION, term_key(r["body"]), term_key(r["record"]), r["method"].value,
                     int(r["count"].value), r["confidence"].value)
                    for r in self.store.query(MENTION_EVIDENCE.format(**names)))
            db.executemany("INSERT INTO evidence VALUES (?, ?, ?, ?, ?, ?, ?)", reporter.track(rows, "mentions"))
        db.execute("CREATE INDEX evidence_link ON evidence (s, o, p)")  # after the inserts: faster than during
        db.commit()
        self.evidence_predicates = {p for (p,) in db.execute("SELECT DISTINCT p FROM evidence")}
        return db

    def add_evidence(self, db: sqlite3.Connection, edge: MirrorEdge) -> None:
        kinds = (edge.predicate, MENTION) if edge.predicate in MENTION_LINKS else (edge.predicate,)
        if not self.evidence_predicates.intersection(kinds):
            return  # most links (a date's end, a record's set) have none: skip the query
        rows = db.execute(f"SELECT record, method, count, confidence FROM evidence WHERE s = ? AND o = ? "
                          f"AND p IN ({', '.join('?' * len(kinds))})", (edge.subject, edge.object, *kinds))
        for record, method, count, confidence in rows:
            edge.evidence.add(self.record_id(record), method, float(confidence), int(count))


# ---------------------------------------------------------------- writing the CSV files


def csv_type(value: Any) -> str:
    """The importer's type for a value the mirror would send over Bolt (bool before int: True is an int)."""
    if isinstance(value, list):
        return csv_type(value[0]) + "[]"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "long"
    if isinstance(value, float):
        return "double"
    return "string"


def csv_text(value: Any, where: str) -> str:
    if isinstance(value, list):
        parts = [csv_text(v, where) for v in value]
        if any(ARRAY_DELIMITER in part for part in parts):
            raise JiyiError("E459", f"{where}: a list value holds the character U+001F, which the bulk files use to "
                            "separate list items", "remove the control character from the source, or load this "
                            "graph with `jiyi neo4j sync`")
        return ARRAY_DELIMITER.join(parts)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        # repr() is the shortest text that reads back as the same double; Java spells the
        # special values its own way (Python's repr says nan, inf).
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return repr(value)
    return str(value)


def csv_line(fields: list[str | None]) -> str:
    """One CSV line: every present field quoted (so "" is an empty string), a missing one left empty (no property)."""
    return ",".join("" if f is None else '"' + f.replace('"', '""') + '"' for f in fields) + "\n"


def header_key(key: str) -> str:
    # The header is `key:type`; the importer splits on ':' and reads ',' and '"' as CSV.
    if any(c in key for c in ':,"\n\r'):
        raise JiyiError("E459", f"property {key!r} cannot be a column of the importer's CSV header",
                        "load this graph with `jiyi neo4j sync`, or rename the predicate")
    return key


class NodeFiles:
    """One CSV file per node shape (labels + typed keys), at most MAX_OPEN_FILES open at once."""

    def __init__(self, folder: Path, result: BulkFiles):
        self.folder, self.result = folder, result
        self.names: dict[tuple, str] = {}
        self.open: dict[tuple, Any] = {}  # insertion order = least recently used first

    def write(self, shape: tuple, header: list[str], fields: list[str | None]) -> None:
        handle = self.open.pop(shape, None)
        if handle is None:
            if len(self.open) >= MAX_OPEN_FILES:
                oldest = next(iter(self.open))
                self.open.pop(oldest).close()
            if shape in self.names:
                handle = open(self.folder / self.names[shape], "a", encoding="utf-8", newline="")
            else:
                name = f"nodes-{len(self.names) + 1:04d}.csv"
                self.names[shape] = name
                self.result.node_files.append(name)
                handle = open(self.folder / name, "w", encoding="utf-8", newline="")
                handle.write(",".join(header) + "\n")
        self.open[shape] = handle  # now the most recently used
        handle.write(csv_line(fields))

    def close(self) -> None:
        for handle in self.open.values():
            handle.close()
        self.open.clear()


def node_fields(node: MirrorNode) -> tuple[tuple, list[str], list[str | None]]:
    """(shape, header, fields) of a node, with what the sync's CREATE_NODES sets on it."""
    props = {**node.props, "public": node.public}
    digest = content_hash([node.labels, props])  # the sync's hash of the node, byte for byte
    props = {**props, "jiyi_hash": digest, "jiyi_keys": sorted(node.props), "jiyi_labels": node.labels}
    props = {k: v for k, v in props.items() if v != []}  # an empty list cannot be written (module docstring)
    typed = sorted((key, csv_type(value)) for key, value in props.items())
    labels = [MIRROR_LABEL, *node.labels]
    header = ["uri:ID", ":LABEL"] + [f"{header_key(key)}:{kind}" for key, kind in typed]
    fields = [node.uri, csv_text(labels, node.uri)] + [csv_text(props[key], f"{node.uri} {key}") for key, _ in typed]
    return (tuple(node.labels), tuple(typed)), header, fields


type_of = lru_cache(maxsize=1024)(relationship_type)  # a few dozen predicates, each named by a regex


def relationship_fields(edge: MirrorEdge) -> list[str | None]:
    props = edge.props()
    row = [edge.subject, edge.object, type_of(edge.predicate)]
    row += [None if props[key] is None else csv_text(props[key], f"{edge.subject} {key}") for key in RELATIONSHIP_TYPES]
    return row + [content_hash(props)]  # the sync's hash of the relationship


def write_files(reader: GraphReader, evidence: sqlite3.Connection, folder: Path, result: BulkFiles,
                reporter: Reporter) -> None:
    nodes = NodeFiles(folder, result)
    header = [":START_ID", ":END_ID", ":TYPE"] + [f"{k}:{t}" for k, t in RELATIONSHIP_TYPES.items()] + ["jiyi_hash:string"]
    result.relationship_files.append(RELATIONSHIPS_FILE)
    try:
        with open(folder / RELATIONSHIPS_FILE, "w", encoding="utf-8", newline="") as links:
            links.write(",".join(header) + "\n")
            total, subjects = reader.subjects()
            for subject in reporter.track(subjects, "neo4j files", total=total):
                shaped = reader.shape(subject) if subject is not None else None
                if shaped is None:
                    continue
                node, edges = shaped
                reader.remember_record_id(node.uri, node)
                shape, node_header, fields = node_fields(node)
                nodes.write(shape, node_header, fields)
                result.nodes += 1
                for label in [MIRROR_LABEL, *node.labels]:
                    result.labels[label] = result.labels.get(label, 0) + 1
                for edge in edges.values():
                    reader.add_evidence(evidence, edge)
                    row = relationship_fields(edge)
                    links.write(csv_line(row))
                    result.relationships += 1
                    result.types[row[2]] = result.types.get(row[2], 0) + 1
                if any("\n" in f or "\r" in f for f in fields if f):
                    result.multiline = True
    finally:
        nodes.close()
