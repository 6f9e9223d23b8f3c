"""Ingest stage: the workspace's sources → build/internal/records.jsonl."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable, Iterator

from jiyi.config import Config
from jiyi.errors import ConfigError
from jiyi.model import AccessStatus, Problem, Record, StageResult
from jiyi.progress import Reporter
from jiyi.record_writer import RecordWriter
from jiyi.workspace import Workspace

from .catalogue import iter_catalogue
from .harvested import HARVESTED_DIR, read_harvested
from .images import PageImages
from .seen_ids import SeenIds
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


def apply_embargo(record: Record, today: str) -> bool:
    """An embargo decides over the status: closed through its last day, open from the day after.

    Returns whether an embargo that has passed opened the record.
    """
    if not record.embargo:
        return False
    if today > record.embargo:
        if not record.is_public:
            record.access = AccessStatus.OPEN
            record.note = "; ".join(filter(None, [record.note, f"延期开放 ended {record.embargo}"]))
            return True
    elif record.is_public:
        record.access = AccessStatus.RESTRICTED  # a status of 开放 with an embargo still running stays closed
    return False


def apply_embargoes(records: Iterable[Record], today: str) -> int:
    """apply_embargo to each record; how many an embargo that has passed opened."""
    return sum(apply_embargo(record, today) for record in records)


def run(ws: Workspace, config: Config, reporter: Reporter, *, today: str | None = None) -> StageResult:
    """Read every source and write records.jsonl, then its open records as records.jsonl and records.sqlite.

    Records stream from the sources to the three files one at a time: a 1 GB catalogue of 2.3 million
    rows is never held in memory, nor are the ids the duplicate checks keep (ingest/seen_ids.py).
    """
    problems: list[Problem] = []
    images = PageImages(ws.root / config.images_dir, config.images_dir.rstrip("/"))
    day = today or build_day()
    opened = 0
    with RecordWriter(ws) as out, SeenIds() as seen:
        for record in _source_records(ws, config, reporter, problems):
            if not seen.add(record.id):  # ids must be unique across files too: they become URIs
                problems.append(Problem("E109", record.source, f"id {record.id!r} is used by another source too",
                                        "give each record a unique id across the workspace"))
                continue
            opened += apply_embargo(record, day)
            record.images = images.pages_of(record, problems)
            out.add(record)
    total, public = out.total, out.public
    problems.extend(images.unclaimed())
    counts = {"records": total, "public records": public}
    if opened:
        counts["opened by embargo"] = opened
    return StageResult("ingest", counts, problems)


def _source_records(ws: Workspace, config: Config, reporter: Reporter, problems: list[Problem]) -> Iterator[Record]:
    """Every record of every source in jiyi.toml order, then the harvested ones; problems go to `problems`."""
    sources = [("catalogue", c) for c in config.catalogues] + [("texts", t) for t in config.texts]
    for kind, source in reporter.track(sources, "ingest"):
        if kind == "catalogue":  # streamed: a catalogue may be bigger than memory
            for item in iter_catalogue(ws.root / source.file, source, source.file):
                if isinstance(item, Problem):
                    problems.append(item)
                else:
                    yield item
        else:  # one file per record: as many as a folder holds
            found, trouble = read_texts(ws.root / source.dir, source, source.dir.rstrip("/"))
            problems.extend(trouble)
            yield from found
    # Records of `jiyi harvest iiif`: no jiyi.toml entry needed, the folder is the source.
    found, trouble = read_harvested(ws.root / HARVESTED_DIR)
    problems.extend(trouble)
    yield from found
