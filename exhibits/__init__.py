"""Exhibits stage: educators' exhibits → build/public/exhibits/<id>.json, open items only."""

from __future__ import annotations

import shutil

from jiyi.config import Config
from jiyi.model import Problem, Record, SourceRef, StageResult, to_dict, write_json
from jiyi.progress import Reporter
from jiyi.workspace import Workspace

from .loader import ExhibitError, load_exhibit


def run(ws: Workspace, config: Config, records: list[Record], reporter: Reporter) -> StageResult:
    by_id = {record.id: record for record in records}
    folders = sorted(p for p in ws.exhibits_dir.iterdir() if p.is_dir()) if ws.exhibits_dir.is_dir() else []
    problems: list[Problem] = []
    published = withheld = 0
    shutil.rmtree(ws.public_exhibits_dir, ignore_errors=True)  # an exhibit removed from sources goes too
    for folder in reporter.track(folders, "exhibits"):
        shown_as = ws.relative(folder)
        try:
            exhibit = load_exhibit(folder, shown_as)
        except ExhibitError as exc:
            problems.append(Problem(exc.code, SourceRef(shown_as), exc.message, exc.fix))
            continue
        for section in exhibit.sections:
            public_items = []
            for item in section.items:
                record = by_id.get(item.record_id)
                if record is None:
                    problems.append(Problem("W504", SourceRef(f"{shown_as}/exhibit.yaml"),
                                            f"item {item.record_id!r} is not a record of this workspace; left out",
                                            "use a 档号 from the catalogue", dropped=False))
                elif record.is_public:
                    public_items.append(item)
                else:
                    withheld += 1  # restricted: the public exhibit simply does not show it
            section.items = public_items
        write_json(ws.public_exhibits_dir / f"{exhibit.id}.json", to_dict(exhibit))
        published += 1
    return StageResult("exhibits", {"exhibits": published, "withheld items": withheld}, problems)
