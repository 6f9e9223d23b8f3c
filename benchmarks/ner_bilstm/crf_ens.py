"""Product of experts: NN-CRF scores + shipped character-CRF scores (weight 1, fixed a priori,
not tuned), Viterbi over the summed emissions and transitions. numpy only.
    python crf_ens.py NN.npz[,NN2.npz...] [CRF_MODEL_DIR] [--crf-only|--no-crf] < lines
(several NN models: their scores are averaged first; all must share the vocabulary of data/prep.pkl)
The CRF is read (read-only) from the shipped model in extract/ner/model; its features come from
in jiyi.extract.ner.features."""
import json, sys, time
import numpy as np
from jiyi.extract.ner import MODEL_DIR
from jiyi.extract.ner.features import Lexicon as CLex, Segmenter, featurise
from infer import Tagger
from feats import TAGS, spans

class CrfScorer:
    def __init__(self, d):
        meta = json.load(open(f"{d}/labels.json"))
        self.labels, self.templates = meta["labels"], tuple(meta["templates"])
        z = np.load(f"{d}/crf.npz")
        self.tables = {n: (z[f"{n}.keys"], z[f"{n}.weights"].astype(np.float32)) for n in self.templates}
        self.trans = z["transitions"].astype(np.float32)
        self.seg = Segmenter()
        self.lex = CLex()
        for line in open(f"{d}/lexicon.tsv", encoding="utf-8").read().splitlines():
            w, t = line.split("\t"); self.lex.add(w, t)
        self.perm = np.array([self.labels.index(t) for t in TAGS])

    def emissions(self, units):
        b = featurise(units, self.seg, self.lex, self.templates)
        n = b.keys.shape[1]
        em = np.zeros((n, len(self.labels)), np.float32)
        for t, name in enumerate(self.templates):
            keys, W = self.tables[name]
            q = b.keys[t]
            i = np.minimum(np.searchsorted(keys, q), len(keys) - 1)
            hit = keys[i] == q
            em[hit] += W[i[hit]]
        em = em[:, self.perm]
        return [em[s:s + l] for s, l in zip(b.starts, b.lengths)]

def main():
    nns = [Tagger(p) for p in sys.argv[1].split(",")]
    nn = nns[0]
    k = len(nns)
    nn.tr = sum(m.tr for m in nns) / k
    nn.st = sum(m.st for m in nns) / k
    nn.en = sum(m.en for m in nns) / k
    crf = CrfScorer(sys.argv[2] if len(sys.argv) > 2 and not sys.argv[2].startswith('--') else str(MODEL_DIR))
    w_nn = 0.0 if "--crf-only" in sys.argv else 1.0
    w_crf = 0.0 if "--no-crf" in sys.argv else 1.0
    if w_nn == 0.0:
        nn.tr, nn.st, nn.en = 0 * nn.tr + nn.w["crf_mask_t"], 0 * nn.st, 0 * nn.en
    nn.tr = nn.tr + w_crf * crf.trans[np.ix_(crf.perm, crf.perm)]
    lines = sys.stdin.read().split("\n")
    if lines and lines[-1] == "": lines.pop()
    c0 = time.process_time()
    out = [[] for _ in lines]
    idx = [i for i in sorted(range(len(lines)), key=lambda i: len(lines[i])) if lines[i]]
    for s in range(0, len(idx), 512):
        bi = idx[s:s + 512]
        ls = [lines[i] for i in bi]
        X = nn.fz.batch(ls)
        e1 = [sum(z) / k for z in zip(*[m.emissions(X) for m in nns])]
        e2 = crf.emissions(ls) if w_crf else [0.0] * len(ls)
        for i, p in zip(bi, nn.viterbi_batch([w_nn * a + w_crf * b for a, b in zip(e1, e2)])):
            out[i] = sorted(spans([TAGS[k] for k in p]))
    n = sum(map(len, lines)); dc = time.process_time() - c0
    sys.stderr.write(f"{n} chars cpu {dc:.2f}s = {n/dc:,.0f} chars/cpu-s\n")
    for r in out:
        sys.stdout.write(json.dumps({"entities": [{"start": a, "end": b, "type": t} for a, b, t in r]}) + "\n")

if __name__ == "__main__":
    main()
