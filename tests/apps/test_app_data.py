"""The app's data door: where it finds the workspace, and that it opens build/public/ only."""

from __future__ import annotations

import sys

import pytest

from jiyi.apps import data


@pytest.fixture
def tiny(tmp_path, monkeypatch):
    (tmp_path / "build" / "public").mkdir(parents=True)
    (tmp_path / "build" / "internal").mkdir()
    (tmp_path / "build" / "internal" / "records.jsonl").write_text("{}\n", encoding="utf-8")
    monkeypatch.setenv(data.ENV_KEY, str(tmp_path))
    monkeypatch.setattr(sys, "argv", ["main.py"])
    return tmp_path


def test_the_workspace_comes_from_argv_after_the_double_dash_before_the_environment(tiny, tmp_path_factory, monkeypatch):
    assert data.workspace_root() == tiny.resolve()
    other = tmp_path_factory.mktemp("other")
    monkeypatch.setattr(sys, "argv", ["main.py", "--workspace", str(other)])
    assert data.workspace_root() == other.resolve()
    monkeypatch.setattr(sys, "argv", ["main.py", f"--workspace={tiny}"])
    assert data.workspace_root() == tiny.resolve()


def test_public_path_refuses_internal_files_by_dots_and_by_symlink(tiny):
    assert data.public_path("records.jsonl") == (tiny / "build" / "public" / "records.jsonl").resolve()
    with pytest.raises(data.OutsidePublic):
        data.public_path("..", "internal", "records.jsonl")
    with pytest.raises(data.OutsidePublic):
        data.public_path("iiif", "../../internal/records.jsonl")  # e.g. a record id written as a path
    (tiny / "build" / "public" / "sneaky").symlink_to(tiny / "build" / "internal")
    with pytest.raises(data.OutsidePublic):
        data.public_path("sneaky", "records.jsonl")


def test_missing_iiif_output_means_no_images_not_an_error(tiny):
    assert data.page_images("RA-1") == []
    assert data.manifest("RA-1") is None
    assert not data.is_facsimile(None)
    assert data.is_facsimile({"metadata": [{"value": {"en": ["Rendered facsimile of the transcribed text"]}}]})
