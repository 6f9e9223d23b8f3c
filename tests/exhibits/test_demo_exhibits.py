"""The demo's exhibits (the Long March; Memory of the World) build and check with no problems at all."""

import json
from html.parser import HTMLParser
from urllib.parse import urlparse

import pytest

from jiyi.config import load_config
from jiyi.exhibits import exhibit_folders
from jiyi.exhibits.build_data import BuildData, load_records
from jiyi.exhibits.check import check_exhibit
from jiyi.iiif.validate import DEFAULT_SCHEMA, validate_iiif

DEMO_EXHIBITS = {"long-march", "memory-of-the-world"}


def test_the_demo_exhibits_check_and_build_with_no_problems(built_demo):
    ws, summary = built_demo
    assert {f.name for f in exhibit_folders(ws)} >= DEMO_EXHIBITS
    data = BuildData(ws, load_config(ws.config_file), load_records(ws))
    for folder in exhibit_folders(ws):
        assert [str(p) for p in check_exhibit(folder, ws.relative(folder), data).problems] == []
    stage = next(r for r in summary.results if r.stage == "exhibits")
    assert stage.problems == [] and stage.counts["exhibits"] >= 2


def test_the_demo_exhibits_use_every_kind_of_block(built_demo):
    ws, _ = built_demo
    kinds = set()
    for name in DEMO_EXHIBITS:
        exhibit = json.loads((ws.public_exhibits_dir / f"{name}.json").read_text(encoding="utf-8"))
        kinds |= {block["kind"] for section in exhibit["sections"] for block in section["blocks_zh"] + section["blocks_en"]}
    assert kinds == {"text", "item", "quote", "timeline", "map", "graph", "gallery", "question"}


class References(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.found += [value for name, value in attrs if name in ("src", "href") and value]


@pytest.mark.parametrize("name", sorted(DEMO_EXHIBITS))
def test_the_static_export_refers_only_to_its_own_files(built_demo, name):
    ws, _ = built_demo
    folder = ws.public_exhibits_dir / name
    for page in ("index.html", "en.html"):
        parser = References()
        parser.feed((folder / page).read_text(encoding="utf-8"))
        for reference in parser.found:
            parsed = urlparse(reference)
            assert not parsed.scheme and not parsed.netloc, reference
            assert reference.startswith("#") or (folder / parsed.path).is_file(), reference


@pytest.mark.parametrize("name", sorted(DEMO_EXHIBITS))
def test_the_exhibit_iiif_validates(built_demo, name):
    if not DEFAULT_SCHEMA.is_file():
        pytest.skip(f"IIIF schema not found at {DEFAULT_SCHEMA}")
    ws, _ = built_demo
    folder = ws.public_iiif_dir / "exhibits" / name
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    exhibit = json.loads((ws.public_exhibits_dir / f"{name}.json").read_text(encoding="utf-8"))
    assert validate_iiif(manifest) == []
    assert validate_iiif(json.loads((folder / "collection.json").read_text(encoding="utf-8"))) == []
    assert len(manifest["structures"]) == sum(1 for s in exhibit["sections"] if s["items"] or any(
        b["kind"] in ("item", "gallery") for b in s["blocks_zh"]))
