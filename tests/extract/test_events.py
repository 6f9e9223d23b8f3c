"""Named events from the dictionary and patterns, with offsets into the text and their date and place."""

import csv

import pytest

from helpers import DEMO_SOURCE
from jiyi.extract.dates import DateFinder
from jiyi.extract.events import EventFinder, event_context
from jiyi.extract.pipeline import resolve_overlaps
from jiyi.extract.recognise import JiebaRecogniser
from jiyi.model import EntityType, Record

DICTIONARY = DEMO_SOURCE / "curation" / "dictionary.txt"


def demo_records() -> dict[str, Record]:
    with open(DEMO_SOURCE / "sources" / "red_archives.csv", encoding="utf-8-sig") as handle:
        return {row["档号"]: Record(id=row["档号"], title=row["题名"], record_set="红色档案", abstract=row["摘要"])
                for row in csv.DictReader(handle)}


@pytest.fixture(scope="module")
def finder():
    return EventFinder(dictionaries=[DICTIONARY])


@pytest.fixture(scope="module")
def records():
    return demo_records()


def events(finder, record):
    found = finder(record)
    for m in found:
        assert getattr(record, m.field)[m.start:m.end] == m.text and m.type is EntityType.EVENT
        assert m.record_id == record.id and 0 < m.confidence <= 1
    return found


def test_dictionary_events_in_demo_abstracts(finder, records):
    found = {(m.field, m.text) for m in events(finder, records["RA-1935-001"])}
    assert ("abstract", "遵义会议") in found
    assert {m.text for m in events(finder, records["RA-1936-002"])} >= {"西安事变"}
    assert {m.text for m in events(finder, records["RA-1934-001"])} >= {"长征", "第五次反“围剿”"}


def test_the_longest_dictionary_name_wins(finder, records):
    texts = [m.text for m in events(finder, records["RA-1949-001"])]
    assert "中共七届二中全会" in texts and "七届二中全会" not in texts


def test_pattern_events_with_lower_confidence(finder, records):
    by_text = {m.text: m for m in events(finder, records["RA-1929-002"])}
    # numbered congresses: 中共红四军第九次代表大会 is in no dictionary
    assert by_text["中共红四军第九次代表大会"].method == "event-pattern"
    assert by_text["古田会议"].confidence > by_text["中共红四军第九次代表大会"].confidence
    # a place from the project dictionary + 会议: 遵义政治局扩大会议
    assert "遵义政治局扩大会议" in {m.text for m in events(finder, records["RA-1935-002"])}
    generic = [m for m in events(finder, records["RA-1935-009"]) if m.text == "政治局扩大会议"]
    assert generic and generic[0].method == "event-pattern-generic" and generic[0].confidence <= 0.5


def test_a_users_places_and_events_extend_the_patterns(tmp_path):
    # a real sentence from 潍坊市红色文化资源保护条例: 潍县 is no modern county, so only a user's word finds it
    sentence = "市、县（市、区）人民政府应当加强对“王尽美革命精神”“渤海走廊”“潍县战役”“三个模式”等红色文化资源的发掘。"
    record = Record(id="L1", title="", record_set="t", text=sentence)
    assert not EventFinder(dictionaries=[])(record)
    words = tmp_path / "words.txt"
    words.write_text("潍县 100 ns\n渤海走廊 100 event\n", encoding="utf-8")
    found = {m.text: m.method for m in EventFinder(dictionaries=[words])(record)}
    assert found == {"潍县战役": "event-pattern", "渤海走廊": "event-dictionary"}


def test_offices_and_committees_are_not_events():
    sentence = "建立革命遗址保护工作联席会议制度。大会常务委员会第二十四次会议通过。"
    assert EventFinder(dictionaries=[])(Record(id="L2", title="", record_set="t", text=sentence)) == []


@pytest.fixture(scope="module")
def context(finder):
    recogniser = JiebaRecogniser(dictionaries=[DICTIONARY])

    def run(record, finder=finder):
        mentions = resolve_overlaps(DateFinder()(record) + recogniser(record) + finder(record))
        return {m.text: event_context(record, m, mentions) for m in mentions if m.type is EntityType.EVENT}

    return run


def test_date_and_place_from_the_same_sentence(context, records):
    assert context(records["RA-1927-002"])["八七会议"] == ("1927-08-07", "汉口")
    date, place = context(records["RA-1937-002"])["洛川会议"]  # 1937年8月22日至25日
    assert date.startswith("1937-08-22") and place == "洛川"
    # the sentence names no date: none is invented; the place comes from the name itself
    assert context(records["RA-1935-001"])["遵义会议"] == ("", "遵义")


def test_no_date_is_taken_from_what_came_after(context, finder, records):
    # 七七事变后，中共中央于1937年7月15日…: that date is not the incident's
    assert context(records["RA-1937-001"])["七七事变"] == ("", "")
    text = "本条例所称红色文化，是指五四运动以来，中国共产党把马克思主义基本原理同中国具体实际相结合。"  # 山东省红色文化保护传承条例
    record = Record(id="L3", title="", record_set="t", text=text)
    (mention,) = finder(record)
    assert mention.text == "五四运动" and text[mention.start:mention.end] == "五四运动"
    assert event_context(record, mention, [mention]) == ("", "")
