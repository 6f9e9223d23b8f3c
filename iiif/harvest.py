"""`jiyi harvest iiif`: external IIIF Presentation 3 manifests and collections → records of a workspace.

Why this design: harvested records are written as a source, sources/harvested/<name>.jsonl
(ingest/harvested.py), which ingest reads like a catalogue. So they go through extraction,
the graph, IIIF and exhibits like any other record, a build never touches the network,
and a re-harvest replaces that one file. Record ids are minted from the manifest id, so a
re-harvest gives the same ids (and the same URIs). Images stay where they are published:
their URLs and image services are kept in Record.remote_images, and the iiif stage points
its canvases at them instead of copying or deriving images of its own.

Presentation 2 is refused, not read: its model (sequences, @id, plain-string labels) is
different enough that a partial reading would lose pages silently, and upgraders exist.
The input is read defensively rather than checked against the schema: what Jiyi publishes
is its own manifest, built from the record, and that one is checked.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlparse

from jiyi.dates import DateError, parse_date
from jiyi.errors import JiyiError
from jiyi.ingest.harvested import HARVESTED_DIR, NAME, write_harvested
from jiyi.model import AccessStatus, Record
from jiyi.progress import QUIET, Reporter
from jiyi.workspace import Workspace

DEFAULT_MAX_DEPTH = 8  # collections of collections; real trees are 2–4 deep, a runaway one is cut here
TIMEOUT = 30  # seconds per request
MAX_BYTES = 50 * 2**20  # a manifest of thousands of canvases is a few MB; more is not a manifest
ID_PREFIX = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,19}$")
LONE_SURROGATE = re.compile("[\ud800-\udfff]")  # json.loads keeps an escaped lone half of a UTF-16 pair

# The language a title or value is taken in: Chinese first, as the rest of Jiyi reads it.
PREFERRED_LANGUAGES = ("zh-hans", "zh", "none", "en")
# Metadata labels (case-folded) that fill a record field instead of an extra pair.
FIELD_LABELS = {
    "creator": {"creator", "author", "责任者", "作者", "创建者"},
    "date_text": {"date", "date created", "日期"},
    "holder": {"holding institution", "holding", "holder", "repository", "保管机构", "收藏机构", "馆藏机构"},
}
UPGRADER = "https://github.com/IIIF/prezi-2-to-3"
Fetch = Callable[[str], bytes]


class HarvestUsageError(JiyiError):
    """The command was asked something it cannot do (no such path, a bad name); nothing was harvested."""

    exit_code = 2


@dataclass
class Refusal:
    """A manifest or collection that was not harvested, with what is wrong and how to fix it."""

    code: str
    where: str  # the file or URL, or the id of a collection's child
    message: str
    fix: str
    parent: str = ""  # the collection that lists it, for a child

    def __str__(self) -> str:
        inside = f" (listed in {self.parent})" if self.parent else ""
        return f"{self.where}{inside}: {self.code} {self.message} — {self.fix}"


@dataclass
class HarvestResult:
    name: str
    records: list[Record] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # left out but no error: cycles, canvases without an image
    file: Path | None = None  # None when nothing was harvested: an earlier harvest's file is kept

    def line(self) -> str:
        written = f" in {HARVESTED_DIR}/{self.name}.jsonl" if self.file else " (nothing written)"
        return (f"Harvested {len(self.records)} manifest(s) → {len(self.records)} record(s){written}; "
                f"{len(self.refused)} refused")


def fetch_url(url: str) -> bytes:
    """GET a IIIF document over http(s), with a timeout and a size limit."""
    accept = 'application/ld+json;profile="http://iiif.io/api/presentation/3/context.json", application/json;q=0.9'
    request = urllib.request.Request(url, headers={"Accept": accept, "User-Agent": "jiyi-harvest"})
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
        data = response.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValueError(f"answer larger than {MAX_BYTES // 2**20} MB")
    return data


def is_url(text: str) -> bool:
    """http(s) only: a child listed as file:///… must never make Jiyi read the local disk."""
    parsed = urlparse(text)
    return parsed.scheme in ("http", "https") and bool(parsed.netloc)


