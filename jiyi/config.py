"""Read `jiyi.toml` against a strict schema: every wrong key or type is located and explained."""

from __future__ import annotations

import datetime as dt
import difflib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jiyi.errors import ConfigError

# The schema: for each table, its keys with (type, default, help). A default of
# REQUIRED means the key must be given. Lists of tables ([[catalogue]]) use their
# own entry schema. This dict is the documentation of jiyi.toml as well.
REQUIRED = object()

COLUMN_KEYS = {
    # Record field: what it holds (the DA/T 18 name in brackets)
    "id": "the archival reference code [档号]; a row without one is dropped",
    "title": "the title [题名]",
    "creator": "the creator, a person or body [责任者]",
    "date": "the date [日期], e.g. 1935-01-17, 1935年1月17日, 民国二十四年一月",
    "fonds": "the fonds [全宗]",
    "retention": "the retention period [保管期限]",
    "access": "the open-review status [开放状态]: 开放 / 控制 / 不开放 …",
    "holder": "the holding institution [保管机构]",
    "embargo": "the date the record stays closed until [延期开放日期], e.g. 2030-01-01 or 2030年1月1日; a build on or after it "
               "opens the record, whatever its status says",
    "abstract": "an abstract or description [摘要]",
    "text": "a full transcription, when the catalogue carries one [全文]",
    "note": "a caveat readers must see, e.g. an unverified date",
}

CATALOGUE_SCHEMA: dict[str, tuple[type, Any, str]] = {
    "file": (str, REQUIRED, "the catalogue, a CSV file or an Excel workbook (.xlsx), relative to the workspace"),
    "sheet": (str, "", "for an .xlsx file, the sheet holding the catalogue; empty means the first sheet"),
    "record_set": (str, REQUIRED, "a short id for the record set these rows belong to"),
    "label_zh": (str, "", "the record set's name in Chinese"),
    "label_en": (str, "", "the record set's name in English"),
    "encoding": (str, "utf-8", 'the file\'s encoding, e.g. "gb18030", "big5", "utf-16"; a UTF-8 byte-order mark is always '
                 'accepted; "auto" detects UTF-8/UTF-16 (with or without BOM), GB18030 (GBK, GB2312) or Big5; not used for .xlsx'),
    "default_access": (str, "", "open status for rows whose status cell is empty"),
    "columns": (dict, REQUIRED, "which column of the CSV file or sheet holds each record field"),
}

TEXTS_SCHEMA: dict[str, tuple[type, Any, str]] = {
    "dir": (str, REQUIRED, "a folder of .txt / .md files, relative to the workspace"),
    "record_set": (str, REQUIRED, "a short id for the record set these documents belong to"),
    "label_zh": (str, "", "the record set's name in Chinese"),
    "label_en": (str, "", "the record set's name in English"),
    "access": (str, "开放", "open status of every document in the folder"),
    "id_prefix": (str, "TXT", "prefix of the ids minted from file names"),
    "source_note": (str, "", "where the documents come from, shown with each one"),
    "encoding": (str, "auto", '"auto" detects each file\'s encoding: UTF-8/UTF-16 (with or without BOM), GB18030 (GBK, '
                 'GB2312) or Big5; or name one for all files, e.g. "gb18030"'),
}

THEME_SCHEMA: dict[str, tuple[type, Any, str]] = {
    "name": (str, REQUIRED, "a short id (lower-case letters, digits, - and _): the THEME of `jiyi search` and the folder "
             "build/public/search/<name>/"),
    "label_zh": (str, "", "the themed database's name in Chinese"),
    "label_en": (str, "", "the themed database's name in English"),
    "record_sets": (list, [], "selector: every record of these record sets (the record_set ids of [[catalogue]] and [[texts]])"),
    "concept": (str, "", "selector: a subject, e.g. \"长征\": records whose title, abstract or text contains it (traditional or "
                "simplified), or that mention an extracted entity with that name or alias"),
    "aliases": (list, [], "other names of the concept, matched the same way (only with concept)"),
    "sparql": (str, "", "selector: a SPARQL SELECT over the built graph whose first column is record URIs, e.g. "
               "SELECT ?record WHERE { ?record a rico:Record ; rico:title ?t FILTER(CONTAINS(STR(?t), \"条例\")) }"),
}
THEME_SELECTORS = ("record_sets", "concept", "sparql")

