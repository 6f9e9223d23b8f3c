"""The public graph's entities, mentions and record links as SQLite (build/public/graph/entities.sqlite).

The entity page asks, for one entity, where the texts name it and which entities share its records.
Asked of the public Oxigraph store, the first took 5.6 s for a person named in 11,000 of 20,000
records (a seven-way join per mention), and grows with the collection. The graph stage asks each
question once for the whole public graph and keeps the answers here, indexed by entity, so a page
reads one entity's rows in milliseconds at any size. Every row is read from the public store, so
the file holds nothing the public graph does not (tests/test_public_leaks.py reads it back).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph

from jiyi.record_index import SQLITE_VARIABLES, read_only_rows

from .vocab import PREFIXES

ENTITY_CLASSES = ("Person", "CorporateBody", "Place", "Event")  # what has an entity page; dates do not

SCHEMA = """
CREATE TABLE entity (          -- people, bodies, places and events, with their simplified-Chinese label
    uri TEXT NOT NULL, type TEXT NOT NULL, label TEXT NOT NULL,
    records INTEGER NOT NULL,  -- how many public records have it as a subject
    lat TEXT NOT NULL, long TEXT NOT NULL  -- '' when it has no coordinates
);
CREATE INDEX entity_by_uri ON entity (uri);
CREATE TABLE mention (         -- where a public text names an entity (an annotation)
    entity TEXT NOT NULL, record_id TEXT NOT NULL, field TEXT NOT NULL,
    start INTEGER NOT NULL, end INTEGER NOT NULL, exact TEXT NOT NULL, method TEXT NOT NULL, confidence TEXT NOT NULL
);
CREATE INDEX mention_by_entity ON mention (entity, record_id, start);
CREATE INDEX mention_by_record ON mention (record_id);
CREATE TABLE link (            -- a record's subjects (kind 'subject') and dates (kind 'date')
    record_id TEXT NOT NULL, entity TEXT NOT NULL, kind TEXT NOT NULL
);
CREATE INDEX link_by_entity ON link (entity, kind, record_id);
CREATE INDEX link_by_record ON link (record_id, kind, entity);
CREATE TABLE name (            -- the type and label of everything a record links to or a mention names (dates too)
    entity TEXT NOT NULL, type TEXT NOT NULL, label TEXT NOT NULL
);
CREATE INDEX name_by_entity ON name (entity);
"""


def _queries(jiyi_ns: str) -> dict[str, str]:
    """The one SPARQL query behind each table; jiyi_ns is the workspace's own terms (method, confidence, field)."""
    classes = ", ".join(f"rico:{name}" for name in ENTITY_CLASSES)
    return {
        "entity": f"""SELECT ?entity ?type ?label (COUNT(DISTINCT ?record) AS ?records)
            (SAMPLE(?lat) AS ?lat) (SAMPLE(?long) AS ?long) WHERE {{
            ?entity a ?type FILTER(?type IN ({classes}))
            ?entity rdfs:label ?label FILTER(LCASE(LANG(?label)) = "zh-hans")
            OPTIONAL {{ ?record rico:hasOrHadSubject ?entity }}
            OPTIONAL {{ ?entity schema:latitude ?lat ; schema:longitude ?long }}
            }} GROUP BY ?entity ?type ?label""",
        "mention": f"""SELECT ?entity ?id ?field ?start ?end ?exact ?method ?confidence WHERE {{
            ?a oa:hasBody ?entity ; prov:wasDerivedFrom ?record ; oa:hasTarget ?target .
            ?record rico:identifier ?id .
            ?target oa:hasSelector ?position, ?quote .
            ?position oa:start ?start ; oa:end ?end . ?quote oa:exact ?exact .
            OPTIONAL {{ ?a <{jiyi_ns}field> ?field }}
            OPTIONAL {{ ?a <{jiyi_ns}method> ?method }}
            OPTIONAL {{ ?a <{jiyi_ns}confidence> ?confidence }} }}""",
        "link": """SELECT DISTINCT ?id ?entity ?kind WHERE {
            ?record a rico:Record ; rico:identifier ?id .
            { ?record rico:hasOrHadSubject ?entity BIND("subject" AS ?kind) }
            UNION { ?record rico:isAssociatedWithDate ?entity BIND("date" AS ?kind) } }""",
        # Labels come in several scripts (zh-Hans, zh-Hant, pinyin, en): pages show the simplified one, dates their plain EDTF.
        "name": """SELECT DISTINCT ?entity ?type ?label WHERE {
            { SELECT DISTINCT ?entity WHERE { { ?record rico:hasOrHadSubject|rico:isAssociatedWithDate ?entity }
                                              UNION { ?a oa:hasBody ?entity } } }
            ?entity a ?type ; rdfs:label ?label . FILTER(LANGMATCHES(LANG(?label), "zh-Hans") || LANG(?label) = "") }""",
    }


