"""Exhibits stage: educators' exhibits → public JSON, a static HTML export and IIIF, open items only.

    build/public/exhibits/<id>.json              the exhibit for the app: pages as sanitised HTML and blocks
    build/public/exhibits/<id>/index.html, en.html  a self-contained copy that works opened from disk
    build/public/iiif/exhibits/<id>/manifest.json, collection.json
    build/internal/exhibits/<id>.json            an exhibit marked `visibility: internal` (staff only)
"""

from __future__ import annotations

import shutil

from jiyi.config import Config
from jiyi.model import Problem, Record, SourceRef, StageResult, to_dict, write_json
from jiyi.progress import Reporter
from jiyi.workspace import Workspace

from .build_data import BuildData
from .check import check_exhibit
from .iiif_exhibit import write_exhibit_iiif
from .publish import public_exhibit
from .static_export import write_static_export


def exhibit_folders(ws: Workspace) -> list:
    if not ws.exhibits_dir.is_dir():
        return []
    return sorted(p for p in ws.exhibits_dir.iterdir() if p.is_dir() and not p.name.startswith("."))


def run(ws: Workspace, config: Config, records: list[Record], reporter: Reporter) -> StageResult:
    data = BuildData(ws, config, records)
    problems = []
    published = withheld = internal = 0
    seen: dict[str, str] = {}  # exhibit id → the folder that has it
    # An exhibit removed from the sources goes from every output too.
    for folder in (ws.public_exhibits_dir, ws.internal_exhibits_dir):
        shutil.rmtree(folder, ignore_errors=True)
    _remove_exhibit_iiif(ws)
    for folder in reporter.track(exhibit_folders(ws), "exhibits"):
        checked = check_exhibit(folder, ws.relative(folder), data)
        problems += checked.problems
        exhibit = checked.exhibit
        if exhibit is None:
            continue
        if exhibit.id in seen:  # two folders with one id would overwrite each other's pages
            problems.append(Problem("E503", SourceRef(f"{ws.relative(folder)}/exhibit.yaml", 1),
                                    f"id {exhibit.id!r} is already used by {seen[exhibit.id]}; left out",
                                    "give each exhibit its own id", dropped=True))
            continue
        seen[exhibit.id] = ws.relative(folder)
        if exhibit.visibility == "internal":
            write_json(ws.internal_exhibits_dir / f"{exhibit.id}.json", to_dict(exhibit))
            internal += 1
            continue
        for_app, _, left_out = public_exhibit(checked, data, folder, prefix=f"{exhibit.id}/")
        for_disk, assets, _ = public_exhibit(checked, data, folder)
        write_static_export(for_disk, assets, data, ws.public_exhibits_dir / exhibit.id)
        write_json(ws.public_exhibits_dir / f"{exhibit.id}.json", to_dict(for_app))
        write_exhibit_iiif(for_app, checked, data, ws.public_exhibits_iiif_dir / exhibit.id)
        published += 1
        withheld += left_out
    counts = {"exhibits": published, "withheld items": withheld}
    if internal:
        counts["internal exhibits"] = internal
    return StageResult("exhibits", counts, problems)


def _remove_exhibit_iiif(ws: Workspace) -> None:
    """Delete the exhibits' IIIF folders only: iiif/exhibits/ could also be a record's folder, should a
    record be called `exhibits` (the iiif stage writes its manifest there), so never the folder itself."""
    folder = ws.public_exhibits_iiif_dir
    if folder.is_dir():
        for child in folder.iterdir():
            if child.is_dir() and (child / "collection.json").is_file():
                shutil.rmtree(child)
