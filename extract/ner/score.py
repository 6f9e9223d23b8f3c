"""Exact-span NER scoring (P/R/F1 per type and micro), the shared scorer's convention.

An entity is a B- tag, or an I- tag that does not continue an entity of the same type.
"""

from __future__ import annotations

from pathlib import Path

TYPES = ("PER", "LOC", "ORG")


def read_bio(path: Path) -> list[tuple[str, list[str]]]:
    """Sentences of a BIO corpus: one ``char<TAB or SPACE>tag`` per line, blank lines between."""
    sents, chars, tags = [], [], []
    for line in Path(path).open(encoding="utf-8"):
        line = line.rstrip("\n")
        if not line.strip():
            if chars:
                sents.append(("".join(chars), tags))
                chars, tags = [], []
            continue
        char, tag = line.split("\t") if "\t" in line else line.split(" ")
        chars.append(char)
        tags.append(tag)
    if chars:
        sents.append(("".join(chars), tags))
    return sents


def spans(tags: list[str]) -> set[tuple[int, int, str]]:
    out, start, typ = set(), None, None
    for i, tag in enumerate(list(tags) + ["O"]):
        if tag == "O" or tag.startswith("B-") or (tag.startswith("I-") and tag[2:] != typ):
            if start is not None:
                out.add((start, i, typ))
            start, typ = (i, tag[2:]) if tag != "O" else (None, None)
    return out


def score(gold: list[set], pred: list[set]) -> dict[str, dict[str, float]]:
    """gold/pred: per sentence, sets of (start, end, type). Returns {type|micro: {p, r, f1, tp, fp, fn}}."""
    counts = {t: [0, 0, 0] for t in TYPES}
    for g_all, p_all in zip(gold, pred):
        for t, c in counts.items():
            g = {s for s in g_all if s[2] == t}
            p = {(s[0], s[1], s[2]) for s in p_all if s[2] == t}
            c[0] += len(g & p)
            c[1] += len(p - g)
            c[2] += len(g - p)
    counts["micro"] = [sum(c[i] for c in counts.values()) for i in range(3)]
    out = {}
    for t, (tp, fp, fn) in counts.items():
        out[t] = {"p": tp / max(1, tp + fp), "r": tp / max(1, tp + fn),
                  "f1": 2 * tp / max(1, 2 * tp + fp + fn), "tp": tp, "fp": fp, "fn": fn}
    return out


def format_scores(scores: dict[str, dict[str, float]]) -> str:
    return "\n".join(f"{t}: P={s['p']:.4f} R={s['r']:.4f} F1={s['f1']:.4f}" for t, s in scores.items())
