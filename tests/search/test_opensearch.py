"""The OpenSearch backend against a real OpenSearch 2.19 node (Maven Central jars, `make opensearch`).

The same documents go into tantivy and into OpenSearch, and the same requests must find
the same records, the same totals and the same facet counts. Ranking is not compared hit by
hit: both engines score with BM25 but differ in details (tantivy's BM25 normalises field
lengths in its own buckets), so equal scores and near-ties may order differently. Sorted by
date, the order is the order of the dates, which both must give.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from jiyi.errors import JiyiError
from jiyi.search.bench import DEMO_TEXTS, FACETS, sentences, synthetic
from jiyi.search.documents import Tokenizer, make_document
from jiyi.search.index import SearchRequest, TantivyBackend, document_fields
from jiyi.search.opensearch import MAPPING, OpenSearchBackend

from helpers import load_tool

RECORDS = 3000


@pytest.fixture(scope="module")
def opensearch_url(tmp_path_factory):
    """The URL of an OpenSearch 2.19 node on a free loopback port, its data in a temp folder."""
    missing = [tool for tool in ("java", "mvn") if shutil.which(tool) is None]
    if missing:  # as the Neo4j tests: CI has both, a missing one is a broken machine, not a reason to skip
        pytest.fail(f"the OpenSearch tests need {' and '.join(missing)} on PATH "
                    "(Debian: apt-get install openjdk-17-jdk-headless maven); then `make opensearch`")
    tool = load_tool("opensearch_server")
    try:
        server = tool.start(tool.fetch(quiet=True), tmp_path_factory.mktemp("opensearch"))
    except tool.ServerError as error:
        pytest.fail(f"could not start OpenSearch: {error}")
    yield server.url
    server.stop()


@pytest.fixture(scope="module")
def tokenizer():
    return Tokenizer()


@pytest.fixture(scope="module")
def documents(tokenizer):
    pool = sentences(DEMO_TEXTS)
    return [make_document(record, labels, tokenizer) for record, labels in synthetic(RECORDS, pool)]


@pytest.fixture(scope="module")
def engines(opensearch_url, documents, tokenizer, tmp_path_factory):
    tantivy = TantivyBackend(tmp_path_factory.mktemp("tantivy") / "index", FACETS, tokenizer)
    assert tantivy.build(documents) == len(documents)
    opensearch = OpenSearchBackend(opensearch_url, "jiyi-test", FACETS, tokenizer)
    assert opensearch.build(iter(documents), batch_documents=500) == len(documents)  # a generator: streamed in batches
    yield tantivy, opensearch
    opensearch.drop()
    opensearch.close()


def common_words(documents, take):
    """Two-character words found in many records but not in most: queries with hundreds of hits."""
    counts = {}
    for doc in documents:
        for token in set(doc.tokens):
            if len(token) == 2:
                counts[token] = counts.get(token, 0) + 1
    ranked = sorted((n, w) for w, n in counts.items() if 30 <= n <= len(documents) // 4)
    return [w for _, w in ranked[-take:]]


def requests(documents):
    first, second, third = common_words(documents, 3)
    person, place = documents[0].persons[:1] or ["毛泽东"], documents[1].places[:1] or ["延安"]
    return {
        "everything": SearchRequest(),
        "one word": SearchRequest(text=first),
        "two words": SearchRequest(text=f"{first} {second}"),
        "or": SearchRequest(text=f"{first} OR {third}"),
        "exclusion": SearchRequest(text=f"{first} -{second}"),
        "unspaced phrase": SearchRequest(text=first + second),
        "quoted group": SearchRequest(text=f'"{first} {third}"'),
        "entity name whole": SearchRequest(text="张闻天"),
        "pinyin": SearchRequest(text=Tokenizer().pinyin(first)),
        "traditional script": SearchRequest(text="個人 機關"),  # folds to 个人 机关, words of the demo texts
        "facet filters": SearchRequest(text=first, facets={"person": person, "place": place}),
        "type and fonds": SearchRequest(facets={"type": ["电报"], "fonds": ["第3号全宗"]}),
        "year facet": SearchRequest(text=second, facets={"year": ["1935"]}),
        "year range": SearchRequest(text=first, year_from=1930, year_to=1950),
        "open range": SearchRequest(year_from=2000),
        "nothing": SearchRequest(text="不存在的词语组合xyzzy"),
    }


def all_ids(backend, request):
    """Every matching id: all_hits (what an export uses) is not held to a page of 1000."""
    return {hit.id for hit in backend.all_hits(request, RECORDS)}


def test_same_records_totals_and_facet_counts(engines, documents):
    tantivy, opensearch = engines
    asked = requests(documents)
    assert tantivy.query(asked["one word"]).total > 30 and tantivy.query(asked["nothing"]).total == 0  # requests that test something
    for name, request in asked.items():
        expected, answer = tantivy.query(request), opensearch.query(request)
        assert answer.total == expected.total, name
        assert all_ids(opensearch, request) == all_ids(tantivy, request), name
        # Every value's count, not only the first ten (a tie at the tenth place may pick either value) …
        wide = SearchRequest(**{**request.__dict__, "facet_size": 100})
        assert dict_facets(opensearch.query(wide)) == dict_facets(tantivy.query(wide)), name
        # … and the first ten have the same counts, most frequent first; years in order.
        for key in FACETS:
            assert [n for _, n in answer.facets[key]] == [n for _, n in expected.facets[key]], (name, key)
        assert [v for v, _ in answer.facets["year"]] == [v for v, _ in expected.facets["year"]], name


def dict_facets(result):
    return {key: dict(values) for key, values in result.facets.items()}


def test_sorted_by_date_both_give_the_dates_in_order_and_page_alike(engines, documents):
    tantivy, opensearch = engines
    word = common_words(documents, 1)[0]
    for page in (1, 2, 3):
        request = SearchRequest(text=word, sort="date", page=page, size=20)
        expected, answer = tantivy.query(request), opensearch.query(request)
        # Records of the same day may come in either order: the dates (and so the pages) must agree.
        assert [h.date for h in answer.hits] == [h.date for h in expected.hits]
        assert answer.hits[0].rank == (page - 1) * 20 + 1
    dated = [h.date for h in opensearch.query(SearchRequest(sort="date", size=1000)).hits]
    assert dated == sorted(dated)


def test_hits_carry_the_same_fields_and_snippets(engines, documents):
    tantivy, opensearch = engines
    word = common_words(documents, 2)[0]
    request = SearchRequest(text=word, size=1000)
    by_id = {hit.id: hit for hit in tantivy.query(request).hits}
    hits = opensearch.query(request).hits
    assert sum("<em>" in hit.snippet for hit in hits) > len(hits) // 2  # the others matched in the title only
    for hit in hits:
        twin = by_id[hit.id]
        assert (hit.title, hit.date, hit.snippet, hit.type, hit.fonds, hit.record_set, hit.access, hit.persons,
                hit.places, hit.organisations) == (twin.title, twin.date, twin.snippet, twin.type, twin.fonds,
                                                    twin.record_set, twin.access, twin.persons, twin.places,
                                                    twin.organisations)


def test_ranking_puts_the_same_records_first(engines, documents):
    """Not the same order hit by hit (see the module's docstring), but the same best records: the top 10 of
    one engine are within the top 20 of the other for a two-word query."""
    tantivy, opensearch = engines
    first, second, _ = common_words(documents, 3)
    request = SearchRequest(text=f"{first} {second}", size=20)
    top_tantivy, top_opensearch = [h.id for h in tantivy.query(request).hits], [h.id for h in opensearch.query(request).hits]
    assert set(top_opensearch[:10]) <= set(top_tantivy) and set(top_tantivy[:10]) <= set(top_opensearch)


def test_a_rebuild_replaces_the_index_and_a_failed_one_leaves_it(opensearch_url, documents, tokenizer):
    backend = OpenSearchBackend(opensearch_url, "jiyi-rebuild", FACETS, tokenizer)
    try:
        backend.build(documents[:100])
        assert backend.build(documents[100:150]) == 50
        assert backend.query(SearchRequest()).total == 50
        indexes = backend._call("GET", "/_alias/jiyi-rebuild")
        assert len(indexes) == 1  # the first build's index went with the swap

        def failing():
            yield from documents[:700]
            raise RuntimeError("the record source broke")

        with pytest.raises(RuntimeError):
            backend.build(failing(), batch_documents=200)  # three batches sent before the failure
        assert backend.query(SearchRequest()).total == 50  # readers still see the last complete build
        left = backend._call("GET", "/jiyi-rebuild-*")
        assert list(left) == list(indexes)  # and the half-built index was deleted
    finally:
        backend.drop()
        backend.close()


def test_a_server_that_does_not_answer_is_a_clear_error(tokenizer):
    tool = load_tool("opensearch_server")
    backend = OpenSearchBackend(f"http://127.0.0.1:{tool.free_port()}", "jiyi-test", FACETS, tokenizer, timeout=5)
    with pytest.raises(JiyiError) as raised:
        backend.query(SearchRequest(text="长征"))
    assert raised.value.code == "E708" and "does not answer" in raised.value.message and "opensearch_server.py" in raised.value.fix
    with pytest.raises(JiyiError, match="E708"):
        OpenSearchBackend("http://127.0.0.1:9200", "Not A Name")


def test_a_document_the_mapping_refuses_names_the_record(engines, documents):
    _, opensearch = engines
    broken = documents[0].__class__(**{**documents[0].__dict__, "id": "BROKEN-1", "year": "not a year"})
    backend = OpenSearchBackend(opensearch.url, "jiyi-broken", FACETS, opensearch.tokenizer)
    try:
        with pytest.raises(JiyiError, match="BROKEN-1"):
            backend.build([broken])
        assert not backend._call("GET", "/_alias/jiyi-broken", missing_ok=True)
    finally:
        backend.close()


def test_the_documented_mapping_is_the_one_the_backend_creates():
    guide = (Path(__file__).resolve().parents[2] / "docs" / "search.md").read_text(encoding="utf-8")
    documented = json.loads(re.search(r"```json\n(.*?)```", guide, re.S).group(1))
    assert documented["mappings"] == MAPPING
    assert set(document_fields(make_document_for_mapping())) == set(MAPPING["properties"])


def make_document_for_mapping():
    from jiyi.search.documents import SearchDocument

    return SearchDocument(id="x", title="t", text="", date="1935", year=1935, date_key=19350101, record_set="s",
                          fonds="f", type="电报", access="open", persons=["p"], places=["l"], organisations=["o"])


def test_a_workspace_configured_for_opensearch_builds_there_and_searches_alike(opensearch_url, built_demo, tmp_path):
    """[search] backend = "opensearch": the search stage builds each theme on the server, theme.json
    says where, and the theme answers as the demo's tantivy index does — through open_backend, as
    the app opens it, and through `jiyi search`."""
    import subprocess
    import sys

    from jiyi.build import open_workspace, run_stage
    from jiyi.progress import QUIET
    from jiyi.search.index import open_backend, read_meta

    demo, _ = built_demo
    root = tmp_path / "demo"
    shutil.copytree(demo.root, root, symlinks=True)
    with open(root / "jiyi.toml", "a", encoding="utf-8") as toml:
        toml.write(f'\n[search]\nbackend = "opensearch"\nurl = "{opensearch_url}"\nindex_prefix = "demo"\n')
    ws, config = open_workspace(root)
    run_stage("search", ws, config, QUIET)

    jiyi = str(Path(sys.executable).with_name("jiyi"))
    folders = sorted(p.parent for p in ws.public_search_dir.glob("*/theme.json"))
    assert folders
    for folder in folders:
        meta = read_meta(folder)
        assert meta["backend"] == "opensearch" and meta["index"] == f"demo-public-{meta['name']}".lower()
        assert [p.name for p in folder.iterdir()] == ["theme.json"]  # no tantivy files: the index is on the server
        tantivy_folder = demo.public_search_dir / folder.name
        tantivy, opensearch = open_backend(tantivy_folder, read_meta(tantivy_folder)), open_backend(folder, meta)
        for text in ("", "延安", "zhou enlai", "中国共产党"):
            request = SearchRequest(text=text, size=100)
            expected, found = tantivy.query(request), opensearch.query(request)
            assert found.total == expected.total, (meta["name"], text)
            assert {h.id for h in found.hits} == {h.id for h in expected.hits}
            assert found.facets == expected.facets
        opensearch.close()
        ids = [subprocess.run([jiyi, "search", meta["name"], "延安", "--json", "--size", "100", "--workspace",
                               str(w.root)], capture_output=True, text=True, check=True).stdout for w in (demo, ws)]
        assert {json.loads(line)["id"] for line in ids[0].splitlines()} == \
               {json.loads(line)["id"] for line in ids[1].splitlines()}
    internal = read_meta(next(p.parent for p in ws.internal_search_dir.glob("*/theme.json")))
    assert internal["index"].startswith("demo-internal-")  # restricted records live in another index
