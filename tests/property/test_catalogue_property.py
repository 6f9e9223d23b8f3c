"""Property tests of catalogue CSV ingest (ingest/catalogue.py): what goes in comes back, or is a located Problem.

Rows are written with Python's csv module, as any spreadsheet export quotes them, holding
random Unicode: commas, quotes, newlines, CJK, control characters, line separators.
"""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

from hypothesis import example, given
from hypothesis import strategies as st

from jiyi.config import CatalogueSource
from jiyi.ingest.catalogue import read_catalogue
from jiyi.ingest.encoding import clean_for_storage

COLUMNS = {"id": "档号", "title": "题名", "creator": "责任者", "date": "日期", "access": "开放状态", "abstract": "摘要"}
HEADER = ["档号", "题名", "责任者", "日期", "开放状态", "摘要", "备注栏"]  # 备注栏 is no mapped field: an extra
SOURCE = CatalogueSource(file="sources/c.csv", record_set="t", columns=COLUMNS)

# Cells as archives send them: CJK and Latin, the characters CSV must quote, and controls
# and separators that old systems leave behind (Unicode's own, so only \n may end a row).
tricky = st.sampled_from(list(',"\n\r\t \u3000\u2028\u2029\x85\x00\x1b;，、“”') + ["遵义", "民国", "é", "𠀀"])
cell = st.lists(st.one_of(st.characters(codec="utf-8"), tricky), max_size=30).map("".join)
day = st.dates().map(lambda d: d.isoformat())
access = st.sampled_from(["开放", "控制", "不开放", "open", "", "公开", "待审"])


def expected(value: str) -> str:
    """A cell as ingest keeps it: controls dropped, line endings made \\n, outer spaces trimmed."""
    return clean_for_storage(value).strip()


def read(text: str) -> tuple[list, list]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "c.csv"
        path.write_text(text, encoding="utf-8", newline="")
        return read_catalogue(path, SOURCE, "sources/c.csv")


def as_csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    # Excel's dialect (\r\n rows), as spreadsheets export: it quotes any cell holding \r or \n.
    # (With \n rows csv leaves a lone \r unquoted, and ingest rightly reads that as a line end.)
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue()


row = st.tuples(cell, cell, cell, st.one_of(day, st.just("")), access, cell, cell)


@given(st.lists(row, max_size=8, unique_by=lambda r: expected(r[0])))
@example([("A-1", "题名, 含逗号", "中共中央", "1935-01-17", "开放", '他说："北上"', "行\n二")])
def test_every_row_comes_back_with_its_values_or_as_a_located_problem(rows):
    records, problems = read(as_csv([list(r) for r in rows]))
    by_id = {r.id: r for r in records}
    # lines as ingest counts them: after cleaning, a lone \r inside a quoted cell is a line break too
    lines = clean_for_storage(as_csv([list(r) for r in rows])).count("\n") + 1
    for problem in problems:
        assert problem.where.file == "sources/c.csv" and 1 <= problem.where.line <= lines, problem
    dropped_ids = [p for p in problems if p.dropped]
    for written in rows:
        record_id = expected(written[0])
        if not record_id or not any(expected(value) for value in written):
            continue  # E104: a row without an id is reported, checked by the count below
        record = by_id[record_id]
        assert record.title == expected(written[1])
        assert record.creator == expected(written[2])
        assert record.date == written[3]
        assert record.abstract == expected(written[5])
        assert record.extra.get("备注栏", "") == expected(written[6])
    # each row is a record or a dropped-row problem, never both and never neither; a row whose
    # cells are all empty is no row at all (spreadsheets export trailing ",,,,")
    rows_with_content = [r for r in rows if any(expected(value) for value in r)]
    assert len(records) + len(dropped_ids) == len(rows_with_content)
    # a status Jiyi does not know never becomes public
    for record in records:
        status = next(expected(r[4]) for r in rows if expected(r[0]) == record.id)
        if status not in ("开放", "open"):
            assert not record.is_public


@given(st.text(max_size=300))
@example('档号,题名\nA,"never closed\nB,next')
def test_any_text_gives_records_or_problems_never_an_exception(text):
    records, problems = read(text)
    lines = text.count("\n") + text.count("\r") + 2
    for problem in problems:
        assert problem.code and problem.fix and 1 <= (problem.where.line or 1) <= lines
    assert len({r.id for r in records}) == len(records)  # ids stay unique: they become URIs


@given(st.binary(max_size=300))
def test_any_bytes_give_records_or_problems_never_an_exception(data):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "c.csv"
        path.write_bytes(data)
        records, problems = read_catalogue(path, SOURCE, "sources/c.csv")
    assert all(p.code for p in problems)


# Two bugs of the committed reader (HEAD) that fuzzing hit; the reader now runs csv strict.
def test_a_huge_cell_is_a_located_problem_not_an_exception():
    # csv's field limit is 131,072 characters; over it, csv raises and the whole stage used to fail
    records, problems = read(as_csv([["A-1", "x" * 200_000, "", "1935", "开放", "", ""],
                                     ["A-2", "ok", "", "", "开放", "", ""]]))
    assert [r.id for r in records] == ["A-2"]
    assert [(p.where.line, p.dropped) for p in problems] == [(2, True)]


def test_rows_after_an_unclosed_quote_are_read_or_reported():
    # a stray quote used to glue every later line into one cell, silently
    text = ",".join(HEADER) + '\nA,"unclosed,,1935,开放,,\nB,second,,1936,开放,,\nC,third,,1937,开放,,\n'
    records, problems = read(text)
    assert {r.id for r in records} == {"B", "C"}
    assert [p.where.line for p in problems if p.dropped] == [2]