def harvest(source: str, ws: Workspace, *, name: str | None = None, access: str = "开放",
            max_depth: int = DEFAULT_MAX_DEPTH, id_prefix: str = "H", fetch: Fetch | None = fetch_url,
            reporter: Reporter = QUIET) -> HarvestResult:
    """Harvest a manifest or collection file, a folder of *.json, or an http(s) URL into
    sources/harvested/<name>.jsonl. `fetch` reads URLs (None: never use the network, so children
    listed by reference are found only among the files given). Raises HarvestUsageError on bad usage."""
    try:
        status = AccessStatus.parse(access)
    except ValueError as error:
        raise HarvestUsageError("E140", f"--access {access!r}: {error}", "pass --access 开放, 控制 or 待审") from None
    name = name if name is not None else default_name(source)
    if not NAME.match(name):
        raise HarvestUsageError("E140", f"harvest name {name!r} cannot name a file",
                                "pass --name with letters, digits, '.', '_' or '-' (up to 100)")
    if not ID_PREFIX.match(id_prefix):
        raise HarvestUsageError("E140", f"id prefix {id_prefix!r} cannot start a record id",
                                "pass --id-prefix with letters, digits, '_' or '-' (up to 20)")
    if max_depth < 0:
        raise HarvestUsageError("E140", f"--max-depth {max_depth} is negative", "pass --max-depth 0 or more")

    harvester = _Harvester(name, status, id_prefix, max_depth, fetch)
    if is_url(source):
        if fetch is None:
            raise HarvestUsageError("E140", f"{source} is a URL but the network is off (--offline)",
                                    "drop --offline, or save the manifest and harvest the file")
        data = harvester.fetch_json(source, parent="")
        if data is not None:
            harvester.visit(data, source, 0, parent="", reporter=reporter)
    else:
        files = _json_files(Path(source))
        documents = [(str(path), harvester.read_file(path)) for path in files]
        for where, data in documents:  # index first: a collection's references to these files need no fetch
            if isinstance(data, dict) and isinstance(data.get("id"), str):
                harvester.local.setdefault(data["id"], (data, where))
        # One progress bar: over the files, or, for one collection file, over its items.
        one = len(documents) == 1
        for where, data in (documents if one else reporter.track(documents, "harvest")):
            if data is not None:
                harvester.visit(data, where, 0, parent="", reporter=reporter if one else QUIET)

    result = HarvestResult(name, list(harvester.records.values()), harvester.refused, harvester.notes)
    if result.records:  # an unreachable server must not wipe out the last good harvest
        result.file = write_harvested(ws, name, result.records)
    return result


def default_name(source: str) -> str:
    """A harvest's name from its source: the file or folder name, or the URL's host and path."""
    if is_url(source):
        parsed = urlparse(source)
        raw = f"{parsed.netloc}{parsed.path}".removesuffix(".json")
    else:
        raw = Path(source).resolve().stem if Path(source).is_file() else Path(source).resolve().name
    slug = re.sub(r"[^\w.-]+", "-", raw).strip("-._")[:80]
    return slug or "harvest-" + hashlib.sha1(source.encode("utf-8")).hexdigest()[:8]


def record_id(manifest_id: str, prefix: str = "H") -> str:
    """A stable record id from the manifest id: a re-harvest gives the same id, hence the same URIs."""
    return f"{prefix}-{hashlib.sha1(manifest_id.encode('utf-8')).hexdigest()[:12]}"


def _json_files(path: Path) -> list[Path]:
    if path.is_dir():
        files = sorted(p for p in path.glob("*.json") if p.is_file())
        if not files:
            raise HarvestUsageError("E140", f"{path} holds no *.json file", "name a folder of IIIF manifests, "
                                    "a manifest file, or an http(s) URL")
        return files
    if path.is_file():
        return [path]
    raise HarvestUsageError("E140", f"{path} does not exist", "name a IIIF manifest or collection file, a folder "
                            "of them, or an http(s) URL")


