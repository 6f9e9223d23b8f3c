"""Normalise text for matching without moving a character, so offsets found on it fit the original."""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from importlib import resources

# Characters the table leaves alone because simplified text also uses them, mapped all the
# same: in simplified text 於 is a rare surname and 徵 a musical note, while traditional
# documents are full of them (measured on the regulations, 134 of 79,667 characters).
_ALSO_MAP = {"於": "于", "徵": "征"}

# Blocks whose NFKC forms are what matching wants: full- and half-width forms (１９３５,
# ｶ), CJK compatibility ideographs (from Big5/KS conversions) and Kangxi radicals (from
# PDF text layers) that look like, but are not, the everyday ideographs.
_NFKC_BLOCKS = ((0xFF00, 0xFFEF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F), (0x2E80, 0x2FDF))


def normalise_text(text: str) -> str:
    """Half-width ASCII, plain spaces, no controls, simplified characters; same length as `text`."""
    return text.translate(translation_table())


@lru_cache(maxsize=1)
def translation_table() -> dict[int, int]:
    """Code point → code point, built once; every value is a fixed point, so normalising is idempotent."""
    step: dict[int, int] = {}
    for low, high in _NFKC_BLOCKS:
        for code in range(low, high + 1):
            folded = unicodedata.normalize("NFKC", chr(code))
            if len(folded) == 1 and folded != chr(code):  # one character in, one out, or offsets move
                step[code] = ord(folded)
    for code in [*range(0x20), 0x7F, *range(0x80, 0xA0)]:
        if code not in (0x09, 0x0A):
            step[code] = 0x20  # a control becomes a space: it separates like one and keeps its place
    for code in range(0x10000):
        if unicodedata.category(chr(code)) == "Zs" and code != 0x20:
            step[code] = 0x20  # ideographic space, no-break space, en/em spaces
    for traditional, simplified in _traditional_to_simplified().items():
        step.setdefault(traditional, simplified)
    table = {}
    for code in step:
        target, seen = code, {code}
        while target in step and step[target] not in seen:  # e.g. compatibility ideograph → traditional → simplified
            target = step[target]
            seen.add(target)
        if target != code:
            table[code] = target
    return table


def _traditional_to_simplified() -> dict[int, int]:
    """OpenCC's character table, one-to-one entries only.

    A character whose candidates include itself (乾 → 干/乾, 於 → 于/於) is also used in
    simplified text (乾隆), so it is left alone: a character table cannot see context.
    """
    table = {}
    source = resources.files("opencc").joinpath("dictionary", "TSCharacters.txt")
    for line in source.read_text(encoding="utf-8").splitlines():
        traditional, _, candidates = line.partition("\t")
        options = candidates.split()
        if len(traditional) == 1 and options and len(options[0]) == 1 and traditional not in options:
            table[ord(traditional)] = ord(options[0])
    table.update((ord(traditional), ord(simplified)) for traditional, simplified in _ALSO_MAP.items())
    return table
