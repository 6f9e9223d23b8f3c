"""The app's only door to a workspace: cached loaders over build/public/, refusing anything else.

Restricted records live in build/internal/; the public app must never read them, so
every file read goes through `public_path`, which refuses paths outside build/public/.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from urllib.parse import quote, unquote

import streamlit as st
from pyoxigraph import RdfFormat, Store

from jiyi.graph.entity_index import ENTITY_CLASSES, EntityIndex
from jiyi.model import Exhibit, Record, from_dict
from jiyi.record_index import RecordIndex
from jiyi.workspace import Workspace

STATE_KEY = "jiyi_workspace"  # a test (or an embedding app) may set the workspace here
ENV_KEY = "JIYI_WORKSPACE"
# The address readers' browsers reach `jiyi serve` at, for a deployment behind a proxy; unset, the app
# starts the IIIF server itself on a loopback port, which only a browser on this machine can reach.
IIIF_URL_ENV = "JIYI_IIIF_URL"
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg"}
PREFIXES = """PREFIX rico: <https://www.ica.org/standards/RiC/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX schema: <https://schema.org/>
"""


class OutsidePublic(PermissionError):
    """A path that is not under build/public/ — never served."""


def _argv_workspace() -> str | None:
    # `jiyi app` runs `streamlit run main.py -- --workspace DIR`; Streamlit hands the
    # arguments after `--` to the script as sys.argv[1:].
    args = sys.argv[1:]
    for i, arg in enumerate(args):
        if arg == "--workspace" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--workspace="):
            return arg.split("=", 1)[1]
    return None


def workspace_root() -> Path | None:
    """The workspace: session state, else `--workspace` after `--`, else $JIYI_WORKSPACE."""
    for candidate in (st.session_state.get(STATE_KEY), _argv_workspace(), os.environ.get(ENV_KEY)):
        if candidate:
            return Path(candidate).resolve()
    return None


def workspace() -> Workspace:
    root = workspace_root()
    if root is None:
        raise LookupError("no workspace: pass --workspace or set JIYI_WORKSPACE")
    return Workspace(root)


def public_path(*parts: str | Path) -> Path:
    """A path under build/public/ (resolved, symlinks followed); OutsidePublic otherwise."""
    base = workspace().public.resolve()
    path = base.joinpath(*parts).resolve()
    if not path.is_relative_to(base):
        raise OutsidePublic(f"{path} is outside {base}; the public app reads build/public/ only")
    return path


def _stamp(path: Path) -> float:
    return path.stat().st_mtime if path.exists() else 0.0


# Loaders take (path, stamp) so a rebuild while the app runs is picked up on the next rerun.
# ---------------------------------------------------------------- records: looked up in build/public/records.sqlite
def _file_stamp(path: Path) -> str:
    """Changes whenever a build replaces the file or folder (a rename gives a new inode and time); "" if absent."""
    if not path.exists():
        return ""
    info = path.stat()
    return f"{info.st_ino}:{info.st_mtime_ns}"


def record_index() -> RecordIndex:
    return RecordIndex(public_path("records.sqlite"))


def record(record_id: str) -> Record | None:
    """One open record, or None (not open, or no such id: the app says both the same way)."""
    return record_index().get(record_id)


def records_many(ids) -> dict[str, Record]:
    """The open records among these ids, by id."""
    return record_index().get_many(ids)


def record_count() -> int:
    return record_index().count()


# Whole-collection columns, read once per build and shared by every session (cache_resource: not copied per
# rerun, so callers must not change them).
@st.cache_resource(show_spinner=False)
def _column(path: str, stamp: str, name: str):
    return getattr(RecordIndex(Path(path)), name)()


def _index_column(name: str):
    path = public_path("records.sqlite")
    return _column(str(path), _file_stamp(path), name)


def record_titles() -> dict[str, str]:
    """id → title of every open record, in catalogue order."""
    return _index_column("titles")


def record_dates() -> dict[str, str]:
    """id → normalised date of every open record ('' when unknown)."""
    return _index_column("dates")


def set_counts() -> dict[str, int]:
    """Open records per record set, in the order the sets first appear."""
    return _index_column("set_counts")


def record_year_range() -> tuple[int, int] | None:
    return _index_column("year_range")


def search_records(terms: list[str], limit: int) -> tuple[int, list[Record]]:
    return record_index().search(terms, limit)


def _store(path: str, stamp: str) -> Store:
    # The graph stage writes the public graph as its own Oxigraph store; opened read-only, it is ready in
    # milliseconds and shared by every session of this process (parsing public.ttl took 29 s at 20,000 records).
    return _open_store(path, stamp)[0]


@st.cache_resource(show_spinner=False)
def _open_store(path: str, stamp: str) -> list[Store]:
    # In a list: with usage statistics on (Streamlit's default, and in AppTest), Streamlit calls len() on what
    # a cached function returns, and len() of a Store counts its quads: 4 s at 100,000 records.
    return [Store.read_only(path)]


def _public_store_key() -> tuple[str, str]:
    """The public store's path and a stamp that changes when a build swaps in a new store (a new folder)."""
    path = public_path("graph", "oxigraph")
    return str(path), _file_stamp(path)