class _Harvester:
    """Walks documents and collections, keeping records by manifest id and every refusal."""

    def __init__(self, name: str, access: AccessStatus, id_prefix: str, max_depth: int, fetch: Fetch | None):
        self.name, self.access, self.id_prefix, self.max_depth, self.fetch = name, access, id_prefix, max_depth, fetch
        self.records: dict[str, Record] = {}  # manifest id → record
        self.read_from: dict[str, tuple[str, str]] = {}  # manifest id → (where, parent) it was harvested from
        self.local: dict[str, tuple[Any, str]] = {}  # id → (document, file) of the files given
        self.walking: list[str] = []  # ids of the collections being walked, outermost first
        self.walked: set[str] = set()
        self.refused: list[Refusal] = []
        self.notes: list[str] = []

    def refuse(self, code: str, where: str, message: str, fix: str, parent: str = "") -> None:
        self.refused.append(Refusal(code, where, message, fix, parent))

    def read_file(self, path: Path) -> Any | None:
        try:
            raw = path.read_bytes()
        except OSError as error:
            self.refuse("E141", str(path), f"cannot be read: {error.strerror or error}", "check the file's permissions")
            return None
        return self.parse(raw, str(path), parent="")

    def fetch_json(self, url: str, parent: str) -> Any | None:
        try:
            raw = self.fetch(url)  # type: ignore[misc]
        except urllib.error.HTTPError as error:
            self.refuse("E144", url, f"could not be fetched: HTTP {error.code} {error.reason}",
                        "check the URL; the server answered but has no document there", parent)
            return None
        except (OSError, ValueError) as error:  # URLError and timeouts are OSErrors too
            self.refuse("E144", url, f"could not be fetched: {getattr(error, 'reason', None) or error}",
                        "check the URL and the network, then harvest again", parent)
            return None
        return self.parse(raw, url, parent)

    def parse(self, raw: bytes, where: str, parent: str) -> Any | None:
        unreadable = "check that it is a IIIF manifest or collection (a URL may have answered with a web page)"
        try:
            text = raw.decode("utf-8-sig")
            data = json.loads(text)
        except UnicodeDecodeError:
            self.refuse("E141", where, "is not UTF-8 text", "save it as UTF-8 JSON (IIIF JSON is UTF-8)", parent)
            return None
        except json.JSONDecodeError as error:
            self.refuse("E141", where, f"is not JSON ({error.msg} at line {error.lineno})", unreadable, parent)
            return None
        except RecursionError:  # json.loads recurses once per level: [[[[… nested thousands deep
            self.refuse("E141", where, "is not readable JSON (nested too deep to read)", unreadable, parent)
            return None
        except ValueError as error:  # a number of over 4,300 digits: Python's int limit, not a JSONDecodeError
            reason = str(error).split(";")[0]  # without Python's advice to raise the limit, which is not the user's
            self.refuse("E141", where, f"is not readable JSON ({reason})", unreadable, parent)
            return None
        # The bytes were strict UTF-8, so a lone surrogate can only come from a \ud800-style escape;
        # kept, it could not be written as UTF-8 and the whole harvest would fail.
        if re.search(r"\\u[dD][89a-fA-F]", text):
            replaced = _replace_lone_surrogates(data)
            if replaced:
                self.notes.append(f"{where}: {replaced} broken character(s) (a lone UTF-16 surrogate) "
                                  "replaced with U+FFFD")
        return data

    def visit(self, data: Any, where: str, depth: int, parent: str, reporter: Reporter = QUIET) -> None:
        """Harvest one document: a Manifest becomes a record, a Collection is walked."""
        trouble = what_is_wrong(data)
        if trouble:
            code, message, fix = trouble
            self.refuse(code, where, message, fix, parent)
            return
        if data["type"] == "Manifest":
            self.add_manifest(data, where, parent)
        else:
            self.walk(data, where, depth, reporter)

    def add_manifest(self, data: dict, where: str, parent: str) -> None:
        manifest_id = data["id"]
        if manifest_id in self.records:
            first_where, first_parent = self.read_from[manifest_id]
            if not parent and not first_parent and first_where != where:
                self.refuse("E148", where, f"has the same manifest id as {first_where}, which was harvested",
                            "remove one of the two files: they would be the same record")
            elif parent and not self.records[manifest_id].extra.get("IIIF collection"):
                self.records[manifest_id].extra["IIIF collection"] = parent
            return  # listed again (by a collection, or in two collections): one record
        if not label_text(data.get("label"))[1]:
            self.refuse("E145", where, "has no label", "give the manifest a label (IIIF Presentation 3 requires one); "
                        "it becomes the record's title", parent)
            return
        record, notes = record_from_manifest(data, record_set=self.name, access=self.access,
                                             id_prefix=self.id_prefix, collection=parent)
        self.records[manifest_id] = record
        self.read_from[manifest_id] = (where, parent)
        self.notes += [f"{where}: {note}" for note in notes]

    def walk(self, collection: dict, where: str, depth: int, reporter: Reporter) -> None:
        collection_id = collection["id"]
        if collection_id in self.walking:
            self.notes.append(f"{where}: collection {collection_id} lists itself through "
                              f"{' → '.join(self.walking)}; that cycle was walked once")
            return
        if collection_id in self.walked:
            return  # listed by two collections: its manifests are harvested already
        self.walking.append(collection_id)
        self.walked.add(collection_id)
        children = collection.get("items") if isinstance(collection.get("items"), list) else []
        for child in (reporter.track(children, "harvest") if depth == 0 else children):
            self.visit_child(child, depth + 1, collection_id)
        self.walking.pop()

    def visit_child(self, child: Any, depth: int, parent: str) -> None:
        """One item of a collection: embedded (it has its own items) or a reference to fetch or find."""
        child_id = child.get("id") if isinstance(child, dict) else None
        if child_id is None or isinstance(child_id, str):
            where = child_id or "an item without an id"
        else:  # a list or an object: it cannot be a URL, nor looked up among the ids met (it is unhashable)
            where = f"an item whose id is a {type(child_id).__name__}, not a string"
            child_id = None
        if not isinstance(child, dict) or child.get("type") not in ("Manifest", "Collection"):
            kind = child.get("type") if isinstance(child, dict) else type(child).__name__
            self.refuse("E143", where, f"is of type {kind}, not a Manifest or Collection",
                        "a collection lists only manifests and collections; ask its publisher to fix it", parent)
            return
        if depth > self.max_depth:
            self.refuse("E147", where, f"lies {depth} collections deep, deeper than --max-depth {self.max_depth}",
                        f"pass --max-depth {depth}, or harvest that {child['type'].lower()} by its own URL", parent)
            return
        if "items" in child or child_id in self.records or child_id in self.walked or child_id in self.walking:
            self.visit(child, where, depth, parent)  # embedded, or met already
            return
        if child_id in self.local:
            data, file = self.local[child_id]
            self.visit(data, file, depth, parent)
        elif isinstance(child_id, str) and is_url(child_id) and self.fetch is not None:
            data = self.fetch_json(child_id, parent)
            if data is not None:
                self.visit(data, child_id, depth, parent)
        else:
            reason = ("its id is no http(s) URL" if child_id is None or not is_url(child_id)
                      else "the network is off (--offline)")
            self.refuse("E144", where, f"is listed by reference only and cannot be fetched: {reason}",
                        "harvest it from its URL, or put its file in the folder you harvest", parent)


