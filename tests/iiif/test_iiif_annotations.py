"""Annotation pages and Ranges: the facsimile layout matches the drawn pages, files follow the contract."""

from __future__ import annotations

import json

from PIL import Image

from jiyi.iiif import run
from jiyi.iiif.annotations import chapter_ranges, entity_pages, facsimile_lines, transcription_pages
from jiyi.iiif.facsimile import render_pages
from jiyi.iiif.validate import validate_iiif
from jiyi.model import AccessStatus, Entity, EntityType, Mention, Record, write_jsonl
from jiyi.progress import QUIET

BASE = "https://example.org/jiyi/"
ROOT = f"{BASE}iiif/R-1"
CHAPTERS = "\n\n".join(
    f"## 第{chapter}章  章名{chapter}\n\n" + "\n\n".join(
        f"第{article}条 " + "本条规定档案的管理和利用，适用本条例，国家另有规定的除外。" * 3 for article in articles)
    for chapter, articles in (("一", ("一", "二", "三")), ("二", ("四", "五", "六", "七")), ("三", ("八", "九"))))


def _canvases(n: int) -> list[str]:
    return [f"{ROOT}/canvas/p{i}" for i in range(1, n + 1)]


def _box(target: str) -> tuple[int, int, int, int]:
    x, y, w, h = (int(v) for v in target.split("#xywh=")[1].split(","))
    return x, y, w, h


def test_layout_follows_the_drawn_pages(font, tmp_path):
    text = "　　" + "中央政治局在遵义召开扩大会议，集中解决当时具有决定意义的军事和组织问题。Mixed words here。" * 40
    record = Record(id="R-1", title="遵义会议决议（摘录）", record_set="t", text=f"\n  {text}\r\n\r\n末段。")
    pages = render_pages(record.title, record.text.strip(), tmp_path, font)
    lines = facsimile_lines(record, font)
    assert {line.page for line in lines} == set(range(1, len(pages) + 1)) and len(pages) > 1
    for line in lines:  # every line is the field's own characters, at the offset given
        assert getattr(record, line.field)[line.start:line.start + len(line.text)] == line.text
        with Image.open(pages[line.page - 1]) as image:
            x, y, w, h = _box("#" + line.box(line.start, line.start + len(line.text)))
            band = image.convert("L").crop((x, y, x + w, y + h))
            assert band.getextrema()[0] < 100, f"no ink where line {line.text!r} should be"
            after = image.convert("L").crop((x + w + 4, y, min(image.width, x + w + 40), y + h))
            if x + w + 40 < image.width - 100:  # a short line: nothing drawn right after it
                assert after.getextrema()[0] > 200, f"ink after the end of line {line.text!r}"
    assert [line.text for line in lines if line.field == "title"] == ["遵义会议决议（摘录）"]
    assert lines[-1].text == "末段。" and record.text[lines[-1].start:].startswith("末段。")


def test_transcription_and_entity_pages(font):
    record = Record(id="R-1", title="决议", record_set="t", access=AccessStatus.OPEN,
                    abstract="1935年1月，中共中央政治局在遵义召开扩大会议。")
    lines = facsimile_lines(record, font)
    start = record.abstract.index("遵义")
    mention = Mention("R-1", start, start + 2, "遵义", EntityType.LOC, "dictionary", 0.9, field="abstract")
    place = Entity(id="loc-1", type=EntityType.LOC, label="遵义市", latitude=27.7, longitude=106.9)
    transcription = transcription_pages(record, lines, ROOT, _canvases(1))
    assert list(transcription) == [1]
    page = transcription[1]
    assert page["id"] == f"{ROOT}/annotations/p001-transcription.json"
    assert [a["body"]["value"] for a in page["items"]] == ["决议", record.abstract]
    assert {a["motivation"] for a in page["items"]} == {"supplementing"}
    assert page["items"][1]["body"] == {"type": "TextualBody", "value": record.abstract, "language": "zh-Hans",
                                        "format": "text/plain"}
    entities = entity_pages(record, [mention], [(f"{BASE}place/loc-1", place)], lines, ROOT, _canvases(1))
    annotation = entities[1]["items"][0]
    assert entities[1]["id"] == f"{ROOT}/annotations/p001-entities.json"
    assert annotation["motivation"] == "tagging"
    assert annotation["body"][1] == {"type": "SpecificResource", "purpose": "identifying", "source": {
        "id": f"{BASE}place/loc-1", "type": "Place", "label": {"zh-Hans": ["遵义市"]}}}
    line_box, word_box = _box(page["items"][1]["target"]), _box(annotation["target"])
    assert line_box[1] == word_box[1] and line_box[0] < word_box[0] < line_box[0] + line_box[2]
    assert 40 < word_box[2] < 100  # two characters of ~34 px
    for generated in (page, entities[1]):
        assert validate_iiif(generated) == []


