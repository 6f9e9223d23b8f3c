"""Property tests of the date normaliser (jiyi/dates.py) on arbitrary and mutated text.

tests/test_dates.py already checks that normalise_date never raises on random text and that
real spellings round-trip; these add what the catalogue relies on: parse_date raises only
DateError, its answers are fixed points, and every ISO value is a real day that sorts in time.
"""

from __future__ import annotations

import datetime
import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from jiyi.dates import DateError, DateValue, normalise_date, parse_date

DIGITS = "〇一二三四五六七八九"
# Pieces of real date spellings, for mutation: numerals, eras, units, qualifiers, separators.
PIECES = ["1935", "1", "12", "31", "0", "9999", "一九三五", "三十八", "二十", "十", "廿", "元", "正", "腊", "冬",
          "年", "月", "日", "号", "民国", "中华民国", "光绪", "宣统", "康德", "公元前", "公元", "农历", "闰", "初",
          "上旬", "下旬", "底", "春", "约", "前后", "以后", "?", "至", "到", "-", "/", "~", "—", " ", "　", "１９",
          "年代", "世纪", "辛亥", "甲子", "今", "X", "。", "，"]
# One part of an EDTF value as Jiyi writes it: a day, month or year (maybe qualified), a season,
# an unspecified decade or century, or an open end.
EDTF_PART = re.compile(r"^(?:\.\.|-?\d{4}(?:-(?:0[1-9]|1[0-2])(?:-\d{2})?)?[~?%]?|-?\d{4}-2[1-4][~?%]?|\d{3}X|\d{2}XX)$")
ISO_PART = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")

date_like = st.lists(st.sampled_from(PIECES), max_size=12).map("".join)
any_text = st.one_of(st.text(max_size=40), date_like)


def counted(n: int) -> str:
    """38 → 三十八: months and days as documents count them."""
    tens, units = divmod(n, 10)
    return (DIGITS[tens] if tens > 1 else "") + ("十" if tens else "") + (DIGITS[units] if units or not tens else "")


def start_of(iso: str) -> tuple[int, int, int]:
    """The first day an ISO day, month or year covers, as (year, month, day); ValueError if it cannot exist."""
    year, month, day = (int(part) for part in (iso.split("-") + ["1", "1"])[:3])
    # ISO 8601 has a year 0000 (1 BCE), which datetime lacks; 2000 has the same leap years in the 400-year cycle
    datetime.date(year or 2000, month, day)
    return year, month, day


@given(any_text)
@example("民国三十八年十三月")
@example("一九三五年二月三十日")
def test_parse_date_gives_iso_or_a_date_error_and_nothing_else(text):
    try:
        value = parse_date(text)
    except DateError as error:
        assert str(error)  # the message is what the catalogue's E106 shows the user
        return
    if not value:
        return
    # what a catalogue cell stores must read back as itself, by both readers
    assert parse_date(value) == value
    assert normalise_date(value).edtf == value
    for part in value.split("/"):
        assert EDTF_PART.match(part), (text, value)


@given(any_text, st.one_of(st.none(), st.integers(min_value=1, max_value=2100)))
@example("0000", None)  # found by the fuzz profile: year 0 is ISO 8601's 1 BCE, which datetime cannot hold
def test_normalised_values_are_well_formed_and_ranges_run_forwards(text, context_year):
    value = normalise_date(text, context_year=context_year)
    assert isinstance(value, DateValue)
    if not value.edtf:
        return
    parts = value.edtf.split("/")
    assert len(parts) in (1, 2) and all(EDTF_PART.match(p) for p in parts), (text, value)
    if value.iso:
        assert all(ISO_PART.match(p) for p in value.iso.split("/"))
        days = [start_of(p) for p in value.iso.split("/")]  # raises if a month or day does not exist
        assert days == sorted(days), (text, value)


numeric_date = st.builds(lambda year, rest: f"{year:04d}{rest}", st.integers(min_value=0, max_value=9999),
                         st.sampled_from(["", "-01", "-12", "-13", "/1/1", ".02.29", "-01-31", "-02-30", "-00"]))


@given(numeric_date)
@example("0000")  # was ISO 0000 with confidence 1.0 from normalise_date, refused by parse_date
@example("0000-01-01")
def test_both_readers_agree_on_numeric_dates(text):
    # a date written in digits is stored by parse_date and indexed by normalise_date: one must not
    # accept what the other refuses, or the catalogue and the search index disagree
    value = normalise_date(text)
    try:
        stored = parse_date(text)
    except DateError:
        assert (value.edtf, value.iso, value.confidence) == ("", "", 0.0), (text, value)
        return
    assert (value.iso, value.confidence) == (stored, 1.0), (text, value)


@given(st.lists(st.dates(min_value=datetime.date(1000, 1, 1)), min_size=2, max_size=8), st.data())
def test_iso_values_sort_in_time_whatever_the_spelling(days, data):
    spellings = [
        lambda d: f"{d.year}年{d.month}月{d.day}日",
        lambda d: "".join(DIGITS[int(c)] for c in str(d.year)) + f"年{counted(d.month)}月{counted(d.day)}日",
        lambda d: f"{d.year}/{d.month}/{d.day}",
        lambda d: f"{d.year}.{d.month:02d}.{d.day:02d}",
    ]
    written = [data.draw(st.sampled_from(spellings))(day) for day in days]
    isos = [normalise_date(text).iso for text in written]
    assert isos == [day.isoformat() for day in days]
    # the string order a database or a facet uses is the order in time
    assert sorted(isos) == [day.isoformat() for day in sorted(days)]


@given(st.integers(min_value=1, max_value=88), st.integers(min_value=1, max_value=12), st.integers(min_value=1, max_value=28))
def test_republican_dates_are_1911_plus_the_year(year, month, day):
    text = f"民国{counted(year) if year < 100 else year}年{counted(month)}月{counted(day)}日"
    want = datetime.date(1911 + year, month, day).isoformat()
    assert parse_date(text) == want
    assert normalise_date(text).iso == want


@given(st.dates(min_value=datetime.date(1000, 1, 1)), st.lists(st.tuples(st.integers(0, 30), st.sampled_from(PIECES)),
                                                                max_size=4))
def test_mutated_spellings_never_raise_and_stay_well_formed(day, edits):
    text = f"{day.year}年{day.month}月{day.day}日"
    for position, piece in edits:  # insert real date pieces at random places
        position %= len(text) + 1
        text = text[:position] + piece + text[position:]
    value = normalise_date(text)
    assert all(EDTF_PART.match(p) for p in value.edtf.split("/")) if value.edtf else value.confidence <= 0.2
    try:
        stored = parse_date(text)
    except DateError:
        return
    assert normalise_date(stored).edtf == stored if stored else True


@pytest.mark.xfail(strict=True, reason="years before the common era: 公元前221年 gives EDTF -0220 (and 公元前1年 0000), "
                   "which neither reader accepts back as a cell, since digit years must lie in 1–9999")
def test_years_before_the_common_era_read_back():
    for text in ("公元前221年", "公元前1年"):
        value = parse_date(text)
        assert parse_date(value) == value
