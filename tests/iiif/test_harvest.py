"""`jiyi harvest iiif`: external Presentation 3 manifests and collections become records that a build publishes.

Manifests come from the IIIF validator's fixtures and from documents written here; collections
are served by a real http.server on loopback. Nothing here touches the internet: the fetcher
given to harvest() refuses any host but 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import re
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

from jiyi.iiif.harvest import fetch_url, harvest
from jiyi.iiif.validate import validate_iiif
from jiyi.ingest.harvested import read_harvested
from jiyi.model import AccessStatus, Record, read_jsonl
from jiyi.workspace import Workspace

JIYI = str(Path(sys.executable).parent / "jiyi")
FIXTURES = Path(__file__).resolve().parents[3] / "shared/data/iiif/validator-fixtures"
P3 = "http://iiif.io/api/presentation/3/context.json"
IMAGE = "https://images.example.org/iiif/zunyi-p1/full/max/0/default.jpg"
SERVICE = "https://images.example.org/iiif/zunyi-p1"


def jiyi(*args):
    return subprocess.run([JIYI, *args], capture_output=True, text=True, timeout=600)


def loopback_only(url: str) -> bytes:
    """fetch_url for tests: the fixtures name example.org children, which must never be fetched."""
    if urlparse(url).hostname != "127.0.0.1":
        raise OSError(f"no network in tests: {url}")
    return fetch_url(url)


def write(path: Path, data) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def canvas(base: str, n: int, image: str, service: str | None = None) -> dict:
    body = {"id": image, "type": "Image", "format": "image/jpeg", "width": 1200, "height": 1600}
    if service:
        body["service"] = [{"id": service, "type": "ImageService3", "profile": "level1"}]
    return {"id": f"{base}/canvas/{n}", "type": "Canvas", "width": 1200, "height": 1600, "items": [
        {"id": f"{base}/page/{n}", "type": "AnnotationPage", "items": [
            {"id": f"{base}/anno/{n}", "type": "Annotation", "motivation": "painting", "body": body,
             "target": f"{base}/canvas/{n}"}]}]}


def manifest(manifest_id: str, label: str, *, pages: int = 1, **more) -> dict:
    base = manifest_id.rsplit("/", 1)[0]
    return {"@context": P3, "id": manifest_id, "type": "Manifest", "label": {"en": [label]},
            "items": [canvas(base, n, f"{base}/img/{n}.jpg") for n in range(1, pages + 1)], **more}


def zunyi_manifest(manifest_id: str = "https://archive.example.cn/iiif/zunyi/manifest.json") -> dict:
    """A Chinese archive's manifest, as a harvest would meet one."""
    return {
        "@context": ["http://iiif.io/api/extension/navplace/context.json", P3],
        "id": manifest_id, "type": "Manifest",
        "label": {"en": ["Resolution of the Zunyi Conference"], "zh-Hans": ["遵义会议决议"]},
        "summary": {"zh-Hans": ["<p>中共中央政治局扩大会议的<b>决议</b>。</p>"], "en": ["The resolution."]},
        "metadata": [
            {"label": {"zh-Hans": ["责任者"], "en": ["Creator"]}, "value": {"zh-Hans": ["中共中央政治局"]}},
            {"label": {"zh-Hans": ["日期"], "en": ["Date"]}, "value": {"zh-Hans": ["民国二十四年一月"]}},
            {"label": {"en": ["Repository"]}, "value": {"none": ["遵义会议纪念馆"]}},
            {"label": {"zh-Hans": ["页数"]}, "value": {"none": ["12"]}},
        ],
        "requiredStatement": {"label": {"en": ["Attribution"]}, "value": {"en": ["Courtesy of the archive"]}},
        "rights": "http://creativecommons.org/publicdomain/mark/1.0/",
        "navPlace": {"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"label": {"zh-Hans": ["遵义"]}},
             "geometry": {"type": "Point", "coordinates": [106.93, 27.73]}}]},
        "items": [canvas(manifest_id.rsplit("/", 1)[0], 1, IMAGE, SERVICE)],
    }


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path / "ws")


def fixture_rows(expected: str) -> list[str]:
    if not (FIXTURES / "EXPECTED.tsv").is_file():
        return []
    rows = [line.split("\t") for line in (FIXTURES / "EXPECTED.tsv").read_text(encoding="utf-8").splitlines()
            if line and not line.startswith(("#", "file\t"))]
    return [name for name, outcome in rows if outcome.strip() == expected]


