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
    ("民国一百零二年", "2013"),  # counted years above 99
    ("一千九百四十九年十月一日", "1949-10-01"),  # a year counted, not read digit by digit
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


# ------------------------------------------------------------------ normalise_date

import datetime  # noqa: E402

from hypothesis import assume, settings  # noqa: E402

from jiyi.dates import REIGNS, DateValue, ganzhi, normalise_date  # noqa: E402

DIGIT_NAMES = "〇一二三四五六七八九"


def counted(n: int) -> str:
    """38 → 三十八, 10 → 十, 1 → 一: the way archives count years of an era, months and days."""
    tens, units = divmod(n, 10)
    return (DIGIT_NAMES[tens] if tens > 1 else "") + ("十" if tens else "") + (DIGIT_NAMES[units] if units or not tens else "")


def by_digit(year: int) -> str:
    return "".join(DIGIT_NAMES[int(c)] for c in f"{year:04d}")


# Real forms: abstracts of jiyi/demo/sources/red_archives.csv, the regulations in
# shared/data/texts (施行 and 通过 dates), memory_of_the_world.csv, and the historical
# forms archives hold. Lunar values were checked against lunardate, an independent package.
CASES = [
    # red_archives.csv abstracts and date cells
    ("1921年7月23日", "1921-07-23"), ("1922年7月16日至23日", "1922-07-16/1922-07-23"), ("1923年6月", "1923-06"),
    ("1927年8月1日", "1927-08-01"), ("1927年8月7日", "1927-08-07"), ("1927年9月", "1927-09"), ("1928年10月5日", "1928-10-05"),
    ("1928年4月", "1928-04"), ("1928年12月", "1928-12"), ("1929年12月28日至29日", "1929-12-28/1929-12-29"),
    ("1930年1月5日", "1930-01-05"), ("1931年11月7日", "1931-11-07"), ("1934年10月", "1934-10"),
    ("1934年11月下旬至12月初", "1934-11-21/1934-12-10"), ("1934年12月18日", "1934-12-18"),
    ("1935年1月15日至17日", "1935-01-15/1935-01-17"), ("1935年1月下旬至3月下旬", "1935-01-21/1935-03-31"),
    ("1935年5月上旬", "1935-05-01/1935-05-10"), ("1935年8月下旬", "1935-08-21/1935-08-31"), ("1935年10月19日", "1935-10-19"),
    ("1935年12月17日至25日", "1935-12-17/1935-12-25"), ("1934年底", "1934-12~"), ("1936年12月12日", "1936-12-12"),
    ("1937年8月22日至25日", "1937-08-22/1937-08-25"), ("1938年5月26日至6月3日", "1938-05-26/1938-06-03"),
    ("1940年8月20日起", "1940-08-20/.."), ("1942年5月2日至23日", "1942-05-02/1942-05-23"),
    ("1945年4月23日至6月11日", "1945-04-23/1945-06-11"), ("1947年7月至9月", "1947-07/1947-09"),
    ("1948年9月至10月", "1948-09/1948-10"), ("1948年9月12日至11月2日", "1948-09-12/1948-11-02"),
    ("1949年3月5日至13日", "1949-03-05/1949-03-13"), ("1949年9月21日至30日", "1949-09-21/1949-09-30"),
    ("1921年", "1921"), ("1922-07", "1922-07"), ("1927-08-07", "1927-08-07"), ("1935年12月27日", "1935-12-27"),
    ("1947年10月10日", "1947-10-10"), ("1339年", "1339"), ("1593年", "1593"),
    # the regulations: 施行 and 通过 dates
    ("2021年7月1日", "2021-07-01"), ("1995年10月1日", "1995-10-01"), ("2008年7月1日", "2008-07-01"),
    ("2025年1月1日", "2025-01-01"), ("1987年9月5日", "1987-09-05"), ("1949年12月23日", "1949-12-23"),
    ("2024年11月10日", "2024-11-10"), ("2016年11月7日", "2016-11-07"), ("2020年6月20日", "2020-06-20"),
    ("2017-11-23", "2017-11-23"),
    # Chinese numerals, full-width digits, spaces, traditional characters
    ("一九四九年十月一日", "1949-10-01"), ("二〇二一年", "2021"), ("一九二一年七月一日", "1921-07-01"),
    ("二〇二〇年六月二十日", "2020-06-20"), ("一九三五年一月十五日至十七日", "1935-01-15/1935-01-17"),
    ("一九四五年八月十五日", "1945-08-15"), ("一九三七年七月七日", "1937-07-07"), ("二○○八年", "2008"),
    ("１９３５年", "1935"), ("１９３５年１月１７日", "1935-01-17"), ("1936 年 10 月", "1936-10"), ("1949年10月 1日", "1949-10-01"),
    ("民國二十六年", "1937"), ("中華民國三十四年八月十五日", "1945-08-15"), ("1935年廿一日", ""),
    # 民国纪年 and 公元
    ("民国元年", "1912"), ("民国二十六年", "1937"), ("民国二十六年七月七日", "1937-07-07"), ("民国三十八年十月一日", "1949-10-01"),
    ("中华民国元年正月", "1912-01"), ("民国二十六年至二十八年", "1937/1939"), ("民国13年", "1924"),
    ("公元1840年", "1840"), ("公元前221年", "-0220"), ("公元前1年", "0000"),
    # reign years (年号); their months and days are lunar
    ("光绪三十四年", "1908"), ("光绪元年", "1875"), ("光绪二十年", "1894"), ("光绪二十年甲午", "1894"), ("光绪二十四年", "1898"),
    ("宣统元年", "1909"), ("宣统三年", "1911"), ("同治元年", "1862"), ("咸丰十年", "1860"), ("道光二十年", "1840"),
    ("乾隆六十年", "1795"), ("康熙元年", "1662"), ("顺治元年", "1644"), ("崇祯十七年", "1644"), ("万历四十八年", "1620"),
    ("洪武元年", "1368"), ("永乐十九年", "1421"), ("光绪二十四年至二十六年", "1898/1900"),
    ("光绪三十四年十月二十一日", "1908-11-14"), ("宣统三年八月十九日", "1911-10-10"), ("宣统三年十二月二十五日", "1912-02-12"),
    ("光绪二十年八月十八日", "1894-09-17"), ("光緒三十四年", "1908"),
    # 农历
    ("农历1949年八月初十", "1949-10-01"), ("1949年农历八月十五", "1949-10-06"), ("2024年正月初一", "2024-02-10"),
    ("2024年春节", "2024-02-10"), ("1949年中秋", "1949-10-06"), ("2020年闰四月初一", "2020-05-23"),
    ("2023年闰二月十五", "2023-04-05"), ("1949年除夕", "1950-02-16"), ("1949年腊月二十三", "1950-02-09"),
    ("1966年农历五月初五", "1966-06-23"), ("民国三十八年农历八月初十", "1949-10-01"), ("2033年闰十一月初一", "2033-12-22"),
    ("1949年农历八月", "1949-09-22/1949-10-21"), ("1900年正月初一", "1900-01-31"), ("農曆1949年八月初十", "1949-10-01"),
    # ranges, decades, approximate and partial dates, seasons, open ends
    ("1934年10月至1936年10月", "1934-10/1936-10"), ("1934年至1936年", "1934/1936"), ("1934—1936年", "1934/1936"),
    ("1937年7月—1945年8月", "1937-07/1945-08"), ("1931～1945年", "1931/1945"), ("1934-10/1936-10", "1934-10/1936-10"),
    ("1949年10月1日至今", "1949-10-01/.."), ("1930年代", "193X"), ("二十世纪三十年代", "193X"), ("20世纪50年代", "195X"),
    ("二十世纪", "19XX"), ("约1927年", "1927~"), ("1927年前后", "1927~"), ("1927年左右", "1927~"), ("大约1935年10月", "1935-10~"),
    ("1935年1月上旬", "1935-01-01/1935-01-10"), ("1935年5月中旬", "1935-05-11/1935-05-20"),
    ("1935年2月下旬", "1935-02-21/1935-02-28"), ("1936年2月下旬", "1936-02-21/1936-02-29"), ("1935年春", "1935-21"),
    ("1927年秋", "1927-23"), ("1935年初", "1935-01~"), ("1935年1月", "1935-01"), ("1935", "1935"), ("1927~", "1927~"),
    ("193X", "193X"), ("1935/1/17", "1935-01-17"), ("1935.01", "1935-01"),
    # what stays text: relative, yearless, impossible, durations
    ("", ""), ("去年", ""), ("次日", ""), ("同年10月", ""), ("农历八月十五", ""), ("正月初一", ""), ("辛亥年", ""),
    ("三十八年", ""), ("满二十年", ""), ("光绪三十五年", ""), ("宣统四年", ""), ("民国三十八年十三月", ""),
    ("1935年2月30日", ""), ("2021年闰四月初一", ""), ("2024年正月三十", ""), ("1936年至1934年", ""), ("十十年", ""),
    ("某年某月", ""), ("19350117", ""),
]


