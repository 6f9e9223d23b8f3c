"""The graph stage reads records one at a time (issue 9) and still builds what the all-at-once TripleMaker.build gives."""

import json

import pytest
from pyoxigraph import Quad, Store

import jiyi.graph as graph_stage
from jiyi.build import build, open_workspace
from jiyi.graph import record_rdf
from jiyi.graph.export import write_record_exports
from jiyi.graph.inputs import RowsByRecord, read_rows
from jiyi.graph.store import open_store
from jiyi.graph.triples import TripleMaker
from jiyi.graph.vocab import Minter
from jiyi.model import Assertion, Entity, EntityType, Mention, Record, read_jsonl
from jiyi.progress import QUIET
from jiyi.workspace import Workspace

CSV = (
    "档号,题名,日期,开放状态,摘要\n"
    "A-1,遵义会议决议,1935年1月17日,开放,中共中央政治局在遵义召开扩大会议，毛泽东出席。会后中共中央政治局委员张闻天起草决议。\n"
    "A-2,延安来电,1937-08,开放,毛泽东自延安致电。\n"
    "S-1,某专案审查材料,1950,控制,涉及柳条湾村人员名单。\n"
)


class RecordsFile:
    """Records as the build will soon hand them over: read from records.jsonl on each pass; no len(), no indexing."""

    def __init__(self, ws: Workspace):
        self.ws = ws

    def __iter__(self):
        return iter(read_jsonl(self.ws.records_file, Record))


@pytest.fixture
def shuffled_workspace(make_workspace):
    """A built workspace whose extraction files are not in record order, and whose first record points
    at a place that only the second record's text names (so describes first)."""
    ws = make_workspace(CSV)
    (ws.root / "curation").mkdir()
    (ws.root / "curation" / "dictionary.txt").write_text("柳条湾村 1000 ns\n遵义 1000 ns\n延安 1000 ns\n张闻天 1000 nr\n", encoding="utf-8")
    ws.config_file.write_text(ws.config_file.read_text(encoding="utf-8") + '\n[extract]\ndictionaries = ["curation/dictionary.txt"]\n',
                              encoding="utf-8")
    ws, config = open_workspace(ws.root)
    build(ws, config, QUIET, stages=["ingest", "extract"])

    entity_ids = {name: e.id for e in read_jsonl(ws.entities_file, Entity) for name in (e.label, *e.aliases)}
    mentioned_in = {}
    for mention in read_jsonl(ws.mentions_file, Mention):
        mentioned_in.setdefault(mention.entity_id, set()).add(mention.record_id)
    assert mentioned_in[entity_ids["延安"]] == {"A-2"} and "A-1" in mentioned_in[entity_ids["毛泽东"]]
    late = {"subject": entity_ids["毛泽东"], "predicate": "tookPlaceAt", "object": entity_ids["延安"], "record_id": "A-1",
            "method": "test", "confidence": 0.5, "field": "abstract", "start": 0, "end": 2}
    for path, extra in ((ws.mentions_file, []), (ws.assertions_file, [json.dumps(late, ensure_ascii=False)])):
        lines = path.read_text(encoding="utf-8").splitlines()
        path.write_text("\n".join(lines[::-1] + extra) + "\n", encoding="utf-8")  # last record's rows first
    return ws, config


def test_the_streamed_stage_builds_what_the_whole_lists_build(shuffled_workspace, tmp_path):
    ws, config = shuffled_workspace
    result = graph_stage.run(ws, config, RecordsFile(ws), QUIET)
    assert not result.problems

    # The same graph made from whole lists, as the stage did before it streamed.
    records = list(read_jsonl(ws.records_file, Record))
    mentions, entities, assertions = (list(read_rows(path, cls, [])) for path, cls in (
        (ws.mentions_file, Mention), (ws.entities_file, Entity), (ws.assertions_file, Assertion)))
    minter = Minter(config.base_uri)
    parts = TripleMaker(minter, entities, config.record_set_labels()).build(records, mentions, assertions)
    public, internal = minter.graph("public"), minter.graph("restricted")
    public_ids = {r.id for r in records if r.is_public}
    expected = [Quad(*t, public if rid in public_ids else internal) for rid, triples in parts.record_triples.items() for t in triples]
    expected += [Quad(*t, public if node.public else internal) for node in parts.shared.values() for t in node.triples]
    assert result.counts["triples"] == len(expected)
    whole = Store()  # in memory; a store writes some literals its own way (xsd:decimal "0.50" as "0.5")
    whole.extend(expected)
    store = open_store(ws)
    assert set(store.quads_for_pattern(None, None, None, None)) == set(whole.quads_for_pattern(None, None, None, None))
    del store

    # Each public record's files: its triples and the nodes they point at, as described once all records are read.
    reference = Workspace(tmp_path / "reference")
    write_record_exports(reference, config.base_uri, ((rid, record_rdf(parts.record_triples[rid], parts.shared))
                                                      for rid in sorted(public_ids)))
    built = {p.name: p.read_bytes() for p in (ws.public_graph_dir / "records").iterdir()}
    assert built == {p.name: p.read_bytes() for p in (reference.public_graph_dir / "records").iterdir()}
    assert sorted(built) == ["A-1.jsonld", "A-1.ttl", "A-2.jsonld", "A-2.ttl"]
    assert "延安市" in built["A-1.ttl"].decode()  # the name of the place A-2 described, which A-1's relation points at


def test_the_stage_refuses_records_it_could_read_only_once(shuffled_workspace):
    ws, config = shuffled_workspace
    with pytest.raises(TypeError, match="reads the records twice"):
        graph_stage.run(ws, config, iter(RecordsFile(ws)), QUIET)


def test_rows_by_record_keep_the_file_order_within_a_record():
    rows = [Mention("B", 0, 1, "x", EntityType.PER, "m", 1.0), Mention("A", 5, 6, "y", EntityType.PER, "m", 1.0),
            Mention("B", 2, 3, "z", EntityType.PER, "m", 1.0), Mention(7, 0, 1, "w", EntityType.PER, "m", 1.0)]
    with RowsByRecord(rows) as by_record:
        assert by_record.of("B") == [rows[0], rows[2]]
        assert by_record.of("A") == [rows[1]]
        assert by_record.of("7") == [] and by_record.of("C") == []  # a record id written as a number matches no record
