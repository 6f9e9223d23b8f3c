"""The validator is real: it rejects the presentation-validator's broken fixtures and accepts good ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jiyi.iiif.validate import validate_iiif


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
