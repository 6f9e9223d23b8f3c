"""numpy-only NER tagger: reads lines on stdin, prints {"entities": [...]} per line.

    python infer.py MODEL.npz [--batch 512] < text
export: python infer.py --export runs/a/best.pt runs/a/train-args.json OUT.npz  (needs torch)
"""
import json
import pickle
import sys
import time

import numpy as np

from feats import TAGS, FastFeaturizer, Lexicon, spans


def export(pt, out):
    import torch
    sd = torch.load(pt, map_location="cpu")
    arrs = {k.replace(".", "_"): v.numpy().astype(np.float32) for k, v in sd.items()}
    D = pickle.load(open("data/prep.pkl", "rb"))
    V = D["vocab"]
    lex = Lexicon()
    for line in open("data/lexicon.tsv", encoding="utf-8"):
        w, m = line.rstrip("\n").split("\t")
        lex.entries[w] = int(m)
    meta = json.dumps({"char": V["char"], "bigram": V["bigram"], "word": V["word"], "lexicon": lex.entries},
                      ensure_ascii=False)
    np.savez_compressed(out, meta=np.frombuffer(meta.encode(), np.uint8), **arrs)


def sigmoid(x):
    return 0.5 * (np.tanh(0.5 * x) + 1.0)


class Tagger:
    def __init__(self, path):
        z = np.load(path)
        self.w = {k: z[k] for k in z.files if k != "meta"}
        meta = json.loads(bytes(z["meta"]).decode())
        self.lex = Lexicon(meta["lexicon"])
        self.fz = FastFeaturizer({"char": meta["char"], "bigram": meta["bigram"], "word": meta["word"]}, self.lex)
        w = self.w
        self.H = w["lstm_weight_hh_l0"].shape[1]
        self.layers = sum(1 for k in w if k.startswith("lstm_weight_ih_l") and not k.endswith("reverse"))
        # CRF with BIOES constraints
        self.tr = w["crf_trans"] + w["crf_mask_t"]
        self.st = w["crf_start"] + w["crf_mask_s"]
        self.en = w["crf_end"] + w["crf_mask_e"]
        # Precompute per-table input projections for small tables (no effect on results)
        self.Wih = {}
        for l in range(self.layers):
            for sfx in ("", "_reverse"):
                self.Wih[(l, sfx)] = w[f"lstm_weight_ih_l{l}{sfx}"].T.copy()
        self.bias = {(l, s): w[f"lstm_bias_ih_l{l}{s}"] + w[f"lstm_bias_hh_l{l}{s}"]
                     for l in range(self.layers) for s in ("", "_reverse")}
        self.Whh = {(l, s): w[f"lstm_weight_hh_l{l}{s}"].T.copy() for l in range(self.layers) for s in ("", "_reverse")}

    def embed(self, X):
        w = self.w
        parts = [w["ch_weight"][X[:, 0]], w["bg_weight"][X[:, 1]], w["bg_weight"][X[:, 2]],
                 w["wd_weight"][X[:, 5]], w["shape_weight"][X[:, 3]], w["pos_weight"][X[:, 4]],
                 w["cls_weight"][X[:, 6]]]
        parts += [w[f"lex_{k}_weight"][X[:, 7 + k]] for k in range(3)]
        return np.concatenate(parts, 1)

    def lstm_dir(self, G, lens, l, sfx):
        """G: (B, L, 4H) input gates (already in processing order). returns (B, L, H)."""
        B, L, _ = G.shape
        H = self.H
        Whh = self.Whh[(l, sfx)]
        h = np.zeros((B, H), np.float32)
        c = np.zeros((B, H), np.float32)
        out = np.empty((B, L, H), np.float32)
        for t in range(L):
            g = G[:, t] + h @ Whh
            i = sigmoid(g[:, :H])
            f = sigmoid(g[:, H:2 * H])
            gg = np.tanh(g[:, 2 * H:3 * H])
            o = sigmoid(g[:, 3 * H:])
            c = f * c + i * gg
            h = o * np.tanh(c)
            out[:, t] = h
        return out

    def emissions(self, Xs):
        lens = np.array([len(x) for x in Xs])
        B, L = len(Xs), lens.max()
        flat = np.concatenate(Xs)
        E = self.embed(flat)
        # index arrays: forward order (padded with 0 -> row of flat) and reversed order
        fwd = np.zeros((B, L), np.int64)
        rev = np.zeros((B, L), np.int64)
        off = 0
        for b, n in enumerate(lens):
            fwd[b, :n] = np.arange(off, off + n)
            rev[b, :n] = np.arange(off + n - 1, off - 1, -1)
            fwd[b, n:] = off + n - 1
            rev[b, n:] = off
            off += n
        x = E
        for l in range(self.layers):
            Gf = x @ self.Wih[(l, "")] + self.bias[(l, "")]
            Gb = x @ self.Wih[(l, "_reverse")] + self.bias[(l, "_reverse")]
            hf = self.lstm_dir(Gf[fwd], lens, l, "")
            hb = self.lstm_dir(Gb[rev], lens, l, "_reverse")
            # back to flat order
            of = np.concatenate([hf[b, :n] for b, n in enumerate(lens)])
            ob = np.concatenate([hb[b, :n][::-1] for b, n in enumerate(lens)])
            x = np.concatenate([of, ob], 1)
        em = x @ self.w["out_weight"].T + self.w["out_bias"]
        res, off = [], 0
        for n in lens:
            res.append(em[off:off + n])
            off += n
        return res

    def viterbi_batch(self, ems):
        lens = np.array([len(e) for e in ems])
        B, L, n = len(ems), lens.max(), ems[0].shape[1]
        E = np.zeros((B, L, n), np.float32)
        for b, e in enumerate(ems):
            E[b, :len(e)] = e
        a = self.st + E[:, 0]
        bp = np.zeros((B, L, n), np.int64)
        for t in range(1, L):
            sc = a[:, :, None] + self.tr[None]
            bp[:, t] = sc.argmax(1)
            nxt = sc.max(1) + E[:, t]
            act = (t < lens)[:, None]
            a = np.where(act, nxt, a)
        a = a + self.en
        k = a.argmax(1)
        paths = []
        for b in range(B):
            kk = int(k[b])
            p = [kk]
            for t in range(lens[b] - 1, 0, -1):
                kk = int(bp[b, t, kk])
                p.append(kk)
            paths.append(p[::-1])
        return paths

    def tag2(self, lines, chunk=0, batch=512, min_len=2):
        """Two passes: names found in pass 1 (within chunks of `chunk` consecutive lines, or the
        whole input if 0) are added to the lexicon for pass 2."""
        base = self.lex
        first = self.tag(lines, batch)
        out = []
        step = chunk or max(1, len(lines))
        for s in range(0, len(lines), step):
            lx = Lexicon(base.entries)
            for i in range(s, min(len(lines), s + step)):
                for a, b, ty in first[i]:
                    lx.add(lines[i][a:b], ty) if b - a >= min_len else None
            self.fz.lex = lx
            out += self.tag(lines[s:s + step], batch)
        self.fz.lex = base
        return out

    def tag(self, lines, batch=512):
        out = [[] for _ in lines]
        idx = [i for i in sorted(range(len(lines)), key=lambda i: len(lines[i])) if lines[i]]
        for s in range(0, len(idx), batch):
            bi = idx[s:s + batch]
            Xs = self.fz.batch([lines[i] for i in bi])
            for i, p in zip(bi, self.viterbi_batch(self.emissions(Xs))):
                out[i] = sorted(spans([TAGS[k] for k in p]))
        return out


def main():
    if sys.argv[1] == "--export":
        export(sys.argv[2], sys.argv[3])
        return
    t = Tagger(sys.argv[1])
    two = [a for a in sys.argv if a.startswith("--two-pass")]
    lines = sys.stdin.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    t0, c0 = time.perf_counter(), time.process_time()
    res = t.tag2(lines, int(two[0].split("=")[1]) if "=" in two[0] else 0) if two else t.tag(lines)
    dt, dc = time.perf_counter() - t0, time.process_time() - c0
    n = sum(map(len, lines))
    sys.stderr.write(f"{n} chars: wall {dt:.2f}s = {n / dt:,.0f} chars/s; cpu {dc:.2f}s = {n / dc:,.0f} chars/cpu-s (tagging only)\n")
    w = sys.stdout.write
    for r in res:
        w(json.dumps({"entities": [{"start": s, "end": e, "type": ty} for s, e, ty in r]}) + "\n")


if __name__ == "__main__":
    main()