def _values(store: pyoxigraph.Store, query: str) -> Iterator[tuple]:
    """Each solution as a tuple of plain strings ('' for an unbound variable), streamed."""
    solutions = store.query(query, prefixes=PREFIXES)
    names = [v.value for v in solutions.variables]
    for solution in solutions:
        yield tuple(solution[n].value if solution[n] is not None else "" for n in names)


def write_entity_index(path: Path, public_store: Path, jiyi_ns: str) -> dict[str, int]:
    """Fill a new SQLite file beside `path` from the public store, then rename it into place; rows per table."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.writing-{os.getpid()}")
    partial.unlink(missing_ok=True)
    store = pyoxigraph.Store.read_only(str(public_store))
    counts = {}
    with sqlite3.connect(partial) as db:
        db.executescript(SCHEMA)
        for table, query in _queries(jiyi_ns).items():
            rows = _values(store, query)
            if table == "mention":  # offsets as numbers, so a page sorts them as numbers
                rows = ((e, i, f, int(s), int(n), x, m, c) for e, i, f, s, n, x, m, c in rows)
            columns = len(db.execute(f"PRAGMA table_info({table})").fetchall())
            db.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * columns)})", rows)
            counts[table] = db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
    db.close()
    os.replace(partial, path)
    return counts


@dataclass
class Overview:
    """What the explorer's overview needs of the links, for some entity kinds and record sets."""
    entities: list[tuple[str, str, str, int]]  # (uri, type, label, records linking it), most records first
    links: list[dict[str, str]]  # {id, entity, type, label} of each entity in fewer records than the cap
    records: int  # how many records the links hold


