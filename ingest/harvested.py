"""Read and write harvested records: sources/harvested/<name>.jsonl, one Record per line.

`jiyi harvest iiif` writes these files and ingest reads them like any other source, so
harvested records go through extraction, the graph, IIIF and exhibits. The writer lives
here, beside the reader, so the one file format has one owner.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from jiyi.model import Problem, Record, SourceRef, from_dict, write_jsonl
from jiyi.workspace import Workspace

HARVESTED_DIR = "sources/harvested"  # workspace-relative, as shown in problems
NAME = re.compile(r"^\w[\w.-]{0,99}$")  # one file name: no separators, not hidden


def harvested_file(ws: Workspace, name: str) -> Path:
    return ws.root / HARVESTED_DIR / f"{name}.jsonl"


def write_harvested(ws: Workspace, name: str, records: list[Record]) -> Path:
    """Replace the harvest called `name` with `records`, atomically; return the file written."""
    if not NAME.match(name):
        raise ValueError(f"harvest name {name!r} cannot name a file")
    path = harvested_file(ws, name)
    write_jsonl(path, records)
    return path


def read_harvested(folder: Path, shown_as: str = HARVESTED_DIR) -> tuple[list[Record], list[Problem]]:
    """Every record of every *.jsonl in `folder`; a line that is no Record is a Problem and the rest are read."""
    if not folder.is_dir():
        return [], []  # nothing harvested: the usual case
    records: list[Record] = []
    problems: list[Problem] = []
    for path in sorted(folder.glob("*.jsonl")):
        with open(path, encoding="utf-8", errors="replace") as lines:
            for number, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                where = SourceRef(f"{shown_as}/{path.name}", number)
                try:
                    record = from_dict(Record, json.loads(line))
                except (ValueError, TypeError, AttributeError) as error:  # not JSON, or not a Record
                    problems.append(Problem("E131", where, f"not a harvested record: {error}",
                                            "harvest the source again with `jiyi harvest iiif`; "
                                            "do not edit harvested files by hand"))
                    continue
                if not (isinstance(record.id, str) and record.id.strip() and isinstance(record.title, str)
                        and record.title.strip()):
                    problems.append(Problem("E132", where, "harvested record has no id or no title",
                                            "harvest the source again with `jiyi harvest iiif`"))
                    continue
                record.source = where
                records.append(record)
    return records, problems
