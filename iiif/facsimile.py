"""Facsimile page images rendered from a record's transcription, for holdings without scans."""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from PIL.PngImagePlugin import PngInfo

from jiyi.errors import JiyiError
from jiyi.model import atomic_writer

FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".local/share/fonts",
             Path.home() / ".fonts", Path("/Library/Fonts"), Path("/System/Library/Fonts"))
# File-name hints, best first: Noto CJK is what Debian's fonts-noto-cjk installs.
FONT_HINTS = ("notosanscjk-regular", "notoserifcjk-regular", "notosanscjk", "notoserifcjk", "sourcehan",
              "wqy", "droidsansfallback", "cjk")
FONT_SUFFIXES = {".ttc", ".otf", ".ttf"}

FOOTER = "Jiyi 渲染的文字摹本 · rendered facsimile, not a scan · p. {n}/{m}"
TRUNCATED = "……（摹本只渲染前 {m} 页 · facsimile truncated after {m} pages）"
# Bump when the drawing changes, so pages cached in a build are redrawn.
RENDERER_VERSION = "1"

# Punctuation that must not begin a line (禁则); it hangs at the end of the previous one.
NO_LINE_START = set("，。、；：？！）》」』】〕〉”’…—·,.;:?!)]}%")

PAPER, INK, GREY = 250, 20, 110  # grey levels the page is drawn in
PAPER_RGB, INK_RGB = (250, 246, 236), (28, 28, 34)  # the colours they are stored as
COMPRESS_LEVEL = 3  # measured: 59 pages/s at 104 kB a page; level 6 gave 40 pages/s at 93 kB


def find_cjk_font(configured: str) -> Path:
    """The font file for facsimiles: the configured one, else a CJK font found on this system."""
    fix = "install Debian's fonts-noto-cjk or set [images] font in jiyi.toml"
    if configured:
        path = Path(configured).expanduser()
        if path.is_file():
            return path
        raise JiyiError("E301", f"the font {configured} set in [images] font does not exist", fix)
    candidates = []
    for folder in FONT_DIRS:
        if folder.is_dir():
            candidates += [p for p in folder.rglob("*") if p.suffix.lower() in FONT_SUFFIXES]
    for hint in FONT_HINTS:
        found = sorted(p for p in candidates if hint in p.name.lower().replace(" ", ""))
        if found:
            return found[0]
    raise JiyiError("E301", "no CJK font found for rendering facsimile pages", fix)


class _Face:
    """A font at one size with its glyphs rasterised once: drawing a page then costs pastes, not
    FreeType calls (benchmarks/facsimile.py: 0.16 ms a 30-character line against 0.87 ms for
    ImageDraw.text, 5.3x, on the machine in docs/benchmarks.md)."""

    def __init__(self, font: ImageFont.FreeTypeFont):
        self.font = font
        self.size = font.size
        self.glyphs: dict[str, tuple] = {}

    def glyph(self, char: str) -> tuple:
        if char not in self.glyphs:
            mask, offset = self.font.getmask2(char, mode="L")
            self.glyphs[char] = (mask, offset, self.font.getlength(char))
        return self.glyphs[char]

    def advance(self, char: str) -> float:
        return self.glyph(char)[2]

    def length(self, text: str) -> float:
        return sum(self.advance(c) for c in text)

    def draw(self, draw: ImageDraw.ImageDraw, xy: tuple[float, int], text: str, ink: int) -> None:
        x, y = xy
        for char in text:
            mask, (dx, dy), advance = self.glyph(char)
            if mask.size[0] and mask.size[1]:
                draw.draw.draw_bitmap((round(x) + dx, y + dy), mask, ink)
            x += advance


