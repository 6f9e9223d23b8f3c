"""Find dates in running text (jieba's `t` tag misses 1935年1月17日 and 民国 years)."""

from __future__ import annotations

import re

from jiyi.dates import DateError, parse_date
from jiyi.model import EntityType, Mention, Record

from .recognise import FIELDS

NUMERAL = r"[0-9〇零○一二三四五六七八九十廿]"
DATE_PATTERN = re.compile(
    rf"(?:(?:中华)?民国{NUMERAL}{{1,3}}|元)年(?:{NUMERAL}{{1,2}}月(?:{NUMERAL}{{1,3}}[日号])?)?"
    rf"|(?:1[0-9]|20){NUMERAL}{{2}}年(?:{NUMERAL}{{1,2}}月(?:{NUMERAL}{{1,3}}[日号])?)?"
    rf"|[一二]{NUMERAL}{{3}}年(?:{NUMERAL}{{1,2}}月(?:{NUMERAL}{{1,3}}[日号])?)?"
    r"|\b(?:1[0-9]|20)\d{2}-\d{2}-\d{2}\b"
)


class DateFinder:
    """TIME mentions for every date the text spells out; the ISO form goes in `normalised`."""

    name = "dates"

    def __call__(self, record: Record) -> list[Mention]:
        mentions = []
        for field_name in FIELDS:
            for match in DATE_PATTERN.finditer(getattr(record, field_name)):
                try:
                    parse_date(match.group())
                except DateError:
                    continue  # 十三月 and the like: not a date, so not a mention
                mentions.append(Mention(
                    record_id=record.id, start=match.start(), end=match.end(), text=match.group(),
                    type=EntityType.TIME, method="date-pattern", confidence=0.9, field=field_name,
                ))
        return mentions
