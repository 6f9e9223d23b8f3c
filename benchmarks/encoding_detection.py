"""Measure encoding detection on snippets of the shared regulation texts (a tool, not a test).

Run: .venv/bin/python benchmarks/encoding_detection.py  (needs opencc-python-reimplemented;
charset-normalizer is compared when installed).
"""

import os
import random
import sys
import time
from pathlib import Path

from opencc import OpenCC

from jiyi.ingest.encoding import UndecodableError, decode_bytes

TEXTS = Path(__file__).resolve().parents[2] / "shared" / "data" / "texts"
TO_TRADITIONAL = OpenCC("s2tw")  # Taiwan forms: the ones Big5 can encode


def detectors():
    found = {"jiyi": lambda data: decode_bytes(data).text}
    try:
        from charset_normalizer import from_bytes

        def normalizer(data):
            best = from_bytes(data).best()
            return str(best) if best else None

        found["charset-normalizer"] = normalizer
    except ImportError:
        pass
    return found


def main(samples: int = 300) -> None:
    corpus = "".join(p.read_text(encoding="utf-8") for p in sorted(TEXTS.glob("*.md")))
    corpus = corpus.replace("\n", "")  # snippets of running text, not of blank lines
    rng = random.Random(7)
    found = detectors()
    for length in (5, 10, 20, 50, 200):
        for encoding in ("gb18030", "big5", "utf-16-le", "utf-16-be"):
            hits = dict.fromkeys(found, 0)
            seconds = dict.fromkeys(found, 0.0)
            tried = 0
            while tried < samples:
                start = rng.randrange(len(corpus) - length)
                text = corpus[start : start + length]
                if encoding == "big5":
                    text = TO_TRADITIONAL.convert(text)
                try:
                    data = text.encode(encoding)
                except UnicodeEncodeError:
                    continue
                tried += 1
                for name, detect in found.items():
                    began = time.perf_counter()
                    try:
                        hits[name] += detect(data) == text
                    except UndecodableError:
                        pass
                    seconds[name] += time.perf_counter() - began
            line = "  ".join(f"{n} {hits[n] / tried:6.1%} ({seconds[n] / tried * 1e3:.2f} ms)" for n in found)
            print(f"{length:4d} chars {encoding:10s} {line}")
    refused = 0
    for _ in range(samples):
        try:
            decode_bytes(os.urandom(rng.choice((64, 512, 4096))))
        except UndecodableError:
            refused += 1
    print(f"random bytes refused by jiyi: {refused / samples:.1%}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
