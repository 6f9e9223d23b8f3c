"""The search page on the built demo, checked against jiyi.search's own API over the public index; and the item
page's links to entity pages, checked against the public graph."""

from __future__ import annotations

import csv
import io
import json
import re
from urllib.parse import parse_qs

import pytest
import rdflib
from pyoxigraph import RdfFormat, Store
from streamlit.runtime.media_file_manager import MediaFileManager

from jiyi.apps import data
from jiyi.apps.i18n import STRINGS
from jiyi.search.index import SearchRequest, TantivyBackend, read_meta

PAGE = "views/search.py"
THEME = "red-archives"
PAGE_SIZE, FACET_VALUES = 20, 15  # as apps/views/search.py asks the index
RICO = "https://www.ica.org/standards/RiC/ontology#"


def api(ws, text: str = "", theme: str = THEME, internal: bool = False, **request):
    """What `jiyi search` answers: the same backend, straight on the index folder."""
    folder = (ws.internal_search_dir if internal else ws.public_search_dir) / theme
    backend = TantivyBackend(folder, read_meta(folder)["facets"])
    return backend.query(SearchRequest(**{"text": text, "size": PAGE_SIZE, "facet_size": FACET_VALUES, **request}))


def links(at, page: str) -> list[dict[str, str]]:
    """The query parameters of every st.page_link to `page`, in order."""
    return [{k: v[0] for k, v in parse_qs(p.proto.query_string).items()} for p in at.get("page_link") if p.proto.page == page]


def hit_ids(at) -> list[str]:
    return [params["id"] for params in links(at, "item")]


@pytest.fixture
def downloads(monkeypatch):
    """file name → the callable each download button hands Streamlit (the page makes its files only when clicked)."""
    made = {}
    original = MediaFileManager.add_deferred

    def keep(self, data_callable, mimetype, coordinates, file_name=None, **options):
        made[file_name] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name=file_name, **options)

    monkeypatch.setattr(MediaFileManager, "add_deferred", keep)
    return made


def as_bytes(made) -> bytes:
    content = made()
    return content if isinstance(content, bytes) else content.encode("utf-8")


def test_a_two_character_word_finds_what_the_index_finds(open_page, ws):
    expected = api(ws, "会议")
    assert expected.total > 1
    at = open_page(PAGE, theme=THEME, q="会议")
    assert hit_ids(at) == [hit.id for hit in expected.hits]
    assert at.text_input(key="search_q").value == "会议"
    assert any(m.value.startswith(f"共 {expected.total} 条结果") for m in at.markdown)
    # Snippets: the match marked, nothing else of the record's text taken as markup.
    snippets = [h.proto.body for h in at.get("html")]
    assert len(snippets) == len(expected.hits) and "<mark>会议</mark>" in snippets[0]
    assert all(re.sub(r"</?(mark|div)>", "", s).count("<") == 0 for s in snippets)


def test_snippets_are_escaped_except_the_highlight(open_page, monkeypatch):
    from jiyi.search.index import Hit, SearchResult

    class Backend:  # record text with markup in it, as a snippet brings it
        def query(self, request):
            hit = Hit(rank=1, id="X-1", title="t", date="", score=1.0, snippet='<img src=x onerror="alert(1)"> <em>长征</em> &')
            return SearchResult(1, [hit], {}, 1, request.size)

    monkeypatch.setattr(data, "search_backend", lambda theme: Backend())
    at = open_page(PAGE, theme=THEME, q="长征")
    assert [h.proto.body for h in at.get("html")] == ["<div>&lt;img src=x onerror=\"alert(1)\"&gt; <mark>长征</mark> &amp;</div>"]


