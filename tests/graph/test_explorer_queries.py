"""The explorer's questions over the demo graph, checked against the graph's own triples."""

import pytest
from pyoxigraph import NamedNode

from jiyi.graph import queries
from jiyi.graph.store import open_store
from jiyi.graph.vocab import PREFIXES


@pytest.fixture(scope="module")
def store(built_demo):
    ws, _ = built_demo
    return open_store(ws)


def node(store, cls: str, name: str) -> str:
    rows = list(store.query(f'SELECT ?n WHERE {{ ?n a rico:{cls} ; rico:name "{name}"@zh-Hans }}',
                            prefixes=PREFIXES, use_default_graph_as_union=True))
    assert rows, f"the demo has a {cls} named {name}"
    return rows[0]["n"].value


def linked(store, a: str, b: str) -> bool:
    return store.query(f"ASK {{ <{a}> ({queries.STEP}) <{b}> }}", prefixes=PREFIXES, use_default_graph_as_union=True).__bool__()


def test_the_neighbourhood_holds_the_records_about_a_person_and_what_they_mention(store):
    mao = node(store, "Person", "毛泽东")
    edges = queries.neighbourhood(store, mao, depth=2)
    first = {b for a, b in edges if a == mao}
    records = {r["r"].value for r in store.query(f"SELECT ?r WHERE {{ ?r rico:hasOrHadSubject <{mao}> }}",
                                                 prefixes=PREFIXES, use_default_graph_as_union=True)}
    assert records and records <= first
    second = {b for a, b in edges if a != mao}
    assert second and all(linked(store, a, b) for a, b in edges[:50])
    assert {b for a, b in queries.neighbourhood(store, mao, depth=1)} == first


def test_a_shortest_path_is_a_chain_of_real_links_and_none_shorter_exists(store):
    mao, zhu = node(store, "Person", "毛泽东"), node(store, "Person", "朱德")
    path = queries.shortest_path(store, mao, zhu)
    assert path[0] == mao and path[-1] == zhu and len(path) >= 2
    step = lambda a, b: store.query(f"ASK {{ <{a}> ({queries.PATH_STEP}) <{b}> }}", prefixes=PREFIXES,  # noqa: E731
                                    use_default_graph_as_union=True).__bool__()
    assert all(step(a, b) for a, b in zip(path, path[1:]))
    if len(path) > 2:
        assert not step(mao, zhu)
    if len(path) > 3:  # no node linked to both ends either
        middle = store.query(f"ASK {{ <{mao}> ({queries.PATH_STEP}) ?m . ?m ({queries.PATH_STEP}) <{zhu}> }}",
                             prefixes=PREFIXES, use_default_graph_as_union=True)
        assert not middle.__bool__()


def test_no_path_to_an_unknown_node(store):
    assert queries.shortest_path(store, node(store, "Person", "毛泽东"), "https://example.org/nowhere", max_length=3) == []


def test_events_of_a_person_and_the_timeline_of_a_place(store):
    mao = node(store, "Person", "毛泽东")
    events = queries.events_of(store, mao)
    assert events and all(linked(store, mao, e["event"]) or e["event"] for e in events)
    dated = [e["date"] for e in events if e["date"]]
    assert dated == sorted(dated)
    place = next(iter(store.query("SELECT ?p (COUNT(?r) AS ?n) WHERE { ?r rico:hasOrHadSubject ?p . ?p a rico:Place } "
                                  "GROUP BY ?p ORDER BY DESC(?n) LIMIT 1", prefixes=PREFIXES, use_default_graph_as_union=True)))
    timeline = queries.timeline_of(store, place["p"].value)
    assert len(timeline) >= int(place["n"].value) > 0
    dates = [t["date"] for t in timeline if t["date"]]
    assert dates == sorted(dates)


def test_public_graph_only_when_asked(store, restricted_records, built_demo):
    ws, _ = built_demo
    public = [NamedNode("https://example.org/jiyi/graph/public")]
    hidden = {f"https://example.org/jiyi/record/{r.id}" for r in restricted_records}
    people = [r["p"].value for r in store.query("SELECT DISTINCT ?p WHERE { ?r rico:hasOrHadSubject ?p . ?p a rico:Person }",
                                                prefixes=PREFIXES, use_default_graph_as_union=True)]
    seen_in_all = set()
    for person in people:
        assert not hidden & {n for edge in queries.neighbourhood(store, person, graphs=public) for n in edge}
        seen_in_all |= hidden & {n for edge in queries.neighbourhood(store, person) for n in edge}
    assert seen_in_all, "without the public graph, restricted records are reachable: the check above means something"
