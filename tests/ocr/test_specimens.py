"""Specimen pages for the OCR benchmark: layout, ground truth, degradation and the CER measure."""

from __future__ import annotations

import random
import re
from pathlib import Path

import numpy as np
import pytest

from jiyi.ocr.specimens import (LINE_PITCH, MARGIN, NO_LINE_START, PAPER, _font, character_error_rate, degrade,
                                render_specimen, text_of_demo, to_traditional)

DEMO = Path(__file__).resolve().parents[2] / "jiyi" / "demo" / "sources" / "thematic" / "档案法(2020-06-20).md"
DARK = 128  # a pixel darker than this is ink


@pytest.fixture(scope="module")
def law() -> str:
    return text_of_demo(DEMO)


def ink(image) -> np.ndarray:
    return np.asarray(image) < DARK


def runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) of each run of True in a 1-D array, end exclusive."""
    padded = np.concatenate([[False], flags, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return list(zip(edges[::2], edges[1::2]))


def stripped(text: str) -> str:
    return "".join(text.split())


# --- horizontal pages -------------------------------------------------------------------------

def test_horizontal_lines_are_a_prefix_of_the_text(font, law):
    page, lines = render_specimen(law, font, vertical=False)
    drawn = stripped("".join(lines))
    assert page.mode == "L" and page.size == (1240, 1754)
    assert len(lines) > 10 and 0 < len(drawn) < len(stripped(law))  # a full page, not the whole law
    assert stripped(law).startswith(drawn)


def test_horizontal_ink_is_where_the_lines_are_and_the_bottom_margin_is_paper(font, law):
    page, lines = render_specimen(law, font, vertical=False)
    dark = ink(page)
    width, height = page.size
    margin, pitch = round(MARGIN * width), LINE_PITCH * 34
    for row in range(len(lines)):  # every line said to be drawn has ink in its band
        band = dark[round(margin + row * pitch):round(margin + (row + 1) * pitch)]
        assert band.any(), f"no ink in the band of line {row}: {lines[row]}"
    below = round(margin + len(lines) * pitch)
    assert not dark[below:].any()
    assert (np.asarray(page)[height - margin:] == PAPER).all()
    assert not dark[:margin // 2].any()  # nor a title above the text


def test_closing_punctuation_hangs_instead_of_starting_a_line(font, law):
    _, lines = render_specimen("甲" * 200, font, vertical=False)
    per_line = len(lines[0])
    _, lines = render_specimen("甲" * per_line + "，乙乙", font, vertical=False)
    assert lines == ["甲" * per_line + "，", "乙乙"]
    _, lines = render_specimen(law, font, vertical=False)
    assert not any(line[0] in NO_LINE_START for line in lines)


def test_paragraph_breaks_start_new_lines_both_ways(font):
    for vertical in (False, True):
        _, lines = render_specimen("甲乙\n\n丙丁\n  戊", font, vertical=vertical)
        assert lines == ["甲乙", "丙丁", "戊"]


# --- vertical pages ---------------------------------------------------------------------------

def test_vertical_ink_is_in_columns(font, law):
    page, lines = render_specimen(law, font, vertical=True)
    assert len(lines) > 5 and stripped(law).startswith(stripped("".join(lines)))
    assert len(runs(ink(page).any(axis=0))) == len(lines)  # one band of ink a column
    # Ideographs only: a space or a punctuation mark leaves (part of) a cell empty, which is a
    # gap in a column but not a gap between characters.
    ideographs = re.sub(r"[^\u4e00-\u9fff]", "", law)
    page, lines = render_specimen(ideographs, font, vertical=True)
    dark = ink(page)
    columns = runs(dark.any(axis=0))
    assert len(columns) == len(lines) > 5
    column_gaps = [b[0] - a[1] for a, b in zip(columns, columns[1:])]
    row_gaps = []
    for left, right in columns:
        rows = runs(dark[:, left:right].any(axis=1))
        row_gaps += [b[0] - a[1] for a, b in zip(rows, rows[1:])]
    # Gaps between columns are wider than any gap between the characters of a column.
    assert min(column_gaps) > max(row_gaps)


def test_first_vertical_column_is_at_the_right_edge(font, law):
    page, lines = render_specimen(law, font, vertical=True)
    alone, _ = render_specimen(lines[0], font, vertical=True)
    x = np.flatnonzero(ink(alone).any(axis=0))
    assert x.min() > 0.8 * page.width
    rightmost = runs(ink(page).any(axis=0))[-1]
    assert (x.min(), x.max() + 1) == rightmost


def test_vertical_comma_is_in_the_top_right_of_its_cell(font):
    with_comma, _ = render_specimen("甲，乙", font, vertical=True)
    without, _ = render_specimen("甲\u3000乙", font, vertical=True)  # same cells, the middle one empty
    comma = ink(with_comma) & ~ink(without)
    ys, xs = np.nonzero(comma)
    assert len(ys) > 10
    # Cells from the two characters around it: the comma's cell is midway between them.
    blobs = runs(ink(without).any(axis=1))
    assert len(blobs) == 2
    first, second = [(a + b) / 2 for a, b in blobs]
    cell = (second - first) / 2
    middle = (first + second) / 2
    column_centre = np.flatnonzero(ink(without).any(axis=0)).mean()
    assert middle - cell / 2 <= ys.min() and ys.max() < middle  # upper half of its cell
    assert xs.min() > column_centre  # right of the column's centre


def test_vertical_brackets_use_vertical_forms_and_the_truth_keeps_the_original(font):
    text = "《档案法》（二〇二〇）"
    page, lines = render_specimen(text, font, vertical=True)
    assert lines == [text]
    bracket, _ = render_specimen("《", font, vertical=True)
    ys, xs = np.nonzero(ink(bracket))
    assert np.ptp(xs) > np.ptp(ys)  # ︽ lies across the column; 《 would stand upright


def test_traditional_text_uses_the_traditional_face(font):
    if font.suffix.lower() != ".ttc":
        pytest.skip("one face only: nothing to choose")
    assert " TC" in _font(str(font), 34, True).getname()[0]
    assert " SC" in _font(str(font), 34, False).getname()[0]
    simplified, _ = render_specimen("骨", font, vertical=False)
    traditional, _ = render_specimen("骨", font, vertical=False, traditional=True)
    assert simplified.tobytes() != traditional.tobytes()  # the same code point, drawn the TC way


# --- degradation ------------------------------------------------------------------------------

def test_degrade_is_seeded_and_still_a_page(font, law):
    page, _ = render_specimen(law, font, vertical=False)
    once, again, other = degrade(page, 7), degrade(page, 7), degrade(page, 8)
    assert once.mode == "L" and once.size == page.size
    assert once.tobytes() == again.tobytes()
    assert once.tobytes() != other.tobytes()
    assert once.tobytes() != page.tobytes()
    grey = np.asarray(once)
    assert grey.mean() > 150  # still mostly paper
    assert np.median(grey) < PAPER - 10  # the paper was darkened
    assert (grey < 150).mean() > 0.01  # and the text survived


# --- the measure ------------------------------------------------------------------------------

def reference_distance(a: str, b: str) -> int:
    """The textbook O(n·m) Levenshtein DP, to check the vectorised one against."""
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, start=1):
        current = [i]
        for j, y in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


def test_character_error_rate_by_hand():
    truth = "第一条为了加强档案管理"[:10]
    read = truth[:4] + "未" + truth[5:]  # one substitution
    assert character_error_rate(read, truth) == (1, 10)
    assert character_error_rate("甲丙", "甲乙丙") == (1, 3)  # one deletion
    assert character_error_rate("甲乙乙丙", "甲乙丙") == (1, 3)  # one insertion
    assert character_error_rate("", "甲乙") == (2, 2)
    assert character_error_rate("甲乙", "") == (2, 0)


def test_character_error_rate_normalises_width_and_whitespace():
    assert character_error_rate("档案,法", "档案，法") == (0, 4)
    assert character_error_rate("（２０２０）", "(2020)") == (0, 6)
    assert character_error_rate("档 案\n法\u3000条", "档案法条") == (0, 4)


def test_character_error_rate_matches_the_textbook_dp():
    rng = random.Random(3)
    alphabet = "档案法第一条，。甲乙"
    for _ in range(300):
        a = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 15)))
        b = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 15)))
        assert character_error_rate(a, b) == (reference_distance(a, b), len(b))


# --- text sources -----------------------------------------------------------------------------

def test_to_traditional():
    assert to_traditional("档案") == "檔案"


def test_text_of_demo_keeps_only_the_paragraphs(law, tmp_path):
    lines = law.split("\n")
    assert lines[0].startswith("第一条")
    assert len(lines) > 50 and all(line.strip() for line in lines)
    assert not any(line.startswith("#") or "<!--" in line for line in lines)
    assert "1987年9月5日" not in law  # the INFO header's dates
    source = tmp_path / "law.md"
    source.write_text("# 标题\n\n通过日期\n\n<!-- INFO END -->\n\n## 第一章\n\n"
                      "第一条 甲。<!-- 注\n释 -->\n\n乙。\n", encoding="utf-8")
    assert text_of_demo(source) == "第一条 甲。\n乙。"
