"""The extraction pipeline: named components run in order over each Record."""

from __future__ import annotations

import bisect
from dataclasses import replace
from pathlib import Path
from typing import Callable, Protocol

from jiyi.model import TEXT_FIELDS, Mention, Record

from .dates import DateFinder
from .events import EventFinder
from .ner import NerRecogniser
from .normalise import normalise_text
from .recognise import JiebaRecogniser


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
    view = replace(record, **{name: normalise_text(getattr(record, name)) for name in TEXT_FIELDS})
    found = [mention for component in components for mention in component(view)]
    for mention in found:
        mention.text = getattr(record, mention.field)[mention.start:mention.end]
    return resolve_overlaps(found)


def resolve_overlaps(mentions: list[Mention]) -> list[Mention]:
    """Keep, per field, the longest (then most confident) of any overlapping spans.

    Kept spans never overlap, so sorted by start their ends are sorted too: a candidate is
    checked against its two neighbours found by bisection, keeping a 10 MB line linear-ish.
    """
    ranked = sorted(mentions, key=lambda m: (m.field, -(m.end - m.start), -m.confidence, m.start))
    kept: list[Mention] = []
    starts: dict[str, list[int]] = {}
    ends: dict[str, list[int]] = {}
    for mention in ranked:
        field_starts, field_ends = starts.setdefault(mention.field, []), ends.setdefault(mention.field, [])
        index = bisect.bisect_right(field_starts, mention.start)
        overlaps_before = index > 0 and field_ends[index - 1] > mention.start
        overlaps_after = index < len(field_starts) and field_starts[index] < mention.end
        if overlaps_before or overlaps_after:
            continue
        field_starts.insert(index, mention.start)
        field_ends.insert(index, mention.end)
        kept.append(mention)
    return sorted(kept, key=lambda m: (m.field, m.start))
