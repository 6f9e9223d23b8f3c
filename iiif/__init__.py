"""The IIIF stage: page images, manifests, annotation pages and collections of records, open ones apart from the rest."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from PIL import Image

from jiyi.config import Config
from jiyi.errors import JiyiError
from jiyi.graph.inputs import read_rows
from jiyi.graph.triples import entity_node
from jiyi.graph.vocab import Minter
from jiyi.iiif import services
from jiyi.iiif.annotations import (chapter_ranges, entity_pages, facsimile_lines, page_file, scan_lines,
                                   transcription_pages, viewing_direction)
from jiyi.iiif.facsimile import find_cjk_font, render_pages
from jiyi.iiif.manifests import (IMAGE_FORMATS, METADATA_FIELDS, canvas_id, collection_for, manifest_for,
                                 record_root, top_collection, write_iiif_json)
from jiyi.page_images import PUBLISHED_FORMATS, PageError, check_page, decode_upright, page_format, page_size
from jiyi.model import (Entity, EntityType, Mention, Problem, Record, SourceRef, StageResult, atomic_writer,
                        entity_key)
from jiyi.ocr import read_layouts
from jiyi.progress import Reporter
from jiyi.workspace import Workspace

STAGE = "iiif"
# Folders of an iiif output folder that are not a record's; a record id may not take these names.
RESERVED = {"activity", "collection", "exhibits", "images", "thumbnails"}  # folders of their own under iiif/
THUMBNAIL_WIDTH = 240  # px: a page's thumbnail in a viewer's strip or a collection's grid


def run(ws: Workspace, config: Config, records: list[Record], reporter: Reporter, *, now=None) -> StageResult:
    """Write manifests, annotation pages, collections and page images under build/public/iiif (open
    records) and build/internal/iiif (all others), removing what a previous build left that no longer belongs."""
    problems: list[Problem] = []
    accepted = _accepted(ws, records, problems)
    outs = {True: ws.public_iiif_dir, False: ws.internal_iiif_dir}
    for public, out in outs.items():
        # First, so that a record that became restricted is gone from public even if this run fails.
        _remove_stale(out, {r.id for r in accepted if r.is_public == public})

    links = _GraphLinks(ws, config.base_uri, {r.id for r in accepted})
    labels = config.record_set_labels()
    fonts = _FontOnce(ws, config, problems)
    built: dict[bool, list[tuple[Record, dict]]] = {True: [], False: []}
    n_images = n_annotation_pages = 0
    for record in reporter.track(accepted, STAGE):
        out = outs[record.is_public]
        if record.remote_images:  # harvested: the pages stay with their publisher, nothing is copied or drawn
            for kind in ("images", "thumbnails"):
                shutil.rmtree(out / kind / record.id, ignore_errors=True)
            images, facsimile_of = [], None
        else:
            images, facsimile_of = _page_images(ws, config, record, out, fonts, problems)
        n_pages = len(record.remote_images) or len(images)
        if not n_pages:
            shutil.rmtree(out / record.id, ignore_errors=True)
            problems.append(_no_images(ws, config, record))
            continue
        root = record_root(record.id, config.base_uri)
        canvases = [canvas_id(record.id, config.base_uri, n) for n in range(1, n_pages + 1)]
        # Public pages get their thumbnail from the image service (services.py); staff pages get a small JPEG.
        thumbnails = [] if record.is_public or not images else _thumbnails(out, record, images)
        layouts = read_layouts(ws, record) if record.text_source and not facsimile_of else []
        if facsimile_of:
            lines = facsimile_lines(record, fonts.get())
        else:  # scans: where OCR found each line, when it read them (None: not known)
            lines = scan_lines(record, layouts) if any(layouts) else None
        if lines:  # the layout and the drawn pages come from the same arithmetic; never point past the last page
            lines = [line for line in lines if line.page <= len(images)]
        mentions = links.mentions.get(record.id, [])
        pages = {"transcription": transcription_pages(record, lines, root, canvases),
                 "entities": entity_pages(record, mentions, [links.entity(m) for m in mentions], lines, root, canvases)}
        n_annotation_pages += _write_annotation_pages(out / record.id, pages)
        manifest = manifest_for(record, images, config.base_uri, facsimile_of is not None,
                                facsimile_of=facsimile_of or "text", project=config.name,
                                record_set=labels.get(record.record_set), places=links.places(mentions),
                                structures=chapter_ranges(record, lines, root, canvases) if lines else None,
                                annotations=_page_refs(pages), agents=links.agents, thumbnails=thumbnails,
                                viewing_direction=viewing_direction(layouts))
        write_iiif_json(out / record.id / "manifest.json", manifest)
        built[record.is_public].append((record, manifest))
        n_images += len(images)

    public_sets = _write_collections(outs[True], built[True], labels, config.base_uri, config.name, problems)
    # Staff see every record set whole: open and restricted manifests together. Their
    # collections get ids under internal/ so they never share a URI with a public one.
    _write_collections(outs[False], built[True] + built[False], labels, f"{config.base_uri}internal/", config.name, [])
    counts = {"manifests": len(built[True]), "internal manifests": len(built[False]),
              "collections": public_sets, "images": n_images, "annotation pages": n_annotation_pages}
    # Then the services over what is public: image derivatives, search and change discovery.
    extra = services.run(ws, config, reporter, now=now)  # now: the clock of Change Discovery (tests set it)
    counts.update(extra.counts)
    problems.extend(extra.problems)
    return StageResult(STAGE, counts=counts, problems=problems)


class _GraphLinks:
    """What the manifests link in the graph: each record's mentions, their entities' URIs, places, holders.

    Read from extract's files when they are there (the stage also runs without them). URIs
    are made as the graph stage makes them (graph/triples.py), so every link resolves there.
    """

    def __init__(self, ws: Workspace, base_uri: str, record_ids: set[str]):
        self.minter = Minter(base_uri)
        ignored: list[Problem] = []  # the graph stage reports bad rows; the same rows are skipped here
        self.entities = {e.id: e for e in read_rows(ws.entities_file, Entity, ignored)}
        self.mentions: dict[str, list[Mention]] = {}
        for mention in read_rows(ws.mentions_file, Mention, ignored):
            if mention.record_id in record_ids:
                self.mentions.setdefault(mention.record_id, []).append(mention)
        by_label = {e.label: e for e in self.entities.values()}
        for entity in self.entities.values():  # a holder written as an alias is the same agent
            for alias in entity.aliases:
                by_label.setdefault(alias, entity)
        self.agents = {name: entity_node(self.minter, e).value for name, e in by_label.items()
                       if e.type in (EntityType.PER, EntityType.ORG)}

    def entity(self, mention: Mention) -> tuple[str, Entity]:
        """The mention's entity and its graph URI; an unresolved mention is an entity of its own, as in the graph."""
        entity = self.entities.get(mention.entity_id) or Entity(
            id=entity_key(mention.type, mention.text), type=mention.type, label=mention.text)
        return entity_node(self.minter, entity).value, entity

    def places(self, mentions: list[Mention]) -> list[tuple[str, Entity]]:
        """The mentioned entities that have coordinates, once each, in the order first mentioned."""
        found: dict[str, tuple[str, Entity]] = {}
        for mention in mentions:
            entity = self.entities.get(mention.entity_id)
            if entity and entity.latitude is not None and entity.longitude is not None:
                found.setdefault(entity.id, (entity_node(self.minter, entity).value, entity))
        return list(found.values())