def test_scans_get_the_whole_transcription_on_page_one():
    record = Record(id="R-1", title="扫描件", record_set="t", text="第一页的字。\n第二页的字。")
    mention = Mention("R-1", 0, 3, "第一页", EntityType.TIME, "x", 0.5)
    pages = transcription_pages(record, None, ROOT, _canvases(2))
    assert list(pages) == [1]
    annotation = pages[1]["items"][0]
    assert annotation["target"] == f"{ROOT}/canvas/p1" and annotation["body"]["value"] == record.text
    assert "page breaks are not known" in annotation["label"]["en"][0]
    entities = entity_pages(record, [mention], [(f"{BASE}date/x", Entity("x", EntityType.TIME, "第一页"))], None, ROOT,
                            _canvases(2))
    assert entities[1]["items"][0]["target"] == f"{ROOT}/canvas/p1"
    assert validate_iiif(pages[1]) == [] and validate_iiif(entities[1]) == []


def test_chapters_and_articles_become_ranges(font):
    record = Record(id="R-1", title="某某条例", record_set="t", text=CHAPTERS)
    lines = facsimile_lines(record, font)
    pages = max(line.page for line in lines)
    ranges = chapter_ranges(record, lines, ROOT, _canvases(pages))
    assert [r["label"] for r in ranges] == [{"zh-Hans": [f"第{n}章 章名{n}"]} for n in "一二三"]
    assert [[a["label"]["zh-Hans"][0] for a in r["items"]] for r in ranges] == [
        ["第一条", "第二条", "第三条"], ["第四条", "第五条", "第六条", "第七条"], ["第八条", "第九条"]]
    first, last = ranges[0]["items"][0], ranges[-1]["items"][-1]
    assert first["items"][0] == {"id": f"{ROOT}/canvas/p1", "type": "Canvas"}
    assert last["items"][-1] == {"id": f"{ROOT}/canvas/p{pages}", "type": "Canvas"}
    spans = [[int(c["id"].rsplit("p", 1)[1]) for c in a["items"]] for r in ranges for a in r["items"]]
    assert all(span == list(range(span[0], span[-1] + 1)) for span in spans)  # consecutive pages
    assert all(a[0] <= b[0] for a, b in zip(spans, spans[1:]))  # in reading order
    manifest = {"id": f"{ROOT}/manifest.json", "type": "Manifest", "label": {"none": ["R-1"]}, "items": [],
                "structures": ranges}
    assert validate_iiif(manifest) == []
    plain = Record(id="R-1", title="无章节", record_set="t", text="第一条 只有一条。")
    assert chapter_ranges(plain, facsimile_lines(plain, font), ROOT, _canvases(1)) == []


def test_stage_writes_the_contract_files_and_links_them(ws, config, make_records, font):
    records = make_records(ws)
    long_text = next(r for r in records if r.id == "RA-1921-001")
    place = Entity(id="loc-zunyi", type=EntityType.LOC, label="遵义", latitude=27.7, longitude=106.9)
    start = long_text.text.index("遵义")
    write_jsonl(ws.entities_file, [place])
    write_jsonl(ws.mentions_file, [
        Mention("RA-1921-001", start, start + 2, "遵义", EntityType.LOC, "dictionary", 0.9, entity_id="loc-zunyi"),
        Mention("RS-SECRET-9", 0, 2, "控制", EntityType.ORG, "x", 0.5)])
    result = run(ws, config, records, QUIET)
    folder = ws.public_iiif_dir / "RA-1921-001"
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    names = sorted(p.name for p in (folder / "annotations").iterdir())
    n_pages = len(manifest["items"])
    assert names == sorted([f"p{n:03d}-transcription.json" for n in range(1, n_pages + 1)] + ["p001-entities.json"])
    for number, canvas in enumerate(manifest["items"], start=1):
        refs = [ref["id"] for ref in canvas["annotations"]]
        assert refs[0] == f"{BASE}iiif/RA-1921-001/annotations/p{number:03d}-transcription.json"
    assert manifest["items"][0]["annotations"][1]["id"].endswith("/annotations/p001-entities.json")
    assert manifest["navPlace"]["features"][0]["geometry"] == {"type": "Point", "coordinates": [106.9, 27.7]}
    assert manifest["@context"][0] == "http://iiif.io/api/extension/navplace/context.json"
    assert result.counts["annotation pages"] >= n_pages + 1
    # Pages gone from the text lose their annotation files on the next build.
    long_text.text = "短了。"
    run(ws, config, records, QUIET)
    assert sorted(p.name for p in (folder / "annotations").iterdir()) == ["p001-entities.json",
                                                                          "p001-transcription.json"]
    assert not list(ws.public_iiif_dir.rglob("*SECRET*"))
