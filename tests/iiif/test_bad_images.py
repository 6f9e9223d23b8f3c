"""Broken page images as archives send them: each bad page is left out with its file, row and a fix,
the record's other pages and the other records are still published, and nothing half-written is left."""

from __future__ import annotations

import io
import json
import random
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy
import pytest
from PIL import Image

from jiyi.build import open_workspace, run_stage
from jiyi import page_images as pages
from jiyi.workspace import Workspace
from jiyi.progress import QUIET

CATALOGUE = ("档号,题名,日期,开放状态,摘要\n"
             "GOOD-1,好的一件,1950,开放,\n"
             "BAD-2,坏图的一件,1951,开放,\n"    # line 3 of the catalogue
             "GOOD-3,又一件,1952,开放,\n")
BAD_ROW = 3
JIYI = str(Path(sys.executable).parent / "jiyi")


# ---------------------------------------------------------------- page makers

def jpeg_bytes(size=(600, 400), colour=(180, 170, 150), **options) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG", quality=85, **options)
    return out.getvalue()


def png_bytes(image: Image.Image | None = None) -> bytes:
    out = io.BytesIO()
    (image or Image.new("RGB", (500, 700), (230, 225, 210))).save(out, "PNG")
    return out.getvalue()


def noisy_jpeg() -> bytes:
    """A JPEG with real entropy-coded data, so that cutting it leaves a truncated scan, not an empty one."""
    pixels = numpy.random.default_rng(7).integers(0, 255, (400, 600, 3), dtype=numpy.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "JPEG", quality=90)
    return out.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def solid_png(path: Path, width: int, height: int, grey: int = 200, rows: int | None = None) -> None:
    """An 8-bit grey PNG written row by row, so a 100-megapixel page costs the test no memory; with
    `rows`, only that many rows of data follow the header (a bomb: a huge header, little behind it)."""
    squeeze = zlib.compressobj(9)
    line = b"\x00" + bytes([grey]) * width  # filter byte 0, then the row
    with open(path, "wb") as out:
        out.write(b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)))
        data = b"".join(squeeze.compress(line) for _ in range(height if rows is None else rows)) + squeeze.flush()
        out.write(png_chunk(b"IDAT", data) + png_chunk(b"IEND", b""))


# ---------------------------------------------------------------- a small workspace, built

def workspace_with(make_workspace, bad_name: str, bad: bytes | None = None, *, extra_toml: str = "") -> Workspace:
    """Three open records with good pages; BAD-2 also gets `bad_name` (before its good page p002)."""
    ws = make_workspace(CATALOGUE, extra_toml=extra_toml)
    images = ws.root / "sources" / "images"
    for record_id, name, data in [("GOOD-1", "p001.jpg", jpeg_bytes()), ("GOOD-3", "p001.png", png_bytes()),
                                  ("BAD-2", "p002.png", png_bytes())]:
        (images / record_id).mkdir(parents=True, exist_ok=True)
        (images / record_id / name).write_bytes(data)
    if bad is not None:
        (images / "BAD-2" / bad_name).write_bytes(bad)
    return ws


def build_pages(ws: Workspace):
    """The two stages that read page images: ingest (paths) and iiif (content)."""
    ws, config = open_workspace(ws.root)
    return run_stage("ingest", ws, config, QUIET), run_stage("iiif", ws, config, QUIET)


def manifest(ws: Workspace, record_id: str) -> dict:
    return json.loads((ws.public_iiif_dir / record_id / "manifest.json").read_text(encoding="utf-8"))


def bodies(ws: Workspace, record_id: str) -> list[dict]:
    return [canvas["items"][0]["items"][0]["body"] for canvas in manifest(ws, record_id)["items"]]


def canvas_sizes(ws: Workspace, record_id: str) -> list[tuple[int, int]]:
    return [(canvas["width"], canvas["height"]) for canvas in manifest(ws, record_id)["items"]]


def info(ws: Workspace, record_id: str, stem: str) -> dict:
    return json.loads((ws.public_iiif_dir / "images" / record_id / stem / "info.json").read_text(encoding="utf-8"))