def graph_available() -> bool:
    return public_path("graph", "oxigraph").is_dir()


def _rows(store: Store, query: str) -> list[dict[str, str]]:
    solutions = store.query(PREFIXES + query)
    names = [v.value for v in solutions.variables]
    return [{n: (s[n].value if s[n] is not None else "") for n in names} for s in solutions]


@st.cache_data(show_spinner=False)
def _select(path: str, stamp: str, query: str) -> list[dict[str, str]]:
    return _rows(_store(path, stamp), query)


def select(query: str) -> list[dict[str, str]]:
    """Rows of a SPARQL SELECT over the public graph, each a dict of plain strings."""
    return _select(*_public_store_key(), query)


def set_labels() -> dict[str, tuple[str, str]]:
    """record set id → (zh, en) title, from the graph; the id itself when the graph has none."""
    rows = select("""SELECT ?set (SAMPLE(?zh) AS ?zh) (SAMPLE(?en) AS ?en) WHERE {
        ?set a rico:RecordSet . FILTER(CONTAINS(STR(?set), "/recordset/"))
        OPTIONAL { ?set rico:title ?zh FILTER(LANGMATCHES(LANG(?zh), "zh")) }
        OPTIONAL { ?set rico:title ?en FILTER(LANG(?en) = "en") } } GROUP BY ?set""") if graph_available() else []
    labels = {}
    for row in rows:
        key = _unquote_tail(row["set"])
        labels[key] = (row["zh"] or key, row["en"] or row["zh"] or key)
    return {s: labels.get(s, (s, s)) for s in set_counts()}


def _unquote_tail(uri: str) -> str:
    return unquote(uri.rsplit("/", 1)[-1])


def record_entities(record_id: str) -> list[dict[str, str]]:
    """Entities the record's texts name, with how often and how found (graph/entity_index.py: one SQLite query;
    the same question of the store took 2.4 s per record at 20,000 records)."""
    return entity_index().record_entities(record_id)


def overview_choice(sets, types, cap: int, top: int):
    """The explorer overview for these record sets and entity types: (network.choose's Subgraph or None when
    nothing is linked, the `top` entities as (label, type local name, records)).

    Kept per choice: at 100,000 records, filtering the 475,000 links and choosing took 2 s on every rerun.
    """
    records = public_path("records.sqlite")
    every_set = set(sets) >= set(set_counts())  # the default: no need to look up each record's set
    return _overview_choice(*_entity_index_key(), str(records), _file_stamp(records),
                            None if every_set else tuple(sorted(sets)), tuple(sorted(types)), int(cap), int(top))


@st.cache_data(show_spinner=False, max_entries=32)
def _overview_choice(path: str, stamp: str, records: str, records_stamp: str, sets: tuple | None, types: tuple,
                     cap: int, top: int):
    from jiyi.apps import network

    found = EntityIndex(Path(path)).overview(types, cap, record_index=Path(records), sets=sets)
    if not found.entities:
        return None, []
    graph = network.choose(found.links, cap, total_nodes=len(found.entities) + found.records)
    return graph, [(label, network.local_name(kind), n) for _, kind, label, n in found.entities[:top]]


def entity_index() -> EntityIndex:
    """build/public/graph/entities.sqlite: one entity's mentions and neighbours without a graph query (graph/entity_index.py)."""
    return EntityIndex(Path(_entity_index_key()[0]))


def _entity_index_key() -> tuple[str, str]:
    path = public_path("graph", "entities.sqlite")
    return str(path), _file_stamp(path)


