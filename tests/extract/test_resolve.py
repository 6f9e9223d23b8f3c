"""Resolution: one entity per referent across records, all its surface forms kept, ids stable."""

import csv

import pytest

from helpers import DEMO_SOURCE
from jiyi.extract.dates import DateFinder
from jiyi.extract.events import EventFinder
from jiyi.extract.pipeline import resolve_overlaps
from jiyi.extract.recognise import JiebaRecogniser
from jiyi.extract.resolve import Resolver
from jiyi.model import EntityType, Mention, Record, entity_key

DICTIONARY = DEMO_SOURCE / "curation" / "dictionary.txt"
PER, LOC, ORG, EVENT = EntityType.PER, EntityType.LOC, EntityType.ORG, EntityType.EVENT


def demo_records() -> dict[str, Record]:
    with open(DEMO_SOURCE / "sources" / "red_archives.csv", encoding="utf-8-sig") as handle:
        return {row["档号"]: Record(id=row["档号"], title=row["题名"], record_set="红色档案", abstract=row["摘要"])
                for row in csv.DictReader(handle)}


def mention(record: Record, text: str, kind: EntityType, method: str = "dictionary") -> Mention:
    start = record.abstract.index(text)
    return Mention(record.id, start, start + len(text), text, kind, method, 0.9, field="abstract")


@pytest.fixture(scope="module")
def resolver():
    return Resolver(alias_files=[])


@pytest.fixture(scope="module")
def records():
    records = demo_records()
    # the same sentences as a Big5-era catalogue would hold them, and one naming Mao by his courtesy name
    records["T1"] = Record(id="T1", title="", record_set="t", abstract="遵義會議實際上確立了毛澤東在黨中央和紅軍的領導地位。")
    records["T2"] = Record(id="T2", title="", record_set="t", abstract="毛润之在湘潭写信给周恩来。")
    return records


def by_label(entities):
    return {(e.type, e.label): e for e in entities}


def test_traditional_forms_and_courtesy_names_are_one_person(resolver, records):
    mentions = [mention(records["RA-1935-001"], "毛泽东", PER), mention(records["T1"], "毛澤東", PER),
                mention(records["T2"], "毛润之", PER), mention(records["T2"], "周恩来", PER)]
    entities, resolved = resolver.resolve(mentions, records)
    mao = by_label(entities)[(PER, "毛泽东")]
    assert {"毛澤東", "毛润之", "润之"} <= set(mao.aliases) and "毛泽东" not in mao.aliases
    assert mao.record_ids == ["RA-1935-001", "T1", "T2"] and mao.qid == "Q5816"
    assert [m.entity_id for m in resolved[:3]] == [mao.id] * 3
    zhou = by_label(entities)[(PER, "周恩来")]
    assert zhou.id != mao.id and resolved[3].entity_id == zhou.id and zhou.qid == ""  # no QID unless certain


def test_different_people_stay_apart(resolver, records):
    record = Record(id="T3", title="", record_set="t", abstract="毛泽东、毛泽民、朱德、朱德海、张国焘、张闻天")
    mentions = [mention(record, name, PER) for name in ["毛泽东", "毛泽民", "朱德", "朱德海", "张国焘", "张闻天"]]
    entities, _ = resolver.resolve(mentions, {"T3": record})
    assert len(entities) == 6


def test_the_same_name_of_another_type_is_another_entity(resolver, records):
    record = Record(id="T4", title="", record_set="t", abstract="井冈山的斗争。井冈山")
    mentions = [mention(record, "井冈山", LOC), Mention("T4", 0, 3, "井冈山", EVENT, "m", 0.5, field="abstract")]
    entities, _ = resolver.resolve(mentions, {"T4": record})
    assert {e.type for e in entities} == {LOC, EVENT}