def _replace_lone_surrogates(data: Any) -> int:
    """Replace, in place, every lone surrogate in the strings (keys too) of a parsed JSON document
    with U+FFFD; return how many were replaced. A loop, not recursion: json.loads reads documents
    nested deeper than Python's recursion limit."""
    replaced = 0

    def clean(text: str) -> str:
        nonlocal replaced
        text, count = LONE_SURROGATE.subn("\ufffd", text)
        replaced += count
        return text

    stack = [data] if isinstance(data, (dict, list)) else []  # a bare string or number is refused anyway
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            pairs = list(node.items())
            node.clear()  # refilled in the same order, with clean keys
            for key, value in pairs:
                node[clean(key)] = value
            slots = list(node.items())
        else:
            slots = list(enumerate(node))
        for slot, value in slots:
            if isinstance(value, str):
                node[slot] = clean(value)
            elif isinstance(value, (dict, list)):
                stack.append(value)
    return replaced


def what_is_wrong(data: Any) -> tuple[str, str, str] | None:
    """(code, what is wrong, fix) for a document that is no Presentation 3 Manifest or Collection; else None."""
    if not isinstance(data, dict):
        return "E143", "is not a JSON object", "harvest a IIIF Presentation 3 manifest or collection"
    contexts = data.get("@context")
    contexts = [c for c in (contexts if isinstance(contexts, list) else [contexts]) if isinstance(c, str)]
    old_type = data.get("@type")
    if any("iiif.io/api/presentation/2/" in c for c in contexts) or (
            isinstance(old_type, str) and old_type.startswith("sc:")):
        said = next((c for c in contexts if "presentation/2/" in c), f"@type {old_type}")
        return ("E142", f"is IIIF Presentation 2 ({said}); Jiyi harvests Presentation 3 only",
                f"convert it to Presentation 3 with a P2→P3 upgrader such as the IIIF presentation upgrader "
                f"({UPGRADER}), then harvest the converted file")
    if any("iiif.io/api/image/" in c for c in contexts):
        return "E143", "is a IIIF Image API description (info.json), not a manifest", \
            "harvest the manifest that shows this image"
    kind = data.get("type")
    if kind not in ("Manifest", "Collection"):
        shown = f"of type {kind}" if isinstance(kind, str) else "a document without a type"
        return "E143", f"is {shown}, not a IIIF Presentation 3 Manifest or Collection", \
            "harvest the manifest or collection it belongs to"
    if not isinstance(data.get("id"), str) or not data["id"].strip():
        return "E146", f"is a {kind} without an id", \
            "give it an id (IIIF Presentation 3 requires one); Jiyi mints the record id from it"
    return None


