"""The fast NER tagger: exported CRF weights, numpy feature lookup and batched Viterbi.

crfsuite trains the model (see train.py); tagging does not need crfsuite. Texts are
cut into sentence pieces (。！？； and line breaks, with a hard length cap) so a
10 MB line is tagged in linear time and bounded memory, then offsets are mapped back.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from jiyi.model import atomic_writer

from .features import ALL_TEMPLATES, TEMPLATES, TYPES, Lexicon, Segmenter, code_points, featurise

MODEL_DIR = Path(__file__).parent / "model"
TERMINATORS = np.array([ord(c) for c in "。！？；!?;"], dtype=np.int64)
NEWLINES = np.array([ord(c) for c in "\n\r"], dtype=np.int64)
MAX_PIECE = 250  # characters; longer runs without a sentence end are cut here
BATCH_CHARS = 200_000  # characters featurised at once (bounds memory)
DENSE_LIMIT = 1 << 14  # templates with keys below this are looked up in a dense table

Span = tuple[int, int, str, float]


class KeyIndex:
    """Row of each int64 key (or -1), by vectorised open addressing: ~1–2 probes per query
    against searchsorted's ~20 for the large n-gram tables."""

    MULT = np.uint64(0x9E3779B97F4A7C15)

    def __init__(self, keys: np.ndarray):
        self.bits = max(4, int(2 * max(len(keys), 1) - 1).bit_length())
        size = 1 << self.bits
        self.mask = size - 1
        self.slots = np.full(size, -1, dtype=np.int64)
        self.rows = np.full(size, -1, dtype=np.int64)
        pending = np.arange(len(keys))
        h = self._hash(keys)
        while len(pending):
            slot = h[pending]
            free = self.slots[slot] == -1
            cand, cslot = pending[free], slot[free]
            _, first = np.unique(cslot, return_index=True)  # one key per free slot this round
            self.slots[cslot[first]] = keys[cand[first]]
            self.rows[cslot[first]] = cand[first]
            placed = np.zeros(len(keys), dtype=bool)
            placed[cand[first]] = True
            pending = pending[~placed[pending]]
            h[pending] = (h[pending] + 1) & self.mask

    def _hash(self, keys: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):
            return ((keys.astype(np.uint64) * self.MULT) >> np.uint64(64 - self.bits)).astype(np.int64)

    def lookup(self, q: np.ndarray) -> np.ndarray:
        out = np.full(len(q), -1, dtype=np.int64)
        h = self._hash(q)
        pending = np.arange(len(q))
        while len(pending):
            slot = h[pending]
            found = self.slots[slot]
            hit = found == q[pending]
            out[pending[hit]] = self.rows[slot[hit]]
            go_on = ~hit & (found != -1)
            pending = pending[go_on]
            h[pending] = (h[pending] + 1) & self.mask
        return out