def served(ws: Workspace, record_id: str, stem: str) -> Image.Image:
    """The largest derivative the image service serves of a page (`max`), decoded."""
    with Image.open(ws.public_iiif_dir / "images" / record_id / stem / "full" / "max" / "0" / "default.jpg") as image:
        image.load()
        return image


def leftovers(ws: Workspace) -> list[Path]:
    """Temporary files and folders of an interrupted write anywhere under build/."""
    return [p for p in ws.build.rglob("*") if p.name.endswith(".part") or p.name.startswith((".draw-", ".tmp"))]


def assert_good_pages_published(ws: Workspace, bad_record: list[tuple[int, int]] = [(500, 700)]) -> None:
    """The good records are whole, and BAD-2 has the canvases given (by default its good page only)."""
    assert canvas_sizes(ws, "GOOD-1") == [(600, 400)] and canvas_sizes(ws, "GOOD-3") == [(500, 700)]
    assert canvas_sizes(ws, "BAD-2") == bad_record
    assert info(ws, "GOOD-1", "p001")["width"] == 600 and info(ws, "BAD-2", "p002")["height"] == 700
    assert leftovers(ws) == []


# ---------------------------------------------------------------- each kind of broken page

def truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def tiff_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 200), (10, 20, 30)).save(out, "TIFF")
    return out.getvalue()


def gif_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("P", (300, 200)).save(out, "GIF")
    return out.getvalue()


