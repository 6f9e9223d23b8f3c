"""The ocr stage: records that have page images but no text get the text read from their pages.

For each such record, each page image is read (jiyi.ocr.read) and what was read, with the
box of every line and character, is kept as build/internal/ocr/<record id>/p001.json …
(a PageText each). The record's text becomes the pages' lines, one per line and a blank line
between pages, and `text_source` says "ocr". A curator's corrected transcription,
curation/transcriptions/<record id>.txt, replaces that text on every build ("corrected");
the page layouts stay, so the iiif stage can still place its words on the scans.

A page is read again only when its image's bytes or the engine change. The records files
(the three ingest writes) are written again only when some record wants text.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from jiyi.config import Config
from jiyi.model import PageText, Problem, Record, SourceRef, StageResult, from_dict, to_dict, write_json
from jiyi.progress import Reporter
from jiyi.record_writer import RecordWriter
from jiyi.workspace import Workspace

STAGE = "ocr"
# Bump when reading changes in a way that changes its output, so cached pages are read again.
READER_VERSION = "2"
PAGE_BREAK = "\n\n"  # between the text of two pages in a record's text


def run(ws: Workspace, config: Config, records, reporter: Reporter) -> StageResult:
    """Give text to the records that want it (see _wants_text) and write the records files again.

    `records` is walked, not held: once to see whether any record wants text (most workspaces
    without scans then cost one read of records.jsonl), once more to read pages and rewrite.
    """
    problems: list[Problem] = []
    corrections = Path(ws.root / config.transcriptions_dir)
    corrected_ids = {path.stem for path in corrections.glob("*.txt")}  # listed once, not looked up per record
    if not any(_wants_text(record, corrected_ids) for record in records):
        _remove_stale(ws.ocr_dir, set())
        return StageResult(STAGE, {"pages read": 0}, problems)

    reader = PageReader(ws, config)
    kept: set[str] = set()  # records whose page layouts stay
    pages_read = pages_reused = given = corrected = 0
    with RecordWriter(ws) as out:
        for record in reporter.track(records, STAGE):
            if _wants_text(record, corrected_ids):
                pages, read, reused = reader.pages_of(record, problems)
                pages_read, pages_reused = pages_read + read, pages_reused + reused
                if record.images:
                    kept.add(record.id)
                record.text, record.text_source = text_of_pages(pages), "ocr" if pages else ""
                correction = (_correction(corrections / f"{record.id}.txt", ws, problems)
                              if record.id in corrected_ids else None)
                if correction is not None:
                    record.text, record.text_source = correction, "corrected"
                    corrected += 1
                given += bool(record.text)
            out.add(record)
    _remove_stale(ws.ocr_dir, kept)
    return StageResult(STAGE, {"pages read": pages_read, "pages reused": pages_reused, "records given text": given,
                               "corrected transcriptions": corrected}, problems)


def _correction(path: Path, ws: Workspace, problems: list[Problem]) -> str | None:
    """A curator's corrected transcription, or None when there is none (or it cannot be read: said why)."""
    if not path.is_file():
        return None
    try:
        return path.read_text(encoding="utf-8-sig").replace("\r\n", "\n").strip()
    except UnicodeDecodeError as error:
        problems.append(Problem("E414", SourceRef(ws.relative(path)), f"the corrected transcription is not UTF-8 "
                                f"(byte {error.start}); the text read from the pages is used instead",
                                "save the file as UTF-8 (in Notepad: Save as… › Encoding: UTF-8)", False))
        return None


def _wants_text(record: Record, corrected_ids: set[str]) -> bool:
    """A record whose text this stage gives: it has scans of its own and no text from its source, or
    a curator corrected its transcription (its id is in `corrected_ids`). (Harvested pages stay with
    their publisher: not read.)"""
    if record.text_source or record.id in corrected_ids:
        return True
    return bool(record.images) and not record.text.strip()


def text_of_pages(pages: list[PageText]) -> str:
    """The record's text from its pages; sets each line's `start` to where it begins in that text."""
    parts, offset = [], 0
    for page in pages:
        if not page.lines:
            continue
        if parts:
            offset += len(PAGE_BREAK)
        for number, line in enumerate(page.lines):
            if number:
                offset += 1  # the newline before it
            line.start = offset
            offset += len(line.text)
        parts.append(page.text)
    return PAGE_BREAK.join(parts)