# ---------------------------------------------------------------- one manifest → one Record

def plain(text: str) -> str:
    """Text without the little HTML IIIF allows in values (<a>, <p>, <span>…), on one line."""
    if "<" in text:  # a block's end separates words; an inline tag must not split 决议 into 决 议
        text = re.sub(r"<(br|/p|/div|/li|/h\d)\b[^>]*>", " ", text, flags=re.IGNORECASE)
        text = re.sub(r"<[^>]*>", "", text)
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


def language_map(value: Any) -> dict[str, list[str]]:
    """A IIIF language map with empty values left out; a bare string (Presentation 2 style) counts as "none"."""
    if isinstance(value, str):
        value = {"none": [value]}
    if not isinstance(value, dict):
        return {}
    found = {}
    for language, texts in value.items():
        texts = [t for t in (texts if isinstance(texts, list) else [texts]) if isinstance(t, str) and t.strip()]
        if isinstance(language, str) and texts:
            found["none" if language == "@none" else language] = texts  # JSON-LD's spelling of "none"
    return found


def label_text(value: Any) -> tuple[str, str]:
    """(language, plain text) of a language map in the preferred language: zh-Hans, zh, none, en,
    then any other Chinese, then the first given; ("", "") when it holds nothing."""
    texts = language_map(value)
    by_lower = {language.lower(): language for language in texts}
    chosen = next((by_lower[want] for want in PREFERRED_LANGUAGES if want in by_lower), None)
    chosen = chosen or next((lang for lang in texts if lang.lower().startswith("zh")), None) or next(iter(texts), "")
    return (chosen, plain("; ".join(texts[chosen]))) if chosen else ("", "")


