"""An exhibit page's blocks as HTML: educators' Markdown sanitised, data drawn as plain HTML and SVG.

Two kinds of HTML come out of here, treated differently on purpose:
- what an educator wrote (Markdown, captions, questions) goes through markdown-it and then
  nh3 (Rust's ammonia) with an allow-list of tags and attributes: no script, no event
  handlers, no `javascript:`, no address outside the exhibit's own files;
- what Jiyi draws from the build (citations, timelines, maps, graph slices) is assembled
  here from escaped values, so no sanitiser has to guess what it may keep.
Only public records and public entities are ever looked up (BuildData refuses the rest).
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import nh3
from markdown_it import MarkdownIt

from jiyi.model import Entity, Record

from . import blocks as b
from .build_data import TYPE_LABELS, BuildData
from .loader import inside

SCRIPT_SCHEME = re.compile(r"\b(?:java|vb)script\s*:", re.I)
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".webp"}
ALLOWED_TAGS = {"p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "u", "s", "del", "code",
                "pre", "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
                "sup", "sub", "span"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "th": {"align"}, "td": {"align"},
                      "ol": {"start"}}
WORDS = {  # the few words Jiyi itself puts on a page, per language
    "reference": ("档号", "Ref."), "question": ("想一想", "Think about it"), "source": ("出处", "Source"),
    "held_by": ("{}藏", "held by {}"), "no_data": ("（暂无可显示的数据）", "(nothing to show yet)"),
    "records": ("相关档案", "Records"), "entities": ("本展览提到的人物、地点与事件", "People, places and events in this exhibit"),
    "neighbours": ("相邻节点", "Neighbours"),
    # A quote from the catalogue's description is the cataloguer's words, not the document's: say so.
    "from_abstract": ("（引自著录摘要）", " (quoted from the catalogue description)"),
    "from_title": ("（引自题名）", " (quoted from the title)"),
}
NODE_COLOURS = {"Person": "#b03a2e", "Place": "#1f618d", "CorporateBody": "#7d6608", "Event": "#6c3483",
                "Date": "#566573", "Record": "#1e8449"}


ENGLISH_TITLE_KEYS = ("英文题名", "title_en", "English title")  # catalogue columns the IIIF stage reads too


def title_of(record: Record, lang: str) -> str:
    """The record's title; in English pages its English title when the catalogue has one."""
    english = next((record.extra[k] for k in ENGLISH_TITLE_KEYS if record.extra.get(k)), "") if lang == "en" else ""
    return english or record.title


def word(key: str, lang: str) -> str:
    zh, en = WORDS[key]
    return zh if lang == "zh" else en


@dataclass
class Assets:
    """Files a page shows, gathered while rendering and copied by the export: name → (source, crop box)."""

    folder: Path  # the exhibit's own folder, for images the educator put there
    prefix: str = ""  # how the page reaches the export's folder: "" from index.html, "<id>/" from <id>.json
    files: dict[str, tuple[Path, tuple[int, int, int, int] | None]] = field(default_factory=dict)
    entities: dict[str, Entity] = field(default_factory=dict)  # entities linked from the page, by id

    def page_image(self, record_id: str, number: int, page_path: Path, xywh=None) -> str:
        region = f"-{'-'.join(map(str, xywh))}" if xywh else ""
        name = f"images/{_safe(record_id)}-p{number}{region}{page_path.suffix.lower()}"
        self.files[name] = (page_path, xywh)
        return self.prefix + name

    def local_image(self, reference: str) -> str | None:
        """An image file inside the exhibit's folder, or None (outside it, missing, or not an image)."""
        path = inside(self.folder, reference) if not re.match(r"^[a-z][a-z0-9+.-]*:", reference, re.I) else None
        if path is None or not path.is_file() or path.suffix.lower() not in IMAGE_SUFFIXES:
            return None
        name = f"files/{path.relative_to(self.folder.resolve()).as_posix()}"
        self.files[name] = (path, None)
        return self.prefix + name


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", text)


# ---------------------------------------------------------------- educators' Markdown
def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    # Every link becomes a link here so the sanitiser can judge its address; markdown-it's
    # own check would leave a refused `javascript:` link on the page as visible text.
    md.validateLink = lambda url: True
    return md


MARKDOWN = _markdown()


def _keep_attribute(element: str, attribute: str, value: str) -> str | None:
    if attribute == "href":  # in-page anchors only: an exhibit works offline and sends no reader elsewhere
        return value if re.fullmatch(r"#[A-Za-z0-9_-]+", value) else None
    if attribute == "src":  # only the files the renderer itself copied into the export
        return value if re.fullmatch(r"(?:[A-Za-z0-9-]+/)?(?:images|files)/[^:\\]+", value) and ".." not in value else None
    return value