@st.cache_data(show_spinner=False)
def _json(path: str, mtime: float):
    return json.loads(Path(path).read_text(encoding="utf-8"))


def exhibits() -> list[Exhibit]:
    folder = public_path("exhibits")
    files = sorted(folder.glob("*.json")) if folder.is_dir() else []
    return [from_dict(Exhibit, _json(str(public_path("exhibits", f.name)), _stamp(f))) for f in files]


def manifest(record_id: str) -> dict | None:
    path = public_path("iiif", record_id, "manifest.json")
    return _json(str(path), _stamp(path)) if path.is_file() else None


def is_facsimile(manifest_json: dict | None) -> bool:
    """True when the manifest's metadata or summary says the pages are rendered, not scanned."""
    if not manifest_json:
        return False
    said = json.dumps([manifest_json.get("metadata", []), manifest_json.get("summary", {})], ensure_ascii=False)
    return "facsimile" in said.lower() or "摹本" in said


def page_images(record_id: str) -> list[Path]:
    """The record's page images in page order; none when the IIIF stage made none."""
    folder = public_path("iiif", "images", record_id)
    if not folder.is_dir():
        return []
    return sorted(public_path("iiif", "images", record_id, p.name) for p in folder.iterdir()
                  if p.suffix.lower() in IMAGE_SUFFIXES)


# The IIIF viewer. Streamlit's static serving sends .js as text/plain, which browsers refuse to run, so
# Mirador is served by `jiyi serve`'s app: the deployment's (at $JIYI_IIIF_URL) or one started here.
# jiyi.iiif is imported where used: its package pulls in the graph stage, seconds the other pages need not wait.
def iiif_base_uri() -> str | None:
    """The base_uri the public IIIF was built with, read back from the top collection's id."""
    path = public_path("iiif", "collection", "top.json")
    if not path.is_file():
        return None
    top_id = _json(str(path), _stamp(path)).get("id", "")
    return top_id.removesuffix("iiif/collection/top.json") if top_id.endswith("iiif/collection/top.json") else None


@st.cache_resource(show_spinner=False)
def _local_iiif_server(iiif_dir: str, base_uri: str) -> str:
    """`jiyi serve`'s app in a daemon thread on a free loopback port, once per Streamlit process and workspace."""
    from jiyi.iiif.server import serve_in_thread

    _, _, port = serve_in_thread(Path(iiif_dir), base_uri)
    return f"http://127.0.0.1:{port}/"


def iiif_server_url() -> str | None:
    """Where readers' browsers reach the IIIF server (ending in /); None when the viewer cannot be offered."""
    configured = os.environ.get(IIIF_URL_ENV, "").strip()
    if configured:
        return configured.rstrip("/") + "/"
    from jiyi.iiif import viewer

    base_uri = iiif_base_uri()
    if base_uri is None or not viewer.installed():
        return None
    return _local_iiif_server(str(public_path("iiif")), base_uri)


def viewer_url(record_id: str, lang: str) -> str | None:
    """The Mirador page opening this record's public manifest, or None (no manifest, no viewer installed)."""
    if manifest(record_id) is None:
        return None
    server = iiif_server_url()
    if server is None:
        return None
    from jiyi.iiif import viewer

    return viewer.viewer_url(server, f"{server}iiif/{quote(record_id)}/manifest.json", lang)


# ---------------------------------------------------------------- entities (the entity page)
# Oxigraph keeps language tags in lower case, so they are compared in lower case.
RELATIONS = ("isOrWasParticipantIn", "hasOrHadLocation", "occurredAtDate", "isOrWasMemberOf")


def entities() -> list[dict[str, str]]:
    """Every public person, body, place and event: uri, type, label, records (how many have it as a subject)."""
    return _entities(*_entity_index_key())


@st.cache_resource(show_spinner=False)  # read once per build and shared; callers must not change it
def _entities(path: str, stamp: str) -> list[dict[str, str]]:
    return EntityIndex(Path(path)).entities()


def _iri(uri: str) -> str:
    """An IRI for a query, from a value that came out of the graph (or a URL): refused if it could break out."""
    if any(char in uri for char in '<>"{}|^`\\ \n'):
        raise ValueError(f"not an IRI: {uri!r}")
    return f"<{uri}>"