class EntityIndex:
    """Read-only questions over entities.sqlite; like RecordIndex, one short connection per call (threads)."""

    def __init__(self, path: Path):
        self.path = path

    def _rows(self, sql: str, params: Iterable = ()) -> list[sqlite3.Row]:
        return read_only_rows(self.path, sql, params, sqlite3.Row)

    def entities(self) -> list[dict[str, str]]:
        """Every entity: uri, type, label, records (a string, as the graph's queries give numbers); most named first."""
        return [{"entity": r["uri"], "type": r["type"], "label": r["label"], "records": str(r["records"])}
                for r in self._rows("SELECT * FROM entity ORDER BY records DESC, label, uri")]

    def mentions(self, uri: str) -> list[dict[str, str]]:
        """Where the public texts name `uri`: id, field, start, end, exact, method, confidence, by record and offset."""
        return [{"id": r["record_id"], "field": r["field"], "start": str(r["start"]), "end": str(r["end"]),
                 "exact": r["exact"], "method": r["method"], "confidence": r["confidence"]}
                for r in self._rows("SELECT * FROM mention WHERE entity = ? ORDER BY record_id, start", (uri,))]

    def co_mentioned(self, uri: str, limit: int) -> list[dict[str, str]]:
        """Entities that are subjects of the same public records as `uri`, most shared records first."""
        return [dict(r) for r in self._rows(
            """SELECT e.uri AS other, e.type, e.label, e.lat, e.long, CAST(COUNT(DISTINCT b.record_id) AS TEXT) AS shared
               FROM link a JOIN link b ON b.record_id = a.record_id AND b.kind = 'subject' AND b.entity != a.entity
               JOIN entity e ON e.uri = b.entity
               WHERE a.entity = ? AND a.kind = 'subject'
               GROUP BY e.uri, e.type, e.label, e.lat, e.long ORDER BY COUNT(DISTINCT b.record_id) DESC, e.label
               LIMIT ?""", (uri, int(limit)))]

    def record_entities(self, record_id: str) -> list[dict[str, str]]:
        """What one record's texts name: entity, type, label, mentions, methods (", "-joined), highest confidence.

        Most mentioned first. An entity of two types is listed once under each, as the graph types it.
        """
        groups: dict[tuple[str, str, str], list[sqlite3.Row]] = {}
        for row in self._rows("""SELECT m.entity, n.type, n.label, m.method, m.confidence FROM mention m
                                 JOIN name n ON n.entity = m.entity WHERE m.record_id = ?""", (record_id,)):
            groups.setdefault((row["entity"], row["type"], row["label"]), []).append(row)
        found = [{"entity": entity, "type": kind, "label": label, "mentions": str(len(rows)),
                  "methods": ", ".join(sorted({r["method"] for r in rows if r["method"]})),
                  "confidence": max((r["confidence"] for r in rows if r["confidence"]), key=float, default="")}
                 for (entity, kind, label), rows in groups.items()]
        return sorted(found, key=lambda e: (-int(e["mentions"]), e["label"], e["entity"], e["type"]))

    def overview(self, kinds: Iterable[str], cap: int, *, record_index: Path | None = None,
                 sets: Sequence[str] | None = None) -> Overview:
        """Links of entities of `kinds` (RiC-O local names), counted in SQL rather than read one by one.

        The overview draws at most `cap` nodes, and an entity in `cap` or more records can never be one of
        them, so only the smaller entities' links are read. At 100,000 records reading all 475,000 links
        took 4.4 s and 450 MB per server process; counting them takes about 1.5 s. `sets` (record sets of
        records.sqlite at `record_index`) narrows to those sets' records; None: every record.
        """
        db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
        try:
            kinds = set(kinds)
            types = [t for (t,) in db.execute("SELECT DISTINCT type FROM name") if t.rsplit("#", 1)[-1] in kinds]
            where, params = f"l.entity IN (SELECT entity FROM name WHERE type IN ({_marks(types)}))", list(types)
            if sets is not None:
                db.execute("ATTACH DATABASE ? AS rec", (f"file:{record_index}?mode=ro",))
                where += f" AND l.record_id IN (SELECT id FROM rec.records WHERE record_set IN ({_marks(sets)}))"
                params += list(sets)
            counts = dict(db.execute(f"SELECT l.entity, COUNT(DISTINCT l.record_id) FROM link l WHERE {where} "
                                     "GROUP BY l.entity", params))
            # An entity of two kinds is shown as the last (type, label) in order, as when links were read one by one.
            about = {entity: (kind, label) for entity, kind, label in db.execute(
                f"SELECT entity, type, label FROM name WHERE type IN ({_marks(types)}) ORDER BY entity, type, label",
                types) if entity in counts}
            records = db.execute(f"SELECT COUNT(DISTINCT l.record_id) FROM link l WHERE {where}", params).fetchone()[0]
            small = sorted(e for e, n in counts.items() if n < cap)
            links = []
            for start in range(0, len(small), SQLITE_VARIABLES):
                chunk = small[start:start + SQLITE_VARIABLES]
                links += [{"id": record_id, "entity": entity, "type": about[entity][0], "label": about[entity][1]}
                          for record_id, entity in db.execute(
                              f"SELECT DISTINCT l.record_id, l.entity FROM link l WHERE {where} "
                              f"AND l.entity IN ({_marks(chunk)}) ORDER BY l.record_id, l.entity", params + chunk)]
        finally:
            db.close()
        ranked = sorted(counts, key=lambda e: (-counts[e], about[e][1], e))
        return Overview([(e, *about[e], counts[e]) for e in ranked], links, records)

    def record_entity_links(self) -> list[dict[str, str]]:
        """Every (record id, entity, type, label) a public record links to by subject or date."""
        return [dict(r) for r in self._rows(
            """SELECT DISTINCT l.record_id AS id, l.entity, n.type, n.label FROM link l JOIN name n ON n.entity = l.entity
               ORDER BY l.record_id, l.entity, n.type, n.label""")]


def _marks(values: Sequence) -> str:
    return ", ".join("?" * len(values))