def english_text(value: Any) -> str:
    texts = {language.lower(): values for language, values in language_map(value).items()}
    return plain("; ".join(texts.get("en", [])))


def record_language(tag: str, title: str) -> str:
    """The record's language from its title's tag: zh for Chinese, "und" (undetermined) for an
    untagged non-Chinese title."""
    if tag.lower().startswith("zh"):
        return "zh"
    if tag.lower() == "none":
        return "zh" if re.search(r"[\u3400-\u9fff]", title) else "und"
    return tag


def record_from_manifest(data: dict, *, record_set: str, access: AccessStatus, id_prefix: str = "H",
                         collection: str = "") -> tuple[Record, list[str]]:
    """The Record of a Presentation 3 manifest (see docs/harvest.md for the mapping) and notes on what was left out."""
    notes: list[str] = []
    tag, title = label_text(data.get("label"))
    record = Record(id=record_id(data["id"], id_prefix), title=title, record_set=record_set, access=access,
                    language=record_language(tag, title))
    english = english_text(data.get("label"))
    if english and english != title:
        record.extra["英文题名"] = english
    _, record.abstract = label_text(data.get("summary"))
    english = english_text(data.get("summary"))
    if english and english != record.abstract:
        record.extra["英文摘要"] = english

    for pair in data.get("metadata") if isinstance(data.get("metadata"), list) else []:
        if not isinstance(pair, dict):
            continue
        key, value = label_text(pair.get("label"))[1], label_text(pair.get("value"))[1]
        if not key or not value:
            continue
        target = next((name for name, labels in FIELD_LABELS.items() if key.casefold() in labels), None)
        if target and not getattr(record, target):
            setattr(record, target, value)
        else:
            record.extra[key] = f"{record.extra[key]}；{value}" if key in record.extra else value

    nav_date = data.get("navDate")
    day = re.match(r"^(\d{4}-\d{2}-\d{2})", nav_date) if isinstance(nav_date, str) else None
    if day:
        if record.date_text:  # the metadata's Date stays readable next to the navDate
            record.extra["日期"] = record.date_text
        record.date, record.date_text = day.group(1), ""
    elif record.date_text:
        try:
            record.date = parse_date(record.date_text)
        except (DateError, ValueError):
            record.date = ""  # "Paris, circa 1400" stays as written in date_text

    statement = data.get("requiredStatement") if isinstance(data.get("requiredStatement"), dict) else {}
    statement_label, statement_text = label_text(statement.get("label"))[1], label_text(statement.get("value"))[1]
    if statement_text and not record.holder:
        record.holder = statement_text
    elif statement_text:
        record.extra[statement_label or "requiredStatement"] = statement_text
    if isinstance(data.get("rights"), str) and data["rights"].strip():
        record.extra["rights"] = data["rights"].strip()
    places = nav_places(data.get("navPlace"))
    if places:
        record.extra["地点"] = "；".join(places)
    record.extra["IIIF manifest"] = data["id"]
    if collection:
        record.extra["IIIF collection"] = collection

    record.remote_images, without_image, unsized = remote_pages(data)
    if without_image:
        record.note = (f"IIIF 清单中 {without_image} 个画布没有图像（视频、音频或文字），未导入 · "
                       f"{without_image} canvas(es) without an image (video, audio or text) were not imported")
        notes.append(f"{without_image} canvas(es) without an image (video, audio or text) left out")
    if unsized:
        notes.append(f"{unsized} canvas(es) without width and height left out")
    return record, notes