@pytest.mark.parametrize("text, edtf", CASES)
def test_normalises_real_forms(text, edtf):
    value = normalise_date(text)
    assert value.edtf == edtf, value.note
    assert (value.confidence >= 0.5) == bool(edtf) or "~" in edtf or value.note


def test_the_table_is_large_and_has_no_duplicates():
    assert len(CASES) >= 100 and len({text for text, _ in CASES}) == len(CASES)


@pytest.mark.parametrize("text, calendar, note", [
    ("农历1949年八月初十", "lunar", "农历 converted"),
    ("光绪三十四年", "reign", "lunar year"),
    ("民国二十六年", "republic", ""),
    ("光绪三十五年", "gregorian", "光绪 ran 34 years"),
    ("1935年1月上旬", "gregorian", "上旬"),
    ("去年", "gregorian", "relative"),
    ("三十年代", "gregorian", "century assumed"),
])
def test_says_how_it_read_the_date(text, calendar, note):
    value = normalise_date(text)
    assert value.calendar == calendar and note in value.note


def test_iso_only_where_plain_iso_can_say_it():
    assert normalise_date("1934年10月至1936年10月").iso == "1934-10/1936-10"
    assert normalise_date("1935年1月17日").iso == "1935-01-17"
    for text in ("约1927年", "1930年代", "1935年春", "公元前221年", "1940年8月20日起"):
        assert normalise_date(text).iso == "" and normalise_date(text).edtf


