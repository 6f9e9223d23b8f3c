"""Turn dates as Chinese archives write them into ISO 8601 and EDTF (1935-01-17, 1934-10/1936-10, 193X, 1927~).

`parse_date` reads a catalogue cell strictly (ISO, 1935年1月17日, 一九三五年一月十七日,
民国二十四年一月, …) and raises DateError saying what is wrong. `normalise_date` reads
anything a record's text may hold — reign years (光绪三十四年), 干支 years, 农历 dates,
ranges, decades, approximate dates — and never raises: what it cannot read comes back
with confidence 0 and an empty value. Conventions (EDTF level 0/1, proleptic Gregorian):
  上旬/中旬/下旬 → day intervals (1935-01-01/1935-01-10, …11/…20, …21/last day); 月初/月底 likewise.
  年初/年中/年底 → an approximate month (1934-01~, 1934-06~, 1934-12~); 春夏秋冬 → EDTF seasons (1935-21 … 24).
  A 农历 month without a day, or a range, is the interval of its Gregorian days.
  A 干支 year alone is resolved only with a context year (the record's own date): the
  cycle year from 53 years before it to 6 after, since records mostly look back.
  Right sides of ranges inherit what they leave out (1935年1月15日至17日, 民国二十六年至二十八年).
  Years of reign eras and 干支 years are lunar years; their months and days are converted.
"""

from __future__ import annotations

import calendar
import datetime
import functools
import re
from dataclasses import dataclass

