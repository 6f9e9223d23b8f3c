"""build/public/graph/entities.sqlite, checked on the built demo against the public store's own triples and the texts."""

from collections import Counter, defaultdict

import pytest
from pyoxigraph import NamedNode, Store

from jiyi.graph.entity_index import ENTITY_CLASSES, EntityIndex
from jiyi.record_index import RecordIndex

RICO = "https://www.ica.org/standards/RiC/ontology#"
SUBJECT = NamedNode(RICO + "hasOrHadSubject")
IDENTIFIER = NamedNode(RICO + "identifier")


@pytest.fixture(scope="module")
def demo(built_demo):
    ws, _ = built_demo
    return EntityIndex(ws.public_entity_index), Store.read_only(str(ws.public_store_dir)), RecordIndex(ws.public_record_index)


def subjects_by_record(store: Store) -> dict[str, set[str]]:
    """record id → its subjects, read triple by triple (no SPARQL, no index)."""
    ids = {q.subject.value: q.object.value for q in store.quads_for_pattern(None, IDENTIFIER, None)}
    found = defaultdict(set)
    for quad in store.quads_for_pattern(None, SUBJECT, None):
        if quad.subject.value in ids:
            found[ids[quad.subject.value]].add(quad.object.value)
    return found


def test_every_mention_quotes_its_record_and_only_open_records_appear(demo):
    index, _, records = demo
    everyone = index.entities()
    assert len(everyone) > 100 and {e["type"].rsplit("#", 1)[-1] for e in everyone} == set(ENTITY_CLASSES)
    checked = 0
    for entity in everyone:
        for mention in index.mentions(entity["entity"]):
            record = records.get(mention["id"])
            assert record is not None, f"{mention['id']} is not an open record"
            start, end = int(mention["start"]), int(mention["end"])
            assert getattr(record, mention["field"] or "text")[start:end] == mention["exact"], mention
            assert mention["method"] and 0 <= float(mention["confidence"]) <= 1, mention
            checked += 1
    assert checked > 1000  # the demo's public mentions, not a handful


def test_record_counts_and_neighbours_agree_with_the_triples(demo):
    index, store, _ = demo
    subjects = subjects_by_record(store)
    named_in = Counter(s for found in subjects.values() for s in found)
    for entity in index.entities():
        assert int(entity["records"]) == named_in[entity["entity"]], entity["label"]
    typed = {e["entity"] for e in index.entities()}
    for entity in index.entities()[:20]:  # the most named: the longest neighbour lists
        uri = entity["entity"]
        shared = Counter(other for found in subjects.values() if uri in found for other in found
                         if other != uri and other in typed)
        neighbours = index.co_mentioned(uri, 10)
        assert {n["other"]: int(n["shared"]) for n in neighbours} == {o: shared[o] for o in (n["other"] for n in neighbours)}
        # the ten most shared, whichever of a tie were kept
        assert sorted((int(n["shared"]) for n in neighbours), reverse=True) == sorted(shared.values(), reverse=True)[:10]


def test_record_links_name_each_subject_and_date_of_each_open_record(demo):
    index, store, records = demo
    links = index.record_entity_links()
    subjects = subjects_by_record(store)
    by_record = defaultdict(set)
    for link in links:
        by_record[link["id"]].add(link["entity"])
        assert link["label"] and link["type"], link
    assert set(by_record) <= set(records.titles())
    for record_id, found in subjects.items():
        assert found <= by_record[record_id], record_id  # every subject is linked (dates come on top)
    assert any(link["type"].endswith("#Date") for link in links)


# The question the item page asked the public store before this index: the reference its rows must equal.
RECORD_ENTITIES_SPARQL = """
PREFIX rico: <https://www.ica.org/standards/RiC/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT ?entity ?type ?label (COUNT(DISTINCT ?a) AS ?mentions) (MAX(?conf) AS ?confidence) WHERE {
    ?record rico:identifier ?id .
    ?a oa:hasBody ?entity ; prov:wasDerivedFrom ?record .
    OPTIONAL { ?a ?pc ?conf FILTER(STRENDS(STR(?pc), "#confidence")) }
    ?entity a ?type ; rdfs:label ?label . FILTER(LANGMATCHES(LANG(?label), "zh-Hans") || LANG(?label) = "")
} GROUP BY ?entity ?type ?label"""


def test_a_records_entities_equal_what_the_store_answers(demo):
    index, store, records = demo
    checked = 0
    for record_id in list(records.titles())[:40]:
        literal = f'"{record_id}"'
        expected = {(r["entity"].value, r["type"].value, r["label"].value, r["mentions"].value, float(r["confidence"].value))
                    for r in store.query(RECORD_ENTITIES_SPARQL.replace("?id", literal))}
        found = index.record_entities(record_id)
        assert {(e["entity"], e["type"], e["label"], e["mentions"], float(e["confidence"])) for e in found} == expected
        assert [int(e["mentions"]) for e in found] == sorted((int(e["mentions"]) for e in found), reverse=True)
        checked += len(found)
    assert checked > 100


@pytest.mark.parametrize("kinds, cap", [(("Person", "CorporateBody", "Place", "Event"), 150),
                                        (("Person",), 12), (("Place", "Date"), 40)])
def test_the_overview_counted_in_sql_equals_reading_every_link(built_demo, demo, kinds, cap):
    """EntityIndex.overview against the links read one by one, for every record set and for one; and the
    overview the explorer draws from it is the one it drew from every link."""
    from jiyi.apps.network import choose

    ws, _ = built_demo
    index, _, records = demo
    set_of = dict(records._rows("SELECT id, record_set FROM records"))
    one_set = sorted(set(set_of.values()))[0]
    assert len(set(set_of.values())) > 1
    for sets in (None, [one_set]):
        links = [link for link in index.record_entity_links() if link["type"].rsplit("#", 1)[-1] in kinds
                 and (sets is None or set_of[link["id"]] in sets)]
        by_entity = defaultdict(set)
        for link in links:
            by_entity[link["entity"]].add(link["id"])
        found = index.overview(kinds, cap, record_index=ws.public_record_index, sets=sets)
        assert {uri: n for uri, _, _, n in found.entities} == {e: len(ids) for e, ids in by_entity.items()}
        assert [n for *_, n in found.entities] == sorted((len(ids) for ids in by_entity.values()), reverse=True)
        assert found.records == len({link["id"] for link in links})
        small = {(link["id"], link["entity"]) for link in links if len(by_entity[link["entity"]]) < cap}
        assert {(link["id"], link["entity"]) for link in found.links} == small and len(found.links) == len(small)
        if cap == 12 and sets is None:  # the demo's most named people are in more records than that: left out
            assert any(len(ids) >= cap for ids in by_entity.values())

        everything = choose(links, cap)
        drawn = choose(found.links, cap, total_nodes=len(found.entities) + found.records)
        assert (drawn.entities.keys(), drawn.records, sorted(drawn.edges), drawn.total_nodes) == \
               (everything.entities.keys(), everything.records, sorted(everything.edges), everything.total_nodes)
        assert drawn.node_count > 0
