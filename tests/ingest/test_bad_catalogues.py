"""A corpus of bad catalogues, made from the demo's real one: each is read, or refused where it is wrong, with a fix.

One catalogue text (the demo's red-archives CSV) is written in every encoding archives send
and must give the same records; then rows are broken the ways exports break them.
"""

import codecs
import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import DEMO_SOURCE
from openpyxl import Workbook

import jiyi.ingest.encoding as encoding
from jiyi.build import open_workspace, run_stage
from jiyi.model import Record, read_jsonl
from jiyi.progress import QUIET

JIYI = str(Path(sys.executable).parent / "jiyi")
DEMO_CATALOGUE = DEMO_SOURCE / "sources" / "red_archives.csv"
COLUMNS = {"id": "档号", "title": "题名", "creator": "责任者", "date": "日期", "fonds": "全宗", "retention": "保管期限",
           "access": "开放状态", "holder": "保管机构", "abstract": "摘要"}  # in the demo's column order
COLUMNS_INDEX = {field: index for index, field in enumerate(COLUMNS)}

SIMPLIFIED_ENCODINGS = {  # how the file is written: the encoding, then a byte-order mark or none
    "gbk": ("gbk", b""),
    "gb18030": ("gb18030", b""),
    "utf-8 with BOM": ("utf-8", codecs.BOM_UTF8),
    "utf-16 LE with BOM": ("utf-16-le", codecs.BOM_UTF16_LE),
    "utf-16 BE with BOM": ("utf-16-be", codecs.BOM_UTF16_BE),
}


def demo_rows(*, traditional: bool = False, codec: str = "gbk") -> list[list[str]]:
    """The demo catalogue's rows (header first); in Taiwan's traditional forms when asked; only rows `codec` can hold."""
    rows = list(csv.reader(io.StringIO(DEMO_CATALOGUE.read_text(encoding="utf-8-sig"))))
    if traditional:
        from opencc import OpenCC  # a runtime dependency of extract.normalise

        convert = OpenCC("s2tw").convert
        rows = [[convert(cell) for cell in row] for row in rows]
    return [row for row in rows if _holds(codec, row)]


def _holds(codec: str, row: list[str]) -> bool:
    try:
        "".join(row).encode(codec)
        return True
    except UnicodeEncodeError:
        return False


def as_csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)  # as Excel writes it
    return out.getvalue()


def workspace(root: Path, data: bytes, *, columns: dict[str, str] = COLUMNS, entry: str = "", name: str = "catalogue.csv"):
    (root / "sources").mkdir(parents=True, exist_ok=True)
    (root / "sources" / name).write_bytes(data)
    mapped = "".join(f'{field} = "{column}"\n' for field, column in columns.items())
    (root / "jiyi.toml").write_text(f'[project]\nname = "t"\n\n[[catalogue]]\nfile = "sources/{name}"\nrecord_set = "t"\n'
                                    f"{entry}\n[catalogue.columns]\n{mapped}", encoding="utf-8")
    return root


def ingest(root: Path):
    ws, config = open_workspace(root)
    result = run_stage("ingest", ws, config, QUIET)
    return list(read_jsonl(ws.records_file, Record)), result.problems


@pytest.fixture(params=["whole file", "streamed in chunks"])
def reading(request, monkeypatch):
    """Files small enough are detected whole; bigger ones from a sample, then checked chunk by chunk."""
    if request.param == "streamed in chunks":
        monkeypatch.setattr(encoding, "SAMPLE_BYTES", 2048)
        monkeypatch.setattr(encoding, "_CHUNK", 1000)  # characters split across chunks: the incremental decoder's job
    return request.param


@pytest.mark.parametrize("written", SIMPLIFIED_ENCODINGS)
def test_every_encoding_of_the_demo_catalogue_gives_the_same_records(tmp_path, reading, written):
    codec, bom = SIMPLIFIED_ENCODINGS[written]
    text = as_csv(demo_rows())
    expected, expected_problems = ingest(workspace(tmp_path / "utf8", text.encode("utf-8")))
    assert len(expected) == 61 and not expected_problems  # the reference reads cleanly: the comparison means something

    records, problems = ingest(workspace(tmp_path / "x", bom + text.encode(codec), entry='encoding = "auto"\n'))
    assert records == expected and not problems