@functools.lru_cache(maxsize=16)
def _face(path: str, size: int) -> _Face:
    """Load a face once; in a .ttc collection prefer the Simplified Chinese face (its glyph forms)."""
    fallback = None
    for index in range(32):
        try:
            face = ImageFont.truetype(path, size, index=index)
        except OSError:
            break
        fallback = fallback or face
        family = face.getname()[0] or ""
        if " SC" in family or family.endswith("SC") or "GB" in family:
            return _Face(face)
        if not path.lower().endswith(".ttc"):
            break
    if fallback is None:
        raise JiyiError("E301", f"{path} is not a font Pillow can read",
                        "set [images] font to a .ttc/.otf/.ttf CJK font")
    return _Face(fallback)


def _wrap(text: str, face: _Face, width: int, limit: int) -> list[str]:
    """Lines of at most `width` pixels, broken between any two characters (Chinese has no spaces).

    Paragraph breaks are kept (an empty line stays empty). Stops after `limit` lines, so a
    very long text costs no more than the pages that are drawn.
    """
    lines: list[str] = []
    for paragraph in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        paragraph = paragraph.rstrip()
        line, used = "", 0.0
        for char in paragraph:
            advance = face.advance(char)
            if used + advance > width and line and char not in NO_LINE_START:
                cut = _latin_cut(line)
                lines.append(line[:cut].rstrip())
                line = line[cut:].lstrip(" ")
                used = face.length(line)
                if len(lines) >= limit:
                    return lines
            line += char
            used += advance
        lines.append(line)
        if len(lines) >= limit:
            return lines
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _strip_blank(lines: list[str]) -> list[str]:
    """A page's lines without the paragraph gap that would otherwise open it."""
    while lines and not lines[0]:
        lines = lines[1:]
    return lines


def _latin_cut(line: str) -> int:
    """Where to break a full line: before a Latin word that runs into the edge, if there is a space near."""
    if not line[-1:].isascii() or not line[-1].isalnum():
        return len(line)
    match = re.search(r" [\x21-\x7e]{1,24}$", line)
    return match.start() + 1 if match else len(line)


def facsimile_key(title: str, text: str, font_path: Path, page_size: tuple[int, int], max_pages: int) -> str:
    """What the pages depend on; stored in each PNG so a re-run can tell whether they are current."""
    stat = Path(font_path).stat()
    parts = [RENDERER_VERSION, title, text, str(font_path), str(stat.st_size), repr(page_size), str(max_pages)]
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()


def current_pages(out_dir: Path, key: str) -> list[Path] | None:
    """The pages already in out_dir if they were rendered from the same input, else None."""
    try:
        with Image.open(out_dir / "p001.png") as image:
            info = dict(image.info)  # tEXt chunks written before the pixels are read on open
        count = int(info.get("jiyi:pages", "0")) if info.get("jiyi:key") == key else 0
    except (OSError, ValueError):
        return None
    pages = [out_dir / f"p{n:03d}.png" for n in range(1, count + 1)]
    return pages if pages and all(p.is_file() for p in pages) else None


@dataclass
class PageLayout:
    """Where render_pages puts everything: faces, spacing, and the lines of each page.

    iiif/annotations.py reads the same layout to place each line and mention on the page."""

    margin: int
    body: object  # the faces (cached glyph drawers) of the text, the title and the footer
    heading: object
    small: object
    line_height: int
    title_height: int
    footer_top: int
    title_lines: list[str]
    pages: list[list[str]]  # the text lines of each page; page 1 under the title


