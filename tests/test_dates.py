"""Dates as Chinese archives write them → ISO 8601."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiyi.dates import DateError, chinese_number, parse_date


@pytest.mark.parametrize("text, iso", [
    ("1921-07-23", "1921-07-23"),
    ("1935/1/17", "1935-01-17"),
    ("1935.01", "1935-01"),
    ("1949", "1949"),
    ("1935年1月17日", "1935-01-17"),
    ("1927年8月", "1927-08"),
    ("一九四九年十月一日", "1949-10-01"),
    ("民国二十四年一月", "1935-01"),
    ("中华民国元年正月", "1912-01"),
    ("民国三十八年十月一日", "1949-10-01"),
    (" 1936 年 10 月 ", "1936-10"),
    ("", ""),
])
def test_reads_the_forms_archives_use(text, iso):
    assert parse_date(text) == iso


@pytest.mark.parametrize("text, reason", [
    ("民国三十八年十三月", "no month 13"),
    ("1935-02-30", "no day 30"),
    ("1900-02-29", "no day 29"),
    ("去年秋天", "not a form"),
    ("19350117", "not a form"),
])
def test_says_why_a_date_is_unreadable(text, reason):
    with pytest.raises(DateError, match=reason):
        parse_date(text)


@given(st.dates())
def test_iso_dates_round_trip(day):
    assert parse_date(day.isoformat()) == day.isoformat()


@given(st.dates(min_value=__import__("datetime").date(1000, 1, 1)))
def test_chinese_digit_by_digit_dates_agree_with_iso(day):
    digits = "〇一二三四五六七八九"
    year = "".join(digits[int(c)] for c in f"{day.year:04d}")
    text = f"{year}年{day.month}月{day.day}日"
    assert parse_date(text) == day.isoformat()


@given(st.integers(min_value=1, max_value=99))
def test_counted_numerals(n):
    digits = "〇一二三四五六七八九"
    tens, units = divmod(n, 10)
    text = (digits[tens] if tens > 1 else "") + ("十" if tens else "") + (digits[units] if units else "")
    assert chinese_number(text) == n
