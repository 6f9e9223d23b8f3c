"""Find dates in running text and normalise them to EDTF (jieba's `t` tag misses 1935年1月17日 and 民国 years).

A mention is emitted only when its value is known (norm is never ""): relative words
(去年, 次日, 同年), 农历 dates without a year (正月初一) and 干支 years in a record with no
date of its own are left out, because a TIME entity labelled 去年 would join unrelated
records. Durations (满二十年) are not dates: a year needs four digits or an era.
"""

from __future__ import annotations

import re

from jiyi.dates import FESTIVALS, FOLD, REIGNS, normalise_date
from jiyi.model import TEXT_FIELDS, EntityType, Mention, Record


S = " ?"  # archives' OCR and hand-typed text put stray spaces between the parts
N = "[0-9〇零○一二三四五六七八九十廿卅]"
NO_DIGIT_BEFORE = "(?<![0-9〇零○一二三四五六七八九十])"
GZ = "[甲乙丙丁戊己庚辛壬癸][子丑寅卯辰巳午未申酉戌亥]"
LM = "(?:农历|阴历|夏历|旧历)"
YEAR_G = (rf"(?:(?:公元前?|(?:中华)?民国){S}(?:{N}{{1,4}}|元)|{NO_DIGIT_BEFORE}(?:1[0-9]|20)[0-9]{{2}}"
          rf"|{NO_DIGIT_BEFORE}[一二][〇零○一二三四五六七八九]{{3}}){S}年")
YEAR_L = rf"(?:(?:{'|'.join(REIGNS)})(?:{N}{{1,3}}|元)年(?:{GZ}年?)?|{GZ}年)"  # counted in lunar years
MONTH = rf"闰?(?:{N}{{1,2}}|正|冬|腊){S}月"
DAY_STRICT = rf"(?:初{N}{{1,2}}|{N}{{1,3}}{S}[日号])"
DAY_LOOSE = rf"(?:初{N}{{1,2}}|{N}{{1,3}}[日号]?)"  # 农历八月十五 needs no 日
PART = "(?:上旬|中旬|下旬|初(?![0-9〇零○一二三四五六七八九十步期级次稿])|底|末)"  # not 年中/月中: 1935年中共…
FEST = "(?:" + "|".join(FESTIVALS) + ")节?"
LOOSE_TAIL = rf"(?:{MONTH}{DAY_LOOSE}?{PART}?|{FEST})"
STRICT_TAIL = rf"(?:{MONTH}{S}{DAY_STRICT}?{PART}?|{FEST}|[春夏秋冬](?:季|天)?|底|末|初(?![0-9〇零○一二三四五六七八九十步期级次稿]))"
POINT = (rf"(?:约|大约)?(?:{LM}{S}(?:{YEAR_G}|{YEAR_L}){S}{LM}?{S}{LOOSE_TAIL}?"
         rf"|{YEAR_L}{LM}?{LOOSE_TAIL}?"
         rf"|{YEAR_G}{S}{LM}{S}{LOOSE_TAIL}"
         rf"|{YEAR_G}{S}{STRICT_TAIL}?)(?:前后|左右)?")
RIGHT = rf"(?:今|{POINT}|{N}{{1,3}}年{S}(?:{MONTH}{S}{DAY_STRICT}?)?|{MONTH}{S}{DAY_LOOSE}?{PART}?|{DAY_STRICT})"
DECADE = (rf"(?:约|大约)?{NO_DIGIT_BEFORE}(?:{N}{{1,3}}世纪{S})?(?:(?:1[0-9]|20)[0-9]0|{N}{{1,3}}){S}年代(?!表)"  # 1950年代表团 is a delegation
          rf"(?:初期|中期|末期|后期|前期|初|末)?|{NO_DIGIT_BEFORE}{N}{{1,3}}世纪(?:初期|中期|末期|初|末)?")
ISO = r"(?<![0-9])(?:1[0-9]|20)[0-9]{2}([-/.])(?:0?[1-9]|1[0-2])\1(?:0?[1-9]|[12][0-9]|3[01])(?![0-9])"

# Every date starts with one of these characters; checking it first makes the scan ten times faster.
FIRST = "0-9〇零○一二三四五六七八九十廿卅约大农阴夏旧公民中甲乙丙丁戊己庚辛壬癸" + "".join(sorted({e[0] for e in REIGNS}))
DATE_PATTERN = re.compile(rf"(?=[{FIRST}])(?:{ISO}|{DECADE}|{POINT}(?:{S}(?:至|到|—{{1,2}}|–|~|-){S}{RIGHT})?)")
POINT_PATTERN = re.compile(POINT)  # the left side alone, when a range does not hold together


class DateFinder:
    """TIME mentions for every date the text spells out; the EDTF value goes in `norm`."""

    name = "dates"

    def __call__(self, record: Record) -> list[Mention]:
        context = int(record.date[:4]) if re.match(r"\d{4}", record.date or "") else None
        mentions = []
        for field_name in TEXT_FIELDS:
            text = getattr(record, field_name)
            folded = text.translate(FOLD)  # one character for one, so offsets still fit `text`
            for match in DATE_PATTERN.finditer(folded):
                start, end = match.span()
                value = normalise_date(match.group(), context_year=context)
                if not value.edtf and (left := POINT_PATTERN.match(folded, start)) and left.end() < end:
                    end = left.end()
                    value = normalise_date(left.group(), context_year=context)
                if not value.edtf:
                    continue  # 十三月, 光绪三十五年, 去年: not a date Jiyi can place
                while end > start and text[end - 1].isspace():
                    end -= 1
                mentions.append(Mention(
                    record_id=record.id, start=start, end=end, text=text[start:end], type=EntityType.TIME,
                    method="date-pattern", confidence=value.confidence, field=field_name, norm=value.edtf,
                ))
        return mentions
