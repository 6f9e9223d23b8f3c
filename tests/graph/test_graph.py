"""RiC-O triples in Oxigraph on disk; the public Turtle holds nothing of restricted records."""

import csv
import json

import pyoxigraph
import pytest
import rdflib
from rdflib.compare import isomorphic

from jiyi.build import build, open_workspace
from jiyi.graph.store import open_store, rdflib_dataset
from jiyi.graph.validate import workspace_graph
from jiyi.graph.vocab import RICO
from jiyi.progress import QUIET

from helpers import SHARED

CSV = (
    "档号,题名,日期,开放状态,摘要\n"
    "A-1,遵义会议决议,1935年1月17日,开放,中共中央政治局在遵义召开扩大会议，毛泽东出席。会后中共中央政治局委员张闻天起草决议。\n"
    "A-2,延安来电,1937-08,开放,毛泽东自延安致电。\n"
    "S-1,某专案审查材料,1950,控制,涉及柳条湾村人员名单。\n"
)
STAGES = ["ingest", "extract", "graph"]


@pytest.fixture
def graph_workspace(make_workspace):
    ws = make_workspace(CSV)
    (ws.root / "curation").mkdir()
    (ws.root / "curation" / "dictionary.txt").write_text("柳条湾村 1000 ns\n遵义 1000 ns\n张闻天 1000 nr\n", encoding="utf-8")
    ws.config_file.write_text(ws.config_file.read_text(encoding="utf-8") + '\n[extract]\ndictionaries = ["curation/dictionary.txt"]\n',
                              encoding="utf-8")
    ws, config = open_workspace(ws.root)
    build(ws, config, QUIET, stages=STAGES)
    return ws


def public_graph(ws) -> rdflib.Graph:
    return rdflib.Graph().parse(ws.public_graph_dir / "public.ttl", format="turtle")


def test_public_turtle_parses_and_describes_open_records(graph_workspace):
    graph = public_graph(graph_workspace)
    rows = graph.query("""
        PREFIX rico: <https://www.ica.org/standards/RiC/ontology#>
        SELECT ?id ?title ?date WHERE { ?r a rico:Record ; rico:identifier ?id ; rico:title ?title ;
                                           rico:hasCreationDate/rico:normalizedDateValue ?date } ORDER BY ?id""")
    assert [(str(i), str(t), str(d)) for i, t, d in rows] == [("A-1", "遵义会议决议", "1935-01-17"), ("A-2", "延安来电", "1937-08")]
    people = {str(label) for (label,) in graph.query(
        "PREFIX rico: <https://www.ica.org/standards/RiC/ontology#> SELECT ?l WHERE { ?r rico:hasOrHadSubject ?p . ?p a rico:Person ; rico:name ?l }")}
    assert "毛泽东" in people


def test_every_fact_from_text_has_its_provenance(graph_workspace):
    graph = public_graph(graph_workspace)
    (count,) = next(iter(graph.query("""
        PREFIX oa: <http://www.w3.org/ns/oa#> PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT (COUNT(?a) AS ?n) WHERE { ?a a oa:Annotation ; oa:hasBody ?e ; prov:wasDerivedFrom ?r ; prov:wasGeneratedBy ?act ;
            oa:hasTarget/oa:hasSelector [ a oa:TextPositionSelector ; oa:start ?s ; oa:end ?end ] }""")))
    annotations = set(graph.subjects(rdflib.RDF.type, rdflib.URIRef("http://www.w3.org/ns/oa#Annotation")))
    assert int(count) == len(annotations) > 0


def test_restricted_records_and_what_only_they_mention_stay_out_of_public(graph_workspace):
    text = (graph_workspace.public_graph_dir / "public.ttl").read_text(encoding="utf-8")
    for secret in ("S-1", "某专案审查材料", "柳条湾村"):
        assert secret not in text
    # ... but they are in the store, in the restricted graph
    store = open_store(graph_workspace)
    found = list(store.query('SELECT ?g WHERE { GRAPH ?g { ?r <https://www.ica.org/standards/RiC/ontology#identifier> "S-1" } }'))
    assert [row["g"].value for row in found] == ["https://example.org/jiyi/graph/restricted"]
    place = list(store.query('SELECT ?g WHERE { GRAPH ?g { ?p <http://www.w3.org/2000/01/rdf-schema#label> "柳条湾村"@zh-Hans } }'))
    assert [row["g"].value for row in place] == ["https://example.org/jiyi/graph/restricted"]


