"""IIIF services at build time: Image API level 0 derivatives, service references, Content Search, Change Discovery."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil
from pathlib import Path
from urllib.parse import unquote

import pytest
from PIL import Image

from jiyi.config import Config
from jiyi.iiif import run as iiif_run
from jiyi.iiif import search as iiif_search
from jiyi.iiif import services
from jiyi.iiif.manifests import manifest_id
from jiyi.model import AccessStatus
from jiyi.progress import QUIET
from jiyi.workspace import Workspace

BASE = "https://example.org/jiyi/"
T0 = dt.datetime(2026, 1, 1, 8, 0, tzinfo=dt.timezone.utc)  # conftest's BUILT_AT: the first build
T1 = dt.datetime(2026, 1, 2, 8, 0, tzinfo=dt.timezone.utc)
T2 = dt.datetime(2026, 1, 3, 8, 0, tzinfo=dt.timezone.utc)


def local_path(out: Path, uri: str) -> Path:
    """The file under the public IIIF folder that a {BASE}iiif/ URI names."""
    assert uri.startswith(f"{BASE}iiif/"), uri
    return out.joinpath(*(unquote(p) for p in uri[len(f"{BASE}iiif/"):].split("/")))


def manifests_of(out: Path) -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in services.public_manifests(out)]


def activities(out: Path) -> list[dict]:
    stream = json.loads((out / "activity" / "all-changes.json").read_text(encoding="utf-8"))
    items = []
    for n in range(int(stream["last"]["id"].rsplit("-", 1)[1].removesuffix(".json")) + 1):
        items += json.loads((out / "activity" / f"page-{n}.json").read_text(encoding="utf-8"))["orderedItems"]
    assert len(items) == stream["totalItems"]
    return items


@pytest.fixture
def served(built):
    """The iiif stage's output of the conftest records; the stage ran its services at T0 (conftest's BUILT_AT)."""
    return built


# ---------------------------------------------------------------- Image API level 0

def test_every_public_image_gets_a_level0_service_with_its_files(served):
    ws, records, result = served
    out = ws.public_iiif_dir
    manifests = manifests_of(out)
    assert manifests and result.counts["image services"] == sum(len(m["items"]) for m in manifests)
    for manifest in manifests:
        for canvas in manifest["items"]:
            body = canvas["items"][0]["items"][0]["body"]
            (service,) = [s for s in body["service"] if s["type"] == "ImageService3"]
            assert service["profile"] == "level0"
            info = json.loads((local_path(out, service["id"]) / "info.json").read_text(encoding="utf-8"))
            assert info["@context"] == services.IMAGE_CONTEXT and info["id"] == service["id"]
            assert info["type"] == "ImageService3" and info["protocol"] == "http://iiif.io/api/image"
            assert (info["width"], info["height"]) == (body["width"], body["height"])
            assert info["sizes"][0] == {"width": body["width"], "height": body["height"]}
            assert info["sizes"][-1]["width"] == 200
            for n, size in enumerate(info["sizes"]):
                segments = [f"{size['width']},{size['height']}", f"{size['width']},"] + (["max"] if n == 0 else [])
                for segment in segments:
                    jpeg = local_path(out, f"{service['id']}/full/{segment}/0/default.jpg")
                    with Image.open(jpeg) as image:
                        assert image.format == "JPEG" and image.size == (size["width"], size["height"])
            thumb = canvas["thumbnail"][0]
            assert thumb["id"] == f"{service['id']}/full/{info['sizes'][-1]['width']},{info['sizes'][-1]['height']}" \
                                  "/0/default.jpg"
            assert local_path(out, thumb["id"]).is_file()
        assert manifest["thumbnail"][0] == manifest["items"][0]["thumbnail"][0]


def test_manifests_with_services_stay_valid_iiif(served, schema_path):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    ws, _, _ = served
    for manifest in manifests_of(ws.public_iiif_dir):
        jsonschema.validate(manifest, schema)


def test_rerun_draws_nothing_new_and_survives_the_iiif_stage_emptying_image_folders(served, config):
    ws, records, _ = served
    out = ws.public_iiif_dir
    before = {p: p.read_bytes() for p in out.rglob("*.json")}
    again = services.run(ws, config, QUIET, now=T1)
    assert again.counts["derivatives drawn"] == 0 and again.counts["change activities"] == 0
    assert {p: p.read_bytes() for p in out.rglob("*.json")} == before  # idempotent: no service added twice

    # The stage empties images/<id>/ but for the page images, then its services link the kept derivatives back.
    third = iiif_run(ws, config, records, QUIET, now=T2)
    assert third.counts["derivatives drawn"] == 0 and third.counts["change activities"] == 0
    assert {p: p.read_bytes() for p in out.rglob("*.json")} == before


def test_a_changed_page_image_is_drawn_again(served, config):
    ws, records, _ = served
    scan = ws.sources / "images" / "SC-1950-01" / "0002.png"
    Image.new("L", (600, 300), 30).save(scan)
    result = iiif_run(ws, config, records, QUIET, now=T1)
    assert result.counts["derivatives drawn"] == 1
    info = json.loads((ws.public_iiif_dir / "images" / "SC-1950-01" / "0002" / "info.json").read_text())
    assert (info["width"], info["height"]) == (600, 300) and info["sizes"][-1] == {"width": 200, "height": 100}
    stale = ws.public_iiif_dir / "images" / "SC-1950-01" / "0002" / "full" / "900,1200"
    assert not stale.exists()
    assert result.counts["change activities"] == 1  # its manifest gives the new size: one Update
    assert activities(ws.public_iiif_dir)[-1]["type"] == "Update"


def test_nothing_is_made_for_restricted_records(served):
    ws, records, _ = served
    restricted = [r for r in records if not r.is_public]
    assert restricted
    public = ws.public_iiif_dir
    text = "\n".join(p.read_text(encoding="utf-8") for p in public.rglob("*.json"))
    for record in restricted:
        assert not (public / "images" / record.id).exists() and not (public / record.id).exists()
        assert record.id not in text and record.title not in text
    internal = ws.internal_iiif_dir
    assert not list(internal.glob("images/*/*/info.json")), "internal manifests get no derivatives"
    assert all("ImageService3" not in p.read_text(encoding="utf-8") for p in internal.glob("*/manifest.json"))


# ---------------------------------------------------------------- Content Search service

def test_each_public_manifest_names_its_search_service(served):
    ws, _, _ = served
    for manifest in manifests_of(ws.public_iiif_dir):
        (search,) = [s for s in manifest["service"] if s["type"] == "SearchService2"]
        assert search["id"] == manifest["id"].removesuffix("manifest.json") + "search"


# ---------------------------------------------------------------- Change Discovery

def test_first_run_creates_every_public_manifest_oldest_first(served):
    ws, records, _ = served
    items = activities(ws.public_iiif_dir)
    public_ids = {m["id"] for m in manifests_of(ws.public_iiif_dir)}
    assert {a["object"]["id"] for a in items} == public_ids
    assert all(a["type"] == "Create" and a["endTime"] == "2026-01-01T08:00:00Z" for a in items)
    assert all(a["object"]["type"] == "Manifest" and set(a) == {"type", "object", "endTime"} for a in items)
    stream = json.loads((ws.public_iiif_dir / "activity" / "all-changes.json").read_text())
    assert stream["@context"] == services.DISCOVERY_CONTEXT and stream["type"] == "OrderedCollection"
    assert stream["id"] == f"{BASE}iiif/activity/all-changes.json"
    assert stream["first"]["id"] == stream["last"]["id"] == f"{BASE}iiif/activity/page-0.json"


def test_changes_become_updates_and_a_restricted_record_a_delete_that_says_nothing_of_it(served, config):
    ws, records, _ = served
    changed = [dataclasses.replace(r, abstract="改过的摘要。") if r.id == "RA-1921-002" else r for r in records]
    iiif_run(ws, config, changed, QUIET, now=T1)
    added = activities(ws.public_iiif_dir)[-1:]
    assert added == [{"type": "Update", "object": {"id": manifest_id("RA-1921-002", BASE), "type": "Manifest"},
                      "endTime": "2026-01-02T08:00:00Z"}]

    secret = "刚刚控制使用的题名"
    closed = [dataclasses.replace(r, title=secret, access=AccessStatus.RESTRICTED) if r.id == "MOW-2013-01" else r
              for r in changed]
    result = iiif_run(ws, config, closed, QUIET, now=T2)
    assert result.counts["change activities"] == 1
    last = activities(ws.public_iiif_dir)[-1]
    assert last == {"type": "Delete", "object": {"id": manifest_id("MOW-2013-01", BASE), "type": "Manifest"},
                    "endTime": "2026-01-03T08:00:00Z"}
    for path in [*(ws.public_iiif_dir / "activity").iterdir(), services.changes_state_file(ws)]:
        assert secret not in path.read_text(encoding="utf-8")
    assert not (ws.public_iiif_dir / "images" / "MOW-2013-01").exists()


def test_stream_pages_hold_oldest_first_and_link_both_ways(tmp_path):
    out, state = tmp_path / "iiif", tmp_path / "state.json"
    ids = {f"{BASE}iiif/R{n:03}/manifest.json": "h" for n in range(250)}
    assert services.update_changes(out, state, BASE, ids, T0) == 250
    assert services.update_changes(out, state, BASE, ids, T1) == 0
    ids[f"{BASE}iiif/R000/manifest.json"] = "changed"
    assert services.update_changes(out, state, BASE, ids, T2) == 1
    pages = [json.loads((out / "activity" / f"page-{n}.json").read_text()) for n in range(3)]
    assert [len(p["orderedItems"]) for p in pages] == [100, 100, 51]
    assert [p["startIndex"] for p in pages] == [0, 100, 200]
    assert "prev" not in pages[0] and pages[0]["next"]["id"] == pages[1]["id"]
    assert pages[2]["prev"]["id"] == pages[1]["id"] and "next" not in pages[2]
    newest = pages[2]["orderedItems"][-1]
    assert newest["type"] == "Update" and newest["endTime"] == "2026-01-03T08:00:00Z"
    stream = json.loads((out / "activity" / "all-changes.json").read_text())
    assert stream["totalItems"] == 251 and stream["last"]["id"] == pages[2]["id"]


# ---------------------------------------------------------------- Content Search

def annotation_page(canvas: str, lines: list[str]) -> dict:
    """A transcription AnnotationPage as the iiif stage writes them: one supplementing annotation a line."""
    return {"@context": iiif_search.PRESENTATION_CONTEXT, "id": f"{canvas}/transcription", "type": "AnnotationPage",
            "items": [{"id": f"{canvas}/transcription/l{n}", "type": "Annotation", "motivation": "supplementing",
                       "body": {"type": "TextualBody", "value": line, "format": "text/plain", "language": "zh-Hant"},
                       "target": f"{canvas}#xywh=0,{n * 40},800,40"} for n, line in enumerate(lines)]}


def write_transcription(record_folder: Path, canvas: str, lines: list[str], page: int = 1) -> None:
    path = record_folder / "annotations" / f"p{page:03}-transcription.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(annotation_page(canvas, lines), ensure_ascii=False), encoding="utf-8")


SERVICE = f"{BASE}iiif/R1/search"
CANVAS = f"{BASE}iiif/R1/canvas/p1"


def test_two_characters_find_their_hits_inside_chinese_text_across_scripts(tmp_path):
    write_transcription(tmp_path, CANVAS, ["一九三五年一月，中央政治局在遵義召開擴大會議", "無關的一行", "會議決定"])
    response = iiif_search.search_record(tmp_path, "会议", SERVICE)
    assert response["@context"] == [iiif_search.PRESENTATION_CONTEXT, iiif_search.SEARCH_CONTEXT]
    assert response["type"] == "AnnotationPage" and response["id"] == f"{SERVICE}?q=%E4%BC%9A%E8%AE%AE&page=0"
    assert [a["id"] for a in response["items"]] == [f"{CANVAS}/transcription/l0", f"{CANVAS}/transcription/l2"]
    assert response["items"][0]["target"] == f"{CANVAS}#xywh=0,0,800,40"
    hits = response["annotations"][0]["items"]
    assert [h["motivation"] for h in hits] == ["highlighting", "highlighting"]
    first = hits[0]["target"]
    assert first["source"] == f"{CANVAS}/transcription/l0"
    assert first["selector"] == [{"type": "TextQuoteSelector", "exact": "會議", "prefix": "中央政治局在遵義召開擴大"}]
    assert response["partOf"]["total"] == 2 and "next" not in response and "ignored" not in response
    traditional = iiif_search.search_record(tmp_path, "遵義", SERVICE)
    assert [a["id"] for a in traditional["items"]] == [f"{CANVAS}/transcription/l0"]


def test_terms_must_all_occur_and_every_occurrence_is_highlighted(tmp_path):
    write_transcription(tmp_path, CANVAS, ["会议会议，红军", "会议"])
    response = iiif_search.search_record(tmp_path, "会议 红军", SERVICE)
    assert [a["id"] for a in response["items"]] == [f"{CANVAS}/transcription/l0"]
    exact = [h["target"]["selector"][0]["exact"] for h in response["annotations"][0]["items"]]
    assert exact == ["会议", "会议", "红军"]
    assert iiif_search.search_record(tmp_path, "没有", SERVICE)["items"] == []


def test_results_are_paged_with_next_and_ignored_parameters_listed(tmp_path):
    write_transcription(tmp_path, CANVAS, [f"第{n}行会议" for n in range(120)])
    first = iiif_search.search_record(tmp_path, "会议", SERVICE, ignored=["user", "motivation"])
    assert len(first["items"]) == iiif_search.ANNOTATIONS_PER_PAGE == 50
    assert first["next"]["id"] == f"{SERVICE}?q=%E4%BC%9A%E8%AE%AE&page=1" and "prev" not in first
    assert first["partOf"]["total"] == 120 and first["partOf"]["last"]["id"].endswith("page=2")
    assert first["ignored"] == ["motivation", "user"]
    last = iiif_search.search_record(tmp_path, "会议", SERVICE, page=2)
    assert len(last["items"]) == 20 and "next" not in last and last["prev"]["id"].endswith("page=1")
    assert last["startIndex"] == 100


# ---------------------------------------------------------------- the demo

@pytest.fixture(scope="module")
def demo_served(built_demo, tmp_path_factory):
    """A copy of the demo's IIIF output with services run on it (the shared build stays as it is)."""
    demo, _ = built_demo
    ws = Workspace(tmp_path_factory.mktemp("demo-services"))
    shutil.copytree(demo.public_iiif_dir, ws.public_iiif_dir)
    shutil.copytree(demo.internal_iiif_dir, ws.internal_iiif_dir)
    config = Config(name="demo", base_uri=BASE)
    return ws, services.run(ws, config, QUIET, now=T0)


