"""Reading single pages: which way up and which direction, both engines, `jiyi ocr IMAGE…`, and bad files."""

from __future__ import annotations

import shutil
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from jiyi.iiif.facsimile import find_cjk_font
from jiyi.page_images import PageError
from jiyi.ocr.engines import engine_named, recogniser_for
from jiyi.ocr.read import detect_orientation, read_page
from jiyi.ocr.specimens import character_error_rate, render_specimen, to_traditional

TEXT = ("第一条 为了加强档案管理，规范档案收集、整理工作，有效保护和利用档案，提高档案信息化建设水平，"
        "推进国家治理体系和治理能力现代化，为中国特色社会主义事业服务，制定本法。")
# The page needs enough lines for its layout to show: three lines across, or four columns down.
SIZE = {False: (900, 420), True: (520, 760)}


def _page(vertical, traditional=False):
    text = to_traditional(TEXT) if traditional else TEXT
    image, lines = render_specimen(text, find_cjk_font(""), vertical=vertical, traditional=traditional,
                                   page_size=SIZE[vertical])
    return image, "\n".join(lines)


@pytest.fixture(scope="module")
def rapid():
    return engine_named("rapidocr")


@pytest.mark.parametrize("vertical", [False, True], ids=["horizontal", "vertical"])
@pytest.mark.parametrize("turn", [0, 90, 180, 270])
def test_which_way_up_and_which_way_the_text_runs_are_found_by_looking(rapid, vertical, turn):
    image, _ = _page(vertical)
    scanned = np.asarray(image.rotate(-turn, expand=True))  # the scan turned `turn` degrees clockwise
    found = detect_orientation(scanned, rapid)
    assert found.rotation == (360 - turn) % 360
    assert found.direction == ("vertical" if vertical else "horizontal")


def test_a_traditional_page_is_told_from_a_simplified_one(rapid):
    assert detect_orientation(np.asarray(_page(False)[0]), rapid).script == "simplified"
    assert detect_orientation(np.asarray(_page(False, traditional=True)[0]), rapid).script == "traditional"


@pytest.mark.parametrize("engine_name", ["rapidocr", "tesseract", "auto"])
@pytest.mark.parametrize("vertical", [False, True], ids=["horizontal", "vertical"])
def test_each_engine_reads_a_clean_page_nearly_without_error(engine_name, vertical, tmp_path):
    image, truth = _page(vertical)
    image.save(tmp_path / "page.png")
    engine = engine_named(engine_name)
    page = read_page(tmp_path / "page.png", engine, recogniser_for(engine), "page.png")
    errors, length = character_error_rate(page.text, truth)
    assert errors / length <= 0.03, (engine_name, page.text, truth)
    assert page.direction == ("vertical" if vertical else "horizontal")


def test_traditional_characters_are_read_as_written(tmp_path):
    image, truth = _page(True, traditional=True)
    image.save(tmp_path / "page.png")
    engine = engine_named("auto")
    page = read_page(tmp_path / "page.png", engine, recogniser_for(engine), "page.png")
    errors, length = character_error_rate(page.text, truth)
    assert errors / length <= 0.05, (page.text, truth)
    assert "檔案" in page.text


def test_a_huge_scan_is_read_scaled_down_and_its_boxes_are_put_back_at_full_size(rapid, tmp_path):
    image, _ = _page(False)
    huge = Image.new("L", (6000, 8000), 250)
    huge.paste(image.resize((image.width * 2, image.height * 2)), (3000, 5000))
    huge.save(tmp_path / "huge.png")
    page = read_page(tmp_path / "huge.png", rapid, rapid, "huge.png")
    assert (page.width, page.height) == (6000, 8000)
    assert "档案管理" in page.text
    x, y, _, _ = page.lines[0].box
    assert 3000 <= x <= 3400 and 5000 <= y <= 5400, page.lines[0].box


@pytest.mark.parametrize("make, code", [
    (lambda path: path.write_bytes(b""), "E156"),
    (lambda path: path.write_bytes(b"\xff\xd8\xff\xe0 cut short"), "E156"),
    (lambda path: Image.new("L", (24, 300), 0).save(path), "E410"),
])
def test_a_file_that_cannot_be_read_raises_a_located_error(rapid, tmp_path, make, code):
    path = tmp_path / "bad.png"
    make(path)
    with pytest.raises(PageError) as raised:
        read_page(path, rapid, rapid, "bad.png")
    assert raised.value.code == code and raised.value.fix


def test_a_blank_page_and_a_photograph_give_no_text(rapid, tmp_path):
    Image.new("L", (1000, 1400), 246).save(tmp_path / "blank.png")
    rng = np.random.default_rng(5)  # a "photograph": smooth shapes and texture, no writing
    yy, xx = np.mgrid[0:700, 0:1000]
    photo = 128 + 60 * np.sin(xx / 70.0) * np.cos(yy / 90.0) + rng.normal(0, 12, (700, 1000))
    Image.fromarray(np.clip(photo, 0, 255).astype(np.uint8)).save(tmp_path / "photo.jpg")
    for name in ("blank.png", "photo.jpg"):
        page = read_page(tmp_path / name, rapid, rapid, name)
        assert page.text == "", (name, page.text)


def test_jiyi_ocr_prints_each_images_text_and_reports_a_bad_file_without_stopping(tmp_path):
    first, first_truth = _page(False)
    first.save(tmp_path / "a.png")
    second, second_truth = _page(True)
    second.rotate(-90, expand=True).save(tmp_path / "b.png")  # scanned turned clockwise
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8\xff not a picture")
    jiyi = shutil.which("jiyi", path=str(__import__("pathlib").Path(sys.executable).parent))
    done = subprocess.run([jiyi, "ocr", str(tmp_path / "a.png"), str(tmp_path / "broken.jpg"), str(tmp_path / "b.png")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1  # one file could not be read
    assert f"E156 {tmp_path / 'broken.jpg'}" in done.stderr and "fix:" in done.stderr
    assert "W412" in done.stderr  # b.png was turned
    sections = done.stdout.split("==> ")
    assert [s.split(" <==")[0] for s in sections[1:]] == [str(tmp_path / n) for n in ("a.png", "broken.jpg", "b.png")]
    printed_a = sections[1].split("<==\n", 1)[1]
    printed_b = sections[3].split("<==\n", 1)[1]
    for printed, truth in ((printed_a, first_truth), (printed_b, second_truth)):
        errors, length = character_error_rate(printed, truth)
        assert errors / length <= 0.03, printed
    assert len(printed_b.strip().splitlines()) == len(second_truth.splitlines())  # one line per column


def _tsv_of(words):
    """Tesseract's TSV for one line of words, each (text, left)."""
    header = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"
    rows = [f"5\t1\t1\t1\t1\t{n}\t{left}\t10\t{20 * len(text)}\t20\t95.0\t{text}"
            for n, (text, left) in enumerate(words, start=1)]
    return "\n".join([header] + rows)


def test_tesseracts_half_width_punctuation_becomes_chinese_in_chinese_lines_only():
    from jiyi.ocr.engines import _tsv_lines

    [line] = _tsv_lines(_tsv_of([("第一条", 0), ("(总则)", 60), ("共1,000件,", 160), ("10:30", 360)]), vertical=False)
    assert line.text == "第一条（总则）共1,000件，10:30"
    assert "".join(word.text for word in line.words) == line.text.replace(" ", "")
    [latin] = _tsv_lines(_tsv_of([("Note:", 0), ("see", 100), ("(a)", 160)]), vertical=False)
    assert latin.text == "Note: see (a)"
