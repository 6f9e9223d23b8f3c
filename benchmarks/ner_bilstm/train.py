"""BiLSTM-CRF over char/bigram/jieba/lexicon features. Trains on the train part minus an inner
dev tail (for epoch selection); logs inner-dev and held-out F1 after every epoch."""
import argparse
import json
import os
import pickle
import random
import time

import numpy as np
import torch
import torch.nn as nn

from feats import TAGS, TYPES, spans

torch.set_num_threads(1)
p = argparse.ArgumentParser()
p.add_argument("--out", default="runs/a")
p.add_argument("--epochs", type=int, default=30)
p.add_argument("--hidden", type=int, default=200)
p.add_argument("--layers", type=int, default=1)
p.add_argument("--char_dim", type=int, default=100)
p.add_argument("--bigram_dim", type=int, default=50)
p.add_argument("--word_dim", type=int, default=32)
p.add_argument("--lr", type=float, default=2e-3)
p.add_argument("--batch", type=int, default=32)
p.add_argument("--drop", type=float, default=0.5)
p.add_argument("--unk_p", type=float, default=0.0, help="replace char/bigram/word id with UNK")
p.add_argument("--inner_dev", type=int, default=2000)
p.add_argument("--no_word", action="store_true")
p.add_argument("--no_lex", action="store_true")
p.add_argument("--seed", type=int, default=1)
p.add_argument("--time_budget", type=float, default=1e9, help="stop after this many seconds")
p.add_argument("--init", default="", help="npz with pretrained char/bigram embeddings")
args = p.parse_args()
os.makedirs(args.out, exist_ok=True)
random.seed(args.seed)
np.random.seed(args.seed)
torch.manual_seed(args.seed)

D = pickle.load(open("data/prep.pkl", "rb"))
V = D["vocab"]
n_in = len(D["Xtr"]) - args.inner_dev
tr = list(zip(D["Xtr"][:n_in], D["Ytr"][:n_in]))
dv = list(zip(D["Xtr"][n_in:], D["Ytr"][n_in:]))
he = list(zip(D["Xhe"], D["Yhe"]))
NT = len(TAGS)


def allowed():
    A = np.ones((NT + 2, NT + 2), bool)  # extra: START=NT, END=NT+1
    for i, a in enumerate(TAGS + ["<s>", "</s>"]):
        for j, b in enumerate(TAGS + ["<s>", "</s>"]):
            if b == "<s>" or a == "</s>":
                A[i, j] = False
                continue
            a_open = a[:2] in ("B-", "I-")
            if a_open:
                A[i, j] = b[:2] in ("I-", "E-") and b[2:] == a[2:]
            else:
                A[i, j] = not (b[:2] in ("I-", "E-"))
    return A


