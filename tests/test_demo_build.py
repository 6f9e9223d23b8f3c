"""The demo workspace built end to end: every IIIF file schema-valid, nothing restricted in public."""

import json

import pytest

from jiyi.iiif.validate import DEFAULT_SCHEMA, other_api, validate_iiif
from jiyi.model import Entity, Record, read_jsonl


def public_files(ws):
    return [p for p in ws.public.rglob("*") if p.is_file()]


def test_the_demo_builds_without_dropping_anything(built_demo):
    _, summary = built_demo
    assert not summary.dropped, [str(p) for p in summary.dropped]
    counts = summary.counts()
    assert counts["records"] >= 30 + 18 + 14  # red archives, Memory of the World, regulations
    assert counts["manifests"] == counts["public records"]


def test_every_public_iiif_file_is_valid_presentation_3(built_demo):
    if not DEFAULT_SCHEMA.is_file():
        pytest.skip(f"IIIF schema not found at {DEFAULT_SCHEMA} (it sits in ../shared beside the checkout)")
    ws, _ = built_demo
    files = sorted(ws.public_iiif_dir.rglob("*.json"))
    assert len(files) > 60
    documents = {p: json.loads(p.read_text(encoding="utf-8")) for p in files}
    # info.json (Image API), the change stream (Discovery) have schemas of their own
    presentation = {p: d for p, d in documents.items() if other_api(d) is None}
    assert len(presentation) > 60 and len(presentation) < len(documents)
    invalid = {str(p.relative_to(ws.public)): errors for p, d in presentation.items() if (errors := validate_iiif(d))}
    assert not invalid


def test_every_manifest_says_its_images_are_rendered_facsimiles(built_demo):
    ws, _ = built_demo
    for path in ws.public_iiif_dir.glob("*/manifest.json"):
        text = path.read_text(encoding="utf-8")
        assert "facsimile" in text and "摹本" in text, path


def test_restricted_records_appear_nowhere_in_public(built_demo, restricted_records):
    ws, _ = built_demo
    assert len(restricted_records) >= 3
    # what only restricted records mention: those entities' ids must not be published either
    restricted_ids = {r.id for r in restricted_records}
    only_restricted = [e for e in read_jsonl(ws.entities_file, Entity) if set(e.record_ids) <= restricted_ids]
    secrets = [*restricted_ids, *(r.title for r in restricted_records), *(e.id for e in only_restricted)]
    leaks = []
    for path in public_files(ws):
        data = path.read_bytes()
        leaks += [(str(path.relative_to(ws.public)), s) for s in secrets if s.encode("utf-8") in data]
        leaks += [(str(path.relative_to(ws.public)), s) for s in restricted_ids if s in str(path.relative_to(ws.public))]
    assert not leaks


def test_restricted_records_are_still_kept_internally(built_demo, restricted_records):
    ws, _ = built_demo
    internal_ids = {r.id for r in read_jsonl(ws.records_file, Record)}
    assert {r.id for r in restricted_records} <= internal_ids
    for record in restricted_records:
        assert (ws.internal_iiif_dir / record.id / "manifest.json").is_file()


def test_unverified_memory_of_the_world_years_are_marked_as_such(built_demo):
    ws, _ = built_demo
    mow = [r for r in read_jsonl(ws.public_records_file, Record) if r.record_set == "memory-of-the-world"]
    assert len(mow) == 18
    unverified = [r for r in mow if "待核实" in r.note]
    assert unverified and all("入选年份" in r.extra for r in mow)
    manifest = json.loads((ws.public_iiif_dir / unverified[0].id / "manifest.json").read_text(encoding="utf-8"))
    assert "待核实" in json.dumps(manifest, ensure_ascii=False)


def test_the_demo_graph_holds_resolved_entities_and_relations_with_evidence(built_demo):
    from jiyi.model import Assertion, EntityType, Mention

    ws, _ = built_demo
    records = {r.id: r for r in read_jsonl(ws.records_file, Record)}
    entities = {e.id: e for e in read_jsonl(ws.entities_file, Entity)}
    mao = next(e for e in entities.values() if e.type is EntityType.PER and e.label == "毛泽东")
    assert "润之" in mao.aliases and mao.qid == "Q5816" and len(mao.record_ids) > 10
    yanan = next(e for e in entities.values() if e.type is EntityType.LOC and "延安" in [e.label, *e.aliases])
    assert yanan.latitude and yanan.admin[0] == "陕西省"
    for mention in read_jsonl(ws.mentions_file, Mention):
        assert getattr(records[mention.record_id], mention.field)[mention.start:mention.end] == mention.text
        assert mention.entity_id in entities
    assertions = list(read_jsonl(ws.assertions_file, Assertion))
    kinds = {a.predicate for a in assertions}
    assert {"created", "participatedIn", "tookPlaceAt", "memberOf"} <= kinds
    for a in assertions:
        assert a.record_id in records and 0 <= a.start < a.end and a.method and 0 < a.confidence <= 1
    turtle = (ws.public_graph_dir / "public.ttl").read_text(encoding="utf-8")
    assert "owl:sameAs <http://www.wikidata.org/entity/Q5816>" in turtle and "rico:isOrWasParticipantIn" in turtle
