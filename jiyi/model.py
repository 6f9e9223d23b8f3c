"""The one data model every Jiyi stage imports; it imports no stage.

Stages talk to each other only through these classes and through the files of a
workspace (see `jiyi.workspace`). Every class turns into plain JSON-ready dicts and
back, so a stage's output on disk can be read by the next stage or by the app.
"""

from __future__ import annotations

import enum
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, TypeVar


class AccessStatus(str, enum.Enum):
    """Open-review status (开放审核) of a record: only OPEN records may be public."""

    OPEN = "open"
    RESTRICTED = "restricted"
    UNREVIEWED = "unreviewed"

    @property
    def is_public(self) -> bool:
        return self is AccessStatus.OPEN

    @classmethod
    def parse(cls, text: str) -> "AccessStatus":
        """Read a status as archives write it (开放, 控制, 不开放, open, …).

        Raises ValueError naming the accepted spellings when the text is none of them.
        An empty cell means nobody has reviewed the record yet, which is not public.
        """
        key = (text or "").strip().lower()
        if key in ACCESS_SPELLINGS:
            return ACCESS_SPELLINGS[key]
        accepted = "、".join(sorted(k for k in ACCESS_SPELLINGS if k))
        raise ValueError(f"unknown open status {text!r}; use one of: {accepted}")


# How catalogues spell the open-review status. Anything restricted or not yet
# reviewed stays out of build/public/.
ACCESS_SPELLINGS: dict[str, AccessStatus] = {
    "开放": AccessStatus.OPEN,
    "open": AccessStatus.OPEN,
    "控制": AccessStatus.RESTRICTED,
    "控制使用": AccessStatus.RESTRICTED,
    "不开放": AccessStatus.RESTRICTED,
    "延期开放": AccessStatus.RESTRICTED,
    "restricted": AccessStatus.RESTRICTED,
    "": AccessStatus.UNREVIEWED,
    "待审": AccessStatus.UNREVIEWED,
    "未审": AccessStatus.UNREVIEWED,
    "unreviewed": AccessStatus.UNREVIEWED,
    # catalogues from Big5 systems write the same words in traditional characters
    "開放": AccessStatus.OPEN,
    "不開放": AccessStatus.RESTRICTED,
    "延期開放": AccessStatus.RESTRICTED,
    "待審": AccessStatus.UNREVIEWED,
    "未審": AccessStatus.UNREVIEWED,
}


class EntityType(str, enum.Enum):
    PER = "PER"  # a person
    LOC = "LOC"  # a place
    ORG = "ORG"  # an organisation
    TIME = "TIME"  # a date or period named in the text
    EVENT = "EVENT"  # an event (later issues recognise these)


@dataclass
class SourceRef:
    """Where a piece of input came from, so every error and fact can point back."""

    file: str
    line: int | None = None  # 1-based row or line number, when there is one

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass
class Record:
    """One archival item: a document, telegram, photograph, regulation …

    Field names follow DA/T 18 where it has one: id is the 档号, title the 题名,
    creator the 责任者, date the 日期, fonds the 全宗, retention the 保管期限,
    access the 开放状态.
    """

    id: str
    title: str
    record_set: str  # the record set (series) this item was ingested into
    access: AccessStatus = AccessStatus.UNREVIEWED
    embargo: str = ""  # ISO date the record stays closed until (延期开放至); once passed, the build opens it
    date: str = ""  # ISO 8601 / EDTF (1921-07, 1935-01-15, 1997/2003), "" when unknown
    date_text: str = ""  # the date as the source wrote it
    creator: str = ""
    fonds: str = ""
    retention: str = ""
    holder: str = ""  # the holding institution
    abstract: str = ""
    text: str = ""  # full text or transcription
    # Where `text` came from when the source gave none: "ocr" (jiyi ocr read the page images) or
    # "corrected" (a curator's transcription in curation/transcriptions/); "" when the source gave it.
    text_source: str = ""
    language: str = "zh"
    note: str = ""  # caveats a reader must see, e.g. "inscription year unverified"
    source: SourceRef | None = None
    images: list[str] = field(default_factory=list)  # page images, workspace-relative
    extra: dict[str, str] = field(default_factory=dict)  # unmapped catalogue columns
    # Pages of a harvested IIIF manifest, by reference and never downloaded: each is
    # {"width", "height", "label", "body"} with the painting body's id, format and services.
    # The iiif stage points its canvases at these instead of publishing images of its own.
    remote_images: list[dict[str, Any]] = field(default_factory=list)

    @property
    def is_public(self) -> bool:
        return self.access.is_public


# The record fields extraction reads, in this order; a Mention's `field` is one of them.
TEXT_FIELDS = ("title", "abstract", "text")


