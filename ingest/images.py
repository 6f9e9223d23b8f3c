"""Attach page images to records: sources/images/<record id>/*.png|jpg, in name order."""

from __future__ import annotations

from pathlib import Path

from jiyi.model import Problem, Record, SourceRef

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg"}


def attach_images(records: list[Record], folder: Path, shown_as: str) -> list[Problem]:
    if not folder.is_dir():
        return []  # no scans yet: the iiif stage may render facsimiles instead
    by_id = {record.id: record for record in records}
    problems: list[Problem] = []
    for record_folder in sorted(p for p in folder.iterdir() if p.is_dir()):
        record = by_id.get(record_folder.name)
        if record is None:
            problems.append(Problem("W121", SourceRef(f"{shown_as}/{record_folder.name}"),
                                    "image folder matches no record id", "rename the folder to the record's id", dropped=False))
            continue
        pages = sorted(p for p in record_folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        record.images = [f"{shown_as}/{record_folder.name}/{page.name}" for page in pages]
    return problems
