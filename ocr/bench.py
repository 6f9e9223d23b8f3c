"""`jiyi bench ocr`: character error rate and pages a minute of each engine, and entity recall after OCR.

    jiyi bench ocr [--engines rapidocr,tesseract] [--pages 2] [--seed 2026] [--corpus BIO] [--results FILE]

Pages are rendered from known text (jiyi.ocr.specimens): the demo's laws, set horizontally
and vertically, in simplified and traditional characters, each clean and degraded (skew,
blur, low contrast, noise, JPEG; fixed seed). Every page is read twice by each engine:

- **detected**: as `jiyi ocr` reads it, nobody saying how the page is set (jiyi.ocr.read);
- **told** (the baseline): the engine run alone on the page as it is, as one would without Jiyi,
  told the page's direction and script: RapidOCR's detector and recogniser on the whole page (it
  has no vertical mode); Tesseract `chi_sim`/`chi_tra --psm 3`, or `chi_sim_vert`/`chi_tra_vert
  --psm 5` for a vertical page; for auto, RapidOCR on simplified pages and Tesseract on traditional.

The ratio of the two shows what detection costs in time and gains in accuracy. Entity
recall: sentences of a gold-annotated NER corpus (People's Daily) are rendered, read by the
default engine, and Jiyi's NER run on the true text and on what was read; recall is counted
against the corpus's own entities.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

from jiyi.ocr.specimens import character_error_rate, degrade, render_specimen, text_of_demo, to_traditional

DEMO_TEXTS = Path(__file__).resolve().parents[1] / "jiyi" / "demo" / "sources" / "thematic"
DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "data" / "ner" / "peoples_daily_dev.bio.txt"
LAYOUTS = [("horizontal", False), ("horizontal", True), ("vertical", False), ("vertical", True)]
TARGETS = {"clean": 0.01, "degraded": 0.02, "vertical": 0.03}  # issue 10, with the layout detected


def specimens(pages: int, seed: int, font: Path):
    """(layout name, condition, image, truth) for every page of the benchmark, the same for the same seed."""
    texts = sorted(DEMO_TEXTS.glob("*.md"))
    for layout_number, (direction, traditional) in enumerate(LAYOUTS):
        for page in range(pages):
            source = texts[(layout_number * pages + page) % len(texts)]
            text = text_of_demo(source)
            if traditional:
                text = to_traditional(text)
            image, lines = render_specimen(text, font, vertical=direction == "vertical", traditional=traditional)
            name = f"{direction}-{'traditional' if traditional else 'simplified'}"
            yield name, "clean", image, "\n".join(lines)
            yield name, "degraded", degrade(image, seed + layout_number * 100 + page), "\n".join(lines)


def read_detected(engine, recogniser, image) -> str:
    from jiyi.ocr.read import read_grey

    return read_grey(np.asarray(image.convert("L")), engine, recogniser).text


def read_told(engine, image, direction: str, script: str) -> str:
    """The baseline (module docstring): the engine alone, without Jiyi's detection, straightening or columns."""
    from jiyi.ocr.engines import CombinedEngine, RapidEngine

    if isinstance(engine, CombinedEngine):
        engine = engine.tesseract if script == "traditional" and engine.tesseract else engine.rapid
    if isinstance(engine, RapidEngine):
        found, _ = engine._ocr(np.asarray(image.convert("RGB")))
        return "\n".join(item[1] for item in found or [])
    model = ("chi_tra" if script == "traditional" else "chi_sim") + ("_vert" if direction == "vertical" else "")
    with tempfile.TemporaryDirectory(prefix="jiyi-ocr-") as folder:
        page = Path(folder) / "page.png"
        image.save(page)
        done = subprocess.run(["tesseract", str(page), "stdout", "-l", model,
                               "--psm", "5" if direction == "vertical" else "3"],
                              capture_output=True, text=True, check=True)
    return done.stdout


def measure_engines(engine_names: list[str], pages: int, seed: int, font: Path, progress) -> list[dict]:
    from jiyi.ocr.engines import engine_named, recogniser_for

    pages_list = list(specimens(pages, seed, font))
    rows = []
    for name in engine_names:
        engine = engine_named(name)
        recogniser = recogniser_for(engine)
        engine.read(np.full((64, 64), 255, dtype=np.uint8), "horizontal")  # load its models before timing
        recogniser.recognise([np.full((48, 96), 255, dtype=np.uint8)])
        for number, (layout, condition, image, truth) in enumerate(pages_list, start=1):
            started = time.perf_counter()
            detected = read_detected(engine, recogniser, image)
            detected_s = time.perf_counter() - started
            started = time.perf_counter()
            told = read_told(engine, image, *layout.split("-"))
            told_s = time.perf_counter() - started
            errors, length = character_error_rate(detected, truth)
            told_errors, _ = character_error_rate(told, truth)
            rows.append({"engine": name, "layout": layout, "condition": condition, "chars": length,
                         "errors": errors, "seconds": round(detected_s, 3),
                         "told_errors": told_errors, "told_seconds": round(told_s, 3)})
            progress(f"{name} {number}/{len(pages_list)} {layout} {condition}: CER {errors / length:.2%} "
                     f"(told {told_errors / length:.2%}), {detected_s:.1f} s")
    return rows