def test_demo_services_leak_no_restricted_record(demo_served, restricted_records):
    ws, result = demo_served
    out = ws.public_iiif_dir
    assert result.counts["image services"] > 0 and not result.problems
    served_text = "\n".join(p.read_text(encoding="utf-8") for p in out.rglob("*.json"))
    created = {a["object"]["id"] for a in activities(out)}
    for record in restricted_records:
        assert not (out / "images" / record.id).exists()
        assert manifest_id(record.id, BASE) not in created
        assert manifest_id(record.id, BASE).removesuffix("/manifest.json") + "/" not in served_text
        if len(record.title) >= 6:  # short titles can occur in other records' text
            assert record.title not in served_text
        for folder in out.iterdir():
            if (folder / "manifest.json").is_file() and len(record.title) >= 4:
                response = iiif_search.search_record(folder, record.title, "s")
                assert all(manifest_id(record.id, BASE).rsplit("/", 1)[0] not in json.dumps(a)
                           for a in response["items"])


def test_demo_transcriptions_are_searchable(demo_served):
    ws, _ = demo_served
    files = sorted(ws.public_iiif_dir.glob("*/annotations/p*-transcription.json"))
    if not files:
        pytest.skip("the demo build writes no transcription AnnotationPages yet (another change adds them); "
                    "remove this skip once build/public/iiif/<id>/annotations/p*-transcription.json exist")
    folder = files[0].parent.parent
    annotations = iiif_search.load_annotations(iiif_search.transcription_files(folder))
    text = next(iiif_search._text_of(a) for a in annotations if len(iiif_search._text_of(a).strip()) >= 2)
    word = text.strip()[:2]
    response = iiif_search.search_record(folder, word, "s")
    assert response["items"] and response["annotations"][0]["items"]
    assert all(h["target"]["selector"][0]["exact"] for h in response["annotations"][0]["items"])