def test_ganzhi_years_need_the_records_own_date():
    alone = normalise_date("辛亥年")
    assert alone.edtf == "" and alone.confidence < 0.5 and "1911" in alone.note
    value = normalise_date("辛亥年", context_year=1950)
    assert (value.edtf, value.calendar) == ("1911", "ganzhi") and value.note.startswith("干支 year resolved with context 1950")
    assert normalise_date("辛亥年八月十九日", context_year=1912).edtf == "1911-10-10"
    assert normalise_date("壬子年", context_year=1911).edtf == "1912"  # a record may look a little ahead
    assert normalise_date("光绪二十年乙未", context_year=1894).confidence < 0.5  # 1894 is 甲午


def test_decades_take_their_century_from_context():
    assert normalise_date("三十年代", context_year=1950).edtf == "193X"
    assert normalise_date("三十年代", context_year=2005).edtf == "193X"
    assert normalise_date("三十年代", context_year=1950).confidence > normalise_date("三十年代").confidence


def test_parse_date_accepts_the_richer_forms_and_says_why_not():
    assert parse_date("光绪三十四年") == "1908"
    assert parse_date("1934年10月至1936年10月") == "1934-10/1936-10"
    assert parse_date("1930年代") == "193X"
    with pytest.raises(DateError, match="光绪 ran 34 years"):
        parse_date("光绪三十五年")
    with pytest.raises(DateError, match="no 闰4月"):
        parse_date("2021年闰四月初一")
    with pytest.raises(DateError, match="needs a context year"):
        parse_date("辛亥年")