def test_the_public_store_holds_the_public_turtle_and_a_rebuild_swaps_it_under_a_reader(graph_workspace):
    folder = graph_workspace.public_store_dir
    reader = pyoxigraph.Store.read_only(str(folder))  # the app's handle, kept open across the rebuild
    turtle = {(str(q.subject), str(q.predicate), str(q.object))
              for q in pyoxigraph.parse(path=str(graph_workspace.public_graph_dir / "public.ttl"), format=pyoxigraph.RdfFormat.TURTLE)}
    stored = {(str(q.subject), str(q.predicate), str(q.object)) for q in reader}
    assert stored == turtle and len(stored) > 20
    assert not any("S-1" in " ".join(triple) for triple in stored)
    first_inode = folder.stat().st_ino

    ws, config = open_workspace(graph_workspace.root)
    build(ws, config, QUIET, stages=["graph"])
    assert sum(1 for _ in reader) == len(stored)  # the old handle still reads the store it opened
    assert folder.stat().st_ino != first_inode  # a new folder, so the app's cache key changes
    assert {(str(q.subject), str(q.predicate), str(q.object)) for q in pyoxigraph.Store.read_only(str(folder))} == stored
    assert [p.name for p in folder.parent.iterdir() if p.name.startswith(".")] == []  # no half-written or stale store left


def test_rebuilds_mint_the_same_uris(graph_workspace):
    first = public_graph(graph_workspace)
    ws, config = open_workspace(graph_workspace.root)
    build(ws, config, QUIET, stages=STAGES)
    second = public_graph(graph_workspace)
    assert set(first) == set(second) and len(first) > 20


def test_researchers_can_use_rdflib_over_the_store(graph_workspace):
    dataset = rdflib_dataset(graph_workspace)
    try:
        titles = {str(t) for (t,) in dataset.query(
            "SELECT ?t WHERE { GRAPH ?g { ?r <https://www.ica.org/standards/RiC/ontology#title> ?t } }")}
    finally:
        dataset.close()
    assert {"遵义会议决议", "延安来电", "某专案审查材料"} <= titles


def test_only_terms_that_ric_o_defines_are_used(built_demo):
    rico_dir = SHARED / "data" / "rico"
    if not rico_dir.is_dir():
        pytest.skip(f"RiC-O lists not found at {rico_dir} (they sit in ../shared beside the checkout)")
    defined = set()
    for name in ("classes", "object-properties", "datatype-properties"):
        with open(rico_dir / f"RiC-O_1-1_list-of-{name}.csv", encoding="utf-8") as table:
            defined |= {row[0].removeprefix("rico:") for row in csv.reader(table)}
    ws, _ = built_demo
    config = open_workspace(ws.root)[1]
    graph = workspace_graph(ws, config.base_uri, scope="all")  # restricted records too
    used = {str(p).removeprefix(RICO) for p in graph.predicates() if str(p).startswith(RICO)}
    used |= {str(c).removeprefix(RICO) for c in graph.objects(None, rdflib.RDF.type) if str(c).startswith(RICO)}
    assert len(used) > 20 and used <= defined, used - defined
    # Record set types are individuals of RiC-O 1.1's own vocabulary, which ships in the ontology file.
    ontology = rdflib.Graph().parse(rico_dir / "RiC-O_1-1.ttl", format="turtle")
    types = set(graph.objects(None, rdflib.URIRef(RICO + "hasRecordSetType")))
    assert types and all((t, rdflib.RDF.type, rdflib.OWL.NamedIndividual) in ontology for t in types)


def test_relations_are_published_with_their_evidence(graph_workspace):
    graph = public_graph(graph_workspace)
    rows = list(graph.query("""
        PREFIX rico: <https://www.ica.org/standards/RiC/ontology#> PREFIX prov: <http://www.w3.org/ns/prov#>
        PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        SELECT ?person ?body ?record WHERE {
            ?p rico:isOrWasMemberOf ?b ; rico:name ?person . ?b rico:name ?body .
            ?s rdf:subject ?p ; rdf:predicate rico:isOrWasMemberOf ; rdf:object ?b ; prov:wasDerivedFrom ?r .
            ?r rico:identifier ?record }"""))
    assert [(str(p), str(b), str(r)) for p, b, r in rows] == [("张闻天", "中共中央政治局", "A-1")]