class PageReader:
    """Reads a record's pages with the configured engine, reusing what was read from the same bytes before."""

    def __init__(self, ws: Workspace, config: Config):
        from jiyi.ocr.engines import engine_named, recogniser_for  # onnxruntime loads only when a page is read

        self.ws = ws
        self.engine = engine_named(config.ocr_engine)
        self.recogniser = recogniser_for(self.engine)

    @property
    def label(self) -> str:
        return f"{self.engine.label}; jiyi reader {READER_VERSION}"

    def pages_of(self, record: Record, problems: list[Problem]) -> tuple[list[PageText], int, int]:
        """The record's pages that could be read, in order; and how many were read and reused.

        Their layouts are written once the record's text is put together from them, as each
        line's `start` is an offset into that text (so one page read again moves the next ones').
        """
        from jiyi.ocr.read import image_sha1, read_page  # numpy and Pillow: loaded only when there are scans
        from jiyi.page_images import PageError

        folder = self.ws.ocr_dir / record.id
        numbered: list[tuple[int, PageText]] = []
        read = reused = 0
        for number, shown in enumerate(record.images, start=1):
            path = self.ws.root / shown
            layout_file = folder / f"p{number:03d}.json"
            where = SourceRef(shown)
            try:
                digest = image_sha1(path)
            except OSError as error:
                layout_file.unlink(missing_ok=True)
                problems.append(Problem("E413", where, f"page {number} of {record.id} could not be opened "
                                        f"({error.strerror or error}); it was not read", "put the file back", False))
                continue
            page = _cached(layout_file, digest, self.label)
            if page is None:
                try:
                    page = read_page(path, self.engine, self.recogniser, shown)
                except PageError as error:
                    layout_file.unlink(missing_ok=True)
                    problems.append(Problem(error.code, where, f"page {number} of {record.id} {error.reason}; it "
                                            "was not read (the record's other pages were)", error.fix, False))
                    continue
                page.engine = self.label
                read += 1
            else:
                reused += 1
            problems.extend(_page_warnings(record, number, page, where))
            numbered.append((number, page))
        pages = [page for _, page in numbered]
        before = [line.start for page in pages for line in page.lines]
        text_of_pages(pages)
        if read or before != [line.start for page in pages for line in page.lines]:  # offsets moved: write again
            for number, page in numbered:
                write_json(folder / f"p{number:03d}.json", to_dict(page))
        for stale in folder.glob("p*.json") if folder.is_dir() else []:  # pages the record no longer has
            if not stale.stem[1:].isdigit() or int(stale.stem[1:]) > len(record.images):
                stale.unlink()
        return pages, read, reused


def _cached(layout_file: Path, digest: str, label: str) -> PageText | None:
    page = _read_layout(layout_file)
    return page if page and page.image_sha1 == digest and page.engine == label else None


def _read_layout(layout_file: Path) -> PageText | None:
    """A page layout this stage wrote, or None when there is none (or it cannot be read)."""
    try:
        return from_dict(PageText, json.loads(layout_file.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def _page_warnings(record: Record, number: int, page: PageText, where: SourceRef) -> list[Problem]:
    found = []
    if not page.lines:
        found.append(Problem("W411", where, f"no text was found on page {number} of {record.id} (a blank page, or a "
                             "photograph?)", "nothing to do if the page has no writing; if it has, scan it again at "
                             "300 dpi or more, or write its text in a corrected transcription", False))
    if page.rotation:
        found.append(Problem("W412", where, f"page {number} of {record.id} was scanned turned; it was read turned "
                             f"{page.rotation}° clockwise", "turn the scan upright so viewers show it upright too",
                             False))
    return found


def _remove_stale(ocr_dir: Path, kept: set[str]) -> None:
    """Layouts of records that no longer have their text read (given a text by their source, or gone)."""
    if not ocr_dir.is_dir():
        return
    for folder in ocr_dir.iterdir():
        if folder.is_dir() and folder.name not in kept:
            shutil.rmtree(folder)


def read_layouts(ws: Workspace, record: Record) -> list[PageText | None]:
    """The page layouts the ocr stage kept for a record, one per page image (None for a page it could not read)."""
    return [_read_layout(ws.ocr_dir / record.id / f"p{number:03d}.json") for number in range(1, len(record.images) + 1)]