def nav_places(value: Any) -> list[str]:
    """Each navPlace feature as "name (latitude, longitude)"; a shape other than a point is named by its type."""
    features = value.get("features") if isinstance(value, dict) else None
    places = []
    for feature in features if isinstance(features, list) else []:
        if not isinstance(feature, dict):
            continue
        properties = feature.get("properties") if isinstance(feature.get("properties"), dict) else {}
        name = label_text(properties.get("label"))[1]
        geometry = feature.get("geometry") if isinstance(feature.get("geometry"), dict) else {}
        point = geometry.get("coordinates") if geometry.get("type") == "Point" else None
        if isinstance(point, list) and len(point) >= 2 and all(isinstance(c, (int, float)) for c in point[:2]):
            where = f"({point[1]}, {point[0]})"  # GeoJSON writes longitude first; people read latitude first
        else:
            where = f"({geometry['type']})" if isinstance(geometry.get("type"), str) else ""
        if name or where:
            places.append(f"{name} {where}".strip())
    return places


def remote_pages(data: dict) -> tuple[list[dict], int, int]:
    """The manifest's image pages by reference (see Record.remote_images), how many canvases had no
    image, and how many lacked a size (a Canvas without width and height cannot be published)."""
    pages, without_image, unsized = [], 0, 0
    for canvas in data.get("items") if isinstance(data.get("items"), list) else []:
        if not isinstance(canvas, dict) or canvas.get("type") != "Canvas":
            continue
        body = _painting_image(canvas)
        if body is None:
            without_image += 1
            continue
        size = _size(canvas) or _size(body)
        if size is None:
            unsized += 1
            continue
        page: dict[str, Any] = {"width": size[0], "height": size[1], "body": body}
        label = language_map(canvas.get("label"))
        if label:
            page["label"] = label
        pages.append(page)
    return pages, without_image, unsized


def _size(resource: dict) -> tuple[int, int] | None:
    width, height = resource.get("width"), resource.get("height")
    if isinstance(width, int) and isinstance(height, int) and width > 0 and height > 0:
        return width, height
    return None


def _painting_image(canvas: dict) -> dict | None:
    """The canvas's first painted image (of a Choice, its first image option), cleaned; None when it has none."""
    for page in canvas.get("items") if isinstance(canvas.get("items"), list) else []:
        annotations = page.get("items") if isinstance(page, dict) else None
        for annotation in annotations if isinstance(annotations, list) else []:  # `"items": 5` or null: none
            if not isinstance(annotation, dict) or annotation.get("motivation") not in ("painting", ["painting"]):
                continue
            bodies = annotation.get("body")
            for body in bodies if isinstance(bodies, list) else [bodies]:
                image = _image_body(body)
                if image:
                    return image
    return None


def _image_body(body: Any) -> dict | None:
    """An Image body with an http(s) id, keeping only what a canvas needs to show it:
    id, type, format, size, services."""
    if not isinstance(body, dict):
        return None
    if body.get("type") == "Choice":
        options = body.get("items") if isinstance(body.get("items"), list) else []
        return next((image for image in map(_image_body, options) if image), None)
    if body.get("type") != "Image" or not isinstance(body.get("id"), str) or not is_url(body["id"]):
        return None
    image: dict[str, Any] = {"id": body["id"], "type": "Image"}
    if isinstance(body.get("format"), str):
        image["format"] = body["format"]
    size = _size(body)
    if size:
        image["width"], image["height"] = size
    services = [_service(s) for s in (body.get("service") if isinstance(body.get("service"), list) else [])]
    if any(services):
        image["service"] = [s for s in services if s]
    return image


def _service(service: Any) -> dict | None:
    """An image service as published (Image API 3's id/type or 2's @id/@type), without nested auth services."""
    if not isinstance(service, dict):
        return None
    kept = {key: service[key] for key in ("id", "@id", "type", "@type", "profile") if isinstance(service.get(key), str)}
    uri = kept.get("id") or kept.get("@id")
    return kept if uri and is_url(uri) else None
