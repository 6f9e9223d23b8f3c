"""The OCR engines behind one interface: each reads an upright, straightened page into lines.

- RapidOCR (`rapidocr-onnxruntime` from PyPI): PaddleOCR's PP-OCRv4 Chinese models as ONNX files
  inside the wheel, run by onnxruntime. Nothing is downloaded when it runs.
- Tesseract 5 (Debian's `tesseract-ocr` with `-chi-sim`, `-chi-tra`, `-chi-sim-vert`,
  `-chi-tra-vert`): run as a program, its TSV output parsed.

Both are given the page the same way (jiyi.ocr.read has turned and straightened it and said
whether it is set horizontally or vertically) and return TextLines in that page's pixels.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import tempfile
from importlib import metadata
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter, ImageOps

from jiyi.config import OCR_ENGINES
from jiyi.errors import JiyiError
from jiyi.model import TextLine, TextWord
from jiyi.ocr.columns import column_as_row, find_columns
from jiyi.ocr.geometry import ink_of, split_box, union

MIN_CONFIDENCE = 0.5  # lines read with less are noise (a photograph's texture, a stain), not text


class RapidEngine:
    """PP-OCRv4 through rapidocr-onnxruntime: DBNet finds the lines of a horizontal page, CRNN reads them."""

    name = "rapidocr"

    @functools.cached_property
    def _ocr(self):
        from rapidocr_onnxruntime import RapidOCR  # onnxruntime loads its models here, once per process

        return RapidOCR(print_verbose=False)

    @property
    def label(self) -> str:
        return f"rapidocr-onnxruntime {metadata.version('rapidocr-onnxruntime')} (PP-OCRv4)"

    def recognise(self, rows: list[np.ndarray]) -> list[tuple[str, float]]:
        """Text and confidence of each row image (greyscale), without looking for lines in it."""
        if not rows:
            return []
        coloured = [np.ascontiguousarray(np.repeat(row[:, :, None], 3, axis=2)) for row in rows]
        results, _ = self._ocr.text_rec(coloured)
        return [(text, float(score)) for text, score, *_ in results]

    def read(self, grey: np.ndarray, direction: str, script: str = "simplified") -> list[TextLine]:
        """The page's lines. PP-OCRv4's Chinese model reads both scripts with one vocabulary (weaker on traditional)."""
        if direction == "vertical":
            return read_columns(grey, self.recognise)
        found, _ = self._ocr(np.repeat(grey[:, :, None], 3, axis=2), return_word_box=True)
        lines = []
        for item in found or []:
            points, text, score = item[0], item[1], float(item[2])
            if not text.strip() or score < MIN_CONFIDENCE:
                continue
            xs, ys = [p[0] for p in points], [p[1] for p in points]
            box = [round(min(xs)), round(min(ys)), round(max(xs) - min(xs)), round(max(ys) - min(ys))]
            char_boxes = _quads_to_boxes(item[3]) if len(item) > 3 and item[3] else []
            lines.append(TextLine(text, box, round(score, 4), _words(text, box, char_boxes, score, vertical=False)))
        return lines

class TesseractEngine:
    """Tesseract 5's LSTM models for Chinese, horizontal (chi_sim, chi_tra) or vertical (chi_sim_vert, chi_tra_vert)."""

    name = "tesseract"

    def __init__(self):
        if not shutil.which("tesseract"):
            raise JiyiError("E401", "the OCR engine tesseract is not installed",
                            "install Debian's tesseract-ocr tesseract-ocr-chi-sim tesseract-ocr-chi-tra "
                            "tesseract-ocr-chi-sim-vert tesseract-ocr-chi-tra-vert, or set [ocr] engine = \"rapidocr\"")

    @functools.cached_property
    def label(self) -> str:
        version = subprocess.run(["tesseract", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
        return version.strip()

    def read(self, grey: np.ndarray, direction: str, script: str = "simplified") -> list[TextLine]:
        """The page's lines, read with the model of its script: chi_sim or chi_tra (one at a time: chi_sim+chi_tra
        mixes the scripts within a page). A vertical page's columns are laid out as rows first (read_columns):
        measured against chi_sim_vert/chi_tra_vert on the whole page, which read the top-right commas of
        mainland vertical setting as quotes (jiyi bench ocr, "told")."""
        if direction == "vertical":
            return read_columns(grey, lambda rows: self.recognise(rows, script))
        # psm 6, the page as one block of lines: psm 3 (find the blocks) dropped a heading line and merged
        # rows of a traditional page (3.5% CER against 0.2%). The cost: two columns side by side are read
        # across, row by row (docs/ocr.md).
        return _tsv_lines(self._tsv(grey, "6", script), vertical=False)

    def recognise(self, rows: list[np.ndarray], script: str = "simplified") -> list[tuple[str, float]]:
        """Text and confidence of each row image: the rows stacked on one page, read in one run as lines."""
        if not rows:
            return []
        gap = 24
        width = max(row.shape[1] for row in rows) + 2 * gap
        paper = int(np.median([row[0, 0] for row in rows]))  # the rows' own paper (column_as_row): no box edges
        page = np.full((sum(row.shape[0] + gap for row in rows) + gap, width), paper, dtype=np.uint8)
        tops, y = [], gap
        for row in rows:
            page[y:y + row.shape[0], gap:gap + row.shape[1]] = row
            tops.append((y, y + row.shape[0]))
            y += row.shape[0] + gap
        read: list[list[TextWord]] = [[] for _ in rows]
        for line in _tsv_lines(self._tsv(page, "6", script), vertical=False, keep_all=True):
            middle = line.box[1] + line.box[3] / 2
            for number, (top, bottom) in enumerate(tops):
                if top - gap / 2 <= middle < bottom + gap / 2:
                    read[number].extend(line.words)
        return [(_join(w.text for w in words), mean_confidence(words)) for words in read]

    def _tsv(self, grey: np.ndarray, layout: str, script: str) -> str:
        """Tesseract's TSV of a page read with page segmentation mode `layout` (6: one block of lines)."""
        languages = "chi_tra" if script == "traditional" else "chi_sim"
        with tempfile.TemporaryDirectory(prefix="jiyi-ocr-") as folder:
            page = Path(folder) / "page.png"
            cleaned(grey).save(page)
            done = subprocess.run(["tesseract", str(page), "stdout", "-l", languages, "--psm", layout, "tsv"],
                                  capture_output=True, text=True)
        if done.returncode:
            raise JiyiError("E402", f"tesseract failed: {done.stderr.strip()[:300]}",
                            f"check that Debian's tesseract-ocr-{languages.replace('_', '-')} is installed "
                            "(tesseract --list-langs)")
        return done.stdout


def cleaned(grey: np.ndarray) -> Image.Image:
    """The page as Tesseract reads it best: speckles of scanner noise and JPEG taken out (a 3×3 median),
    then its greys stretched so the paper is white and the ink black. Its own binarisation (Otsu) is
    thrown off by noise; PP-OCR's network is not, and gets the page as it is."""
    image = Image.fromarray(grey).filter(ImageFilter.MedianFilter(3))
    return ImageOps.autocontrast(image, cutoff=1)


def read_columns(grey: np.ndarray, recognise) -> list[TextLine]:
    """A vertical page's columns, right to left: each cut into characters laid out as a row
    (jiyi.ocr.columns), the rows read by `recognise`, and each character given the box it was cut from."""
    ink = ink_of(grey)
    columns = find_columns(ink)
    rows = [column_as_row(grey, ink, column)[0] for column in columns]
    lines = []
    for column, (text, score) in zip(columns, recognise(rows)):
        text = text.strip()
        if not text or score < MIN_CONFIDENCE:
            continue
        cells = [column.cell_box(i) for i in range(len(column.cells))]
        # one cell per character when as many were read as were cut (the usual case), else the column cut evenly
        lines.append(TextLine(text, column.box, round(score, 4),
                              _words(text, column.box, cells if len(cells) == len(text) else [], score, vertical=True)))
    return lines


def _tsv_lines(tsv: str, vertical: bool, keep_all: bool = False) -> list[TextLine]:
    """Tesseract's TSV (one row per word, with its line's numbers) as TextLines in reading order."""
    by_line: dict[tuple[int, int, int], list[TextWord]] = {}
    for row in tsv.splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) < 12 or cells[0] != "5" or not cells[11].strip():
            continue
        left, top, width, height, confidence = (int(cells[6]), int(cells[7]), int(cells[8]), int(cells[9]),
                                                float(cells[10]))
        key = (int(cells[2]), int(cells[3]), int(cells[4]))
        by_line.setdefault(key, []).append(TextWord(cells[11].strip(), [left, top, width, height],
                                                     round(max(0.0, confidence) / 100, 4)))
    lines = []
    for words in by_line.values():
        words = _full_width(words)
        text = _join(w.text for w in words)
        confidence = mean_confidence(words)
        if confidence < MIN_CONFIDENCE and not keep_all:
            continue
        lines.append(TextLine(text, union([w.box for w in words]), round(confidence, 4),
                              [piece for w in words for piece in _split_word(w, vertical)]))
    return lines


HALF_TO_FULL = {",": "，", ";": "；", ":": "：", "(": "（", ")": "）", "?": "？", "!": "！"}


def _full_width(words: list[TextWord]) -> list[TextWord]:
    """The words of a Chinese line with Chinese punctuation: chi_sim and chi_tra often give `,` `(` `:`
    where the page prints `，` `（` `：`. Left alone in a line without Han characters, and a `,` or `:`
    between two digits (1,000 or 10:30)."""
    text = "".join(w.text for w in words)
    if not any("\u4e00" <= c <= "\u9fff" for c in text):
        return words
    changed, position = [], 0
    for word in words:
        chars = list(word.text)
        for i, char in enumerate(chars):
            at = position + i
            between_digits = 0 < at < len(text) - 1 and text[at - 1].isdigit() and text[at + 1].isdigit()
            if char in HALF_TO_FULL and not between_digits:
                chars[i] = HALF_TO_FULL[char]
        position += len(chars)
        changed.append(TextWord("".join(chars), word.box, word.confidence))
    return changed


def mean_confidence(words: list[TextWord] | list[TextLine]) -> float:
    """The confidence of words (or lines) read together, each counting for its characters (0 for none)."""
    chars = sum(len(w.text) for w in words)
    return sum(w.confidence * len(w.text) for w in words) / chars if chars else 0.0


def _join(words) -> str:
    """Words of a line as one text: a space between two Latin words (Note: see), never beside Chinese."""
    text = ""
    for word in words:
        if text and text[-1].isascii() and word[0].isascii():
            text += " "
        text += word
    return text


def _split_word(word: TextWord, vertical: bool) -> list[TextWord]:
    """A word of several Chinese characters as one TextWord per character (a Latin word stays whole)."""
    if len(word.text) == 1 or word.text.isascii():
        return [word]
    boxes = split_box(word.box, len(word.text), vertical)
    return [TextWord(char, box, word.confidence) for char, box in zip(word.text, boxes)]


def _quads_to_boxes(quads) -> list[list[int]]:
    boxes = []
    for quad in quads:
        xs, ys = [p[0] for p in quad], [p[1] for p in quad]
        boxes.append([int(min(xs)), int(min(ys)), int(max(xs) - min(xs)), int(max(ys) - min(ys))])
    return boxes


def _words(text: str, line_box: list[int], char_boxes: list[list[int]], confidence: float,
           vertical: bool) -> list[TextWord]:
    """One TextWord per character (Chinese words are not separated on the page): the engine's own box for
    each when it gave one per character, else the line's box cut evenly."""
    visible = [c for c in text if not c.isspace()]
    if len(char_boxes) != len(visible):
        char_boxes = split_box(line_box, len(visible), vertical)
    return [TextWord(char, box, round(confidence, 4)) for char, box in zip(visible, char_boxes)]


class CombinedEngine:
    """Each page to the engine that reads its script best (jiyi bench ocr): RapidOCR simplified, Tesseract traditional.

    PP-OCRv4's model misses characters only traditional Chinese writes (黨, 領, 認); Tesseract's
    chi_tra knows them. Without Tesseract installed, RapidOCR reads every page.
    """

    name = "auto"

    def __init__(self):
        self.rapid = RapidEngine()
        self.tesseract = TesseractEngine() if shutil.which("tesseract") else None

    @property
    def label(self) -> str:
        parts = [self.rapid.label] + ([self.tesseract.label + " for traditional"] if self.tesseract else [])
        return " + ".join(parts)

    def recognise(self, rows: list[np.ndarray]) -> list[tuple[str, float]]:
        return self.rapid.recognise(rows)

    def read(self, grey: np.ndarray, direction: str, script: str = "simplified") -> list[TextLine]:
        engine = self.tesseract if script == "traditional" and self.tesseract else self.rapid
        return engine.read(grey, direction, script)


def engine_named(name: str):
    if name == "auto":
        return CombinedEngine()
    if name == "rapidocr":
        return RapidEngine()
    if name == "tesseract":
        return TesseractEngine()
    raise JiyiError("E400", f"unknown OCR engine {name!r}", f"use one of: {', '.join(OCR_ENGINES)}")


def recogniser_for(engine):
    """What reads a few lines to find a page's orientation and script, whichever engine reads the page:
    RapidOCR's recogniser (it has a call for lines without looking for them), shared when the engine has it."""
    if isinstance(engine, RapidEngine):
        return engine
    if isinstance(engine, CombinedEngine):
        return engine.rapid
    return RapidEngine()
