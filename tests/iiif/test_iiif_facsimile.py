"""Facsimile pages: the font is found, pages are deterministic, long texts paginate and stop, fast."""

from __future__ import annotations

import time

import pytest
from PIL import Image

from jiyi.errors import JiyiError
from jiyi.iiif.facsimile import find_cjk_font, render_pages


def test_configured_font_wins_and_a_missing_one_is_an_error(font, tmp_path):
    assert find_cjk_font(str(font)) == font
    with pytest.raises(JiyiError) as raised:
        find_cjk_font(str(tmp_path / "nope.ttc"))
    assert raised.value.code == "E301" and "fonts-noto-cjk" in raised.value.fix


def test_same_input_same_bytes(font, tmp_path):
    text = "　　第一段，正文。\n\n　　第二段，Mixed English words here。" * 20
    first = render_pages("题名", text, tmp_path / "a", font)
    second = render_pages("题名", text, tmp_path / "b", font)
    assert [p.name for p in first] == [p.name for p in second] == ["p001.png", "p002.png"]
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    assert not [p for p in (tmp_path / "a").iterdir() if p.name.startswith(".")]


def test_long_text_paginates_and_stops_at_max_pages(font, tmp_path):
    pages = render_pages("长文", "字" * 3000, tmp_path / "long", font, max_pages=6)
    assert 2 <= len(pages) <= 6
    endless = render_pages("长文", "字" * 100_000, tmp_path / "endless", font, max_pages=3)
    assert [p.name for p in endless] == ["p001.png", "p002.png", "p003.png"]
    with Image.open(endless[-1]) as image:
        assert image.format == "PNG" and image.size == (1240, 1754)


def test_page_size_and_paragraphs(font, tmp_path):
    pages = render_pages("题", "一\n\n\n\n二", tmp_path / "small", font, page_size=(620, 877))
    with Image.open(pages[0]) as image:
        assert image.size == (620, 877)


def test_a_record_renders_well_under_a_second(font, tmp_path):
    text = "　　一九三五年一月，中央政治局在遵义召开扩大会议，集中解决当时具有决定意义的军事和组织问题。\n" * 120
    render_pages("热身", "字", tmp_path / "warm", font)  # loading the font is paid once per build
    start = time.perf_counter()
    pages = render_pages("遵义会议", text, tmp_path / "timed", font)
    elapsed = time.perf_counter() - start
    assert len(pages) == 6
    assert elapsed < 1.0, f"{len(pages)} pages took {elapsed:.2f} s"


def test_unchanged_pages_are_reused(font, tmp_path):
    first = render_pages("题", "正文", tmp_path / "c", font)
    before, inode = first[0].read_bytes(), first[0].stat().st_ino
    assert render_pages("题", "正文", tmp_path / "c", font) == first
    assert first[0].stat().st_ino == inode  # not rewritten: a new file would have replaced it
    render_pages("题", "改过的正文", tmp_path / "c", font)
    assert first[0].read_bytes() != before