def entity_description(uri: str) -> list[dict[str, str]]:
    """The entity's own literals and links: (property, value, language)."""
    return select(f"SELECT ?p ?o (LANG(?o) AS ?lang) WHERE {{ {_iri(uri)} ?p ?o }}")


def entity_mentions(uri: str) -> list[dict[str, str]]:
    """Where the public texts name the entity: record id, field, offsets, words, method, confidence."""
    return _entity_mentions(*_entity_index_key(), uri)


# Shared, not copied per rerun (callers must not change them): a person named in 11,000 records has as many
# mentions, and reading them again on every rerun of the page doubled its render time.
@st.cache_resource(show_spinner=False, max_entries=256)
def _entity_mentions(path: str, stamp: str, uri: str) -> list[dict[str, str]]:
    return EntityIndex(Path(path)).mentions(uri)


def entity_relations(uri: str) -> list[dict[str, str]]:
    """Facts linking the entity to another (participation, place, date, membership), each with its statement's record."""
    properties = ", ".join(f"rico:{name}" for name in RELATIONS)
    node = _iri(uri)
    return select(f"""SELECT ?direction ?property ?other ?label ?id ?method ?confidence WHERE {{
        {{ {node} ?property ?other BIND("out" AS ?direction) }} UNION {{ ?other ?property {node} BIND("in" AS ?direction) }}
        FILTER(?property IN ({properties}))
        OPTIONAL {{ ?other rdfs:label ?label FILTER(LCASE(LANG(?label)) = "zh-hans" || LANG(?label) = "") }}
        OPTIONAL {{ ?statement rdf:subject ?s ; rdf:predicate ?property ; rdf:object ?o ; prov:wasDerivedFrom ?record .
                   ?record rico:identifier ?id .
                   FILTER((?direction = "out" && ?s = {node} && ?o = ?other) || (?direction = "in" && ?o = {node} && ?s = ?other))
                   OPTIONAL {{ ?statement ?pm ?method FILTER(STRENDS(STR(?pm), "#method")) }}
                   OPTIONAL {{ ?statement ?pc ?confidence FILTER(STRENDS(STR(?pc), "#confidence")) }} }}
        }} ORDER BY ?property ?label""")


def co_mentioned(uri: str, limit: int = 30) -> list[dict[str, str]]:
    """Entities named in the same public records, most shared records first: the entity's neighbours."""
    return _co_mentioned(*_entity_index_key(), uri, int(limit))


# Kept per entity: for a person named in 55,000 records the join takes a second at 100,000 records.
@st.cache_resource(show_spinner=False, max_entries=256)
def _co_mentioned(path: str, stamp: str, uri: str, limit: int) -> list[dict[str, str]]:
    return EntityIndex(Path(path)).co_mentioned(uri, limit)


# ---------------------------------------------------------------- themed databases (the search page)
# jiyi.search is imported where used: it loads jieba and tantivy, which the other pages need not wait for.
# Only build/public/search/ is read: the internal indexes hold restricted records.
def search_themes() -> dict[str, dict]:
    """The public themed databases by name: each one's theme.json (labels, record count, facets, base_uri)."""
    folder = public_path("search")
    if not folder.is_dir():
        return {}
    themes = {}
    for sub in sorted(folder.iterdir()):
        meta = public_path("search", sub.name, "theme.json")  # checked again: a symlinked folder may point elsewhere
        if meta.is_file():
            themes[sub.name] = _json(str(meta), _stamp(meta))
    return themes


@st.cache_resource(show_spinner=False)
def _search_tokenizer():
    from jiyi.search.documents import Tokenizer

    return Tokenizer()  # jieba's dictionary loads once per process, shared by every theme


@st.cache_resource(show_spinner=False)
def _search_backend(folder: str, meta: str, mtime: float):
    from jiyi.search.index import open_backend

    return open_backend(Path(folder), _json(meta, mtime), tokenizer=_search_tokenizer())


def search_backend(theme: str):
    """The theme's public index (tantivy's folder, or the public index on OpenSearch), opened once;
    a rebuild (a new theme.json) opens the new one."""
    meta = public_path("search", theme, "theme.json")
    return _search_backend(str(public_path("search", theme)), str(meta), _stamp(meta))


