"""The validator is real: it rejects the presentation-validator's broken fixtures and accepts good ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jiyi.iiif.cli import iiif_app
from jiyi.iiif.validate import DEFAULT_SCHEMA, readable_path, validate_iiif


def _expected(fixtures: Path) -> dict[str, str]:
    """EXPECTED.tsv: `file<TAB>expected`, expected starting with valid / invalid; # lines are comments."""
    rows = {}
    for line in (fixtures / "EXPECTED.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or line.startswith("file\t"):
            continue
        name, expected = line.split("\t", 1)
        rows[name] = expected.split()[0]
    return rows


@pytest.fixture
def fixtures(schema_path) -> Path:
    folder = schema_path.parent.parent / "validator-fixtures"
    if not (folder / "EXPECTED.tsv").is_file():
        pytest.skip(f"no validator fixtures at {folder}")
    return folder


def test_broken_fixtures_fail_and_valid_ones_pass(schema_path, fixtures):
    expected = _expected(fixtures)
    broken = [name for name, outcome in expected.items() if outcome == "invalid" and name.startswith("broken_")]
    assert len(broken) >= 4, "EXPECTED.tsv should list the broken_* fixtures as invalid"
    for name in broken:
        assert validate_iiif(json.loads((fixtures / name).read_text(encoding="utf-8")), schema_path), f"{name} passed"
    valid = [name for name, outcome in expected.items() if outcome == "valid"]
    assert valid
    for name in valid:
        assert validate_iiif(json.loads((fixtures / name).read_text(encoding="utf-8")), schema_path) == [], name


def test_every_fixture_listed_invalid_fails(schema_path, fixtures):
    for name, outcome in _expected(fixtures).items():
        if outcome == "invalid":
            assert validate_iiif(json.loads((fixtures / name).read_text(encoding="utf-8")), schema_path), name


def test_errors_point_at_the_field(schema_path, fixtures):
    manifest = json.loads((fixtures / "full_example.json").read_text(encoding="utf-8"))
    manifest["navDate"] = "1856-01-01T00:00:00"  # no timezone
    assert validate_iiif(manifest, schema_path) == ["$.navDate: '1856-01-01T00:00:00' is not a 'date-time'"]
    manifest["navDate"] = "1856-01-01T00:00:00+08:00"
    assert validate_iiif(manifest, schema_path) == []
    errors = validate_iiif(json.loads((fixtures / "non_cc_license.json").read_text(encoding="utf-8")), schema_path)
    assert any(error.startswith("$.rights:") for error in errors), errors


def test_anything_goes_is_not_valid(schema_path):
    assert validate_iiif({}, schema_path)
    assert validate_iiif({"id": "https://example.org/m", "type": "Manifest"}, schema_path)


def test_the_validator_agrees_with_expected_tsv_on_every_fixture(schema_path, fixtures):
    """Each fixture EXPECTED.tsv lists as valid or invalid gets that verdict; the rest (not listed in the
    presentation-validator's tests) must only be checked without error. Every fixture file is listed."""
    expected = _expected(fixtures)
    assert {p.name for p in fixtures.glob("*.json")} == set(expected)
    disagreements = []
    for name, outcome in sorted(expected.items()):
        errors = validate_iiif(json.loads((fixtures / name).read_text(encoding="utf-8")), DEFAULT_SCHEMA)
        verdict = "invalid" if errors else "valid"
        if outcome in ("valid", "invalid") and verdict != outcome:
            disagreements.append(f"{name}: expected {outcome}, got {verdict} {errors[:2]}")
    assert disagreements == []


def test_the_shipped_schema_is_the_shared_one(schema_path):
    assert DEFAULT_SCHEMA.is_file() and DEFAULT_SCHEMA.parent.name == "schema"
    assert json.loads(DEFAULT_SCHEMA.read_text(encoding="utf-8")) == json.loads(schema_path.read_text(encoding="utf-8"))


def test_readable_paths():
    assert readable_path("$.items[0].label: 'x' is not of type 'object'") == "items[0].label: 'x' is not of type 'object'"
    assert readable_path("$: 'label' is a required property") == "(top level): 'label' is a required property"


def test_cli_validate_lists_invalid_files_and_exits_1(fixtures, tmp_path):
    runner = CliRunner()
    good = tmp_path / "good"
    good.mkdir()
    for name in ("full_example.json", "navPlace.json"):
        (good / name).write_bytes((fixtures / name).read_bytes())
    (good / "info.json").write_text(json.dumps({"@context": "http://iiif.io/api/image/3/context.json",
                                                "id": "https://example.org/i", "type": "ImageService3"}))
    result = runner.invoke(iiif_app, ["validate", str(good)])
    assert result.exit_code == 0, result.output
    assert "2 file(s) checked against IIIF Presentation 3.0: 0 invalid (1 of another IIIF API" in result.output

    (good / "sub").mkdir()
    (good / "sub" / "broken.json").write_bytes((fixtures / "broken_collection.json").read_bytes())
    (good / "sub" / "not.json").write_text("{oops", encoding="utf-8")
    result = runner.invoke(iiif_app, ["validate", str(good), str(fixtures / "non_cc_license.json")])
    assert result.exit_code == 1
    assert f"invalid: {good / 'sub' / 'broken.json'}" in result.output
    assert "  (top level): 'label' is a required property" in result.output
    assert "  rights: " in result.output and "not JSON" in result.output
    assert "5 file(s) checked against IIIF Presentation 3.0: 3 invalid (1 of another" in result.output
    missing = runner.invoke(iiif_app, ["validate", str(tmp_path / "nope")])
    assert missing.exit_code != 0 and "does not exist" in missing.output


def test_cli_without_a_subcommand_runs_the_stage(make_workspace):
    ws = make_workspace("档号,题名,日期,开放状态,摘要\nA-1,甲件,1935-01-17,开放,遵义会议的摘要。\n")
    from jiyi.build import open_workspace, run_stage
    from jiyi.progress import QUIET

    run_stage("ingest", *open_workspace(ws.root), QUIET)
    result = CliRunner().invoke(iiif_app, ["-w", str(ws.root), "-q"])
    assert result.exit_code == 0, result.output
    assert "1 manifests" in result.output
    assert (ws.public_iiif_dir / "A-1" / "manifest.json").is_file()
    assert (ws.public_iiif_dir / "A-1" / "annotations" / "p001-transcription.json").is_file()
