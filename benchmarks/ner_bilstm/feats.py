"""Shared feature extraction (no torch): data reading, lexicon, jieba, id mapping."""
from __future__ import annotations

from collections import Counter

import numpy as np

from jiyi.extract.ner import score

CORPUS = str(__import__("pathlib").Path(__file__).resolve().parents[3] / "shared" / "data" / "ner" / "msra_train.bio.tsv")
TYPES = ("PER", "LOC", "ORG")
TAGS = ["O"] + [f"{p}-{t}" for t in TYPES for p in "BIES"]
TAG_ID = {t: i for i, t in enumerate(TAGS)}
POS_TAGS = ("a ad ag an b c d df dg e eng f g h i j k l m mq n ng nr nrfg nrt ns nt nz o p q r rr "
            "rz s t tg u ud ug uj ul uv uz v vd vg vn x y z zg").split()
POS_ID = {t: i + 1 for i, t in enumerate(POS_TAGS)}
CN_DIGITS = set("〇零一二三四五六七八九十百千万亿两")


def read_bio(path=CORPUS):
    return score.read_bio(path)  # the project's own reader of BIO corpora


def split():
    sents = read_bio()
    n_dev = -(-len(sents) // 10)  # ceiling: 5066
    return sents[: len(sents) - n_dev], sents[len(sents) - n_dev:]


def spans(tags):
    out, start, typ = set(), None, None
    for i, tag in enumerate(list(tags) + ["O"]):
        if tag == "O" or tag.startswith("B-") or tag.startswith("S-") or (tag[:2] in ("I-", "E-") and tag[2:] != typ):
            if start is not None:
                out.add((start, i, typ))
            start, typ = (i, tag[2:]) if tag != "O" else (None, None)
        if tag.startswith("S-") or tag.startswith("E-"):
            if start is not None:
                out.add((start, i + 1, typ))
            start, typ = None, None
    return out


def bioes(tags):
    out = ["O"] * len(tags)
    for s, e, t in spans(tags):
        if e - s == 1:
            out[s] = "S-" + t
        else:
            out[s], out[e - 1] = "B-" + t, "E-" + t
            for i in range(s + 1, e - 1):
                out[i] = "I-" + t
    return out


def char_class(ch):
    o = ord(ch)
    if 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF:
        return 2 if ch in CN_DIGITS else 1
    if ch.isdigit():
        return 3
    if ch.isalpha():
        return 4
    return 5


class Lexicon:
    def __init__(self, entries=None):
        self.entries = dict(entries or {})
        self._a = None

    def add(self, word, typ):
        if len(word) < 2 or typ not in TYPES:
            return
        self.entries[word] = self.entries.get(word, 0) | (1 << TYPES.index(typ))
        self._a = None

    def codes(self, text):
        """(n, 3) per type: bit1 begin, bit2 inside, bit4 end of a match."""
        import ahocorasick
        n = len(text)
        out = np.zeros((n, 3), dtype=np.int64)
        if not self.entries:
            return out
        if self._a is None:
            a = ahocorasick.Automaton()
            for w, m in self.entries.items():
                a.add_word(w, (len(w), m))
            a.make_automaton()
            self._a = a
        for end, (ln, m) in self._a.iter(text):
            s, e = end + 1 - ln, end + 1
            for t in range(3):
                if m >> t & 1:
                    out[s, t] |= 1
                    out[e - 1, t] |= 4
                    if e - s > 2:
                        out[s + 1:e - 1, t] |= 2
        return out


def fold_lexicons(sents, folds=10):
    size = -(-len(sents) // folds)
    fold_of = [i // size for i in range(len(sents))]
    per = [Counter() for _ in range(folds)]
    for (text, tags), f in zip(sents, fold_of):
        per[f].update((text[s:e], t) for s, e, t in spans(tags))
    total = sum(per, Counter())
    lex = []
    for f in range(folds):
        L = Lexicon()
        for (w, t), c in total.items():
            if c - per[f][(w, t)] > 0:
                L.add(w, t)
        lex.append(L)
    full = Lexicon()
    for (w, t) in total:
        full.add(w, t)
    return fold_of, lex, full


class Featurizer:
    """Maps a sentence to integer feature columns.

    columns: char, bigram-left (c[i-1]c[i]), bigram-right (c[i]c[i+1]), word-shape (wpos*8+len),
    pos, word id, char class, lex PER code, lex LOC code, lex ORG code
    """
    NCOL = 10

    def __init__(self, vocab=None):
        import rjieba
        self.jieba = rjieba.Jieba()
        self.vocab = vocab  # dict with 'char', 'bigram', 'word' -> {str: id}; 0 pad, 1 unk

    def jieba_cols(self, text):
        words = self.jieba.tag(text, True)
        n = len(text)
        shape = np.zeros(n, np.int64)
        pos = np.zeros(n, np.int64)
        wid = [None] * n
        i = 0
        for w, t in words:
            L = len(w)
            for k in range(L):
                wp = 0 if L == 1 else (1 if k == 0 else (3 if k == L - 1 else 2))
                shape[i + k] = wp * 8 + min(L, 7)
                pos[i + k] = POS_ID.get(t, 0) * 4 + wp
                wid[i + k] = w
            i += L
        assert i == n, (text, words)
        return shape, pos, wid

    def raw(self, text, lexicon):
        shape, pos, wid = self.jieba_cols(text)
        lex = lexicon.codes(text)
        return dict(text=text, shape=shape, pos=pos, words=wid, lex=lex)

    def ids(self, r):
        v = self.vocab
        text = r["text"]
        n = len(text)
        ch = v["char"]
        bg = v["bigram"]
        wd = v["word"]
        X = np.zeros((n, self.NCOL), np.int64)
        X[:, 0] = [ch.get(c, 1) for c in text]
        padded = "\x02" + text + "\x03"
        big = [bg.get(padded[i:i + 2], 1) for i in range(n + 1)]
        X[:, 1] = big[:-1]
        X[:, 2] = big[1:]
        X[:, 3] = r["shape"]
        X[:, 4] = r["pos"]
        X[:, 5] = [wd.get(w, 1) for w in r["words"]]
        X[:, 6] = [char_class(c) for c in text]
        X[:, 7:10] = r["lex"]
        return X


def build_vocab(raws, min_bigram=2, min_word=2, min_char=1):
    cc, bc, wc = Counter(), Counter(), Counter()
    for r in raws:
        t = r["text"]
        cc.update(t)
        p = "\x02" + t + "\x03"
        bc.update(p[i:i + 2] for i in range(len(t) + 1))
        wc.update(r["words"])
    mk = lambda c, m: {k: i + 2 for i, k in enumerate(sorted(k for k, n in c.items() if n >= m))}
    return {"char": mk(cc, min_char), "bigram": mk(bc, min_bigram), "word": mk(wc, min_word),
            "char_count": {k: n for k, n in cc.items()}}


class FastFeaturizer:
    """Vectorised equivalent of Featurizer.ids(Featurizer.raw(...)) for a batch of lines."""

    def __init__(self, vocab, lexicon):
        import rjieba
        self.jieba = rjieba.Jieba()
        self.lex = lexicon
        self.char_lut = np.ones(0x110004, np.int64)
        for c, i in vocab["char"].items():
            self.char_lut[ord(c)] = i
        keys = np.array([(ord(b[0]) << 21) | ord(b[1]) for b in vocab["bigram"]], np.int64)
        vals = np.array(list(vocab["bigram"].values()), np.int64)
        o = np.argsort(keys)
        self.bkeys, self.bvals = keys[o], vals[o]
        self.word = vocab["word"]
        self.pos_id = POS_ID
        cls = np.full(0x110004, 5, np.int64)
        cp = np.arange(0x110004)
        cjk = ((cp >= 0x4E00) & (cp <= 0x9FFF)) | ((cp >= 0x3400) & (cp <= 0x4DBF))
        cls[cjk] = 1
        for c in CN_DIGITS:
            cls[ord(c)] = 2
        # isdigit / isalpha outside CJK: precompute over BMP+ (python semantics)
        for o_ in range(0x110000):
            if cls[o_] == 5:
                ch = chr(o_)
                if ch.isdigit():
                    cls[o_] = 3
                elif ch.isalpha():
                    cls[o_] = 4
        self.cls = cls

    def batch(self, lines):
        lens = np.array([len(s) for s in lines], np.int64)
        joined = "".join(lines)
        n = len(joined)
        cps = np.frombuffer(joined.encode("utf-32-le"), np.uint32).astype(np.int64)
        X = np.zeros((n, 10), np.int64)
        X[:, 0] = self.char_lut[cps]
        X[:, 6] = self.cls[cps]
        starts = np.cumsum(lens) - lens
        unit = np.repeat(np.arange(len(lines)), lens)
        pos = np.arange(n) - starts[unit]
        prev = np.where(pos == 0, 2, np.roll(cps, 1))
        nxt = np.where(pos == lens[unit] - 1, 3, np.roll(cps, -1))
        for col, (a, b) in ((1, (prev, cps)), (2, (cps, nxt))):
            k = (a << 21) | b
            i = np.minimum(np.searchsorted(self.bkeys, k), len(self.bkeys) - 1)
            X[:, col] = np.where(self.bkeys[i] == k, self.bvals[i], 1)
        words, tags = [], []
        for s in lines:
            for w, t in self.jieba.tag(s, True):
                words.append(w)
                tags.append(t)
        wl = np.fromiter(map(len, words), np.int64, len(words))
        wt = np.fromiter((self.pos_id.get(t, 0) for t in tags), np.int64, len(tags))
        wi = np.fromiter((self.word.get(w, 1) for w in words), np.int64, len(words))
        word_of = np.repeat(np.arange(len(wl)), wl)
        inw = np.arange(n) - (np.cumsum(wl) - wl)[word_of]
        L = wl[word_of]
        wp = np.where(L == 1, 0, np.where(inw == 0, 1, np.where(inw == L - 1, 3, 2)))
        X[:, 3] = wp * 8 + np.minimum(L, 7)
        X[:, 4] = wt[word_of] * 4 + wp
        X[:, 5] = wi[word_of]
        X[:, 7:10] = self.lex.codes("\x00".join(lines))[np.arange(n) + unit]
        return [X[s:s + m] for s, m in zip(starts, lens)]
