"""The query language on its own, snippets, and `jiyi bench search` at a small size."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from jiyi.errors import JiyiError
from jiyi.search.documents import Tokenizer, date_fields
from jiyi.search.snippets import snippet
from jiyi.search.query import parse_query

JIYI = str(Path(sys.executable).parent / "jiyi")


def test_terms_groups_exclusions_and_or():
    parsed = parse_query('长征 "Long March" -遵义 泸定桥 OR 大渡河')
    assert parsed.required == [["长征"], ["Long March"], ["泸定桥", "大渡河"]]
    assert parsed.excluded == ["遵义"]
    assert parse_query("").empty and parse_query("长征\u3000会议").required == [["长征"], ["会议"]]


@pytest.mark.parametrize("text", ['"长征', "OR 长征", "长征 OR", "长征 OR OR 会议", "-遵义", "长征 -", "长征 OR -遵义"])
def test_bad_syntax_is_refused_with_a_fix(text):
    with pytest.raises(JiyiError) as caught:
        parse_query(text)
    assert caught.value.code == "E702" and "-word excludes" in caught.value.fix


def test_search_mode_indexes_two_character_words_inside_longer_ones():
    tokens = Tokenizer().index_tokens("中華人民共和國檔案法")
    assert {"中华", "人民", "共和国", "中华人民共和国", "档案"} <= set(tokens)
    assert Tokenizer().pinyin("长征") == "changzheng" and Tokenizer().pinyin("ab1") == ""


def test_snippets_mark_matches_in_the_text_as_written():
    assert snippet("红军長征途中", ["长征"]) == "红军<em>長征</em>途中"
    assert snippet("一九三五年，红军结束了长征。", ["changzheng"]) == "一九三五年，红军结束了<em>长征</em>。"
    assert snippet("甲" * 100 + "长征" + "乙" * 100, ["长征"]).startswith("…") and "<em>长征</em>" in snippet(
        "甲" * 100 + "长征" + "乙" * 100, ["长征"])


def test_dates_give_a_year_and_a_sort_key():
    assert date_fields("1935-01-17") == (1935, 19350117)
    assert date_fields("1934-10/1936-10") == (1934, 19341001)
    assert date_fields("")[0] is None and date_fields("")[1] > date_fields("2024-12-31")[1]


def test_bench_search_prints_its_figures():
    result = subprocess.run([JIYI, "bench", "search", "--records", "2000", "--queries", "20"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    for figure in ("records/s", "index size", "MB", "query p50", "query p95", "ms", "matches"):
        assert figure in result.stdout, figure


def test_the_documented_opensearch_mapping_covers_every_indexed_field():
    import json
    import re

    from jiyi.search.documents import SearchDocument
    from jiyi.search.index import TantivyBackend

    guide = (Path(__file__).resolve().parents[2] / "docs" / "search.md").read_text(encoding="utf-8")
    mapping = json.loads(re.search(r"```json\n(.*?)```", guide, re.S).group(1))
    document = SearchDocument(id="x", title="t", text="", date="1935", year=1935, date_key=19350101, record_set="s",
                              fonds="f", type="电报", access="open", persons=["p"], places=["l"], organisations=["o"])
    assert set(TantivyBackend._fields(document)) == set(mapping["mappings"]["properties"])


def test_the_stage_and_the_index_agree_on_the_facets():
    from jiyi.search import INTERNAL_FACETS, PUBLIC_FACETS
    from jiyi.search.index import FACET_FIELDS

    assert INTERNAL_FACETS == list(FACET_FIELDS) and "access" not in PUBLIC_FACETS