def test_a_hand_made_manifest_gets_services_and_a_clash_of_page_names_is_reported(tmp_path):
    ws = Workspace(tmp_path)
    folder = ws.public_iiif_dir / "images" / "R1"
    folder.mkdir(parents=True)
    Image.new("RGBA", (400, 100), (0, 0, 0, 0)).save(folder / "a.png")  # alpha: JPEG needs it dropped
    Image.new("RGB", (150, 90)).save(folder / "a.jpg")
    canvases = [{"id": f"{BASE}iiif/R1/canvas/p{n}", "type": "Canvas", "width": w, "height": h, "items": [
        {"id": f"{BASE}iiif/R1/page/p{n}", "type": "AnnotationPage", "items": [
            {"id": f"{BASE}iiif/R1/annotation/p{n}", "type": "Annotation", "motivation": "painting",
             "target": f"{BASE}iiif/R1/canvas/p{n}",
             "body": {"id": f"{BASE}iiif/images/R1/{name}", "type": "Image", "format": "image/png",
                      "width": w, "height": h}}]}]}
        for n, (name, w, h) in enumerate([("a.png", 400, 100), ("a.jpg", 150, 90)], start=1)]
    manifest = {"id": f"{BASE}iiif/R1/manifest.json", "type": "Manifest", "label": {"none": ["R1"]}, "items": canvases}
    (ws.public_iiif_dir / "R1").mkdir()
    (ws.public_iiif_dir / "R1" / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")

    result = services.run(ws, Config(name="t", base_uri=BASE), QUIET, now=T0)
    assert result.counts["image services"] == 1 and [p.code for p in result.problems] == ["W651"]
    assert result.problems[0].where.file == "build/public/iiif/images/R1/a.jpg"
    written = json.loads((ws.public_iiif_dir / "R1" / "manifest.json").read_text(encoding="utf-8"))
    assert written["items"][0]["items"][0]["items"][0]["body"]["service"][0]["id"] == f"{BASE}iiif/images/R1/a"
    assert "service" not in written["items"][1]["items"][0]["items"][0]["body"]
    assert written["service"] == [{"id": f"{BASE}iiif/R1/search", "type": "SearchService2"}]
    info = json.loads((folder / "a" / "info.json").read_text(encoding="utf-8"))
    assert info["sizes"] == [{"width": 400, "height": 100}, {"width": 200, "height": 50}]
    with Image.open(folder / "a" / "full" / "max" / "0" / "default.jpg") as image:
        assert image.mode == "RGB" and image.size == (400, 100)
