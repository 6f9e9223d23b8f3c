"""Directives inside an exhibit's Markdown pages, parsed into one typed block per kind, each with its line.

A directive is a fenced block that opens with `::: KIND ARGUMENTS` and closes with `:::`:

    ::: item RA-1935-001 canvas=1 xywh=100,200,800,600
    The resolution, adopted at Zhaxi      ← caption (Markdown), may be empty
    :::

Kinds: item, quote, timeline, map, graph, gallery, question (docs/exhibits.md has an
example of each). Plain Markdown between directives becomes Text blocks. Mistakes are
collected, not raised, so `jiyi exhibits check` can list every one of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

FENCE = ":::"
KINDS = ("item", "quote", "timeline", "map", "graph", "gallery", "question")
# An entity mention in the narrative: [[毛泽东]], [[PER:毛泽东]], or [[毛泽东|毛主席]] to show other words.
MENTION = re.compile(r"\[\[(?:(PER|ORG|LOC|EVENT|TIME):)?([^\[\]|\n]+?)(?:\|([^\[\]\n]+?))?\]\]")
GRAPH_TYPES = ("Person", "Place", "CorporateBody", "Event", "Date", "Record")
MAX_GRAPH_DEPTH = 2


@dataclass
class BlockError:
    line: int
    message: str
    fix: str


@dataclass
class Text:
    line: int
    markdown: str


@dataclass
class Item:
    """One record's page, or a region of it."""
    line: int
    record_id: str
    canvas: int = 1  # the page, counted from 1
    xywh: tuple[int, int, int, int] | None = None  # a region of that page, in the page image's pixels
    caption: str = ""


@dataclass
class Quote:
    """Words from a record's text, with its citation."""
    line: int
    record_id: str
    start: int | None = None  # character offsets, end exclusive, as mentions count them; None: the whole field
    end: int | None = None
    field: str = ""  # text, abstract or title; "" = the record's text, else its abstract
    caption: str = ""


@dataclass
class Timeline:
    line: int
    entities: list[str] = field(default_factory=list)  # entity references, e.g. PER:毛泽东
    records: list[str] = field(default_factory=list)
    query: str = ""  # records whose title or abstract holds these words
    record_set: str = ""
    date_column: str = ""  # a catalogue column to date records by (e.g. 入选年份) instead of their date
    caption: str = ""


@dataclass
class Map:
    line: int
    places: list[str] = field(default_factory=list)
    from_records: list[str] = field(default_factory=list)  # the places these records mention
    caption: str = ""


@dataclass
class Graph:
    line: int
    entity: str
    depth: int = 1
    types: list[str] = field(default_factory=list)  # keep only these node classes ([] = all)
    caption: str = ""


@dataclass
class Gallery:
    line: int
    record_ids: list[str]
    caption: str = ""


@dataclass
class Question:
    line: int
    markdown: str


Block = Text | Item | Quote | Timeline | Map | Graph | Gallery | Question

# What each kind accepts after its name: (positional arguments, keys).
ARGUMENTS = {
    "item": ("a record id", {"canvas", "xywh"}),
    "quote": ("a record id", {"chars", "field"}),
    "timeline": ("nothing", {"entities", "records", "query", "set", "date"}),
    "map": ("nothing", {"places", "from"}),
    "graph": ("an entity", {"depth", "types"}),
    "gallery": ("record ids separated by commas", set()),
    "question": ("nothing", set()),
}
EXAMPLES = {
    "item": "::: item RA-1935-001 canvas=1 xywh=100,200,800,600",
    "quote": "::: quote RA-1935-001 chars=0-40",
    "timeline": "::: timeline entities=PER:毛泽东,EVENT:遵义会议  (or records=…, query=长征, set=red-archives)",
    "map": "::: map places=遵义,泸定桥  (or from=RA-1935-001,RA-1935-006)",
    "graph": "::: graph 毛泽东 depth=2 types=Person,Place",
    "gallery": "::: gallery RA-1934-001, RA-1934-002",
    "question": "::: question",
}


