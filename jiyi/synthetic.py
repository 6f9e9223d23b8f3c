"""Synthetic workspaces for the benchmarks: a catalogue of N records made of real Chinese sentences.

Used by `jiyi bench scale` (jiyi/bench_scale.py) and benchmarks/app_render.py. A workspace is

    jiyi.toml                 WORKSPACE_TOML: one catalogue, one theme, no facsimile pages
    sources/catalogue.csv     档号, 题名, 责任者, 日期, 全宗, 开放状态, 摘要 — one row per record
    curation/dictionary.txt   the demo's dictionary of people, places and bodies

Each row: an id BENCH-0000000…, a title made of a 文种 and the start of a sentence, a body as
责任者, a date between 1900 and 2024, one of 30 fonds, 10% restricted (控制), and an abstract:
a sentence naming people, places and bodies drawn with a skew (a few names are in many records,
as in a real archive), then two to five real sentences.

The sentences come from two sources, when ../shared/data/ is beside the repository:
- "regulations": the 14 laws and regulations of ../shared/data/texts/ (archival, legal prose);
- "ner corpus": the sentences of the NER corpora in ../shared/data/ner/ (MSRA and People's
  Daily, news prose full of people, places and organisations).
Each sentence is drawn from one of the two sources at even odds, so the small regulations pool
is not drowned by the 50,000 corpus sentences. Without ../shared (an installed package), the
demo's copy of the regulations is the only source.

The same seed gives the same file, byte for byte. Rows are written one at a time (memory stays
flat at 10^6 records) under a temporary name, renamed into place when complete.
"""

from __future__ import annotations

import csv
import random
import shutil
from functools import lru_cache
from pathlib import Path

from jiyi.model import atomic_writer

PACKAGE_DIR = Path(__file__).resolve().parent
DEMO_DICTIONARY = PACKAGE_DIR / "demo" / "curation" / "dictionary.txt"
CSV_HEADER = ["档号", "题名", "责任者", "日期", "全宗", "开放状态", "摘要"]
FONDS = [f"第{n}号全宗" for n in range(1, 31)]
# Sentences shorter than this say too little to be an abstract; longer ones are rare run-on lines.
SHORTEST, LONGEST = 8, 200

WORKSPACE_TOML = """\
[project]
name = "记忆 Jiyi 基准 · {count:,} synthetic records"

[[catalogue]]
file = "sources/catalogue.csv"
record_set = "bench"
label_zh = "合成档案"
label_en = "Synthetic records"

[catalogue.columns]
id = "档号"
title = "题名"
creator = "责任者"
date = "日期"
fonds = "全宗"
access = "开放状态"
abstract = "摘要"

[images]
# Off: drawing a facsimile page for each of {count:,} records would take hours; the app pages do not need them.
render_facsimiles = false

[extract]
dictionaries = ["curation/dictionary.txt"]

[[theme]]
name = "bench"
label_zh = "合成档案"
label_en = "Synthetic records"
record_sets = ["bench"]
"""


def shared_ner_dir() -> Path:
    """../shared/data/ner, found beside the repository the same way search/bench.py finds ../shared/data/texts."""
    from jiyi.search.bench import SHARED_TEXTS

    return SHARED_TEXTS.parent / "ner"


def corpus_sentences(folder: Path) -> list[str]:
    """The sentences of the BIO corpora in `folder`: one character and its tag per line, a blank line between sentences.

    The MSRA file separates character and tag by a tab, the People's Daily file by a space; only the character is
    kept. Files are read in name order, so the list is the same on every machine.
    """
    found = []
    for path in sorted(folder.glob("*.bio.*")):
        characters: list[str] = []
        with open(path, encoding="utf-8") as lines:
            for line in lines:
                line = line.rstrip("\n")
                if line.strip():
                    characters.append(line[0])
                    continue
                _keep(found, "".join(characters))
                characters = []
        _keep(found, "".join(characters))  # the last sentence, when the file does not end with a blank line
    return found