def valid_manifest_fixtures() -> list[str]:
    names = [n for n in fixture_rows("valid") if json.loads((FIXTURES / n).read_text(encoding="utf-8"))
             .get("type") == "Manifest"]
    return names or [pytest.param("none", marks=pytest.mark.skip(reason=f"no validator fixtures at {FIXTURES}"))]


def painted_images(doc: dict) -> list[list[dict]]:
    """Per canvas, the Image bodies painted on it (Choice options included), read straight from the file."""
    found = []
    for item in doc.get("items", []):
        images = []
        for page in item.get("items", []):
            for annotation in page.get("items", []):
                if annotation.get("motivation") != "painting":
                    continue
                bodies = annotation["body"] if isinstance(annotation["body"], list) else [annotation["body"]]
                for body in bodies:
                    images += [b for b in (body.get("items", []) if body.get("type") == "Choice" else [body])
                               if b.get("type") == "Image"]
        found.append(images)
    return found


def visible(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]*>", " ", text)).strip()


# ---------------------------------------------------------------- manifests → records

@pytest.mark.parametrize("name", valid_manifest_fixtures())
def test_every_valid_p3_fixture_manifest_harvests_to_a_record_mapped_from_its_file(ws, name):
    doc = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    result = harvest(str(FIXTURES / name), ws, fetch=loopback_only)

    assert result.refused == []
    assert len(result.records) == 1
    record = result.records[0]
    assert record.id == "H-" + hashlib.sha1(doc["id"].encode("utf-8")).hexdigest()[:12]
    assert record.extra["IIIF manifest"] == doc["id"]
    assert record.access is AccessStatus.OPEN and record.record_set == Path(name).stem
    assert record.title in [value for values in doc["label"].values() for value in values]
    if doc.get("summary"):
        said = visible(" ".join(v for values in doc["summary"].values() for v in values))
        assert record.abstract and re.sub(r"\s", "", record.abstract) in re.sub(r"\s", "", said)
    if doc.get("navDate"):
        assert record.date == doc["navDate"][:10]
    if doc.get("rights"):
        assert record.extra["rights"] == doc["rights"]
    for pair in doc.get("metadata", []):
        value = visible(next(iter(pair["value"].values()))[0])
        assert value in " | ".join([record.creator, record.date_text, record.holder, *record.extra.values()])
    for feature in doc.get("navPlace", {}).get("features", []):
        longitude, latitude = feature["geometry"]["coordinates"]
        assert f"({latitude}, {longitude})" in record.extra["地点"]
        assert next(iter(feature["properties"]["label"].values()))[0] in record.extra["地点"]

    # Images by reference: one page per canvas that paints an image, the publisher's URL and services kept.
    painted = [images for images in painted_images(doc) if images]
    assert len(record.remote_images) == len(painted)
    for page, images in zip(record.remote_images, painted):
        source = next(image for image in images if image["id"] == page["body"]["id"])
        assert page["body"]["id"].startswith("http")
        assert [s.get("id") or s.get("@id") for s in page["body"].get("service", [])] == \
            [s.get("id") or s.get("@id") for s in source.get("service", [])]
    if len(painted) < len(doc.get("items", [])):  # video, audio: said on the record, not silently dropped
        assert "not imported" in record.note


def test_full_example_fills_the_fields_its_labels_name(ws):
    if not (FIXTURES / "full_example.json").is_file():
        pytest.skip(f"no validator fixtures at {FIXTURES}")
    record = harvest(str(FIXTURES / "full_example.json"), ws).records[0]
    assert record.creator == "Anne Author"  # metadata "Author"
    assert record.date == "1856-01-01" and record.date_text == ""  # navDate
    assert record.holder == "Provided by Example Organization"  # requiredStatement, as there is no Repository
    assert record.extra["Published"] == "Paris, circa 1400"  # en preferred over fr
    assert record.extra["Notes"] == "Text of note 1; Text of note 2"
    assert record.extra["Source"] == "From: Some Collection"  # its HTML left out
    assert record.language == "en"


