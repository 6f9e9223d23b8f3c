"""Themed databases built from the demo: what readers type finds what they mean, facets count right, nothing leaks."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import rdflib

from jiyi.model import EntityType
from jiyi.search.documents import document_type, fold
from jiyi.search.index import SearchRequest, TantivyBackend, read_meta

JIYI = str(Path(sys.executable).parent / "jiyi")
DEMO_THEMES = ["long-march", "memory-of-the-world", "red-archives", "red-heritage-law"]


def jiyi(*args):
    return subprocess.run([JIYI, *args], capture_output=True, text=True, timeout=300)


def backend(ws, theme, internal=False):
    folder = (ws.internal_search_dir if internal else ws.public_search_dir) / theme
    return TantivyBackend(folder, read_meta(folder)["facets"])


def ids(ws, theme, text, internal=False, **options):
    return {hit.id for hit in backend(ws, theme, internal).query(SearchRequest(text=text, size=1000, **options)).hits}


def containing(records, word, record_set=None):
    """Ids of records whose folded title, abstract or text holds the word: the truth to compare hits with."""
    return {r.id for r in records if (record_set is None or r.record_set == record_set)
            and fold(word) in fold("\n".join([r.title, r.abstract, r.text]))}


# ------------------------------------------------------------------ what the stage builds


def test_each_record_is_given_the_themes_whose_walk_holds_it_however_they_overlap():
    from jiyi.model import Record
    from jiyi.search import ThemeMembers

    records = [Record(id=f"R{n}", title="t", record_set="s") for n in range(6)]
    members = ThemeMembers({"even": iter(records[0::2]), "from-3": iter(records[3:]), "none": iter([])})
    assert [members.of(r.id) for r in records] == [["even"], [], ["even"], ["from-3"], ["even", "from-3"], ["from-3"]]


def test_a_records_facet_labels_come_once_each_in_the_entities_order():
    from jiyi.model import Entity
    from jiyi.search.documents import RecordLabels

    entities = [Entity(id="p1", type=EntityType.PER, label="毛泽东", record_ids=["R1", "R2"]),
                Entity(id="d1", type=EntityType.TIME, label="1935-01", record_ids=["R1"]),
                Entity(id="l1", type=EntityType.LOC, label="遵义", record_ids=["R1"]),
                Entity(id="p2", type=EntityType.PER, label="周恩来", record_ids=["R1"]),
                Entity(id="p3", type=EntityType.PER, label="毛泽东", record_ids=["R1"])]  # a second entity, same label
    with RecordLabels(entities) as labels:
        assert labels.of("R1") == {"persons": ["毛泽东", "周恩来"], "places": ["遵义"]}
        assert labels.of("R2") == {"persons": ["毛泽东"]} and labels.of("R3") == {}


def test_every_theme_is_built_public_and_internal(search_demo):
    ws, _ = search_demo
    assert sorted(p.name for p in ws.public_search_dir.iterdir()) == DEMO_THEMES
    assert sorted(p.name for p in ws.internal_search_dir.iterdir()) == DEMO_THEMES
    assert "access" in read_meta(ws.internal_search_dir / "red-archives")["facets"]
    assert "access" not in read_meta(ws.public_search_dir / "red-archives")["facets"]


def test_the_public_index_holds_no_record_that_is_not_open(search_demo, records):
    ws, _ = search_demo
    open_ids = {r.id for r in records if r.is_public}
    restricted = {r.id for r in records if not r.is_public}
    for theme in DEMO_THEMES:
        public = ids(ws, theme, "")
        assert public <= open_ids, (theme, public - open_ids)
        assert read_meta(ws.public_search_dir / theme)["records"] == len(public)
    # the red archives hold restricted rows: the internal index has them, so the test above means something
    assert ids(ws, "red-archives", "", internal=True) & restricted
    raw = b"".join(p.read_bytes() for p in ws.public_search_dir.rglob("*") if p.is_file())
    assert not [i for i in restricted if i.encode("utf-8") in raw]


def test_record_set_theme_holds_exactly_its_record_set(search_demo, records):
    ws, _ = search_demo
    expected = {r.id for r in records if r.record_set == "memory-of-the-world" and r.is_public}
    assert ids(ws, "memory-of-the-world", "") == expected and len(expected) == 18


def test_sparql_theme_holds_what_the_query_selects(search_demo, records):
    ws, _ = search_demo
    expected = {r.id for r in records if r.is_public and ("红色" in r.title or "革命遗址" in r.title)}
    assert expected and ids(ws, "red-heritage-law", "") == expected


def test_concept_theme_holds_records_that_speak_of_it_in_either_script(search_demo, records):
    ws, _ = search_demo
    held = ids(ws, "long-march", "", internal=True)
    assert containing(records, "长征") <= held
    assert any(r.title.startswith("紅軍長征") for r in records if r.id in held)


def test_a_theme_removed_from_the_config_disappears_on_rebuild(search_demo, tmp_path):
    import shutil
    from dataclasses import replace

    from jiyi.build import run_stage
    from jiyi.progress import QUIET
    from jiyi.workspace import Workspace

    ws, config = search_demo
    copy = Workspace(tmp_path / "ws")
    shutil.copytree(ws.root, copy.root)
    run_stage("search", copy, replace(config, themes=config.themes[:1]), QUIET)
    assert [p.name for p in copy.public_search_dir.iterdir()] == [config.themes[0].name]
    assert not [p for p in copy.public_search_dir.parent.iterdir() if p.name.startswith(".search")]


# ------------------------------------------------------------------ what readers type


@pytest.mark.parametrize("word", ["会议", "长征", "宣言", "红军"])
def test_two_character_words_are_found(search_demo, records, word):
    ws, _ = search_demo
    found = ids(ws, "red-archives", word, internal=True)
    expected = containing(records, word, "red-archives")
    assert expected and found == expected


def test_traditional_input_finds_simplified_text(search_demo):
    ws, _ = search_demo
    assert ids(ws, "red-archives", "長征") == ids(ws, "red-archives", "长征") != set()
    assert ids(ws, "red-archives", "會議") == ids(ws, "red-archives", "会议") != set()


def test_simplified_input_finds_traditional_text(search_demo, records):
    ws, _ = search_demo
    traditional = next(r.id for r in records if r.title.startswith("紅軍長征"))
    assert traditional in ids(ws, "long-march", "长征")
    assert traditional in ids(ws, "long-march", "档案 史料")  # 檔案 in the text
    hit = next(h for h in backend(ws, "long-march").query(SearchRequest(text="长征", size=100)).hits if h.id == traditional)
    assert "<em>長征</em>" in hit.snippet  # the snippet shows the text as written, the match marked


def test_pinyin_finds_chinese(search_demo):
    ws, _ = search_demo
    chinese = ids(ws, "red-archives", "长征")
    assert chinese and chinese <= ids(ws, "red-archives", "changzheng")
    assert ids(ws, "red-archives", "ZunYi") >= ids(ws, "red-archives", "遵义") != set()


def test_words_without_spaces_are_cut_and_all_must_match(search_demo, records):
    ws, _ = search_demo
    both = containing(records, "长征", "red-archives") & containing(records, "会师", "red-archives")
    assert both and ids(ws, "red-archives", "长征会师", internal=True) == both
    assert ids(ws, "red-archives", "长征 会师", internal=True) == both


def test_exclusion_and_or(search_demo, records):
    ws, _ = search_demo
    march, meeting = (containing(records, w, "red-archives") for w in ("长征", "遵义"))
    assert ids(ws, "red-archives", "长征 -遵义", internal=True) == march - meeting
    assert ids(ws, "red-archives", "长征 OR 遵义", internal=True) == march | meeting


def test_bad_query_syntax_is_a_clear_error(search_demo):
    ws, _ = search_demo
    for query in ['"长征', "OR 长征", "长征 OR", "-遵义", "长征 -"]:
        result = jiyi("search", "-w", str(ws.root), "--", "red-archives", query)  # -- : a query may start with -
        assert result.returncode == 1, query
        assert "E702 query syntax" in result.stderr and "Traceback" not in result.stderr


# ------------------------------------------------------------------ facets, filters, sorting, paging


def test_facet_counts_match_the_records(search_demo, records, entities):
    ws, _ = search_demo
    theme = [r for r in records if r.record_set == "red-archives"]
    result = backend(ws, "red-archives", internal=True).query(SearchRequest(text="", facet_size=100))
    assert result.total == len(theme)
    assert dict(result.facets["fonds"]) == dict(Counter(r.fonds for r in theme if r.fonds))
    assert dict(result.facets["access"]) == dict(Counter(r.access.value for r in theme))
    assert dict(result.facets["year"]) == {str(y): n for y, n in Counter(int(r.date[:4]) for r in theme if r.date).items()}
    assert dict(result.facets["type"]) == dict(Counter(document_type(r) for r in theme))
    theme_ids = {r.id for r in theme}
    persons = Counter()
    for entity in entities:
        if entity.type is EntityType.PER:
            persons.update({entity.label: len(theme_ids & set(entity.record_ids))})
    for name, count in result.facets["person"]:
        assert persons[name] == count, name
    assert result.facets["person"][0][1] == max(persons.values())


def test_a_facet_filter_narrows_to_its_value(search_demo, records):
    ws, _ = search_demo
    expected = {r.id for r in records if r.record_set == "red-archives" and r.fonds == "中共中央档案" and r.is_public}
    assert ids(ws, "red-archives", "", facets={"fonds": ["中共中央档案"]}) == expected
    result = backend(ws, "red-archives").query(SearchRequest(text="", facets={"person": ["毛泽东"]}, size=100))
    assert result.total and all("毛泽东" in hit.persons for hit in result.hits)


def test_year_range(search_demo, records):
    ws, _ = search_demo
    expected = {r.id for r in records if r.record_set == "red-archives" and r.is_public and r.date
                and 1934 <= int(r.date[:4]) <= 1936}
    assert expected and ids(ws, "red-archives", "", year_from=1934, year_to=1936) == expected


def test_sort_by_date_puts_the_oldest_first_and_undated_last(search_demo):
    ws, _ = search_demo
    hits = backend(ws, "long-march").query(SearchRequest(text="", sort="date", size=100)).hits
    dates = [hit.date for hit in hits]
    assert dates == sorted(dates, key=lambda d: (not d, d)) and len(dates) > 3


def test_pages_follow_each_other(search_demo):
    ws, _ = search_demo
    search = backend(ws, "red-archives")
    first, second = (search.query(SearchRequest(text="中国", size=5, page=page)) for page in (1, 2))
    both = search.query(SearchRequest(text="中国", size=10))
    assert [h.id for h in first.hits + second.hits] == [h.id for h in both.hits]
    assert [h.rank for h in second.hits] == [6, 7, 8, 9, 10]


# ------------------------------------------------------------------ the command line


def test_list_gives_one_public_theme_per_line_name_first(search_demo):
    ws, _ = search_demo
    result = jiyi("search", "--list", "-w", str(ws.root))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split("\t")[0] for line in lines] == DEMO_THEMES
    for line in lines:
        name, label, count = line.split("\t")
        assert count == f"{read_meta(ws.public_search_dir / name)['records']} records" and label


def test_json_gives_one_hit_per_line(search_demo):
    ws, _ = search_demo
    result = jiyi("search", "red-archives", "长征", "--json", "--size", "50", "-w", str(ws.root))
    assert result.returncode == 0, result.stderr
    hits = [json.loads(line) for line in result.stdout.splitlines()]
    assert {h["id"] for h in hits} == ids(ws, "red-archives", "长征")
    assert [h["rank"] for h in hits] == list(range(1, len(hits) + 1))


def test_the_table_shows_hits_and_facets(search_demo):
    ws, _ = search_demo
    result = jiyi("search", "red-archives", "红军", "--facet", "type=电报", "--year", "1935", "-w", str(ws.root))
    assert result.returncode == 0, result.stderr
    assert "RA-1935" in result.stdout and "fonds:" in result.stdout and "type: 电报" in result.stdout


def test_unknown_theme_lists_the_themes(search_demo):
    ws, _ = search_demo
    result = jiyi("search", "no-such-theme", "长征", "-w", str(ws.root))
    assert result.returncode == 1
    assert "E707" in result.stderr and all(name in result.stderr for name in DEMO_THEMES)


def test_internal_reads_the_internal_index(search_demo, records):
    ws, _ = search_demo
    restricted = {r.id for r in records if not r.is_public and r.record_set == "red-archives"}
    result = jiyi("search", "red-archives", "", "--internal", "--json", "--size", "200", "-w", str(ws.root))
    assert restricted <= {json.loads(line)["id"] for line in result.stdout.splitlines()}
    bad = jiyi("search", "red-archives", "", "--facet", "access=open", "-w", str(ws.root))
    assert bad.returncode == 1 and "E703" in bad.stderr  # no open-status facet in public


def test_exports_parse(search_demo, tmp_path):
    ws, _ = search_demo
    expected = ids(ws, "red-archives", "长征")
    for name in ("results.csv", "results.jsonld"):
        result = jiyi("search", "red-archives", "长征", "--size", "2", "--export", str(tmp_path / name), "-w", str(ws.root))
        assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader((tmp_path / "results.csv").open(encoding="utf-8")))
    assert {row["id"] for row in rows} == expected  # every match, not just the page shown
    graph = rdflib.Graph().parse(tmp_path / "results.jsonld", format="json-ld")
    identifiers = {str(o) for o in graph.objects(None, rdflib.URIRef("https://www.ica.org/standards/RiC/ontology#identifier"))}
    assert identifiers == expected
    record_uri = rdflib.URIRef(f"https://example.org/jiyi/record/{sorted(expected)[0]}")
    assert (record_uri, rdflib.RDF.type, rdflib.URIRef("https://www.ica.org/standards/RiC/ontology#Record")) in graph


def test_build_option_rebuilds_the_indexes_and_keeps_json_clean(search_demo, tmp_path):
    import shutil

    ws, _ = search_demo
    copy = tmp_path / "ws"
    shutil.copytree(ws.root, copy)
    shutil.rmtree(copy / "build" / "public" / "search")
    result = jiyi("search", "--build", "red-archives", "长征", "--json", "-w", str(copy))
    assert result.returncode == 0, result.stderr
    assert "themed databases" in result.stderr
    assert {json.loads(line)["id"] for line in result.stdout.splitlines()} == ids(ws, "red-archives", "长征")
