"""Labels in the scripts researchers search by: zh-Hans, zh-Hant, zh-Latn-pinyin and, for names, en.

A record keeps its title in the script it was written in, tagged as that script; the
other script is added as a converted label. Names of people, places, bodies and events
also get Hanyu Pinyin with tone marks (zh-Latn-pinyin). People and places get an `en`
label too, because English writes Chinese names in toneless pinyin (Mao Zedong,
Yan'an); bodies and events are translated in English, not romanised, so they get no
`en` label unless someone wrote one.
"""

from __future__ import annotations

from functools import lru_cache

import opencc
import rjieba
from pypinyin import Style, pinyin
from pyoxigraph import Literal

from jiyi.model import EntityType

# Surnames read differently from the same character in ordinary words (曾经 céng, 曾国藩 Zēng).
SURNAME_READINGS = {
    "曾": "zēng", "单": "shàn", "解": "xiè", "仇": "qiú", "查": "zhā", "区": "ōu", "朴": "piáo", "盖": "gě",
    "乐": "yuè", "缪": "miào", "翟": "zhái", "覃": "qín", "召": "shào", "华": "huà", "任": "rén", "纪": "jǐ",
    "宁": "nìng", "葛": "gě", "尉迟": "yùchí", "长孙": "zhǎngsūn", "万俟": "mòqí",
}
COMPOUND_SURNAMES = {"欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒",
                     "夏侯", "令狐", "端木", "独孤", "万俟"}
# Administrative suffixes English translates rather than romanises (遵义县 → Zunyi County).
PLACE_SUFFIXES = (("自治区", "Autonomous Region"), ("省", "Province"), ("市", "City"), ("县", "County"), ("区", "District"))
# Places whose English name is not their toneless pinyin.
ENGLISH_PLACE_NAMES = {
    "陕西": "Shaanxi", "陕西省": "Shaanxi Province", "内蒙古": "Inner Mongolia", "内蒙古自治区": "Inner Mongolia Autonomous Region",
    "香港": "Hong Kong", "澳门": "Macao", "西藏": "Tibet", "西藏自治区": "Tibet Autonomous Region",
    "新疆维吾尔自治区": "Xinjiang Uygur Autonomous Region", "广西壮族自治区": "Guangxi Zhuang Autonomous Region",
    "宁夏回族自治区": "Ningxia Hui Autonomous Region",
}
TONELESS = str.maketrans("āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüĀÁǍÀĒÉĚÈŌÓǑÒ", "aaaaeeeeiiiioooouuuuvvvvvAAAAEEEEOOOO")


@lru_cache(maxsize=1)
def _converters() -> tuple[opencc.OpenCC, opencc.OpenCC]:
    return opencc.OpenCC("t2s"), opencc.OpenCC("s2t")


# Converting is the slowest part of making a record's triples (the converter is pure Python),
# and a record's abstract only needs its tag: so the simplified form, which the tag needs, is
# cached on its own, and the traditional form is made only for text that gets both labels.
@lru_cache(maxsize=65536)
def simplified_form(text: str) -> str:
    return _converters()[0].convert(text)


@lru_cache(maxsize=65536)
def scripts(text: str) -> tuple[str, str]:
    """(simplified, traditional) forms of `text`; one of them is `text` itself."""
    simplified = simplified_form(text)
    traditional = text if simplified != text else _converters()[1].convert(text)
    return simplified, traditional


def written_tag(text: str) -> str:
    """The language tag of text as written: zh-Hant when it holds traditional characters."""
    return "zh-Hant" if simplified_form(text) != text else "zh-Hans"


def as_written(text: str) -> Literal:
    return Literal(text, language=written_tag(text))


def both_scripts(text: str) -> list[Literal]:
    simplified, traditional = scripts(text)
    return [Literal(simplified, language="zh-Hans"), Literal(traditional, language="zh-Hant")]


def _syllables(text: str) -> list[str]:
    return [reading[0] for reading in pinyin(text, style=Style.TONE, errors=lambda chars: list(chars))]


def _join(syllables: list[str]) -> str:
    """One pinyin word: syllables run together, with an apostrophe before a, o or e (Yán'ān)."""
    word = ""
    for syllable in syllables:
        if word and syllable[:1].translate(TONELESS) in ("a", "o", "e"):
            word += "'"
        word += syllable
    return word


def _capitalised(word: str) -> str:
    return word[:1].upper() + word[1:]


def romanise(text: str, kind: EntityType) -> str:
    """Hanyu Pinyin with tone marks, words capitalised as for proper nouns (Máo Zédōng, Zūnyì Huìyì)."""
    simplified = simplified_form(text)
    if kind is EntityType.PER and len(simplified) >= 2:
        size = 2 if simplified[:2] in COMPOUND_SURNAMES else 1
        surname, given = simplified[:size], simplified[size:]
        family = SURNAME_READINGS.get(surname) or _join(_syllables(surname))
        return " ".join(_capitalised(part) for part in (family, _join(_syllables(given))) if part)
    if kind is EntityType.LOC:
        for suffix, _ in PLACE_SUFFIXES:
            if simplified.endswith(suffix) and len(simplified) > len(suffix) + 1:
                return f"{_capitalised(_join(_syllables(simplified[:-len(suffix)])))} {_capitalised(_join(_syllables(suffix)))}"
    return " ".join(_capitalised(_join(_syllables(word))) for word in _words(simplified))


def _words(text: str) -> list[str]:
    """Pinyin words: jieba's words, with long compounds (中共中央政治局) tiled by their longest known parts."""
    words = []
    for word in rjieba.cut(text):
        if not word.strip():
            continue
        parts = {part for part in rjieba.cut_for_search(word) if 1 < len(part) < len(word)}
        start = 0
        while start < len(word):
            piece = max((p for p in parts if word.startswith(p, start)), key=len, default=word[start:] if not parts else word[start])
            words.append(piece)
            start += len(piece)
    return words


def english(text: str, kind: EntityType, *, in_gazetteer: bool = False) -> str:
    """The English form of a person's name or a Chinese gazetteer place, or "" where English translates.

    Places outside the gazetteer (countries, regions, 陕甘宁边区) are often translated in
    English, so they get no guessed English name.
    """
    simplified = simplified_form(text)
    if kind is EntityType.PER:
        return romanise(text, kind).translate(TONELESS).replace("v", "ü")
    if kind is EntityType.LOC and in_gazetteer:
        if simplified in ENGLISH_PLACE_NAMES:
            return ENGLISH_PLACE_NAMES[simplified]
        for suffix, word in PLACE_SUFFIXES:
            if simplified.endswith(suffix) and len(simplified) > len(suffix) + 1:
                return f"{_capitalised(_join(_syllables(simplified[:-len(suffix)]))).translate(TONELESS)} {word}"
        return _capitalised(_join(_syllables(simplified))).translate(TONELESS)
    return ""


def entity_labels(text: str, kind: EntityType, *, in_gazetteer: bool = False) -> list[Literal]:
    """rdfs:label values of a person, place, body or event: both scripts, pinyin and English where it applies."""
    labels = both_scripts(text)
    if any("\u4e00" <= char <= "\u9fff" for char in text):
        labels.append(Literal(romanise(text, kind), language="zh-Latn-pinyin"))
        if name := english(text, kind, in_gazetteer=in_gazetteer):
            labels.append(Literal(name, language="en"))
    return labels