def search_export(backend, request, suffix: str, *, base_uri: str, query: dict) -> bytes:
    """Every hit of the request (up to search/export.py's limit) as CSV or JSON-LD, made by `jiyi search --export`'s code.

    Called when the reader clicks a download, possibly outside the page's run: it touches no session state.
    """
    import tempfile

    from jiyi.search.export import EXPORT_LIMIT, export_results

    with tempfile.TemporaryDirectory(prefix="jiyi-export-") as tmp:
        path = Path(tmp) / f"results{suffix}"
        export_results(path, backend.all_hits(request, EXPORT_LIMIT), base_uri=base_uri, query=query)
        return path.read_bytes()


# ---------------------------------------------------------------- graph explorer: ego networks, paths, exports
# graph.queries asks the explorer's questions (the ones `jiyi bench graph` times); here they run on the
# in-memory public store. jiyi.graph is imported where used: it takes a second other pages need not wait for.
EXPLORER_KINDS = ("Record", "Person", "CorporateBody", "Agent", "Place", "Event", "Date")  # first listed type names a node
RDF_TYPE, RDFS_LABEL_IRI = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", "http://www.w3.org/2000/01/rdf-schema#label"
RICO_IDENTIFIER = "https://www.ica.org/standards/RiC/ontology#identifier"


def _values(uris) -> str:
    return " ".join(_iri(uri) for uri in sorted(uris))


# The fewest rows the explorer asks for, however low its node cap (views/graph_explorer.py: ego_rows). At 100,000
# records a hub's 5,000 neighbours took 2.6 s to type and link, 2,000 took 1.2–1.9 s (docs/benchmarks.md).
EGO_ROWS = 1000


@st.cache_data(show_spinner=False)
def _ego_edges(path: str, stamp: str, uri: str, depth: int, limit: int) -> tuple[list[tuple[str, str]], bool]:
    from jiyi.graph import queries
    from jiyi.graph.vocab import PREFIXES as GRAPH_PREFIXES

    store = _store(path, stamp)
    edges, truncated = queries.neighbourhood_within(store, uri, depth=min(depth, 2), limit=limit)
    if depth < 3:
        return edges, truncated
    # neighbourhood stops at two steps; a third is one more step out from the nodes two steps away.
    near = {uri} | {b for a, b in edges if a == uri}
    rim = {n for edge in edges for n in edge} - near
    if not rim:
        return edges, truncated
    rows = list(store.query(f"SELECT ?a ?b WHERE {{ VALUES ?a {{ {_values(rim)} }} ?a ({queries.STEP}) ?b }} "
                            f"LIMIT {limit + 1}", prefixes=GRAPH_PREFIXES, use_default_graph_as_union=True))
    third = {(row[0].value, row[1].value) for row in rows[:limit] if row[1].value != uri}
    return sorted(set(edges) | third), truncated or len(rows) > limit


def ego_edges(uri: str, depth: int, rows: int) -> tuple[list[tuple[str, str]], bool]:
    """Edges (a, b) within `depth` (1–3) steps of the entity, as graph.queries.neighbourhood finds them, and
    whether there were more than `rows` of them (then the edges are the first `rows` found)."""
    _iri(uri)  # refuse a URI that could break out of a query before it reaches one
    return _ego_edges(*_public_store_key(), uri, int(depth), int(rows))


@st.cache_data(show_spinner=False)
def _path(path: str, stamp: str, start: str, goal: str) -> list[str]:
    from jiyi.graph import queries

    return queries.shortest_path(_store(path, stamp), start, goal)


def shortest_path(start: str, goal: str) -> list[str]:
    """Nodes of a shortest path between two entities (graph.queries.shortest_path: dates not followed), or []."""
    _iri(start), _iri(goal)
    return _path(*_public_store_key(), start, goal)


def node_facts(uris) -> dict[str, dict[str, str]]:
    """uri → kind, label (simplified Chinese, else plain), record id (records), date (EDTF, earliest)."""
    if not uris:
        return {}
    rows = select(f"""SELECT ?n (GROUP_CONCAT(DISTINCT STR(?type); separator=" ") AS ?types)
        (SAMPLE(?zh) AS ?zh) (SAMPLE(?plain) AS ?plain) (SAMPLE(?id) AS ?id) (MIN(STR(?date)) AS ?date) WHERE {{
        VALUES ?n {{ {_values(uris)} }}
        OPTIONAL {{ ?n a ?type }}
        OPTIONAL {{ ?n rdfs:label ?zh FILTER(LCASE(LANG(?zh)) = "zh-hans") }}
        OPTIONAL {{ ?n rdfs:label ?plain FILTER(LANG(?plain) = "") }}
        OPTIONAL {{ ?n rico:identifier ?id }}
        OPTIONAL {{ ?n (rico:normalizedDateValue|rico:hasCreationDate/rico:normalizedDateValue
                        |rico:occurredAtDate/rico:normalizedDateValue) ?date }}
        }} GROUP BY ?n""")
    facts = {}
    for row in rows:
        kinds = {uri.rsplit("#", 1)[-1] for uri in row["types"].split()}
        kind = next((k for k in EXPLORER_KINDS if k in kinds), "")
        facts[row["n"]] = {"kind": kind, "label": row["zh"] or row["plain"] or row["id"] or _unquote_tail(row["n"]),
                           "id": row["id"], "date": row["date"]}
    return facts