def parse_page(text: str) -> tuple[list[Block], list[BlockError]]:
    """The blocks of one Markdown page, in order, and the mistakes met (lines counted from 1)."""
    blocks: list[Block] = []
    errors: list[BlockError] = []
    lines = text.splitlines()
    prose: list[str] = []
    prose_start = 1
    number = 0
    while number < len(lines):
        line = lines[number]
        if not line.strip().startswith(FENCE):
            if not prose:
                prose_start = number + 1
            prose.append(line)
            number += 1
            continue
        opening = number + 1
        header = line.strip()[len(FENCE):].strip()
        if not header:
            errors.append(BlockError(opening, "a `:::` closes nothing", "open a directive first, e.g. "
                                     f"`{EXAMPLES['item']}`, or delete this line"))
            number += 1
            continue
        body: list[str] = []
        number += 1
        while number < len(lines) and lines[number].strip() != FENCE:
            if lines[number].strip().startswith(FENCE):
                break  # a new directive opens before this one closed
            body.append(lines[number])
            number += 1
        if number >= len(lines) or lines[number].strip() != FENCE:
            errors.append(BlockError(opening, f"`::: {header}` is never closed",
                                     "end the directive with a line holding only `:::`"))
            continue  # the next directive (if any) is read from where this one stopped
        number += 1  # past the closing fence
        if "\n".join(prose).strip():
            blocks.append(Text(prose_start, "\n".join(prose).strip("\n")))
        prose = []
        block = _directive(opening, header, "\n".join(body).strip(), errors)
        if block is not None:
            blocks.append(block)
    if "\n".join(prose).strip():
        blocks.append(Text(prose_start, "\n".join(prose).strip("\n")))
    return blocks, errors


def _directive(line: int, header: str, body: str, errors: list[BlockError]) -> Block | None:
    kind, _, rest = header.partition(" ")
    kind = kind.lower()
    if kind not in KINDS:
        errors.append(BlockError(line, f"unknown directive `{kind}`", f"use one of: {', '.join(KINDS)}"))
        return None
    positional, options, bad = _arguments(rest)
    wanted, keys = ARGUMENTS[kind]

    def fail(message: str, fix: str = "") -> None:
        errors.append(BlockError(line, f"`{kind}`: {message}", fix or f"write it like `{EXAMPLES[kind]}`"))

    for word in bad:
        fail(f"cannot read `{word}`", "write options as key=value with no spaces around `=`")
    for key in options:
        if key not in keys:
            allowed = ", ".join(sorted(keys)) or "none"
            fail(f"unknown option `{key}`", f"options of `{kind}`: {allowed}")
            return None
    try:
        return _build(kind, line, positional, options, body, wanted)
    except ValueError as problem:
        fail(str(problem))
        return None


