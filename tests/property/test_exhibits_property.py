"""Property tests of the exhibit parser (exhibits/loader.py, exhibits/blocks.py) and the sanitiser
(exhibits/render_html.py): any exhibit.yaml is an Exhibit or a located ExhibitError, any page
parses, and nothing an educator writes puts a script, an event handler or a foreign URL on a page.
"""

from __future__ import annotations

import shutil
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from hypothesis import example, given
from hypothesis import strategies as st

from jiyi.build import open_workspace
from jiyi.exhibits import blocks
from jiyi.exhibits.build_data import BuildData
from jiyi.exhibits.loader import ID, ExhibitError, load_exhibit
from jiyi.exhibits.render_html import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, Assets, markdown_html

TEMPLATE = Path(__file__).resolve().parents[2] / "jiyi" / "template"

# ---------------------------------------------------------------- the sanitiser

# Pieces of hostile HTML and Markdown (OWASP's XSS filter evasion list, shortened), mixed at random
# with ordinary Markdown. A page made of them must come out with nothing that runs or leaves the page.
HOSTILE = [
    "<script>alert(1)</script>", "<SCRIPT SRC=//x.js></SCRIPT>", "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>", "<body onload=alert(1)>", "<a href=\"javascript:alert(1)\">a</a>",
    "<a href=\"jav&#x09;ascript:alert(1)\">b</a>", "<a href=\"&#106;avascript:alert(1)\">c</a>",
    "[x](javascript:alert(1))", "[x](JaVaScRiPt:alert(1))", "[x]( javascript:alert(1) )", "<javascript:alert(1)>",
    "[x](data:text/html;base64,PHNjcmlwdD4=)", "![i](javascript:alert(1))", "![i](https://evil.example/x.png)",
    "[r]: javascript:alert(1)\n\n[y][r]", "<iframe src=//evil.example></iframe>", "<object data=x.swf>",
    "<embed src=x>", "<form action=//evil.example><input></form>", "<meta http-equiv=refresh content=0;url=//e>",
    "<base href=//evil.example/>", "<style>*{background:url(//e)}</style>", "<p style=\"background:url(//e)\">p</p>",
    "<div onmouseover=\"alert(1)\">d</div>", "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">", "<!--<img src=x onerror=alert(1)>-->",
    "<img src=\"images/../../etc/passwd\">", "<a href=\"//evil.example\">e</a>", "<a href=\"#ok\">ok</a>",
    "<span title=\"x\" onclick=alert(1)>s</span>", "<svg><a xlink:href=javascript:alert(1)><text>t</text></a></svg>",
    "<details open ontoggle=alert(1)>", "<video><source onerror=alert(1)>", "<a href=vbscript:msgbox(1)>v</a>",
]
MARKDOWN = ["# 标题", "**粗体**", "*斜*", "`code`", "> 引文", "- 项", "1. 项", "| a | b |\n|---|---|\n| 1 | 2 |",
            "[[毛泽东]]", "[[PER:周恩来|周]]", "\n\n", "\n", " ", "遵义会议", "<", ">", "\"", "'", "&", "](", "[", ")"]
hostile_markdown = st.lists(st.one_of(st.sampled_from(HOSTILE), st.sampled_from(MARKDOWN), st.text(max_size=8)),
                            max_size=12).map("".join)


# nh3 (ammonia) keeps these on any tag unless told otherwise; neither can run or fetch anything.
GENERIC_ATTRIBUTES = {"lang", "title"}


