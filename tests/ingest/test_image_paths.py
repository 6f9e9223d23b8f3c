"""Page image paths that lead outside the workspace's sources — `..`, absolute paths, symlinks —
are refused with the record's row and a fix, and nothing they point at is read into build/."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from PIL import Image

from jiyi.build import open_workspace, run_stage
from jiyi.config import Config
from jiyi.iiif import run as run_iiif
from jiyi.model import AccessStatus, Record, SourceRef, read_jsonl
from jiyi.progress import QUIET
from jiyi.workspace import Workspace

CATALOGUE = ("档号,题名,日期,开放状态,摘要\n"
             "A-1,好的一件,1950,开放,\n"
             "A-2,带链接的一件,1951,开放,\n")   # line 3
ROW = 3


def secret_png() -> bytes:
    """A page no build may publish: its colour is what the leak checks look for."""
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (1, 2, 3)).save(out, "PNG")
    return out.getvalue()


def page_png(size=(400, 300)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (220, 210, 190)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def ws_with_pages(make_workspace, tmp_path) -> tuple[Workspace, Path]:
    """A workspace whose A-1 and A-2 have a good page each, and a secret page outside the workspace."""
    ws = make_workspace(CATALOGUE)
    for record_id in ("A-1", "A-2"):
        folder = ws.root / "sources" / "images" / record_id
        folder.mkdir(parents=True)
        (folder / "p001.png").write_bytes(page_png())
    secret = tmp_path / "outside" / "secret.png"
    secret.parent.mkdir()
    secret.write_bytes(secret_png())
    return ws, secret


def ingest(ws: Workspace):
    ws, config = open_workspace(ws.root)
    result = run_stage("ingest", ws, config, QUIET)
    return {r.id: r for r in read_jsonl(ws.records_file, Record)}, result


def assert_nothing_of(secret: Path, ws: Workspace) -> None:
    """No file under build/ is the secret page, nor a derivative showing its colour."""
    data = secret.read_bytes()
    for path in ws.build.rglob("*"):
        if path.is_file():
            assert path.read_bytes() != data, f"{path} is a copy of {secret}"
            if path.suffix == ".jpg":
                with Image.open(path) as image:
                    assert image.convert("RGB").getpixel((0, 0)) != (1, 2, 3), f"{path} shows {secret}"


def test_a_page_linked_to_a_file_outside_the_workspace_is_refused(ws_with_pages):
    ws, secret = ws_with_pages
    (ws.root / "sources" / "images" / "A-2" / "p002.png").symlink_to(secret)
    records, result = ingest(ws)
    assert records["A-2"].images == ["sources/images/A-2/p001.png"]
    (problem,) = result.problems
    assert problem.code == "E150" and problem.dropped
    assert (problem.where.file, problem.where.line) == ("sources/catalogue.csv", ROW)
    assert "sources/images/A-2/p002.png" in problem.message and "copy the page itself" in problem.fix
    ws, config = open_workspace(ws.root)
    assert run_stage("iiif", ws, config, QUIET).problems == []
    assert_nothing_of(secret, ws)


def test_a_record_folder_linked_outside_the_workspace_is_refused_page_by_page(ws_with_pages):
    ws, secret = ws_with_pages
    (ws.root / "sources" / "images" / "A-2" / "p001.png").unlink()
    (ws.root / "sources" / "images" / "A-2").rmdir()
    (ws.root / "sources" / "images" / "A-2").symlink_to(secret.parent, target_is_directory=True)
    records, result = ingest(ws)
    assert records["A-2"].images == [] and records["A-1"].images == ["sources/images/A-1/p001.png"]
    assert [(p.code, p.where.line) for p in result.problems] == [("E150", ROW)]
    assert "sources/images/A-2/secret.png" in result.problems[0].message


def test_a_page_linked_into_build_is_refused(ws_with_pages):
    """build/internal holds restricted records' pages: a link there would publish them."""
    ws, _ = ws_with_pages
    restricted = ws.root / "build" / "internal" / "iiif" / "images" / "R-9" / "p001.png"
    restricted.parent.mkdir(parents=True)
    restricted.write_bytes(secret_png())
    (ws.root / "sources" / "images" / "A-2" / "p002.png").symlink_to(restricted)
    records, result = ingest(ws)
    assert records["A-2"].images == ["sources/images/A-2/p001.png"]
    assert [p.code for p in result.problems] == ["E150"]


@pytest.mark.parametrize("configured", ["../outside", "/etc", "sources/../../outside"])
def test_an_images_folder_outside_the_workspace_is_refused(make_workspace, tmp_path, configured):
    ws = make_workspace(CATALOGUE, extra_toml=f'\n[images]\ndir = "{configured}"\n')
    (tmp_path / "outside" / "A-1").mkdir(parents=True)
    (tmp_path / "outside" / "A-1" / "p001.png").write_bytes(secret_png())
    records, result = ingest(ws)
    assert all(r.images == [] for r in records.values())
    (problem,) = result.problems
    assert problem.code == "E151" and problem.dropped and problem.where.file == "jiyi.toml"
    assert configured in problem.message and "relative to the workspace" in problem.fix


def test_a_tiff_scan_is_reported_not_passed_over(ws_with_pages):
    ws, _ = ws_with_pages
    Image.new("RGB", (40, 30)).save(ws.root / "sources" / "images" / "A-2" / "p002.tif")
    (ws.root / "sources" / "images" / "A-2" / "checksums.md5").write_text("x", encoding="utf-8")  # not a page
    records, result = ingest(ws)
    assert records["A-2"].images == ["sources/images/A-2/p001.png"]
    (problem,) = result.problems
    assert problem.code == "E152" and problem.where.line == ROW and "p002.tif" in problem.message
    assert "convert" in problem.fix


# ---------------------------------------------------------------- the iiif stage's own guard

# Paths a record may carry from elsewhere than its images folder (a hand-edited records.jsonl, a
# catalogue column naming files): the iiif stage reads none that resolve outside the sources.
ESCAPES = {
    "dot-dot": lambda ws, secret: os.path.relpath(secret, ws.root),
    "absolute": lambda ws, secret: str(secret),
    "absolute inside the workspace, in build/": lambda ws, secret: str(ws.internal / "R-9.png"),
    "relative into build/": lambda ws, secret: "build/internal/R-9.png",
}


@pytest.mark.parametrize("case", sorted(ESCAPES))
def test_the_iiif_stage_reads_no_page_outside_the_sources(ws_with_pages, case):
    ws, secret = ws_with_pages
    restricted = ws.internal / "R-9.png"  # stands for a restricted record's page kept in build/internal
    restricted.parent.mkdir(parents=True)
    restricted.write_bytes(secret.read_bytes())
    listed = ESCAPES[case](ws, secret)
    record = Record(id="A-2", title="t", record_set="t", access=AccessStatus.OPEN,
                    images=["sources/images/A-2/p001.png", listed], source=SourceRef("sources/catalogue.csv", ROW))
    result = run_iiif(ws, Config(name="t", base_uri="https://example.org/jiyi/"), [record], QUIET)
    (problem,) = result.problems
    assert problem.code == "E155" and problem.dropped and problem.where.line == ROW
    assert listed in problem.message and "inside the workspace's images folder" in problem.fix
    assert [p.name for p in (ws.public_iiif_dir / "images" / "A-2").iterdir() if p.is_file()] == ["p001.png"]
    restricted.unlink()  # the one legitimate copy of the secret in build/
    assert_nothing_of(secret, ws)
