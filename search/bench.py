"""`jiyi bench search`: build a themed-database index over synthetic records, then time the query a reader makes.

Records are made of real sentences (the regulations in ../shared/data/texts/, or the
demo's copy of them when shared/ is absent): a title from one sentence, an abstract of
two to five, a date between 1900 and 2024, one of 30 fonds, three record sets, a 文种,
10% restricted, and people, places and bodies drawn with a skew (a few are in many
records). They stream through the real path — make_document (fold, jieba, pinyin) into
TantivyBackend.build — so the build rate is the stage's own.

The timed query is what the design asks of a themed database: a ranked top 20 for two
common words, filtered by a fonds and a year range, with six facet counts over every
match (type, person, place, organisation, fonds, year), snippets included.

    jiyi bench search [--records 1000000] [--queries 200] [--keep DIR]
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Iterator

import jiyi
from jiyi.model import AccessStatus, Record

from .documents import Tokenizer, make_document
from .index import SearchRequest, TantivyBackend

SHARED_TEXTS = Path(jiyi.__file__).resolve().parents[1].parent / "shared" / "data" / "texts"
DEMO_TEXTS = Path(jiyi.__file__).resolve().parent / "demo" / "sources" / "thematic"
FACETS = ["type", "person", "place", "organisation", "fonds", "year"]
PERSONS = "毛泽东 周恩来 朱德 刘少奇 邓小平 陈云 任弼时 彭德怀 贺龙 刘伯承 叶剑英 聂荣臻 徐向前 陈毅 罗荣桓 林伯渠 董必武 张闻天 博古 王稼祥 " \
          "瞿秋白 李大钊 陈独秀 蔡和森 方志敏 杨靖宇 赵一曼 左权 吴焕先 邓恩铭 王尽美 何叔衡 李达 陈潭秋 项英 叶挺 彭湃 恽代英 萧劲光 杨尚昆".split()
PLACES = "北京 上海 南京 延安 瑞金 遵义 井冈山 长沙 武汉 广州 重庆 西安 天津 沈阳 济南 杭州 福州 南昌 贵阳 昆明 成都 兰州 太原 石家庄 " \
         "郑州 合肥 南宁 哈尔滨 长春 乌鲁木齐 于都 会宁 吴起 泸定 懋功 哈达铺 腊子口 古田 临沂 韶关".split()
ORGANISATIONS = "中共中央 中央红军 中央革命军事委员会 红四方面军 八路军 新四军 国家档案局 全国人民代表大会 国务院 中央档案馆 " \
                "中华苏维埃共和国临时中央政府 陕甘宁边区政府 中国人民政治协商会议 中央人民政府 共产国际".split()
TYPES = "条例 决议 电报 报告 指示 命令 书信 宣言 纲领 史料 文件 讲话".split()


def sentences(folder: Path) -> list[str]:
    found = []
    for path in sorted(folder.glob("*.md")) + sorted(folder.glob("*.txt")):
        text = re.sub(r"<!--.*?-->|[#*>`|]", " ", path.read_text(encoding="utf-8"), flags=re.S)
        for piece in re.split(r"[。！？；\n]", text):
            piece = piece.strip()
            if 8 <= len(piece) <= 200:
                found.append(piece + "。")
    return found


def skewed(rng: random.Random, names: list[str], most: int) -> list[str]:
    """0 to `most` names, the first names far more often than the last (rank-based, Zipf-like)."""
    count = rng.randint(0, most)
    return list(dict.fromkeys(names[min(int(rng.paretovariate(1.0)) - 1, len(names) - 1)] for _ in range(count)))


def synthetic(count: int, pool: list[str], seed: int = 7) -> Iterator[tuple[Record, dict[str, list[str]]]]:
    rng = random.Random(seed)
    fonds = [f"第{n}号全宗" for n in range(1, 31)]
    for number in range(count):
        year = rng.randint(1900, 2024)
        record = Record(
            id=f"BENCH-{number:07d}", title=rng.choice(pool)[:30], record_set=rng.choice(["红色档案", "法规", "文书档案"]),
            access=AccessStatus.RESTRICTED if rng.random() < 0.1 else AccessStatus.OPEN,
            date=f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", fonds=rng.choice(fonds),
            abstract="".join(rng.choice(pool) for _ in range(rng.randint(2, 5))),
            extra={"文种": rng.choice(TYPES)})
        yield record, {"persons": skewed(rng, PERSONS, 4), "places": skewed(rng, PLACES, 3),
                       "organisations": skewed(rng, ORGANISATIONS, 2)}


def common_words(pool: list[str], tokenizer: Tokenizer, take: int = 40) -> list[str]:
    """Two-character words among the most frequent of the sentences: the hard case, they match many records."""
    counts = Counter(t for sentence in pool for t in set(tokenizer.index_tokens(sentence)) if len(t) == 2)
    return [word for word, _ in counts.most_common(take * 2)][take // 2:take // 2 + take]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="jiyi bench search")
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--keep", type=Path, default=None)
    args = parser.parse_args(argv)

    source = SHARED_TEXTS if SHARED_TEXTS.is_dir() else DEMO_TEXTS
    pool = sentences(source)
    tokenizer = Tokenizer()
    print(f"records          {args.records:,} synthetic, from {len(pool):,} sentences in {source}")

    workdir = Path(tempfile.mkdtemp(prefix="jiyi-bench-search-"))
    folder = args.keep or workdir / "index"
    if args.keep:
        shutil.rmtree(args.keep, ignore_errors=True)
    try:
        started = time.perf_counter()
        documents = (make_document(r, labels, tokenizer) for r, labels in synthetic(args.records, pool))
        count = TantivyBackend(folder).build(documents)
        build_seconds = time.perf_counter() - started
        size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
        print(f"index build      {build_seconds:.1f} s, {count / build_seconds:,.0f} records/s "
              "(fold, jieba search mode, pinyin, tantivy; one process)")
        print(f"index size       {size / 1e6:,.1f} MB on disk ({size / max(count, 1):,.0f} bytes per record)")

        backend = TantivyBackend(folder, FACETS, tokenizer)
        words = common_words(pool, tokenizer)
        rng = random.Random(11)
        fonds = [f"第{n}号全宗" for n in range(1, 31)]
        backend.query(SearchRequest(text=" ".join(words[:2])))  # open the index and warm the caches once
        latencies, totals = [], []
        for _ in range(args.queries):
            first, second = rng.sample(words, 2)
            start_year = rng.randint(1900, 1990)
            request = SearchRequest(text=f"{first} {second}", facets={"fonds": [rng.choice(fonds)]},
                                    year_from=start_year, year_to=start_year + 30, size=20)
            began = time.perf_counter()
            result = backend.query(request)
            latencies.append((time.perf_counter() - began) * 1000)
            totals.append(result.total)
        unfiltered = [backend.query(SearchRequest(text=" ".join(rng.sample(words, 2)))).total for _ in range(20)]
        latencies.sort()
        p95 = latencies[min(len(latencies) - 1, int(round(0.95 * len(latencies))) - 1)]
        print(f"query            ranked top 20, two words, fonds + year-range filters, {len(FACETS)} facet counts, snippets; "
              f"{args.queries} queries")
        print(f"query p50        {statistics.median(latencies):.1f} ms")
        print(f"query p95        {p95:.1f} ms")
        print(f"query max        {latencies[-1]:.1f} ms")
        print(f"matches          median {statistics.median(totals):,.0f} per query with the filters; "
              f"{statistics.median(unfiltered):,.0f} for the two words alone")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0
