"""`jiyi bench ocr` reads rendered pages, prints CER and pages/min against the engine run alone, and entity recall."""

import json
import re
import subprocess
import sys
from pathlib import Path

JIYI = str(Path(sys.executable).parent / "jiyi")

# A small corpus in the BIO format of the People's Daily one: the benchmark repeats it to fill a page.
SENTENCES = [("毛泽东在延安会见了周恩来。", {"毛泽东": "PER", "延安": "LOC", "周恩来": "PER"}),
             ("中国共产党第七次全国代表大会在延安召开。", {"中国共产党": "ORG", "延安": "LOC"}),
             ("朱德从井冈山来到瑞金。", {"朱德": "PER", "井冈山": "LOC", "瑞金": "LOC"})]


def write_bio(path: Path) -> None:
    lines = []
    for text, entities in SENTENCES:
        tags = ["O"] * len(text)
        for name, kind in entities.items():
            start = text.index(name)
            tags[start:start + len(name)] = [f"B-{kind}"] + [f"I-{kind}"] * (len(name) - 1)
        lines += [f"{char}\t{tag}" for char, tag in zip(text, tags)] + [""]
    path.write_text("\n".join(lines), encoding="utf-8")


def test_bench_ocr_measures_each_group_against_the_engine_alone_and_entity_recall(tmp_path):
    corpus, results = tmp_path / "tiny.bio.txt", tmp_path / "results.json"
    write_bio(corpus)
    done = subprocess.run([JIYI, "bench", "ocr", "--engines", "rapidocr", "--pages", "1", "--entity-pages", "1",
                           "--corpus", str(corpus), "--results", str(results), "--quiet"],
                          capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stderr
    groups = re.findall(r"^rapidocr\s+(clean|degraded|vertical)\s+(\d+)\s+([\d.]+)%\s+([\d.]+)%.*?\s(ok|MISSED)$",
                        done.stdout, re.M)
    assert [g[0] for g in groups] == ["clean", "degraded", "vertical"]
    assert [int(g[1]) for g in groups] == [2, 2, 4]  # 1 page per layout, clean and degraded
    # RapidOCR alone reads a vertical page's columns as rows; with the layout detected it reads them as columns
    vertical = groups[2]
    assert float(vertical[2]) < 10 < float(vertical[3])
    recall = re.search(r"^entity recall \(rapidocr, 4 pages of tiny.bio.txt\): ([\d.]+)% on the true text, "
                       r"([\d.]+)% after OCR", done.stdout, re.M)
    # the NER model finds some of these names; after OCR of clean printed pages it finds about as many
    assert recall and float(recall[1]) > 20 and abs(float(recall[1]) - float(recall[2])) <= 10
    figures = json.loads(results.read_text(encoding="utf-8"))
    assert len(figures["pages"]) == 8 and all(page["chars"] > 300 for page in figures["pages"])
    assert {row["layout"] for row in figures["entities"]} == {"horizontal", "vertical"}