def links_among(uris) -> list[tuple[str, str, str]]:
    """(a, b, relation local name) for every explorer link (graph.queries.LINKS) between two of the given nodes."""
    from jiyi.graph import queries

    shown = set(uris)
    # The link properties are filtered in the query: every triple of 5,000 nodes took 1.0 s at 20,000 records, the
    # links alone 0.4 s. (A VALUES ?p block instead made Oxigraph take over a minute.)
    rows = select(f"""SELECT ?a ?p ?b WHERE {{ VALUES ?a {{ {_values(shown)} }} ?a ?p ?b
                      FILTER(?p IN ({", ".join(queries.LINKS)})) }}""") if shown else []
    return sorted({(row["a"], row["b"], row["p"].rsplit("#", 1)[-1]) for row in rows if row["b"] in shown})


def subgraph_turtle(uris):
    """A maker of the shown nodes as Turtle: their types, labels and identifiers, and the triples linking two of them.

    The store is chosen now: a deferred download runs later in a server thread, where the
    workspace kept in session state is out of reach.
    """
    path, stamp = _public_store_key()
    shown = frozenset(uris)
    return lambda: _turtle(path, stamp, shown)


def _turtle(path: str, stamp: str, shown: frozenset[str]) -> str:
    from pyoxigraph import NamedNode, serialize

    from jiyi.graph.vocab import PREFIXES as GRAPH_PREFIXES

    if not shown:
        return ""
    own = {RDF_TYPE, RDFS_LABEL_IRI, RICO_IDENTIFIER}
    triples = [triple for triple in _store(path, stamp).query(
        f"CONSTRUCT {{ ?a ?p ?o }} WHERE {{ VALUES ?a {{ {_values(shown)} }} ?a ?p ?o }}")
        if triple.predicate.value in own or (isinstance(triple.object, NamedNode) and triple.object.value in shown)]
    return serialize(triples, format=RdfFormat.TURTLE, prefixes=GRAPH_PREFIXES).decode("utf-8")


# ---------------------------------------------------------------- mentions in a record's text (the item page)
def record_mentions(record_id: str) -> list[dict[str, str]]:
    """Spans of the record's fields that name a public person, body, place or event: field, start, end, entity."""
    if not graph_available():
        return []
    literal = json.dumps(record_id, ensure_ascii=False)
    classes = ", ".join(f"rico:{name}" for name in ENTITY_CLASSES)
    return select(f"""SELECT ?field ?start ?end ?entity WHERE {{
        ?record rico:identifier {literal} .
        ?a oa:hasBody ?entity ; prov:wasDerivedFrom ?record ; oa:hasTarget ?target ; ?pf ?field .
        FILTER(STRENDS(STR(?pf), "#field"))
        ?entity a ?type FILTER(?type IN ({classes}))
        ?target oa:hasSelector ?position . ?position oa:start ?start ; oa:end ?end .
        }} ORDER BY xsd:integer(?start)""")


def places() -> list[dict[str, str]]:
    """Public places with coordinates: uri, label, lat, long, records (how many name it)."""
    if not graph_available():
        return []
    return select("""SELECT ?place ?label ?lat ?long (COUNT(DISTINCT ?record) AS ?records) WHERE {
        ?place a rico:Place ; schema:latitude ?lat ; schema:longitude ?long ;
               rdfs:label ?label FILTER(LCASE(LANG(?label)) = "zh-hans")
        OPTIONAL { ?record rico:hasOrHadSubject ?place }
        } GROUP BY ?place ?label ?lat ?long ORDER BY DESC(?records) ?label""")