def sanitise(fragment: str) -> str:
    return nh3.clean(fragment, tags=ALLOWED_TAGS, clean_content_tags={"script", "style"},
                     attributes=ALLOWED_ATTRIBUTES, attribute_filter=_keep_attribute, url_schemes=set(),
                     link_rel=None)


def markdown_html(text: str, data: BuildData, assets: Assets, lang: str) -> str:
    """Sanitised HTML of an educator's Markdown; [[entity]] mentions become links to public entities only."""
    # Markdown after a raw HTML line is kept as text (CommonMark's HTML blocks), so a refused
    # `[x](javascript:…)` there would reach the page as words; its scheme goes (check.py says so).
    text = SCRIPT_SCHEME.sub("", text)
    tokens = MARKDOWN.parse(_link_mentions(text, data, assets, lang))
    for token in tokens:
        for child in token.children or []:
            if child.type == "image":
                src = assets.local_image(str(child.attrGet("src") or ""))
                child.attrSet("src", src or "")  # refused: check.py reports it with its line
    return sanitise(MARKDOWN.renderer.render(tokens, MARKDOWN.options, {}))


def _link_mentions(text: str, data: BuildData, assets: Assets, lang: str) -> str:
    def link(match: re.Match) -> str:
        prefix, name, shown = match[1] or "", match[2].strip(), (match[3] or match[2]).strip()
        entity = data.public_entity(f"{prefix}:{name}" if prefix else name)
        if entity is None:
            return shown  # unknown, or known only from restricted records: words, not a link
        assets.entities[entity.id] = entity
        kind = TYPE_LABELS[entity.type.value][0 if lang == "zh" else 1]
        return f'[{shown}](#entity-{entity.id} "{kind}: {entity.label}")'

    return b.replace_mentions(text, link)


# ---------------------------------------------------------------- one block
def render_block(block: b.Block, data: BuildData, assets: Assets, lang: str) -> dict | None:
    """{"kind", "line", "html", "record_ids"} of a block, or None when nothing public is left to show."""
    kind = type(block).__name__.lower()
    record_ids: list[str] = []
    if isinstance(block, b.Text):
        body = markdown_html(block.markdown, data, assets, lang)
    elif isinstance(block, b.Question):
        body = (f'<aside class="question"><h4>{word("question", lang)}</h4>'
                f'{markdown_html(block.markdown, data, assets, lang)}</aside>')
    elif isinstance(block, b.Item):
        figure = _figure(block.record_id, block.canvas, block.xywh, block.caption, data, assets, lang)
        if figure is None:
            return None
        body, record_ids = f'<div class="item">{figure}</div>', [block.record_id]
    elif isinstance(block, b.Gallery):
        figures = [(rid, f) for rid in block.record_ids
                   if (f := _figure(rid, 1, None, "", data, assets, lang)) is not None]
        if not figures:
            return None
        record_ids = [rid for rid, _ in figures]
        caption = f'<p class="caption">{markdown_html(block.caption, data, assets, lang)}</p>' if block.caption else ""
        body = f'<div class="gallery">{"".join(f for _, f in figures)}</div>{caption}'
    elif isinstance(block, b.Quote):
        quoted = quote_text(block, data)
        if quoted is None:
            return None
        record = data.public_record(block.record_id)
        caption = markdown_html(block.caption, data, assets, lang) if block.caption else ""
        used = block.field or ("text" if record.text else "abstract")
        said = word(f"from_{used}", lang) if used != "text" else ""
        body = (f'<blockquote class="quote"><p>{html.escape(quoted)}</p>'
                f'<footer>— {citation(record, lang)}{said}</footer>{caption}</blockquote>')
        record_ids = [block.record_id]
    elif isinstance(block, b.Timeline):
        entries = timeline_entries(block, data)
        record_ids = [e["record_id"] for e in entries]
        body = timeline_html(entries, lang) + _caption(block.caption, data, assets, lang)
    elif isinstance(block, b.Map):
        places = map_places(block, data)
        body = map_html(places, lang) + _caption(block.caption, data, assets, lang)
    elif isinstance(block, b.Graph):
        entity = data.public_entity(block.entity)
        nodes, edges = data.slice(entity, block.depth, block.types) if entity else ([], [])
        body = _graph_html(nodes, edges, data.uri(entity) if entity else "", lang) + \
            _caption(block.caption, data, assets, lang)
    else:
        return None
    return {"kind": kind, "line": block.line, "html": body, "record_ids": record_ids}