@dataclass
class Mention:
    """A span of a record's text that names an entity."""

    record_id: str
    start: int  # character offsets into the record's text; end is exclusive
    end: int
    text: str
    type: EntityType
    method: str  # which component found it, e.g. "jieba-posseg", "dictionary", "date-pattern"
    confidence: float
    field: str = "text"  # which record field the offsets refer to
    norm: str = ""  # normalised value, e.g. EDTF for TIME (1935-01-17, 1934-10/1936-10)
    entity_id: str = ""  # the Entity this mention was resolved to


@dataclass
class Entity:
    """A person, place, organisation or date the graph speaks about."""

    id: str  # stable key minted from type + normalised label (see entity_key)
    type: EntityType
    label: str  # the preferred name, in simplified Chinese
    aliases: list[str] = field(default_factory=list)  # every other surface form seen or curated
    record_ids: list[str] = field(default_factory=list)  # records that mention it
    qid: str = ""  # Wikidata QID, only where a curated dictionary gives one
    latitude: float | None = None  # places resolved against the gazetteer
    longitude: float | None = None
    admin: list[str] = field(default_factory=list)  # places: province, city, county
    note: str = ""  # e.g. "ambiguous: 3 gazetteer places share this name"


@dataclass
class Assertion:
    """One fact with its provenance: subject predicate object, from which record, how."""

    subject: str  # an entity id or a record id
    predicate: str  # mentions, created, participatedIn, tookPlaceAt, tookPlaceOn, memberOf
    object: str
    record_id: str
    method: str
    confidence: float
    field: str = "text"  # the record field holding the evidence
    start: int = 0  # character offsets of the evidence in that field
    end: int = 0


@dataclass
class Problem:
    """Something wrong with the input, located and with a fix; the run goes on."""

    code: str  # e.g. "E104"
    where: SourceRef
    message: str
    fix: str
    dropped: bool = True  # True when the row or file was left out of the build

    def __str__(self) -> str:
        return f"{self.code} {self.where}: {self.message} — {self.fix}"


@dataclass
class ExhibitItem:
    record_id: str
    caption_zh: str = ""
    caption_en: str = ""


@dataclass
class ExhibitSection:
    heading_zh: str
    heading_en: str = ""
    body_zh: str = ""  # Markdown as written; in build/public, the page as sanitised HTML
    body_en: str = ""
    items: list[ExhibitItem] = field(default_factory=list)
    source_zh: str = ""  # the Markdown file of each language, relative to the exhibit's folder
    source_en: str = ""
    # In build/public: the page's blocks in order, each a dict with `kind` (text, item, quote, timeline,
    # map, graph, gallery, question), `line` and `html` (sanitised), plus `record_ids` where it shows records.
    blocks_zh: list[dict] = field(default_factory=list)
    blocks_en: list[dict] = field(default_factory=list)


@dataclass
class Exhibit:
    """An educator's exhibition: sections of bilingual Markdown around archive items."""

    id: str
    title_zh: str
    title_en: str = ""
    summary_zh: str = ""
    summary_en: str = ""
    sections: list[ExhibitSection] = field(default_factory=list)
    theme_zh: str = ""
    theme_en: str = ""
    audience_zh: str = ""  # who it is written for, e.g. 初中及以上
    audience_en: str = ""
    visibility: str = "public"  # "public": published under build/public; "internal": staff only, build/internal
    cover: str = ""  # a record id (its first page) or an image file in the exhibit's folder; in public, the image's path


@dataclass
class StageResult:
    """What one stage did: counts for the build summary and the problems it met."""

    stage: str
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    seconds: float = 0.0


def entity_key(entity_type: EntityType, label: str) -> str:
    """A stable id for an entity, minted from content so re-runs give the same URI."""
    digest = hashlib.sha1(f"{entity_type.value}|{label.strip()}".encode("utf-8")).hexdigest()
    return f"{entity_type.value.lower()}-{digest[:12]}"


@dataclass
class TextWord:
    """A word (for Chinese, mostly one character) an OCR engine read, with its box and confidence."""

    text: str
    box: list[int]  # x, y, width, height in pixels of the page image as published
    confidence: float  # 0–1


@dataclass
class TextLine:
    """One line (a column, on a vertical page) of a page, in reading order."""

    text: str
    box: list[int]  # x, y, width, height, as TextWord.box
    confidence: float  # 0–1, the mean of its characters'
    words: list[TextWord] = field(default_factory=list)
    start: int = 0  # offset of text[0] in the record's text, so a mention's characters can be found on the page


@dataclass
class PageText:
    """What OCR read on one page image: the per-page layout file build/internal/ocr/<record>/p001.json."""

    image: str  # workspace-relative path of the page image
    image_sha1: str  # of the file's bytes: a changed scan is read again
    engine: str  # what read it, e.g. "rapidocr-onnxruntime 1.4.4 (PP-OCRv4); jiyi reader 2"
    width: int  # of the page as published (EXIF orientation applied)
    height: int
    rotation: int = 0  # degrees clockwise the page had to be turned to be read (0, 90, 180, 270)
    skew: float = 0.0  # degrees the text lines were tilted, corrected before reading
    direction: str = "horizontal"  # or "vertical": columns read top to bottom, right to left
    confidence: float = 0.0  # mean over the page's characters
    lines: list[TextLine] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