def test_a_facet_filter_narrows_and_its_counts_agree_with_the_index(open_page, ws):
    everything = api(ws, "会议")
    person, _ = everything.facets["person"][0]
    expected = api(ws, "会议", facets={"person": [person]})
    assert 0 < expected.total < everything.total

    at = open_page(PAGE, theme=THEME, q="会议")
    at.multiselect(key=f"search_{THEME}_person").set_value([person]).run()
    assert not at.exception
    assert hit_ids(at) == [hit.id for hit in expected.hits]
    for key, counts in expected.facets.items():
        if key == "year":
            continue
        shown = at.multiselect(key=f"search_{THEME}_{key}").options
        assert [int(re.search(r"\((\d+)\)$", option).group(1)) for option in shown][:len(counts)] == [n for _, n in counts]
        if key != "record_set":  # record sets are shown by their label
            assert shown[:len(counts)] == [f"{value} ({n})" for value, n in counts]

    years = [int(y) for y, _ in api(ws).facets["year"]]
    middle = years[len(years) // 2]
    at.slider(key=f"search_{THEME}_year").set_value((middle, middle)).run()
    narrowed = api(ws, "会议", facets={"person": [person]}, year_from=middle, year_to=middle)
    assert hit_ids(at) == [hit.id for hit in narrowed.hits]


@pytest.mark.parametrize("query", ["長征", "changzheng"])
def test_traditional_and_pinyin_find_the_simplified_word(open_page, ws, query):
    simplified = {hit.id for hit in api(ws, "长征", size=1000).hits}
    found = api(ws, query)
    assert simplified and {hit.id for hit in api(ws, query, size=1000).hits} == simplified  # ranked alike or not
    at = open_page(PAGE, theme=THEME, q=query)
    assert hit_ids(at) == [hit.id for hit in found.hits]


def test_pages_and_date_order(open_page, ws):
    first, second = api(ws, page=1), api(ws, page=2)
    assert first.total > PAGE_SIZE
    at = open_page(PAGE, theme=THEME)
    assert hit_ids(at) == [hit.id for hit in first.hits]
    at.number_input(key="search_page").set_value(2).run()
    assert hit_ids(at) == [hit.id for hit in second.hits]
    at.radio(key="search_sort").set_value("date").run()  # a new search starts on its first page
    assert hit_ids(at) == [hit.id for hit in api(ws, sort="date").hits]
    assert at.number_input(key="search_page").value == 1


def test_hits_link_to_their_item_pages(open_page, ws, public_records):
    at = open_page(PAGE, theme=THEME, q="会议")
    public = {r["id"] for r in public_records}
    ids = hit_ids(at)
    assert ids and set(ids) <= public
    at.switch_page("views/item.py")
    at.query_params["id"] = ids[0]
    at.run()
    assert not at.exception and not at.info
    assert at.selectbox(key="item_id").value == ids[0]


def test_downloads_hold_every_hit_as_csv_and_json_ld(open_page, ws, downloads):
    expected = api(ws, "会议")
    at = open_page(PAGE, theme=THEME, q="会议")
    assert len(at.get("download_button")) == 2
    rows = list(csv.DictReader(io.StringIO(as_bytes(downloads[f"{THEME}.csv"]).decode("utf-8"))))
    assert len(rows) == expected.total
    assert [row["id"] for row in rows][:PAGE_SIZE] == [hit.id for hit in expected.hits]
    graph = rdflib.Graph().parse(data=as_bytes(downloads[f"{THEME}.jsonld"]).decode("utf-8"), format="json-ld")
    records = set(graph.subjects(rdflib.RDF.type, rdflib.URIRef(RICO + "Record")))
    assert len(records) == expected.total
    identifiers = {str(o) for o in graph.objects(None, rdflib.URIRef(RICO + "identifier"))}
    assert identifiers == {row["id"] for row in rows}


def test_a_restricted_record_never_appears(open_page, ws, downloads):
    internal = [json.loads(line) for line in ws.records_file.read_text(encoding="utf-8").splitlines() if line.strip()]
    restricted = {r["id"]: r for r in internal if r["access"] != "open"}
    assert restricted
    themes = sorted(f.name for f in ws.internal_search_dir.iterdir() if (f / "theme.json").is_file())
    checked = 0
    for theme in themes:
        inside = api(ws, theme=theme, internal=True, facets={"access": ["restricted"]}, size=1000)  # what the staff see
        ids = [hit.id for hit in inside.hits if hit.id in restricted]
        at = open_page(PAGE, theme=theme)  # browse everything: every page's download
        rows = list(csv.DictReader(io.StringIO(as_bytes(downloads[f"{theme}.csv"]).decode("utf-8"))))
        assert {row["id"] for row in rows}.isdisjoint(restricted)
        for record_id in ids:  # look for each one by its own title
            at.text_input(key="search_q").input(restricted[record_id]["title"].replace('"', " ")).run()
            assert not at.exception
            assert record_id not in hit_ids(at)
            checked += 1
    assert checked, "the demo's internal indexes must hold restricted records for this test to mean anything"


@pytest.mark.parametrize("query", ['"长征', "长征 OR", "-遵义"])
def test_bad_syntax_is_an_error_with_its_fix(open_page, query):
    at = open_page(PAGE, theme=THEME, q=query)
    assert len(at.error) == 1
    said = at.error[0].value
    assert said.startswith("检索式有误：query syntax:") and "修改方法：" in said
    assert not hit_ids(at)


def test_the_language_switch_keeps_the_search(open_page, ws):
    at = open_page(PAGE, theme=THEME, q="会议")
    ids = hit_ids(at)
    at.sidebar.radio[0].set_value("en").run()
    assert not at.exception
    assert at.title[0].value == read_meta(ws.public_search_dir / THEME)["label_en"]
    assert hit_ids(at) == ids
    assert any(m.value.startswith(f"{len(ids)} hits") for m in at.markdown)
    assert at.multiselect(key=f"search_{THEME}_person").label == STRINGS["facet_person"][1]


def test_no_themes_says_how_to_declare_one(open_page, monkeypatch):
    monkeypatch.setattr(data, "search_themes", lambda: {})
    at = open_page(PAGE)
    assert [i.value for i in at.info] == [STRINGS["no_themes"][0]]


def test_home_lists_the_themed_databases(open_page, ws):
    at = open_page("views/home.py", lang="en")
    themes = sorted(f.name for f in ws.public_search_dir.iterdir() if (f / "theme.json").is_file())
    assert [params["theme"] for params in links(at, "search")] == themes
    labels = [p.proto.label for p in at.get("page_link") if p.proto.page == "search"]
    for theme, label in zip(themes, labels):
        meta = read_meta(ws.public_search_dir / theme)
        assert label.startswith(meta["label_en"] or meta["label_zh"]) and f"{meta['records']} records" in label


def test_the_item_page_links_its_entities_to_their_pages(open_page, ws, public_records):
    mentions = [json.loads(line) for line in ws.mentions_file.read_text(encoding="utf-8").splitlines() if line.strip()]
    public = {r["id"] for r in public_records}
    busiest = max(public, key=lambda rid: sum(1 for m in mentions if m["record_id"] == rid and m["type"] == "PER"))
    at = open_page("views/item.py", id=busiest)
    uris = [params["uri"] for params in links(at, "entity")]
    assert uris and len(set(uris)) == len(uris)

    store = Store()
    store.bulk_load(path=str(ws.public_graph_dir / "public.ttl"), format=RdfFormat.TURTLE)
    classes = " ".join(f"<{RICO}{name}>" for name in data.ENTITY_CLASSES)
    for uri in uris:  # each one a person, body, place or event of the public graph
        assert store.query(f"ASK {{ <{uri}> a ?type VALUES ?type {{ {classes} }} }}"), uri
    # The links name the same entities the table lists (dates have no entity page).
    shown = {label for frame in at.dataframe for label in frame.value[STRINGS["entity"][0]]}
    labels = [p.proto.label for p in at.get("page_link") if p.proto.page == "entity"]
    assert set(labels) <= shown

    at.switch_page("views/entity.py")
    at.query_params["uri"] = uris[0]
    at.run()
    assert not at.exception and not at.info  # the entity page knows it
