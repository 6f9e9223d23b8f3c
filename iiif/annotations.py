"""What is written on each page, as IIIF annotations: transcription lines, entity mentions, chapters.

Files, per record, under its iiif folder (a contract with Content Search, which reads
every `*-transcription.json` of a record):

    annotations/p001-transcription.json   supplementing: the page's text, line by line
    annotations/p001-entities.json        tagging: the entities mentioned on the page

Each is an AnnotationPage that the canvas of that page lists in its `annotations`.

On a rendered facsimile Jiyi knows where every character is drawn (`facsimile_lines`
repeats render_pages' layout), so lines and mentions get `#xywh=` regions. On scans whose
text the ocr stage read, its page layouts say where each character is (`scan_lines`), so
they do too. On other scans they do not: the whole transcription goes on page 1 and
mentions target the whole canvas.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from jiyi.iiif.facsimile import page_layout
from jiyi.iiif.manifests import language_of
from jiyi.model import Entity, Mention, Record
from jiyi.ocr import text_of_pages
from jiyi.ocr.align import offset_map
from jiyi.ocr.geometry import split_box

# render_pages' defaults, which the iiif stage renders with.
PAGE_SIZE = (1240, 1754)
MAX_PAGES = 6


@dataclass
class Line:
    """One drawn line of a facsimile page, and where its characters come from."""

    page: int  # 1-based
    field: str  # the record field drawn here: "title", "text" or "abstract"
    start: int  # offset of text[0] in that field
    text: str
    x: int
    y: int  # top of the line
    height: int
    edges: list[float] = field(default_factory=list)  # x of each character's left edge, and of the line's end
    width: int = 0  # on a scan: the line's width (a facsimile line is measured by `edges`)
    char_boxes: list[list[int] | None] | None = None  # on a scan: [x, y, w, h] of each character, None where unplaced

    def box(self, start: int, end: int) -> str:
        """The xywh of characters [start, end) of the field, which must fall in this line."""
        first, last = start - self.start, end - self.start
        if self.char_boxes is not None:  # a scan: the characters' own boxes, else the whole line
            placed = [b for b in self.char_boxes[first:last] if b] or [[self.x, self.y, self.width, self.height]]
            x0, y0 = min(b[0] for b in placed), min(b[1] for b in placed)
            x1, y1 = max(b[0] + b[2] for b in placed), max(b[1] + b[3] for b in placed)
            return f"xywh={x0},{y0},{max(1, x1 - x0)},{max(1, y1 - y0)}"
        x0, x1 = self.x + self.edges[first], self.x + self.edges[last]
        return f"xywh={round(x0)},{self.y},{max(1, round(x1 - x0))},{self.height}"


def rendered_field(record: Record) -> str | None:
    """Which field a facsimile of the record draws below its title: text, else abstract, else none."""
    if record.text.strip():
        return "text"
    return "abstract" if record.abstract.strip() else None


def facsimile_lines(record: Record, font_path: Path, *, page_size: tuple[int, int] = PAGE_SIZE,
                    max_pages: int = MAX_PAGES) -> list[Line]:
    """Where render_pages draws the record's title and text, from the same facsimile.page_layout;
    tests/iiif/test_iiif_annotations.py checks each line's box for ink on the real pages.

    A catalogue card (a record with neither text nor abstract) gives the title lines only.
    """
    title = record.title or record.id
    body_field = rendered_field(record)
    raw = getattr(record, body_field) if body_field else ""
    layout = page_layout(title, raw.strip(), font_path, page_size=page_size, max_pages=max_pages)
    margin, line_height, title_height = layout.margin, layout.line_height, layout.title_height
    body, heading, title_lines = layout.body, layout.heading, layout.title_lines
    pages = layout.pages if body_field else [[]]

    drawn: list[Line] = []
    title_finder = _Finder(record.title) if record.title else None
    body_finder = _Finder(raw)
    for number, page_lines in enumerate(pages, start=1):
        y = margin
        if number == 1:
            for text in title_lines:
                start = title_finder.find(text) if title_finder else None
                if start is not None:
                    drawn.append(_line(1, "title", start, text, margin, y, heading))
                y += title_height
            y += line_height // 2
        for text in page_lines:
            start = body_finder.find(text) if text else None
            if start is not None:  # blank lines and the truncation notice come from no field
                drawn.append(_line(number, body_field, start, text, margin, y, body))
            y += line_height
    return drawn


def scan_lines(record: Record, layouts: list) -> list[Line]:
    """Where each line of the record's text is on its scans, from the ocr stage's page layouts
    (jiyi.ocr.PageText, one per page, None for a page it could not read).

    The layouts' offsets are into the text OCR read. When a curator's corrected transcription
    replaced it, each OCR character is carried to the corrected character it became
    (jiyi.ocr.align), and each line spans the corrected characters its own became.
    """
    if record.text_source not in ("ocr", "corrected"):
        return []
    pages = [(number, page) for number, page in enumerate(layouts, start=1) if page is not None and page.lines]
    read = text_of_pages([page for _, page in pages])  # also sets each line's start in it
    mapped = offset_map(read, record.text) if record.text_source == "corrected" else list(range(len(read)))
    lines = []
    for number, page in pages:
        for text_line in page.lines:
            boxes = _character_boxes(text_line)
            targets = [mapped[text_line.start + k] if text_line.start + k < len(mapped) else None
                       for k in range(len(text_line.text))]
            placed = [t for t in targets if t is not None]
            if not placed:
                continue  # a line the curator struck out
            start, end = min(placed), max(placed) + 1
            char_boxes: list[list[int] | None] = [None] * (end - start)
            for k, target in enumerate(targets):
                if target is not None:
                    char_boxes[target - start] = boxes[k]
            x, y, width, height = text_line.box
            lines.append(Line(number, "text", start, record.text[start:end], x, y, height, width=width,
                              char_boxes=char_boxes))
    return lines


def viewing_direction(layouts: list) -> str | None:
    """"right-to-left" for a record whose pages are mostly set vertically: such books are bound on the
    right and their pages turn leftwards. None (the default, left-to-right) otherwise."""
    read = [page for page in layouts if page is not None and page.lines]
    vertical = sum(page.direction == "vertical" for page in read)
    return "right-to-left" if read and vertical * 2 > len(read) else None


def _character_boxes(line) -> list[list[int] | None]:
    """The box of each character of a TextLine's text (None for a space between words): its words' boxes,
    a word of several characters (a Latin word, a number) cut evenly along its longer side."""
    pieces = iter([piece for word in line.words
                   for piece in split_box(word.box, len(word.text), vertical=word.box[3] > word.box[2])])
    return [None if char.isspace() else next(pieces, None) for char in line.text]


def _line(page: int, field_name: str, start: int, text: str, x: int, y: int, face) -> Line:
    ascent, descent = face.font.getmetrics()
    edges, used = [0.0], 0.0
    for char in text:
        used += face.advance(char)
        edges.append(used)
    return Line(page, field_name, start, text, x, y, ascent + descent, edges)


class _Finder:
    """Finds wrapped lines in the field they came from, in order.

    Each line _wrap makes is a run of the field's characters (it only drops spaces at a
    break and turns \\r\\n into \\n), so searching on from the previous line finds it.
    """

    def __init__(self, raw: str):
        self.text = raw.replace("\r\n", "\n").replace("\r", "\n")
        # offsets in self.text → offsets in raw (they differ only where raw has \r\n)
        self.to_raw = None
        if "\r\n" in raw:
            self.to_raw, index = [], 0
            while index < len(raw):
                self.to_raw.append(index)
                index += 2 if raw.startswith("\r\n", index) else 1
        self.cursor = 0

    def find(self, line: str) -> int | None:
        found = self.text.find(line, self.cursor)
        if found < 0:
            return None
        self.cursor = found + len(line)
        return self.to_raw[found] if self.to_raw else found


# ---------------------------------------------------------------- annotation pages

def page_file(page: int, kind: str) -> str:
    """annotations/p001-transcription.json, annotations/p001-entities.json: the names Content Search reads."""
    return f"annotations/p{page:03d}-{kind}.json"


def _annotation_page(root: str, page: int, kind: str, label: dict, items: list[dict]) -> dict:
    return {"@context": "http://iiif.io/api/presentation/3/context.json", "id": f"{root}/{page_file(page, kind)}",
            "type": "AnnotationPage", "label": label, "items": items}


def transcription_pages(record: Record, lines: list[Line] | None, root: str, canvases: list[str]) -> dict[int, dict]:
    """Page number → AnnotationPage of `supplementing` annotations: what is written on that canvas.

    `lines` is the facsimile layout (None for scans). The title drawn on a facsimile counts
    as written on it; a catalogue card's description does not (it is the manifest's metadata).
    """
    label = {"zh-Hans": ["转录"], "en": ["Transcription"]}
    pages: dict[int, list[dict]] = {}
    if lines is None:
        text = record.text.strip()
        if text and canvases:
            # Scans with a transcription: which text is on which page is not known, so the
            # whole transcription is given to page 1 and says so in its label.
            pages[1] = [_text_annotation(f"{root}/annotation/p1-t1", text, language_of(record, text), canvases[0],
                                         {"zh-Hans": ["全文转录，未分页"],
                                          "en": ["Transcription of the whole record; its page breaks are not known"]})]
    else:
        tag = language_of(record, "".join(line.text for line in lines))
        for line in lines:
            items = pages.setdefault(line.page, [])
            target = f"{canvases[line.page - 1]}#{line.box(line.start, line.start + len(line.text))}"
            items.append(_text_annotation(f"{root}/annotation/p{line.page}-t{len(items) + 1}", line.text, tag, target))
    return {page: _annotation_page(root, page, "transcription", label, items) for page, items in pages.items()}


def _text_annotation(annotation_id: str, text: str, language: str, target: str, label: dict | None = None) -> dict:
    annotation = {"id": annotation_id, "type": "Annotation", "motivation": "supplementing",
                  "body": {"type": "TextualBody", "value": text, "language": language, "format": "text/plain"},
                  "target": target}
    if label:
        annotation["label"] = label
    return annotation


def entity_pages(record: Record, mentions: list[Mention], entity_uris: list[tuple[str, Entity]],
                 lines: list[Line] | None, root: str, canvases: list[str]) -> dict[int, dict]:
    """Page number → AnnotationPage of `tagging` annotations, one per mention and page it is drawn on.

    Each body is the mention as written (TextualBody) and the entity's graph node (a
    SpecificResource whose source has the node's URI as id). The target is the region
    the mention's characters are drawn in on a facsimile; else, for a mention in a field
    no page shows (or on scans), the whole of page 1.
    """
    label = {"zh-Hans": ["实体"], "en": ["Entities"]}
    pages: dict[int, list[dict]] = {}
    for mention, (uri, entity) in zip(mentions, entity_uris):
        regions: dict[int, list[str]] = {}
        for line in lines or []:
            end = line.start + len(line.text)
            if line.field == mention.field and line.start < mention.end and mention.start < end:
                box = line.box(max(mention.start, line.start), min(mention.end, end))
                regions.setdefault(line.page, []).append(f"{canvases[line.page - 1]}#{box}")
        if not regions and canvases:
            regions[1] = [canvases[0]]
        for page, targets in regions.items():
            items = pages.setdefault(page, [])
            items.append(_entity_annotation(f"{root}/annotation/p{page}-e{len(items) + 1}", record, mention, uri,
                                            entity, targets))
    return {page: _annotation_page(root, page, "entities", label, items) for page, items in pages.items()}


# The graph's classes of entities (graph/triples.py ENTITY_CLASSES), as the type of the linked node.
NODE_TYPES = {"PER": "Person", "ORG": "CorporateBody", "LOC": "Place", "TIME": "Date", "EVENT": "Event"}


def _entity_annotation(annotation_id: str, record: Record, mention: Mention, uri: str, entity: Entity,
                       targets: list[str]) -> dict:
    node = {"id": uri, "type": NODE_TYPES[entity.type.value],
            "label": {language_of(record, entity.label): [entity.label]}}
    return {"id": annotation_id, "type": "Annotation", "motivation": "tagging",
            "body": [{"type": "TextualBody", "value": mention.text, "language": language_of(record, mention.text),
                      "format": "text/plain", "purpose": "tagging"},
                     {"type": "SpecificResource", "source": node, "purpose": "identifying"}],
            "target": targets[0] if len(targets) == 1 else targets}


# ---------------------------------------------------------------- structures

_NUMBER = "[一二三四五六七八九十百千零〇两0-9０-９]+"
CHAPTER = re.compile(rf"第{_NUMBER}章")
ARTICLE = re.compile(rf"第{_NUMBER}条")


def chapter_ranges(record: Record, lines: list[Line], root: str, canvases: list[str]) -> list[dict]:
    """Ranges for a rendered text that has numbered headings, the rule being:

    - a heading is a line of the text that starts (after spaces, 　 and Markdown #) with
      第…章 (a chapter) or 第…条 (an article);
    - each chapter is a Range over the pages from its heading to the last line before the
      next chapter; its articles are Ranges inside it, the same way; a text without
      chapters gets its articles as top-level Ranges;
    - headings on no drawn page (past a truncated facsimile) are left out; a text needs
      one chapter or two articles to get any structure at all.
    """
    field_name = rendered_field(record)
    body_lines = [line for line in lines if line.field == field_name]
    if not body_lines:
        return []
    text = getattr(record, field_name)
    headings = []  # (offset, "chapter" | "article", label)
    offset = 0
    for raw_line in text.split("\n"):
        stripped = raw_line.lstrip(" \t　#")
        kind = "chapter" if CHAPTER.match(stripped) else "article" if ARTICLE.match(stripped) else None
        if kind:
            label = " ".join(stripped.split()) if kind == "chapter" else ARTICLE.match(stripped).group(0)
            headings.append((offset + len(raw_line) - len(stripped), kind, label))
        offset += len(raw_line) + 1

    def page_at(position: int) -> int | None:
        for line in body_lines:
            if line.start <= position < line.start + max(1, len(line.text)):
                return line.page
        return None

    def last_page_before(position: int) -> int:
        return max((line.page for line in body_lines if line.start < position), default=body_lines[0].page)

    drawn = [(start, kind, label, page_at(start)) for start, kind, label in headings]
    drawn = [h for h in drawn if h[3] is not None]
    chapters = [h for h in drawn if h[1] == "chapter"]
    articles = [h for h in drawn if h[1] == "article"]
    if not chapters and len(articles) < 2:
        return []
    language = language_of(record, text)
    text_end = body_lines[-1].start + len(body_lines[-1].text) + 1

    def span(heading, following) -> list[dict]:
        end = min([h[0] for h in following if h[0] > heading[0]] or [text_end])
        return [{"id": canvases[page - 1], "type": "Canvas"} for page in range(heading[3], last_page_before(end) + 1)]

    def article_ranges(within: list, bounds: list, prefix: str) -> list[dict]:
        return [{"id": f"{root}/range/{prefix}a{n}", "type": "Range", "label": {language: [article[2]]},
                 "items": span(article, bounds)} for n, article in enumerate(within, start=1)]

    if not chapters:
        return article_ranges(articles, articles, "")
    ranges = []
    for n, chapter in enumerate(chapters, start=1):
        following = [c for c in chapters if c[0] > chapter[0]]
        end = following[0][0] if following else text_end
        inside = [a for a in articles if chapter[0] < a[0] < end]
        items = article_ranges(inside, inside + following, f"c{n}-") if inside else span(chapter, chapters)
        ranges.append({"id": f"{root}/range/c{n}", "type": "Range", "label": {language: [chapter[2]]}, "items": items})
    return ranges