def _caption(text: str, data: BuildData, assets: Assets, lang: str) -> str:
    return f'<div class="caption">{markdown_html(text, data, assets, lang)}</div>' if text else ""


def citation(record: Record, lang: str) -> str:
    """Title, holder, reference code and date of a record, escaped."""
    parts = [f"《{html.escape(record.title)}》" if lang == "zh" else html.escape(title_of(record, lang))]
    if record.holder:
        parts.append(html.escape(word("held_by", lang).format(record.holder)))
    parts.append(f'{word("reference", lang)} {html.escape(record.id)}')
    if record.date_text or record.date:
        parts.append(html.escape(record.date_text or record.date))
    return "，".join(parts) if lang == "zh" else ", ".join(parts)


def _figure(record_id: str, canvas: int, xywh, caption: str, data: BuildData, assets: Assets, lang: str) -> str | None:
    record = data.public_record(record_id)
    page = data.page(record_id, canvas) if record else None
    if record is None or page is None:
        return None
    src = assets.page_image(record_id, canvas, page.image, xywh)
    written = markdown_html(caption, data, assets, lang) if caption else ""
    return (f'<figure id="item-{_safe(record_id)}"><img src="{html.escape(src)}" alt="{html.escape(record.title)}">'
            f'<figcaption>{written}<span class="cite">{citation(record, lang)}</span></figcaption></figure>')


# ---------------------------------------------------------------- data of the drawn blocks
def quote_text(block: b.Quote, data: BuildData) -> str | None:
    record = data.public_record(block.record_id)
    if record is None:
        return None
    source = getattr(record, block.field) if block.field else (record.text or record.abstract)
    start, end = block.start or 0, block.end if block.end is not None else len(source)
    quoted = source[start:end].strip()
    return quoted or None


def timeline_entries(block: b.Timeline, data: BuildData) -> list[dict]:
    """Dated public records the block asks for, earliest first: {date, title, record_id, note}."""
    chosen: dict[str, Record] = {}
    for reference in block.entities:
        entity = data.public_entity(reference)
        for record in data.public_records_of(entity) if entity else []:
            chosen[record.id] = record
    for record_id in block.records:
        if (record := data.public_record(record_id)) is not None:
            chosen[record.id] = record
    for record in data.records.values():
        if not record.is_public:
            continue
        if block.query and all(w in f"{record.title} {record.abstract}" for w in block.query.split("+")):
            chosen[record.id] = record
        if block.record_set and record.record_set == block.record_set:
            chosen[record.id] = record
    entries = []
    for record in chosen.values():
        date = record.extra.get(block.date_column, "") if block.date_column else record.date
        entries.append({"date": date, "title": record.title, "title_en": title_of(record, "en"),
                        "record_id": record.id, "note": record.note})
    return sorted((e for e in entries if e["date"]), key=lambda e: (e["date"], e["record_id"]))


def map_places(block: b.Map, data: BuildData) -> list[dict]:
    """Public places with coordinates: {name, lat, lon, records}."""
    places: dict[str, Entity] = {}
    for reference in block.places:
        entity = data.public_entity(reference if ":" in reference else f"LOC:{reference}")
        if entity is not None and entity.latitude is not None:
            places[entity.id] = entity
    wanted = set(block.from_records)
    for entity in data.entities if wanted else []:
        if entity.type.value == "LOC" and entity.latitude is not None and wanted & set(entity.record_ids) \
                and data.is_public(entity):
            places[entity.id] = entity
    return [{"name": e.label, "lat": e.latitude, "lon": e.longitude,
             "records": [f"{r.title}（{r.id}）" for r in data.public_records_of(e)][:5]}
            for e in sorted(places.values(), key=lambda e: (-e.latitude, e.longitude))]


# ---------------------------------------------------------------- drawing
def timeline_html(entries: list[dict], lang: str) -> str:
    if not entries:
        return f'<p class="empty">{word("no_data", lang)}</p>'
    rows = []
    for entry in entries:
        note = f' <span class="note">（{html.escape(entry["note"])}）</span>' if entry["note"] else ""
        rows.append(f'<li><time>{html.escape(entry["date"])}</time> <span>{html.escape(entry["title_en"] if lang == "en" else entry["title"])}</span> '
                    f'<span class="cite">{word("reference", lang)} {html.escape(entry["record_id"])}</span>{note}</li>')
    return f'<ol class="timeline">{"".join(rows)}</ol>'