def _keep(found: list[str], sentence: str) -> None:
    sentence = sentence.strip()
    if SHORTEST <= len(sentence) <= LONGEST:
        found.append(sentence if sentence[-1] in "。！？" else sentence + "。")


@lru_cache(maxsize=4)
def sentence_pools(use_ner: bool = True) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(source name, sentences) for each source present: the regulations, then the NER corpus.

    Cached: the corpus takes a second or two to read, and a benchmark making several workspaces reads it once.
    Its ~52,000 sentences take some 15 MB, whatever the number of records.
    """
    from jiyi.search.bench import DEMO_TEXTS, SHARED_TEXTS, sentences

    pools = [("regulations", tuple(sentences(SHARED_TEXTS if SHARED_TEXTS.is_dir() else DEMO_TEXTS)))]
    ner_dir = shared_ner_dir()
    if use_ner and ner_dir.is_dir():
        corpus = corpus_sentences(ner_dir)
        if corpus:
            pools.append(("ner corpus", tuple(corpus)))
    return tuple(pools)


def describe_sources(use_ner: bool = True) -> str:
    """One line for a report: where the sentences come from and how many there are."""
    from jiyi.search.bench import SHARED_TEXTS

    parts = [f"{len(pool):,} sentences of the {name}" for name, pool in sentence_pools(use_ner)]
    if use_ner and not shared_ner_dir().is_dir():
        parts.append(f"no NER corpus ({shared_ner_dir()} is absent)")
    where = SHARED_TEXTS.parent if SHARED_TEXTS.is_dir() else "the demo's copy of the regulations"
    return f"{', '.join(parts)} (from {where})"


def _pick(rng: random.Random, pools: list[tuple[str, ...]]) -> str:
    # With one source, one draw: the file is then byte for byte what benchmarks/app_render.py wrote before the
    # NER corpus was added, so workspaces made earlier stay comparable.
    pool = pools[0] if len(pools) == 1 else rng.choice(pools)
    return rng.choice(pool)


def write_catalogue(folder: Path, count: int, seed: int = 7, use_ner: bool = True) -> Path:
    """Make a synthetic workspace of `count` records in `folder` (created if missing); return the CSV's path.

    `use_ner=False` draws from the regulations only (what benchmarks/app_render.py measured its figures on).
    """
    from jiyi.search.bench import ORGANISATIONS, PERSONS, PLACES, TYPES, skewed

    pools = [pool for _, pool in sentence_pools(use_ner)]
    rng = random.Random(seed)
    (folder / "sources").mkdir(parents=True, exist_ok=True)
    (folder / "curation").mkdir(exist_ok=True)
    # The demo's dictionary names the same people, places and bodies; extraction then finds them as the demo does.
    shutil.copy(DEMO_DICTIONARY, folder / "curation" / "dictionary.txt")
    with atomic_writer(folder / "jiyi.toml") as out:
        out.write(WORKSPACE_TOML.format(count=count))
    path = folder / "sources" / "catalogue.csv"
    with atomic_writer(path) as out:
        writer = csv.writer(out)
        writer.writerow(CSV_HEADER)
        for number in range(count):
            persons, places = skewed(rng, PERSONS, 4), skewed(rng, PLACES, 3)
            bodies = skewed(rng, ORGANISATIONS, 2)
            # A sentence that names them, so the records link to entities and to one another through them.
            names = ""
            if persons or places or bodies:
                names = "、".join(persons) + (f"在{'、'.join(places)}" if places else "") + \
                        (f"与{'、'.join(bodies)}" if bodies else "") + "商议此事。"
            year = rng.randint(1900, 2024)
            writer.writerow([
                f"BENCH-{number:07d}", rng.choice(TYPES) + "：" + _pick(rng, pools)[:28],
                rng.choice(ORGANISATIONS), f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                rng.choice(FONDS), "控制" if rng.random() < 0.1 else "开放",
                names + "".join(_pick(rng, pools) for _ in range(rng.randint(2, 5)))])
    return path