def page_layout(title: str, text: str, font_path: Path, *, page_size: tuple[int, int] = (1240, 1754),
                max_pages: int = 6) -> PageLayout:
    width, height = page_size
    margin = round(width * 0.09)
    body = _face(str(font_path), round(width / 36))  # ~34 px on 1240: 30 characters a line, like a letter page
    heading = _face(str(font_path), round(width / 26))
    small = _face(str(font_path), round(width / 56))
    line_height = round(body.size * 1.7)
    title_height = round(heading.size * 1.5)
    footer_top = height - margin // 2 - small.size * 2
    text_width = width - 2 * margin

    title_lines = _wrap(title, heading, text_width, 3)
    first_top = margin + len(title_lines) * title_height + line_height // 2
    per_page = max(1, (footer_top - margin - line_height // 2) // line_height)
    first_page = max(0, (footer_top - first_top - line_height // 2) // line_height)
    limit = first_page + per_page * (max_pages - 1)
    lines = _wrap(text, body, text_width, limit + 1)
    if len(lines) > limit:  # say so on the page rather than stop silently mid-text
        lines = lines[: limit - 1] + [TRUNCATED.format(m=max_pages)]
    pages = [lines[:first_page]] + [lines[i:i + per_page] for i in range(first_page, len(lines), per_page)]
    pages = [pages[0]] + [_strip_blank(page) for page in pages[1:] if _strip_blank(page)]
    return PageLayout(margin, body, heading, small, line_height, title_height, footer_top, title_lines, pages)


def render_pages(title: str, text: str, out_dir: Path, font_path: Path, *,
                 page_size: tuple[int, int] = (1240, 1754), max_pages: int = 6) -> list[Path]:
    """Draw title and text on A4-like PNG pages p001.png, p002.png … in out_dir; return their paths.

    The same input gives the same bytes (no timestamps are written). Pages already rendered
    from the same input are reused rather than redrawn.
    """
    out_dir = Path(out_dir)
    key = facsimile_key(title, text, font_path, page_size, max_pages)
    cached = current_pages(out_dir, key)
    if cached:
        return cached

    layout = page_layout(title, text, font_path, page_size=page_size, max_pages=max_pages)
    width, margin, line_height = page_size[0], layout.margin, layout.line_height
    body, heading, small, footer_top = layout.body, layout.heading, layout.small, layout.footer_top
    title_lines, title_height, pages = layout.title_lines, layout.title_height, layout.pages

    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for number, page_lines in enumerate(pages, start=1):
        image = Image.new("L", page_size, PAPER)
        draw = ImageDraw.Draw(image)
        y = margin
        if number == 1:
            for line in title_lines:
                heading.draw(draw, (margin, y), line, INK)
                y += title_height
            draw.line((margin, y, width - margin, y), fill=GREY, width=2)
            y += line_height // 2
        for line in page_lines:
            body.draw(draw, (margin, y), line, INK)
            y += line_height
        draw.line((margin, footer_top, width - margin, footer_top), fill=GREY, width=1)
        footer = FOOTER.format(n=number, m=len(pages))
        small.draw(draw, ((width - small.length(footer)) / 2, footer_top + small.size // 2), footer, GREY)
        paths.append(_save_png(image, out_dir / f"p{number:03d}.png", key, len(pages)))
    return paths


# The page is drawn in grey levels between INK and PAPER, then stored as a 4-bit palette
# tinted like paper: measured 35% smaller and faster to encode than 8-bit greyscale.
_LEVELS = 16
_INDEX = [min(_LEVELS - 1, max(0, round((v - INK) * (_LEVELS - 1) / (PAPER - INK)))) for v in range(256)]
_PALETTE = [round(a + (b - a) * i / (_LEVELS - 1)) for i in range(_LEVELS) for a, b in zip(INK_RGB, PAPER_RGB)]


def _save_png(image: Image.Image, path: Path, key: str, pages: int) -> Path:
    """Write a PNG under its name only when complete: a temporary file in the same folder, then rename."""
    indexed = Image.frombuffer("P", image.size, image.point(_INDEX).tobytes(), "raw", "P", 0, 1)
    indexed.putpalette(_PALETTE)
    info = PngInfo()
    info.add_text("Software", "Jiyi facsimile renderer")
    info.add_text("Description", "Rendered facsimile of the transcribed text, not a scan")
    info.add_text("jiyi:key", key)
    info.add_text("jiyi:pages", str(pages))
    with atomic_writer(path, "wb") as out:  # a temporary file, renamed when complete, with the usual mode
        indexed.save(out, format="PNG", pnginfo=info, bits=4, compress_level=COMPRESS_LEVEL)
    return path