def map_html(places: list[dict], lang: str, width: int = 640, height: int = 420) -> str:
    """Places drawn on a plain longitude/latitude grid: no tiles, nothing fetched."""
    if not places:
        return f'<p class="empty">{word("no_data", lang)}</p>'
    lats, lons = [p["lat"] for p in places], [p["lon"] for p in places]
    south, north = min(lats) - 2, max(lats) + 2
    west, east = min(lons) - 3, max(lons) + 3
    margin = 30

    def x(lon: float) -> float:
        return margin + (lon - west) / (east - west) * (width - 2 * margin)

    def y(lat: float) -> float:
        return margin + (north - lat) / (north - south) * (height - 2 * margin)

    parts = [f'<svg class="map" viewBox="0 0 {width} {height}" role="img" xmlns="http://www.w3.org/2000/svg">',
             f'<rect width="{width}" height="{height}" fill="#f4f1ea"/>']
    for lon in range(math.ceil(west / 5) * 5, int(east) + 1, 5):
        parts.append(f'<line x1="{x(lon):.1f}" y1="{margin}" x2="{x(lon):.1f}" y2="{height - margin}" stroke="#ddd"/>'
                     f'<text x="{x(lon):.1f}" y="{height - 10}" font-size="10" fill="#888" text-anchor="middle">{lon}°E</text>')
    for lat in range(math.ceil(south / 5) * 5, int(north) + 1, 5):
        parts.append(f'<line x1="{margin}" y1="{y(lat):.1f}" x2="{width - margin}" y2="{y(lat):.1f}" stroke="#ddd"/>'
                     f'<text x="4" y="{y(lat):.1f}" font-size="10" fill="#888">{lat}°N</text>')
    for place in places:
        parts.append(f'<circle cx="{x(place["lon"]):.1f}" cy="{y(place["lat"]):.1f}" r="5" fill="#b03a2e">'
                     f'<title>{html.escape(place["name"])}</title></circle>'
                     f'<text x="{x(place["lon"]) + 7:.1f}" y="{y(place["lat"]) + 4:.1f}" font-size="13">'
                     f'{html.escape(place["name"])}</text>')
    parts.append("</svg>")
    listing = "".join(f'<li>{html.escape(p["name"])} ({p["lat"]:.2f}°N, {p["lon"]:.2f}°E)'
                      f'{"：" + html.escape("；".join(p["records"])) if p["records"] else ""}</li>' for p in places)
    return f'<figure class="map">{"".join(parts)}<figcaption><ul>{listing}</ul></figcaption></figure>'


def _graph_html(nodes: list[dict], edges: list[tuple[str, str]], centre: str, lang: str, size: int = 560) -> str:
    """The neighbourhood as rings around the entity: its neighbours, then theirs."""
    if not nodes or not centre:
        return f'<p class="empty">{word("no_data", lang)}</p>'
    first = sorted({b_ for a, b_ in edges if a == centre} | {a for a, b_ in edges if b_ == centre})
    second = sorted({n["uri"] for n in nodes} - set(first) - {centre})
    position = {centre: (size / 2, size / 2)}
    for ring, radius in ((first, size * 0.24), (second, size * 0.43)):
        for index, uri in enumerate(ring):
            # From the top, so two neighbours sit above and below and their labels clear the centre's.
            angle = -math.pi / 2 + 2 * math.pi * index / max(len(ring), 1) + (0.3 if radius > size * 0.3 else 0)
            position[uri] = (size / 2 + radius * math.cos(angle), size / 2 + radius * math.sin(angle))
    by_uri = {n["uri"]: n for n in nodes}
    parts = [f'<svg class="graph" viewBox="0 0 {size} {size}" role="img" xmlns="http://www.w3.org/2000/svg">']
    for a, b_ in edges:
        if a in position and b_ in position:
            (x1, y1), (x2, y2) = position[a], position[b_]
            parts.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="#bbb"/>')
    for uri, (cx, cy) in position.items():
        node = by_uri.get(uri, {"label": uri.rsplit("/", 1)[-1], "type": ""})
        label = node["label"] if len(node["label"]) <= 12 else node["label"][:11] + "…"
        colour = NODE_COLOURS.get(node["type"], "#888")
        radius = 9 if uri == centre else 6
        parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{radius}" fill="{colour}"><title>'
                     f'{html.escape(node["label"])} ({html.escape(node["type"])})</title></circle>'
                     f'<text x="{cx + 8:.1f}" y="{cy + 4:.1f}" font-size="11">{html.escape(label)}</text>')
    parts.append("</svg>")
    listing = "".join(f'<li>{html.escape(by_uri[u]["label"])} <small>({html.escape(by_uri[u]["type"])})</small></li>'
                      for u in first if u in by_uri)
    return (f'<figure class="graph">{"".join(parts)}<figcaption>{word("neighbours", lang)}：'
            f'<ul>{listing}</ul></figcaption></figure>')