def test_big5_in_traditional_forms_gives_the_same_records_as_its_utf8(tmp_path, reading):
    rows = demo_rows(traditional=True, codec="big5")
    columns = {field: rows[0][list(COLUMNS.values()).index(column)] for field, column in COLUMNS.items()}
    text = as_csv(rows)
    expected, expected_problems = ingest(workspace(tmp_path / "utf8", text.encode("utf-8"), columns=columns))
    assert len(expected) >= 55 and expected[0].title == "中國共產黨第一個綱領"

    records, problems = ingest(workspace(tmp_path / "big5", text.encode("big5"), columns=columns, entry='encoding = "auto"\n'))
    assert records == expected and problems == expected_problems


@pytest.mark.parametrize("declared", ["auto", "gbk"])
def test_a_damaged_byte_is_located_on_its_line_and_nothing_of_the_file_is_guessed(tmp_path, reading, declared):
    rows = demo_rows()
    damaged_line = 40
    lines = as_csv(rows).encode("gbk").split(b"\r\n")
    lines[damaged_line - 1] = lines[damaged_line - 1][:30] + b"\xff" + lines[damaged_line - 1][30:]
    records, problems = ingest(workspace(tmp_path, b"\r\n".join(lines), entry=f'encoding = "{declared}"\n'))
    (problem,) = problems
    assert not records and problem.code == "E102" and problem.dropped
    assert str(problem.where) == f"sources/catalogue.csv:{damaged_line}"
    assert f"line {damaged_line}" in problem.fix and "UTF-8" in problem.fix


def test_a_utf16_file_under_the_default_encoding_is_refused_with_the_setting_that_reads_it(tmp_path):
    data = codecs.BOM_UTF16_LE + as_csv(demo_rows()).encode("utf-16-le")
    (problem,) = ingest(workspace(tmp_path / "a", data))[1]
    assert problem.code == "E102" and problem.where.file == "sources/catalogue.csv" and problem.where.line
    assert 'encoding = "utf-16-le"' in problem.fix
    records, problems = ingest(workspace(tmp_path / "b", data, entry='encoding = "utf-16-le"\n'))
    assert len(records) == 61 and not problems and records[0].id == "RA-1921-001"  # the byte-order mark is no part of the id


SMALL_COLUMNS = {"id": "档号", "title": "题名", "date": "日期"}


def small(tmp_path, text: str, **options):
    return ingest(workspace(tmp_path, text.encode("utf-8"), columns=SMALL_COLUMNS, **options))


def test_rows_with_missing_or_extra_cells_are_dropped_naming_what_does_not_fit(tmp_path):
    records, problems = small(tmp_path, "档号,题名,日期\n"
                                        "A-1,遵义会议决议,1935\n"
                                        "A-2,少一格\n"  # line 3: E114
                                        "A-3,多一格,1936,多出来的\n"  # line 4: E107
                                        "A-4,末尾空格,1937,,\n"  # a trailing comma holds nothing: kept
                                        ",,\n"  # an empty row, as exports leave them: no record, no problem
                                        "\n"
                                        "A-5,最后,1938\n")
    assert [(r.id, r.source.line) for r in records] == [("A-1", 2), ("A-4", 5), ("A-5", 8)]
    assert [(p.code, str(p.where)) for p in problems] == [("E114", "sources/catalogue.csv:3"), ("E107", "sources/catalogue.csv:4")]
    assert "'少一格'" in problems[0].message and "'多出来的'" in problems[1].message
    assert all(p.dropped and p.fix for p in problems)


def test_an_unclosed_quote_loses_its_row_only(tmp_path):
    records, problems = small(tmp_path, '档号,题名,日期\nA-1,"没有闭合的引号,1935\nA-2,第二行,1936\nA-3,"正常的\n两行",1937\n')
    assert [(r.id, r.title) for r in records] == [("A-2", "第二行"), ("A-3", "正常的\n两行")]
    (problem,) = problems
    assert problem.code == "E119" and str(problem.where) == "sources/catalogue.csv:2" and '""' in problem.fix


def test_a_title_and_group_rows_above_the_csv_header_are_skipped(tmp_path):
    records, problems = small(tmp_path, "红色档案目录,,\n基本信息,,形成\n档号,题名,日期\nA-1,遵义会议决议,1935\n")
    assert [(r.id, r.date, r.source.line) for r in records] == [("A-1", "1935", 4)] and not problems


