"""What the exhibits stage publishes: sanitised pages, a static export that works from disk, valid IIIF."""

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from jiyi.build import build, open_workspace
from jiyi.iiif.validate import DEFAULT_SCHEMA, validate_iiif
from jiyi.progress import QUIET

YAML = """id: first
title: {zh: "第一个展览<script>alert(1)</script>", en: A first exhibit}
summary: {zh: "简介<img src=x onerror=alert(2)>", en: Summary}
cover: A-1
sections:
  - heading: {zh: 开端, en: Beginnings}
    markdown: {zh: 01.zh.md, en: 01.en.md}
    items:
      - record: A-1
        caption: {zh: 决议, en: The resolution}
      - record: S-1
        caption: {zh: 内部材料甲的图说, en: not public}
"""
HOSTILE = """# 开端

[[毛泽东]]在[[遵义市|遵义]]开会；[[方志敏]]只见于内部档案。

<script>alert("x")</script>
<img src="x" onerror="alert(1)">
<a href="javascript:alert(1)">click</a> and [click too](javascript:alert(1)) and [out](https://example.com/)
<iframe src="https://example.com/"></iframe>

![up](../../sources/catalogue.csv) ![abs](/etc/passwd) ![remote](https://example.com/x.png) ![ok](photo.png)

::: item A-1 xywh=0,0,1240,600
**局部** <span onmouseover="alert(3)">hover</span>
:::

::: item S-1
内部
:::

::: quote A-1 chars=0-7
:::

::: gallery A-1, S-1, A-2
:::

::: timeline records=A-1,A-2,S-1
:::

::: map from=A-1,A-2,S-1
:::

::: graph 毛泽东 depth=2
:::

::: question
为什么？<script>alert(4)</script>
:::
"""
DANGER = re.compile(r"<script|onerror\s*=|onmouseover\s*=|javascript:|<iframe", re.I)
SECRETS = ("S-1", "方志敏狱中手稿", "内部材料甲", "南昌")


@pytest.fixture(scope="module")
def published(small_ws):
    import shutil

    shutil.rmtree(small_ws.exhibits_dir, ignore_errors=True)
    folder = small_ws.exhibits_dir / "first"
    folder.mkdir(parents=True)
    (folder / "exhibit.yaml").write_text(YAML, encoding="utf-8")
    (folder / "01.zh.md").write_text(HOSTILE, encoding="utf-8")
    (folder / "01.en.md").write_text("# Beginnings\n\n[[毛泽东|Mao]] at Zunyi.\n", encoding="utf-8")
    (folder / "photo.png").write_bytes((small_ws.public_iiif_dir / "images" / "A-1" / "p001.png").read_bytes())
    ws, config = open_workspace(small_ws.root)
    summary = build(ws, config, QUIET, stages=["exhibits"])
    yield ws, summary
    shutil.rmtree(small_ws.exhibits_dir, ignore_errors=True)


def public_files(ws) -> list[Path]:
    return [p for p in (ws.public_exhibits_dir).rglob("*") if p.is_file()] + \
        [p for p in (ws.public_iiif_dir / "exhibits").rglob("*") if p.is_file()]


def test_no_script_handler_or_javascript_reaches_any_public_file(published):
    ws, _ = published
    files = public_files(ws)
    assert {p.name for p in files} >= {"first.json", "index.html", "en.html", "manifest.json", "collection.json"}
    for path in files:
        if path.suffix in (".html", ".json"):
            text = path.read_text(encoding="utf-8")
            assert not DANGER.search(text), (path, DANGER.search(text)[0])
    page = (ws.public_exhibits_dir / "first" / "index.html").read_text(encoding="utf-8")
    assert "<strong>局部</strong>" in page and "hover" in page  # the words stay; the handler goes


def test_nothing_restricted_is_published(published):
    ws, summary = published
    for path in public_files(ws):
        data = path.read_bytes()
        assert not [s for s in SECRETS if s.encode("utf-8") in data], path
    assert summary.counts()["withheld items"] == 1
    codes = sorted(p.code for p in summary.problems)
    assert codes.count("E507") == 5  # the yaml item, the item block, the gallery, the timeline and the map
    assert "W510" in codes and "E511" in codes


def test_an_entity_known_only_from_restricted_records_is_not_linked(published):
    ws, _ = published
    section = json.loads((ws.public_exhibits_dir / "first.json").read_text(encoding="utf-8"))["sections"][0]
    assert 'title="人物: 毛泽东">毛泽东</a>' in section["body_zh"]
    assert "只见于内部档案" in section["body_zh"] and "#entity" not in section["body_zh"].split("只见于")[0].split("；")[-1]


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.references: list[tuple[str, str]] = []
        self.anchors: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href") and value is not None:
                self.references.append((tag, value))
            if name == "id":
                self.anchors.add(value)


def test_the_static_export_works_from_disk_with_only_local_files(published):
    ws, _ = published
    folder = ws.public_exhibits_dir / "first"
    for name in ("index.html", "en.html"):
        parser = Links()
        parser.feed((folder / name).read_text(encoding="utf-8"))
        assert parser.references
        for tag, value in parser.references:
            parsed = urlparse(value)
            assert not parsed.scheme and not parsed.netloc, value  # no http(s), no //host, no data: or file:
            if value.startswith("#"):
                assert value[1:] in parser.anchors, value  # entity links land on the page's own index
            else:
                target = (folder / unquote(parsed.path)).resolve()
                assert target.is_relative_to(folder.resolve()) and target.is_file(), value
    images = sorted(p.name for p in (folder / "images").iterdir())
    assert "A-1-p1-0-0-1240-600.png" in images  # the region, cropped
    assert (folder / "files" / "photo.png").is_file()
    from PIL import Image

    with Image.open(folder / "images" / "A-1-p1-0-0-1240-600.png") as crop:
        assert crop.size == (1240, 600)


def test_the_public_json_reads_back_and_names_its_blocks(published):
    from jiyi.model import Exhibit, from_dict

    ws, _ = published
    exhibit = from_dict(Exhibit, json.loads((ws.public_exhibits_dir / "first.json").read_text(encoding="utf-8")))
    assert exhibit.title_zh == "第一个展览" and exhibit.cover == "first/images/A-1-p1.png"
    kinds = [block["kind"] for block in exhibit.sections[0].blocks_zh]
    assert kinds == ["text", "item", "quote", "gallery", "timeline", "map", "graph", "question"]
    gallery = exhibit.sections[0].blocks_zh[3]
    assert gallery["record_ids"] == ["A-1", "A-2"] and len(gallery["images"]) == 2
    for block in exhibit.sections[0].blocks_zh:
        for image in block.get("images", []):
            assert (ws.public_exhibits_dir / image).is_file()


def test_the_exhibit_iiif_is_valid_with_one_range_per_section(published):
    if not DEFAULT_SCHEMA.is_file():
        pytest.skip(f"IIIF schema not found at {DEFAULT_SCHEMA}")
    ws, _ = published
    folder = ws.public_iiif_dir / "exhibits" / "first"
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    collection = json.loads((folder / "collection.json").read_text(encoding="utf-8"))
    assert validate_iiif(manifest) == [] and validate_iiif(collection) == []
    assert [c["id"].rsplit("/", 3)[-3] for c in manifest["items"]] == ["A-1", "A-2"]
    (section_range,) = manifest["structures"]
    assert section_range["items"][0]["id"].endswith("#xywh=0,0,1240,600")
    assert [m["type"] for m in collection["items"]] == ["Manifest"] * 3
    assert collection["items"][0]["id"] == manifest["id"]
