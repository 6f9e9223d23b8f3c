"""The app's only door to a workspace: cached loaders over build/public/, refusing anything else.

Restricted records live in build/internal/; the public app must never read them, so
every file read goes through `public_path`, which refuses paths outside build/public/.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote, unquote

import streamlit as st
from pyoxigraph import RdfFormat, Store

from jiyi.model import Exhibit, Record, from_dict, read_jsonl
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


# Loaders take (path, mtime) so a rebuild while the app runs is picked up on the next rerun.
@st.cache_resource(show_spinner=False)
def _records(path: str, mtime: float) -> list[Record]:
    return list(read_jsonl(Path(path), Record)) if mtime else []


def records() -> list[Record]:
    path = public_path("records.jsonl")
    return _records(str(path), _stamp(path))


def records_by_id() -> dict[str, Record]:
    return {r.id: r for r in records()}


def set_counts() -> dict[str, int]:
    """Open records per record set, in the order the sets first appear."""
    return dict(Counter(r.record_set for r in records()))


@st.cache_resource(show_spinner=False)
def _store(path: str, mtime: float) -> Store:
    store = Store()  # in memory: the public Turtle is small next to what Oxigraph loads in seconds
    if mtime:
        store.bulk_load(path=path, format=RdfFormat.TURTLE)
    return store


def graph_available() -> bool:
    return public_path("graph", "public.ttl").is_file()


@st.cache_data(show_spinner=False)
def _select(path: str, mtime: float, query: str) -> list[dict[str, str]]:
    solutions = _store(path, mtime).query(PREFIXES + query)
    names = [v.value for v in solutions.variables]
    return [{n: (s[n].value if s[n] is not None else "") for n in names} for s in solutions]


def select(query: str) -> list[dict[str, str]]:
    """Rows of a SPARQL SELECT over the public graph, each a dict of plain strings."""
    path = public_path("graph", "public.ttl")
    return _select(str(path), _stamp(path), query)


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


# Labels come in several scripts (zh-Hans, zh-Hant, pinyin, en); pages show the simplified
# one, and dates their plain EDTF label.
def record_entities(record_id: str) -> list[dict[str, str]]:
    """Entities the graph's annotations say this record mentions, with how often and how found."""
    if not graph_available():
        return []
    literal = json.dumps(record_id, ensure_ascii=False)  # a JSON string is a valid SPARQL string literal
    # Jiyi's own terms live under the workspace's base URI, so match them by local name.
    return select(f"""SELECT ?entity ?type ?label (COUNT(DISTINCT ?a) AS ?mentions)
        (GROUP_CONCAT(DISTINCT ?method; separator=", ") AS ?methods) (MAX(?conf) AS ?confidence) WHERE {{
        ?record rico:identifier {literal} .
        ?a oa:hasBody ?entity ; prov:wasDerivedFrom ?record .
        OPTIONAL {{ ?a ?pm ?method FILTER(STRENDS(STR(?pm), "#method")) }}
        OPTIONAL {{ ?a ?pc ?conf FILTER(STRENDS(STR(?pc), "#confidence")) }}
        ?entity a ?type ; rdfs:label ?label . FILTER(LANGMATCHES(LANG(?label), "zh-Hans") || LANG(?label) = "")
        }} GROUP BY ?entity ?type ?label ORDER BY DESC(?mentions) ?label""")


def record_entity_links() -> list[dict[str, str]]:
    """Every (record id, entity, type, label) the public graph links by subject or date."""
    if not graph_available():
        return []
    return select("""SELECT DISTINCT ?id ?entity ?type ?label WHERE {
        ?record a rico:Record ; rico:identifier ?id ; (rico:hasOrHadSubject|rico:isAssociatedWithDate) ?entity .
        ?entity a ?type ; rdfs:label ?label . FILTER(LANGMATCHES(LANG(?label), "zh-Hans") || LANG(?label) = "") }""")


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
    import uvicorn

    from jiyi.iiif.server import create_app

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))  # bound here, so no other process can take the port before uvicorn listens
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(Path(iiif_dir), base_uri), log_level="warning",
                                           access_log=False))
    threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True, name="jiyi-iiif").start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
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
ENTITY_CLASSES = ("Person", "CorporateBody", "Place", "Event")
RELATIONS = ("isOrWasParticipantIn", "hasOrHadLocation", "occurredAtDate", "isOrWasMemberOf")


def entities() -> list[dict[str, str]]:
    """Every public person, body, place and event: uri, type, label, records (how many mention it)."""
    if not graph_available():
        return []
    classes = ", ".join(f"rico:{name}" for name in ENTITY_CLASSES)
    return select(f"""SELECT ?entity ?type ?label (COUNT(DISTINCT ?record) AS ?records) WHERE {{
        ?entity a ?type FILTER(?type IN ({classes}))
        ?entity rdfs:label ?label FILTER(LCASE(LANG(?label)) = "zh-hans")
        OPTIONAL {{ ?record rico:hasOrHadSubject ?entity }}
        }} GROUP BY ?entity ?type ?label ORDER BY DESC(?records) ?label""")


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
    return select(f"""SELECT ?id ?field ?start ?end ?exact ?method ?confidence WHERE {{
        ?a oa:hasBody {_iri(uri)} ; prov:wasDerivedFrom ?record ; oa:hasTarget ?target .
        ?record rico:identifier ?id .
        ?target oa:hasSelector ?position, ?quote .
        ?position oa:start ?start ; oa:end ?end . ?quote oa:exact ?exact .
        OPTIONAL {{ ?a ?pf ?field FILTER(STRENDS(STR(?pf), "#field")) }}
        OPTIONAL {{ ?a ?pm ?method FILTER(STRENDS(STR(?pm), "#method")) }}
        OPTIONAL {{ ?a ?pc ?confidence FILTER(STRENDS(STR(?pc), "#confidence")) }}
        }} ORDER BY ?id xsd:integer(?start)""")


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
    classes = ", ".join(f"rico:{name}" for name in ENTITY_CLASSES)
    return select(f"""SELECT ?other ?type ?label ?lat ?long (COUNT(DISTINCT ?record) AS ?shared) WHERE {{
        ?record rico:hasOrHadSubject {_iri(uri)}, ?other . FILTER(?other != {_iri(uri)})
        ?other a ?type FILTER(?type IN ({classes}))
        ?other rdfs:label ?label FILTER(LCASE(LANG(?label)) = "zh-hans")
        OPTIONAL {{ ?other schema:latitude ?lat ; schema:longitude ?long }}
        }} GROUP BY ?other ?type ?label ?lat ?long ORDER BY DESC(?shared) ?label LIMIT {int(limit)}""")
