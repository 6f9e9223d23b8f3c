"""Boxes found on a turned, straightened or scaled page land back where the characters are on the scan."""

import numpy as np
import pytest
from PIL import Image

from jiyi.ocr.align import offset_map
from jiyi.ocr.columns import find_columns
from jiyi.ocr.geometry import PageFrame, rotate_grey


def _page_with_block(width=400, height=300, block=(250, 40, 60, 30)):
    page = np.full((height, width), 255, dtype=np.uint8)
    x, y, w, h = block
    page[y:y + h, x:x + w] = 0
    return page


def _ink_box(grey):
    ys, xs = np.nonzero(grey < 128)
    return [xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1]


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
@pytest.mark.parametrize("skew", [0.0, 2.5])
def test_a_box_found_on_the_turned_page_is_put_back_on_the_scan(rotation, skew):
    scan = _page_with_block()
    turned = rotate_grey(np.rot90(scan, k=-rotation // 90), skew)  # as jiyi.ocr.read turns it before reading
    found = _ink_box(turned)
    back = PageFrame(scan.shape[1], scan.shape[0], 1.0, rotation, skew).to_page(found)
    x, y, w, h = back
    # It covers the block, and is no bigger than a box around a box turned twice by the skew can be.
    assert x <= 251 and y <= 41 and x + w >= 309 and y + h >= 69, back
    assert w <= 60 + 6 and h <= 30 + 8 and abs((x + w / 2) - 280) <= 2 and abs((y + h / 2) - 55) <= 2, back


def test_a_box_on_a_page_read_scaled_down_is_scaled_back_up():
    frame = PageFrame(4000, 3000, 0.5, 0, 0.0)
    assert frame.to_page([100, 50, 20, 10]) == [200, 100, 40, 20]


def test_a_column_is_cut_into_characters_whose_parts_have_paper_between_them():
    # A column of three "characters": 二 (two strokes), a comma-sized speck, then a solid square.
    column = np.zeros((200, 30), dtype=bool)
    column[2:6, 2:28] = column[24:28, 2:28] = True  # 二: strokes 22 px apart, within one character's height
    column[34:40, 20:26] = True  # a comma right under it
    column[46:74, 1:29] = True  # a full character
    page = np.zeros((200, 100), dtype=bool)
    page[:, 40:70] = column
    [found] = find_columns(page)
    assert found.cells == [(2, 28), (34, 40), (46, 74)]


def test_corrected_characters_take_the_place_of_those_ocr_read():
    read = "收集正理工作，有效保护"
    corrected = "收集、整理工作，有效地保护"
    mapped = offset_map(read, corrected)
    assert corrected[mapped[0]] == "收" and corrected[mapped[4]] == "工"
    assert corrected[mapped[read.index("保")]] == "保"
    assert mapped.count(None) <= 2  # 正 has no one-for-one partner when 、整 replace it


def test_a_printed_column_is_cut_on_its_grid_so_a_bracket_arc_and_a_comma_keep_their_own_cells():
    # Eight characters at a 32 px pitch down a 30 px column; the third is a bracket's flat arc (︵) in the
    # top of its slot and the sixth a comma in the top right of its slot: each is a cell of its own, as
    # printed, though each lies nearer the character before or after it than a full character's height.
    page = np.zeros((300, 80), dtype=bool)
    pitch, x0 = 32, 30
    slots = [(10 + pitch * i, 10 + pitch * i + 30) for i in range(8)]
    for i, (y0, y1) in enumerate(slots):
        if i == 2:
            page[y0 + 18:y0 + 24, x0 + 4:x0 + 26] = True  # the arc, low in its slot, near the next character
        elif i == 5:
            page[y0:y0 + 6, x0 + 22:x0 + 28] = True  # the comma, at the top of its slot, near the one before
        else:
            page[y0 + 1:y1 - 1, x0 + 1:x0 + 29] = True
    [column] = find_columns(page)
    assert len(column.cells) == 8
    assert column.cells[2] == (slots[2][0] + 18, slots[2][0] + 24)
    assert column.cells[5] == (slots[5][0], slots[5][0] + 6)
