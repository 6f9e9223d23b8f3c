"""The extraction pipeline: named components run in order over each Record."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Callable, Protocol

from jiyi.model import Mention, Record

from .dates import DateFinder
from .events import EventFinder
from .ner import NerRecogniser
from .normalise import normalise_text
from .recognise import FIELDS, JiebaRecogniser


class Component(Protocol):
    name: str

    def __call__(self, record: Record) -> list[Mention]: ...


# Components by name. A later component's mention loses to an earlier one it overlaps
# only when it is shorter, so order matters less than span length (see resolve_overlaps).
REGISTRY: dict[str, Callable[..., Component]] = {
    "dates": lambda **settings: DateFinder(),
    "recognise": lambda **settings: JiebaRecogniser(dictionaries=settings["dictionaries"]),
    "events": lambda **settings: EventFinder(dictionaries=settings["dictionaries"]),
    "ner": lambda **settings: NerRecogniser(dictionaries=settings["dictionaries"]),
}
# "recognise" (jieba's tags) stays registered as the baseline the NER model is measured against.
DEFAULT_PIPELINE = ["dates", "events", "ner"]


def make_pipeline(names: list[str], *, dictionaries: list[Path]) -> list[Component]:
    return [REGISTRY[name](dictionaries=dictionaries) for name in names]


def extract(record: Record, components: list[Component]) -> list[Mention]:
    """Components read a normalised copy (simplified, half-width, same length), so offsets
    hold for the original, whose exact spelling each mention then quotes."""
    view = replace(record, **{name: normalise_text(getattr(record, name)) for name in FIELDS})
    found = [mention for component in components for mention in component(view)]
    for mention in found:
        mention.text = getattr(record, mention.field)[mention.start:mention.end]
    return resolve_overlaps(found)


def resolve_overlaps(mentions: list[Mention]) -> list[Mention]:
    """Keep, per field, the longest (then most confident) of any overlapping spans."""
    ranked = sorted(mentions, key=lambda m: (m.field, -(m.end - m.start), -m.confidence, m.start))
    kept: list[Mention] = []
    taken: dict[str, list[tuple[int, int]]] = {}
    for mention in ranked:
        spans = taken.setdefault(mention.field, [])
        if any(mention.start < end and start < mention.end for start, end in spans):
            continue
        spans.append((mention.start, mention.end))
        kept.append(mention)
    return sorted(kept, key=lambda m: (m.field, m.start))
