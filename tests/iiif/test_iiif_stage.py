"""The IIIF stage end to end: files on disk, public/internal split, re-runs."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

from jiyi.iiif import run
from jiyi.iiif.validate import other_api, validate_iiif
from jiyi.model import AccessStatus
from jiyi.progress import QUIET

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
BASE = "https://example.org/jiyi/"  # the base_uri of the `config` fixture


def _manifest(out: Path, record_id: str) -> dict:
    return json.loads((out / record_id / "manifest.json").read_text(encoding="utf-8"))


def test_every_public_and_internal_json_validates(built, schema_path):
    ws, _, _ = built
    files = sorted(ws.public_iiif_dir.rglob("*.json")) + sorted(ws.internal_iiif_dir.rglob("*.json"))
    assert len(files) >= 8
    for path in files:
        document = json.loads(path.read_text(encoding="utf-8"))
        if other_api(document):  # info.json and the change stream follow the Image and Discovery APIs
            continue
        errors = validate_iiif(document, schema_path)
        assert errors == [], f"{path}: {errors}"


def test_counts_and_problems(built):
    ws, _, result = built
    assert result.stage == "iiif"
    assert result.counts["manifests"] == 5  # RA-1921-001, RA-1921-002, MOW-2013-01, SC-1950-01, TXT-empty
    assert result.counts["internal manifests"] == 2
    assert result.counts["collections"] == 2
    assert result.counts["images"] == sum(1 for p in ws.build.rglob("images/*/*") if p.is_file())
    assert [(p.code, p.dropped) for p in result.problems] == [("W305", False)]
    assert "missing.png" in result.problems[0].message


def test_a_record_without_text_gets_a_card_of_its_catalogue_description(built):
    ws, _, _ = built
    assert [p.name for p in (ws.public_iiif_dir / "images" / "TXT-empty").iterdir() if p.is_file()] == ["p001.png"]
    manifest = _manifest(ws.public_iiif_dir, "TXT-empty")
    pairs = {pair["label"]["en"][0]: pair["value"] for pair in manifest["metadata"]}
    assert pairs["Image"] == {"en": ["Rendered facsimile of the catalogue description, not a scan"],
                              "zh-Hans": ["依据著录信息渲染的摹本，非原件扫描"]}
    assert "catalogue description" in manifest["summary"]["en"][0]


def test_restricted_records_leave_no_trace_in_public(built):
    ws, records, _ = built
    hidden = [r for r in records if not r.is_public]
    needles = []
    for record in hidden:
        needles += [record.id, quote(record.id), record.title]
    internal_images = {p.read_bytes() for r in hidden for p in (ws.internal_iiif_dir / "images" / r.id).glob("*")}
    assert internal_images, "restricted records should have pages under build/internal"
    public_files = [p for p in ws.public.rglob("*") if p.is_file()]
    assert public_files
    for path in public_files:
        data = path.read_bytes()
        assert data not in internal_images, f"{path} is a restricted record's page"
        for needle in needles:
            assert needle.encode("utf-8") not in data, f"{needle} found in {path}"
            assert needle not in path.as_posix()
    for record in hidden:
        manifest = _manifest(ws.internal_iiif_dir, record.id)
        assert manifest["id"] == f"{BASE}iiif/{record.id}/manifest.json"


def test_collections_list_what_each_side_may_see(built):
    ws, records, _ = built
    public = json.loads((ws.public_iiif_dir / "collection" / "ra.json").read_text(encoding="utf-8"))
    assert public["id"] == f"{BASE}iiif/collection/ra.json"
    assert [item["id"] for item in public["items"]] == [
        f"{BASE}iiif/RA-1921-001/manifest.json", f"{BASE}iiif/RA-1921-002/manifest.json",
        f"{BASE}iiif/TXT-empty/manifest.json"]
    assert all(item["type"] == "Manifest" and item["label"] for item in public["items"])
    top = json.loads((ws.public_iiif_dir / "collection" / "top.json").read_text(encoding="utf-8"))
    assert top["id"] == f"{BASE}iiif/collection/top.json"
    assert {item["id"] for item in top["items"]} == {f"{BASE}iiif/collection/{name}.json" for name in (
        "ra", "mow", f"fonds/{quote('中共中央', safe='')}")}
    fonds = json.loads((ws.public_iiif_dir / "collection" / "fonds" / "中共中央.json").read_text(encoding="utf-8"))
    assert [item["id"] for item in fonds["items"]] == [f"{BASE}iiif/RA-1921-001/manifest.json"]
    assert fonds["label"] == {"zh-Hans": ["中共中央"]}
    staff = json.loads((ws.internal_iiif_dir / "collection" / "ra.json").read_text(encoding="utf-8"))
    assert f"{BASE}iiif/RS-SECRET-9/manifest.json" in {item["id"] for item in staff["items"]}
    assert staff["id"] != public["id"]


def test_facsimile_pages_are_real_pngs_and_say_so(built):
    ws, _, _ = built
    folder = ws.public_iiif_dir / "images" / "RA-1921-001"
    pages = sorted(folder.glob("*.png"))
    assert len(pages) > 1, "a long text should need more than one page"
    assert not list(folder.glob(".*")), "no temporary files left behind"
    for page in pages:
        data = page.read_bytes()
        assert data[:8] == PNG_SIGNATURE
        width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        assert (width, height) == (1240, 1754)
    manifest = _manifest(ws.public_iiif_dir, "RA-1921-001")
    assert len(manifest["items"]) == len(pages)
    pairs = {pair["label"]["en"][0]: pair["value"] for pair in manifest["metadata"]}
    assert pairs["Image"]["en"] == ["Rendered facsimile of the transcribed text, not a scan"]
    assert pairs["Image"]["zh-Hans"] == ["依据文字渲染的摹本，非原件扫描"]
    assert "not scans" in manifest["summary"]["en"][0]
    assert "摹本" in manifest["summary"]["zh-Hans"][0] and "遵义会议的决议" in manifest["summary"]["zh-Hans"][0]
    body = manifest["items"][0]["items"][0]["items"][0]["body"]
    service = body.pop("service")  # the level 0 image service of services.py
    assert [s["type"] for s in service] == ["ImageService3"]
    assert body == {"id": f"{BASE}iiif/images/RA-1921-001/p001.png", "type": "Image",
                    "height": 1754, "width": 1240, "format": "image/png"}
    canvas = manifest["items"][1]
    assert (canvas["width"], canvas["height"]) == (1240, 1754)


def test_manifest_fields(built):
    ws, _, _ = built
    manifest = _manifest(ws.public_iiif_dir, "RA-1921-001")
    assert manifest["id"] == f"{BASE}iiif/RA-1921-001/manifest.json"
    assert manifest["label"] == {"zh-Hans": ["遵义会议决议（摘录）"], "en": ["Resolution of the Zunyi Conference"]}
    labels = [pair["label"]["zh-Hans"][0] for pair in manifest["metadata"]]
    assert labels == ["档号", "责任者", "日期", "全宗", "保管期限", "保管机构", "附注", "图像"]  # no record set labels
    assert manifest["requiredStatement"]["value"]["zh-Hans"] == ["某某档案馆藏，档号 RA-1921-001"]
    assert [(p["type"], p["label"]) for p in manifest["provider"]] == [("Agent", {"zh-Hans": ["某某档案馆"]})]
    assert manifest["seeAlso"] == [
        {"id": f"{BASE}graph/records/RA-1921-001.ttl", "type": "Dataset", "format": "text/turtle",
         "label": {"en": ["RiC-O description (Turtle)"]}},
        {"id": f"{BASE}graph/records/RA-1921-001.jsonld", "type": "Dataset", "format": "application/ld+json",
         "label": {"en": ["RiC-O description (JSON-LD)"]}}]
    short = _manifest(ws.public_iiif_dir, "RA-1921-002")  # no holder: the project holds it
    assert short["requiredStatement"]["value"]["zh-Hans"] == ["t，档号 RA-1921-002"]
    assert short["provider"] == [{"id": BASE, "type": "Agent", "label": {"none": ["t"]}}]
    assert manifest["rights"] == "http://creativecommons.org/publicdomain/mark/1.0/"
    assert "rights" not in _manifest(ws.public_iiif_dir, "RA-1921-002")


def test_abstract_only_record_is_rendered_from_its_abstract(built):
    ws, _, _ = built
    assert sorted(p.name for p in (ws.public_iiif_dir / "images" / "RA-1921-002").iterdir() if p.is_file()) == ["p001.png"]
    assert len(_manifest(ws.public_iiif_dir, "RA-1921-002")["items"]) == 1


def test_scans_are_copied_not_rendered(built):
    ws, _, _ = built
    folder = ws.public_iiif_dir / "images" / "SC-1950-01"
    assert sorted(p.name for p in folder.iterdir() if p.is_file()) == ["0001.jpg", "0002.png"]
    manifest = _manifest(ws.public_iiif_dir, "SC-1950-01")
    bodies = [canvas["items"][0]["items"][0]["body"] for canvas in manifest["items"]]
    assert [(b["format"], b["width"], b["height"]) for b in bodies] == [
        ("image/jpeg", 800, 1100), ("image/png", 900, 1200)]
    assert "Image" not in {pair["label"]["en"][0] for pair in manifest["metadata"]}
    assert "summary" not in manifest


def test_nav_date_has_a_timezone_and_only_when_the_date_parses(built):
    ws, _, _ = built
    assert _manifest(ws.public_iiif_dir, "RA-1921-001")["navDate"] == "1935-01-17T00:00:00Z"
    assert _manifest(ws.public_iiif_dir, "SC-1950-01")["navDate"] == "1950-01-01T00:00:00Z"
    assert "navDate" not in _manifest(ws.public_iiif_dir, "RA-1921-002")  # empty date
    assert "navDate" not in _manifest(ws.public_iiif_dir, "MOW-2013-01")  # 约民国年间


def test_rerun_after_a_record_became_restricted_removes_it_from_public(built, config):
    ws, records, _ = built
    assert (ws.public_iiif_dir / "RA-1921-001" / "manifest.json").is_file()
    for record in records:
        if record.id == "RA-1921-001":
            record.access = AccessStatus.RESTRICTED
    result = run(ws, config, records, QUIET)
    assert not (ws.public_iiif_dir / "RA-1921-001").exists()
    assert not (ws.public_iiif_dir / "images" / "RA-1921-001").exists()
    assert not (ws.public_iiif_dir / "thumbnails" / "RA-1921-001").exists()
    collection = (ws.public_iiif_dir / "collection" / "ra.json").read_text(encoding="utf-8")
    assert "RA-1921-001" not in collection
    assert (ws.internal_iiif_dir / "RA-1921-001" / "manifest.json").is_file()
    assert len(list((ws.internal_iiif_dir / "images" / "RA-1921-001").glob("*.png"))) > 1
    assert result.counts["manifests"] == 4 and result.counts["internal manifests"] == 3


def test_rerun_reuses_unchanged_pages_and_redraws_changed_ones(built, config):
    ws, records, _ = built
    page = ws.public_iiif_dir / "images" / "MOW-2013-01" / "p001.png"
    before, inode = page.read_bytes(), page.stat().st_ino
    run(ws, config, records, QUIET)
    assert page.stat().st_ino == inode  # reused: an atomic rewrite would be a new file
    next(r for r in records if r.id == "MOW-2013-01").text = "家中一切平安，勿念。另寄洋十元。"
    run(ws, config, records, QUIET)
    assert page.read_bytes() != before


def test_unsafe_ids_are_refused(ws, config, make_records):
    records = make_records(ws)
    bad = records[0].__class__(id="../escape", title="x", record_set="ra", access=AccessStatus.OPEN, text="正文")
    images = records[0].__class__(id="images", title="x", record_set="ra", access=AccessStatus.OPEN, text="正文")
    result = run(ws, config, [bad, images, records[0]], QUIET)
    assert [p.code for p in result.problems] == ["E303", "E303"]
    assert not (ws.build / "public" / "escape").exists() and not (ws.build / "escape").exists()
    assert result.counts["manifests"] == 1


def test_no_facsimiles_when_switched_off(ws, make_records):
    from jiyi.config import Config

    records = make_records(ws)
    result = run(ws, Config(name="t", base_uri=BASE, render_facsimiles=False), records, QUIET)
    assert result.counts["manifests"] == 1  # only the record with scans
    no_images = [p for p in result.problems if p.code == "W302"]
    assert len(no_images) == 6 and not any(p.dropped for p in no_images)
    assert "TXT-empty" in " ".join(p.message for p in no_images)
    assert all("sources/images/" in p.fix and "render_facsimiles = true" in p.fix for p in no_images)
    assert not (ws.public_iiif_dir / "TXT-empty").exists()


def test_every_staff_page_has_a_small_thumbnail(built):
    # Public pages get theirs from the image service: tests/iiif/test_services.py checks those.
    ws, records, _ = built
    restricted = [r.id for r in records if not r.is_public and (ws.internal_iiif_dir / r.id / "manifest.json").is_file()]
    assert restricted and not (ws.public_iiif_dir / "thumbnails").exists()
    for record_id in restricted:
        manifest = _manifest(ws.internal_iiif_dir, record_id)
        assert manifest["thumbnail"] == manifest["items"][0]["thumbnail"]
        for canvas in manifest["items"]:
            (thumbnail,) = canvas["thumbnail"]
            assert thumbnail["id"].startswith(f"{BASE}iiif/thumbnails/{record_id}/")
            path = ws.internal_iiif_dir / thumbnail["id"][len(f"{BASE}iiif/"):]
            data = path.read_bytes()
            assert data[:3] == b"\xff\xd8\xff" and path.stat().st_mode & 0o044 == 0o044  # JPEG, readable by others
            assert thumbnail["width"] == 240 and thumbnail["format"] == "image/jpeg"
            assert abs(thumbnail["height"] / thumbnail["width"] - canvas["height"] / canvas["width"]) < 0.01