def test_a_chinese_manifest_maps_onto_the_catalogue_fields(ws):
    source = write(ws.root.parent / "zunyi.json", zunyi_manifest())
    result = harvest(str(source), ws, name="zunyi", access="控制")
    (record,) = result.records
    assert (record.title, record.language) == ("遵义会议决议", "zh")
    assert record.extra["英文题名"] == "Resolution of the Zunyi Conference"
    assert record.abstract == "中共中央政治局扩大会议的决议。" and record.extra["英文摘要"] == "The resolution."
    assert record.creator == "中共中央政治局"
    assert (record.date_text, record.date) == ("民国二十四年一月", "1935-01")  # no navDate: the Date pair, read
    assert record.holder == "遵义会议纪念馆"  # Repository wins; the attribution is kept beside it
    assert record.extra["Attribution"] == "Courtesy of the archive"
    assert record.extra["页数"] == "12"
    assert record.extra["地点"] == "遵义 (27.73, 106.93)"
    assert record.extra["rights"] == "http://creativecommons.org/publicdomain/mark/1.0/"
    assert record.access is AccessStatus.RESTRICTED
    assert record.remote_images == [{"width": 1200, "height": 1600, "body": {
        "id": IMAGE, "type": "Image", "format": "image/jpeg", "width": 1200, "height": 1600,
        "service": [{"id": SERVICE, "type": "ImageService3", "profile": "level1"}]}}]
    # What ingest reads back is what was harvested, located in its file.
    (again,), problems = read_harvested(ws.root / "sources/harvested")
    assert problems == [] and again.source.file == "sources/harvested/zunyi.jsonl" and again.source.line == 1
    again.source = None
    assert again == record


# ---------------------------------------------------------------- what is refused

def test_presentation_2_is_refused_saying_so_and_how_to_convert(ws, tmp_path):
    p2 = write(tmp_path / "in" / "p2.json", {
        "@context": "http://iiif.io/api/presentation/2/context.json", "@id": "https://example.org/p2/manifest",
        "@type": "sc:Manifest", "label": "A Presentation 2 manifest", "sequences": []})
    p2_collection = write(tmp_path / "in" / "p2-collection.json", {  # no @context: told by its @type alone
        "@id": "https://example.org/p2/top", "@type": "sc:Collection", "label": "old", "manifests": []})
    good = write(tmp_path / "in" / "good.json", manifest("https://example.org/good/manifest", "Good"))

    result = harvest(str(tmp_path / "in"), ws, name="mixed")
    assert [r.title for r in result.records] == ["Good"]  # the rest of the folder still comes in
    by_file = {r.where: r for r in result.refused}
    assert set(by_file) == {str(p2), str(p2_collection)}
    for refusal in by_file.values():
        assert refusal.code == "E142" and "Presentation 2" in refusal.message
        assert "upgrader" in refusal.fix and "harvest the converted file" in refusal.fix
    assert "presentation/2/context.json" in by_file[str(p2)].message
    assert "sc:Collection" in by_file[str(p2_collection)].message

    cli = jiyi("harvest", "iiif", str(p2), "-w", str(make_workspace(tmp_path / "cli")), "-q")
    assert cli.returncode == 1
    assert f"{p2}: E142 is IIIF Presentation 2" in cli.stderr and " — convert it to Presentation 3" in cli.stderr
    assert "Traceback" not in cli.stderr
    assert not (tmp_path / "cli" / "sources" / "harvested").exists()  # nothing harvested, nothing written


def test_what_is_no_manifest_is_refused_and_bad_usage_is_exit_2(ws, tmp_path):
    if not (FIXTURES / "annoPage.json").is_file():
        pytest.skip(f"no validator fixtures at {FIXTURES}")
    result = harvest(str(FIXTURES / "annoPage.json"), ws)
    assert [(r.code, r.message) for r in result.refused] == [
        ("E143", "is of type AnnotationPage, not a IIIF Presentation 3 Manifest or Collection")]
    assert result.file is None

    workspace = make_workspace(tmp_path / "cli")
    missing = jiyi("harvest", "iiif", str(tmp_path / "nowhere.json"), "-w", str(workspace))
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    bad_access = jiyi("harvest", "iiif", str(FIXTURES / "annoPage.json"), "-w", str(workspace), "--access", "maybe")
    assert bad_access.returncode == 2 and "--access" in bad_access.stderr


# ---------------------------------------------------------------- collections over HTTP

