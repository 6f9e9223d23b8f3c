"""Read one page image: check it, find which way up it is and how its text runs, let an engine read it.

Nobody tells Jiyi how a page is set. The ink decides between rows and columns (the gaps
between lines are wider than those between characters), a projection search finds the skew,
and the recogniser decides which way up: each way the page could be read is tried on a few
of its lines, and the way it reads them most confidently wins. The same detection serves
both engines: each is given the page upright and straight, and told its direction and script.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from jiyi.page_images import PageError, check_page, decode_upright, page_size
from jiyi.model import PageText
from jiyi.ocr.columns import column_as_row, find_columns
from jiyi.ocr.engines import mean_confidence
from jiyi.ocr.geometry import PageFrame, empty_share, ink_of, rotate_grey, runs

MIN_SIDE = 32  # px: smaller than this holds no readable character
MAX_SIDE = 3200  # px: a larger scan is read scaled down to this (its characters stay 30 px and more)
ANALYSIS_SIDE = 1000  # px: the size layout detection looks at
SAMPLE_LINES = 3  # lines each way of reading is tried on
CHARACTERS_PER_LINE = 20  # characters of each sample line that decide which way up the page is
# Printed lines, clean or degraded, read at 0.98 and more (jiyi bench ocr's pages); the texture of a
# photograph at about 0.6. Below this, the page is taken to hold no writing and is not read.
WRITING_CONFIDENCE = 0.75
TRADITIONAL_SHARE = 0.04  # traditional-only characters in the sample above which a page is traditional


@dataclass
class Orientation:
    rotation: int  # degrees clockwise to turn the page so it reads upright
    skew: float  # degrees clockwise to straighten it after that
    direction: str  # "horizontal" or "vertical"
    script: str = "simplified"  # or "traditional"


def read_page(path: Path, engine, recogniser, shown_as: str) -> PageText:
    """The text of one page image. Raises PageError (with code, reason and fix) for a file that cannot be read."""
    check_page(path)  # decodes the whole file once: empty, truncated, not an image → PageError
    width, height = page_size(path)
    if min(width, height) < MIN_SIDE:
        raise PageError("E410", f"is too small to read ({width}×{height} pixels)",
                        f"scan the page again at 300 dpi or more; a character needs some {MIN_SIDE} pixels")
    scale = min(1.0, MAX_SIDE / max(width, height))  # boxes are scaled back by read_grey
    wanted = (max(1, round(width * scale)), max(1, round(height * scale)))
    with decode_upright(path, wanted) as image:
        grey_image = image.convert("L")
    if grey_image.size != wanted:
        grey_image = grey_image.resize(wanted, Image.Resampling.LANCZOS)
    page = read_grey(np.asarray(grey_image), engine, recogniser, size=(width, height))
    page.image, page.image_sha1 = shown_as, image_sha1(path)
    return page


def read_grey(grey: np.ndarray, engine, recogniser, size: tuple[int, int] | None = None) -> PageText:
    """The text of a page given as greyscale pixels, with boxes on a page of `size` (default: the pixels')."""
    width, height = size or (grey.shape[1], grey.shape[0])
    page = PageText(image="", image_sha1="", engine=engine.label, width=width, height=height)
    orientation = detect_orientation(grey, recogniser)
    if orientation is None:  # no ink at all: a blank page
        return page
    upright = rotate_grey(np.rot90(grey, k=-orientation.rotation // 90), orientation.skew)
    frame = PageFrame(width, height, grey.shape[1] / width, orientation.rotation, orientation.skew)
    lines = engine.read(np.ascontiguousarray(upright), orientation.direction, orientation.script)
    for line in lines:
        line.box = frame.to_page(line.box)
        for word in line.words:
            word.box = frame.to_page(word.box)
    page.rotation, page.skew, page.direction = orientation.rotation, round(orientation.skew, 2), orientation.direction
    page.lines = lines
    page.confidence = round(mean_confidence(lines), 4)
    return page


def image_sha1(path: Path) -> str:
    """The digest of a page image's bytes: a page is read again when they change."""
    digest = hashlib.sha1()
    with open(path, "rb") as image:
        for block in iter(lambda: image.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def detect_orientation(grey: np.ndarray, recogniser) -> Orientation | None:
    """Which way up the page is, how far it is tilted, whether its text runs in rows or columns, and its script;
    None when it holds no writing (blank, or its fullest lines do not read as text).

    The ink gives the lines' axis (rows or columns: the gaps between lines are wider than those
    between characters) and the skew; the characters themselves say which way up they stand
    (_upright_turn). Once they stand upright, lines across the page make it horizontal, lines
    down it vertical.
    """
    small = _shrunk(_written_part(grey))
    ink = ink_of(small)
    if ink.mean() < 0.0005:
        return None
    skew = _skew(ink)
    page = rotate_grey(small, skew)
    ink = ink_of(page)
    rows = empty_share(ink.sum(axis=1)) >= empty_share(ink.sum(axis=0))
    turn = _upright_turn(_characters(page, ink, rows), recogniser)
    across = rows if turn in (0, 180) else not rows
    direction = "horizontal" if across else "vertical"
    confidence, sample = _sample_reading(np.rot90(page, k=-turn // 90), direction, recogniser)
    if confidence < WRITING_CONFIDENCE:  # a photograph or a drawing: its shapes are not characters
        return None
    return Orientation(turn, skew, direction, script_of(sample))


def _characters(grey: np.ndarray, ink: np.ndarray, rows: bool) -> list[np.ndarray]:
    """Single characters cut from a few of the page's fullest lines, as they stand on the page.
    Marks and strokes smaller than most of a character (，、一) are left out: they look alike every way up."""
    lines = find_columns(ink.T if rows else ink)  # a row is a column of the page turned on its diagonal
    lines = sorted(lines, key=lambda line: -len(line.cells))[:SAMPLE_LINES]
    characters = []
    for line in lines:
        em = line.x1 - line.x0
        for start, end in line.cells[:CHARACTERS_PER_LINE]:
            if end - start < em * 0.6:
                continue
            if rows:  # the line's x0..x1 are the row's top and bottom; a cell's start..end run across
                characters.append(grey[line.x0:line.x1, start:end])
            else:
                characters.append(grey[start:end, line.x0:line.x1])
    return characters


def _upright_turn(characters: list[np.ndarray], recogniser) -> int:
    """The clockwise turn (0, 90, 180, 270) that stands the characters upright.

    PP-OCR's recogniser reads characters upright and also lying on their left side (turned a
    quarter turn anticlockwise: it learnt that from vertical lines turned to run across), but
    not lying on their right side or upside down. So of the four turns of the characters, the
    two it reads well are next to each other, and the upright one is the one whose own
    clockwise quarter turn reads badly. Each turn is scored by reading the characters laid
    side by side: the turn read well, its anticlockwise neighbour too, the other two not.
    """
    if not characters:
        return 0
    read = {}
    for turn in (0, 90, 180, 270):
        turned = [np.rot90(character, k=-turn // 90) for character in characters]
        strips = [_side_by_side(turned[i:i + CHARACTERS_PER_LINE]) for i in range(0, len(turned), CHARACTERS_PER_LINE)]
        results = recogniser.recognise(strips)
        read[turn] = sum(confidence for _, confidence in results) / len(results)
    score = {turn: read[turn] + read[(turn - 90) % 360] - read[(turn + 90) % 360] - read[(turn + 180) % 360]
             for turn in read}
    return max(score, key=score.get)


def _side_by_side(pieces: list[np.ndarray]) -> np.ndarray:
    height = max(piece.shape[0] for piece in pieces) + 12
    row = np.full((height, sum(piece.shape[1] for piece in pieces) + 6 * (len(pieces) + 1)), 255, dtype=np.uint8)
    x = 6
    for piece in pieces:
        top = (height - piece.shape[0]) // 2
        row[top:top + piece.shape[0], x:x + piece.shape[1]] = piece
        x += piece.shape[1] + 6
    return row


def script_of(text: str) -> str:
    """"traditional" when a text has a fair share of characters that only traditional Chinese writes."""
    from jiyi.extract.normalise import translation_table

    han = [char for char in text if "\u4e00" <= char <= "\u9fff"]
    if not han:
        return "simplified"
    table = translation_table()
    traditional = sum(1 for char in han if ord(char) in table)
    return "traditional" if traditional / len(han) >= TRADITIONAL_SHARE else "simplified"


def _written_part(grey: np.ndarray) -> np.ndarray:
    """The part of the page that has ink, with a margin: a few lines on a large sheet keep the pixels
    they have when the page is shrunk for analysis, rather than shrinking with the paper around them."""
    small = _shrunk(grey)
    ink = ink_of(small)
    rows, columns = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    if not len(rows):
        return grey
    factor = grey.shape[0] / small.shape[0]
    margin = 0.02 * max(small.shape)
    top, bottom = max(0, rows[0] - margin), min(small.shape[0], rows[-1] + 1 + margin)
    left, right = max(0, columns[0] - margin), min(small.shape[1], columns[-1] + 1 + margin)
    return grey[int(top * factor):int(np.ceil(bottom * factor)), int(left * factor):int(np.ceil(right * factor))]


def _shrunk(grey: np.ndarray) -> np.ndarray:
    height, width = grey.shape
    factor = max(width, height) / ANALYSIS_SIDE
    if factor <= 1:
        return grey
    size = (max(1, round(width / factor)), max(1, round(height / factor)))
    return np.asarray(Image.fromarray(grey).resize(size, Image.Resampling.BILINEAR))


def _skew(ink: np.ndarray) -> float:
    """The small tilt (±6°) at which rows or columns of ink line up best: the projection profiles are then
    most uneven (lines and gaps, rather than ink smeared across the gaps)."""
    image = Image.fromarray(np.where(ink, 255, 0).astype(np.uint8))

    def sharpness(angle: float) -> float:
        turned = np.asarray(image.rotate(-angle, resample=Image.Resampling.NEAREST)) > 0
        rows, columns = turned.sum(axis=1).astype(np.float64), turned.sum(axis=0).astype(np.float64)
        return float(np.sum(np.diff(rows) ** 2) + np.sum(np.diff(columns) ** 2))

    coarse = max(np.arange(-6.0, 6.01, 0.5), key=sharpness)
    fine = max(np.arange(coarse - 0.4, coarse + 0.41, 0.1), key=sharpness)
    return round(float(fine), 2) if abs(fine) >= 0.05 else 0.0


def _sample_reading(grey: np.ndarray, direction: str, recogniser) -> tuple[float, str]:
    """How confidently the recogniser reads a few of the page's lines taken as `direction` text this way up,
    and what it read."""
    ink = ink_of(grey)
    if direction == "vertical":
        columns = sorted(find_columns(ink), key=lambda c: -len(c.cells))[:SAMPLE_LINES]
        strips = [column_as_row(grey, ink, column)[0] for column in columns]
    else:
        bands = sorted(runs(ink.sum(axis=1)), key=lambda band: -int(ink[band[0]:band[1]].sum()))[:SAMPLE_LINES]
        strips = []
        for top, bottom in bands:
            across = np.flatnonzero(ink[top:bottom].any(axis=0))
            pad = max(2, (bottom - top) // 4)
            strips.append(grey[max(0, top - pad):bottom + pad, max(0, across[0] - pad):across[-1] + pad])
    strips = [s for s in strips if s.size and min(s.shape) >= 8]
    if not strips:
        return 0.0, ""
    read = recogniser.recognise(strips)
    characters = sum(len(text) for text, _ in read)
    score = sum(len(text) * confidence for text, confidence in read) / characters if characters else 0.0
    return score, "".join(text for text, _ in read)