SCHEMA: dict[str, dict[str, tuple[type, Any, str]]] = {
    "project": {
        "name": (str, REQUIRED, "the workspace's name, shown in the app"),
        "base_uri": (str, "https://example.org/jiyi/", "base of every URI the graph and IIIF mint"),
    },
    "images": {
        "dir": (str, "sources/images", "page images, one folder per record id"),
        "render_facsimiles": (bool, True, "render facsimile pages from the text when a record has no images"),
        "font": (str, "", "a CJK font file for facsimiles; empty means look in the usual system places"),
    },
    "extract": {
        "dictionaries": (list, [], "jieba user dictionaries (word freq tag; tags nr, ns, nt, event), relative to the workspace"),
        "aliases": (list, [], "alias tables (preferred name, type, aliases, Wikidata QID; tab-separated)"),
        "workers": (int, 0, "local worker processes for extraction; 0 means one per core"),
        "scheduler": (str, "", "a Dask scheduler's address (tcp://HOST:8786) to extract on its cluster; empty: local"),
        "records_per_partition": (int, 1000, "records per extraction partition, at most (the count is a power of two)"),
    },
    "graph": {
        "store": (str, "oxigraph", '"oxigraph" keeps the graph on disk only; "sparql" also pushes it to your SPARQL 1.1 store'),
        "query_endpoint": (str, "", "your store's SPARQL query URL, used to check the push, e.g. http://localhost:3030/ds/query"),
        "update_endpoint": (str, "", "your store's SPARQL Update URL, e.g. http://localhost:3030/ds/update"),
        "graph_store_endpoint": (str, "", "your store's Graph Store Protocol URL, e.g. http://localhost:3030/ds/data; "
                                 "used instead of SPARQL Update when given (faster for big graphs)"),
        "push_restricted": (bool, False, "also push the restricted graph; only if your store is not public-facing"),
    },
    "ocr": {
        "engine": (str, "auto", '"auto" (each page to the engine best at its script), "rapidocr" (PP-OCRv4, from '
                   'PyPI) or "tesseract" (Debian\'s tesseract-ocr); jiyi bench ocr measures them'),
        "transcriptions": (str, "curation/transcriptions", "corrected transcriptions (<record id>.txt), which "
                           "replace OCR's text on every build"),
    },
    "search": {
        "backend": (str, "tantivy", '"tantivy" keeps each themed database in build/…/search/; "opensearch" on your server'),
        "url": (str, "", 'the OpenSearch server when backend = "opensearch", e.g. http://localhost:9200'),
        "index_prefix": (str, "jiyi", "OpenSearch indexes are named <prefix>-<public|internal>-<theme>"),
    },
}
SEARCH_BACKENDS = ("tantivy", "opensearch")
OCR_ENGINES = ("auto", "rapidocr", "tesseract")
GRAPH_STORES = ("oxigraph", "sparql")

ARRAY_TABLES = {"catalogue": CATALOGUE_SCHEMA, "texts": TEXTS_SCHEMA, "theme": THEME_SCHEMA}


@dataclass
class CatalogueSource:
    file: str
    record_set: str
    columns: dict[str, str]
    label_zh: str = ""
    label_en: str = ""
    encoding: str = "utf-8"
    default_access: str = ""
    sheet: str = ""


@dataclass
class TextSource:
    dir: str
    record_set: str
    label_zh: str = ""
    label_en: str = ""
    access: str = "开放"
    id_prefix: str = "TXT"
    source_note: str = ""
    encoding: str = "auto"


@dataclass
class ThemeSource:
    """A themed database (专题数据库): a name, labels and one way of choosing its records."""

    name: str
    label_zh: str = ""
    label_en: str = ""
    record_sets: list[str] = field(default_factory=list)
    concept: str = ""
    aliases: list[str] = field(default_factory=list)
    sparql: str = ""