@pytest.fixture
def server(tmp_path: Path):
    """A real HTTP server on loopback, serving tmp_path/site; yields (folder, base URL)."""
    site = tmp_path / "site"
    site.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(site), **kwargs)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield site, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def publish_tree(site: Path, url: str) -> dict[str, str]:
    """top → m1 (reference), an embedded manifest, sub (reference), an embedded collection, a P2 manifest;
    sub → m2, top again (a cycle), a missing file, a file that is not JSON."""
    ids = {name: f"{url}/{name}.json" for name in ("top", "m1", "m2", "m3", "sub", "missing", "broken", "p2")}
    write(site / "m1.json", manifest(ids["m1"], "Manifest one", pages=2))
    write(site / "m2.json", manifest(ids["m2"], "Manifest two"))
    write(site / "m3.json", manifest(ids["m3"], "Manifest three"))
    (site / "broken.json").write_text("<html>Not found, really</html>", encoding="utf-8")
    write(site / "p2.json", {"@context": "http://iiif.io/api/presentation/2/context.json", "@id": ids["p2"],
                             "@type": "sc:Manifest", "label": "old"})
    write(site / "sub.json", {"@context": P3, "id": ids["sub"], "type": "Collection", "label": {"en": ["Sub"]},
                              "items": [
        {"id": ids["m2"], "type": "Manifest", "label": {"en": ["Manifest two"]}},
        {"id": ids["top"], "type": "Collection", "label": {"en": ["Top"]}},
        {"id": ids["missing"], "type": "Manifest", "label": {"en": ["Gone"]}},
        {"id": ids["broken"], "type": "Manifest", "label": {"en": ["Broken"]}}]})
    embedded = manifest(f"{url}/embedded/manifest", "Embedded manifest")
    del embedded["@context"]
    write(site / "top.json", {"@context": P3, "id": ids["top"], "type": "Collection", "label": {"en": ["Top"]},
                              "items": [
        {"id": ids["m1"], "type": "Manifest", "label": {"en": ["Manifest one"]}},
        embedded,
        {"id": ids["sub"], "type": "Collection", "label": {"en": ["Sub"]}},
        {"id": f"{url}/inner", "type": "Collection", "label": {"en": ["Inner"]},
         "items": [{"id": ids["m3"], "type": "Manifest", "label": {"en": ["Manifest three"]}}]},
        {"id": ids["p2"], "type": "Manifest", "label": {"en": ["Old"]}}]})
    return ids


def test_a_collection_is_followed_by_reference_and_embedded_with_broken_children_reported(ws, server):
    site, url = server
    ids = publish_tree(site, url)
    result = harvest(ids["top"], ws, name="tree", fetch=loopback_only)

    by_title = {r.title: r for r in result.records}
    assert sorted(by_title) == ["Embedded manifest", "Manifest one", "Manifest three", "Manifest two"]
    assert len(by_title["Manifest one"].remote_images) == 2
    assert by_title["Manifest one"].remote_images[1]["body"]["id"] == f"{url}/img/2.jpg"
    assert by_title["Manifest two"].extra["IIIF collection"] == ids["sub"]
    assert by_title["Manifest three"].extra["IIIF collection"] == f"{url}/inner"

    refused = {r.where: r for r in result.refused}
    assert set(refused) == {ids["missing"], ids["broken"], ids["p2"]}
    assert refused[ids["missing"]].code == "E144" and "404" in refused[ids["missing"]].message
    assert refused[ids["broken"]].code == "E141" and "not JSON" in refused[ids["broken"]].message
    assert refused[ids["p2"]].code == "E142"
    assert refused[ids["missing"]].parent == ids["sub"] and refused[ids["p2"]].parent == ids["top"]
    assert str(refused[ids["missing"]]).startswith(f"{ids['missing']} (listed in {ids['sub']}): E144")
    assert any("cycle" in note and ids["top"] in note for note in result.notes)  # top → sub → top, walked once

    written = list(read_jsonl(ws.root / "sources/harvested/tree.jsonl", Record))
    assert [r.id for r in written] == [r.id for r in result.records]


def test_the_depth_of_collections_followed_is_capped(ws, server):
    site, url = server
    ids = publish_tree(site, url)
    result = harvest(ids["top"], ws, name="tree", max_depth=1, fetch=loopback_only)
    assert "Manifest two" not in {r.title for r in result.records}  # two collections down
    capped = next(r for r in result.refused if r.where == ids["m2"])
    assert capped.code == "E147" and "--max-depth 2" in capped.fix


def test_a_reharvest_keeps_the_ids_and_replaces_the_file(ws, server):
    site, url = server
    ids = publish_tree(site, url)
    first = harvest(ids["top"], ws, name="tree", fetch=loopback_only)
    write(site / "m2.json", manifest(ids["m2"], "Manifest two, relabelled"))
    second = harvest(ids["top"], ws, name="tree", fetch=loopback_only)

    assert sorted(r.id for r in second.records) == sorted(r.id for r in first.records)
    on_disk = {r.id: r.title for r in read_jsonl(ws.root / "sources/harvested/tree.jsonl", Record)}
    assert len(on_disk) == 4 and "Manifest two, relabelled" in on_disk.values()

    # The server gone: nothing harvested, and the last good harvest is kept rather than emptied.
    (site / "top.json").unlink()
    third = harvest(ids["top"], ws, name="tree", fetch=loopback_only)
    assert third.records == [] and third.file is None and third.refused[0].code == "E144"
    assert len(list(read_jsonl(ws.root / "sources/harvested/tree.jsonl", Record))) == 4


