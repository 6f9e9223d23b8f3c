"""Records and their extracted entities → search documents: fields to show, facets, and tokens to match.

Tokens are made the same way for a document and for a query, so they meet in the index:
the text is folded (traditional → simplified, full-width → half-width, lower case; the
project's `normalise_text`, which keeps offsets), cut by jieba in search mode (the words
of the precise cut plus the shorter dictionary words inside them: 中华人民共和国 also gives
中华, 人民, 共和国, so a two-character word is always a token of its own), and each token's
toneless pinyin is indexed beside it (长征 → changzheng).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from jiyi.extract.normalise import normalise_text
from jiyi.model import Entity, EntityType, Record
from jiyi.scratch import ScratchTable

# 文种 (document type) guessed from the last word of a title, longest ending first. A catalogue
# column 文种 or 类型 (kept in Record.extra) wins over the guess; no match gives "其他".
TYPE_BY_TITLE_ENDING = [
    ("实施条例", "条例"), ("条例", "条例"), ("办法", "办法"), ("法大纲", "法律"), ("土地法", "法律"), ("档案法", "法律"),
    ("宣言", "宣言"), ("决议案", "决议"), ("决议", "决议"), ("决定", "决定"), ("纲领", "纲领"), ("大纲", "纲领"),
    ("文电", "电报"), ("通电", "电报"), ("电报", "电报"), ("指示信", "指示"), ("指示", "指示"), ("命令", "命令"),
    ("报告", "报告"), ("讲话", "讲话"), ("题词", "题词"), ("家书", "书信"), ("遗书", "书信"), ("同志书", "书信"),
    ("党员书", "书信"), ("手稿", "手稿"), ("史料", "史料"), ("材料", "史料"), ("文件", "文件"), ("提纲", "提纲"),
    ("纪要", "纪要"), ("公告", "公告"), ("口号", "口号"), ("党章", "章程"), ("章程", "章程"), ("档案", "档案"),
    ("文献", "档案"), ("图档", "档案"),
]
TYPE_COLUMNS = ("文种", "类型")
FACET_TYPES = {EntityType.PER: "persons", EntityType.LOC: "places", EntityType.ORG: "organisations"}
UNKNOWN_DATE_KEY = 99_999_999  # sorts after every real date, so undated records come last
_PUNCTUATION = re.compile(r"^[\W_]+$")
_ASCII_WORD = re.compile(r"^[a-z0-9]+$")


@dataclass
class SearchDocument:
    """One record as the index holds it: shown fields, facet values, tokens."""

    id: str
    title: str
    text: str  # abstract and full text, shown as a snippet
    date: str  # as the record has it (EDTF), "" when unknown
    year: int | None
    date_key: int  # YYYYMMDD for sorting (a year alone is YYYY0101)
    record_set: str
    fonds: str
    type: str
    access: str  # open, restricted, unreviewed
    persons: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    organisations: list[str] = field(default_factory=list)
    title_tokens: list[str] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)  # of title, creator, abstract, text and entity names
    pinyin: list[str] = field(default_factory=list)  # toneless pinyin of every Chinese token, once each


class Tokenizer:
    """jieba (the rjieba port, its own dictionary, no HMM) over folded text, and pinyin of the tokens.

    No HMM and no user dictionary: the cut of a query must be the cut its words got inside
    the documents, and HMM's guesses at unknown words depend on the characters around them.
    """

    def __init__(self) -> None:
        import rjieba

        self.jieba = rjieba.Jieba()
        self._pinyin: dict[str, str] = {}
        self._is_word: dict[str, bool] = {}  # token → not space or punctuation; the vocabulary is small, the calls many

    def fold(self, text: str) -> str:
        return fold(text)

    def index_tokens(self, text: str) -> list[str]:
        """Search-mode tokens of the folded text: every precise-cut word and the dictionary words inside it."""
        return self._words(self.jieba.cut_for_search(fold(text), False))

    def query_words(self, term: str) -> list[str]:
        """The precise cut of one query term (a query is short: its longest words, which the index also holds)."""
        return self._words(self.jieba.cut(fold(term), False))

    def _words(self, tokens: list[str]) -> list[str]:
        is_word, words = self._is_word, []
        for token in tokens:
            keep = is_word.get(token)
            if keep is None:
                keep = is_word[token] = not token.isspace() and not _PUNCTUATION.match(token)
            if keep:
                words.append(token)
        return words

    def pinyin_words(self, tokens: list[str]) -> list[str]:
        """The pinyin of each distinct Chinese token, once each."""
        return [p for p in map(self.pinyin, dict.fromkeys(tokens)) if p]

    def pinyin(self, token: str) -> str:
        """Toneless pinyin of a token with Chinese characters (长征 → changzheng); "" for other tokens."""
        known = self._pinyin.get(token)
        if known is None:
            known = self._pinyin[token] = _pinyin_of(token) if not _ASCII_WORD.match(token) else ""
        return known


def fold(text: str) -> str:
    """Text as it is matched: normalised and lower-cased, at the same length (hence the same offsets)."""
    folded = normalise_text(text)
    lowered = folded.lower()
    return lowered if len(lowered) == len(folded) else folded  # a few letters lower-case to two


def _pinyin_of(token: str) -> str:
    from pypinyin import Style, lazy_pinyin

    syllables = lazy_pinyin(token, style=Style.NORMAL, errors="ignore")
    return "".join(syllables) if len(syllables) == len(token) else ""  # only all-Chinese tokens


class RecordLabels:
    """The labels of each record's people, places and bodies, looked up by record id.

    Kept on disk (jiyi.scratch.ScratchTable), not in a dict: at 10^6 records the entities'
    record ids alone are millions of strings. Filled from `entities` in their order.
    """

    def __init__(self, entities: Iterable[Entity]):
        self._table = ScratchTable()
        for entity in entities:
            facet = FACET_TYPES.get(entity.type)
            if facet is not None:
                self._table.add_many((record_id, f"{facet}\t{entity.label}") for record_id in entity.record_ids)

    def of(self, record_id: str) -> dict[str, list[str]]:
        """{"persons": [...], "places": [...], "organisations": [...]}: labels in the entities' order, once each."""
        labels: dict[str, list[str]] = {}
        for row in self._table.of(record_id):
            facet, label = row.split("\t", 1)
            found = labels.setdefault(facet, [])
            if label not in found:
                found.append(label)
        return labels

    def close(self) -> None:
        self._table.close()

    def __enter__(self) -> RecordLabels:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def document_type(record: Record) -> str:
    for column in TYPE_COLUMNS:
        if record.extra.get(column, "").strip():
            return record.extra[column].strip()
    title = re.sub(r"[（(][^）)]*[）)]$", "", record.title.strip())  # 中国共产党党章（1945年） → …党章
    for ending, kind in TYPE_BY_TITLE_ENDING:
        if title.endswith(ending):
            return kind
    return "其他"