def summarise(rows: list[dict]) -> list[dict]:
    """Per engine, the groups the targets are set on: horizontal clean, horizontal degraded, vertical (both)."""
    groups = []
    for engine in dict.fromkeys(r["engine"] for r in rows):
        mine = [r for r in rows if r["engine"] == engine]
        for group, chosen in (("clean", [r for r in mine if r["layout"].startswith("horizontal")
                                         and r["condition"] == "clean"]),
                              ("degraded", [r for r in mine if r["layout"].startswith("horizontal")
                                            and r["condition"] == "degraded"]),
                              ("vertical", [r for r in mine if r["layout"].startswith("vertical")])):
            chars = sum(r["chars"] for r in chosen)
            seconds, told_seconds = sum(r["seconds"] for r in chosen), sum(r["told_seconds"] for r in chosen)
            groups.append({"engine": engine, "group": group, "pages": len(chosen), "chars": chars,
                           "cer": sum(r["errors"] for r in chosen) / chars,
                           "told_cer": sum(r["told_errors"] for r in chosen) / chars,
                           "pages_per_minute": 60 * len(chosen) / seconds,
                           "told_pages_per_minute": 60 * len(chosen) / told_seconds,
                           "target": TARGETS[group]})
    return groups


def entity_recall(corpus: Path, engine_name: str, font: Path, seed: int, pages: int, progress) -> list[dict]:
    """Recall of the corpus's own PER/LOC/ORG entities by Jiyi's NER, on the true text and after OCR."""
    from jiyi.extract.ner import NerRecogniser
    from jiyi.extract.ner.score import read_bio, spans
    from jiyi.ocr.engines import engine_named, recogniser_for

    engine = engine_named(engine_name)
    recogniser = recogniser_for(engine)
    ner = NerRecogniser(dictionaries=[])
    sentences = read_bio(corpus)
    rows, cursor = [], 0
    for direction in ("horizontal", "vertical"):
        for page in range(pages):
            # as many sentences as fill a page, one paragraph each; a page's truth is what was drawn
            chosen = []
            while sum(len(text) for text, _ in chosen) < 700:
                chosen.append(sentences[cursor % len(sentences)])
                cursor += 1
            image, lines = render_specimen("\n".join(text for text, _ in chosen), font, vertical=direction == "vertical")
            drawn = "".join(lines)
            gold = Counter()
            for text, tags in chosen:
                if text in drawn:  # sentences cut off at the page's end are left out of the gold
                    gold.update((kind, text[a:b]) for a, b, kind in spans(tags))
            for condition, shown in (("clean", image), ("degraded", degrade(image, seed + 500 + page))):
                read = read_detected(engine, recogniser, shown)
                truth = "\n".join(lines)
                found = {}
                for label, text in (("truth", truth), ("ocr", read)):
                    [tagged] = ner.tag_texts([text])
                    predicted = Counter((kind, text[a:b]) for a, b, kind, _ in tagged)
                    found[label] = sum((gold & predicted).values())
                total = sum(gold.values())
                rows.append({"layout": direction, "condition": condition, "gold": total,
                             "found_truth": found["truth"], "found_ocr": found["ocr"]})
                progress(f"entities {direction} {condition}: {found['truth']}/{total} on the true text, "
                         f"{found['ocr']}/{total} after OCR")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="jiyi bench ocr", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engines", default="auto,rapidocr,tesseract", help="comma list among auto, rapidocr, tesseract")
    parser.add_argument("--pages", type=int, default=2, help="pages per layout (4 layouts, each clean and degraded)")
    parser.add_argument("--seed", type=int, default=2026, help="seed of the degradations")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="a BIO NER corpus for entity recall")
    parser.add_argument("--entity-pages", type=int, default=2, help="pages per direction for entity recall; 0: skip")
    parser.add_argument("--results", type=Path, help="also write every page's figures here (JSON)")
    parser.add_argument("--quiet", action="store_true", help="no line per page")
    args = parser.parse_args(argv)

    from jiyi.iiif.facsimile import find_cjk_font

    font = find_cjk_font("")
    progress = (lambda line: None) if args.quiet else (lambda line: print(line, file=sys.stderr, flush=True))
    engines = [name.strip() for name in args.engines.split(",") if name.strip()]
    rows = measure_engines(engines, args.pages, args.seed, font, progress)
    groups = summarise(rows)
    print(f"{len(rows) // len(engines)} pages per engine ({args.pages} per layout × 4 layouts × clean/degraded), "
          f"seed {args.seed}; 'told' is the baseline: the engine alone, told the page's direction and script")
    print(f"{'engine':<10} {'pages':<9} {'n':>3} {'CER':>7} {'told':>7} {'target':>7} {'pages/min':>10} "
          f"{'told':>7} {'ratio':>6}")
    for g in groups:
        ok = "ok" if g["cer"] <= g["target"] else "MISSED"
        print(f"{g['engine']:<10} {g['group']:<9} {g['pages']:>3} {g['cer']:>7.2%} {g['told_cer']:>7.2%} "
              f"{'≤' + format(g['target'], '.0%'):>7} {g['pages_per_minute']:>10.1f} {g['told_pages_per_minute']:>7.1f} "
              f"{g['pages_per_minute'] / g['told_pages_per_minute']:>6.2f} {ok}")
    recall_rows = []
    if args.entity_pages and args.corpus.is_file():
        recall_rows = entity_recall(args.corpus, engines[0], font, args.seed, args.entity_pages, progress)
        gold = sum(r["gold"] for r in recall_rows)
        truth, ocr = sum(r["found_truth"] for r in recall_rows), sum(r["found_ocr"] for r in recall_rows)
        print(f"entity recall ({engines[0]}, {len(recall_rows)} pages of {args.corpus.name}): "
              f"{truth / gold:.1%} on the true text, {ocr / gold:.1%} after OCR "
              f"({(truth - ocr) / gold * 100:.1f} points lost; target ≤ 5)")
    elif args.entity_pages:
        print(f"entity recall skipped: {args.corpus} not found (pass --corpus with a BIO corpus)")
    if args.results:
        args.results.write_text(json.dumps({"pages": rows, "groups": groups, "entities": recall_rows},
                                           ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