BROKEN = {
    # name: (file name, bytes, code, words the message must hold)
    "random bytes": ("p001.jpg", random.Random(8).randbytes(5000), "E156", "is not an image"),
    "zero bytes": ("p001.jpg", b"", "E156", "is not an image"),
    "truncated JPEG": ("p001.jpg", truncated(noisy_jpeg()), "E157", "truncated"),
    "truncated PNG": ("p001.png", truncated(png_bytes(Image.fromarray(
        numpy.random.default_rng(3).integers(0, 255, (300, 300), dtype=numpy.uint8)))), "E157", "truncated"),
    "TIFF named .png": ("p001.png", tiff_bytes(), "E159", "TIFF"),
    "GIF named .jpg": ("p001.jpg", gif_bytes(), "E159", "GIF"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_page_is_dropped_with_its_file_row_and_fix(make_workspace, case):
    name, data, code, words = BROKEN[case]
    ws = workspace_with(make_workspace, name, data)
    _, result = build_pages(ws)

    (problem,) = [p for p in result.problems if p.code.startswith("E")]
    assert problem.code == code and problem.dropped
    assert (problem.where.file, problem.where.line) == ("sources/catalogue.csv", BAD_ROW)
    assert f"sources/images/BAD-2/{name}" in problem.message and words in problem.message
    assert "replace" in problem.fix or "convert" in problem.fix
    copies = [p for p in ws.build.rglob(f"{Path(name).stem}*") if "BAD-2" in p.parts]
    assert copies == [], "a refused page must not be copied, nor derived, anywhere under build/"
    assert_good_pages_published(ws)


def test_jiyi_build_exits_non_zero_and_lists_the_dropped_page(make_workspace):
    ws = workspace_with(make_workspace, "p001.jpg", truncated(noisy_jpeg()))
    run = subprocess.run([JIYI, "build", "-w", str(ws.root), "-q"], capture_output=True, text=True, timeout=600)
    assert run.returncode == 1, run.stdout + run.stderr
    shown = run.stdout + run.stderr
    assert "E157" in shown and "sources/images/BAD-2/p001.jpg" in shown and "sources/catalogue.csv:3" in shown
    assert "1 dropped (E157 ×1)" in shown
    assert_good_pages_published(ws)


def test_a_good_build_of_the_same_workspace_exits_zero(make_workspace):
    """The other side of the test above: with no bad page, nothing is dropped, so the exit code is 0."""
    ws = workspace_with(make_workspace, "p001.jpg", None)
    run = subprocess.run([JIYI, "build", "-w", str(ws.root), "-q"], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr


def test_a_page_fixed_after_a_failed_build_is_published_on_the_next(make_workspace):
    ws = workspace_with(make_workspace, "p001.jpg", b"")
    _, first = build_pages(ws)
    assert [p.code for p in first.problems] == ["E156"]
    (ws.root / "sources" / "images" / "BAD-2" / "p001.jpg").write_bytes(jpeg_bytes(size=(300, 200)))
    _, second = build_pages(ws)
    assert second.problems == []
    assert canvas_sizes(ws, "BAD-2") == [(300, 200), (500, 700)]


def test_png_bytes_named_jpg_are_published_as_png(make_workspace):
    ws = workspace_with(make_workspace, "p001.jpg", png_bytes(Image.new("RGB", (320, 240), (0, 90, 0))))
    _, result = build_pages(ws)
    assert [(p.code, p.dropped) for p in result.problems] == [("W150", False)]
    assert "p001.png" in result.problems[0].message and result.problems[0].where.line == BAD_ROW
    first = bodies(ws, "BAD-2")[0]
    assert first["id"].endswith("/images/BAD-2/p001.png") and first["format"] == "image/png"
    assert (ws.public_iiif_dir / "images" / "BAD-2" / "p001.png").read_bytes()[:4] == b"\x89PNG"
    assert served(ws, "BAD-2", "p001").getpixel((5, 5))[1] > 60  # the green page, derived
    assert_good_pages_published(ws, [(320, 240), (500, 700)])


# ---------------------------------------------------------------- pages that are fine but unusual

def exif_rotated_jpeg(orientation: int) -> bytes:
    """A 300×200 landscape as stored, with a red block at its stored top-left corner."""
    image = Image.new("RGB", (300, 200), (240, 240, 240))
    image.paste((255, 0, 0), (0, 0, 60, 40))
    exif = Image.Exif()
    exif[pages.EXIF_ORIENTATION] = orientation
    return jpeg_bytes_of(image, exif=exif.tobytes())


def jpeg_bytes_of(image: Image.Image, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92, **options)
    return out.getvalue()


def is_red(pixel) -> bool:
    return pixel[0] > 200 and pixel[1] < 80 and pixel[2] < 80


# Where the stored top-left corner is seen once the page is turned upright, and the upright size.
ORIENTED = {6: ((200, 300), "top right"), 8: ((200, 300), "bottom left"), 3: ((300, 200), "bottom right")}


@pytest.mark.parametrize("orientation", sorted(ORIENTED))
def test_an_exif_rotated_scan_is_served_upright(make_workspace, orientation):
    ws = workspace_with(make_workspace, "p001.jpg", exif_rotated_jpeg(orientation))
    _, result = build_pages(ws)
    assert result.problems == []
    size, corner = ORIENTED[orientation]
    assert canvas_sizes(ws, "BAD-2")[0] == size
    assert (info(ws, "BAD-2", "p001")["width"], info(ws, "BAD-2", "p001")["height"]) == size
    image = served(ws, "BAD-2", "p001")
    assert image.size == size
    w, h = size
    corners = {"top left": (5, 5), "top right": (w - 6, 5), "bottom left": (5, h - 6), "bottom right": (w - 6, h - 6)}
    assert [name for name, xy in corners.items() if is_red(image.getpixel(xy))] == [corner]


def test_an_exif_rotated_scan_of_a_restricted_record_gets_an_upright_thumbnail(make_workspace):
    ws = workspace_with(make_workspace, "p001.jpg", exif_rotated_jpeg(6))
    catalogue = ws.root / "sources" / "catalogue.csv"
    catalogue.write_text(catalogue.read_text(encoding="utf-8").replace("BAD-2,坏图的一件,1951,开放", "BAD-2,坏图的一件,1951,控制"),
                         encoding="utf-8")
    build_pages(ws)
    internal = json.loads((ws.internal_iiif_dir / "BAD-2" / "manifest.json").read_text(encoding="utf-8"))
    assert (internal["items"][0]["width"], internal["items"][0]["height"]) == (200, 300)
    with Image.open(ws.internal_iiif_dir / "thumbnails" / "BAD-2" / "p001.jpg") as thumbnail:
        assert thumbnail.width < thumbnail.height  # portrait, as the page is read
        assert is_red(thumbnail.getpixel((thumbnail.width - 3, 3)))


def test_sixteen_bit_cmyk_and_palette_pages_are_derived_with_their_colours(make_workspace):
    ws = workspace_with(make_workspace, "p001.png",
                        png_bytes(Image.fromarray(numpy.full((120, 160), 32768, dtype=numpy.uint16))))
    folder = ws.root / "sources" / "images" / "BAD-2"
    (folder / "p003.jpg").write_bytes(jpeg_bytes_of(Image.new("CMYK", (160, 120), (0, 255, 255, 0))))
    palette = Image.new("P", (160, 120), 1)
    palette.putpalette([0, 0, 0, 0, 0, 255])  # index 0 black, index 1 blue
    palette.paste(0, (0, 0, 80, 120))  # left half index 0, made transparent below
    (folder / "p004.png").write_bytes(png_bytes_with(palette, transparency=0))
    _, result = build_pages(ws)
    assert result.problems == []
    assert canvas_sizes(ws, "BAD-2") == [(160, 120), (500, 700), (160, 120), (160, 120)]
    grey = served(ws, "BAD-2", "p001").getpixel((10, 10))
    assert 110 < grey < 145  # half of 16-bit range → mid grey, not clipped to white
    assert is_red(served(ws, "BAD-2", "p003").getpixel((10, 10)))
    transparent, blue = served(ws, "BAD-2", "p004").getpixel((10, 10)), served(ws, "BAD-2", "p004").getpixel((150, 10))
    assert min(transparent) > 230  # see-through parts on white paper, not black
    assert blue[2] > 200 and blue[0] < 60


def png_bytes_with(image: Image.Image, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", **options)
    return out.getvalue()


# ---------------------------------------------------------------- huge pages

def test_a_100_megapixel_page_is_published_and_served_scaled(make_workspace):
    ws = workspace_with(make_workspace, "p001.png", None)
    solid_png(ws.root / "sources" / "images" / "BAD-2" / "p001.png", 10_000, 10_000)
    _, result = build_pages(ws)
    assert result.problems == []
    assert canvas_sizes(ws, "BAD-2")[0] == (10_000, 10_000)  # the canvas is the page; the file is served whole
    description = info(ws, "BAD-2", "p001")
    assert (description["width"], description["height"]) == (10_000, 10_000)
    largest = pages.served_size(10_000, 10_000)
    assert largest[0] * largest[1] <= pages.MAX_SERVED_PIXELS < 10_000 * 10_000
    assert (description["maxWidth"], description["maxHeight"]) == largest
    assert description["sizes"][0] == {"width": largest[0], "height": largest[1]}
    image = served(ws, "BAD-2", "p001")
    assert image.size == largest and abs(image.getpixel((100, 100)) - 200) <= 2
    assert_good_pages_published(ws, [(10_000, 10_000), (500, 700)])


@pytest.mark.parametrize("width, height", [(13_000, 12_000), (20_000, 20_000)])
def test_a_page_over_the_pixel_limit_is_refused_without_decoding_it(make_workspace, width, height):
    """156 MP: over Jiyi's limit but under Pillow's; 400 MP: over Pillow's too (its error is no OSError).
    Only the header is written (a decompression bomb's shape): refusing must not need the pixels."""
    ws = workspace_with(make_workspace, "p001.png", None)
    solid_png(ws.root / "sources" / "images" / "BAD-2" / "p001.png", width, height, rows=10)
    _, result = build_pages(ws)
    (problem,) = result.problems
    assert problem.code == "E158" and problem.dropped and problem.where.line == BAD_ROW
    assert "too large" in problem.message and "sources/images/BAD-2/p001.png" in problem.message
    assert "scale" in problem.fix
    assert_good_pages_published(ws)
