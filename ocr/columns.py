"""Vertical pages: find the columns and the characters in each, and lay a column out as a row.

Chinese set vertically is read top to bottom, columns right to left. The recognisers Jiyi
ships read rows, so a column is cut into its characters and they are pasted side by side,
upright, into a row image: the recogniser reads that, and each character keeps the box it
was cut from. Cutting works on the ink profile: characters stand in a column with a little
paper between them, and the parts of one character (二, 三, 整) never span more than the
column is wide.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jiyi.ocr.geometry import runs

GAP = 6  # px of paper between pasted characters
# A character is about as tall as its column is wide; parts closer together than this share one.
CELL_ASPECT = 1.08


@dataclass
class Column:
    x0: int
    x1: int
    cells: list[tuple[int, int]]  # [y0, y1) of each character, top to bottom

    @property
    def box(self) -> list[int]:
        return [self.x0, self.cells[0][0], self.x1 - self.x0, self.cells[-1][1] - self.cells[0][0]]

    def cell_box(self, index: int) -> list[int]:
        y0, y1 = self.cells[index]
        return [self.x0, y0, self.x1 - self.x0, y1 - y0]


def find_columns(ink: np.ndarray) -> list[Column]:
    """The page's columns right to left, each with its characters top to bottom."""
    widths = runs(ink.sum(axis=0))
    if not widths:
        return []
    typical = float(np.median([b - a for a, b in widths]))
    columns = []
    for x0, x1 in reversed(widths):
        if x1 - x0 < typical * 0.25:  # a speck or a rule between columns, not a column
            continue
        cells = _cells(ink[:, x0:x1], x1 - x0)
        if cells:
            columns.append(Column(x0, x1, cells))
    return columns


def _cells(strip: np.ndarray, width: int) -> list[tuple[int, int]]:
    """Runs of ink down a column, grouped into characters: on the column's grid when it is printed
    (characters at a regular pitch), else by their shapes (_cells_by_shape)."""
    pieces = runs(strip.sum(axis=1))
    return _cells_on_grid(pieces, width) or _cells_by_shape(pieces, width)


def _cells_on_grid(pieces: list[tuple[int, int]], width: int) -> list[tuple[int, int]] | None:
    """Print sets characters at a fixed pitch down a column. The pitch comes from the full-size characters
    (those nearly as tall as the column is wide) that follow each other, the grid's offset from their
    centres; every piece of ink then belongs to the slot its centre is in, so a bracket's arc (︵), a
    comma or the stroke under 日 in 旦 joins nobody else. None when the column is not regular enough
    (handwriting): its full characters' centres stray from any grid by more than a tenth of the pitch."""
    full = [(a + b) / 2 for a, b in pieces if b - a >= width * 0.7]
    steps = [b - a for a, b in zip(full, full[1:]) if width * 0.8 <= b - a <= width * 1.6]
    if len(steps) < 3:
        return None
    pitch = float(np.median(steps))
    # the offset, as an angle on the pitch's circle, so that centres either side of a slot's edge average well
    angles = np.exp(2j * np.pi * np.array(full) / pitch)
    offset = (np.angle(angles.mean()) / (2 * np.pi)) * pitch  # where slot centres fall, modulo the pitch
    strays = [abs(((c - offset + pitch / 2) % pitch) - pitch / 2) for c in full]
    if np.mean(strays) > pitch * 0.1:
        return None
    slots: dict[int, tuple[int, int]] = {}
    for a, b in pieces:
        slot = round(((a + b) / 2 - offset) / pitch)
        low, high = slots.get(slot, (a, b))
        slots[slot] = (min(low, a), max(high, b))
    return [slots[slot] for slot in sorted(slots)]


