"""Attach page images to records: sources/images/<record id>/*.png|jpg, in name order."""

from __future__ import annotations

from pathlib import Path

from jiyi.model import Problem, Record, SourceRef

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg"}
# Scans archives send that browsers and IIIF viewers cannot show as they are. Reported rather
# than passed over: a folder of TIFF masters would otherwise give a record with no pages and no word why.
UNPUBLISHED_SUFFIXES = {".tif", ".tiff", ".jp2", ".j2k", ".webp", ".gif", ".bmp", ".heic", ".heif", ".pdf"}


class PageImages:
    """The images folder: each record's page images as it streams past, then the folders no record claimed.

    Only paths are looked at here: the iiif stage opens the files and checks their content.
    """

    def __init__(self, folder: Path, shown_as: str):
        self.folder, self.shown_as = folder, shown_as
        self.refused = _escapes(shown_as)
        # One entry per record folder (not per record): what a streamed catalogue needs to look its pages up.
        self.unseen = {p.name: p for p in sorted(folder.iterdir()) if p.is_dir()} \
            if folder.is_dir() and not self.refused else {}  # no folder: the iiif stage may render facsimiles

    def pages_of(self, record: Record, problems: list[Problem]) -> list[str]:
        """The record's pages (workspace-relative paths) from its folder; its other images when it has none."""
        record_folder = self.unseen.pop(record.id, None)
        if record_folder is None:
            return record.images
        return _pages(record, record_folder, self.folder, self.shown_as, problems)

    def unclaimed(self) -> list[Problem]:
        """After the last record: the configured folder refused, or folders named after no record."""
        if self.refused:
            return [Problem("E151", SourceRef("jiyi.toml"), f"[images] dir {self.shown_as!r} does not name a folder "
                            "inside the workspace, so no page images were read",
                            'write it relative to the workspace, without "..", e.g. dir = "sources/images"')]
        return [Problem("W121", SourceRef(f"{self.shown_as}/{name}"), "image folder matches no record id",
                        "rename the folder to the record's id", dropped=False) for name in self.unseen]


def _pages(record: Record, record_folder: Path, folder: Path, shown_as: str, problems: list[Problem]) -> list[str]:
    """The record's page images as workspace-relative paths, leaving out (and reporting) links that lead
    outside the images folder and scans in formats that are not published."""
    root = folder.resolve()
    pages = []
    for page in sorted(record_folder.iterdir()):
        shown = f"{shown_as}/{record_folder.name}/{page.name}"
        suffix = page.suffix.lower()
        if suffix not in IMAGE_SUFFIXES | UNPUBLISHED_SUFFIXES:
            continue  # notes, checksums, Thumbs.db …: not pages
        where = record.source or SourceRef(shown)
        # A symlink (of the file or of the record's folder) is followed: what matters is where the bytes are.
        if not page.resolve().is_relative_to(root):
            problems.append(Problem("E150", where, f"page image {shown} of {record.id} leads outside {shown_as}/ "
                                    f"(to {page.resolve()}); it was not read",
                                    f"copy the page itself into {shown_as}/{record_folder.name}/ instead of linking to it"))
        elif suffix in UNPUBLISHED_SUFFIXES:
            problems.append(Problem("E152", where, f"page image {shown} of {record.id} is a {suffix[1:].upper()} file; "
                                    "only PNG and JPEG pages are published",
                                    "convert it to PNG (lossless) or JPEG beside the original, e.g. "
                                    f"`magick {page.name} {page.stem}.png`, and move the original out of the folder"))
        else:
            pages.append(shown)
    return pages


def _escapes(shown_as: str) -> bool:
    """Whether a configured folder is absolute or climbs out with `..` (jiyi.toml names folders in the workspace)."""
    path = Path(shown_as)
    return path.is_absolute() or ".." in path.parts
