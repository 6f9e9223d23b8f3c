"""A Neo4j property-graph mirror of the workspace's RiC-O graph (read-only Cypher over it: cypher.py).

What becomes what
    A subject with a RiC-O rdf:type becomes a node labelled `Resource` plus its class
    label (Person, Organization — also Agent for rico:Agent —, Place, Event, Record,
    RecordSet, Date; any other RiC-O class by its local name), with a unique `uri`.
    Literals become properties named by the predicate's local name, the language tag
    added when there is one (`label_zh_Hans`, `name_en`, plain `identifier`); several
    values make a list. Links between mirrored nodes become relationships typed by the
    predicate's local name in UPPER_SNAKE (HAS_OR_HAD_SUBJECT), the predicate URI kept
    as `predicate`; a link to anything not mirrored (owl:sameAs Wikidata) becomes a
    property holding the URI. The provenance machinery — rdf:Statement, oa:Annotation,
    its targets and selectors, prov:Activity — is not mirrored as nodes: it is folded
    into the relationship it speaks about as `records` (record ids), `methods`,
    `confidence` (the highest) and `evidence` (how many statements or mentions).

Idempotent and incremental
    Each mirrored node and relationship carries `jiyi_hash`, a hash of everything the
    mirror writes on it. A sync reads the hashes already in Neo4j, then writes only what
    is new or whose hash differs, and deletes what the mirror made (`jiyi_hash` set) but
    the graph no longer has. An unchanged graph therefore costs reads only: Neo4j's own
    counters stay at zero. Properties and labels a user adds to other nodes are never
    touched; on mirrored nodes the mirror removes only keys and labels it wrote itself
    (remembered in `jiyi_keys` and `jiyi_labels`).

Why a failure midway cannot leave a wrong mirror
    A graph of a few hundred thousand triples is too big for one comfortable
    transaction, so the work is written in batches, each batch one transaction, and
    a node's or relationship's hash is written in the same statement as its data: a
    hash in Neo4j always describes the data beside it. The order is nodes, then
    relationships (whose ends then exist), then deletions of what vanished. If a sync
    stops anywhere, what it wrote is correct, what it did not write still carries the
    old hash (or is missing) and is rewritten by the next sync, and stale items are
    deleted by it. Until that rerun the mirror is a mix of the old and new build, never
    a half-written item; rerunning `jiyi neo4j sync` repairs everything.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any, Iterator

import neo4j
from neo4j.exceptions import AuthError, ConfigurationError, Neo4jError, ServiceUnavailable, SessionExpired
from pyoxigraph import Literal, NamedNode

from jiyi.errors import JiyiError
from jiyi.progress import QUIET, Reporter
from jiyi.workspace import Workspace

from .store import open_store
from .vocab import OA, PROV, RDF, RICO, XSD

MIRROR_LABEL = "Resource"
CLASS_LABELS = {
    RICO + "Person": ["Person"],
    RICO + "CorporateBody": ["Organization"],
    RICO + "Agent": ["Organization", "Agent"],
    RICO + "Place": ["Place"],
    RICO + "Event": ["Event"],
    RICO + "Record": ["Record"],
    RICO + "RecordSet": ["RecordSet"],
    RICO + "Date": ["Date"],
    RICO + "DateRange": ["Date"],
    RICO + "SingleDate": ["Date"],
}
TYPE = RDF + "type"
# The record → entity links that triples.py makes for a mention; its annotation's provenance goes there.
MENTION_LINKS = {RICO + "hasOrHadSubject", RICO + "isAssociatedWithDate"}
INTEGERS = {XSD + name for name in ("integer", "int", "long", "short", "nonNegativeInteger", "positiveInteger")}
FLOATS = {XSD + name for name in ("decimal", "double", "float")}
# Keys the mirror uses itself; a predicate with the same local name gets a trailing underscore.
RESERVED_KEYS = {"uri", "public", "jiyi_hash", "jiyi_keys", "jiyi_labels"}
RELATIONSHIP_KEYS = ("predicate", "public", "records", "methods", "confidence", "evidence")
LOOKUP_KEY = re.compile(r"^(label|name|altLabel)(_[A-Za-z0-9_]+)?$")  # indexed for lookup by name
DEFAULT_BATCH = 5000


# ---------------------------------------------------------------- reading the RDF


@dataclass
class MirrorNode:
    uri: str
    labels: list[str]
    props: dict[str, Any]
    public: bool


@dataclass
class Evidence:
    """Statements or mentions backing one relationship."""

    records: set[str] = field(default_factory=set)
    methods: set[str] = field(default_factory=set)
    confidence: float | None = None
    count: int = 0

    def add(self, record: str | None, method: str | None, confidence: float | None, count: int = 1) -> None:
        self.count += count
        if record:
            self.records.add(record)
        if method:
            self.methods.add(method)
        if confidence is not None:
            self.confidence = confidence if self.confidence is None else max(self.confidence, confidence)


@dataclass
class MirrorEdge:
    subject: str
    predicate: str
    object: str
    public: bool
    evidence: Evidence = field(default_factory=Evidence)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.subject, self.predicate, self.object)

    def props(self) -> dict[str, Any]:
        """Always every key of RELATIONSHIP_KEYS: None removes one that no longer applies."""
        ev = self.evidence
        return {"predicate": self.predicate, "public": self.public,
                "records": sorted(ev.records) or None, "methods": sorted(ev.methods) or None,
                "confidence": ev.confidence, "evidence": ev.count or None}


@dataclass
class MirrorGraph:
    nodes: dict[str, MirrorNode]
    edges: dict[tuple[str, str, str], MirrorEdge]


def local_name(uri: str) -> str:
    return re.split(r"[#/]", uri.rstrip("/#"))[-1] or uri


def relationship_type(predicate: str) -> str:
    """rico:hasOrHadSubject → HAS_OR_HAD_SUBJECT."""
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", local_name(predicate))
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").upper() or "RELATED_TO"


def property_key(predicate: str, language: str | None) -> str:
    key = local_name(predicate) + (f"_{bcp47_case(language).replace('-', '_')}" if language else "")
    return key + "_" if key in RESERVED_KEYS else key


def bcp47_case(tag: str) -> str:
    """A language tag in its usual case (zh-Hans, zh-Latn-pinyin, en-GB): Oxigraph keeps tags in lower case."""
    parts = tag.split("-")
    return "-".join([parts[0].lower()] + [part.title() if len(part) == 4 else part.upper() if len(part) == 2 else part.lower()
                                          for part in parts[1:]])


def literal_value(literal: Literal) -> Any:
    datatype = literal.datatype.value
    try:
        if datatype in INTEGERS:
            return int(literal.value)
        if datatype in FLOATS:
            return float(literal.value)
    except ValueError:
        pass  # an ill-typed literal stays as text
    if datatype == XSD + "boolean":
        return literal.value in ("true", "1")
    return literal.value


def term_key(term) -> str:
    return term.value if isinstance(term, NamedNode) else f"_:{term.value}"


# The mirror reads the store with three queries per named graph instead of walking every
# triple: annotations, their targets and selectors make up most of the graph (18 triples a
# mention) but only add up to the evidence on one relationship, which SPARQL can sum. On a
# million-triple graph the walk took 13.7 s, these queries about a third of that.
MIRRORED_TRIPLES = """
SELECT ?s ?p ?o WHERE {{
  {{ SELECT DISTINCT ?s WHERE {{ GRAPH <{graph}> {{ ?s a ?class }} FILTER(STRSTARTS(STR(?class), "{rico}")) }} }}
  GRAPH <{graph}> {{ ?s ?p ?o }}
}}"""
# Jiyi writes method and confidence on every statement and annotation (graph/triples.py), so
# the patterns are required, not OPTIONAL: an OPTIONAL each made this query six times slower.
STATEMENT_EVIDENCE = """
SELECT ?s ?p ?o ?record ?method (COUNT(*) AS ?count) (MAX(?confidence_value) AS ?confidence) WHERE {{
  GRAPH <{graph}> {{
    ?statement a <{rdf}Statement> ; <{rdf}subject> ?s ; <{rdf}predicate> ?p ; <{rdf}object> ?o ;
               <{prov}wasDerivedFrom> ?record ; <{ns}method> ?method ; <{ns}confidence> ?confidence_value .
  }}
}} GROUP BY ?s ?p ?o ?record ?method"""
MENTION_EVIDENCE = """
SELECT ?record ?body ?method (COUNT(*) AS ?count) (MAX(?confidence_value) AS ?confidence) WHERE {{
  GRAPH <{graph}> {{
    ?annotation a <{oa}Annotation> ; <{oa}hasBody> ?body ;
                <{prov}wasDerivedFrom> ?record ; <{ns}method> ?method ; <{ns}confidence> ?confidence_value .
  }}
}} GROUP BY ?record ?body ?method"""


def read_graph(ws: Workspace, *, include_restricted: bool = False) -> MirrorGraph:
    """The nodes and relationships to mirror, from the Oxigraph store (read-only)."""
    store = open_store(ws)
    try:
        graphs = sorted(g.value for g in store.named_graphs() if isinstance(g, NamedNode))
        public_graph = next((g for g in graphs if g.endswith("graph/public")), None)
        chosen = [g for g in graphs if include_restricted or g == public_graph]
        # subject → [(predicate, object, public)], every triple of the subjects with a RiC-O class
        by_subject: dict[str, list[tuple[str, Any, bool]]] = {}
        evidence: list[tuple[tuple[str, str, str], Any, Any, Any, Any]] = []  # (edge key, record, method, count, confidence)
        for graph in chosen:
            public = graph == public_graph
            # Jiyi's own terms (method, confidence) sit beside the graphs: BASE graph/public → BASE ns#
            names = {"graph": graph, "rico": RICO, "rdf": RDF, "oa": OA, "prov": PROV,
                     "ns": graph.rsplit("graph/", 1)[0] + "ns#"}
            for row in store.query(MIRRORED_TRIPLES.format(**names)):
                by_subject.setdefault(term_key(row["s"]), []).append((row["p"].value, row["o"], public))
            for row in store.query(STATEMENT_EVIDENCE.format(**names)):
                key = (term_key(row["s"]), row["p"].value, term_key(row["o"]))
                evidence.append((key, row["record"], row["method"], row["count"], row["confidence"]))
            for row in store.query(MENTION_EVIDENCE.format(**names)):
                for link in MENTION_LINKS:
                    key = (term_key(row["record"]), link, term_key(row["body"]))
                    evidence.append((key, row["record"], row["method"], row["count"], row["confidence"]))
    finally:
        del store  # releases the read lock at once
    graph = shape(by_subject)
    for key, record, method, count, confidence in evidence:
        edge = graph.edges.get(key)
        if edge is not None:
            edge.evidence.add(record_id(graph, record), method.value, float(confidence.value), int(count.value))
    return graph


def shape(by_subject: dict[str, list[tuple[str, Any, bool]]]) -> MirrorGraph:
    """Nodes from the subjects' literals and links; links between two mirrored nodes become edges."""
    types = {s: {o.value for p, o, _ in triples if p == TYPE and isinstance(o, NamedNode)} for s, triples in by_subject.items()}
    mirrored = {s for s, ts in types.items() if any(t.startswith(RICO) for t in ts)}
    nodes: dict[str, MirrorNode] = {}
    edges: dict[tuple[str, str, str], MirrorEdge] = {}
    for subject in mirrored:
        labels: set[str] = set()
        for cls in types[subject]:
            if cls.startswith(RICO):
                labels.update(CLASS_LABELS.get(cls, [local_name(cls)]))
        values: dict[str, list[Any]] = {}
        public = False
        for predicate, obj, in_public in by_subject[subject]:
            public = public or in_public
            if predicate == TYPE:
                continue
            if isinstance(obj, Literal):
                values.setdefault(property_key(predicate, obj.language), []).append(literal_value(obj))
            elif term_key(obj) in mirrored:
                edge = edges.setdefault((subject, predicate, term_key(obj)), MirrorEdge(subject, predicate, term_key(obj), False))
                edge.public = edge.public or in_public
            elif isinstance(obj, NamedNode):
                values.setdefault(property_key(predicate, None), []).append(obj.value)
        nodes[subject] = MirrorNode(subject, sorted(labels), {k: single_or_list(v) for k, v in values.items()}, public)
    return MirrorGraph(nodes, edges)