class CrfWeights:
    """A linear-chain CRF as numpy arrays: per-template key tables and transitions."""

    def __init__(self, labels: list[str], transitions: np.ndarray, tables: dict[str, tuple],
                 templates: tuple[str, ...] = TEMPLATES):
        self.labels = labels
        self.templates = tuple(templates)
        self.transitions = transitions.astype(np.float32)
        self.tables = tables  # template → (kind, lookup…, keys, weights)
        self.n_labels = len(labels)
        # label id → (entity type id 0..3, begins an entity) under the BIO/BIOES convention
        self.type_of = np.array([0 if l == "O" else 1 + TYPES.index(l[2:]) for l in labels], dtype=np.int64)
        self.begins = np.array([l[:2] in ("B-", "S-") for l in labels], dtype=bool)

    @classmethod
    def from_state_features(cls, labels, state_features, transitions,
                            templates: tuple[str, ...] = TEMPLATES) -> "CrfWeights":
        """Build from crfsuite's Tagger.info() dictionaries ((attr, label) → weight)."""
        label_id = {l: i for i, l in enumerate(labels)}
        by_template: dict[int, dict[int, np.ndarray]] = {}
        for (attr, label), w in state_features.items():
            t, key = attr.split(":", 1)
            row = by_template.setdefault(int(t), {}).setdefault(int(key), np.zeros(len(labels), np.float32))
            row[label_id[label]] = w
        tables = {}
        for t, name in enumerate(templates):
            rows = by_template.get(t, {})
            keys = np.array(sorted(rows), dtype=np.int64)
            weights = np.array([rows[k] for k in keys.tolist()], dtype=np.float32).reshape(len(keys), len(labels))
            tables[name] = (keys, weights)
        trans = np.zeros((len(labels), len(labels)), np.float32)
        for (a, b), w in transitions.items():
            trans[label_id[a], label_id[b]] = w
        return cls(list(labels), trans, cls._index(tables, len(labels)), templates)

    @staticmethod
    def _index(tables: dict[str, tuple], n_labels: int) -> dict[str, tuple]:
        out = {}
        for name, (keys, weights) in tables.items():
            if len(keys) and keys.min() >= 0 and keys.max() < DENSE_LIMIT:
                dense = np.zeros((DENSE_LIMIT, n_labels), np.float32)
                dense[keys] = weights
                out[name] = ("dense", dense, keys, weights)
            else:
                padded = np.vstack([weights, np.zeros((1, n_labels), np.float32)])
                out[name] = ("hashed", KeyIndex(keys), padded, keys, weights)
        return out

    def save(self, path: Path) -> None:
        arrays = {"transitions": self.transitions}
        for name, table in self.tables.items():
            keys, weights = table[-2], table[-1]
            arrays[f"{name}.keys"] = keys
            arrays[f"{name}.weights"] = weights.astype(np.float32)
        # each file appears whole or not at all: a crash mid-save never leaves a model that loads half
        with atomic_writer(path / "crf.npz", "wb") as out:
            np.savez_compressed(out, **arrays)
        with atomic_writer(path / "labels.json") as out:
            out.write(json.dumps({"labels": self.labels, "templates": list(self.templates)}))

    @classmethod
    def load(cls, path: Path) -> "CrfWeights":
        meta = json.loads((path / "labels.json").read_text())
        templates = tuple(meta["templates"])
        if not set(templates) <= set(ALL_TEMPLATES):
            raise ValueError(f"E702 {path}: the model was trained with other feature templates; "
                             "retrain it with `python -m jiyi.extract.ner.train`")
        with np.load(path / "crf.npz") as z:
            tables = {name: (z[f"{name}.keys"], z[f"{name}.weights"].astype(np.float32)) for name in templates}
            trans = z["transitions"]
        return cls(meta["labels"], trans, cls._index(tables, len(meta["labels"])), templates)

    def emissions(self, keys: np.ndarray) -> np.ndarray:
        n = keys.shape[1]
        em = np.zeros((n, self.n_labels), np.float32)
        for t, name in enumerate(self.templates):
            table = self.tables[name]
            q = keys[t]
            if table[0] == "dense":
                em += table[1][q]
            else:
                index, weights = table[1], table[2]
                em += weights[index.lookup(q)]  # -1 → the last row, all zeros
        return em

    def viterbi(self, em: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """Best label per position for every unit at once (loop over positions, numpy over units)."""
        n_units = len(lengths)
        out = np.zeros(len(em), dtype=np.int64)
        if n_units == 0 or len(em) == 0:
            return out
        order = np.argsort(-lengths, kind="stable")
        st, ln = starts[order], lengths[order]
        longest = int(ln[0])
        # active[t]: how many units are longer than t (a prefix, since sorted by length)
        active = n_units - np.cumsum(np.bincount(ln, minlength=longest + 1))  # active[t] = #(ln > t)
        back = np.zeros(em.shape, dtype=np.int8)
        trans = self.transitions[None]
        delta = em[st].copy()
        for t in range(1, longest):
            k = int(active[t])
            rows = st[:k] + t
            cand = delta[:k, :, None] + trans
            best = cand.argmax(axis=1)
            back[rows] = best
            delta[:k] = np.take_along_axis(cand, best[:, None, :], axis=1)[:, 0, :] + em[rows]
        last = delta.argmax(axis=1)
        cur = np.zeros(n_units, dtype=np.int64)
        for t in range(longest - 1, -1, -1):
            k = int(active[t])
            k_next = int(active[t + 1]) if t + 1 < len(active) else 0
            cur[k_next:k] = last[k_next:k]  # units whose last position is t
            rows = st[:k] + t
            out[rows] = cur[:k]
            if t:
                cur[:k] = back[rows, cur[:k]]
        return out


def pieces(text: str) -> list[tuple[int, int]]:
    """(start, end) of sentence pieces: cut after 。！？；, at line breaks, and every MAX_PIECE chars."""
    n = len(text)
    if n == 0:
        return []
    cps = code_points(text)
    nl = np.flatnonzero(np.isin(cps, NEWLINES))
    cuts = np.unique(np.concatenate([[0, n], np.flatnonzero(np.isin(cps, TERMINATORS)) + 1, nl, nl + 1]))
    starts, ends = cuts[:-1], cuts[1:]
    keep = ends > starts
    starts, ends = starts[keep], ends[keep]
    keep = ~((ends - starts == 1) & np.isin(cps[starts], NEWLINES))
    starts, ends = starts[keep], ends[keep]
    if len(starts) and (ends - starts).max() > MAX_PIECE:
        s_out, e_out = [], []
        for s, e in zip(starts.tolist(), ends.tolist()):
            while e - s > MAX_PIECE:
                s_out.append(s)
                e_out.append(s + MAX_PIECE)
                s += MAX_PIECE
            s_out.append(s)
            e_out.append(e)
        starts, ends = np.array(s_out), np.array(e_out)
    return list(zip(starts.tolist(), ends.tolist()))


class Tagger:
    """Load the shipped model once; tag many texts fast."""

    def __init__(self, model_dir: Path = MODEL_DIR, *, dictionaries: list[Path] = (),
                 dictionary_wins: bool = False):
        from ..userdict import read_dictionary
        from .features import DICT_TAG_TYPES

        self.weights = CrfWeights.load(model_dir)
        self.segmenter = Segmenter()
        self.lexicon = Lexicon()
        lexicon_file = model_dir / "lexicon.tsv"
        if lexicon_file.exists():
            for line in lexicon_file.read_text(encoding="utf-8").splitlines():
                word, typ = line.split("\t")
                self.lexicon.add(word, typ)
        self.user_words: dict[str, str] = {}  # word → type, from the user's dictionaries
        for path in dictionaries:
            for word, freq, tag in read_dictionary(path):
                typ = DICT_TAG_TYPES.get(tag or "")
                self.segmenter.add_word(word, freq, tag)
                if typ:
                    self.lexicon.add(word, typ)
                    self.user_words[word] = typ
        self.dictionary_wins = dictionary_wins
        self._user_lexicon = None

    def tag_units(self, units: list[str]) -> tuple[np.ndarray, np.ndarray, "object"]:
        batch = featurise(units, self.segmenter, self.lexicon, self.weights.templates)
        em = self.weights.emissions(batch.keys)
        return self.weights.viterbi(em, batch.starts, batch.lengths), em, batch

    def labels(self, units: list[str]) -> list[list[str]]:
        ids, _, batch = self.tag_units(units)
        names = self.weights.labels
        return [[names[i] for i in ids[s:s + n]] for s, n in zip(batch.starts.tolist(), batch.lengths.tolist())]

    def spans(self, units: list[str]) -> list[list[Span]]:
        """Entities per unit as (start, end, type, confidence)."""
        if not units:
            return []
        ids, em, batch = self.tag_units(units)
        w = self.weights
        n = len(ids)
        typ = w.type_of[ids]
        pos = np.arange(n) - np.repeat(batch.starts, batch.lengths)
        cont = np.zeros(n, dtype=bool)
        cont[1:] = (typ[1:] > 0) & (typ[1:] == typ[:-1]) & ~w.begins[ids[1:]]
        cont &= pos > 0
        begin = (typ > 0) & ~cont
        b = np.flatnonzero(begin)
        breaks = np.flatnonzero(~cont)
        breaks = np.append(breaks, n)
        e = breaks[np.searchsorted(breaks, b, side="right")]
        # Confidence: a cheap proxy — the mean over the span of the chosen label's share of a
        # softmax over that character's emission scores (not a true CRF marginal).
        z = em - em.max(axis=1, keepdims=True)
        p = np.exp(z)
        local = p[np.arange(n), ids] / p.sum(axis=1)
        csum = np.concatenate([[0.0], np.cumsum(local, dtype=np.float64)])
        conf = (csum[e] - csum[b]) / (e - b)
        unit = np.searchsorted(batch.starts, b, side="right") - 1
        out: list[list[Span]] = [[] for _ in units]
        for u, s, en, t, c in zip(unit.tolist(), (b - batch.starts[unit]).tolist(),
                                   (e - batch.starts[unit]).tolist(), typ[b].tolist(), conf.tolist()):
            out[u].append((s, en, TYPES[t - 1], round(c, 4)))
        if self.dictionary_wins and self.user_words:
            out = [self._dictionary_pass(unit_text, found) for unit_text, found in zip(units, out)]
        return out

    def _dictionary_pass(self, text: str, found: list[Span]) -> list[Span]:
        """User dictionary entries win over partly overlapping or shorter model spans (longest match
        first); a longer model entity that contains the whole match is kept (北京 inside 北京大学)."""
        if self._user_lexicon is None:
            import ahocorasick

            self._user_lexicon = ahocorasick.Automaton()
            for word, typ in self.user_words.items():
                self._user_lexicon.add_word(word, (len(word), typ))
            self._user_lexicon.make_automaton()
        matches = [(end + 1 - ln, end + 1, typ) for end, (ln, typ) in self._user_lexicon.iter(text)]
        if not matches:
            return found
        matches.sort(key=lambda m: (-(m[1] - m[0]), m[0]))
        taken: list[tuple[int, int]] = []
        chosen = []
        for s, e, typ in matches:
            if any(s < te and ts < e for ts, te in taken):
                continue
            if any(fs <= s and e <= fe and fe - fs > e - s for fs, fe, _, _ in found):
                continue
            taken.append((s, e))
            chosen.append((s, e, typ, 1.0))
        kept = [f for f in found if not any(f[0] < e and s < f[1] for s, e, _, _ in chosen)]
        return sorted(kept + chosen)

    def tag_texts(self, texts: list[str]) -> list[list[Span]]:
        """Entities per text as (start, end, type, confidence), offsets into that text."""
        results: list[list[Span]] = [[] for _ in texts]
        units: list[str] = []
        where: list[tuple[int, int]] = []  # (text index, offset of the unit in the text)
        size = 0

        def flush():
            for (ti, offset), spans in zip(where, self.spans(units)):
                results[ti].extend((s + offset, e + offset, t, c) for s, e, t, c in spans)
            units.clear()
            where.clear()

        for ti, text in enumerate(texts):
            for s, e in pieces(text):
                unit = text[s:e]
                if unit.isspace():
                    continue
                units.append(unit)
                where.append((ti, s))
                size += e - s
                if size >= BATCH_CHARS:
                    flush()
                    size = 0
        if units:
            flush()
        return results
