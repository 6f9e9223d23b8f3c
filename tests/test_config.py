"""jiyi.toml is checked strictly: a wrong key or type names the key, the file, the line and the fix."""

import pytest

from jiyi.config import load_config
from jiyi.errors import ConfigError

from helpers import DEMO_SOURCE


def write(tmp_path, text):
    path = tmp_path / "jiyi.toml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """[project]
name = "t"

[[catalogue]]
file = "a.csv"
record_set = "a"

[catalogue.columns]
id = "档号"
title = "题名"

[[catalogue]]
file = "b.csv"
record_set = "b"

[catalogue.columns]
id = "档号"
title = "题名"
"""


def test_the_demo_config_loads():
    config = load_config(DEMO_SOURCE / "jiyi.toml")
    assert [c.record_set for c in config.catalogues] == ["red-archives", "memory-of-the-world"]
    assert config.texts[0].dir == "sources/thematic"
    assert config.base_uri.endswith("/")


def test_a_misspelt_key_is_located_with_a_suggestion(tmp_path):
    path = write(tmp_path, GOOD.replace('title = "题名"\n\n[[catalogue]]', 'titel = "题名"\n\n[[catalogue]]'))
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    error = caught.value
    assert error.exit_code == 2
    assert f"{path}:10:" in error.message
    assert "unknown key `titel`" in error.message
    assert "did you mean `title`" in error.fix


def test_the_line_is_found_in_the_right_array_entry(tmp_path):
    # the second catalogue's bad key sits on line 19, not in the first entry
    path = write(tmp_path, GOOD.replace('id = "档号"\ntitle = "题名"\n', 'id = "档号"\ntitle = "题名"\nwhen = "日期"\n', 2).replace(
        'id = "档号"\ntitle = "题名"\nwhen = "日期"\n', 'id = "档号"\ntitle = "题名"\n', 1))
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert f"{path}:19:" in caught.value.message
    assert "catalogue[2].columns" in caught.value.message


def test_a_wrong_type_says_what_is_expected(tmp_path):
    path = write(tmp_path, GOOD + '\n[images]\nrender_facsimiles = "yes"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert f"{path}:21:" in caught.value.message
    assert "must be true or false" in caught.value.message


def test_a_missing_required_key_is_named(tmp_path):
    path = write(tmp_path, GOOD.replace('record_set = "b"\n', ""))
    with pytest.raises(ConfigError, match="missing `record_set`"):
        load_config(path)


def test_unknown_top_level_table(tmp_path):
    path = write(tmp_path, GOOD + "\n[iiif]\nbase = 1\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert f"{path}:20:" in caught.value.message and "unknown key `iiif`" in caught.value.message


def test_broken_toml_and_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(write(tmp_path, "[project\nname = 1"))
    with pytest.raises(ConfigError, match="no jiyi.toml") as caught:
        load_config(tmp_path / "nowhere" / "jiyi.toml")
    assert "jiyi init" in caught.value.fix


WRONG_TYPES = {  # what is written (replacing the second catalogue's record_set line) → line, message, fix
    "a number for a string": ("record_set = 5", 14, "`record_set` must be a string in quotes, not a whole number",
                              "record_set: a short id"),
    "a list for a string": ('record_set = "b"\nencoding = ["gbk"]', 15, "`encoding` must be a string in quotes, not a list [ … ]",
                            'encoding: the file\'s encoding, e.g. "gb18030"'),
    "a number for a sheet name": ('record_set = "b"\nsheet = 1', 15, "`sheet` must be a string in quotes, not a whole number",
                                  "sheet: for an .xlsx file"),
    "a date for a string": ("record_set = 2024-01-01", 14, "`record_set` must be a string in quotes, not a date", "record_set:"),
}


@pytest.mark.parametrize("case", WRONG_TYPES)
def test_a_wrong_type_in_a_catalogue_names_the_line_what_is_expected_and_the_key_s_meaning(tmp_path, case):
    written, line, message, fix = WRONG_TYPES[case]
    path = write(tmp_path, GOOD.replace('record_set = "b"', written))
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.message == f"{path}:{line}: {message}" and caught.value.exit_code == 2
    assert caught.value.fix.startswith(fix)


def test_columns_written_as_a_string_not_a_table_is_located(tmp_path):
    second_without_columns = GOOD.rsplit("\n[catalogue.columns]", 1)[0]
    path = write(tmp_path, second_without_columns.replace('record_set = "b"', 'record_set = "b"\ncolumns = "档号"'))
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.message == f"{path}:15: `columns` must be a table, not a string in quotes"
    assert caught.value.fix.startswith("columns: which column of the CSV file or sheet")


def test_a_column_mapped_to_a_number_is_located_in_its_catalogue(tmp_path):
    path = write(tmp_path, GOOD.replace('id = "档号"\ntitle = "题名"\n', 'id = 1\ntitle = "题名"\n', 2).replace(
        'id = 1\n', 'id = "档号"\n', 1))
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert f"{path}:17: `id` must be a string in quotes" in caught.value.message
    assert "档号" in caught.value.fix  # the fix says what the column holds


@pytest.mark.parametrize("written, message, fix", [
    ('project = "t"\n', "`project` must be a table", "write [project]"),
    ('[project]\nname = "t"\n\n[catalogue]\nfile = "a.csv"\n', "`catalogue` must be written as [[catalogue]] tables",
     "write [[catalogue]]"),
    ('[project]\nname = "t"\n\n[images]\ndir = ["a", 2]\n', "`dir` must be a string in quotes, not a list", "dir:"),
])
def test_a_value_where_a_table_belongs_and_the_reverse_are_explained(tmp_path, written, message, fix):
    path = write(tmp_path, written)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert message in caught.value.message and str(path) in caught.value.message and fix in caught.value.fix


def test_the_catalogue_sheet_is_read_from_the_config(tmp_path):
    path = write(tmp_path, GOOD.replace('file = "b.csv"', 'file = "b.xlsx"\nsheet = "案卷目录"'))
    assert [c.sheet for c in load_config(path).catalogues] == ["", "案卷目录"]


@pytest.mark.parametrize("table, message, fix", [
    ('[extract]\nworkers = -1\n', "`workers` must be at least 0", "local worker processes"),
    ('[extract]\nrecords_per_partition = 0\n', "`records_per_partition` must be at least 1", "records per extraction"),
    ('[search]\nbackend = "elastic"\n', "unknown search backend `elastic`", "tantivy, opensearch"),
    ('[search]\nbackend = "opensearch"\n', 'backend = "opensearch" needs the server\'s url', 'url = "http://HOST:9200"'),
    ('[ocr]\nengine = "paddle"\n', "unknown OCR engine `paddle`", "auto, rapidocr, tesseract"),
])
def test_scale_settings_out_of_range_are_located_with_a_fix(tmp_path, table, message, fix):
    path = write(tmp_path, GOOD + "\n" + table)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert f"{path}:" in caught.value.message and message in caught.value.message
    assert fix in caught.value.fix


def test_scale_settings_are_read():
    config = load_config(DEMO_SOURCE / "jiyi.toml")
    assert (config.workers, config.scheduler, config.records_per_partition) == (0, "", 1000)
    assert config.search_backend == "tantivy"
