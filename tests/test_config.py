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