def _page_refs(pages: dict[str, dict[int, dict]]) -> dict[int, list[str]]:
    """Page number → the ids of its annotation pages, transcription first."""
    refs: dict[int, list[str]] = {}
    for by_number in pages.values():
        for number, page in sorted(by_number.items()):
            refs.setdefault(number, []).append(page["id"])
    return refs


def _write_annotation_pages(folder: Path, pages: dict[str, dict[int, dict]]) -> int:
    """Write annotations/p<NNN>-<kind>.json and remove those a previous build left; return how many."""
    written = set()
    for kind, by_number in pages.items():
        for number, page in by_number.items():
            name = page_file(number, kind)
            write_iiif_json(folder / name, page)
            written.add(Path(name).name)
    annotations = folder / "annotations"
    if annotations.is_dir():
        for stale in annotations.iterdir():
            if stale.name not in written:
                shutil.rmtree(stale) if stale.is_dir() else stale.unlink()
    return len(written)


def _where(ws: Workspace, record: Record) -> SourceRef:
    return record.source or SourceRef(ws.relative(ws.records_file))


def _safe_name(name: str, reserved: set[str]) -> bool:
    """Whether `name` can be one file or folder name: no separators, not hidden, not taken."""
    return bool(name) and not name.startswith(".") and name not in reserved and not any(c in name for c in "/\\\0")


