"""[[theme]] in jiyi.toml: checked like every other table, each mistake located with a fix."""

from __future__ import annotations

import pytest

from jiyi.config import load_config
from jiyi.errors import ConfigError

from helpers import DEMO_SOURCE

BASE = '''[project]
name = "t"

[[catalogue]]
file = "a.csv"
record_set = "letters"

[catalogue.columns]
id = "档号"
title = "题名"
'''


def write(tmp_path, theme_tables: str):
    path = tmp_path / "jiyi.toml"
    path.write_text(BASE + theme_tables, encoding="utf-8")
    return path


def error_of(path) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.code == "E003" and caught.value.exit_code == 2
    return caught.value


def line_of(path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)


def test_the_demo_declares_its_themes():
    themes = load_config(DEMO_SOURCE / "jiyi.toml").themes
    assert len(themes) >= 2
    assert {"record_sets", "concept", "sparql"} <= {key for t in themes for key in ("record_sets", "concept", "sparql")
                                                    if getattr(t, key)}


def test_each_selector_is_read(tmp_path):
    path = write(tmp_path, '[[theme]]\nname = "a"\nrecord_sets = ["letters"]\n\n[[theme]]\nname = "b"\nconcept = "长征"\n'
                 'aliases = ["長征"]\n\n[[theme]]\nname = "c"\nsparql = "SELECT ?record WHERE { ?record a rico:Record }"\n')
    a, b, c = load_config(path).themes
    assert a.record_sets == ["letters"] and b.concept == "长征" and b.aliases == ["長征"] and c.sparql.startswith("SELECT")


def test_a_misspelt_key_is_located_with_a_suggestion(tmp_path):
    path = write(tmp_path, '[[theme]]\nname = "a"\nrecord_sets = ["letters"]\n\n[[theme]]\nname = "b"\nconcpet = "长征"\n')
    error = error_of(path)
    assert f"{path}:{line_of(path, 'concpet')}:" in error.message and "theme[2]" in error.message
    assert "did you mean `concept`" in error.fix


def test_a_wrong_type_says_what_is_expected(tmp_path):
    path = write(tmp_path, '[[theme]]\nname = "a"\nrecord_sets = "letters"\n')
    error = error_of(path)
    assert f"{path}:{line_of(path, 'record_sets')}:" in error.message and "must be a list" in error.message


@pytest.mark.parametrize("table, message, fix", [
    ('name = "a"\n', "has no selector", "exactly one of"),
    ('name = "a"\nconcept = "长征"\nrecord_sets = ["letters"]\n', "more than one selector", "exactly one of"),
    ('name = "a"\nrecord_sets = ["letter"]\n', "no record set `letter`", "letters"),
    ('name = "Long March"\nconcept = "长征"\n', "not a short id", "label_zh"),
    ('name = "a"\nsparql = "ASK { ?s ?p ?o }"\n', "must be a SELECT", "SELECT ?record"),
    ('name = "a"\nrecord_sets = ["letters"]\naliases = ["x"]\n', "aliases without a concept", "concept"),
    ('label_zh = "长征"\nconcept = "长征"\n', "missing `name`", "name ="),
])
def test_mistakes_in_a_theme_are_located(tmp_path, table, message, fix):
    path = write(tmp_path, "[[theme]]\n" + table)
    error = error_of(path)
    assert message in error.message and fix in error.fix
    assert f"{path}:" in error.message and f"{path}: " not in error.message  # a line number is given


def test_two_themes_cannot_share_a_name(tmp_path):
    path = write(tmp_path, '[[theme]]\nname = "a"\nconcept = "x"\n\n[[theme]]\nname = "a"\nconcept = "y"\n')
    error = error_of(path)
    assert "two themes are named `a`" in error.message
    assert f"{path}:{len(path.read_text(encoding='utf-8').splitlines()) - 1}:" in error.message
