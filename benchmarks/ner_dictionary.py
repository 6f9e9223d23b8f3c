"""Do users' dictionaries change what the NER model finds? Features only vs. dictionary wins.

    python benchmarks/ner_dictionary.py [--share 0.5]

Takes the held-out tail of the MSRA corpus (the last 10%, never trained on), collects
its entities that the shipped training lexicon does not hold ("unseen"), and writes a
share of them to a user dictionary in jieba format (nr/ns/nt). Then scores the tail
with no dictionary, with the dictionary as features only, and with dictionary-wins,
printing micro-F1 and the recall of the dictionary's entities.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "data" / "ner" / "msra_train.bio.tsv"
TAGS = {"PER": "nr", "LOC": "ns", "ORG": "nt"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--share", type=float, default=0.5)
    args = parser.parse_args(argv)
    from jiyi.extract.ner import MODEL_DIR
    from jiyi.extract.ner.model import Tagger
    from jiyi.extract.ner.score import read_bio, score, spans

    sents = read_bio(args.corpus)
    tail = sents[-len(sents) // 10:]
    known = {tuple(line.split("\t")) for line in (MODEL_DIR / "lexicon.tsv").read_text(encoding="utf-8").splitlines()}
    known_words = {w for w, _ in known}
    unseen = sorted({(t[s:e], typ) for t, tags in tail for s, e, typ in spans(tags)
                     if t[s:e] not in known_words and e - s >= 2})
    random.Random(7).shuffle(unseen)
    chosen = unseen[: int(len(unseen) * args.share)]
    with tempfile.TemporaryDirectory() as tmp:
        dictionary = Path(tmp) / "user.txt"
        dictionary.write_text("".join(f"{w} 10 {TAGS[t]}\n" for w, t in chosen), encoding="utf-8")
        gold = [spans(tags) for _, tags in tail]
        texts = [t for t, _ in tail]
        print(f"{len(tail)} held-out sentences; {len(unseen)} unseen entity strings; {len(chosen)} in the dictionary")
        for label, tagger in (("no dictionary", Tagger()),
                              ("dictionary as features", Tagger(dictionaries=[dictionary])),
                              ("dictionary wins", Tagger(dictionaries=[dictionary], dictionary_wins=True))):
            pred = [{(s, e, t) for s, e, t, _ in p} for p in tagger.tag_texts(texts)]
            res = score(gold, pred)
            chosen_set = set(chosen)
            hit = sum(1 for t, g, p in zip(texts, gold, pred) for s in g if (t[s[0]:s[1]], s[2]) in chosen_set and s in p)
            total = sum(1 for t, g in zip(texts, gold) for s in g if (t[s[0]:s[1]], s[2]) in chosen_set)
            print(f"{label:24s} micro P={res['micro']['p']:.4f} R={res['micro']['r']:.4f} F1={res['micro']['f1']:.4f}"
                  f"   recall of dictionary entities {hit}/{total} = {hit / max(1, total):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