def test_every_reign_year_round_trips():
    for era, (first, length) in REIGNS.items():
        for n in range(1, length + 1):
            text = f"{era}{'元' if n == 1 else counted(n)}年"
            value = normalise_date(text)
            assert (value.edtf, value.calendar) == (f"{first + n - 1:04d}", "reign"), text
        beyond = normalise_date(f"{era}{counted(length + 1)}年")
        assert beyond.edtf == "" and beyond.confidence == 0 and f"ran {length} years" in beyond.note


DATE_ALPHABET = "0123456789〇零○一二三四五六七八九十廿卅年月日号至到-/~约前后左右代世纪民国光绪宣统农历闰正腊初上中下旬春秋辛亥甲子丑去同次 .１９"


@settings(max_examples=500)
@given(st.one_of(st.text(), st.text(alphabet=DATE_ALPHABET, max_size=24)),
       st.one_of(st.none(), st.integers(min_value=-20000, max_value=20000)))
def test_normalise_date_never_raises(text, context_year):
    value = normalise_date(text, context_year=context_year)
    assert isinstance(value, DateValue) and 0 <= value.confidence <= 1
    assert value.iso in ("", value.edtf)
    if not value.edtf:
        assert value.confidence <= 0.2


@given(st.dates(min_value=datetime.date(1000, 1, 1)))
def test_gregorian_dates_round_trip_through_their_spellings(day):
    spellings = [
        day.isoformat(), f"{day.year}年{day.month}月{day.day}日", f"{day.year}/{day.month}/{day.day}",
        f"{by_digit(day.year)}年{counted(day.month)}月{counted(day.day)}日",
        f"{by_digit(day.year)}年{day.month}月{day.day}号",
    ]
    for text in spellings:
        assert normalise_date(text).edtf == day.isoformat(), text
    assert normalise_date(f"{day.year}年{counted(day.month)}月").edtf == day.isoformat()[:7]


@given(st.dates(min_value=datetime.date(1000, 1, 1)), st.dates(min_value=datetime.date(1000, 1, 1)))
def test_ranges_round_trip(a, b):
    a, b = sorted((a, b))
    want = f"{a}/{b}" if a != b else f"{a}"  # a one-day range is that day
    assert normalise_date(f"{a.year}年{a.month}月{a.day}日至{b.year}年{b.month}月{b.day}日").edtf == want
    if a.year == b.year:
        assert normalise_date(f"{a.year}年{a.month}月{a.day}日至{b.month}月{b.day}日").edtf == want


@given(st.dates(min_value=datetime.date(1650, 1, 1), max_value=datetime.date(2100, 12, 1)))
def test_lunar_dates_round_trip(day):
    from lunar_python import Solar

    lunar = Solar.fromYmd(day.year, day.month, day.day).getLunar()
    month = lunar.getMonth()
    text = f"农历{lunar.getYear()}年{'闰' if month < 0 else ''}{counted(abs(month))}月{'初' if lunar.getDay() <= 10 else ''}{counted(lunar.getDay())}"
    assert normalise_date(text).edtf == day.isoformat(), text


@given(st.integers(min_value=100, max_value=9000), st.integers(min_value=-6, max_value=53))
def test_ganzhi_years_round_trip_near_their_context(year, offset):
    # the record (context) may be written up to 53 years after the 干支 year or 6 before it
    assume(year + offset >= 1)
    assert normalise_date(f"{ganzhi(year)}年", context_year=year + offset).edtf == f"{year:04d}"


@pytest.mark.parametrize("text, number", [("一百零二", 102), ("一百一十", 110), ("一千九百四十九", 1949), ("十三", 13),
                                          ("三十八", 38), ("一九三五", 1935), ("廿一", 21), ("二〇二〇", 2020)])
def test_chinese_numbers_counted_and_digit_by_digit(text, number):
    assert chinese_number(text) == number


@given(st.integers(min_value=1, max_value=9999))
def test_counted_numbers_round_trip(number):
    digits = "零一二三四五六七八九"
    words, zero = "", False
    for unit, size in (("千", 1000), ("百", 100), ("十", 10), ("", 1)):
        digit = number // size % 10
        if digit:
            words += ("零" if zero and words else "") + digits[digit] + unit
            zero = False
        else:
            zero = True
    assert chinese_number(words) == number
