"""The app's only door to a workspace: cached loaders over build/public/, refusing anything else.

Restricted records live in build/internal/; the public app must never read them, so
every file read goes through `public_path`, which refuses paths outside build/public/.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import unquote

import streamlit as st
from pyoxigraph import RdfFormat, Store

from jiyi.model import Exhibit, Record, from_dict, read_jsonl
from jiyi.workspace import Workspace

STATE_KEY = "jiyi_workspace"  # a test (or an embedding app) may set the workspace here
ENV_KEY = "JIYI_WORKSPACE"
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg"}
PREFIXES = """PREFIX rico: <https://www.ica.org/standards/RiC/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX prov: <http://www.w3.org/ns/prov#>
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
