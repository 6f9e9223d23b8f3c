"""Excel catalogues as archives export them: title rows, merged two-row headers, numbers and date cells."""

import datetime as dt
import zipfile

import pytest
from openpyxl import Workbook

from jiyi.build import open_workspace, run_stage
from jiyi.ingest.xlsx import cell_text
from jiyi.model import Record, read_jsonl
from jiyi.progress import QUIET

COLUMNS = 'id = "档号"\ntitle = "题名"\ndate = "日期"\naccess = "开放状态"\nabstract = "摘要"\n'


def xlsx_workspace(tmp_path, build_sheets, *, extra_entry: str = "", columns: str = COLUMNS):
    """A workspace whose one catalogue is sources/catalogue.xlsx, made by `build_sheets(workbook)`."""
    root = tmp_path / "ws"
    (root / "sources").mkdir(parents=True)
    workbook = Workbook()
    build_sheets(workbook)
    workbook.save(root / "sources" / "catalogue.xlsx")
    (root / "jiyi.toml").write_text(
        '[project]\nname = "test"\n\n[[catalogue]]\nfile = "sources/catalogue.xlsx"\nrecord_set = "t"\n'
        f"{extra_entry}\n[catalogue.columns]\n{columns}", encoding="utf-8")
    return root


def ingest(root):
    ws, config = open_workspace(root)
    result = run_stage("ingest", ws, config, QUIET)
    return {r.id: r for r in read_jsonl(ws.records_file, Record)}, result.problems


def archive_export(workbook):
    """Row 1 a title merged over every column; rows 2–3 a two-row header with merged group cells."""
    sheet = workbook.active
    sheet.title = "目录"
    sheet.append(["红色档案案卷目录（2024年导出）"])
    sheet.merge_cells("A1:F1")
    sheet.append(["基本信息", None, None, "开放审核", None, "备注"])
    sheet.merge_cells("A2:C2")
    sheet.merge_cells("D2:E2")
    sheet.merge_cells("F2:F3")  # a column merged down over both header rows names itself in the upper one
    sheet.append(["档号", "题名", "日期", "开放状态", "摘要", None])
    sheet.append([1001.0, "遵义会议决议", dt.datetime(1935, 1, 17), "开放", "中共中央政治局扩大会议", "原件"])  # row 4
    sheet.append(["RA-1949-009", "坏日期", "民国三十八年十三月", "开放", None, None])  # row 5: E106
    sheet.append([None, "没有档号", 1935, "开放", None, None])  # row 6: E104
    sheet.append([1001, "重复档号", 1936, "开放", None, None])  # row 7: E105, 1001 as an integer is the same id
    sheet.append([None] * 6)  # row 8: an empty, formatted row, as exports leave them
    sheet.append(["RA-1936-002", "一九三六年", 1936, "控制", "摘要", None, None, "表外批注"])  # row 9: W115
    sheet["C4"].number_format = "yyyy年m月d日"


def test_an_archive_export_is_read_from_its_real_header_with_excel_row_numbers(tmp_path):
    records, problems = ingest(xlsx_workspace(tmp_path, archive_export, columns=COLUMNS + 'note = "备注"\n'))
    assert sorted(records) == ["1001", "RA-1936-002"]  # 1001.0, a number in Excel, is the id "1001"
    first = records["1001"]
    assert first.title == "遵义会议决议" and first.date == "1935-01-17" and first.abstract == "中共中央政治局扩大会议"
    assert first.note == "备注: 原件"  # 备注 is merged over both header rows
    assert str(first.source) == "sources/catalogue.xlsx[目录]:4"
    assert records["RA-1936-002"].date == "1936" and records["RA-1936-002"].access.value == "restricted"

    located = {(p.code, str(p.where)) for p in problems}
    assert located == {("E106", "sources/catalogue.xlsx[目录]:5"), ("E104", "sources/catalogue.xlsx[目录]:6"),
                       ("E105", "sources/catalogue.xlsx[目录]:7"), ("W115", "sources/catalogue.xlsx[目录]:9")}
    by_code = {p.code: p for p in problems}
    assert "row 4" in by_code["E105"].message and "no month 13" in by_code["E106"].message
    assert "表外批注" in by_code["W115"].message and not by_code["W115"].dropped
    assert all(p.fix for p in problems)