def _accepted(ws: Workspace, records: list[Record], problems: list[Problem]) -> list[Record]:
    """Records whose id can name a folder and a URL (ingest has already made ids unique)."""
    accepted = []
    for record in records:
        if _safe_name(record.id, RESERVED):
            accepted.append(record)
        else:
            problems.append(Problem("E303", _where(ws, record), f"record id {record.id!r} cannot name a IIIF folder",
                                    "give the record an id without / or \\, not starting with a dot, "
                                    f"and not one of {', '.join(sorted(RESERVED))}"))
    return accepted


def _remove_stale(out: Path, ids: set[str]) -> None:
    """Delete collections, and manifests and images of records no longer in this folder."""
    shutil.rmtree(out / "collection", ignore_errors=True)
    if not out.is_dir():
        return
    for child in out.iterdir():
        if child.is_dir() and child.name not in ids and (child / "manifest.json").exists():
            shutil.rmtree(child)
    for kind in ("images", "thumbnails"):
        folder = out / kind
        if folder.is_dir():
            for child in folder.iterdir():
                if child.name not in ids:
                    shutil.rmtree(child) if child.is_dir() else child.unlink()


class _FontOnce:
    """Finds the CJK font the first time a facsimile is needed; reports once when there is none."""

    def __init__(self, ws: Workspace, config: Config, problems: list[Problem]):
        self.ws, self.config, self.problems = ws, config, problems
        self.path: Path | None = None
        self.failed = False

    def get(self) -> Path | None:
        if self.path is None and not self.failed:
            configured = str(self.ws.root / self.config.font) if self.config.font else ""
            try:
                self.path = find_cjk_font(configured)
            except JiyiError as error:
                self.failed = True
                self.problems.append(Problem(error.code, SourceRef(self.ws.relative(self.ws.config_file)),
                                             error.message, error.fix, dropped=False))
        return self.path


def _page_images(ws: Workspace, config: Config, record: Record, out: Path, fonts: _FontOnce,
                 problems: list[Problem]) -> tuple[list[tuple[str, int, int]], str | None]:
    """The record's pages in out/images/<id>/ as (path relative to out, width, height), and what
    they are rendered from ("text", "catalogue") or None for scans. Anything else in that folder
    is removed."""
    folder = out / "images" / record.id
    pages = _copy_scans(ws, record, folder, problems)
    facsimile_of = None
    if not pages and config.render_facsimiles and fonts.get():
        text = record.text.strip() or record.abstract.strip()
        # A record with neither (a catalogue entry only) gets a card of its description, so
        # that every record can be viewed; the manifest says which of the two it is.
        facsimile_of = "text" if text else "catalogue"
        # render_pages reuses pages whose PNG carries the same input key: measured 0.1 ms a
        # record against ~95 ms to redraw 6 pages. Comparing mtimes with records.jsonl would
        # redraw everything after every ingest and miss a changed font; the key does neither.
        pages = render_pages(record.title or record.id, text or _catalogue_card(record), folder, fonts.get())
    keep = {p.name for p in pages}
    if folder.is_dir():
        for stale in folder.iterdir():
            if stale.name not in keep:
                shutil.rmtree(stale) if stale.is_dir() else stale.unlink()
        if not keep:
            folder.rmdir()
    # Upright sizes: a scan with EXIF Orientation 6 is shown (and derived) turned, so its canvas is too.
    images = [(page.relative_to(out).as_posix(), *page_size(page)) for page in pages]
    return images, facsimile_of