def test_a_missing_column_is_named_at_the_header_found(tmp_path):
    records, problems = small(tmp_path, "目录\n档号,题目,日期\nA-1,遵义会议决议,1935\n")
    (problem,) = problems
    assert not records and problem.code == "E103" and str(problem.where) == "sources/catalogue.csv:2"
    assert "['题名']" in problem.message and "题目" in problem.message


def test_a_folder_or_an_unreadable_format_is_refused_with_what_to_do(tmp_path):
    root = workspace(tmp_path, b"", name="catalogue.csv")
    toml = (root / "jiyi.toml").read_text(encoding="utf-8")
    (root / "jiyi.toml").write_text(toml.replace("sources/catalogue.csv", "sources"), encoding="utf-8")
    (problem,) = ingest(root)[1]
    assert problem.code == "E115" and problem.where.file == "sources" and "[[catalogue]]" in problem.fix
    (problem,) = ingest(workspace(tmp_path / "ods", b"PK\x03\x04", name="catalogue.ods"))[1]
    assert problem.code == "E116" and "OpenDocument" in problem.message and ".xlsx" in problem.fix


def jiyi(*args):
    return subprocess.run([JIYI, *args], capture_output=True, text=True, timeout=900)


def test_jiyi_build_reads_the_rest_lists_what_it_dropped_and_exits_1(tmp_path):
    """A GBK CSV, an Excel export and a missing file: what can be read is built, the rest is listed."""
    rows = demo_rows()[:6]
    rows[3][COLUMNS_INDEX["date"]] = "民国三十八年十三月"  # line 4: E106
    rows[4][COLUMNS_INDEX["id"]] = ""  # line 5: E104
    root = workspace(tmp_path / "ws", as_csv(rows).encode("gbk"), entry='encoding = "auto"\n')
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "目录"
    sheet.append(["馆藏目录"])
    sheet.merge_cells("A1:C1")
    sheet.append(["档号", "题名", "日期"])
    sheet.append(["X-1", "表格里的一行", 1949])
    sheet.append(["X-1", "重复的档号", 1950])  # row 4: E105
    workbook.save(root / "sources" / "export.xlsx")
    with open(root / "jiyi.toml", "a", encoding="utf-8") as toml:
        for name in ("export.xlsx", "gone.csv"):
            toml.write(f'\n[[catalogue]]\nfile = "sources/{name}"\nrecord_set = "{name[:4]}"\ndefault_access = "开放"\n\n'
                       '[catalogue.columns]\nid = "档号"\ntitle = "题名"\ndate = "日期"\n')

    result = jiyi("build", "-w", str(root), "-q")
    assert result.returncode == 1, result.stderr
    assert "E106 sources/catalogue.csv:4" in result.stderr and "no month 13" in result.stderr
    assert "E104 sources/catalogue.csv:5" in result.stderr
    assert "E105 sources/export.xlsx[目录]:4" in result.stderr and "row 3" in result.stderr
    assert "E101 sources/gone.csv" in result.stderr
    assert "4 dropped (E101 ×1, E104 ×1, E105 ×1, E106 ×1)" in result.stdout
    assert "Traceback" not in result.stderr
    built = [json.loads(line)["id"] for line in (root / "build" / "internal" / "records.jsonl").open(encoding="utf-8")]
    assert built == [rows[1][0], rows[2][0], rows[5][0], "X-1"]
    assert (root / "build" / "public" / "iiif" / "X-1" / "manifest.json").is_file()  # later stages ran on what was read
    problems = (root / "build" / "internal" / "problems" / "ingest.jsonl").read_text(encoding="utf-8")
    assert problems.count('"dropped": true') == 4



def test_jiyi_build_refuses_a_wrong_type_in_jiyi_toml_with_exit_2_and_builds_nothing(tmp_path):
    root = workspace(tmp_path / "ws", as_csv(demo_rows()[:3]).encode("utf-8"))
    config = root / "jiyi.toml"
    config.write_text(config.read_text(encoding="utf-8").replace('record_set = "t"', "record_set = 5"), encoding="utf-8")
    result = jiyi("build", "-w", str(root), "-q")
    assert result.returncode == 2
    assert f"{config}:6: `record_set` must be a string in quotes, not a whole number" in result.stderr
    assert "fix: record_set:" in result.stderr and not (root / "build" / "internal" / "records.jsonl").exists()