def _cells_by_shape(pieces: list[tuple[int, int]], width: int) -> list[tuple[int, int]]:
    """Runs of ink down a column, grouped into characters by their shapes.

    The grouping is the one whose characters come closest to one column-width tall (a square),
    with a cost for joining across a wide gap: 二 and 整 (whose parts have paper between
    them) are one character each, and a comma stays apart from the character after it.
    Greedy joining gets 、整 wrong: it joins the comma to 整's top half.
    """
    tallest = width * CELL_ASPECT
    best: list[tuple[float, int]] = [(0.0, 0)]  # best[i]: cost of grouping pieces[:i], and where its last group starts
    for end in range(1, len(pieces) + 1):
        options = []
        for start in range(end - 1, -1, -1):
            height = pieces[end - 1][1] - pieces[start][0]
            if height > tallest and start < end - 1:
                break
            gaps = sum(pieces[k + 1][0] - pieces[k][1] for k in range(start, end - 1))
            options.append((best[start][0] + abs(width - height) + 0.5 * gaps, start))
        best.append(min(options))
    cells, end = [], len(pieces)
    while end:
        start = best[end][1]
        cells.append((pieces[start][0], pieces[end - 1][1]))
        end = start
    return cells[::-1]


def column_as_row(grey: np.ndarray, ink: np.ndarray, column: Column) -> tuple[np.ndarray, list[int]]:
    """The column's characters pasted left to right, upright, on paper; and where each begins in the row.

    Vertical setting moves and turns a few marks, and the recogniser knows them only as they
    sit in a row, so they are put back:
    - a mark smaller than half a character (，。、：；) sits in the top right of its cell when
      vertical, and at the left of a full cell in a row: low (，。、) or at mid-height (：；);
    - a flat mark (︵︶︽︾﹁﹂, the vertical forms of （）《》「」, and turned quotes) is a
      bracket turned a quarter turn clockwise, so it is turned back. 一 is flat too, but a solid
      bar rather than an arc or a corner, and stays as it is.
    """
    em = column.x1 - column.x0  # a character is about as wide as its column
    height = em + 2 * GAP
    pieces = []
    for y0, y1 in column.cells:
        across = np.flatnonzero(ink[y0:y1, column.x0:column.x1].any(axis=0))
        left, right = (column.x0 + across[0], column.x0 + across[-1] + 1) if len(across) else (column.x0, column.x1)
        piece, tall, wide = grey[y0:y1, left:right], y1 - y0, right - left
        if tall <= em * 0.5 and wide <= em * 0.5:
            pieces.append((piece, "mark"))
        elif wide >= em * 0.55 and tall <= em * 0.45 and ink[y0:y1, left:right].mean() < 0.6:  # 一 is a solid bar
            pieces.append((np.rot90(piece, k=1), "turned"))
        else:  # cut to its own ink, as a row sets it: a narrow ；or 1 gets a narrow place, not the column's width
            pieces.append((grey[y0:y1, max(column.x0, left - 1):min(column.x1, right + 1)], "character"))
    # half a character of paper at each end: the recogniser drops a mark that touches the row's end
    margin = max(GAP, em // 2)
    width = sum(em if kind == "mark" else p.shape[1] for p, kind in pieces) + GAP * (len(pieces) - 1) + 2 * margin
    # The row's paper is the column's own (the median grey where there is no ink): on white, each piece
    # of a grey, noisy scan would stand in a box of its own paper, and a box's edges read as strokes.
    region = (slice(column.cells[0][0], column.cells[-1][1]), slice(column.x0, column.x1))
    bare = grey[region][~ink[region]]
    paper = int(np.median(bare)) if bare.size else 255
    row = np.full((max(height, max(p.shape[0] for p, _ in pieces) + 2 * GAP), width), paper, dtype=np.uint8)
    starts, x = [], margin
    for piece, kind in pieces:
        if kind == "mark":  # at the left of a full cell, where a row of text puts it: ，。、 low, ：； mid-height
            low = piece.shape[0] < em * 0.35
            top = GAP + (em - piece.shape[0] - em // 10 if low else (em - piece.shape[0]) // 2)
            row[top:top + piece.shape[0], x + em // 10:x + em // 10 + piece.shape[1]] = piece
            advance = em
        else:
            top = (row.shape[0] - piece.shape[0]) // 2
            row[top:top + piece.shape[0], x:x + piece.shape[1]] = piece
            advance = piece.shape[1]
        starts.append(x)
        x += advance + GAP
    return row, starts