def record_id(graph: MirrorGraph, record: Any) -> str:
    """A record's 档号 (its rico:identifier), or its URI when it has none."""
    node = graph.nodes.get(term_key(record))
    identifier = node.props.get("identifier") if node else None
    return str(identifier) if isinstance(identifier, (str, int)) else term_key(record)


def single_or_list(values: list[Any]) -> Any:
    if len(values) == 1:
        return values[0]
    if len({type(v) for v in values}) > 1:  # Neo4j lists hold one type
        values = [str(v) for v in values]
    return sorted(set(values)) if len(set(values)) > 1 else values[0]


def content_hash(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


# ---------------------------------------------------------------- connecting


def connect(uri: str, user: str, password: str, *, retries: int = 4, retry_wait: float = 0.5,
            connection_timeout: float = 5.0) -> neo4j.Driver:
    """A driver that has answered: retries when Neo4j is unreachable, never on a wrong password."""
    try:
        driver = neo4j.GraphDatabase.driver(uri, auth=(user, password), connection_timeout=connection_timeout,
                                            max_transaction_retry_time=max(retry_wait * 4, 1.0),
                                            notifications_min_severity="OFF")  # no "unknown property" chatter on an empty db
    except (ConfigurationError, ValueError) as error:
        raise JiyiError("E450", f"{uri}: not a Neo4j URI ({error})",
                        "pass --uri like bolt://127.0.0.1:7687 or neo4j://host:7687") from error
    last: Exception | None = None
    for attempt in range(1, retries + 1):
        try:
            driver.verify_connectivity()
            return driver
        except AuthError as error:
            driver.close()
            raise JiyiError("E452", f"{uri}: Neo4j refused user {user!r} ({error.message})",
                            "check --user and --password (or NEO4J_PASSWORD)") from error
        except (ServiceUnavailable, SessionExpired, OSError) as error:
            last = error
            if attempt < retries:
                time.sleep(retry_wait * 2 ** (attempt - 1))
    driver.close()
    raise JiyiError("E451", f"{uri}: cannot reach Neo4j after {retries} tries ({last})",
                    "is Neo4j running? start it with `make neo4j && .venv/bin/python tools/neo4j_server.py start`, "
                    "or check --uri")


# ---------------------------------------------------------------- sync


@dataclass
class SyncReport:
    nodes_created: int = 0
    nodes_updated: int = 0
    nodes_deleted: int = 0
    nodes_unchanged: int = 0
    relationships_created: int = 0
    relationships_updated: int = 0
    relationships_deleted: int = 0
    relationships_unchanged: int = 0
    counters: dict[str, int] = field(default_factory=dict)  # Neo4j's own, summed over every write
    seconds: float = 0.0

    @property
    def server_writes(self) -> int:
        return sum(self.counters.values())

    def add_counters(self, counters: neo4j.SummaryCounters) -> None:
        for name in ("nodes_created", "nodes_deleted", "relationships_created", "relationships_deleted",
                     "properties_set", "labels_added", "labels_removed", "indexes_added", "constraints_added"):
            value = getattr(counters, name)
            if value:
                self.counters[name] = self.counters.get(name, 0) + value

    def line(self) -> str:
        return (f"Neo4j mirror: nodes {self.nodes_created} created, {self.nodes_updated} updated, "
                f"{self.nodes_deleted} deleted, {self.nodes_unchanged} unchanged; relationships "
                f"{self.relationships_created} created, {self.relationships_updated} updated, "
                f"{self.relationships_deleted} deleted, {self.relationships_unchanged} unchanged; "
                f"{self.server_writes} writes in Neo4j, {self.seconds:.2f} s")


# What the mirror has not written before is CREATEd: the sync has just read every node and
# relationship the mirror made, so nothing needs matching first. MERGE on a relationship
# scans the relationships of its end nodes, and a record set or a year has thousands.
CREATE_NODES = """
UNWIND $rows AS row
CREATE (n:Resource {uri: row.uri})
SET n += row.props, n:$(row.labels)
"""
CREATE_RELATIONSHIPS = """
UNWIND $rows AS row
MATCH (a:Resource {{uri: row.s}})
MATCH (b:Resource {{uri: row.o}})
CREATE (a)-[r:`{type}`]->(b)
SET r = row.props
"""
WRITE_NODES = """
UNWIND $rows AS row
MERGE (n:Resource {uri: row.uri})
WITH n, row
REMOVE n:$(row.old_labels)
SET n += row.props, n:$(row.labels)
"""
# Relationship queries name their type in the text, one query per type (types are made of
# A-Z, 0-9 and _ only): MERGE with a dynamic type $(…) ran 2× slower in benchmarks/neo4j_sync.py,
# where record sets and years are dense nodes with thousands of relationships.
WRITE_RELATIONSHIPS = """
UNWIND $rows AS row
MATCH (a:Resource {{uri: row.s}})
MATCH (b:Resource {{uri: row.o}})
MERGE (a)-[r:`{type}` {{predicate: row.p}}]->(b)
SET r += row.props
"""
DELETE_RELATIONSHIPS = """
UNWIND $rows AS row
MATCH (:Resource {{uri: row.s}})-[r:`{type}` {{predicate: row.p}}]->(:Resource {{uri: row.o}})
WHERE r.jiyi_hash IS NOT NULL
DELETE r
"""
DELETE_NODES = """
UNWIND $rows AS uri
MATCH (n:Resource {uri: uri})
WHERE n.jiyi_hash IS NOT NULL
DETACH DELETE n
"""
READ_NODES = """
MATCH (n:Resource) WHERE n.jiyi_hash IS NOT NULL
RETURN n.uri AS uri, n.jiyi_hash AS hash, n.jiyi_keys AS keys, n.jiyi_labels AS labels
"""
READ_RELATIONSHIPS = """
MATCH (a:Resource)-[r]->(b:Resource) WHERE r.jiyi_hash IS NOT NULL
RETURN a.uri AS s, r.predicate AS p, b.uri AS o, type(r) AS type, r.jiyi_hash AS hash
"""


def sync(ws: Workspace, uri: str, user: str, password: str, *, database: str = "neo4j",
         include_restricted: bool = False, reporter: Reporter = QUIET, batch_size: int = DEFAULT_BATCH,
         retries: int = 4, retry_wait: float = 0.5) -> SyncReport:
    """Make the Neo4j database mirror the workspace's built graph, writing only what changed."""
    started = time.perf_counter()
    graph = read_graph(ws, include_restricted=include_restricted)
    driver = connect(uri, user, password, retries=retries, retry_wait=retry_wait)
    try:
        with driver.session(database=database) as session:
            report = write_mirror(session, graph, reporter, batch_size)
    except JiyiError:
        raise
    except AuthError as error:
        raise JiyiError("E452", f"{uri}: Neo4j refused user {user!r} ({error.message})",
                        "check --user and --password (or NEO4J_PASSWORD)") from error
    except (ServiceUnavailable, SessionExpired) as error:
        raise JiyiError("E451", f"{uri}: lost Neo4j during the sync ({error}); the batches written so far are "
                        "complete", "start Neo4j again and rerun `jiyi neo4j sync`: it writes what is missing") from error
    except Neo4jError as error:
        raise JiyiError("E453", f"{uri}: Neo4j refused the sync to database {database!r}: {error.code}: {error.message}",
                        "check --database; a rerun of `jiyi neo4j sync` repairs a partly written mirror") from error
    finally:
        driver.close()
    report.seconds = time.perf_counter() - started
    return report


def write_mirror(session: neo4j.Session, graph: MirrorGraph, reporter: Reporter, batch_size: int) -> SyncReport:
    report = SyncReport()
    make_schema(session, graph, report)

    existing_nodes = {r["uri"]: r for r in session.execute_read(lambda tx: list(tx.run(READ_NODES)))}
    existing_edges = {(r["s"], r["p"], r["o"]): (r["type"], r["hash"])
                      for r in session.execute_read(lambda tx: list(tx.run(READ_RELATIONSHIPS)))}

    node_rows, new_node_rows = [], []
    for node in graph.nodes.values():
        props = {**node.props, "public": node.public}
        digest = content_hash([node.labels, props])
        old = existing_nodes.get(node.uri)
        if old is not None and old["hash"] == digest:
            report.nodes_unchanged += 1
            continue
        old_keys = set(old["keys"] or []) if old is not None else set()
        old_labels = set(old["labels"] or []) if old is not None else set()
        gone = {key: None for key in old_keys - props.keys()}  # SET += with null removes the key
        (new_node_rows if old is None else node_rows).append({
            "uri": node.uri, "labels": node.labels, "old_labels": sorted(old_labels - set(node.labels)),
            "props": {**gone, **props, "jiyi_hash": digest, "jiyi_keys": sorted(node.props), "jiyi_labels": node.labels}})
        if old is None:
            report.nodes_created += 1
        else:
            report.nodes_updated += 1

    edge_rows, new_edge_rows = [], []
    for edge in graph.edges.values():
        props = edge.props()
        digest = content_hash(props)
        old_hash = existing_edges.get(edge.key, (None, None))[1]
        if old_hash == digest:
            report.relationships_unchanged += 1
            continue
        (new_edge_rows if old_hash is None else edge_rows).append({
            "s": edge.subject, "p": edge.predicate, "o": edge.object, "type": relationship_type(edge.predicate),
            "props": {**props, "jiyi_hash": digest}})
        if old_hash is None:
            report.relationships_created += 1
        else:
            report.relationships_updated += 1

    stale_edges = [{"s": s, "p": p, "o": o, "type": kind} for (s, p, o), (kind, _) in existing_edges.items()
                   if (s, p, o) not in graph.edges]
    stale_nodes = [u for u in existing_nodes if u not in graph.nodes]
    report.relationships_deleted = len(stale_edges)
    report.nodes_deleted = len(stale_nodes)

    # Nodes first (relationships need both ends), deletions last: see the module docstring.
    work = [(CREATE_NODES, batch) for batch in batches(new_node_rows, batch_size)]
    work += [(WRITE_NODES, batch) for batch in batches(node_rows, batch_size)]
    for query, rows_to_write in ((CREATE_RELATIONSHIPS, new_edge_rows), (WRITE_RELATIONSHIPS, edge_rows)):
        work += [(query.format(type=kind.replace("`", "``")), batch) for kind, rows in by_type(rows_to_write)
                 for batch in batches(rows, batch_size)]
    work += [(DELETE_RELATIONSHIPS.format(type=kind.replace("`", "``")), batch) for kind, rows in by_type(stale_edges)
             for batch in batches(rows, batch_size)]
    work += [(DELETE_NODES, batch) for batch in batches(stale_nodes, batch_size)]
    for query, batch in reporter.track(work, "neo4j"):
        report.add_counters(session.execute_write(run_batch, query, batch))
    return report


def run_batch(tx: neo4j.ManagedTransaction, query: str, rows: list) -> neo4j.SummaryCounters:
    return tx.run(query, rows=rows).consume().counters


def by_type(rows: list[dict]) -> list[tuple[str, list[dict]]]:
    groups: dict[str, list[dict]] = {}
    for row in rows:
        groups.setdefault(row["type"], []).append(row)
    return sorted(groups.items())


def batches(rows: list, size: int) -> Iterator[list]:
    for start in range(0, len(rows), max(1, size)):
        yield rows[start:start + size]


def make_schema(session: neo4j.Session, graph: MirrorGraph, report: SyncReport) -> None:
    """The uniqueness constraint MERGE relies on, and range indexes on the keys people look things up by."""
    statements = [f"CREATE CONSTRAINT jiyi_resource_uri IF NOT EXISTS FOR (n:{MIRROR_LABEL}) REQUIRE n.uri IS UNIQUE"]
    keys = {key for node in graph.nodes.values() for key in node.props if LOOKUP_KEY.match(key)} | {"identifier"}
    for key in sorted(keys):
        name = "jiyi_resource_" + re.sub(r"[^A-Za-z0-9_]", "_", key).lower()
        statements.append(f"CREATE INDEX {name} IF NOT EXISTS FOR (n:{MIRROR_LABEL}) ON (n.`{key}`)")
    for statement in statements:
        report.add_counters(session.run(statement).consume().counters)