DIGITS = {"〇": 0, "零": 0, "○": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
REPUBLIC_ERA_OFFSET = 1911  # 民国元年 = 1912

# A numeral as written in dates: ASCII digits, digit-by-digit (一九三五) or counted (三十八).
NUMERAL = r"[0-9〇零○一二三四五六七八九十廿]+"
CHINESE_DATE = re.compile(
    rf"^(?P<era>民国|中华民国)?(?P<year>{NUMERAL}|元)年(?:(?P<month>{NUMERAL}|正)月(?:(?P<day>{NUMERAL})[日号])?)?$"
)
NUMERIC_DATE = re.compile(r"^(?P<year>\d{4})(?:[-/.](?P<month>\d{1,2})(?:[-/.](?P<day>\d{1,2}))?)?$")

# Reign eras (年号): first year (元年) and length in years, from the standard era tables
# (e.g. 《中国历史纪年表》). Lengths include years documents really carry after an era
# officially ended: 洪武 to 35 (永乐 abolished 建文 and counted on), 乾隆 to 64 (the inner
# court kept it until 1799), 永历 to 37 (the Zheng court in Taiwan, to 1683).
REIGNS: dict[str, tuple[int, int]] = {
    # Ming and Southern Ming
    "洪武": (1368, 35), "建文": (1399, 4), "永乐": (1403, 22), "洪熙": (1425, 1), "宣德": (1426, 10),
    "正统": (1436, 14), "景泰": (1450, 8), "天顺": (1457, 8), "成化": (1465, 23), "弘治": (1488, 18),
    "正德": (1506, 16), "嘉靖": (1522, 45), "隆庆": (1567, 6), "万历": (1573, 48), "泰昌": (1620, 1),
    "天启": (1621, 7), "崇祯": (1628, 17), "弘光": (1645, 1), "隆武": (1645, 2), "永历": (1647, 37),
    # Later Jin and Qing
    "天命": (1616, 11), "天聪": (1627, 10), "崇德": (1636, 8), "顺治": (1644, 18), "康熙": (1662, 61),
    "雍正": (1723, 13), "乾隆": (1736, 64), "嘉庆": (1796, 25), "道光": (1821, 30), "咸丰": (1851, 11),
    "同治": (1862, 13), "光绪": (1875, 34), "宣统": (1909, 3),
    # Republican-era regimes whose papers archives hold (洪宪: Yuan Shikai; 康德: 伪满洲国)
    "洪宪": (1916, 1), "康德": (1934, 12),
}
STEMS, BRANCHES = "甲乙丙丁戊己庚辛壬癸", "子丑寅卯辰巳午未申酉戌亥"
FESTIVALS = {"春节": (1, 1), "元宵": (1, 15), "端午": (5, 5), "七夕": (7, 7), "中元": (7, 15),
             "中秋": (8, 15), "重阳": (9, 9), "腊八": (12, 8), "除夕": (12, 0)}  # 0: the month's last day
PARTS = {"上旬": (1, 10), "初": (1, 10), "中旬": (11, 20), "中": (11, 20), "下旬": (21, 31), "底": (21, 31), "末": (21, 31)}
SEASONS = {"春": 21, "夏": 22, "秋": 23, "冬": 24}  # EDTF level 1 season codes
YEAR_PARTS = {"初": 1, "中": 6, "底": 12, "末": 12}

# One character for one: full-width forms and traditional characters, so offsets survive folding.
FOLD = str.maketrans(
    "０１２３４５６７８９－～／．？\u3000國華閏臘農曆歷陰舊約號紀順緒統慶豐樂萬啟啓禎後聰憲節陽",
    "0123456789-~/.? 国华闰腊农历历阴旧约号纪顺绪统庆丰乐万启启祯后聪宪节阳",
)

NUM = r"[0-9〇零○一二三四五六七八九十百千廿卅]+"
GZ = rf"[{STEMS}][{BRANCHES}]"
LUNAR_MARK = "农历|阴历|夏历|旧历"
ERAS = "公元前|公元|中华民国|民国|" + "|".join(REIGNS)
POINT = re.compile(rf"""^(?P<approx>约|大约|约于|大概)?(?P<lm1>{LUNAR_MARK})?
    (?:(?P<era>{ERAS})?(?P<year>{NUM}|元)年(?:(?P<gz1>{GZ})年?)?|(?P<gz>{GZ})年)?(?P<lm2>{LUNAR_MARK})?
    (?:(?P<leap>闰)?(?P<month>{NUM}|正|冬|腊)月(?P<day>初{NUM}|{NUM})?[日号]?(?P<part>上旬|中旬|下旬|初|中|底|末)?
      |(?P<fest>{"|".join(FESTIVALS)})节?|(?P<season>[春夏秋冬])(?:季|天)?|(?P<ypart>初|中|底|末))?
    (?P<qual>前后|左右|许|以前|之前|前|以后|之后|后|以来|起|\?)?$""", re.X)
DECADE = re.compile(rf"^(?P<approx>约|大约)?(?:(?P<century>{NUM})世纪)?(?:(?P<decade>{NUM})年代)?(?P<dpart>初期|中期|末期|后期|前期|初|中|末)?$")
EDTF_FORM = re.compile(r"^(?:\d{4}(?:-\d{2}(?:-\d{2})?)?[~?%]?|\d{3}X|\d{2}XX)$")
LEVEL0 = re.compile(r"^\d{4}(?:-(?:0[1-9]|1[0-2])(?:-\d{2})?)?$")
RANGE_SEP = re.compile(r"至|到|—+|–|~|-|/")
RELATIVE = re.compile(r"^(?:去|今|明|前|后|同|当|次|翌|本)年|^(?:上|本|下|同|次|当)月|^(?:次|翌|同|当|昨|今|明|前|后)(?:日|天)")


class DateError(ValueError):
    """A date that cannot be read; the message says why."""


class _Invalid(ValueError):
    """A form Jiyi reads whose value cannot exist (光绪三十五年, 二月三十日); the message says why."""


@dataclass(frozen=True)
class DateValue:
    """A normalised date: the EDTF value, its ISO 8601 twin where one exists, and how sure we are."""

    edtf: str = ""  # EDTF level 0/1: 1935, 1935-01-17, 1934-10/1936-10, 1927~, 193X; "" when unknown
    iso: str = ""  # the same value when plain ISO 8601 can say it (no ~, ?, X or seasons)
    calendar: str = "gregorian"  # gregorian | lunar | reign | republic | ganzhi: how the source counted
    confidence: float = 0.0
    note: str = ""  # e.g. "农历 converted", "干支 year resolved with context 1911"


@dataclass
class _Span:
    lo: str  # EDTF start and end; equal for a single date
    hi: str
    calendar: str
    confidence: float
    notes: list[str]
    era: str = ""  # kept so the right side of a range can inherit them
    year: int | None = None
    month: int | None = None
    lunar: bool = False


COUNTING_UNITS = {"十": 10, "百": 100, "千": 1000}


def chinese_number(text: str) -> int:
    """一九三五 → 1935 (digit by digit); 三十八 → 38, 十三 → 13, 廿一 → 21, 一百零二 → 102,
    一千九百四十九 → 1949 (counted); 2021 → 2021."""
    if text.isdigit():
        return int(text)
    text = text.replace("廿", "二十").replace("卅", "三十")
    if not any(unit in text for unit in COUNTING_UNITS):
        return int("".join(str(DIGITS[c]) for c in text))
    total, digit = 0, None
    for char in text:
        if char in COUNTING_UNITS:
            total += (1 if digit is None else digit) * COUNTING_UNITS[char]  # 十三: a bare 十 is one ten
            digit = None
        else:
            digit = DIGITS[char]  # 零 in 一百零二 is a digit 0 that the next digit replaces
    return total + (digit or 0)


def reign_year(era: str, number: int) -> int:
    """The Gregorian year in which year `number` of a reign era began (光绪, 34 → 1908)."""
    first, length = REIGNS[era]
    if not 1 <= number <= length:
        raise _Invalid(f"has no year {number} of {era} ({era} ran {length} years, {first}–{first + length - 1})")
    return first + number - 1


def ganzhi(year: int) -> str:
    """The sexagenary name of a year (1911 → 辛亥)."""
    return STEMS[(year - 4) % 10] + BRANCHES[(year - 4) % 12]


def parse_date(text: str) -> str:
    """The ISO form of a date cell; "" for an empty cell; DateError when unreadable."""
    cleaned = re.sub(r"\s+", "", text or "")
    if not cleaned:
        return ""
    match = NUMERIC_DATE.match(cleaned) or CHINESE_DATE.match(cleaned)
    if not match:
        return _loose_cell(text)
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


def _loose_cell(text: str) -> str:
    """A cell in one of the richer forms (光绪三十四年, 1930年代, ranges): its EDTF value, if sure enough."""
    try:
        value = _normalise(_fold(text), None)
    except _Invalid as exc:
        raise DateError(f"date {text!r} {exc}") from None
    except (KeyError, ValueError, OverflowError) as exc:
        raise DateError(f"date {text!r} has a numeral Jiyi cannot read ({exc})") from None
    if value and value.edtf and value.confidence >= 0.5:
        return value.edtf
    if value and value.note:
        raise DateError(f"date {text!r} is not a form Jiyi can store: {value.note}")
    raise DateError(f"date {text!r} is not a form Jiyi reads (e.g. 1935-01-17, 1935年1月17日, 民国二十四年一月)")


@functools.lru_cache(maxsize=65536)  # running text repeats its dates; the value is immutable
def normalise_date(text: str, *, context_year: int | None = None) -> DateValue:
    """The EDTF/ISO value of a date as written; confidence 0 and edtf "" when unreadable. Never raises."""
    try:
        value = _normalise(_fold(text or ""), context_year)
    except _Invalid as exc:
        return DateValue(confidence=0.0, note=str(exc))
    except (KeyError, ValueError, OverflowError) as exc:  # numerals like 十十: not a date
        return DateValue(confidence=0.0, note=f"unreadable numeral ({exc})")
    return value or DateValue(confidence=0.0, note="not a date form Jiyi reads")


def _fold(text: str) -> str:
    return re.sub(r"\s+", "", text.translate(FOLD))


def _normalise(text: str, context_year: int | None) -> DateValue | None:
    if not text:
        return DateValue(note="empty")
    if EDTF_FORM.match(text) or NUMERIC_DATE.match(text):
        return _numeric(text)
    if RELATIVE.match(text):
        return DateValue(confidence=0.1, note="relative expression: needs the date it counts from")
    span = _whole(text, context_year, None)
    if span is None:
        for sep in RANGE_SEP.finditer(text):
            left = _whole(text[:sep.start()], context_year, None)
            right = left and left.lo and _whole(text[sep.end():], context_year, left)
            if right and right.hi:
                span = _join(left, right)
                break
    if span is None:
        return None
    edtf = span.lo if span.lo == span.hi else f"{span.lo}/{span.hi}"
    iso = edtf if edtf and all(LEVEL0.match(p) for p in edtf.split("/")) else ""
    confidence = span.confidence if edtf else min(span.confidence, 0.2)
    return DateValue(edtf, iso, span.calendar, round(confidence, 2), "; ".join(span.notes))


def _numeric(text: str) -> DateValue:
    qualifier = text[-1] if text[-1] in "~?%" else ""
    match = NUMERIC_DATE.match(text.rstrip("~?%"))
    if not match:  # already EDTF with unspecified digits (193X, 19XX)
        return DateValue(text, "", "gregorian", 0.9, "")
    year, month, day = (int(g) if g else None for g in match.groups())
    if year < 1:
        # Written digits 0000 are a typo or a placeholder, not 1 BCE: parse_date refuses them too,
        # and a year before the common era is written 公元前…年 (read by _whole, not here).
        raise _Invalid(f"gives year {year}, outside 1–9999")
    if month in SEASONS.values() and day is None:  # an EDTF season, 1935-21
        return DateValue(f"{year:04d}-{month}{qualifier}", "", "gregorian", 0.9, "")
    lo = _ymd(year, month, day)
    return DateValue(lo + qualifier, "" if qualifier else lo, "gregorian", 0.9 if qualifier else 1.0, "")


def _join(left: _Span, right: _Span) -> _Span:
    """A range from the start of the left date to the end of the right one."""
    if right.hi != ".." and _key(right.hi) < _key(left.lo):
        raise _Invalid(f"ends ({right.hi}) before it starts ({left.lo})")
    return _Span(left.lo, right.hi, left.calendar, min(left.confidence, right.confidence), left.notes + right.notes)


def _key(edtf: str) -> tuple:
    """Sort key for a date's start; seasons and X-digits sort by their year alone."""
    m = re.match(r"^(\.\.)?(-?)(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", edtf.replace("X", "0"))
    if not m or m.group(1):
        return (-10**6,)
    year = int(m.group(3)) * (-1 if m.group(2) else 1)
    month = int(m.group(4) or 0)
    return (year, month if month <= 12 else 0, int(m.group(5) or 0))


def _whole(text: str, context_year: int | None, left: _Span | None) -> _Span | None:
    """One date, not a range; `left` is the start of a range whose year and month this one may inherit."""
    if not text:
        return None
    if NUMERIC_DATE.match(text):
        value = _numeric(text)
        return _Span(value.edtf, value.edtf, "gregorian", value.confidence, [], year=int(text[:4]),
                     month=int(value.edtf[5:7]) if len(value.edtf) >= 7 else None)
    if left is not None and text in ("今", "迄今", "现在"):  # 1949年至今: an open end
        return _Span("..", "..", left.calendar, left.confidence, ["open end"])
    day_only = rf"(初{NUM})|({NUM})[日号]" + ("?" if len(left.lo) == 10 else "") if left else ""
    if left is not None and (m := re.fullmatch(day_only, text)):  # 15日至17日, 初一至初三
        return _point({"day": m.group(1) or m.group(2)}, context_year, left)
    if (m := DECADE.match(text)) and (m["century"] or m["decade"]):
        return _decade(m, context_year)
    if (m := POINT.match(text)) and (m["year"] or m["gz"] or m["month"] or m["fest"]):
        return _point(m.groupdict(), context_year, left)
    return None


def _decade(m: re.Match, context_year: int | None) -> _Span:
    notes, confidence = [], 0.9
    century = chinese_number(m["century"]) if m["century"] else None
    if m["decade"] is None:
        if century is None or not 1 <= century <= 100:
            raise _Invalid(f"has no century {century}")
        lo = f"{century - 1:02d}XX"
    else:
        decade = chinese_number(m["decade"])
        if decade >= 1000:
            start = decade
        elif century is not None:
            start = (century - 1) * 100 + decade
        elif context_year is not None:  # the latest such decade not after the record
            start = (context_year - decade) // 100 * 100 + decade
            notes.append(f"century from context {context_year}")
            confidence = 0.7
        else:
            start, confidence = 1900 + decade, 0.4
            notes.append("century assumed to be the 1900s")
        if start % 10 or 100 <= decade < 1000 or (century is not None and decade >= 100) or not 0 <= start <= 9990:
            raise _Invalid(f"has no decade {decade}")
        lo = f"{start // 10:03d}X"
    if m["dpart"]:
        notes.append(f"{m['dpart']} of the period not encoded")
    if m["approx"]:  # 193X~ would be EDTF level 2; say it in the note and the confidence instead
        notes.append("approximate")
        confidence -= 0.1
    return _Span(lo, lo, "gregorian", confidence, notes)


def _point(g: dict, context_year: int | None, left: _Span | None) -> _Span:
    notes: list[str] = []
    year, era, cal, confidence = _year(g, context_year, left, notes)
    lunar = _is_lunar(g, cal, left)
    month = None
    if g.get("month"):
        month = {"正": 1, "冬": 11, "腊": 12}.get(g["month"]) or chinese_number(g["month"])
    elif g.get("day") and left:
        month = left.month
    if g.get("fest"):
        month, day = FESTIVALS[g["fest"]]
        g = {**g, "day": str(day)}
    if year is None:
        what = "农历 date" if lunar else "date"
        shown = cal if cal != "gregorian" else ("lunar" if lunar else cal)
        return _Span("", "", shown, 0.1, notes or [f"{what} without a year"])
    if cal == "gregorian" and lunar:
        cal = "lunar"
    day = chinese_number(g["day"].lstrip("初")) if g.get("day") else None
    if day is not None and month is None:
        raise _Invalid(f"has day {day} but no month")
    if month is not None and not 1 <= month <= 12:
        raise _Invalid(f"has no month {month}")
    if lunar and month is not None:
        lo, hi = _lunar(year, month, day, bool(g.get("leap")), g.get("part"))
        notes.append("农历 converted")
        confidence -= 0.05
    elif month is not None and day is not None:
        lo = hi = _ymd(year, month, day)
    elif month is not None and g.get("part"):
        first, last = PARTS[g["part"]]
        last = min(last, calendar.monthrange(year, month)[1]) if 1 <= year <= 9999 else last
        lo, hi = _ymd(year, month, first), _ymd(year, month, last)
        notes.append(f"{g['part']} read as days {first}–{last}")
    elif month is not None:
        lo = hi = _ymd(year, month, None)
    elif g.get("season"):
        lo = hi = f"{_y(year)}-{SEASONS[g['season']]}"
    elif g.get("ypart"):
        lo = hi = f"{_ymd(year, YEAR_PARTS[g['ypart']], None)}~"
        notes.append(f"年{g['ypart']} read as an approximate month")
        confidence = min(confidence, 0.6)
    else:
        lo = hi = _y(year)
        if cal in ("reign", "ganzhi"):
            notes.append("lunar year given as the Gregorian year it began in")
    lo, hi, confidence = _qualify(lo, hi, g, confidence, notes)
    return _Span(lo, hi, cal, confidence, notes, era, year, month, lunar)


def _is_lunar(g: dict, cal: str, left: _Span | None) -> bool:
    """Whether months and days count in the 农历: said outright, or implied by the era or the wording."""
    if g.get("lm1") or g.get("lm2") or g.get("leap") or g.get("fest") or cal in ("reign", "ganzhi"):
        return True
    if g.get("month") in ("冬", "腊") or (g.get("day") or "").startswith("初"):
        return True
    if g.get("month") == "正" and cal != "republic":  # 民国 papers wrote 正月 for January (元年正月一日 = 1912-01-01)
        return True
    return bool(left and left.lunar and not g.get("year"))  # 农历…八月初一至十五


def _year(g: dict, context_year: int | None, left: _Span | None, notes: list[str]) -> tuple:
    """The Gregorian year, the era it was counted in, the calendar name and a confidence."""
    era = g.get("era") or ""
    if g.get("gz"):
        return _ganzhi_year(g["gz"], context_year, notes), "", "ganzhi", 0.7
    if not g.get("year"):  # the right side of a range, or a date with no year at all
        return (left.year, left.era, left.calendar, left.confidence) if left else (None, "", "gregorian", 0.1)
    number = 1 if g["year"] == "元" else chinese_number(g["year"])
    if not era and left and left.era and number < 100:  # 民国二十六年至二十八年
        era = left.era
    if era in REIGNS:
        year, cal, confidence = reign_year(era, number), "reign", 0.9
    elif number < 1 and era:
        raise _Invalid(f"has no year {number} of {era}")
    elif era in ("民国", "中华民国"):
        year, cal, confidence = number + REPUBLIC_ERA_OFFSET, "republic", 0.95
    elif era == "公元前":
        year, cal, confidence = 1 - number, "gregorian", 0.9  # astronomical: 1 BCE is year 0
        notes.append(f"{number} BCE is astronomical year {1 - number}")
    elif era == "公元" or number >= 100:
        year, cal, confidence = number, "gregorian", 0.95 if number >= 1000 else 0.8
    else:
        notes.append(f"year {number} has no era (民国?)")
        return None, era, "gregorian", 0.1
    if not -9999 <= year <= 9999:
        raise _Invalid(f"gives year {year}, outside 1–9999")
    if g.get("gz1") and ganzhi(year) != g["gz1"]:
        notes.append(f"{g['gz1']} does not match {year} ({ganzhi(year)})")
        confidence = 0.3
    return year, era, cal, confidence


def _ganzhi_year(name: str, context_year: int | None, notes: list[str]) -> tuple:
    index = next((i for i in range(60) if ganzhi(1984 + i) == name), None)
    if index is None:  # a stem and a branch of different parity (甲丑) never pair
        raise _Invalid(f"has {name}, which is not one of the sixty 干支")
    if context_year is None:
        notes.append(f"干支 year {name} needs a context year (e.g. {1864 + index}, {1924 + index}, {1984 + index})")
        return None
    # from 53 years before the record to 6 after: records mostly look back (辛亥年 in 1950 is 1911, not 1971)
    year = context_year + 6 - ((context_year + 6 - (1984 + index)) % 60)
    notes.append(f"干支 year resolved with context {context_year}")
    return year


def _lunar(year: int, month: int, day: int | None, leap: bool, part: str | None) -> tuple[str, str]:
    """Gregorian start and end of a 农历 day or month (proleptic Gregorian, as ISO 8601 wants)."""
    if not 1 <= year <= 9999:
        raise _Invalid(f"gives lunar year {year}, outside 1–9999")
    found = _lunar_month(year, -month if leap else month)
    if found is None:
        raise _Invalid(f"has no 闰{month}月 in lunar year {year}")
    days, day_one = found
    first, last = (day, day) if day is not None else PARTS.get(part or "", (1, days))
    if day == 0:  # 除夕: the last day of the twelfth month
        first = last = days
    if not 1 <= first <= days:
        raise _Invalid(f"has no day {first} (lunar month {month} of {year} has {days} days)")
    return (datetime.date.fromordinal(day_one + first - 1).isoformat(),
            datetime.date.fromordinal(day_one + min(last, days) - 1).isoformat())


@functools.lru_cache(maxsize=4096)  # lunar_python recomputes the year astronomically (~6 ms) on every call
def _lunar_month(year: int, signed_month: int) -> tuple[int, int] | None:
    """Days in a 农历 month (negative: the leap month) and the proleptic Gregorian ordinal of its first day."""
    try:
        from lunar_python import Lunar, LunarMonth
    except ImportError:  # pragma: no cover - a declared dependency
        raise _Invalid("needs the lunar-python package to convert 农历 dates") from None
    lunar_month = LunarMonth.fromYm(year, signed_month)
    if lunar_month is None:
        return None
    # lunar_python gives Julian dates before 1582; the Julian day number is calendar-free
    jd = Lunar.fromYmd(year, signed_month, 1).getSolar().getJulianDay()
    return lunar_month.getDayCount(), int(round(jd - 1721424.5))


def _qualify(lo: str, hi: str, g: dict, confidence: float, notes: list[str]) -> tuple[str, str, float]:
    qual = g.get("qual") or ""
    if g.get("approx") or qual in ("前后", "左右", "许"):
        lo, hi = (lo if lo.endswith("~") else lo + "~"), (hi if hi.endswith("~") else hi + "~")
        confidence -= 0.1
    elif qual == "?":
        lo, hi = lo + "?", hi + "?"
        confidence -= 0.2
    elif qual in ("以前", "之前", "前"):
        lo = ".."
        notes.append("open start")
    elif qual in ("以后", "之后", "后", "以来", "起"):
        hi = ".."
        notes.append("open end")
    return lo, hi, confidence


def _y(year: int) -> str:
    return f"-{-year:04d}" if year < 0 else f"{year:04d}"


def _ymd(year: int, month: int | None, day: int | None) -> str:
    if month is None:
        return _y(year)
    if not 1 <= month <= 12:
        raise _Invalid(f"has no month {month}")
    if day is None:
        return f"{_y(year)}-{month:02d}"
    last = calendar.monthrange(year, month)[1] if 1 <= year <= 9999 else 31
    if not 1 <= day <= last:
        raise _Invalid(f"has no day {day} (month {month} of {year} has {last} days)")
    return f"{_y(year)}-{month:02d}-{day:02d}"
