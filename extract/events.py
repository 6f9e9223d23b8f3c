"""Events: named events (会议, 起义, 战役, 运动, 长征 …) from dictionaries and patterns, with their date and place."""

from __future__ import annotations

import re
from pathlib import Path

from jiyi.dates import DateError, parse_date
from jiyi.model import TEXT_FIELDS, EntityType, Mention, Record

from .places import Gazetteer, default_gazetteer, short_name
from .userdict import read_dictionary

EVENTS_FILE = Path(__file__).parent / "dictionaries" / "events.txt"
USER_TAG = "event"  # tag of event words in users' jieba-format dictionaries

N = "[一二三四五六七八九十百零〇]"
KINDS = "会议|起义|暴动|战役|会战|战斗|大捷|运动|事变|政变|惨案|会师|谈判"
# A place-named event: 洛川会议, 直罗镇战役; 政治局/扩大 may sit between (遵义政治局扩大会议).
SUFFIX = re.compile(rf"(?:中共中央)?(?P<body>政治局)?(?:常委)?(?:扩大|(?P<urgent>紧急))?(?:{KINDS})")
# Congresses and plenums named by number: 中共七大, 中共七届二中全会, 中国共产党第七次全国代表大会,
# 中共红四军第九次代表大会, 中国人民政治协商会议第一届全体会议.
PREFIX = r"(?:(?:中国共产党|中共)[\u4e00-\u9fff]{0,6}?|中华工农兵苏维埃|中华苏维埃|中国国民党|国民党|中国人民政治协商会议)"
ORDINAL = re.compile(
    rf"(?P<prefix>{PREFIX})?(?:第{N}+次(?:全国)?(?:代表|党员)?大会|第{N}+届(?:中央委员会)?第{N}+次全体会议|第{N}+届全体会议)"
    rf"|中共{N}{{1,3}}大(?![会学队])|(?:中共)?{N}{{1,3}}届{N}{{1,2}}中全会"
)
# Events named by their date: 八七会议, 七七事变, 五卅运动, 一二·九运动 (but not 第三次会议).
D = "[一二三四五六七八九十卅]"
DATE_NAMED = re.compile(rf"(?<![第一二三四五六七八九十卅]){D}{{1,3}}[·・]?{D}{{1,3}}(?:会议|事变|运动|惨案|政变|起义|暴动)")
# A name followed by one of these names a site or a body, not the event (遵义会议会址, 抗日战争研究会).
NOT_AFTER = ("研究会", "学会", "协会", "纪念馆", "博物馆", "陈列馆", "旧址", "会址", "遗址", "纪念碑")
SENTENCE_END = re.compile(r"[。！？；!?;\n]")
BEFORE_OR_AFTER = ("后", "以后", "之后", "前", "以前", "之前", "以来")
# Higher wins an overlap: a curated name beats a pattern, a specific pattern a generic one.
PRIORITY = {"event-dictionary": 4, "event-pattern": 2, "event-pattern-generic": 1}


def load_event_dictionary(path: Path = EVENTS_FILE) -> dict[str, str]:
    """Every surface form in an events file (name<TAB>aliases) → its preferred name."""
    forms: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, _, aliases = line.partition("\t")
        name = name.strip()
        forms[name] = name
        for alias in aliases.split(","):
            if alias.strip():
                forms[alias.strip()] = name
    return forms


def jieba_words(path: Path, tags: set[str]) -> set[str]:
    """Words of a jieba user dictionary carrying one of the tags."""
    return {word for word, _, tag in read_dictionary(path) if tag in tags}


