"""Check an exhibit against the build: every mistake as a Problem located at its file and line, with a fix.

Codes: E501–E503 exhibit.yaml (missing, not YAML or refused YAML, wrong keys), W504/W506
unknown record, E505 a directive that cannot be read, E507 an item that is not open in a
public exhibit (refused), E508 a page or region the record does not have, W509 an unknown
entity, W510 an entity known only from restricted records (shown as words, not linked),
E511 an image reference outside the exhibit's folder or missing, W512 a link or HTML the
page leaves out, W513 a quote with nothing to quote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from jiyi.model import Exhibit, Problem, SourceRef

from . import blocks as b
from .build_data import BuildData
from .loader import ExhibitError, inside, load_exhibit

IMAGE_REFERENCE = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]*)")
LINK_REFERENCE = re.compile(r"(?<!!)\[[^\]]*\]\(\s*<?([^)\s>]*)")
RAW_HTML = re.compile(r"<\s*(script|style|iframe|object|embed)\b|\son[a-z]+\s*=|javascript\s*:", re.I)
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".webp"}


@dataclass
class Checked:
    """An exhibit as read, the blocks of each (section index, language) page, and what is wrong."""

    exhibit: Exhibit | None
    pages: dict[tuple[int, str], list[b.Block]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def check_exhibit(folder: Path, shown_as: str, data: BuildData) -> Checked:
    try:
        exhibit = load_exhibit(folder, shown_as)
    except ExhibitError as exc:
        return Checked(None, problems=[_located(exc)])
    checked = Checked(exhibit)
    yaml_file = f"{shown_as}/exhibit.yaml"
    yaml_text = (folder / "exhibit.yaml").read_text(encoding="utf-8")
    public = exhibit.visibility == "public"

    def problem(code: str, where: str, line: int | None, message: str, fix: str, dropped: bool = False) -> None:
        checked.problems.append(Problem(code, SourceRef(where, line), message, fix, dropped))

    def record(record_id: str, where: str, line: int) -> bool:
        """Whether the page may show this record; the reason when not."""
        found = data.records.get(record_id)
        if found is None:
            problem("W506", where, line, f"{record_id!r} is not a record of this workspace; left out",
                    "use a 档号 from the catalogue (jiyi ingest lists them in build/internal/records.jsonl)")
            return False
        if public and not found.is_public:
            problem("E507", where, line, f"{record_id} is refused in a public exhibit: its open status is "
                    f"{found.access.value} (only 开放 records may be public); left out",
                    "remove it, choose an open record, or make the exhibit `visibility: internal`", dropped=True)
            return False
        return True

    _check_cover(exhibit, folder, yaml_file, yaml_text, data, problem, record)
    for index, section in enumerate(exhibit.sections):
        for item in section.items:
            line = line_with(yaml_text, item.record_id)
            if item.record_id not in data.records:
                problem("W504", yaml_file, line, f"item {item.record_id!r} is not a record of this workspace; left out",
                        "use a 档号 from the catalogue")
            else:
                record(item.record_id, yaml_file, line)
        for lang in ("zh", "en"):
            name = getattr(section, f"source_{lang}")
            if not name:
                continue
            where = f"{shown_as}/{name}"
            text = getattr(section, f"body_{lang}")
            page, errors = b.parse_page(text)
            checked.pages[(index, lang)] = page
            for error in errors:
                problem("E505", where, error.line, error.message, error.fix)
            for block in page:
                _check_block(block, where, data, problem, record)
            _check_text(text, folder, where, data, problem)
    return checked


def line_with(text: str, word: str) -> int:
    """The first line holding `word` as a whole token (not inside a longer id); 1 when none does."""
    pattern = re.compile(rf"(?<![\w-]){re.escape(word)}(?![\w-])")
    return next((n for n, line in enumerate(text.splitlines(), start=1) if pattern.search(line)), 1)


def _located(exc: ExhibitError) -> Problem:
    """The loader writes `file:line: message`; a Problem keeps the place apart from the words."""
    match = re.match(r"^(.+?):(\d+): (.*)$", exc.message, re.S)
    if match:
        return Problem(exc.code, SourceRef(match[1], int(match[2])), match[3], exc.fix)
    where, _, message = exc.message.partition(": ")
    return Problem(exc.code, SourceRef(where), message or exc.message, exc.fix)


def _check_cover(exhibit, folder, yaml_file, yaml_text, data, problem, record) -> None:
    if not exhibit.cover:
        return
    line = line_with(yaml_text, "cover")
    if exhibit.cover in data.records:
        if record(exhibit.cover, yaml_file, line) and data.page(exhibit.cover, 1) is None:
            problem("E508", yaml_file, line, f"cover {exhibit.cover} has no page image", "run `jiyi iiif` or choose another record")
        return
    path = inside(folder, exhibit.cover)
    if path is None or not path.is_file() or path.suffix.lower() not in IMAGE_SUFFIXES:
        problem("E511", yaml_file, line, f"cover {exhibit.cover!r} is neither a record nor an image file in the exhibit's folder",
                "write a 档号, or the name of a .png/.jpg file inside the folder (no `..`, no leading `/`, no web address)")


def _check_block(block: b.Block, where: str, data: BuildData, problem, record) -> None:
    line = block.line
    if isinstance(block, b.Item):
        if not record(block.record_id, where, line) or data.public_record(block.record_id) is None:
            return
        pages = data.page_count(block.record_id)
        page = data.page(block.record_id, block.canvas)
        if page is None:
            problem("E508", where, line, f"{block.record_id} has no page {block.canvas} (it has {pages})",
                    f"write canvas=1 … canvas={pages}" if pages else "run `jiyi iiif` first, or choose another record")
        elif block.xywh:
            x, y, w, h = block.xywh
            if x + w > page.width or y + h > page.height:
                problem("E508", where, line, f"region xywh={x},{y},{w},{h} reaches outside page {block.canvas} of "
                        f"{block.record_id} ({page.width}×{page.height} pixels)",
                        f"keep x+width ≤ {page.width} and y+height ≤ {page.height}")
    elif isinstance(block, b.Gallery):
        for record_id in block.record_ids:
            record(record_id, where, line)
    elif isinstance(block, b.Quote):
        if not record(block.record_id, where, line):
            return
        found = data.records[block.record_id]
        source = getattr(found, block.field) if block.field else (found.text or found.abstract)
        said = block.field or "text or abstract"
        if not source:
            problem("W513", where, line, f"{block.record_id} has no {said} to quote",
                    "choose another field (field=title) or another record")
        elif block.end is not None and block.end > len(source):
            problem("W513", where, line, f"chars={block.start}-{block.end} runs past the end of {block.record_id}'s "
                    f"{said} ({len(source)} characters)", f"end at {len(source)} or before")
    elif isinstance(block, b.Timeline):
        for reference in block.entities:
            _entity(reference, where, line, data, problem)
        for record_id in block.records:
            record(record_id, where, line)
    elif isinstance(block, b.Map):
        for reference in block.places:
            entity = _entity(reference if ":" in reference else f"LOC:{reference}", where, line, data, problem)
            if entity is not None and entity.latitude is None:
                problem("W509", where, line, f"place {reference!r} has no coordinates, so the map leaves it out",
                        "use the name the gazetteer knows (e.g. 南京市), or add coordinates through curation")
        for record_id in block.from_records:
            record(record_id, where, line)
    elif isinstance(block, b.Graph):
        _entity(block.entity, where, line, data, problem)


def _entity(reference: str, where: str, line: int, data: BuildData, problem):
    prefix, _, name = reference.rpartition(":") if ":" in reference else ("", "", reference)
    known = data.find(name.strip(), prefix.strip())
    if not known:
        problem("W509", where, line, f"no entity named {reference!r} in the graph",
                "write the name as `jiyi curate list` shows it, with its type if needed (PER:, LOC:, ORG:, EVENT:)")
        return None
    entity = data.public_entity(reference)
    if entity is None:
        problem("W510", where, line, f"{reference!r} is known only from records that are not open; "
                "the page shows the words without a link", "link another entity, or leave it as plain text")
    return entity


def _check_text(text: str, folder: Path, where: str, data: BuildData, problem) -> None:
    """Line by line: entity mentions, images, links and raw HTML the sanitiser will remove."""
    for number, line in enumerate(text.splitlines(), start=1):
        for _, prefix, name, _ in b.mentions_in(line, number):
            _entity(f"{prefix}:{name}" if prefix else name, where, number, data, problem)
        for reference in IMAGE_REFERENCE.findall(line):
            path = inside(folder, reference) if not re.match(r"^[a-z][a-z0-9+.-]*:", reference, re.I) else None
            if path is None:
                problem("E511", where, number, f"image {reference!r} is outside the exhibit's folder; refused",
                        "put the image in the exhibit's folder and name it relatively, e.g. `![说明](images/photo.jpg)`",
                        dropped=True)
            elif not path.is_file() or path.suffix.lower() not in IMAGE_SUFFIXES:
                problem("E511", where, number, f"image {reference!r} is not a .png/.jpg/.gif/.webp file in the folder",
                        "check the file name")
        for reference in LINK_REFERENCE.findall(line):
            if not reference.startswith("#"):
                problem("W512", where, number, f"link to {reference!r} is left out: an exhibit works offline and "
                        "links only within itself", "name the source in the text, or cite a record with `::: quote`")
        if RAW_HTML.search(line):
            problem("W512", where, number, f"HTML or script `{RAW_HTML.search(line)[0].strip()}` is removed from the page",
                    "write Markdown only; for a picture use `![说明](images/photo.jpg)`")
