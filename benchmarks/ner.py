"""NER speed against jieba.posseg, same text, same process — the same as `jiyi bench ner`.

    .venv/bin/python benchmarks/ner.py [--chars 1000000]
"""

import sys

from jiyi.extract.ner.bench import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