def _thumbnails(out: Path, record: Record, images: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """A small JPEG of each page in out/thumbnails/<id>/, as (path relative to out, width, height).

    A thumbnail newer than its page is kept: rendered pages that were reused keep their
    mtime, so an unchanged record costs no decoding. Others in that folder are removed.
    """
    folder = out / "thumbnails" / record.id
    thumbnails, keep = [], set()
    for path, width, height in images:
        page = out / path
        target = folder / f"{Path(path).stem}.jpg"
        keep.add(target.name)
        size = (min(width, THUMBNAIL_WIDTH), max(1, round(height * min(width, THUMBNAIL_WIDTH) / width)))
        if not (target.is_file() and target.stat().st_mtime_ns >= page.stat().st_mtime_ns):
            image = decode_upright(page, size)
            # reducing_gap: shrink by whole factors first, then filter (measured 14 ms a page against 26)
            small = image.convert("RGB").resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)
            with atomic_writer(target, "wb") as stream:  # readable by a web server, like the other outputs
                small.save(stream, format="JPEG", quality=80)
        thumbnails.append((target.relative_to(out).as_posix(), *size))
    if folder.is_dir():
        for stale in folder.iterdir():
            if stale.name not in keep:
                shutil.rmtree(stale) if stale.is_dir() else stale.unlink()
    return thumbnails


def _catalogue_card(record: Record) -> str:
    lines = ["【著录信息 · catalogue description】", ""]
    for name, label_zh, _ in METADATA_FIELDS:
        value = record.date_text or record.date if name == "date" else getattr(record, name)
        if value:
            lines.append(f"{label_zh}：{value}")
    lines += [f"{key}：{value}" for key, value in record.extra.items() if value]
    return "\n".join(lines)


def _copy_scans(ws: Workspace, record: Record, folder: Path, problems: list[Problem]) -> list[Path]:
    """Copy the record's own page images, keeping their names; report the ones that cannot be used.

    A page that is unreadable, truncated, too large or not PNG/JPEG is left out with an error
    (dropped): the record keeps its other pages. A page whose content and suffix disagree (PNG
    bytes named .jpg) is published under the suffix of its content, so its format is told right.
    """
    copied: list[Path] = []
    for listed in record.images:
        source = (ws.root / listed).resolve()
        reason = _outside(ws, source)
        if reason:
            problems.append(Problem("E155", _where(ws, record), f"page image {listed} of {record.id} {reason}; "
                                    "it was not read", "put the page inside the workspace's images folder "
                                    "(a copy, not a link to elsewhere) and name it relative to the workspace"))
            continue
        if not source.is_file():
            problems.append(Problem("W305", _where(ws, record), f"page image {listed} of {record.id} does not exist",
                                    "fix the path or the file; the record's other pages are still used", dropped=False))
            continue
        try:
            target = folder / _published_name(source)
            if any(c.name == target.name for c in copied):
                problems.append(Problem("W305", _where(ws, record), f"page image {listed} of {record.id} has the same "
                                        "file name as another page of this record",
                                        "rename one of the two; the record's other pages are still used", dropped=False))
                continue
            _copy_checked(source, target)
        except PageError as error:
            problems.append(Problem(error.code, _where(ws, record), f"page image {listed} of {record.id} {error.reason}",
                                    f"{error.fix}; the record's other pages are still published"))
            continue
        if target.name != source.name:
            problems.append(Problem("W150", _where(ws, record), f"page image {listed} of {record.id} holds "
                                    f"{target.suffix[1:].upper()} data under a {source.suffix} name; published as {target.name}",
                                    f"rename the file to {source.stem}{target.suffix}", dropped=False))
        copied.append(target)
    return copied