class EventFinder:
    """EVENT mentions: dictionary names first, then place-, number- and date-named patterns."""

    name = "events"

    def __init__(self, *, dictionaries: list[Path], gazetteer: Gazetteer | None = None):
        self.forms = load_event_dictionary()
        places = set()
        for path in dictionaries:
            for word in jieba_words(path, {USER_TAG}):
                self.forms.setdefault(word, word)
            places |= jieba_words(path, {"ns"})  # the project's own places make 洛川会议 findable
        gazetteer = gazetteer or default_gazetteer()
        for place in gazetteer.places:
            places.add(place.name)
            places.add(short_name(place.name))
        places |= set(gazetteer.historical)
        self.places = {p for p in places if len(p) >= 2}
        self.longest_place = max(map(len, self.places), default=0)
        names = sorted(self.forms, key=len, reverse=True)  # longest first: 中共七届二中全会 before 七届二中全会
        self.dictionary = re.compile("|".join(map(re.escape, names))) if names else None

    def place_before(self, text: str, end: int) -> int | None:
        """Start of the longest known place name ending at `end`, if any."""
        for length in range(min(self.longest_place, end), 1, -1):
            if text[end - length:end] in self.places:
                return end - length
        return None

    def candidates(self, text: str) -> list[tuple[int, int, str, float]]:
        found = []
        if self.dictionary:
            found += [(m.start(), m.end(), "event-dictionary", 0.95) for m in self.dictionary.finditer(text)]
        for m in ORDINAL.finditer(text):
            # whose congress it was: named in front, or 党的 (the Party's) just before
            specific = m.group("prefix") or m.group().startswith("中共") or text.endswith("党的", 0, m.start())
            found.append((m.start(), m.end(), "event-pattern" if specific else "event-pattern-generic",
                          0.8 if specific else 0.5))
        for m in DATE_NAMED.finditer(text):
            found.append((m.start(), m.end(), "event-pattern", 0.7))
        for m in SUFFIX.finditer(text):
            start = self.place_before(text, m.start())
            if start is not None:
                found.append((start, m.end(), "event-pattern", 0.8))
            elif m.group("body") or m.group("urgent"):
                found.append((m.start(), m.end(), "event-pattern-generic", 0.5))  # 政治局扩大会议: which one?
        return found

    def __call__(self, record: Record) -> list[Mention]:
        mentions = []
        for field_name in TEXT_FIELDS:
            text = getattr(record, field_name)
            taken: list[tuple[int, int]] = []
            ranked = sorted(self.candidates(text), key=lambda c: (-PRIORITY[c[2]], -(c[1] - c[0]), c[0]))
            for start, end, method, confidence in ranked:
                if text.startswith(NOT_AFTER, end) or any(start < e and s < end for s, e in taken):
                    continue
                taken.append((start, end))
                mentions.append(Mention(record_id=record.id, start=start, end=end, text=text[start:end],
                                        type=EntityType.EVENT, method=method, confidence=confidence, field=field_name))
        return sorted(mentions, key=lambda m: (TEXT_FIELDS.index(m.field), m.start))


def event_context(record: Record, mention: Mention, mentions: list[Mention],
                  gazetteer: Gazetteer | None = None) -> tuple[str, str]:
    """(ISO date, place) the text gives an event: the nearest dated TIME and LOC mention in its
    sentence; a place in the event's own name (遵义会议 → 遵义) comes first. "" where none."""
    text = getattr(record, mention.field)
    starts = [m.end() for m in SENTENCE_END.finditer(text, 0, mention.start)]
    begin = starts[-1] if starts else 0
    stop = SENTENCE_END.search(text, mention.end)
    end = stop.start() if stop else len(text)

    def nearby(kind: EntityType) -> list[Mention]:
        same = [m for m in mentions if m.type is kind and m.record_id == mention.record_id and m.field == mention.field
                and begin <= m.start and m.end <= end and not (mention.start <= m.start and m.end <= mention.end)]
        gap = lambda m: max(m.start - mention.end, mention.start - m.end)  # noqa: E731
        return sorted(same, key=lambda m: (gap(m), m.start))

    # 七七事变后，…: the rest of the sentence tells what came after, not when or where the event was
    aside = text.startswith(BEFORE_OR_AFTER, mention.end)
    date = ""
    for m in [] if aside else nearby(EntityType.TIME):
        try:
            date = m.norm or parse_date(m.text)
        except DateError:
            continue
        if date:
            break
    gazetteer = gazetteer or default_gazetteer()
    place = next((mention.text[:n] for n in range(len(mention.text) - 1, 1, -1)
                  if gazetteer.lookup(mention.text[:n])), "")
    places = [] if aside else nearby(EntityType.LOC)
    if not place and places:
        # 江西瑞金叶坪: the last of a run of adjacent places is the most specific
        run = places[0]
        by_start = {m.start: m for m in places}
        while run.end in by_start:
            run = by_start[run.end]
        place = run.text
    return date, place