class CRF(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.trans = nn.Parameter(torch.zeros(n, n))
        self.start = nn.Parameter(torch.zeros(n))
        self.end = nn.Parameter(torch.zeros(n))
        A = allowed()
        self.register_buffer("mask_t", torch.tensor(np.where(A[:n, :n], 0.0, -1e4), dtype=torch.float32))
        self.register_buffer("mask_s", torch.tensor(np.where(A[n, :n], 0.0, -1e4), dtype=torch.float32))
        self.register_buffer("mask_e", torch.tensor(np.where(A[:n, n + 1], 0.0, -1e4), dtype=torch.float32))

    def T(self):
        return self.trans + self.mask_t, self.start + self.mask_s, self.end + self.mask_e

    def nll(self, em, y, mask):  # em (B,L,n), y (B,L), mask (B,L) bool
        tr, st, en = self.T()
        B, L, n = em.shape
        # gold score
        s = st[y[:, 0]] + em[:, 0].gather(1, y[:, :1]).squeeze(1)
        for t in range(1, L):
            m = mask[:, t]
            s = s + m * (tr[y[:, t - 1], y[:, t]] + em[:, t].gather(1, y[:, t:t + 1]).squeeze(1))
        lens = mask.sum(1)
        last = y.gather(1, (lens - 1).unsqueeze(1)).squeeze(1)
        s = s + en[last]
        # partition
        a = st + em[:, 0]
        for t in range(1, L):
            nxt = torch.logsumexp(a.unsqueeze(2) + tr.unsqueeze(0), 1) + em[:, t]
            a = torch.where(mask[:, t:t + 1], nxt, a)
        z = torch.logsumexp(a + en, 1)
        return (z - s).sum()

    @torch.no_grad()
    def decode(self, em, lens):
        tr, st, en = self.T()
        em = em.numpy()
        tr, st, en = tr.numpy(), st.numpy(), en.numpy()
        out = []
        for b in range(em.shape[0]):
            L = int(lens[b])
            e = em[b, :L]
            a = st + e[0]
            bp = np.zeros((L, e.shape[1]), np.int64)
            for t in range(1, L):
                sc = a[:, None] + tr
                bp[t] = sc.argmax(0)
                a = sc.max(0) + e[t]
            a = a + en
            k = int(a.argmax())
            path = [k]
            for t in range(L - 1, 0, -1):
                k = int(bp[t, k])
                path.append(k)
            out.append(path[::-1])
        return out


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        a = args
        self.ch = nn.Embedding(len(V["char"]) + 2, a.char_dim, padding_idx=0)
        self.bg = nn.Embedding(len(V["bigram"]) + 2, a.bigram_dim, padding_idx=0)
        self.wd = nn.Embedding(len(V["word"]) + 2, a.word_dim, padding_idx=0)
        self.shape = nn.Embedding(64, 16)
        self.pos = nn.Embedding(64 * 4, 16)
        self.cls = nn.Embedding(8, 8)
        self.lex = nn.ModuleList([nn.Embedding(8, 8) for _ in range(3)])
        d = a.char_dim + 2 * a.bigram_dim + a.word_dim + 16 + 16 + 8 + 24
        self.drop = nn.Dropout(a.drop)
        self.lstm = nn.LSTM(d, a.hidden, num_layers=a.layers, bidirectional=True, batch_first=True,
                            dropout=0.3 if a.layers > 1 else 0.0)
        self.out = nn.Linear(2 * a.hidden, NT)
        self.crf = CRF(NT)

    def emissions(self, X, lens):
        parts = [self.ch(X[..., 0]), self.bg(X[..., 1]), self.bg(X[..., 2]),
                 self.wd(X[..., 5]) * (0.0 if args.no_word else 1.0),
                 self.shape(X[..., 3]), self.pos(X[..., 4]), self.cls(X[..., 6])]
        parts += [self.lex[k](X[..., 7 + k]) * (0.0 if args.no_lex else 1.0) for k in range(3)]
        h = self.drop(torch.cat(parts, -1))
        packed = nn.utils.rnn.pack_padded_sequence(h, lens, batch_first=True, enforce_sorted=False)
        o, _ = self.lstm(packed)
        o, _ = nn.utils.rnn.pad_packed_sequence(o, batch_first=True, total_length=X.shape[1])
        return self.out(self.drop(o))


def batchify(items, bs, shuffle):
    idx = sorted(range(len(items)), key=lambda i: len(items[i][1]))
    batches = [idx[i:i + bs] for i in range(0, len(idx), bs)]
    if shuffle:
        random.shuffle(batches)
    for b in batches:
        L = max(len(items[i][1]) for i in b)
        X = np.zeros((len(b), L, 10), np.int64)
        Y = np.zeros((len(b), L), np.int64)
        for k, i in enumerate(b):
            x, y = items[i]
            X[k, :len(y)] = x
            Y[k, :len(y)] = y
        yield b, torch.from_numpy(X), torch.from_numpy(Y), torch.tensor([len(items[i][1]) for i in b])


def evaluate(model, items):
    model.eval()
    preds = [None] * len(items)
    with torch.no_grad():
        for b, X, Y, lens in batchify(items, 256, False):
            em = model.emissions(X, lens)
            for i, path in zip(b, model.crf.decode(em, lens)):
                preds[i] = path
    model.train()
    return score(items, preds), preds


def score(items, preds):
    c = {t: [0, 0, 0] for t in TYPES}
    for (x, y), pth in zip(items, preds):
        g = spans([TAGS[k] for k in y])
        pr = spans([TAGS[k] for k in pth])
        for t in TYPES:
            gg = {s for s in g if s[2] == t}
            pp = {s for s in pr if s[2] == t}
            c[t][0] += len(gg & pp)
            c[t][1] += len(pp - gg)
            c[t][2] += len(gg - pp)
    f = lambda tp, fp, fn: 2 * tp / max(1, 2 * tp + fp + fn)
    res = {t: round(f(*v), 4) for t, v in c.items()}
    tp, fp, fn = (sum(v[i] for v in c.values()) for i in range(3))
    res.update(P=round(tp / max(1, tp + fp), 4), R=round(tp / max(1, tp + fn), 4), F1=round(f(tp, fp, fn), 4))
    return res


model = Net()
if args.init:
    E = np.load(args.init)
    with torch.no_grad():
        if "char" in E:
            model.ch.weight.copy_(torch.from_numpy(E["char"]))
        if "bigram" in E:
            model.bg.weight.copy_(torch.from_numpy(E["bigram"]))
    print("init from", args.init)
opt = torch.optim.Adam(model.parameters(), lr=args.lr)
sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda e: 1.0 / (1 + 0.05 * e))
print(sum(p.numel() for p in model.parameters()), "params", flush=True)
best = -1
t_start = time.time()
log = open(os.path.join(args.out, "log.jsonl"), "a")
for ep in range(1, args.epochs + 1):
    t0 = time.time()
    tot = 0.0
    nb = 0
    for b, X, Y, lens in batchify(tr, args.batch, True):
        if args.unk_p > 0:
            for col in (0, 1, 2, 5):
                r = torch.rand(X.shape[:2]) < args.unk_p
                X[..., col] = torch.where(r & (X[..., col] > 0), torch.ones_like(X[..., col]), X[..., col])
        mask = torch.arange(X.shape[1])[None, :] < lens[:, None]
        em = model.emissions(X, lens)
        loss = model.crf.nll(em, Y, mask) / len(b)
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        tot += loss.item()
        nb += 1
        if nb % 200 == 0:
            print(f"  ep{ep} batch {nb} loss {tot / nb:.3f} {time.time() - t0:.0f}s", flush=True)
    sched.step()
    t_ep = time.time() - t0
    d, _ = evaluate(model, dv)
    h, _ = evaluate(model, he)
    rec = dict(epoch=ep, loss=round(tot / nb, 4), train_s=round(t_ep, 1), eval_s=round(time.time() - t0 - t_ep, 1),
               dev=d, held=h)
    print(json.dumps(rec), flush=True)
    log.write(json.dumps(rec) + "\n")
    log.flush()
    torch.save(model.state_dict(), os.path.join(args.out, f"ep{ep}.pt"))
    if d["F1"] > best:
        best = d["F1"]
        torch.save(model.state_dict(), os.path.join(args.out, "best.pt"))
        json.dump(dict(vars(args), best_epoch=ep, dev=d, held=h), open(os.path.join(args.out, "best.json"), "w"))
    if time.time() - t_start > args.time_budget:
        break
