"""The extraction pipeline: named components run in order over each Record."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Protocol

from jiyi.model import Entity, Mention, Record, entity_key

from .dates import DateFinder
from .recognise import JiebaRecogniser


class Component(Protocol):
    name: str

    def __call__(self, record: Record) -> list[Mention]: ...


# Components by name. A later component's mention loses to an earlier one it overlaps
# only when it is shorter, so order matters less than span length (see resolve_overlaps).
REGISTRY: dict[str, Callable[..., Component]] = {
    "dates": lambda **settings: DateFinder(),
    "recognise": lambda **settings: JiebaRecogniser(dictionaries=settings["dictionaries"]),
}
DEFAULT_PIPELINE = ["dates", "recognise"]


def make_pipeline(names: list[str], *, dictionaries: list[Path]) -> list[Component]:
    return [REGISTRY[name](dictionaries=dictionaries) for name in names]


def extract(record: Record, components: list[Component]) -> list[Mention]:
    found = [mention for component in components for mention in component(record)]
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


def merge_entities(mentions: list[Mention]) -> list[Entity]:
    """One Entity per (type, label), listing the records that mention it."""
    entities: dict[str, Entity] = {}
    for mention in mentions:
        key = entity_key(mention.type, mention.text)
        mention.entity_id = key
        entity = entities.setdefault(key, Entity(id=key, type=mention.type, label=mention.text))
        if mention.record_id not in entity.record_ids:
            entity.record_ids.append(mention.record_id)
    return list(entities.values())