@dataclass
class Config:
    name: str
    base_uri: str
    catalogues: list[CatalogueSource] = field(default_factory=list)
    texts: list[TextSource] = field(default_factory=list)
    images_dir: str = "sources/images"
    render_facsimiles: bool = True
    font: str = ""
    dictionaries: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    workers: int = 0
    scheduler: str = ""
    records_per_partition: int = 1000
    graph_store: str = "oxigraph"
    query_endpoint: str = ""
    update_endpoint: str = ""
    graph_store_endpoint: str = ""
    push_restricted: bool = False
    ocr_engine: str = "auto"
    transcriptions_dir: str = "curation/transcriptions"
    search_backend: str = "tantivy"
    search_url: str = ""
    search_index_prefix: str = "jiyi"
    themes: list[ThemeSource] = field(default_factory=list)

    def record_set_labels(self) -> dict[str, tuple[str, str]]:
        """record_set id → (Chinese label, English label)."""
        sources = [*self.catalogues, *self.texts]
        return {s.record_set: (s.label_zh or s.record_set, s.label_en or s.record_set) for s in sources}


def load_config(path: Path) -> Config:
    """Parse and check jiyi.toml; raise ConfigError naming file, line, key and fix."""
    if not path.is_file():
        raise ConfigError(
            "E001",
            f"{path}: no jiyi.toml here",
            f"run `jiyi init {path.parent}` to make a workspace, or pass --workspace DIR",
        )
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("E002", f"{path}: not valid TOML: {exc}", "fix the syntax at the line given") from None

    for key in data:
        if key not in SCHEMA and key not in ARRAY_TABLES:
            _unknown_key(path, text, [], key, [*SCHEMA, *ARRAY_TABLES])
    for table, table_schema in SCHEMA.items():
        if table in data:
            _check_table(data[table], table_schema, [table], path, text)
    for table, entry_schema in ARRAY_TABLES.items():
        entries = data.get(table, [])
        if not isinstance(entries, list):
            _fail(path, text, [table], f"`{table}` must be written as [[{table}]] tables", f"write [[{table}]] above each entry")
        for index, entry in enumerate(entries):
            _check_table(entry, entry_schema, [table, index], path, text)
            if "columns" in entry:
                columns = entry["columns"]
                _check_table(columns, {k: (str, None, v) for k, v in COLUMN_KEYS.items()}, [table, index, "columns"], path, text)
                if "id" not in columns or "title" not in columns:
                    _fail(path, text, [table, index, "columns"], "columns must map at least `id` and `title`",
                          'add e.g. id = "档号" and title = "题名" under [catalogue.columns]')

    project = _filled(data.get("project", {}), SCHEMA["project"])
    if project["name"] is REQUIRED:
        _fail(path, text, ["project"], "[project] needs a `name`", 'add name = "My archive" under [project]')
    images = _filled(data.get("images", {}), SCHEMA["images"])
    extract = _filled(data.get("extract", {}), SCHEMA["extract"])
    for key, least in (("workers", 0), ("records_per_partition", 1)):
        if extract[key] < least:
            _fail(path, text, ["extract", key], f"`{key}` must be at least {least}", f"{key}: {SCHEMA['extract'][key][2]}")
    graph = _filled(data.get("graph", {}), SCHEMA["graph"])
    _check_graph(graph, path, text)
    ocr = _filled(data.get("ocr", {}), SCHEMA["ocr"])
    if ocr["engine"] not in OCR_ENGINES:
        _fail(path, text, ["ocr", "engine"], f"unknown OCR engine `{ocr['engine']}`", f"write one of: {', '.join(OCR_ENGINES)}")
    search = _filled(data.get("search", {}), SCHEMA["search"])
    if search["backend"] not in SEARCH_BACKENDS:
        _fail(path, text, ["search", "backend"], f"unknown search backend `{search['backend']}`",
              f"write one of: {', '.join(SEARCH_BACKENDS)}")
    if search["backend"] == "opensearch" and not search["url"]:
        _fail(path, text, ["search"], 'backend = "opensearch" needs the server\'s url',
              'add url = "http://HOST:9200" under [search]')
    _check_themes(data, path, text)
    return Config(
        name=project["name"],
        base_uri=project["base_uri"].rstrip("/") + "/",
        catalogues=[CatalogueSource(**entry) for entry in data.get("catalogue", [])],
        texts=[TextSource(**entry) for entry in data.get("texts", [])],
        images_dir=images["dir"],
        render_facsimiles=images["render_facsimiles"],
        font=images["font"],
        dictionaries=list(extract["dictionaries"]),
        aliases=list(extract["aliases"]),
        workers=extract["workers"],
        scheduler=extract["scheduler"],
        records_per_partition=extract["records_per_partition"],
        graph_store=graph["store"],
        query_endpoint=graph["query_endpoint"],
        update_endpoint=graph["update_endpoint"],
        graph_store_endpoint=graph["graph_store_endpoint"],
        push_restricted=graph["push_restricted"],
        ocr_engine=ocr["engine"],
        transcriptions_dir=ocr["transcriptions"],
        search_backend=search["backend"],
        search_url=search["url"],
        search_index_prefix=search["index_prefix"],
        themes=[ThemeSource(**entry) for entry in data.get("theme", [])],
    )


