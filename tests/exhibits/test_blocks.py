"""Directives in an exhibit's Markdown: one typed block per kind, mistakes with their line numbers."""

from hypothesis import given, strategies as st

from jiyi.exhibits import blocks as b

PAGE = """# 遵义

会议改变了方向，[[毛泽东]]进入领导核心。

::: item RA-1935-001 canvas=2 xywh=100,200,800,600
决议的第一页
:::

::: quote RA-1935-001 chars=120-163 field=abstract
:::

::: timeline entities=PER:毛泽东, EVENT:遵义会议 query=长征 set=red-archives date=入选年份
:::

::: map places=遵义，泸定桥 from=RA-1935-006
:::

::: graph 毛泽东 depth=2 types=Person,Place
:::

::: gallery RA-1934-001, RA-1934-002,RA-1935-003
三份文电
:::

::: question
红军为什么要长征？
:::

结语。
"""


def test_each_kind_is_read_with_its_line():
    blocks, errors = b.parse_page(PAGE)
    assert errors == []
    kinds = [(type(block).__name__, block.line) for block in blocks]
    assert kinds == [("Text", 1), ("Item", 5), ("Quote", 9), ("Timeline", 12), ("Map", 15), ("Graph", 18),
                     ("Gallery", 21), ("Question", 25), ("Text", 28)]
    text, item, quote, timeline, place_map, graph, gallery, question, last = blocks
    assert "[[毛泽东]]" in text.markdown and last.markdown == "结语。"
    assert (item.record_id, item.canvas, item.xywh, item.caption) == ("RA-1935-001", 2, (100, 200, 800, 600), "决议的第一页")
    assert (quote.record_id, quote.start, quote.end, quote.field) == ("RA-1935-001", 120, 163, "abstract")
    assert timeline.entities == ["PER:毛泽东", "EVENT:遵义会议"] and timeline.query == "长征"
    assert timeline.record_set == "red-archives" and timeline.date_column == "入选年份"
    assert place_map.places == ["遵义", "泸定桥"] and place_map.from_records == ["RA-1935-006"]
    assert (graph.entity, graph.depth, graph.types) == ("毛泽东", 2, ["Person", "Place"])
    assert gallery.record_ids == ["RA-1934-001", "RA-1934-002", "RA-1935-003"] and gallery.caption == "三份文电"
    assert question.markdown == "红军为什么要长征？"


def errors_of(text: str) -> list[tuple[int, str]]:
    return [(e.line, e.message) for e in b.parse_page(text)[1]]


def test_mistakes_are_reported_with_their_lines():
    text = "\n".join([
        "intro",                                   # 1
        "::: itme A-1",                            # 2 unknown kind
        ":::",                                     # 3
        "::: item A-1 xywh=1,2,3",                 # 4 three numbers
        ":::",                                     # 5
        "::: item A-1 page=2",                     # 6 unknown option
        ":::",                                     # 7
        "::: quote A-1 chars=50-10",               # 8 backwards
        ":::",                                     # 9
        "::: graph 毛泽东 depth=3",                 # 10 too deep
        ":::",                                     # 11
        "::: graph 毛泽东 types=Person,Planet",      # 12 unknown type
        ":::",                                     # 13
        "::: timeline",                            # 14 nothing to draw
        ":::",                                     # 15
        "::: question",                            # 16 empty question
        ":::",                                     # 17
        ":::",                                     # 18 closes nothing
        "::: item A-1",                            # 19 never closed
        "caption",
    ])
    found = errors_of(text)
    assert [line for line, _ in found] == [2, 4, 6, 8, 10, 12, 14, 16, 18, 19]
    messages = dict(found)
    assert "unknown directive `itme`" in messages[2]
    assert "xywh=1,2,3" in messages[4] and "unknown option `page`" in messages[6]
    assert "chars=50-10" in messages[8] and "depth=3" in messages[10] and "Planet" in messages[12]
    assert "never closed" in messages[19]


def test_every_error_says_how_to_fix_it():
    for error in b.parse_page("::: item\n:::\n::: map\n:::\n::: gallery\n:::\n")[1]:
        assert error.fix


def test_mentions_are_found_outside_code_spans_only():
    text = "[[毛泽东]] met [[PER:周恩来|Zhou]]\n`[[not me]]` and [[LOC:遵义]]"
    assert b.mentions_in(text) == [(1, "", "毛泽东", "毛泽东"), (1, "PER", "周恩来", "Zhou"), (2, "LOC", "遵义", "遵义")]


@given(st.text(alphabet=st.sampled_from(list(":: itemquotgraphx=12,[]|毛\n-RA")), max_size=200))
def test_the_parser_never_raises_and_keeps_lines_within_the_page(text):
    blocks, errors = b.parse_page(text)
    lines = max(1, len(text.splitlines()))
    assert all(1 <= block.line <= lines for block in blocks)
    assert all(1 <= error.line <= lines for error in errors)