def demo_graph(built_demo) -> rdflib.Graph:
    ws, _ = built_demo
    return rdflib.Graph().parse(ws.public_graph_dir / "public.ttl", format="turtle")


def test_date_ranges_point_at_the_dates_of_their_ends(built_demo):
    graph = demo_graph(built_demo)
    rows = list(graph.query("""
        PREFIX rico: <https://www.ica.org/standards/RiC/ontology#>
        SELECT ?value ?begin ?end WHERE { ?d a rico:Date ; rico:normalizedDateValue ?value FILTER(CONTAINS(?value, "/"))
            OPTIONAL { ?d rico:hasBeginningDate/rico:normalizedDateValue ?begin }
            OPTIONAL { ?d rico:hasEndDate/rico:normalizedDateValue ?end } }"""))
    assert rows, "the demo has date ranges (MoW inscriptions, spans of telegrams)"
    for value, begin, end in rows:
        first, last = str(value).split("/")
        assert (str(begin) if begin else "..") == first and (str(end) if end else "..") == last


def test_labels_carry_the_four_language_tags_and_nothing_else(built_demo):
    graph = demo_graph(built_demo)
    tags = {label.language.lower() for label in graph.objects(None, rdflib.RDFS.label) if label.language}
    assert tags == {"zh-hans", "zh-hant", "zh-latn-pinyin", "en"}
    person = rdflib.URIRef(next(iter(graph.query(
        'PREFIX rico: <https://www.ica.org/standards/RiC/ontology#> SELECT ?p WHERE { ?p a rico:Person ; rico:name "毛泽东"@zh-Hans }')))[0])
    labels = {(label.language.lower(), str(label)) for label in graph.objects(person, rdflib.RDFS.label)}
    assert {("zh-hant", "毛澤東"), ("zh-latn-pinyin", "Máo Zédōng"), ("en", "Mao Zedong")} <= labels


def test_record_sets_say_whether_they_are_fonds_or_collections(built_demo):
    graph = demo_graph(built_demo)
    types = {str(t).rsplit("#", 1)[-1] for t in graph.objects(None, rdflib.URIRef(RICO + "hasRecordSetType"))}
    assert types and types <= {"Fonds", "Series", "File", "Collection"}
    untyped = list(graph.query("""PREFIX rico: <https://www.ica.org/standards/RiC/ontology#>
        SELECT ?s WHERE { ?s a rico:RecordSet FILTER NOT EXISTS { ?s rico:hasRecordSetType ?t } }"""))
    assert untyped == []


def test_bad_rows_in_the_extraction_output_are_left_out_with_their_line(graph_workspace):
    ws, config = open_workspace(graph_workspace.root)
    entities = ws.entities_file.read_text(encoding="utf-8").splitlines()
    good = json.loads(entities[0])
    bad_rows = [
        json.dumps({**good, "id": "x-1", "type": "WEAPON"}),            # an entity type Jiyi does not know
        json.dumps({**good, "id": "x-2", "latitude": "north"}),         # a literal of the wrong kind
        json.dumps({**good, "id": "x-3", "latitude": 123.0}),           # out of range
        "{not json",
    ]
    ws.entities_file.write_text("\n".join(entities + bad_rows) + "\n", encoding="utf-8")
    mentions = ws.mentions_file.read_text(encoding="utf-8").splitlines()
    bad_mention = json.dumps({**json.loads(mentions[0]), "start": 9, "end": 3})
    ws.mentions_file.write_text("\n".join(mentions + [bad_mention]) + "\n", encoding="utf-8")

    summary = build(ws, config, QUIET, stages=["graph"])
    found = {(p.where.file.rsplit("/", 1)[-1], p.where.line): p.message for p in summary.problems}
    n = len(entities)
    assert set(found) == {("entities.jsonl", n + 1), ("entities.jsonl", n + 2), ("entities.jsonl", n + 3),
                          ("entities.jsonl", n + 4), ("mentions.jsonl", len(mentions) + 1)}
    assert "WEAPON" in found[("entities.jsonl", n + 1)] and "PER" in found[("entities.jsonl", n + 1)]
    assert "latitude 'north'" in found[("entities.jsonl", n + 2)]
    assert "offsets 9–3" in found[("mentions.jsonl", len(mentions) + 1)]
    assert all(p.code == "E440" and "correct this line" in p.fix for p in summary.problems)
    # ... and everything else was built as before
    assert {"遵义会议决议", "延安来电"} <= {str(t) for t in public_graph(ws).objects(None, rdflib.URIRef(RICO + "title"))}


