"""Facsimile drawing: Jiyi's cached-glyph renderer against Pillow's ImageDraw.text, same lines, same run.

    .venv/bin/python benchmarks/facsimile.py [--lines 400]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from PIL import Image, ImageDraw

from jiyi.iiif.facsimile import _face, find_cjk_font

TEXT = Path(__file__).resolve().parents[1] / "jiyi" / "demo" / "sources" / "thematic" / "档案法(2020-06-20).md"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=400)
    args = parser.parse_args()
    chars = [c for c in TEXT.read_text(encoding="utf-8") if not c.isspace()]
    lines = ["".join(chars[i * 30:(i + 1) * 30]) for i in range(args.lines)]
    face = _face(str(find_cjk_font("")), 34)
    page = Image.new("L", (1240, 1754), 250)
    draw = ImageDraw.Draw(page)

    started = time.perf_counter()
    for n, line in enumerate(lines):
        draw.text((100, 40 * (n % 40)), line, font=face.font, fill=20)
    baseline = time.perf_counter() - started

    face.draw(draw, (100, 0), "".join(lines[:20]), 20)  # warm the glyph cache as a build does after one page
    started = time.perf_counter()
    for n, line in enumerate(lines):
        face.draw(draw, (100, 40 * (n % 40)), line, 20)
    jiyi = time.perf_counter() - started

    n_chars = sum(map(len, lines))
    print(f"ImageDraw.text : {n_chars / baseline:12,.0f} chars/s  ({baseline * 1000 / len(lines):.3f} ms a line)")
    print(f"jiyi glyph cache: {n_chars / jiyi:12,.0f} chars/s  ({jiyi * 1000 / len(lines):.3f} ms a line)")
    print(f"ratio jiyi / baseline: {baseline / jiyi:.1f}x")


if __name__ == "__main__":
    main()
