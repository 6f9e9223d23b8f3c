"""Turn dates as Chinese archives write them into ISO 8601 (1935, 1935-01, 1935-01-17).

Understood: 1935-01-17, 1935/1/17, 1935.1.17, 1935年1月17日, 一九三五年一月十七日,
民国二十四年一月十七日 (the Republican era counts from 1912), and their year-only or
year-month forms. Anything else raises DateError saying what is wrong.
"""

from __future__ import annotations

import calendar
import re

DIGITS = {"〇": 0, "零": 0, "○": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
REPUBLIC_ERA_OFFSET = 1911  # 民国元年 = 1912

# A numeral as written in dates: ASCII digits, digit-by-digit (一九三五) or counted (三十八).
NUMERAL = r"[0-9〇零○一二三四五六七八九十廿]+"
CHINESE_DATE = re.compile(
    rf"^(?P<era>民国|中华民国)?(?P<year>{NUMERAL}|元)年(?:(?P<month>{NUMERAL}|正)月(?:(?P<day>{NUMERAL})[日号])?)?$"
)
NUMERIC_DATE = re.compile(r"^(?P<year>\d{4})(?:[-/.](?P<month>\d{1,2})(?:[-/.](?P<day>\d{1,2}))?)?$")


class DateError(ValueError):
    """A date that cannot be read; the message says why."""


def chinese_number(text: str) -> int:
    """一九三五 → 1935, 三十八 → 38, 十三 → 13, 廿一 → 21, 2021 → 2021."""
    if text.isdigit():
        return int(text)
    if "十" not in text and "廿" not in text:
        return int("".join(str(DIGITS[c]) for c in text))
    text = text.replace("廿", "二十")
    tens, _, units = text.partition("十")
    return (DIGITS[tens] if tens else 1) * 10 + (DIGITS[units] if units else 0)


def parse_date(text: str) -> str:
    """The ISO form of a date cell; "" for an empty cell; DateError when unreadable."""
    cleaned = re.sub(r"\s+", "", text or "")
    if not cleaned:
        return ""
    match = NUMERIC_DATE.match(cleaned) or CHINESE_DATE.match(cleaned)
    if not match:
        raise DateError(f"date {text!r} is not a form Jiyi reads (e.g. 1935-01-17, 1935年1月17日, 民国二十四年一月)")
    parts = match.groupdict()
    try:
        year = 1 if parts["year"] == "元" else chinese_number(parts["year"])
        month = 1 if parts["month"] == "正" else (chinese_number(parts["month"]) if parts["month"] else None)
        day = chinese_number(parts["day"]) if parts.get("day") else None
    except KeyError as exc:
        raise DateError(f"date {text!r} has a numeral Jiyi cannot read ({exc})") from None
    if parts.get("era"):
        year += REPUBLIC_ERA_OFFSET
    if not 1 <= year <= 9999:
        raise DateError(f"date {text!r} gives year {year}, outside 1–9999")
    if month is None:
        return f"{year:04d}"
    if not 1 <= month <= 12:
        raise DateError(f"date {text!r} has no month {month}")
    if day is None:
        return f"{year:04d}-{month:02d}"
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        raise DateError(f"date {text!r} has no day {day} (month {month} of {year} has {last} days)")
    return f"{year:04d}-{month:02d}-{day:02d}"
