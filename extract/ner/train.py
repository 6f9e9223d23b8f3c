"""Train the NER CRF from the shared MSRA corpus and export it for the fast tagger.

    python -m jiyi.extract.ner.train ../shared/data/ner/msra_train.bio.tsv extract/ner/model

The last ``dev_fraction`` of the corpus's sentences is held out for reporting. The
lexicon features of each training sentence come from the entities of the *other*
folds (contiguous blocks of the corpus), so the model learns how far a lexicon match
can be trusted for names it has not seen — which is what a user's dictionary is at
run time. The shipped lexicon holds every entity of the training split.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from jiyi.model import atomic_writer, write_json

from .features import ALL_TEMPLATES, TEMPLATES, TYPES, Lexicon, Segmenter, attribute_lists, featurise
from .score import format_scores, read_bio, score, spans

SHARED_PD_DEV = Path(__file__).resolve().parents[3] / "shared" / "data" / "ner" / "peoples_daily_dev.bio.txt"
# Seconds per L-BFGS iteration per (character × label), measured on the 2-core build machine.
SECONDS_PER_CHAR_LABEL_ITERATION = 1.7e-7


def entities(text: str, tags: list[str]) -> list[tuple[str, str]]:
    return [(text[s:e], t) for s, e, t in spans(tags)]


def to_scheme(tags: list[str], scheme: str) -> list[str]:
    if scheme == "BIO":
        return list(tags)
    out = list(tags)
    for s, e, t in spans(tags):
        if e - s == 1:
            out[s] = f"S-{t}"
        else:
            out[s], out[e - 1] = f"B-{t}", f"E-{t}"
            for i in range(s + 1, e - 1):
                out[i] = f"I-{t}"
    return out


def fold_lexicons(sents: list[tuple[str, list[str]]], folds: int) -> tuple[list[int], list[Lexicon]]:
    """Fold of each sentence (contiguous blocks) and a lexicon per fold built from the other folds."""
    size = -(-len(sents) // folds)
    fold_of = [i // size for i in range(len(sents))]
    per_fold = [Counter() for _ in range(folds)]
    for (text, tags), f in zip(sents, fold_of):
        per_fold[f].update(entities(text, tags))
    total = sum(per_fold, Counter())
    lexicons = []
    for f in range(folds):
        lex = Lexicon()
        for (word, typ), count in total.items():
            if count - per_fold[f][(word, typ)] > 0:
                lex.add(word, typ)
        lexicons.append(lex)
    return fold_of, lexicons


def evaluate(tagger, sents: list[tuple[str, list[str]]]) -> dict:
    pred = tagger.tag_texts([text for text, _ in sents])
    return score([spans(tags) for _, tags in sents], [set((s, e, t) for s, e, t, _ in p) for p in pred])


def train(corpus: Path, out_dir: Path, *, dev_fraction: float = 0.1, seconds_budget: float = 1200,
          max_iterations: int = 130, c1: float = 0.05, c2: float = 0.01, minfreq: int = 1,
          folds: int = 10, scheme: str = "BIOES", limit: int | None = None,
          templates: tuple[str, ...] = ALL_TEMPLATES,
          crfsuite_path: Path | None = None, pd_dev: Path | None = SHARED_PD_DEV,
          progress: bool = True) -> dict:
    """Train on ``corpus`` minus its held-out tail; write the model to ``out_dir``; return metrics."""
    import pycrfsuite

    from .model import CrfWeights, Tagger

    t_start = time.perf_counter()
    log = (lambda *a: print(*a, file=sys.stderr, flush=True)) if progress else (lambda *a: None)
    sents = read_bio(corpus)
    if limit:
        sents = sents[:limit]
    n_dev = int(round(len(sents) * dev_fraction))
    train_sents, dev_sents = sents[: len(sents) - n_dev], sents[len(sents) - n_dev:]
    log(f"{len(train_sents)} training sentences, {len(dev_sents)} held out")

    fold_of, lexicons = fold_lexicons(train_sents, folds)
    segmenter = Segmenter()

    class Trainer(pycrfsuite.Trainer):
        def message(self, s):
            if progress and ("Iteration" in s or "Loss" in s or "Seconds required" in s):
                sys.stderr.write(s)

    trainer = Trainer(verbose=False)
    chars = 0
    for f, lexicon in enumerate(lexicons):
        block = [s for s, fo in zip(train_sents, fold_of) if fo == f]
        if not block:
            continue
        batch = featurise([t for t, _ in block], segmenter, lexicon, templates)
        for xseq, (text, tags) in zip(attribute_lists(batch), block):
            trainer.append(xseq, to_scheme(tags, scheme))
            chars += len(text)
    n_labels = 1 + len(TYPES) * (2 if scheme == "BIO" else 4)
    per_iteration = SECONDS_PER_CHAR_LABEL_ITERATION * chars * n_labels
    iterations = max(10, min(max_iterations, int(seconds_budget / max(per_iteration, 1e-9))))
    log(f"features built in {time.perf_counter() - t_start:.0f} s; {chars:,} chars; "
        f"{iterations} iterations (≈{per_iteration:.2f} s each)")
    trainer.set_params({"c1": c1, "c2": c2, "max_iterations": iterations,
                        "feature.minfreq": minfreq, "feature.possible_transitions": True})
    workdir = tempfile.TemporaryDirectory()
    crf_file = Path(crfsuite_path) if crfsuite_path else Path(workdir.name) / "ner.crfsuite"
    t_fit = time.perf_counter()
    trainer.train(str(crf_file))
    fit_seconds = time.perf_counter() - t_fit

    tagger = pycrfsuite.Tagger()
    tagger.open(str(crf_file))
    info = tagger.info()
    weights = CrfWeights.from_state_features(tagger.labels(), info.state_features, info.transitions,
                                             templates)
    tagger.close()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    weights.save(out_dir)
    full = Lexicon()
    for text, tags in train_sents:
        for word, typ in entities(text, tags):
            full.add(word, typ)
    with atomic_writer(out_dir / "lexicon.tsv") as out:
        out.write("".join(f"{w}\t{TYPES[t]}\n" for w, m in sorted(full.entries.items()) for t in range(3) if m >> t & 1))
    workdir.cleanup()

    model = Tagger(out_dir)
    metrics = {
        "train_sentences": len(train_sents), "dev_sentences": len(dev_sents), "train_chars": chars,
        "iterations": iterations, "fit_seconds": round(fit_seconds, 1),
        "state_features": len(info.state_features),
        "model_bytes": sum(p.stat().st_size for p in out_dir.iterdir() if p.is_file()),
        "params": {"c1": c1, "c2": c2, "minfreq": minfreq, "folds": folds, "scheme": scheme,
                   "templates": list(templates)},
    }
    if dev_sents:
        metrics["msra_dev"] = evaluate(model, dev_sents)
        log("held-out MSRA dev:\n" + format_scores(metrics["msra_dev"]))
    if pd_dev and Path(pd_dev).exists():
        metrics["peoples_daily_dev"] = evaluate(model, read_bio(pd_dev))
        log("People's Daily dev:\n" + format_scores(metrics["peoples_daily_dev"]))
    metrics["seconds"] = round(time.perf_counter() - t_start, 1)
    write_json(out_dir / "metrics.json", metrics)
    return metrics


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m jiyi.extract.ner.train", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", type=Path, help="BIO corpus (char<TAB>tag per line)")
    parser.add_argument("out_dir", type=Path, help="where the model files go (extract/ner/model)")
    parser.add_argument("--dev-fraction", type=float, default=0.1)
    parser.add_argument("--seconds-budget", type=float, default=1200)
    parser.add_argument("--max-iterations", type=int, default=130)
    parser.add_argument("--c1", type=float, default=0.05)
    parser.add_argument("--c2", type=float, default=0.01)
    parser.add_argument("--minfreq", type=int, default=1)
    parser.add_argument("--folds", type=int, default=10)
    parser.add_argument("--scheme", choices=["BIO", "BIOES"], default="BIOES")
    parser.add_argument("--templates", choices=["base", "wide"], default="wide",
                        help="feature templates: base, or wide (adds ±3 context and neighbouring POS)")
    parser.add_argument("--limit", type=int, default=None, help="use only the first N sentences")
    parser.add_argument("--crfsuite", type=Path, default=None, help="keep crfsuite's model file here")
    args = parser.parse_args(argv)
    metrics = train(args.corpus, args.out_dir, dev_fraction=args.dev_fraction,
                    seconds_budget=args.seconds_budget, max_iterations=args.max_iterations,
                    c1=args.c1, c2=args.c2, minfreq=args.minfreq, folds=args.folds, scheme=args.scheme,
                    limit=args.limit, crfsuite_path=args.crfsuite,
                    templates=TEMPLATES if args.templates == "base" else ALL_TEMPLATES)
    print(json.dumps({k: v for k, v in metrics.items()}, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