def test_ids_with_spaces_slashes_and_chinese_make_valid_iris(make_workspace):
    ws = make_workspace("档号,题名,日期,开放状态,摘要\n红档 1935/遵义-01,遵义会议决议,1935年1月17日,开放,毛泽东出席。\n")
    ws, config = open_workspace(ws.root)
    build(ws, config, QUIET, stages=STAGES)
    graph = public_graph(ws)
    (record,) = set(graph.subjects(rdflib.RDF.type, rdflib.URIRef(RICO + "Record")))
    assert " " not in record and "/遵义" not in record and record.startswith("https://example.org/jiyi/record/")
    from urllib.parse import unquote
    assert unquote(record.rsplit("/", 1)[-1]) == "红档 1935/遵义-01"
    assert str(graph.value(record, rdflib.URIRef(RICO + "identifier"))) == "红档 1935/遵义-01"


def test_each_public_record_has_its_own_rdf_and_a_restricted_one_none(graph_workspace):
    folder = graph_workspace.public_graph_dir / "records"
    assert sorted(p.name for p in folder.iterdir()) == ["A-1.jsonld", "A-1.ttl", "A-2.jsonld", "A-2.ttl"]
    turtle = rdflib.Graph().parse(folder / "A-1.ttl", format="turtle")
    assert isomorphic(turtle, rdflib.Graph().parse(folder / "A-1.jsonld", format="json-ld"))
    record = rdflib.URIRef("https://example.org/jiyi/record/A-1")
    assert str(turtle.value(record, rdflib.URIRef(RICO + "identifier"))) == "A-1"
    people = set(turtle.objects(record, rdflib.URIRef(RICO + "hasOrHadSubject")))
    assert any((p, rdflib.URIRef(RICO + "name"), rdflib.Literal("毛泽东", lang="zh-Hans")) in turtle for p in people)
    assert "延安来电" not in (folder / "A-1.ttl").read_text(encoding="utf-8")  # another record's own triples stay out

    # A-2 closed on review: its files go at the next build
    csv_file = graph_workspace.root / "sources" / "catalogue.csv"
    csv_file.write_text(csv_file.read_text(encoding="utf-8").replace("A-2,延安来电,1937-08,开放", "A-2,延安来电,1937-08,控制"),
                        encoding="utf-8")
    ws, config = open_workspace(graph_workspace.root)
    build(ws, config, QUIET, stages=STAGES)
    assert sorted(p.name for p in folder.iterdir()) == ["A-1.jsonld", "A-1.ttl"]


def test_a_record_not_in_chinese_keeps_its_own_language_tag():
    """A harvested English manifest's title is English, not zh-Hans; Chinese titles get both scripts."""
    from pyoxigraph import Literal

    from jiyi.graph.triples import TripleMaker
    from jiyi.graph.vocab import LABEL, Minter
    from jiyi.model import Record

    maker = TripleMaker(Minter("https://example.org/jiyi/"), [], {})
    english = Record(id="H-1", title="Letter from Yan'an", record_set="harvest", language="en")
    chinese = Record(id="A-1", title="遵義會議決議", record_set="a")
    node = maker.mint.node("record", "x")
    assert {t.object for t in maker.record_titles(node, english)} == {Literal("Letter from Yan'an", language="en")}
    assert {(t.predicate, t.object) for t in maker.record_titles(node, chinese) if t.predicate == LABEL} == {
        (LABEL, Literal("遵义会议决议", language="zh-Hans")), (LABEL, Literal("遵義會議決議", language="zh-Hant"))}
