"""Build feature arrays: train part (out-of-fold lexicon, 10 contiguous folds) and held-out
(lexicon of all training-split entities). Writes data/prep.pkl and data/heldout.bio."""
import os
import pickle
import time

import numpy as np

from feats import TAG_ID, Featurizer, bioes, build_vocab, fold_lexicons, split

t0 = time.time()
os.makedirs("data", exist_ok=True)
train, held = split()
print(len(train), len(held))
with open("data/heldout.bio", "w", encoding="utf-8") as f:
    for text, tags in held:
        for c, t in zip(text, tags):
            f.write(f"{c}\t{t}\n")
        f.write("\n")
fold_of, lexs, full = fold_lexicons(train)
with open("data/lexicon.tsv", "w", encoding="utf-8") as f:
    for w, m in sorted(full.entries.items()):
        f.write(f"{w}\t{m}\n")
fz = Featurizer()
raw_tr = [fz.raw(t, lexs[fo]) for (t, _), fo in zip(train, fold_of)]
print("train raw", time.time() - t0)
raw_he = [fz.raw(t, full) for t, _ in held]
vocab = build_vocab(raw_tr)
fz.vocab = vocab
print({k: len(v) for k, v in vocab.items()})
Xtr = [fz.ids(r) for r in raw_tr]
Xhe = [fz.ids(r) for r in raw_he]
Ytr = [np.array([TAG_ID[t] for t in bioes(tags)]) for _, tags in train]
Yhe = [np.array([TAG_ID[t] for t in bioes(tags)]) for _, tags in held]
with open("data/prep.pkl", "wb") as f:
    pickle.dump(dict(vocab=vocab, Xtr=Xtr, Ytr=Ytr, Xhe=Xhe, Yhe=Yhe,
                     text_tr=[t for t, _ in train], text_he=[t for t, _ in held],
                     tags_tr=[g for _, g in train], tags_he=[g for _, g in held]), f)
print("done", time.time() - t0)
