"""The entity page on the built demo: its records, the sentence of each mention, neighbours — against the build's files."""

from __future__ import annotations

import json
from collections import Counter
from urllib.parse import quote

from jiyi.apps.i18n import STRINGS
from jiyi.apps.ui import sentence_around
from jiyi.build import open_workspace


def test_sentence_around_finds_the_sentence_of_a_span():
    text = "会议在遵义召开。毛泽东出席会议；周恩来主持。"
    start = text.index("毛泽东")
    assert sentence_around(text, start, start + 3) == "毛泽东出席会议；"
    assert sentence_around(text, 0, 2) == "会议在遵义召开。"
    assert sentence_around("没有句号", 0, 2) == "没有句号"


def public_mentions(ws, public_records):
    texts = {r["id"]: r for r in public_records}
    mentions = [json.loads(line) for line in ws.mentions_file.read_text(encoding="utf-8").splitlines() if line.strip()]
    return texts, [m for m in mentions if m["record_id"] in texts and m.get("entity_id")]


def test_a_persons_page_lists_its_records_and_the_sentence_of_each_mention(open_page, ws, public_records):
    texts, mentions = public_mentions(ws, public_records)
    people = Counter(m["entity_id"] for m in mentions if m["type"] == "PER")
    person, _ = people.most_common(1)[0]
    uri = f"{open_workspace(ws.root)[1].base_uri}person/{quote(person, safe='')}"
    expected_records = {m["record_id"] for m in mentions if m["entity_id"] == person}

    at = open_page("views/entity.py", uri=uri)
    linked = {p.proto.query_string.removeprefix("id=") for p in at.get("page_link") if p.proto.query_string.startswith("id=")}
    assert linked == expected_records
    provenance = at.dataframe[0].value
    field, record_id, words, sentence = (STRINGS[key][0] for key in ("field", "f_id", "words", "sentence"))
    said = [m for m in mentions if m["entity_id"] == person]
    assert len(provenance[provenance[field].isin(["title", "abstract", "text"])]) == len(said)
    for _, row in provenance.iterrows():
        if row[field]:
            record_text = texts[row[record_id]][row[field]]
            assert row[words] in row[sentence] and row[sentence] in record_text
    neighbours = [p.proto.query_string for p in at.get("page_link") if p.proto.query_string.startswith("uri=")]
    assert neighbours, "the most-mentioned person shares records with others"

    at.sidebar.radio[0].set_value("en").run()
    assert not at.exception


def test_an_entity_outside_the_public_graph_is_not_shown(open_page, ws):
    at = open_page("views/entity.py", uri="https://example.org/jiyi/person/nobody")
    assert [i.value for i in at.info] == [STRINGS["entity_not_available"][0]]
    assert "nobody" not in " ".join(e.value for e in [*at.markdown, *at.title, *at.caption])
