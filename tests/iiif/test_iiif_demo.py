"""The demo's IIIF output, built end to end: valid, linked to the public graph, nothing restricted in public."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pytest
from pyoxigraph import RdfFormat, parse

from jiyi.config import load_config
from jiyi.graph.triples import entity_node
from jiyi.graph.vocab import Minter
from jiyi.iiif.validate import other_api, validate_iiif
from jiyi.model import Entity, Mention, Record, read_jsonl


def _json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def demo(built_demo):
    ws, _ = built_demo
    return ws, load_config(ws.config_file)


@pytest.fixture(scope="module")
def public_nodes(demo) -> set[str]:
    ws, _ = demo
    triples = parse(path=str(ws.public_graph_dir / "public.ttl"), format=RdfFormat.TURTLE)
    return {t.subject.value for t in triples}


def test_every_iiif_json_of_the_demo_validates(demo, schema_path):
    ws, _ = demo
    files = [p for p in sorted(ws.build.glob("*/iiif/**/*.json")) if not other_api(_json(p))]  # e.g. info.json
    assert len(files) > 300  # manifests, annotation pages, collections, public and internal
    invalid = {p.relative_to(ws.build).as_posix(): errors for p in files
               if (errors := validate_iiif(_json(p), schema_path))}
    assert invalid == {}


def test_the_reference_library_reads_every_manifest_and_collection(demo):
    """iiif-prezi3, the IIIF community's Python models, as a second reader beside the JSON Schema."""
    from iiif_prezi3 import Collection, Manifest

    ws, _ = demo
    manifests = sorted(ws.public_iiif_dir.glob("*/manifest.json"))
    collections = sorted((ws.public_iiif_dir / "collection").rglob("*.json"))
    assert len(manifests) > 80 and collections
    for path in manifests:
        assert Manifest(**_json(path)).id == _json(path)["id"]
    for path in collections:
        assert Collection(**_json(path)).id == _json(path)["id"]


def test_entity_annotations_link_nodes_of_the_public_graph(demo, public_nodes):
    ws, _ = demo
    pages = sorted(ws.public_iiif_dir.glob("*/annotations/*-entities.json"))
    assert len(pages) > 50
    linked = set()
    for page in pages:
        for annotation in _json(page)["items"]:
            assert annotation["motivation"] == "tagging"
            text, node = annotation["body"]
            assert text["type"] == "TextualBody" and text["value"]
            linked.add(node["source"]["id"])
            targets = annotation["target"] if isinstance(annotation["target"], list) else [annotation["target"]]
            assert all("/canvas/p" in target for target in targets)
    assert len(linked) > 100
    assert linked <= public_nodes, sorted(linked - public_nodes)[:5]
    regions = [a["target"] for p in pages for a in _json(p)["items"] if "#xywh=" in str(a["target"])]
    assert len(regions) > 500  # the demo is all facsimiles: mentions are located on the page


def test_nav_place_has_the_entities_coordinates(demo):
    ws, config = demo
    minter = Minter(config.base_uri)
    by_uri = {entity_node(minter, e).value: e for e in read_jsonl(ws.entities_file, Entity)}
    mentioned: dict[str, set[str]] = {}
    for mention in read_jsonl(ws.mentions_file, Mention):
        mentioned.setdefault(mention.record_id, set()).add(mention.entity_id)
    with_places = 0
    for path in sorted(ws.public_iiif_dir.glob("*/manifest.json")):
        manifest = _json(path)
        record_id = path.parent.name
        expected = {entity_node(minter, e).value for e in by_uri.values()
                    if e.id in mentioned.get(record_id, set()) and e.latitude is not None}
        features = manifest.get("navPlace", {}).get("features", [])
        assert {f["id"] for f in features} == expected, record_id
        for feature in features:
            place = by_uri[feature["id"]]
            assert feature["geometry"] == {"type": "Point", "coordinates": [place.longitude, place.latitude]}
            assert feature["properties"]["label"] == {"zh-Hans": [place.label]}
        if features:
            with_places += 1
            assert manifest["@context"] == ["http://iiif.io/api/extension/navplace/context.json",
                                            "http://iiif.io/api/presentation/3/context.json"]
    assert with_places > 20


def test_see_also_links_the_record_rdf_built_from_base_uri(demo):
    ws, config = demo
    for path in sorted(ws.public_iiif_dir.glob("*/manifest.json")):
        manifest = _json(path)
        stem = f"{config.base_uri}graph/records/{quote(path.parent.name, safe='')}"
        assert [(s["id"], s["type"], s["format"]) for s in manifest["seeAlso"]] == [
            (f"{stem}.ttl", "Dataset", "text/turtle"), (f"{stem}.jsonld", "Dataset", "application/ld+json")]
        for link in manifest["seeAlso"]:  # the graph stage wrote the file each one names
            assert (ws.public_graph_dir / "records" / link["id"].rsplit("/", 1)[1]).is_file()


def test_providers_are_agents_of_the_public_graph(demo, public_nodes):
    ws, config = demo
    held = 0
    for path in sorted(ws.public_iiif_dir.glob("*/manifest.json")):
        manifest = _json(path)
        for agent in manifest["provider"]:
            assert agent["type"] == "Agent"
            if agent["id"] != config.base_uri:
                held += 1
                assert agent["id"] in public_nodes
    assert held >= 5


def test_a_regulation_with_chapters_has_ranges(demo):
    ws, _ = demo
    record = next(r for r in read_jsonl(ws.records_file, Record) if r.title == "上海市档案条例")
    manifest = _json(ws.public_iiif_dir / record.id / "manifest.json")
    chapters = manifest["structures"]
    assert chapters[0]["label"] == {"zh-Hans": ["第一章 总则"]}
    assert chapters[0]["items"][0]["label"] == {"zh-Hans": ["第一条"]}
    canvases = {canvas["id"] for canvas in manifest["items"]}
    for chapter in chapters:
        for article in chapter["items"]:
            assert article["type"] == "Range" and {c["id"] for c in article["items"]} <= canvases


def test_transcriptions_hold_the_records_text(demo):
    ws, _ = demo
    record = next(r for r in read_jsonl(ws.records_file, Record) if r.title == "上海市档案条例")
    lines = []
    for page in sorted((ws.public_iiif_dir / record.id / "annotations").glob("*-transcription.json")):
        lines += [a["body"]["value"] for a in _json(page)["items"]]
    assert lines[0] == record.title
    assert "".join(lines[1:]).replace(" ", "") in record.text.replace("\n", "").replace(" ", "")


def test_no_restricted_record_appears_in_public_iiif(demo, restricted_records):
    ws, _ = demo
    needles = set()
    for record in restricted_records:
        needles |= {record.id, quote(record.id, safe=""), record.title}
        needles |= {value for value in (record.abstract, record.text) if len(value) > 8}
    restricted_ids = {r.id for r in restricted_records}  # what only restricted records mention stays out too
    needles |= {e.id for e in read_jsonl(ws.entities_file, Entity) if set(e.record_ids) <= restricted_ids}
    files = [p for p in ws.public_iiif_dir.rglob("*") if p.is_file()]
    assert len(files) > 300
    for path in files:
        data = path.read_bytes() if path.suffix == ".json" else b""
        for needle in needles:
            assert needle not in path.as_posix(), path
            assert needle.encode("utf-8") not in data, f"{needle[:20]} in {path}"
    for record in restricted_records:
        assert (ws.internal_iiif_dir / record.id / "manifest.json").is_file()
        assert not (ws.public_iiif_dir / record.id).exists()