def test_a_column_name_two_groups_share_is_mapped_as_group_slash_column(tmp_path):
    def two_dates(workbook):
        sheet = workbook.active
        sheet.append(["基本信息", None, "形成", "开放审核", None])
        sheet.merge_cells("A1:B1")
        sheet.merge_cells("D1:E1")
        sheet.append(["档号", "题名", "日期", "开放状态", "日期"])
        sheet.append(["A-1", "决议", "1935-01-17", "开放", "2020-01-01"])

    columns = 'id = "档号"\ntitle = "题名"\ndate = "形成/日期"\naccess = "开放状态"\nembargo = "开放审核/日期"\n'
    records, problems = ingest(xlsx_workspace(tmp_path, two_dates, columns=columns))
    assert records["A-1"].date == "1935-01-17" and records["A-1"].embargo == "2020-01-01"
    # mapped as plain 日期, the ambiguity is reported and the first 日期 column is read
    records, problems = ingest(xlsx_workspace(tmp_path / "plain", two_dates, columns=columns.replace('"形成/日期"', '"日期"')))
    assert records["A-1"].date == "1935-01-17"
    assert [(p.code, p.where.line, p.dropped) for p in problems] == [("W114", 2, False)]


def test_the_configured_sheet_is_read_and_an_unknown_one_is_named_with_the_choices(tmp_path):
    def two_sheets(workbook):
        workbook.active.title = "说明"
        workbook.active.append(["本表为导出说明"])
        sheet = workbook.create_sheet("案卷目录")
        sheet.append(["档号", "题名", "日期", "开放状态", "摘要"])
        sheet.append(["A-1", "决议", 1935, "开放", ""])

    records, problems = ingest(xlsx_workspace(tmp_path, two_sheets, extra_entry='sheet = "案卷目录"\n'))
    assert list(records) == ["A-1"] and not problems
    records, problems = ingest(xlsx_workspace(tmp_path / "b", two_sheets, extra_entry='sheet = "目录"\n'))
    assert not records
    (problem,) = problems
    assert problem.code == "E118" and problem.where.file == "sources/catalogue.xlsx" and "说明, 案卷目录" in problem.fix
    # the first sheet by default: it holds no header, which is located and explained
    records, problems = ingest(xlsx_workspace(tmp_path / "c", two_sheets))
    assert [(p.code, str(p.where)) for p in problems] == [("E103", "sources/catalogue.xlsx[说明]:1")]


def test_a_broken_workbook_and_an_old_xls_are_refused_and_the_other_catalogues_still_read(tmp_path):
    root = xlsx_workspace(tmp_path, archive_export)
    (root / "sources" / "catalogue.xlsx").write_bytes(b"PK\x03\x04 this zip was cut short")
    (root / "sources" / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500))
    (root / "sources" / "good.csv").write_text("档号,题名\nG-1,好的一行\n", encoding="utf-8")
    with open(root / "jiyi.toml", "a", encoding="utf-8") as toml:
        for name in ("old.xls", "good.csv"):
            toml.write(f'\n[[catalogue]]\nfile = "sources/{name}"\nrecord_set = "{name[:3]}"\n\n'
                       '[catalogue.columns]\nid = "档号"\ntitle = "题名"\n')
    records, problems = ingest(root)
    assert list(records) == ["G-1"]
    assert [(p.code, p.where.file) for p in problems] == [("E117", "sources/catalogue.xlsx"), ("E116", "sources/old.xls")]
    assert ".xlsx" in problems[1].fix and all(p.dropped for p in problems)


@pytest.mark.parametrize("value, text", [
    (1001.0, "1001"), (1001, "1001"), (3.5, "3.5"), (None, ""), (True, "TRUE"),
    (dt.datetime(1935, 1, 17), "1935-01-17"), (dt.datetime(1949, 10, 1, 15, 0), "1949-10-01"),
    (dt.date(1921, 7, 23), "1921-07-23"), ("遵义\x00会议\r\n决议", "遵义会议\n决议"),
])
def test_cell_text_is_what_a_csv_export_would_hold(value, text):
    assert cell_text(value) == text


def test_a_sheet_damaged_part_way_keeps_the_rows_before_the_damage_and_says_where(tmp_path):
    def many_rows(workbook):
        sheet = workbook.active
        sheet.title = "目录"
        sheet.append(["档号", "题名", "日期", "开放状态", "摘要"])
        for number in range(1, 201):
            sheet.append([f"A-{number}", f"第{number}件", 1935, "开放", ""])

    root = xlsx_workspace(tmp_path, many_rows)
    path = root / "sources" / "catalogue.xlsx"
    with zipfile.ZipFile(path) as original:
        parts = {name: original.read(name) for name in original.namelist()}
    sheet_xml = parts["xl/worksheets/sheet1.xml"]
    parts["xl/worksheets/sheet1.xml"] = sheet_xml[: sheet_xml.index(b'<row r="150"') + 40]  # cut inside row 150
    with zipfile.ZipFile(path, "w") as damaged:
        for name, data in parts.items():
            damaged.writestr(name, data)

    records, problems = ingest(root)
    assert 100 < len(records) < 150 and "A-1" in records
    (problem,) = problems
    assert problem.code == "E117" and problem.where.file == "sources/catalogue.xlsx[目录]"
    assert "after row" in problem.message and ".xlsx" in problem.fix