def test_old_and_new_place_names_are_one_place_with_coordinates(resolver, records):
    mentions = [mention(records["RA-1949-001"], "北平", LOC), mention(records["RA-1949-003"], "北京", LOC),
                mention(records["RA-1935-001"], "遵义", LOC)]
    entities, resolved = resolver.resolve(mentions, records)
    beijing = by_label(entities)[(LOC, "北京市")]
    assert set(beijing.aliases) == {"北平", "北京"} and beijing.record_ids == ["RA-1949-001", "RA-1949-003"]
    assert (beijing.latitude, beijing.longitude, beijing.admin) == (39.9, 116.4, ["北京市"])
    zunyi = by_label(entities)[(LOC, "遵义市")]
    assert zunyi.admin == ["贵州省", "遵义市"] and zunyi.note.startswith("ambiguous: 2 places named 遵义")
    assert resolved[0].entity_id == resolved[1].entity_id == beijing.id


def test_event_aliases_merge_and_generic_meetings_stay_apart(resolver, records):
    mentions = [mention(records["RA-1945-001"], "中国共产党第七次全国代表大会", EVENT, "event-dictionary"),
                mention(records["RA-1945-002"], "中共七大", EVENT, "event-dictionary"),
                mention(records["RA-1935-009"], "政治局扩大会议", EVENT, "event-pattern-generic"),
                mention(records["RA-1935-001"], "政治局会议", EVENT, "event-pattern-generic")]
    entities, _ = resolver.resolve(mentions, records)
    congress = by_label(entities)[(EVENT, "中国共产党第七次全国代表大会")]
    assert congress.aliases[0] == "中共七大" and congress.record_ids == ["RA-1945-001", "RA-1945-002"]
    other = Record(id="T5", title="", record_set="t", abstract="中共中央在延安召开政治局扩大会议。")
    again, _ = resolver.resolve(mentions[2:3] + [mention(other, "政治局扩大会议", EVENT, "event-pattern-generic")],
                                {**records, "T5": other})
    assert len(again) == 2  # two meetings with the same generic name are not one event


def test_users_alias_files_extend_the_curated_ones(tmp_path, records):
    aliases = tmp_path / "aliases.tsv"
    aliases.write_text("# ours\n润之\tPER\t石三伢子\t\n", encoding="utf-8")
    resolver = Resolver(alias_files=[aliases])
    record = Record(id="T6", title="", record_set="t", abstract="石三伢子")
    (entity,), _ = resolver.resolve([mention(record, "石三伢子", PER)], {"T6": record})
    assert entity.label == "毛泽东" and entity.id == entity_key(PER, "毛泽东")


def test_a_bad_alias_file_says_where_and_how_to_fix(tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_text("毛泽东\tperson\t润之\t\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"E211 .*bad.tsv:1"):
        Resolver(alias_files=[bad])
    bad.write_text("毛泽东\tPER\t润之\tmao\n", encoding="utf-8")
    with pytest.raises(ValueError, match="E212"):
        Resolver(alias_files=[bad])


def demo_run():
    records = demo_records()
    components = [DateFinder(), JiebaRecogniser(dictionaries=[DICTIONARY]), EventFinder(dictionaries=[DICTIONARY])]
    mentions = [m for r in records.values() for m in resolve_overlaps([x for c in components for x in c(r)])]
    return mentions, Resolver(alias_files=[]).resolve(mentions, records)


def test_the_demo_resolves_with_stable_ids():
    mentions, (entities, resolved) = demo_run()
    _, (entities_again, resolved_again) = demo_run()
    assert [e.id for e in entities] == [e.id for e in entities_again]
    assert [m.entity_id for m in resolved] == [m.entity_id for m in resolved_again]
    ids = {e.id for e in entities}
    assert len(ids) == len(entities)
    for before, after in zip(mentions, resolved):
        assert (before.start, before.end, before.text) == (after.start, after.end, after.text)
        assert after.entity_id in ids
    labels = by_label(entities)
    assert labels[(PER, "毛泽东")].id == entity_key(PER, "毛泽东")
    assert len(labels[(PER, "毛泽东")].record_ids) > 20
    assert labels[(ORG, "中国共产党")].qid == "Q17427"
    assert labels[(LOC, "瑞金市")].admin == ["江西省", "赣州市", "瑞金市"]
    assert labels[(EVENT, "遵义会议")].record_ids == ["RA-1935-001", "RA-1935-002"]
