"""Where each character of the text OCR read went in a curator's corrected transcription.

The corrected text replaces OCR's, but only OCR knows where characters are on the page. A
character-level diff (difflib) carries each OCR character's position over to the corrected
character it became: the same character, or a one-for-one correction (正 → 整). Characters
a curator inserted have no place of their own; characters OCR made up are dropped.
"""

from __future__ import annotations

from difflib import SequenceMatcher


def offset_map(read: str, corrected: str) -> list[int | None]:
    """For each offset of `read`, the offset of the same character in `corrected`, or None."""
    mapped: list[int | None] = [None] * len(read)
    matcher = SequenceMatcher(None, read, corrected, autojunk=False)
    for tag, r0, r1, c0, c1 in matcher.get_opcodes():
        if tag == "equal" or (tag == "replace" and r1 - r0 == c1 - c0):
            for k in range(r1 - r0):
                mapped[r0 + k] = c0 + k
    return mapped