def _outside(ws: Workspace, source: Path) -> str | None:
    """Why a page's resolved path may not be read, or None. Pages come from the archive's sources:
    never from outside the workspace (`..`, an absolute path, a symlink) nor from build/, where
    restricted records' pages are kept."""
    if not source.is_relative_to(ws.root.resolve()):
        return "lies outside the workspace"
    if source.is_relative_to(ws.build.resolve()):
        return "lies inside build/, which holds generated files, some restricted"
    return None


def _published_name(source: Path) -> str:
    """The page's file name, or its stem with the suffix of its content when the two disagree
    (PNG bytes named .jpg): the manifest tells the format by the suffix. Reads the header only."""
    suffix = PUBLISHED_FORMATS[page_format(source)]
    if IMAGE_FORMATS.get(source.suffix.lower()) == IMAGE_FORMATS[suffix]:
        return source.name
    return source.stem + suffix


def _copy_checked(source: Path, target: Path) -> None:
    """Check a page and copy it to target; an unchanged page already there is left as it is.

    The check decodes the whole page, so it runs only when the page is new or changed: a page
    already in place passed it when it was copied. Raises PageError for a page that cannot be published.
    """
    src, dst = source.stat(), target.stat() if target.exists() else None
    if dst and dst.st_size == src.st_size and dst.st_mtime_ns == src.st_mtime_ns:
        return  # copied by an earlier build and unchanged since
    check_page(source)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    os.close(fd)
    try:  # a temporary name, then a rename: a failed copy never leaves half a page under build/
        shutil.copy2(source, tmp)  # keeps the mtime, which the check above compares
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _no_images(ws: Workspace, config: Config, record: Record) -> Problem:
    switch = ("set render_facsimiles = true under [images]" if not config.render_facsimiles
              else "install a CJK font for rendered facsimiles (see E301)")
    return Problem("W302", _where(ws, record), f"record {record.id} has no page images, so it gets no IIIF manifest",
                   f"add page images under {config.images_dir}/{record.id}/, or {switch}", dropped=False)


def _write_collections(out: Path, built: list[tuple[Record, dict]], labels: dict[str, tuple[str, str]],
                       base_uri: str, name: str, problems: list[Problem]) -> int:
    """One collection per record set and per fonds that has manifests here, and top.json over them all;
    returns how many record sets."""
    by_set: dict[str, list[dict]] = {}
    by_fonds: dict[str, list[dict]] = {}
    for record, manifest in built:
        by_set.setdefault(record.record_set, []).append(manifest)
        if record.fonds.strip():
            by_fonds.setdefault(record.fonds.strip(), []).append(manifest)
    collections = []
    for record_set, manifests in by_set.items():
        if not _safe_name(record_set, {"top"}):
            problems.append(Problem("W306", SourceRef("jiyi.toml"),
                                    f"record set {record_set!r} cannot name a IIIF collection file",
                                    "rename the record_set (not top, no / or \\, not starting with a dot); "
                                    "its manifests are written but not collected", dropped=False))
            continue
        label_zh, label_en = labels.get(record_set, (record_set, record_set))
        collection = collection_for(record_set, label_zh, label_en, manifests, base_uri)
        write_iiif_json(out / "collection" / f"{record_set}.json", collection)
        collections.append(collection)
    n_sets = len(collections)
    for fonds, manifests in by_fonds.items():
        if not _safe_name(fonds, set()):
            problems.append(Problem("W307", SourceRef("build/internal/records.jsonl"), f"fonds {fonds!r} cannot name a IIIF collection file",
                                    "write the fonds without / or \\ and not starting with a dot; its manifests are "
                                    "in their record set's collection", dropped=False))
            continue
        collection = collection_for(fonds, fonds, "", manifests, base_uri, kind="fonds")
        write_iiif_json(out / "collection" / "fonds" / f"{fonds}.json", collection)
        collections.append(collection)
    write_iiif_json(out / "collection" / "top.json", top_collection(collections, base_uri, name))
    return n_sets