def test_offline_never_fetches_and_says_so(ws, tmp_path):
    if not (FIXTURES / "collection.json").is_file():
        pytest.skip(f"no validator fixtures at {FIXTURES}")
    result = harvest(str(FIXTURES / "collection.json"), ws, fetch=None)
    assert result.records == []
    assert [r.code for r in result.refused] == ["E144", "E144"]
    assert all("--offline" in r.message and r.parent == "https://example.org/iiif/collection/top"
               for r in result.refused)


def test_a_damaged_harvested_file_is_reported_by_line_and_the_rest_read(tmp_path):
    folder = tmp_path / "sources/harvested"
    folder.mkdir(parents=True)
    good = {"id": "H-1", "title": "一", "record_set": "x", "access": "open"}
    lines = [json.dumps(good), "{not json", json.dumps({**good, "id": "H-2", "access": "开放?"}),
             json.dumps({**good, "id": "H-3", "title": ""})]
    (folder / "x.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    records, problems = read_harvested(folder)
    assert [r.id for r in records] == ["H-1"]
    assert [(p.code, p.where.line) for p in problems] == [("E131", 2), ("E131", 3), ("E132", 4)]
    assert all(p.where.file == "sources/harvested/x.jsonl" and "jiyi harvest iiif" in p.fix for p in problems)


# ---------------------------------------------------------------- through a real build

def make_workspace(folder: Path) -> Path:
    assert jiyi("init", str(folder)).returncode == 0
    return folder


def test_a_harvested_record_is_built_and_published_pointing_at_the_external_image(tmp_path):
    workspace = make_workspace(tmp_path / "ws")
    open_one = write(tmp_path / "zunyi.json", zunyi_manifest())
    closed = write(tmp_path / "closed.json", manifest("https://archive.example.cn/iiif/closed/manifest.json", "Closed"))

    harvested = jiyi("harvest", "iiif", str(open_one), "-w", str(workspace), "-q")
    assert harvested.returncode == 0, harvested.stderr
    assert "Harvested 1 manifest(s) → 1 record(s) in sources/harvested/zunyi.jsonl; 0 refused" in harvested.stdout
    assert jiyi("harvest", "iiif", str(closed), "-w", str(workspace), "--access", "控制", "-q").returncode == 0
    built = jiyi("build", "-w", str(workspace), "-q")
    assert built.returncode == 0, built.stdout + built.stderr

    records = {r.id: r for r in read_jsonl(workspace / "build/internal/records.jsonl", Record)}
    record_id = "H-" + hashlib.sha1(b"https://archive.example.cn/iiif/zunyi/manifest.json").hexdigest()[:12]
    closed_id = "H-" + hashlib.sha1(b"https://archive.example.cn/iiif/closed/manifest.json").hexdigest()[:12]
    assert records[record_id].title == "遵义会议决议"
    assert records[record_id].source.file == "sources/harvested/zunyi.jsonl"

    published = json.loads((workspace / "build/public/iiif" / record_id / "manifest.json").read_text(encoding="utf-8"))
    body = published["items"][0]["items"][0]["items"][0]["body"]
    assert body["id"] == IMAGE and body["service"] == [{"id": SERVICE, "type": "ImageService3", "profile": "level1"}]
    assert (published["items"][0]["width"], published["items"][0]["height"]) == (1200, 1600)
    assert published["label"] == {"zh-Hans": ["遵义会议决议"], "en": ["Resolution of the Zunyi Conference"]}
    assert published["navDate"] == "1935-01-01T00:00:00Z"
    assert published["rights"] == "http://creativecommons.org/publicdomain/mark/1.0/"
    assert not (workspace / "build/public/iiif/images" / record_id).exists()  # nothing downloaded or derived
    assert validate_iiif(published) == []

    # Restricted by --access: a staff manifest only, still by reference.
    assert not (workspace / "build/public/iiif" / closed_id).exists()
    staff = json.loads((workspace / "build/internal/iiif" / closed_id / "manifest.json").read_text(encoding="utf-8"))
    assert staff["items"][0]["items"][0]["items"][0]["body"]["id"] == \
        "https://archive.example.cn/iiif/closed/img/1.jpg"
    assert validate_iiif(staff) == []