def _check_themes(data: dict[str, Any], path: Path, text: str) -> None:
    """[[theme]]: a usable, unique name and exactly one selector naming things that exist."""
    record_sets = {entry.get("record_set") for table in ("catalogue", "texts") for entry in data.get(table, [])}
    seen: set[str] = set()
    for index, theme in enumerate(data.get("theme", [])):
        name = theme["name"]
        if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", name):
            _fail(path, text, ["theme", index, "name"], f"theme name `{name}` is not a short id",
                  'use lower-case letters, digits, - and _, e.g. name = "long-march"; put the Chinese name in label_zh')
        if name in seen:
            _fail(path, text, ["theme", index, "name"], f"two themes are named `{name}`", "give each [[theme]] its own name")
        seen.add(name)
        given = [key for key in THEME_SELECTORS if theme.get(key)]
        if len(given) != 1:
            what = "no selector" if not given else "more than one selector (" + ", ".join(given) + ")"
            _fail(path, text, ["theme", index], f"theme `{name}` has {what}",
                  "give exactly one of: record_sets = [\"…\"], concept = \"…\", sparql = \"SELECT ?record WHERE { … }\"")
        for record_set in theme.get("record_sets", []):
            if record_set not in record_sets:
                _fail(path, text, ["theme", index, "record_sets"], f"theme `{name}`: no record set `{record_set}`",
                      f"record sets of this workspace: {', '.join(sorted(r for r in record_sets if r)) or 'none'}")
        if theme.get("aliases") and not theme.get("concept"):
            _fail(path, text, ["theme", index, "aliases"], f"theme `{name}`: aliases without a concept",
                  "aliases name the concept in other words; add concept = \"…\" or remove aliases")
        if theme.get("sparql") and not re.search(r"\bSELECT\b", theme["sparql"], re.IGNORECASE):
            _fail(path, text, ["theme", index, "sparql"], f"theme `{name}`: the sparql selector must be a SELECT query",
                  "write SELECT ?record WHERE { … }; its first column is taken as the theme's records")


def _check_graph(graph: dict[str, Any], path: Path, text: str) -> None:
    """[graph]: a known store, and for "sparql" an endpoint to push to; every endpoint an http(s) URL."""
    if graph["store"] not in GRAPH_STORES:
        _fail(path, text, ["graph", "store"], f"unknown graph store `{graph['store']}`",
              "write store = \"oxigraph\" (the default) or store = \"sparql\" (also push to your SPARQL store)")
    for key in ("query_endpoint", "update_endpoint", "graph_store_endpoint"):
        if graph[key] and not re.match(r"https?://[^/\s]+", graph[key]):
            _fail(path, text, ["graph", key], f"`{key}` must be an http:// or https:// URL, not `{graph[key]}`",
                  f"{key}: {SCHEMA['graph'][key][2]}")
    if graph["store"] == "sparql" and not (graph["update_endpoint"] or graph["graph_store_endpoint"]):
        _fail(path, text, ["graph", "store"], 'store = "sparql" needs an endpoint to push to',
              'add update_endpoint = "http://…/update" (SPARQL Update) or graph_store_endpoint = "http://…/data" '
              "(Graph Store Protocol) under [graph]")


