"""The first recogniser: offsets that point at the right characters, dictionaries that win, dates found."""

import jieba
from hypothesis import given, settings
from hypothesis import strategies as st

from jiyi.extract.pipeline import DEFAULT_PIPELINE, extract, make_pipeline, resolve_overlaps
from jiyi.extract.resolve import Resolver
from jiyi.model import EntityType, Mention, Record

ABSTRACT = "1935年1月15日至17日，中共中央政治局在贵州遵义召开扩大会议，周恩来、毛泽东、张闻天出席。民国二十四年一月。"


def pipeline(tmp_path, words=""):
    dictionary = tmp_path / "dict.txt"
    dictionary.write_text(words, encoding="utf-8")
    return make_pipeline(DEFAULT_PIPELINE, dictionaries=[dictionary])


def test_offsets_point_at_the_mentioned_text(tmp_path):
    record = Record(id="R1", title="遵义会议决议", record_set="t", abstract=ABSTRACT)
    mentions = extract(record, pipeline(tmp_path))
    assert mentions
    for m in mentions:
        assert getattr(record, m.field)[m.start:m.end] == m.text
        assert m.record_id == "R1" and 0 < m.confidence <= 1 and m.method


def test_dates_and_dictionary_words_are_found(tmp_path):
    record = Record(id="R1", title="", record_set="t", abstract=ABSTRACT)
    found = {(m.text, m.type, m.method) for m in extract(record, pipeline(tmp_path, "周恩来 1000 nr\n遵义 1000 ns\n"))}
    assert ("1935年1月15日至17日", EntityType.TIME, "date-pattern") in found  # a range, one mention
    assert ("民国二十四年一月", EntityType.TIME, "date-pattern") in found
    # jieba alone tags 周恩来 as a time word (t); the project dictionary fixes that
    assert ("周恩来", EntityType.PER, "dictionary") in found
    assert ("遵义", EntityType.LOC, "dictionary") in found


def test_impossible_dates_are_not_mentions(tmp_path):
    record = Record(id="R1", title="", record_set="t", abstract="民国三十八年十三月的来信")
    assert not [m for m in extract(record, pipeline(tmp_path)) if m.type is EntityType.TIME and "十三月" in m.text]


def test_project_words_stay_out_of_jiebas_global_dictionary(tmp_path):
    pipeline(tmp_path, "某某某单位 1000 nt\n")
    assert "某某某单位" not in jieba.dt.FREQ


def test_entities_merge_mentions_by_type_and_label():
    mentions = [Mention("A", 0, 3, "毛泽东", EntityType.PER, "d", 0.9), Mention("B", 5, 8, "毛泽东", EntityType.PER, "d", 0.9),
                Mention("B", 0, 2, "遵义", EntityType.LOC, "d", 0.9)]
    entities, resolved = Resolver().resolve(mentions, {})
    by_label = {e.label: e for e in entities}
    assert by_label["毛泽东"].record_ids == ["A", "B"]
    assert [m.entity_id for m in resolved[:2]] == [by_label["毛泽东"].id] * 2


@settings(max_examples=200)
@given(st.lists(st.tuples(st.integers(0, 50), st.integers(1, 10), st.floats(0.1, 1.0)), max_size=30))
def test_resolved_mentions_never_overlap(spans):
    mentions = [Mention("R", s, s + n, "x" * n, EntityType.PER, "m", c) for s, n, c in spans]
    kept = resolve_overlaps(mentions)
    for a, b in zip(kept, kept[1:]):
        assert a.end <= b.start
    # every dropped mention overlaps a kept one that is at least as long
    for m in mentions:
        if m not in kept:
            assert any(k.start < m.end and m.start < k.end and k.end - k.start >= m.end - m.start for k in kept)


def test_words_jieba_mistakes_for_names_are_not_people(tmp_path):
    record = Record(id="R1", title="", record_set="t", text="弘扬革命精神，加强宣传教育。张闻天出席会议。")
    people = {m.text for m in extract(record, pipeline(tmp_path)) if m.type is EntityType.PER}
    assert people == {"张闻天"}


def test_jiyi_ner_speaks_the_scorers_format(tmp_path):
    import json
    import subprocess
    import sys
    from pathlib import Path

    lines = ["张闻天在遵义出席会议。", "", "中共中央在延安。"]
    result = subprocess.run([str(Path(sys.executable).parent / "jiyi"), "ner"], input="\n".join(lines) + "\n",
                            capture_output=True, text=True, check=True)
    outputs = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(outputs) == len(lines) and outputs[1] == {"entities": []}
    for line, output in zip(lines, outputs):
        for entity in output["entities"]:
            assert line[entity["start"]:entity["end"]] == entity["text"]
    assert {"type": "PER", "text": "张闻天"}.items() <= outputs[0]["entities"][0].items()


def test_traditional_text_is_read_and_quoted_as_written(tmp_path):
    record = Record(id="R1", title="", record_set="t", text="１９３５年１月，毛澤東在遵義。")
    mentions = extract(record, pipeline(tmp_path, "毛泽东 1000 nr\n遵义 1000 ns\n"))
    found = {(m.text, m.type) for m in mentions}
    assert ("毛澤東", EntityType.PER) in found and ("遵義", EntityType.LOC) in found
    assert ("１９３５年１月", EntityType.TIME) in found
    for m in mentions:
        assert record.text[m.start:m.end] == m.text
    entities, _ = Resolver().resolve(mentions, {"R1": record})
    (mao,) = [e for e in entities if e.type is EntityType.PER]
    assert mao.label == "毛泽东" and "毛澤東" in mao.aliases


def test_a_long_line_takes_linear_time(tmp_path):
    import time

    components = pipeline(tmp_path)
    sentence = "1935年1月，中共中央政治局在遵义召开扩大会议，毛泽东、周恩来出席。"
    seconds = []
    for repeats in (15_000, 30_000):  # about 0.5 and 1 million characters on one line
        record = Record(id="R", title="", record_set="t", text=sentence * repeats)
        started = time.perf_counter()
        found = extract(record, components)
        seconds.append(time.perf_counter() - started)
        assert len(found) >= 3 * repeats
    assert seconds[1] / seconds[0] < 3  # quadratic work would give about 4
