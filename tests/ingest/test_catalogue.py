"""Catalogue CSVs as archives send them: BOM or not, legacy encodings, bad rows located and skipped."""

import pytest

from jiyi.build import open_workspace, run_stage
from jiyi.model import AccessStatus, Record, read_jsonl
from jiyi.progress import QUIET

HEADER = "档号,题名,日期,开放状态,摘要\n"
ROWS = (
    "A-1,遵义会议决议,1935年1月17日,开放,中共中央政治局在遵义召开扩大会议。\n"
    ",没有档号的一行,1935,开放,\n"
    "A-3,坏日期,民国三十八年十三月,开放,\n"
    "A-1,重复档号,1935,开放,\n"
    "A-5,\"题名, 含逗号\",1949-10-01,控制,\n"
    "A-6,状态拼错,1949,公开,\n"
)


@pytest.mark.parametrize("bom", [False, True])
def test_good_rows_are_kept_and_bad_rows_reported_with_file_and_row(make_workspace, bom):
    ws = make_workspace(HEADER + ROWS, bom=bom)
    ws, config = open_workspace(ws.root)
    result = run_stage("ingest", ws, config, QUIET)
    records = {r.id: r for r in read_jsonl(ws.records_file, Record)}
    assert sorted(records) == ["A-1", "A-5", "A-6"]
    assert records["A-1"].date == "1935-01-17" and records["A-1"].date_text == "1935年1月17日"
    assert records["A-1"].source.line == 2
    assert records["A-5"].title == "题名, 含逗号" and records["A-5"].access is AccessStatus.RESTRICTED

    problems = {p.code: p for p in result.problems}
    assert str(problems["E104"].where) == "sources/catalogue.csv:3"
    assert str(problems["E106"].where) == "sources/catalogue.csv:4" and "no month 13" in problems["E106"].message
    assert str(problems["E105"].where) == "sources/catalogue.csv:5" and "line 2" in problems["E105"].message
    # an unknown status is never guessed to be open
    assert records["A-6"].access is AccessStatus.UNREVIEWED and not problems["W108"].dropped
    assert sum(p.dropped for p in result.problems) == 3


def test_public_records_file_holds_open_records_only(make_workspace):
    ws = make_workspace(HEADER + ROWS)
    ws, config = open_workspace(ws.root)
    run_stage("ingest", ws, config, QUIET)
    assert [r.id for r in read_jsonl(ws.public_records_file, Record)] == ["A-1"]


def test_a_legacy_encoding_is_reported_then_read_when_configured(make_workspace):
    ws = make_workspace("")
    (ws.root / "sources" / "catalogue.csv").write_bytes((HEADER + ROWS.splitlines()[0] + "\n").encode("gb18030"))
    ws, config = open_workspace(ws.root)
    result = run_stage("ingest", ws, config, QUIET)
    assert result.problems[0].code == "E102" and "gb18030" in result.problems[0].fix

    toml = ws.config_file.read_text(encoding="utf-8").replace('record_set = "t"', 'record_set = "t"\nencoding = "gb18030"')
    ws.config_file.write_text(toml, encoding="utf-8")
    ws, config = open_workspace(ws.root)
    result = run_stage("ingest", ws, config, QUIET)
    assert not result.problems
    assert [r.title for r in read_jsonl(ws.records_file, Record)] == ["遵义会议决议"]


def test_a_missing_mapped_column_names_the_columns(make_workspace):
    ws = make_workspace("档号,题名,开放状态,摘要\nA-1,x,开放,\n")
    ws, config = open_workspace(ws.root)
    result = run_stage("ingest", ws, config, QUIET)
    assert result.problems[0].code == "E103" and "日期" in result.problems[0].message


def test_page_images_attach_to_their_record(make_workspace):
    ws = make_workspace(HEADER + ROWS.splitlines()[0] + "\n")
    pages = ws.root / "sources" / "images" / "A-1"
    pages.mkdir(parents=True)
    for name in ("p2.png", "p1.png", "notes.txt"):
        (pages / name).write_bytes(b"x")
    (ws.root / "sources" / "images" / "Z-9").mkdir()
    ws, config = open_workspace(ws.root)
    result = run_stage("ingest", ws, config, QUIET)
    (record,) = read_jsonl(ws.records_file, Record)
    assert record.images == ["sources/images/A-1/p1.png", "sources/images/A-1/p2.png"]
    assert [p.code for p in result.problems] == ["W121"]
