"""NER speed: chars/s of NerRecogniser.tag_texts against jieba.posseg on the same text, same process.

    jiyi bench ner [--chars 1000000] [--corpus ../shared/data/ner/peoples_daily_dev.bio.txt]

The text is the corpus's sentences concatenated and repeated to at least --chars
characters, given to both as one string. Timing runs have no memory tracing; peak
memory is measured in a second, untimed pass of each with tracemalloc (Python and
numpy allocations), and the process's peak resident size is printed as well.
"""

from __future__ import annotations

import argparse
import logging
import resource
import sys
import time
import tracemalloc
from pathlib import Path

# In a checkout the shared reference data sits beside the repository.
DEFAULT_CORPUS = Path(__file__).resolve().parents[3] / "shared" / "data" / "ner" / "peoples_daily_dev.bio.txt"


def corpus_text(path: Path, chars: int) -> str:
    from jiyi.extract.ner.score import read_bio

    base = "".join(text for text, _ in read_bio(path))
    return base * max(1, -(-chars // len(base)))


def timed(fn, *args) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t0, out


def peak_bytes(fn, *args) -> int:
    tracemalloc.start()
    fn(*args)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="jiyi bench ner", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--chars", type=int, default=1_000_000)
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc passes")
    args = parser.parse_args(argv)
    if not args.corpus.exists():
        print(f"E701 {args.corpus} not found: pass --corpus with a BIO corpus (char and tag per line)")
        return 1

    import jieba
    import jieba.posseg

    from jiyi.extract.ner import NerRecogniser

    jieba.setLogLevel(logging.WARNING)
    text = corpus_text(args.corpus, args.chars)
    load_s, recogniser = timed(lambda: NerRecogniser(dictionaries=[]))
    jieba.initialize()
    recogniser.tag_texts([text[:10_000]])  # warm-up
    list(jieba.posseg.cut(text[:10_000]))

    posseg = lambda t: [(p.word, p.flag) for p in jieba.posseg.cut(t)]
    ours_s, found = timed(recogniser.tag_texts, [text])
    pos_s, _ = timed(posseg, text)
    n = len(text)
    print(f"text: {n:,} chars ({args.corpus.name} repeated); model loaded in {load_s:.2f} s")
    print(f"ner   : {n / ours_s:12,.0f} chars/s  ({ours_s:.2f} s, {len(found[0]):,} entities)")
    print(f"posseg: {n / pos_s:12,.0f} chars/s  ({pos_s:.2f} s)")
    print(f"ratio ner/posseg: {pos_s / ours_s:.2f}")
    if not args.no_memory:
        ours_peak = peak_bytes(recogniser.tag_texts, [text])
        pos_peak = peak_bytes(posseg, text)
        print(f"peak traced memory: ner {ours_peak / 2**20:.0f} MiB, posseg {pos_peak / 2**20:.0f} MiB")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak resident size: {rss:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
