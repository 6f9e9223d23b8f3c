"""The ocr stage on a workspace of scans: text into records, a layout per page, mentions located on the page,
bad pages reported with the rest read, a curator's transcription winning over OCR on rebuilds, and a build
killed while reading leaving nothing half-written."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import time

import numpy as np
import pytest
from PIL import Image

from jiyi.build import build, open_workspace
from jiyi.iiif.facsimile import find_cjk_font
from jiyi.model import Entity, Mention, PageText, Record, from_dict, read_jsonl
from jiyi.ocr import _wants_text
from jiyi.ocr.specimens import render_specimen
from jiyi.progress import QUIET
from jiyi.workspace import Workspace

LETTER_1 = "毛泽东同志：\n来电收悉。一九三五年一月，中央政治局在遵义召开扩大会议。"
LETTER_2 = "周恩来同志出席会议，会议决定红军继续北上。\n请即转告各部。"
VERTICAL = "毛澤東同志：\n來電收悉。中央政治局在遵義召開擴大會議，周恩來出席。"
CSV = ("档号,题名,日期,开放状态,摘要\n"
       "R-1,关于遵义会议的电报,1935-01-20,开放,\n"
       "R-2,竖排繁体电报,1935-01-21,开放,\n")


def _page(text, *, vertical=False, traditional=False, size=(900, 620)):
    image, lines = render_specimen(text, find_cjk_font(""), vertical=vertical, traditional=traditional,
                                   page_size=size)
    return image, lines


def make_scanned_workspace(root):
    """R-1: a letter on two pages, the second scanned turned a quarter turn; R-2: a vertical page in traditional
    characters, a corrupt file, a blank page and a thumbnail too small to read. Returns what each record's
    pages say."""
    (root / "sources" / "images" / "R-1").mkdir(parents=True)
    (root / "sources" / "images" / "R-2").mkdir(parents=True)
    (root / "sources" / "catalogue.csv").write_text(CSV, encoding="utf-8")
    (root / "jiyi.toml").write_text(
        '[project]\nname = "scans"\n\n[[catalogue]]\nfile = "sources/catalogue.csv"\nrecord_set = "t"\n\n'
        '[catalogue.columns]\nid = "档号"\ntitle = "题名"\ndate = "日期"\naccess = "开放状态"\nabstract = "摘要"\n',
        encoding="utf-8")
    first, first_lines = _page(LETTER_1)
    second, second_lines = _page(LETTER_2)
    first.save(root / "sources/images/R-1/p1.png")
    second.rotate(90, expand=True).save(root / "sources/images/R-1/p2.png")  # turned anticlockwise on the scanner
    vertical, vertical_lines = _page(VERTICAL, vertical=True, traditional=True, size=(700, 900))
    vertical.save(root / "sources/images/R-2/p1.png")
    (root / "sources/images/R-2/p2.png").write_bytes(b"\x89PNG\r\n\x1a\n not really a page")
    Image.new("L", (900, 620), 248).save(root / "sources/images/R-2/p3.png")
    Image.new("L", (20, 14), 0).save(root / "sources/images/R-2/p4.png")
    return {"R-1": "".join(first_lines + second_lines), "R-2": "".join(vertical_lines)}


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    """The workspace of make_scanned_workspace, built once."""
    root = tmp_path_factory.mktemp("ocr") / "ws"
    truth = make_scanned_workspace(root)
    ws, config = open_workspace(root)
    summary = build(ws, config, QUIET)
    return ws, summary, truth


def _records(ws):
    return {r.id: r for r in read_jsonl(ws.records_file, Record)}


def _layouts(ws, record_id):
    return sorted((ws.ocr_dir / record_id).glob("p*.json"))


def test_scanned_records_get_the_text_read_from_their_pages(scanned):
    ws, summary, truth = scanned
    records = _records(ws)
    for record_id in ("R-1", "R-2"):
        assert records[record_id].text_source == "ocr"
        read = "".join(records[record_id].text.split())
        same = sum(a == b for a, b in zip(read, truth[record_id]))
        assert same >= 0.9 * len(truth[record_id]), (record_id, read, truth[record_id])
    assert "毛泽东" in records["R-1"].text and "周恩来" in records["R-1"].text
    assert "毛澤東" in records["R-2"].text  # read as written: traditional stays traditional
    assert summary.counts()["pages read"] == 4  # R-1's two, R-2's vertical and blank pages


def test_each_page_keeps_a_layout_whose_lines_are_found_in_the_records_text(scanned):
    ws, _, _ = scanned
    record = _records(ws)["R-1"]
    files = _layouts(ws, "R-1")
    assert [f.name for f in files] == ["p001.json", "p002.json"]
    pages = [from_dict(PageText, json.loads(f.read_text(encoding="utf-8"))) for f in files]
    assert pages[0].rotation == 0 and pages[1].rotation == 90  # the second was turned back before reading
    assert pages[1].width == 620 and pages[1].height == 900  # sizes of the scan as it is
    for page in pages:
        assert page.direction == "horizontal" and page.confidence > 0.8
        for line in page.lines:
            assert record.text[line.start:line.start + len(line.text)] == line.text
            x, y, w, h = line.box
            assert 0 <= x and 0 <= y and x + w <= page.width and y + h <= page.height
            assert len(line.words) == len(line.text.replace(" ", ""))
    vertical = from_dict(PageText, json.loads(_layouts(ws, "R-2")[0].read_text(encoding="utf-8")))
    assert vertical.direction == "vertical" and vertical.rotation == 0
    assert vertical.lines[0].box[0] > vertical.lines[-1].box[0]  # columns read from the right


def test_bad_pages_are_reported_with_their_file_and_the_others_are_read(scanned):
    ws, _, _ = scanned
    problems = [json.loads(line) for line in ws.problems_file("ocr").read_text(encoding="utf-8").splitlines()]
    by_code = {p["code"]: p for p in problems}
    assert by_code["E156"]["where"]["file"] == "sources/images/R-2/p2.png"
    assert "page 2 of R-2" in by_code["E156"]["message"] and by_code["E156"]["fix"]
    assert by_code["E410"]["where"]["file"] == "sources/images/R-2/p4.png" and "20×14" in by_code["E410"]["message"]
    assert by_code["W411"]["where"]["file"] == "sources/images/R-2/p3.png"
    assert by_code["W412"]["where"]["file"] == "sources/images/R-1/p2.png"
    assert not any(p["dropped"] for p in problems)  # a bad page costs that page, not the record
    assert [f.name for f in _layouts(ws, "R-2")] == ["p001.json", "p003.json"]


def _ink_share(image_path, fragment):
    x, y, w, h = (int(v) for v in fragment.split("xywh=")[1].split(","))
    with Image.open(image_path) as page:
        region = np.asarray(page.convert("L").crop((x, y, x + w, y + h)))
    return float(np.mean(region < 128)), (w, h)


def _entity_annotations(ws, record_id, page):
    path = ws.public_iiif_dir / record_id / "annotations" / f"p{page:03d}-entities.json"
    return {item["body"][0]["value"]: item for item in json.loads(path.read_text(encoding="utf-8"))["items"]}


def test_mentions_are_located_on_the_scan_where_their_characters_are(scanned):
    ws, _, _ = scanned
    for page, name in ((1, "毛泽东"), (2, "周恩来")):
        annotation = _entity_annotations(ws, "R-1", page)[name]
        assert f"/canvas/p{page}#xywh=" in annotation["target"]
        share, (w, h) = _ink_share(ws.root / f"sources/images/R-1/p{page}.png", annotation["target"])
        assert share > 0.08, f"no ink where {name} is said to be: {annotation['target']}"
        # three characters: on the upright page a wide box, on the page scanned turned a tall one
        assert (w > 2 * h) if page == 1 else (h > 2 * w), annotation["target"]
    transcription = json.loads((ws.public_iiif_dir / "R-1/annotations/p001-transcription.json").read_text("utf-8"))
    assert all(item["motivation"] == "supplementing" and "#xywh=" in item["target"] for item in transcription["items"])


def test_a_vertical_traditional_page_is_bound_right_to_left_and_its_names_link_to_simplified_entities(scanned):
    ws, _, _ = scanned
    manifest = json.loads((ws.public_iiif_dir / "R-2" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["viewingDirection"] == "right-to-left"
    assert "viewingDirection" not in json.loads((ws.public_iiif_dir / "R-1/manifest.json").read_text("utf-8"))
    mentions = [m for m in read_jsonl(ws.mentions_file, Mention) if m.record_id == "R-2" and m.text == "毛澤東"]
    assert mentions, "毛澤東 was not found in the text read from the vertical page"
    entities = {e.id: e for e in read_jsonl(ws.entities_file, Entity)}
    assert entities[mentions[0].entity_id].label == "毛泽东"
    annotation = _entity_annotations(ws, "R-2", 1)["毛澤東"]
    share, (w, h) = _ink_share(ws.root / "sources/images/R-2/p1.png", annotation["target"])
    assert share > 0.08 and h > 2 * w  # three characters down a column


def test_a_corrected_transcription_replaces_ocr_on_rebuilds_and_its_names_stay_on_the_page(scanned, tmp_path):
    ws, _, _ = scanned
    root = tmp_path / "ws"
    shutil.copytree(ws.root, root)
    ws2, config = open_workspace(root)
    record = _records(ws2)["R-1"]
    corrected = record.text.replace("北上", "北上抗日") + "\n（整理者按：电报原件藏中央档案馆）"
    (root / "curation" / "transcriptions").mkdir(parents=True)
    (root / "curation" / "transcriptions" / "R-1.txt").write_text(corrected, encoding="utf-8")
    summary = build(ws2, config, QUIET)
    assert summary.counts()["pages read"] == 0 and summary.counts()["pages reused"] == 4  # nothing read again
    again = _records(ws2)["R-1"]
    assert again.text == corrected.strip() and again.text_source == "corrected"
    annotation = _entity_annotations(ws2, "R-1", 1)["毛泽东"]
    share, _ = _ink_share(root / "sources/images/R-1/p1.png", annotation["target"])
    assert share > 0.08
    # the curator's added note was never on a page: it is in the record's text, not placed on a scan
    transcription = json.loads((ws2.public_iiif_dir / "R-1/annotations/p002-transcription.json").read_text("utf-8"))
    assert not any("整理者按" in item["body"]["value"] for item in transcription["items"])
    # and removing the file gives the text OCR read back
    (root / "curation" / "transcriptions" / "R-1.txt").unlink()
    build(ws2, config, QUIET)
    assert _records(ws2)["R-1"].text == record.text and _records(ws2)["R-1"].text_source == "ocr"


@pytest.mark.parametrize("record, wanted", [
    (Record("a", "t", "s", images=["sources/images/a/1.png"]), True),  # scans, no text
    (Record("b", "t", "s", images=["sources/images/b/1.png"], text="全文"), False),  # the source gave its text
    (Record("c", "t", "s"), False),  # no scans
    (Record("d", "t", "s", text="旧的识别结果", text_source="ocr"), True),  # read before: looked at again
])
def test_only_records_with_scans_and_no_text_of_their_own_want_ocr(record, wanted):
    assert _wants_text(record, set()) is wanted


def test_a_build_killed_while_reading_scans_loses_nothing_and_the_next_build_equals_an_uninterrupted_one(tmp_path):
    from test_crash_safety import JIYI, build_digest, differences, partial_files, running_stage, start_build

    reference = Workspace(tmp_path / "reference")
    make_scanned_workspace(reference.root)
    assert subprocess.run([JIYI, "build", "-w", str(reference.root), "-q"], timeout=600).returncode == 1  # bad pages
    killed = Workspace(tmp_path / "killed")
    make_scanned_workspace(killed.root)
    process = start_build(killed)
    deadline = time.monotonic() + 600
    while not list(killed.ocr_dir.glob("*/p*.json")):  # the first record's pages are read, the second's not yet
        assert process.poll() is None and time.monotonic() < deadline, "the build ended before a page was read"
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL and running_stage(killed) == "ocr"
    assert partial_files(killed) == []
    assert subprocess.run([JIYI, "build", "-w", str(killed.root), "-q"], timeout=600).returncode == 1
    assert partial_files(killed) == []
    assert differences(build_digest(killed), build_digest(reference)) == []