def _filled(table: dict, schema: dict[str, tuple[type, Any, str]]) -> dict[str, Any]:
    """The table's values, with the schema's default for every key not written."""
    return {key: table.get(key, default) for key, (_, default, _) in schema.items()}


def _unknown_key(path: Path, text: str, where: list, key: str, allowed: list[str]) -> None:
    close = difflib.get_close_matches(key, allowed, n=1)
    hint = f"did you mean `{close[0]}`? " if close else ""
    _fail(path, text, [*where, key], f"unknown key `{key}` in {_dotted(where) or 'the top level'}",
          f"{hint}allowed here: {', '.join(allowed)}")


def _check_table(table: Any, schema: dict, where: list, path: Path, text: str) -> None:
    name = _dotted(where) or "the top level"
    if not isinstance(table, dict):
        _fail(path, text, where, f"`{name}` must be a table", f"write [{name}] and keys below it")
    for key, value in table.items():
        if key not in schema:
            _unknown_key(path, text, where, key, list(schema))
        expected = schema[key][0]
        if not isinstance(value, expected) or (expected is not bool and isinstance(value, bool)):
            _fail(path, text, [*where, key], f"`{key}` must be {_type_name(expected)}, not {_type_name(type(value))}",
                  f"{key}: {schema[key][2]}")
        if expected is list and not all(isinstance(v, str) for v in value):
            _fail(path, text, [*where, key], f"`{key}` must be a list of strings", f"{key}: {schema[key][2]}")
    for key, (_, default, help_text) in schema.items():
        if default is REQUIRED and key not in table:
            _fail(path, text, where, f"{name} is missing `{key}`", f"add {key} = … ({help_text})")


def _type_name(kind: type) -> str:
    # TOML reads an unquoted 2024-01-01 as a date: say so, since the user meant text
    return {str: "a string in quotes", bool: "true or false", list: "a list [ … ]", dict: "a table",
            int: "a whole number", float: "a number", dt.date: "a date", dt.datetime: "a date and time",
            dt.time: "a time"}.get(kind, kind.__name__)


def _dotted(where: list) -> str:
    return ".".join(f"{w}" if isinstance(w, str) else f"[{w + 1}]" for w in where).replace(".[", "[")


def _fail(path: Path, text: str, where: list, message: str, fix: str) -> None:
    line = find_line(text, where)
    located = f"{path}:{line}" if line else str(path)
    raise ConfigError("E003", f"{located}: {message}", fix)


def find_line(text: str, where: list) -> int | None:
    """The 1-based line where the key path `where` is written, or its table's header."""
    keys = [w for w in where if isinstance(w, str)]
    index = next((w for w in where if isinstance(w, int)), 0)
    seen: dict[str, int] = {}
    table: list[str] = []
    header_line: int | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.split("#", 1)[0].strip()
        header = re.fullmatch(r"\[\[?\s*([^\]]+?)\s*\]\]?", stripped)
        if header:
            table = header.group(1).split(".")
            if stripped.startswith("[["):
                seen[table[0]] = seen.get(table[0], -1) + 1
            in_entry = seen.get(table[0], 0) == index if table[0] in ARRAY_TABLES else True
            if in_entry and table == keys:
                header_line = number
            continue
        key = re.match(r"([A-Za-z0-9_\-]+)\s*=", stripped)
        in_entry = seen.get(table[0], 0) == index if table and table[0] in ARRAY_TABLES else True
        if key and in_entry and table + [key.group(1)] == keys:
            return number
    return header_line
