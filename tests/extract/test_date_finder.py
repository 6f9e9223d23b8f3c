"""The date finder: offsets that point at the text, EDTF values in `norm`, real sentences read right."""

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jiyi.extract.dates import DateFinder
from jiyi.model import EntityType, Record

FIND = DateFinder()


def found(text: str, date: str = "", field: str = "text") -> list[tuple[str, str]]:
    record = Record(**{"id": "R1", "title": "", "record_set": "t", "date": date, field: text})
    mentions = FIND(record)
    for m in mentions:
        assert getattr(record, m.field)[m.start:m.end] == m.text and m.field == field
        assert m.type is EntityType.TIME and m.method == "date-pattern" and m.record_id == "R1"
        assert m.norm and 0 < m.confidence <= 1
    return [(m.text, m.norm) for m in mentions]


# Lines as they stand in /work/shared/data/texts (the regulations) and red_archives.csv.
@pytest.mark.parametrize("line, expected", [
    ("第五十八条 本条例自2021年7月1日起施行。", [("2021年7月1日", "2021-07-01")]),
    ("第五十一条 本条例自1995年10月1日起施行。", [("1995年10月1日", "1995-10-01")]),
    ("第七十条 本条例自2025年1月1日起施行。", [("2025年1月1日", "2025-01-01")]),
    ("（1987年9月5日第六届全国人民代表大会常务委员会第二十二次会议通过　根据2016年11月7日第十二届全国人民代表大会常务委员会"
     "第二十四次会议《关于修改〈中华人民共和国对外贸易法〉等十二部法律的决定》第二次修正　2020年6月20日第十三届全国人民代表大会"
     "常务委员会第十九次会议修订）",
     [("1987年9月5日", "1987-09-05"), ("2016年11月7日", "2016-11-07"), ("2020年6月20日", "2020-06-20")]),
    ("1949年12月23日 政务院发布", [("1949年12月23日", "1949-12-23")]),
    ("（一）列入市综合档案馆收集范围的档案，自形成之日起满二十年，向市综合档案馆移交；", []),
    ("可以少于二十五年向社会开放", []),
    ("（二）春节，放假4天（农历除夕、正月初一至初三）；", []),
    ("1935年1月15日至17日，中共中央政治局在贵州遵义召开扩大会议。", [("1935年1月15日至17日", "1935-01-15/1935-01-17")]),
    ("1934年11月下旬至12月初，中央红军在广西全州、兴安、灌阳一带突破湘江封锁线。",
     [("1934年11月下旬至12月初", "1934-11-21/1934-12-10")]),
    ("1945年4月23日至6月11日，中国共产党第七次全国代表大会在延安举行。", [("1945年4月23日至6月11日", "1945-04-23/1945-06-11")]),
    ("这是毛泽东1948年9月至10月在河北平山县西柏坡起草的电报。", [("1948年9月至10月", "1948-09/1948-10")]),
    ("1949年10月1日下午，中华人民共和国中央人民政府成立典礼在北京天安门广场举行。", [("1949年10月1日", "1949-10-01")]),
    ("黄帝内经（1339年刻本）", [("1339年", "1339")]),
])
def test_real_sentences(line, expected):
    assert found(line) == expected


@pytest.mark.parametrize("text, expected", [
    ("光绪三十四年十月二十一日，光绪帝崩。", [("光绪三十四年十月二十一日", "1908-11-14")]),
    ("民国二十六年七月七日，卢沟桥事变爆发。", [("民国二十六年七月七日", "1937-07-07")]),
    ("民國二十六年至二十八年間", [("民國二十六年至二十八年", "1937/1939")]),
    ("一九四九年十月一日，二〇二一年", [("一九四九年十月一日", "1949-10-01"), ("二〇二一年", "2021")]),
    ("１９３５年１月１７日", [("１９３５年１月１７日", "1935-01-17")]),
    ("写于 1936 年 10 月 的信", [("1936 年 10 月", "1936-10")]),
    ("1949年农历八月十五，农历1949年八月初十", [("1949年农历八月十五", "1949-10-06"), ("农历1949年八月初十", "1949-10-01")]),
    ("1930年代的上海，二十世纪三十年代", [("1930年代", "193X"), ("二十世纪三十年代", "193X")]),
    ("约1927年写成，1927年前后", [("约1927年", "1927~"), ("1927年前后", "1927~")]),
    ("1935年1月上旬，1934年底", [("1935年1月上旬", "1935-01-01/1935-01-10"), ("1934年底", "1934-12~")]),
    ("1927年秋收起义", [("1927年秋", "1927-23")]),
    ("1935年中共中央", [("1935年", "1935")]),  # 年中 is not read here: 中共 follows too often
    ("1950年代表团访问苏联", [("1950年", "1950")]),
    ("2021-07-01 与 2021.7.1", [("2021-07-01", "2021-07-01"), ("2021.7.1", "2021-07-01")]),
    ("1949年10月1日至今", [("1949年10月1日至今", "1949-10-01/..")]),
])
def test_forms_in_running_text(text, expected):
    assert found(text) == expected


def test_impossible_and_relative_dates_are_not_mentions():
    assert found("民国三十八年十三月的来信，光绪三十五年，去年，次日，同年10月，1935年2月30日") == []


def test_ganzhi_years_take_the_records_date_as_context():
    assert found("辛亥年八月十九日武昌起义", date="1912-01-01") == [("辛亥年八月十九日", "1911-10-10")]
    assert found("辛亥年八月十九日武昌起义") == []  # no record date: no year to place it in


def test_a_broken_range_keeps_its_start():
    assert found("1936年至1934年") == [("1936年", "1936")]


def test_every_field_is_read():
    assert found("遵义会议（1935年1月）", field="title") == [("1935年1月", "1935-01")]
    assert found("1935年1月", field="abstract") == [("1935年1月", "1935-01")]


def test_scanning_time_grows_linearly_with_the_text():
    # speed itself is measured in benchmarks; here only its shape: twice the text, about twice the time
    line = "1935年1月15日至17日，中共中央政治局在贵州遵义召开扩大会议。本条例自2021年7月1日起施行。光绪三十四年十月二十一日。"
    filler = "档案馆应当按照国家有关规定定期向社会开放档案，并为档案的利用创造条件。" * 20
    seconds, counts = [], []
    for size in (500_000, 1_000_000):
        text = ((line + filler) * 2000)[:size]
        start = time.perf_counter()
        counts.append(len(FIND(Record(id="R1", title="", record_set="t", text=text))))
        seconds.append(time.perf_counter() - start)
    assert counts[0] > 500 and counts[1] > 1.9 * counts[0]
    assert seconds[1] / seconds[0] < 3


@settings(max_examples=300)
@given(st.lists(st.sampled_from([
    "1935年", "1月", "15日", "至", "17日", "民国", "二十六", "年", "光绪", "三十四", "农历", "八月", "十五", "初一", "约", "前后",
    "年代", "三十", "世纪", "辛亥", "-", " ", "，", "闰", "腊月", "除夕", "１９３５", "民國", "十三月", "下旬", "底", "2021-07-01",
]), max_size=20), st.sampled_from(["", "1912-01-01", "1950"]))
def test_offsets_always_point_at_the_text(parts, date):
    found("".join(parts), date=date)
