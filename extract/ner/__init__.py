"""Named-entity recognition (PER/LOC/ORG): a character CRF trained on the shared MSRA corpus.

``NerRecogniser`` is the extraction pipeline component (name "ner"); ``tag_texts`` is the
lower-level call behind ``jiyi ner``. The model ships in ``model/`` and is rebuilt by
``python -m jiyi.extract.ner.train``. Users' dictionaries (jieba format ``word freq tag``,
tags nr/ns/nt) join both jieba's segmentation and the CRF's lexicon features, and —
unless ``dictionary_wins=False`` — their entries also override overlapping model spans.
"""

from __future__ import annotations

from pathlib import Path

from jiyi.model import TEXT_FIELDS, EntityType, Mention, Record

from .model import MODEL_DIR, Span, Tagger

BUNDLED_DICTIONARY = Path(__file__).resolve().parent.parent / "dictionaries" / "archives.txt"

__all__ = ["NerRecogniser", "Tagger", "MODEL_DIR"]


class NerRecogniser:
    """Pipeline component: PER/LOC/ORG mentions in a record's title, abstract and text."""

    name = "ner"

    def __init__(self, *, dictionaries: list[Path] = (), model_dir: Path = MODEL_DIR,
                 dictionary_wins: bool = True, bundled_dictionary: bool = True):
        paths = [BUNDLED_DICTIONARY] if bundled_dictionary and BUNDLED_DICTIONARY.exists() else []
        paths += [Path(p) for p in dictionaries]
        self.tagger = Tagger(model_dir, dictionaries=paths, dictionary_wins=dictionary_wins)

    def tag_texts(self, texts: list[str]) -> list[list[Span]]:
        """Per text, entities as (start, end, type, confidence); end is exclusive."""
        return self.tagger.tag_texts(texts)

    def __call__(self, record: Record) -> list[Mention]:
        texts = [getattr(record, f) or "" for f in TEXT_FIELDS]
        mentions = []
        for field_name, text, found in zip(TEXT_FIELDS, texts, self.tag_texts(texts)):
            for start, end, typ, confidence in found:
                from_dictionary = confidence >= 1.0 and text[start:end] in self.tagger.user_words
                mentions.append(Mention(
                    record_id=record.id, start=start, end=end, text=text[start:end],
                    type=EntityType(typ), method="dictionary" if from_dictionary else "crf",
                    confidence=0.95 if from_dictionary else confidence, field=field_name))
        return mentions