# ---------------------------------------------------------------- JSON round trips

T = TypeVar("T")

_ENUMS = {"access": AccessStatus, "type": EntityType}
_NESTED = {
    "source": SourceRef,
    "items": ExhibitItem,
    "sections": ExhibitSection,
    "lines": TextLine,
    "words": TextWord,
}


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def to_dict(obj: Any) -> dict[str, Any]:
    """A JSON-ready dict of any model object (enums become their values, nested objects dicts).

    Walked by hand rather than with dataclasses.asdict, which deep-copies every value: writing
    the mentions of 10,000 records spent 16 s of the extract stage's 60 s in it. Every dict and
    list is new, so changing the result never changes the object.
    """
    return _plain(obj)


_SCALARS = frozenset({str, int, float, bool, type(None)})


def _plain(value: Any) -> Any:
    if type(value) in _SCALARS:
        return value
    if isinstance(value, enum.Enum):  # before str: the model's enums are str enums
        return value.value
    if is_dataclass(value):
        names = _FIELD_NAMES.get(type(value))
        if names is None:
            names = _FIELD_NAMES[type(value)] = tuple(f.name for f in fields(value))
        plain = {}
        for name in names:  # most fields are plain strings and numbers: kept without a call
            item = getattr(value, name)
            plain[name] = item if type(item) in _SCALARS else _plain(item)
        return plain
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, tuple):
        return tuple(_plain(item) for item in value)
    return value


# Per class: its field names, and the fields whose JSON values are turned back into enums or
# nested objects. Found once per class: dataclasses.fields() took a third of from_dict's time.
_FROM_PLANS: dict[type, tuple[frozenset[str], tuple[tuple[str, Any], ...]]] = {}


def _from_plan(cls: type) -> tuple[frozenset[str], tuple[tuple[str, Any], ...]]:
    names = frozenset(f.name for f in fields(cls))
    converters = []
    for name in sorted(names):
        if name in _ENUMS:
            converters.append((name, _ENUMS[name]))
        elif name in _NESTED:
            converters.append((name, _NESTED[name]))
    _FROM_PLANS[cls] = (names, tuple(converters))
    return _FROM_PLANS[cls]


def from_dict(cls: type[T], data: dict[str, Any]) -> T:
    """Rebuild a model object from `to_dict` output; unknown keys are an error."""
    names, converters = _FROM_PLANS.get(cls) or _from_plan(cls)
    if not names.issuperset(data):
        raise ValueError(f"{cls.__name__} has no field(s) {sorted(set(data) - names)}")
    values = dict(data)  # the caller's dict is left as it was
    for key, convert in converters:
        value = values.get(key)
        if value is None:
            continue
        if isinstance(convert, type) and issubclass(convert, enum.Enum):
            values[key] = convert(value)
        else:
            values[key] = [from_dict(convert, v) for v in value] if isinstance(value, list) else from_dict(convert, value)
    return cls(**values)


def json_line(obj: Any) -> str:
    """One object as a line of a JSON Lines file, as every stage writes them."""
    return json.dumps(to_dict(obj), ensure_ascii=False) + "\n"


def write_jsonl(path: Path, objects: Iterable[Any]) -> int:
    """Write one JSON object per line, atomically (temporary file, then rename)."""
    count = 0
    with atomic_writer(path) as out:
        for obj in objects:
            out.write(json_line(obj))
            count += 1
    return count


def read_jsonl(path: Path, cls: type[T]) -> Iterator[T]:
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield from_dict(cls, json.loads(line))


def _umask() -> int:
    mask = os.umask(0)  # reading the umask means setting it; put it straight back
    os.umask(mask)
    return mask


class atomic_writer:
    """Open a text file for writing that appears under its name only when complete."""

    def __init__(self, path: Path, mode: str = "w"):
        self.path = Path(path)
        self.mode = mode

    def __enter__(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, self.tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".part")
        encoding = None if "b" in self.mode else "utf-8"
        self.file = os.fdopen(fd, self.mode, encoding=encoding)
        return self.file

    def __exit__(self, exc_type, exc, tb):
        self.file.close()
        if exc_type is None:
            os.chmod(self.tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a build's files get the usual mode
            os.replace(self.tmp, self.path)
        else:
            os.unlink(self.tmp)
        return False


def write_json(path: Path, data: Any) -> None:
    with atomic_writer(path) as out:
        json.dump(data, out, ensure_ascii=False, indent=2)
        out.write("\n")
