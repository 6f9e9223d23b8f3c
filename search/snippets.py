"""Snippets: the text around the first match of a hit, matches marked <em>…</em>, as the reader's text is written."""

from __future__ import annotations

import re

from .documents import fold

SNIPPET_CHARS = 60
_ASCII = re.compile(r"^[a-z0-9]+$")


def snippet(text: str, words: list[str], width: int = SNIPPET_CHARS) -> str:
    """The text around the first match, every match inside marked <em>…</em>; the start of the text when none is found.

    Matching runs on the folded text, which has the same length as the text, so the
    marks land on the characters as written (a traditional text keeps its own characters).
    A pinyin word is matched against the pinyin of each character.
    """
    folded = fold(text)
    spans = _spans(folded, [w for w in words if not _ASCII.match(w)]) or _pinyin_spans(folded, [w for w in words if _ASCII.match(w)])
    if not spans:
        return _clip(text, 0, width)
    start = max(0, spans[0][0] - width // 4)
    end = min(len(text), start + width)
    out, position = [], start
    for span_start, span_end in spans:
        if span_start < position or span_end > end:
            continue
        out += [text[position:span_start], "<em>", text[span_start:span_end], "</em>"]
        position = span_end
    out.append(text[position:end])
    return ("…" if start else "") + "".join(out).replace("\n", " ") + ("…" if end < len(text) else "")


def _clip(text: str, start: int, width: int) -> str:
    return text[start:start + width].replace("\n", " ") + ("…" if len(text) > start + width else "")


def _spans(folded: str, words: list[str]) -> list[tuple[int, int]]:
    spans = []
    for word in words:
        for match in re.finditer(re.escape(word), folded):
            if not any(s < match.end() and match.start() < e for s, e in spans):
                spans.append((match.start(), match.end()))
    return sorted(spans)


def _pinyin_spans(folded: str, words: list[str], scan: int = 5000) -> list[tuple[int, int]]:
    if not words:
        return []
    from pypinyin import Style, lazy_pinyin

    head = folded[:scan]
    # The whole text at once, so a polyphone reads as in its word (长征: chang, not zhang); one syllable per
    # character, "" for whatever is not Chinese, so positions stay those of the text.
    syllables = lazy_pinyin(head, style=Style.NORMAL, errors=lambda chars: [""] * len(chars))
    if len(syllables) != len(head):
        return []
    spans = []
    for word in words:
        for start in range(len(head)):
            joined, end = "", start
            while end < len(head) and syllables[end] and len(joined) < len(word):
                joined += syllables[end]
                end += 1
            if joined == word:
                spans.append((start, end))
    return sorted(set(spans))