class TagCollector(HTMLParser):
    """Every start tag and its attributes, as a browser's tokenizer would read them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag


def what_is_unsafe(fragment: str) -> list[str]:
    """What in this HTML could run or leave the page: a tag or attribute off the allow-list, an outside address."""
    parser = TagCollector()
    parser.feed(fragment)
    parser.close()
    found = []
    for tag, attrs in parser.tags:
        if tag not in ALLOWED_TAGS:
            found.append(f"<{tag}>")
        for name, value in attrs:
            value = (value or "").strip()
            if name not in ALLOWED_ATTRIBUTES.get(tag, set()) | GENERIC_ATTRIBUTES or name.startswith("on"):
                found.append(f"<{tag} {name}>")
            elif name == "href" and not value.startswith("#"):
                found.append(f"href={value!r}")
            elif name == "src" and (":" in value or value.startswith("/") or ".." in value):
                found.append(f"src={value!r}")
    return found


@pytest.fixture(scope="module")
def build_data(tmp_path_factory):
    """A workspace from the `jiyi init` template, not built: no records, no entities, nothing to leak."""
    root = tmp_path_factory.mktemp("exhibits-property") / "ws"
    shutil.copytree(TEMPLATE, root)
    ws, config = open_workspace(root)
    return BuildData(ws, config, []), root


def test_the_checker_sees_what_it_must_refuse():
    # the property below is only as good as this checker
    assert what_is_unsafe('<p><img src="x" onerror="alert(1)"></p>') == ["<img onerror>"]
    assert what_is_unsafe('<a href="javascript:alert(1)">x</a>') == ["href='javascript:alert(1)'"]
    assert what_is_unsafe("<script>alert(1)</script>") == ["<script>"]
    assert what_is_unsafe('<a href="#entity-1">x</a><img src="images/A-1-p1.png">') == []


@given(hostile_markdown, st.sampled_from(["zh", "en"]))
@example("<a href=\"jav&#x09;ascript:alert(1)\">b</a>", "zh")
@example("<div>\n[x](javascript:alert(1))\n</div>", "en")
def test_no_markdown_puts_script_handlers_or_outside_addresses_on_a_page(build_data, markdown, lang):
    data, root = build_data
    html = markdown_html(markdown, data, Assets(root / "exhibits" / "x"), lang)
    assert what_is_unsafe(html) == [], (markdown, html)


# ---------------------------------------------------------------- directives in a page

ARGUMENT = st.one_of(st.sampled_from(["RA-1935-001", "canvas=1", "canvas=0", "canvas=-1", "canvas=x", "xywh=1,2,3,4",
                                      "xywh=1,2,3", "xywh=a,b,c,d", "chars=0-40", "chars=40-0", "chars=x", "field=text",
                                      "depth=9", "types=Person,Nope", "entities=PER:毛泽东", "query=长征", "=", "a=b=c",
                                      "records=,,,", "from=", "毛泽东"]),
                     st.text(alphabet=st.characters(blacklist_characters="\n"), max_size=10))
DIRECTIVE = st.builds(lambda kind, args, body, closed: f"::: {kind} {' '.join(args)}\n{body}\n" + (":::\n" if closed else ""),
                      st.sampled_from(list(blocks.KINDS) + ["nope", "", ":::"]), st.lists(ARGUMENT, max_size=4),
                      st.text(max_size=20), st.booleans())
page = st.lists(st.one_of(DIRECTIVE, st.text(max_size=30), st.sampled_from(["\n", ":::\n", "::: item\n"])),
                max_size=8).map("".join)


@given(page)
def test_any_page_parses_into_blocks_and_errors_on_its_own_lines(text):
    parsed, errors = blocks.parse_page(text)
    lines = max(1, len(text.splitlines()))
    assert all(1 <= block.line <= lines for block in parsed)
    assert all(1 <= error.line <= lines and error.message and error.fix for error in errors)
    for block in parsed:
        if isinstance(block, blocks.Item):
            assert block.canvas >= 1 and (block.xywh is None or len(block.xywh) == 4)
        if isinstance(block, blocks.Graph):
            assert 1 <= block.depth <= blocks.MAX_GRAPH_DEPTH


# ---------------------------------------------------------------- exhibit.yaml

name = st.one_of(st.sampled_from(["01.zh.md", "01.en.md", "../01.zh.md", "/etc/passwd", "C:\\x.md", "sub/../01.zh.md",
                                  "missing.md", "", "."]), st.text(max_size=20))
bilingual = st.one_of(st.text(max_size=10), st.fixed_dictionaries({}, optional={"zh": st.text(max_size=10),
                                                                                  "en": st.text(max_size=10)}))
section = st.fixed_dictionaries({"heading": bilingual}, optional={
    "markdown": st.fixed_dictionaries({}, optional={"zh": name, "en": name}),
    "items": st.lists(st.fixed_dictionaries({"record": st.text(max_size=10)}, optional={"caption": bilingual}), max_size=3)})
well_typed = st.fixed_dictionaries(
    {"id": st.one_of(st.sampled_from(["first", "long-march"]), st.text(max_size=10)), "title": bilingual,
     "sections": st.lists(section, max_size=3)},
    optional={"summary": bilingual, "visibility": st.sampled_from(["public", "internal", "secret"]),
              "cover": st.text(max_size=10), "extra": st.text(max_size=5)})
# Any YAML value where the exhibit expects a mapping, list or text: what a typo or a hostile file gives.
any_value = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=8)),
                         lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                         max_leaves=10)
# Mostly right, with any value in some places, so that checks further down the file are reached.
some_value = st.one_of(any_value, bilingual)
ill_typed = st.fixed_dictionaries({"id": st.one_of(st.just("first"), any_value), "title": some_value, "sections": st.lists(
    st.fixed_dictionaries({"heading": some_value}, optional={
        "markdown": st.one_of(any_value, st.fixed_dictionaries({}, optional={"zh": st.one_of(name, any_value)})),
        "items": st.one_of(any_value, st.lists(st.one_of(any_value, st.fixed_dictionaries(
            {"record": any_value}, optional={"caption": some_value})), max_size=2))}), max_size=2)},
    optional={"visibility": any_value, "cover": any_value, "summary": some_value})


def load(exhibit_yaml: str):
    """load_exhibit on a folder holding this exhibit.yaml and two Markdown pages."""
    with tempfile.TemporaryDirectory() as parent:
        folder = Path(parent) / "ex"
        folder.mkdir()
        (folder / "exhibit.yaml").write_text(exhibit_yaml, encoding="utf-8")
        (folder / "01.zh.md").write_text("# 开端\n\n遵义会议。\n", encoding="utf-8")
        (folder / "01.en.md").write_text("# Beginnings\n", encoding="utf-8")
        try:
            exhibit = load_exhibit(folder, "exhibits/ex")
        except ExhibitError as error:
            return error
        return exhibit


def check_loaded(outcome) -> None:
    if isinstance(outcome, ExhibitError):
        assert outcome.code.startswith("E5") and "exhibits/ex/exhibit.yaml" in outcome.message
        return
    assert ID.fullmatch(outcome.id) and outcome.visibility in ("public", "internal")
    for each in outcome.sections:  # only the files inside the folder were read
        assert {each.source_zh, each.source_en} <= {"", "01.zh.md", "01.en.md", "sub/../01.zh.md"}


@given(well_typed)
@example({"id": "first", "title": "t", "sections": [{"heading": "h", "markdown": {"zh": "../01.zh.md"}}]})
def test_any_well_typed_exhibit_yaml_loads_or_is_a_located_error(data):
    check_loaded(load(yaml.safe_dump(data, allow_unicode=True)))


@given(st.text(max_size=200))
@example("id: a\ntitle: t\nsections: [{heading: h}]\nx: &a [*a]\n")
@example("!!python/object/apply:os.system ['true']")
def test_any_text_as_exhibit_yaml_loads_or_is_a_located_error(text):
    check_loaded(load(text))


@given(ill_typed)
@example({"id": "a", "title": "t", "sections": [{"heading": "h", "items": 5}]})
@example({"id": "a", "title": "t", "sections": [{"heading": "h", "items": 4.2}]})
@example({"id": "a", "title": "t", "sections": [{"heading": "h", "items": True}]})
def test_any_yaml_values_load_or_are_a_located_error(data):
    check_loaded(load(yaml.safe_dump(data, allow_unicode=True)))


def test_a_too_long_markdown_name_is_a_located_error():
    outcome = load("id: a\ntitle: t\nsections: [{heading: h, markdown: {zh: '" + "a" * 300 + ".md'}}]\n")
    assert isinstance(outcome, ExhibitError)
    check_loaded(outcome)
    assert "exhibit.yaml:3:" in outcome.message  # the line that names the file


def test_deeply_nested_yaml_is_a_located_error():
    outcome = load("[" * 10_000)
    assert isinstance(outcome, ExhibitError)
    check_loaded(outcome)