def date_fields(date: str) -> tuple[int | None, int]:
    """(year, sort key) of an EDTF date; a range or interval counts from its start."""
    match = re.match(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", date or "")
    if not match:
        return None, UNKNOWN_DATE_KEY
    year, month, day = int(match.group(1)), int(match.group(2) or 1), int(match.group(3) or 1)
    return year, year * 10_000 + month * 100 + day


def make_document(record: Record, entity_labels: dict[str, list[str]], tokenizer: Tokenizer) -> SearchDocument:
    year, date_key = date_fields(record.date)
    text = "\n".join(part for part in (record.abstract, record.text) if part)
    names = [name for facet in FACET_TYPES.values() for name in entity_labels.get(facet, [])]
    # Entity names join the tokens whole, so a name jieba cuts apart (张闻天 → 张/闻天) still matches as one word.
    title_tokens = tokenizer.index_tokens(record.title)
    tokens = title_tokens + tokenizer.index_tokens(record.creator + "\n" + text) + [fold(n).replace(" ", "") for n in names]
    pinyin = tokenizer.pinyin_words(tokens)
    return SearchDocument(
        id=record.id, title=record.title, text=text, date=record.date, year=year, date_key=date_key,
        record_set=record.record_set, fonds=record.fonds, type=document_type(record), access=record.access.value,
        persons=entity_labels.get("persons", []), places=entity_labels.get("places", []),
        organisations=entity_labels.get("organisations", []),
        title_tokens=title_tokens, tokens=tokens, pinyin=pinyin,
    )
