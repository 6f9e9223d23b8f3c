"""Read jieba-format user dictionaries (``word [freq] [tag]``), the one reader every component uses."""

from __future__ import annotations

import re
from pathlib import Path


def read_dictionary(path: Path) -> list[tuple[str, int | None, str | None]]:
    """(word, freq, tag) per line; freq and tag may be absent, as jieba allows; blank and # lines skipped."""
    rows = []
    for line in Path(path).read_text(encoding="utf-8-sig").splitlines():
        parts = line.split()
        if not parts or parts[0].startswith("#"):
            continue
        word, freq, tag = parts[0], None, None
        rest = parts[1:]
        if rest and re.fullmatch(r"\d+", rest[0]):
            freq = int(rest.pop(0))
        if rest:
            tag = rest[0]
        rows.append((word, freq, tag))
    return rows
