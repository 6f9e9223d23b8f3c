"""Ingest stage: the workspace's sources → build/internal/records.jsonl."""

from __future__ import annotations

from jiyi.config import Config
from jiyi.model import Problem, Record, StageResult, write_jsonl
from jiyi.progress import Reporter
from jiyi.workspace import Workspace

from .catalogue import read_catalogue
from .harvested import HARVESTED_DIR, read_harvested
from .images import attach_images
from .texts import read_texts


def run(ws: Workspace, config: Config, reporter: Reporter) -> tuple[list[Record], StageResult]:
    records: list[Record] = []
    problems: list[Problem] = []
    sources = [("catalogue", c) for c in config.catalogues] + [("texts", t) for t in config.texts]
    for kind, source in reporter.track(sources, "ingest"):
        if kind == "catalogue":
            found, trouble = read_catalogue(ws.root / source.file, source, source.file)
        else:
            found, trouble = read_texts(ws.root / source.dir, source, source.dir.rstrip("/"))
        records.extend(found)
        problems.extend(trouble)
    # Records of `jiyi harvest iiif`: no jiyi.toml entry needed, the folder is the source.
    found, trouble = read_harvested(ws.root / HARVESTED_DIR)
    records.extend(found)
    problems.extend(trouble)

    seen: set[str] = set()
    unique: list[Record] = []
    for record in records:  # ids must be unique across files too: they become URIs
        if record.id in seen:
            problems.append(Problem("E109", record.source, f"id {record.id!r} is used by another source too",
                                    "give each record a unique id across the workspace"))
            continue
        seen.add(record.id)
        unique.append(record)

    problems.extend(attach_images(unique, ws.root / config.images_dir, config.images_dir.rstrip("/")))
    write_jsonl(ws.records_file, unique)
    write_jsonl(ws.public_records_file, (r for r in unique if r.is_public))
    counts = {"records": len(unique), "public records": sum(r.is_public for r in unique)}
    return unique, StageResult("ingest", counts, problems)
