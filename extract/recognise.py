"""A first recogniser: jieba's part-of-speech tags plus project dictionaries → PER/LOC/ORG/TIME.

A baseline that runs with no model (jieba's tags alone score F1 ≈ 0.54–0.58 on news
text); the NER issue replaces it with a trained model behind the same component name.
"""

from __future__ import annotations

import logging
from pathlib import Path

import jieba

from jiyi.model import TEXT_FIELDS, EntityType, Mention, Record

from .userdict import read_dictionary

# jieba's tags for names. People need nr, nrfg and nrt together (DESIGN.md).
TAG_TYPES = {
    "nr": EntityType.PER, "nrfg": EntityType.PER, "nrt": EntityType.PER,
    "ns": EntityType.LOC,
    "nt": EntityType.ORG,
}
BUNDLED_DICTIONARY = Path(__file__).parent / "dictionaries" / "archives.txt"
SURNAMES_FILE = Path(__file__).parent / "dictionaries" / "surnames.txt"

jieba.setLogLevel(logging.WARNING)  # jieba logs its dictionary loading at INFO


class JiebaRecogniser:
    """Segment with jieba and keep the words tagged as names.

    A word listed in a project dictionary is trusted more (method "dictionary") than
    one jieba guessed from its own model (method "jieba-posseg").
    """

    name = "recognise"

    def __init__(self, *, dictionaries: list[Path]):
        self.tokenizer = jieba.Tokenizer()  # our own, so user words never leak into jieba's global one
        self.dictionary_words: dict[str, str] = {}
        for path in [BUNDLED_DICTIONARY, *dictionaries]:
            for word, _, tag in read_dictionary(path):
                if tag in TAG_TYPES:
                    self.dictionary_words[word] = tag
            self.tokenizer.load_userdict(str(path))
        from jieba import posseg  # here, not at the top: loading its tag table takes 1.3 s, and the
        # default pipeline (and a build whose workers extract) never uses it
        self.tagger = posseg.POSTokenizer(self.tokenizer)
        single, compound = SURNAMES_FILE.read_text(encoding="utf-8").split("\n", 1)
        self.surnames = tuple(compound.split()) + tuple(single.strip())

    def plausible_name(self, word: str) -> bool:
        """jieba tags many verbs and set phrases nr (弘扬, 宣传教育); a guessed name must
        look like one: two to four characters that start with a common surname."""
        return 2 <= len(word) <= 4 and word.startswith(self.surnames)

    def __call__(self, record: Record) -> list[Mention]:
        mentions: list[Mention] = []
        for field_name in TEXT_FIELDS:
            text = getattr(record, field_name)
            offset = 0
            for pair in self.tagger.cut(text):
                word, tag = pair.word, pair.flag
                start, offset = offset, offset + len(word)
                tag = self.dictionary_words.get(word, tag)
                if tag not in TAG_TYPES or len(word) < 2:
                    continue
                from_dictionary = word in self.dictionary_words
                if TAG_TYPES[tag] is EntityType.PER and not from_dictionary and not self.plausible_name(word):
                    continue
                mentions.append(Mention(
                    record_id=record.id, start=start, end=offset, text=word, type=TAG_TYPES[tag],
                    method="dictionary" if from_dictionary else "jieba-posseg",
                    confidence=0.95 if from_dictionary else 0.6, field=field_name,
                ))
        return mentions
