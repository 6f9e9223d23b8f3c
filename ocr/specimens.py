"""Specimen pages for the OCR benchmark: pages rendered from known text, so that the
character error rate (CER) of a reader can be measured against the text that was drawn.

A specimen is a page image plus its ground truth, the lines actually drawn in reading
order. `degrade` turns a clean page into a scan-like one under fixed, published
conditions; `character_error_rate` compares what a reader returned with the truth.
"""

from __future__ import annotations

import functools
import io
import re
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
from opencc import OpenCC
from PIL import Image, ImageDraw, ImageFilter, ImageFont

PAPER, INK = 250, 20  # grey levels of a clean printed page: off-white paper, near-black ink
MARGIN = 0.09  # page margin on every side, as a fraction of the page width
LINE_PITCH = 1.7  # distance between rows (horizontal) or columns (vertical), in font sizes
CELL = 1.12  # height of one character cell in a vertical column, in font sizes

# Punctuation that must not begin a line or a column (禁则): it hangs at the end of the
# previous one instead, past the margin, as Chinese typesetting does.
NO_LINE_START = frozenset("，。、；：？！）》」』")

# In vertical Chinese setting these marks go "below the character they follow, to the right"
# (GB/T 15834-2011, 竖排): in the top-right quarter of their own cell. Drawn where the
# horizontal glyph sits (bottom-left) they would look like a misprint.
TOP_RIGHT = frozenset("，。、；：！？")

# Brackets and lines turn in vertical setting. We use Unicode's vertical presentation forms
# (︽︾﹁﹂︵︶…) rather than rotating the horizontal glyphs: they are the glyphs a vertical
# font draws, and every CJK font has them. The ground truth keeps the ORIGINAL character,
# because a reader of a vertical page should output 《》, not ︽︾.
VERTICAL_FORMS = {
    "《": "︽", "》": "︾", "「": "﹁", "」": "﹂", "（": "︵", "）": "︶",
    "〈": "︿", "〉": "﹀", "『": "﹃", "』": "﹄", "【": "︻", "】": "︼", "〔": "︹", "〕": "︺",
    "(": "︵", ")": "︶", "…": "︙", "—": "︱",
}
# Curly quotes have no vertical presentation form in Unicode, so these alone are rotated
# 90° clockwise, which is what a vertical font's `vert` feature does to them. Turning the
# em box turns the horizontal positions too: an opening quote (top right of its box) ends
# up bottom right, just above the quoted text; a closing one (top left) ends up top right,
# just below it.
ROTATED = frozenset("“”‘’")
BOTTOM_RIGHT = frozenset("“‘")
TOP_RIGHT_QUOTES = frozenset("”’")

# Benchmark conditions of `degrade` (published: change them only with a new benchmark version).
SKEW_DEGREES = (-1.5, 1.5)
BLUR_RADIUS = (0.8, 1.2)
INK_GREY = (90.0, 110.0)
PAPER_GREY = (215.0, 230.0)
NOISE_SIGMA = 10.0
JPEG_QUALITY = (35, 45)  # inclusive


@functools.lru_cache(maxsize=16)
def _font(path: str, size: int, traditional: bool) -> ImageFont.FreeTypeFont:
    """The face for the script: in a .ttc collection the Simplified (SC) or Traditional (TC)
    Chinese face, because some code points are drawn differently in each (骨, 递, 角 in Noto
    CJK); a single-face font file is used as it is."""
    tag = " TC" if traditional else " SC"
    if path.lower().endswith(".ttc"):
        for index in range(64):
            try:
                face = ImageFont.truetype(path, size, index=index)
            except OSError:  # past the last face of the collection
                break
            family = face.getname()[0] or ""
            # "Noto Sans Mono CJK SC" also matches; the proportional face comes first, skip Mono anyway.
            if tag in family and "Mono" not in family:
                return face
    return ImageFont.truetype(path, size, index=0)


def _break_lines(text: str, advance: Callable[[str], float], room: float) -> Iterator[str]:
    """Lines (or columns) of `text` whose advances add up to at most `room`, broken between any
    two characters (Chinese has no spaces to break at). A newline in `text` starts a new line;
    whitespace at the start of a line is skipped (it would only shift the line), and closing
    punctuation that does not fit hangs at the end of the line rather than starting the next."""
    for paragraph in text.split("\n"):
        line, used = "", 0.0
        for char in paragraph:
            if not line and char.isspace():
                continue
            step = advance(char)
            if line and used + step > room and char not in NO_LINE_START:
                yield line.rstrip()
                line, used = "", 0.0
                if char.isspace():  # a break at a space: the space goes with it
                    continue
            line += char
            used += step
        if line.strip():  # blank paragraphs are not drawn: they would be an empty ground-truth line
            yield line.rstrip()


