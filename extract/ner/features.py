"""Per-character feature keys for the NER CRF, computed with numpy for whole batches.

Every feature template turns each character position into one integer key. Training
writes the keys as crfsuite attribute strings (``"<template>:<key>"``); the fast
tagger looks the same keys up in exported weight tables, so both see identical
features by construction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TYPES = ("PER", "LOC", "ORG")
# jieba-format dictionary tags → entity type; other tags (event, nz, …) are ignored here.
DICT_TAG_TYPES = {"nr": "PER", "nrfg": "PER", "nrt": "PER", "ns": "LOC", "nt": "ORG",
                  "PER": "PER", "LOC": "LOC", "ORG": "ORG"}

PAD_L = 0x110001  # code points never found in text, standing for "before/after the unit"
PAD_R = 0x110002
BITS = 21  # every code point (and the pads) fits in 21 bits: three fit in one int64

CHINESE_DIGITS = np.array([ord(c) for c in "〇零一二三四五六七八九十百千万亿两"], dtype=np.int64)
# POS tags of jieba's dictionary, in a fixed order (ids are part of the trained model).
POS_TAGS = ("a ad ag an b c d df dg e eng f g h i j k l m mq n ng nr nrfg nrt ns nt nz o p q r rr "
            "rz s t tg u ud ug uj ul uv uz v vd vg vn x y z zg").split()
POS_ID = {t: i + 1 for i, t in enumerate(POS_TAGS)}  # 0: a tag we do not know

# Template names, in key order. U*: character, B*: bigram starting at the offset,
# T0: trigram around the character, C: character classes -1..+1, W*: jieba word
# position/length/POS, L*: lexicon match codes, LW: lexicon × word position.
TEMPLATES = ("U-2", "U-1", "U0", "U+1", "U+2", "B-2", "B-1", "B0", "B+1", "T0", "C",
             "WL", "WP", "LPER", "LLOC", "LORG", "LALL", "LW")
# Wider context: characters ±3, bigrams reaching ±3, trigrams beside the character,
# and the POS of the previous/next jieba word with the current one's.
EXTRA_TEMPLATES = ("U-3", "U+3", "B-3", "B+2", "T-1", "T+1", "PW", "NW")
ALL_TEMPLATES = TEMPLATES + EXTRA_TEMPLATES
UNIGRAM_OFFSETS = {"U-3": -3, "U+3": 3, "U-2": -2, "U-1": -1, "U0": 0, "U+1": 1, "U+2": 2}
BIGRAM_OFFSETS = {"B-3": -3, "B+2": 2, "B-2": -2, "B-1": -1, "B0": 0, "B+1": 1}


def code_points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)


def char_class(cps: np.ndarray) -> np.ndarray:
    """0 pad, 1 CJK, 2 digit, 3 Chinese numeral, 4 Latin letter, 5 punctuation/other."""
    cls = np.full(cps.shape, 5, dtype=np.int64)
    cjk = ((cps >= 0x4E00) & (cps <= 0x9FFF)) | ((cps >= 0x3400) & (cps <= 0x4DBF))
    cls[cjk] = 1
    cls[np.isin(cps, CHINESE_DIGITS)] = 3
    cls[((cps >= 48) & (cps <= 57)) | ((cps >= 0xFF10) & (cps <= 0xFF19))] = 2
    latin = ((cps | 32) >= 97) & ((cps | 32) <= 122) | ((cps >= 0xFF21) & (cps <= 0xFF5A))
    cls[latin] = 4
    cls[cps >= PAD_L] = 0
    return cls


class Segmenter:
    """jieba's algorithm and dictionary (the rjieba port) with the user's words added."""

    def __init__(self) -> None:
        import rjieba

        self.jieba = rjieba.Jieba()

    def add_word(self, word: str, freq: int | None, tag: str | None) -> None:
        self.jieba.add_word(word, freq, tag)

    def words(self, text: str) -> list[tuple[str, str]]:
        return self.jieba.tag(text, True)


class Lexicon:
    """Names by type, matched with Aho-Corasick; a word may carry several types."""

    def __init__(self, entries: dict[str, int] | None = None) -> None:
        self.entries: dict[str, int] = dict(entries or {})  # word → bit mask over TYPES
        self._automaton = None

    def add(self, word: str, typ: str) -> None:
        if len(word) < 2 or typ not in TYPES:
            return
        self.entries[word] = self.entries.get(word, 0) | (1 << TYPES.index(typ))
        self._automaton = None

    def automaton(self):
        if self._automaton is None:
            import ahocorasick

            automaton = ahocorasick.Automaton()
            for word, mask in self.entries.items():
                automaton.add_word(word, (len(word), mask))
            if self.entries:
                automaton.make_automaton()
            self._automaton = automaton
        return self._automaton

    def codes(self, text: str) -> np.ndarray:
        """(3, len(text)) codes per type: bit 1 a match begins here, 2 one runs through, 4 one ends."""
        n = len(text)
        out = np.zeros((len(TYPES), n), dtype=np.int64)
        if not self.entries or n == 0:
            return out
        found = list(self.automaton().iter(text))
        if not found:
            return out
        end_list, values = zip(*found)
        ends = np.array(end_list, dtype=np.int64) + 1
        lens, masks = np.array(values, dtype=np.int64).T
        starts = ends - lens
        for t in range(len(TYPES)):
            sel = (masks >> t) & 1 == 1
            if not sel.any():
                continue
            s, e = starts[sel], ends[sel]
            inside = np.zeros(n + 1, dtype=np.int64)
            long = e - s > 2
            np.add.at(inside, s[long] + 1, 1)
            np.add.at(inside, e[long] - 1, -1)
            out[t][np.cumsum(inside[:n]) > 0] |= 2
            out[t][s] |= 1
            out[t][e - 1] |= 4
        return out


@dataclass
class Batch:
    """Feature keys for a batch of units (sentences or segments), concatenated."""

    keys: np.ndarray  # (len(templates), N) int64
    templates: tuple[str, ...]
    starts: np.ndarray  # (units,) start of each unit in the concatenation
    lengths: np.ndarray  # (units,)


def _shift(values: np.ndarray, k: int, pos: np.ndarray, length: np.ndarray, pad: int) -> np.ndarray:
    """values[i + k] when i + k lies in the same unit, else pad."""
    out = np.full_like(values, pad)
    n = len(values)
    if k == 0:
        return values.copy()
    if k > 0:
        out[: n - k] = values[k:]
        out[(pos + k) >= length] = pad
    else:
        out[-k:] = values[: n + k]
        out[(pos + k) < 0] = pad
    return out


def featurise(units: list[str], segmenter: Segmenter, lexicon: Lexicon,
              templates: tuple[str, ...] = TEMPLATES) -> Batch:
    lengths = np.fromiter((len(u) for u in units), dtype=np.int64, count=len(units))
    starts = np.zeros(len(units), dtype=np.int64)
    if len(units) > 1:
        starts[1:] = np.cumsum(lengths)[:-1]
    joined = "".join(units)
    n = len(joined)
    cps = code_points(joined)
    unit_of = np.repeat(np.arange(len(units)), lengths)
    pos = np.arange(n, dtype=np.int64) - starts[unit_of]
    length = lengths[unit_of]

    # jieba words: one Python step per word (the segmenter is compiled code).
    tagged = [segmenter.words(unit) for unit in units]
    words_tags = [pair for unit_words in tagged for pair in unit_words]
    if words_tags:
        words, tags = zip(*words_tags)
        wl = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
        distinct, inverse = np.unique(np.array(tags), return_inverse=True)
        wt = np.array([POS_ID.get(t, 0) for t in distinct.tolist()], dtype=np.int64)[inverse.ravel()]
    else:
        wl = wt = np.zeros(0, dtype=np.int64)
    word_of = np.repeat(np.arange(len(wl)), wl)
    wstart = np.cumsum(wl) - wl
    in_word = np.arange(n, dtype=np.int64) - wstart[word_of]
    wlen = wl[word_of]
    # position in word: 0 single, 1 begin, 2 middle, 3 end
    wpos = np.where(wlen == 1, 0, np.where(in_word == 0, 1, np.where(in_word == wlen - 1, 3, 2)))
    wtag = wt[word_of]

    lex = lexicon.codes("\x00".join(units)) if lexicon.entries else np.zeros((3, n + len(units) - 1), np.int64)
    if len(units) > 1:  # drop the separators
        keep = np.ones(lex.shape[1], dtype=bool)
        keep[(starts[1:] + np.arange(1, len(units)) - 1)] = False
        lex = lex[:, keep]

    want = set(templates)
    feats: dict[str, np.ndarray] = {}
    sh = {k: _shift(cps, k, pos, length, PAD_L if k < 0 else PAD_R) for k in (-3, -2, -1, 1, 2, 3)}
    sh[0] = cps
    for name, k in UNIGRAM_OFFSETS.items():
        feats[name] = sh[k]
    for name, k in BIGRAM_OFFSETS.items():
        if name in want:
            feats[name] = (sh[k] << BITS) | sh[k + 1]
    for name, k in (("T-1", -1), ("T0", 0), ("T+1", 1)):
        if name in want:
            feats[name] = (sh[k - 1] << (2 * BITS)) | (sh[k] << BITS) | sh[k + 1]
    cls = char_class(cps)
    cl = {k: _shift(cls, k, pos, length, 0) for k in (-1, 1)}
    feats["C"] = cl[-1] * 64 + cls * 8 + cl[1]
    feats["WL"] = wpos * 8 + np.minimum(wlen, 7)
    feats["WP"] = wtag * 4 + wpos
    if "PW" in want or "NW" in want:
        counts = np.fromiter(map(len, tagged), dtype=np.int64, count=len(tagged))
        first = np.repeat(np.cumsum(counts) - counts, counts)  # first word of each word's unit
        last = first + np.repeat(counts, counts) - 1
        idx = np.arange(len(wt))
        prev_t = np.where(idx > first, wt[np.maximum(idx - 1, 0)], 63)
        next_t = np.where(idx < last, wt[np.minimum(idx + 1, len(wt) - 1)], 63)
        feats["PW"] = (prev_t[word_of] * 64 + wtag) * 4 + wpos
        feats["NW"] = (next_t[word_of] * 64 + wtag) * 4 + wpos
    for t, typ in enumerate(TYPES):
        feats["L" + typ] = lex[t]
    lall = lex[0] * 64 + lex[1] * 8 + lex[2]
    feats["LALL"] = lall
    feats["LW"] = lall * 4 + wpos
    keys = np.empty((len(templates), n), dtype=np.int64)
    for i, name in enumerate(templates):
        keys[i] = feats[name]
    return Batch(keys=keys, templates=tuple(templates), starts=starts, lengths=lengths)


def attribute_lists(batch: Batch) -> list[list[list[str]]]:
    """crfsuite attribute strings per unit and position (training and checks only)."""
    names = [f"{i}:" for i in range(len(batch.templates))]
    cols = batch.keys.T.tolist()
    rows = [[p + str(v) for p, v in zip(names, row)] for row in cols]
    return [rows[s:s + n] for s, n in zip(batch.starts.tolist(), batch.lengths.tolist())]