def _build(kind: str, line: int, positional: list[str], options: dict[str, str], body: str, wanted: str) -> Block:
    joined = " ".join(positional)
    if kind in ("timeline", "map", "question") and positional:
        raise ValueError(f"takes no words before its options (found `{joined}`)")
    if kind in ("item", "quote", "graph") and len(positional) != 1:
        raise ValueError(f"needs {wanted}" + (f", found `{joined}`" if positional else ""))
    if kind == "item":
        canvas = _positive(options.get("canvas", "1"), "canvas")
        xywh = _xywh(options["xywh"]) if "xywh" in options else None
        return Item(line, positional[0], canvas, xywh, body)
    if kind == "quote":
        start = end = None
        if "chars" in options:
            match = re.fullmatch(r"(\d+)-(\d+)", options["chars"])
            if not match or int(match[1]) >= int(match[2]):
                raise ValueError(f"chars={options['chars']} is not START-END with START < END (e.g. chars=0-40)")
            start, end = int(match[1]), int(match[2])
        text_field = options.get("field", "")
        if text_field not in ("", "text", "abstract", "title"):
            raise ValueError(f"field={text_field} is not one of text, abstract, title")
        return Quote(line, positional[0], start, end, text_field, body)
    if kind == "timeline":
        timeline = Timeline(line, _list(options.get("entities", "")), _list(options.get("records", "")),
                            options.get("query", ""), options.get("set", ""), options.get("date", ""), body)
        if not (timeline.entities or timeline.records or timeline.query or timeline.record_set):
            raise ValueError("needs entities=…, records=…, query=… or set=…")
        return timeline
    if kind == "map":
        places, sources = _list(options.get("places", "")), _list(options.get("from", ""))
        if not (places or sources):
            raise ValueError("needs places=… or from=RECORD,RECORD")
        return Map(line, places, sources, body)
    if kind == "graph":
        depth = _positive(options.get("depth", "1"), "depth")
        if depth > MAX_GRAPH_DEPTH:
            raise ValueError(f"depth={depth} is more than {MAX_GRAPH_DEPTH}; a deeper slice is unreadable on a page")
        types = _list(options.get("types", ""))
        unknown = [t for t in types if t not in GRAPH_TYPES]
        if unknown:
            raise ValueError(f"unknown type(s) {', '.join(unknown)}; use {', '.join(GRAPH_TYPES)}")
        return Graph(line, positional[0], depth, types, body)
    if kind == "gallery":
        ids = _list(joined)
        if not ids:
            raise ValueError("needs record ids separated by commas")
        return Gallery(line, ids, body)
    if not body:
        raise ValueError("has no question: write it between `::: question` and `:::`")
    return Question(line, body)


def _arguments(rest: str) -> tuple[list[str], dict[str, str], list[str]]:
    """Words before the first key=value, the key=value options, and words that are neither."""
    positional: list[str] = []
    options: dict[str, str] = {}
    bad: list[str] = []
    # A list may be written with spaces after its commas: `gallery A-1, A-2`, `places=遵义, 泸定桥`.
    words = re.sub(r"\s*,\s*", ",", rest.strip()).split()
    for word in words:
        key, equals, value = word.partition("=")
        if equals and key and value and re.fullmatch(r"[a-z]+", key):
            options[key] = value
        elif equals or options:
            bad.append(word)
        else:
            positional.append(word)
    return positional, options, bad


def _list(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,，]", text) if part.strip()]


def _positive(text: str, key: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"{key}={text} is not a whole number from 1")
    return int(text)


def _xywh(text: str) -> tuple[int, int, int, int]:
    parts = text.split(",")
    if len(parts) != 4 or not all(p.isdigit() for p in parts):
        raise ValueError(f"xywh={text} is not four whole numbers x,y,width,height (e.g. xywh=100,200,800,600)")
    x, y, w, h = (int(p) for p in parts)
    if w == 0 or h == 0:
        raise ValueError(f"xywh={text} has no area: width and height must be more than 0")
    return x, y, w, h


CODE_SPAN = re.compile(r"(`+)[^`\n]*?\1")


def replace_mentions(text: str, replace) -> str:
    """`text` with each [[entity]] outside `code spans` replaced by replace(match): a span shows syntax as written."""
    pieces, last = [], 0
    for code in CODE_SPAN.finditer(text):
        pieces.append(MENTION.sub(replace, text[last:code.start()]))
        pieces.append(code[0])
        last = code.end()
    pieces.append(MENTION.sub(replace, text[last:]))
    return "".join(pieces)


def mentions_in(text: str, first_line: int = 1) -> list[tuple[int, str, str, str]]:
    """Each [[entity]] mention outside code spans as (line, type prefix or "", name, words shown)."""
    found = []
    for offset, line in enumerate(text.splitlines()):
        def note(match: re.Match) -> str:
            name = match[2].strip()
            found.append((first_line + offset, match[1] or "", name, (match[3] or name).strip()))
            return match[0]

        replace_mentions(line, note)
    return found
