"""One sentence per stdin line → one ``{"entities": [...]}`` JSON line on stdout (for score_ner.py).

    python3 ../shared/tools/score_ner.py CORPUS -- python -m jiyi.extract.ner.cli_stdin [--dict FILE]… [--no-dictionary-wins]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m jiyi.extract.ner.cli_stdin", description=__doc__)
    parser.add_argument("--dict", dest="dictionaries", type=Path, action="append", default=[],
                        help="a jieba-format user dictionary (word freq nr|ns|nt); repeatable")
    parser.add_argument("--no-dictionary-wins", action="store_true",
                        help="dictionaries act only as features; the model has the last word")
    parser.add_argument("--no-bundled-dictionary", action="store_true",
                        help="do not load the project's bundled archives dictionary")
    args = parser.parse_args(argv)
    from . import NerRecogniser

    recogniser = NerRecogniser(dictionaries=args.dictionaries, dictionary_wins=not args.no_dictionary_wins,
                               bundled_dictionary=not args.no_bundled_dictionary)
    lines = sys.stdin.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    out = sys.stdout
    for found in recogniser.tag_texts(lines):
        out.write(json.dumps({"entities": [{"start": s, "end": e, "type": t, "confidence": c}
                                           for s, e, t, c in found]}, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
