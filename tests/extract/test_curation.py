"""Curators' decisions survive re-runs: applied on every build, never overwritten by extraction."""

import subprocess
import sys
from pathlib import Path

import pytest

from jiyi.build import build, open_workspace
from jiyi.extract.curation import Decision, read_decisions, write_decision
from jiyi.model import Entity, Mention, read_jsonl
from jiyi.progress import QUIET

JIYI = str(Path(sys.executable).parent / "jiyi")
CSV = (
    "档号,题名,日期,开放状态,摘要\n"
    "A-1,遵义会议决议,1935年1月17日,开放,中共中央政治局在遵义召开扩大会议，毛泽东、张闻天出席，弘扬传统。\n"
    "A-2,致毛委员的信,1936-01,开放,信中称毛泽东为毛委员，提及泸定桥。\n"
    "A-3,另一位张闻天,1950,开放,同名者张闻天在上海。\n"
)


@pytest.fixture
def workspace(make_workspace):
    ws = make_workspace(CSV)
    (ws.root / "curation").mkdir()
    (ws.root / "curation" / "dictionary.txt").write_text("毛泽东 1000 nr\n毛委员 1000 nr\n张闻天 1000 nr\n", encoding="utf-8")
    ws.config_file.write_text(ws.config_file.read_text(encoding="utf-8")
                              + '\n[extract]\ndictionaries = ["curation/dictionary.txt"]\n', encoding="utf-8")
    return ws


def extract(ws):
    ws, config = open_workspace(ws.root)
    summary = build(ws, config, QUIET, stages=["ingest", "extract", "graph"])
    entities = {f"{e.type.value}:{e.label}": e for e in read_jsonl(ws.entities_file, Entity)}
    return entities, list(read_jsonl(ws.mentions_file, Mention)), summary


def curate(ws, *args):
    return subprocess.run([JIYI, "curate", *args, "-w", str(ws.root)], capture_output=True, text=True)


def test_decisions_are_applied_on_every_rerun(workspace):
    entities, _, _ = extract(workspace)
    assert {"PER:毛泽东", "PER:毛委员", "PER:张闻天"} <= set(entities)

    assert curate(workspace, "merge", "PER:毛委员", "PER:毛泽东").returncode == 0
    assert curate(workspace, "split", "PER:张闻天", "张闻天（同名者）", "--records", "A-3").returncode == 0
    assert curate(workspace, "add", "LOC:泸定桥", "--records", "A-2", "--note", "missed by jieba").returncode == 0
    assert curate(workspace, "rename", "PER:毛泽东", "毛主席").returncode == 0
    for _ in range(2):  # a second build gives the same curated result
        entities, mentions, summary = extract(workspace)
        assert "PER:毛委员" not in entities
        mao = entities["PER:毛主席"]
        assert {"毛泽东", "毛委员"} <= set(mao.aliases) and mao.record_ids == ["A-1", "A-2"]
        assert entities["PER:张闻天"].record_ids == ["A-1"] and entities["PER:张闻天（同名者）"].record_ids == ["A-3"]
        bridge = [m for m in mentions if m.text == "泸定桥"]
        assert bridge and bridge[0].method == "curated" and bridge[0].confidence == 1.0
        assert not [p for p in summary.problems if p.code.startswith(("E6", "W6"))]
    turtle = (workspace.public_graph_dir / "public.ttl").read_text(encoding="utf-8")
    assert '"毛主席"@zh' in turtle and '"毛委员"@zh' in turtle  # the alias is published as skos:altLabel


def test_reject_removes_an_entity_and_its_mentions(workspace):
    entities, _, _ = extract(workspace)
    target = "PER:张闻天"
    assert target in entities
    assert curate(workspace, "reject", target).returncode == 0
    entities, mentions, _ = extract(workspace)
    assert target not in entities
    assert not [m for m in mentions if f"{m.type.value}:{m.text}" == target]


def test_unknown_targets_and_malformed_decisions_are_refused(workspace):
    extract(workspace)
    result = curate(workspace, "merge", "PER:无此人", "PER:毛泽东")
    assert result.returncode == 1 and "matches no extracted entity" in result.stderr
    assert not workspace.decisions_file.exists()  # nothing written for a refused decision


def test_a_bad_line_in_the_file_is_reported_and_the_rest_applied(workspace):
    write_decision(workspace.decisions_file, Decision("merge", "PER:毛委员", "PER:毛泽东"))
    with open(workspace.decisions_file, "a", encoding="utf-8") as out:
        out.write("delete\tPER:毛泽东\n")
    decisions, problems = read_decisions(workspace.decisions_file)
    assert [d.action for d in decisions] == ["merge"]
    assert [(p.code, p.where.line) for p in problems] == [("E601", 3)]
    entities, _, summary = extract(workspace)
    assert "PER:毛委员" not in entities and "E601" in {p.code for p in summary.problems}


def test_decisions_apply_in_file_order_and_added_mentions_stay_with_their_record(workspace):
    """Curation runs record by record (memory does not grow with the mentions), but each decision
    still sees what the ones above it did: a reject naming 毛委员 after the merge into 毛泽东 finds
    毛泽东 by that alias and takes every mention the merge moved."""
    entities, _, _ = extract(workspace)
    assert {"PER:毛泽东", "PER:毛委员"} <= set(entities)
    write_decision(workspace.decisions_file, Decision("merge", "PER:毛委员", "PER:毛泽东"))
    write_decision(workspace.decisions_file, Decision("reject", "PER:毛委员", records="A-2"))
    write_decision(workspace.decisions_file, Decision("add", "LOC:泸定桥", records="A-2,A-9"))
    entities, mentions, summary = extract(workspace)
    assert entities["PER:毛泽东"].record_ids == ["A-1"]  # A-2's 毛泽东 and its 毛委员 (merged) are rejected
    assert not [m for m in mentions if m.record_id == "A-2" and m.type.value == "PER"]
    # the curated mention is among A-2's, not after every record's; the record that exists gets it
    assert [m.record_id for m in mentions] == sorted(m.record_id for m in mentions)
    assert [m.text for m in mentions if m.method == "curated"] == ["泸定桥"]
    assert entities["LOC:泸定桥"].record_ids == ["A-2"]
    assert [(p.code, p.where.line, p.message) for p in summary.problems if p.code == "W604"] == \
        [("W604", 4, "record A-9 does not exist")]