@functools.lru_cache(maxsize=4096)
def _glyph(font: ImageFont.FreeTypeFont, char: str, rotate: bool) -> Image.Image | None:
    """The ink of one character as a tight "L" mask (255 = ink), or None for a blank one.
    Masks are cut to their ink so a character can be placed by its ink, not its advance box:
    centred in a cell, or pushed into a corner."""
    size = font.size
    canvas = Image.new("L", (3 * size, 3 * size), 0)
    ImageDraw.Draw(canvas).text((size, size), char, font=font, fill=255)
    box = canvas.getbbox()
    if box is None:
        return None
    mask = canvas.crop(box)
    return mask.transpose(Image.Transpose.ROTATE_270) if rotate else mask  # ROTATE_270 = 90° clockwise


def _draw_horizontal(page: Image.Image, font: ImageFont.FreeTypeFont, text: str) -> list[str]:
    width, height = page.size
    margin = round(MARGIN * width)
    pitch = LINE_PITCH * font.size
    rows = int((height - 2 * margin) // pitch)
    # Advances come from the font, so Latin letters and digits take their real width.
    lines = _break_lines(text, font.getlength, width - 2 * margin)
    drawn = []
    draw = ImageDraw.Draw(page)
    for row, line in zip(range(rows), lines):
        # "lm" anchors the line by its vertical middle, centred in its row.
        draw.text((margin, margin + (row + 0.5) * pitch), line, font=font, fill=INK, anchor="lm")
        drawn.append(line)
    return drawn


def _draw_vertical(page: Image.Image, font: ImageFont.FreeTypeFont, text: str) -> list[str]:
    width, height = page.size
    margin = round(MARGIN * width)
    pitch = LINE_PITCH * font.size
    cell = CELL * font.size
    columns = int((width - 2 * margin) // pitch)
    rows = int((height - 2 * margin) // cell)
    # Every character takes one square cell, so a column holds `rows` characters (hanging
    # punctuation goes one cell into the bottom margin).
    lines = _break_lines(text, lambda char: 1, rows)
    drawn = []
    for column, line in zip(range(columns), lines):
        centre_x = width - margin - (column + 0.5) * pitch  # first column at the right edge
        for row, char in enumerate(line):
            top = margin + row * cell
            glyph = _glyph(font, VERTICAL_FORMS.get(char, char), char in ROTATED)
            if glyph is None:  # a space keeps its cell empty
                continue
            w, h = glyph.size
            if char in TOP_RIGHT or char in TOP_RIGHT_QUOTES or char in BOTTOM_RIGHT:
                # Ink centred in the top-right (or bottom-right) quarter of the cell, kept
                # inside the cell when the mark is taller than a quarter (！ and ？).
                x = min(centre_x + cell / 4 - w / 2, centre_x + cell / 2 - w)
                if char in BOTTOM_RIGHT:
                    y = min(top + 3 * cell / 4 - h / 2, top + cell - h)
                else:
                    y = max(top + cell / 4 - h / 2, top)
            else:
                x, y = centre_x - w / 2, top + cell / 2 - h / 2
            page.paste(INK, (round(x), round(y)), glyph)  # the mask blends anti-aliased edges
        drawn.append(line)
    return drawn


def render_specimen(text: str, font_path: Path, *, vertical: bool, traditional: bool = False,
                    page_size: tuple[int, int] = (1240, 1754),
                    font_size: int = 34) -> tuple[Image.Image, list[str]]:
    """Draw as much of `text` as fits on one page and return (image, lines drawn).

    The image is greyscale ("L"): paper PAPER, ink INK, like a printed archival page, with
    no title or footer, so everything on it is text the reader should return. The lines are
    the ground truth in reading order: rows top to bottom when horizontal; columns right to
    left when `vertical` (traditional Chinese setting), each column read top to bottom, with
    brackets in their original (horizontal) form although they are drawn in vertical forms.
    `traditional` picks the Traditional Chinese face of a .ttc collection (else Simplified).
    """
    font = _font(str(font_path), font_size, traditional)
    page = Image.new("L", page_size, PAPER)
    drawn = (_draw_vertical if vertical else _draw_horizontal)(page, font, text)
    return page, drawn


def degrade(image: Image.Image, seed: int) -> Image.Image:
    """A scan-like copy of a clean specimen page, the same bytes for the same seed.

    Conditions, each drawn uniformly from its range by numpy's default_rng(seed), in order:

    1. skew: rotation by -1.5° to +1.5°, same page size, uncovered corners filled with paper;
    2. Gaussian blur of radius 0.8 to 1.2 pixels;
    3. lowered contrast: grey levels mapped linearly so that ink (20) becomes 90 to 110 and
       paper (250) becomes 215 to 230;
    4. Gaussian noise, sigma 10 grey levels, per pixel;
    5. JPEG compression at quality 35 to 45 (integer, both ends included), decoded again.
    """
    rng = np.random.default_rng(seed)
    angle = rng.uniform(*SKEW_DEGREES)
    radius = rng.uniform(*BLUR_RADIUS)
    ink = rng.uniform(*INK_GREY)
    paper = rng.uniform(*PAPER_GREY)
    quality = int(rng.integers(JPEG_QUALITY[0], JPEG_QUALITY[1] + 1))

    # Skew first, with paper filling the corners, so the fill is dimmed and noised like the page.
    page = image.convert("L").rotate(angle, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=PAPER)
    page = page.filter(ImageFilter.GaussianBlur(radius))
    grey = np.asarray(page, dtype=np.float64)
    grey = ink + (grey - INK) * (paper - ink) / (PAPER - INK)
    grey += rng.normal(0.0, NOISE_SIGMA, size=grey.shape)
    page = Image.fromarray(np.clip(np.rint(grey), 0, 255).astype(np.uint8), mode="L")

    buffer = io.BytesIO()
    page.save(buffer, format="JPEG", quality=quality)
    buffer.seek(0)
    with Image.open(buffer) as decoded:
        return decoded.convert("L")  # convert() loads the pixels before the buffer goes


def text_of_demo(path: Path) -> str:
    """The plain text of a demo law (jiyi/demo/sources/thematic/*.md): its paragraphs, one a
    line, without the INFO header (title and dates of adoption, up to `<!-- INFO END -->`),
    HTML comments and Markdown headings (lines starting with '#', i.e. the chapter titles)."""
    text = path.read_text(encoding="utf-8")
    marker = "<!-- INFO END -->"
    if marker in text:
        text = text.split(marker, 1)[1]
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)  # comments may span lines
    paragraphs = [line.strip() for line in text.splitlines()]
    return "\n".join(line for line in paragraphs if line and not line.startswith("#"))


def _normalise(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def _levenshtein(a: str, b: str) -> int:
    """Edit distance (insertions, deletions, substitutions all cost 1), one DP row per character
    of `a` with numpy working along `b`. Substitution and deletion depend only on the previous
    row; the insertion step (cur[j] = min(cur[j], cur[j-1] + 1)) is a running minimum of
    cur[j] - j, so it is vectorised too."""
    if not a or not b:
        return len(a) or len(b)
    codes = np.frombuffer(b.encode("utf-32-le"), dtype=np.uint32)
    offsets = np.arange(len(b) + 1)
    previous = offsets.copy()
    current = np.empty_like(previous)
    for i, char in enumerate(a, start=1):
        current[0] = i
        np.minimum(previous[:-1] + (codes != ord(char)), previous[1:] + 1, out=current[1:])
        current = np.minimum.accumulate(current - offsets) + offsets
        previous, current = current, previous
    return int(previous[-1])


def character_error_rate(read: str, truth: str) -> tuple[int, int]:
    """(edit distance, number of characters of truth) after normalising both texts.

    Normalising is Unicode NFKC, so full-width and half-width forms count as one character
    (，and , or ５ and 5 are equal), then removing all whitespace (line breaks and spaces are
    layout, not text). CER is the first number over the second; summing both over pages
    gives the CER of a corpus, weighted by length.
    """
    read, truth = _normalise(read), _normalise(truth)
    return _levenshtein(read, truth), len(truth)


@functools.lru_cache(maxsize=1)
def _s2t() -> OpenCC:
    # Taiwan's standard forms (為, 裡), as traditional text is printed today; plain s2t gives OpenCC's own
    # orthodox variants (爲, 裏), which neither engine's model was trained on and few archives print.
    return OpenCC("s2tw")  # loading the dictionaries takes a while: once per process


def to_traditional(text: str) -> str:
    """`text` in Traditional Chinese characters (OpenCC s2tw), for traditional specimen pages."""
    return _s2t().convert(text)
