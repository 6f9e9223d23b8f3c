"""Ingest stage: the workspace's sources → build/internal/records.jsonl."""

from __future__ import annotations

import datetime as dt
import os
import re

from jiyi.config import Config
from jiyi.errors import ConfigError
from jiyi.model import AccessStatus, Problem, Record, StageResult, write_jsonl
from jiyi.progress import Reporter
from jiyi.record_index import write_record_index
from jiyi.workspace import Workspace

from .catalogue import read_catalogue
from .harvested import HARVESTED_DIR, read_harvested
from .images import attach_images
from .texts import read_texts


# The build's date decides embargoes. Operators and tests may set it ("build as of"): JIYI_TODAY=2031-01-01.
TODAY_ENV = "JIYI_TODAY"


def build_day() -> str:
    given = os.environ.get(TODAY_ENV, "")
    if not given:
        return dt.date.today().isoformat()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", given):
        raise ConfigError("E011", f"{TODAY_ENV}={given!r} is not a day", f"write it as YYYY-MM-DD, or unset {TODAY_ENV}")
    return given


def apply_embargoes(records: list[Record], today: str) -> int:
    """An embargo decides over the status: closed through its last day, open from the day after.

    Returns how many records an embargo that has passed opened.
    """
    opened = 0
    for record in records:
        if not record.embargo:
            continue
        if today > record.embargo:
            if not record.is_public:
                record.access = AccessStatus.OPEN
                record.note = "; ".join(filter(None, [record.note, f"延期开放 ended {record.embargo}"]))
                opened += 1
        elif record.is_public:
            record.access = AccessStatus.RESTRICTED  # a status of 开放 with an embargo still running stays closed
    return opened


def run(ws: Workspace, config: Config, reporter: Reporter, *, today: str | None = None) -> tuple[list[Record], StageResult]:
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

    opened = apply_embargoes(unique, today or build_day())
    problems.extend(attach_images(unique, ws.root / config.images_dir, config.images_dir.rstrip("/")))
    write_jsonl(ws.records_file, unique)
    write_jsonl(ws.public_records_file, (r for r in unique if r.is_public))
    write_record_index(ws.public_record_index, (r for r in unique if r.is_public))  # what the app reads
    counts = {"records": len(unique), "public records": sum(r.is_public for r in unique)}
    if opened:
        counts["opened by embargo"] = opened
    return unique, StageResult("ingest", counts, problems)
