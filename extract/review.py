"""What a curator should look at next: uncertain and new entities, and pairs that may be one referent.

The app's review page shows these; its buttons write ordinary decisions to
curation/decisions.tsv (extract/curation.py), which the next build applies.

    uncertain   every mention of the entity was found with confidence below the threshold
                (a model guess, an ambiguous place), or extraction left a note on it
    new         no curator has decided anything about it yet
    merge pair  two entities of one type whose names share a reading (same pinyin without
                tones: 伍豪 / 吴豪) or where one name holds the other (张闻天 / 闻天)
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

from pypinyin import lazy_pinyin

from jiyi.model import Entity, EntityType, Mention

from .curation import Decision, parse_target

UNCERTAIN_BELOW = 0.8
MERGE_TYPES = (EntityType.PER, EntityType.ORG, EntityType.LOC, EntityType.EVENT)  # dates are normalised, not merged


@dataclass
class QueueItem:
    entity: Entity
    confidence: float  # the best of its mentions
    mentions: int
    methods: list[str]
    reasons: list[str]  # "uncertain", "note", "new"


@dataclass
class MergePair:
    first: Entity
    second: Entity
    reason: str  # "same reading" or "one name holds the other"


def target(entity: Entity) -> str:
    return f"{entity.type.value}:{entity.label}"


def decided_targets(decisions: list[Decision], entities: list[Entity]) -> set[str]:
    """Entity ids some decision names, by id or by TYPE:label (as target, or as a merge's value)."""
    by_target = {target(e): e.id for e in entities} | {e.id: e.id for e in entities}
    named = set()
    for decision in decisions:
        for text in (decision.target, decision.value if decision.action == "merge" else ""):
            kind, label = parse_target(text)
            key = f"{kind.value}:{label}" if kind else label
            if key in by_target:
                named.add(by_target[key])
    return named


def review_queue(entities: list[Entity], mentions: list[Mention], decisions: list[Decision],
                 threshold: float = UNCERTAIN_BELOW) -> list[QueueItem]:
    """Entities no curator has decided on, least certain first; the uncertain ones say why."""
    best: dict[str, float] = {}
    counts: dict[str, int] = {}
    methods: dict[str, set[str]] = {}
    for mention in mentions:
        if mention.entity_id:
            best[mention.entity_id] = max(best.get(mention.entity_id, 0.0), mention.confidence)
            counts[mention.entity_id] = counts.get(mention.entity_id, 0) + 1
            methods.setdefault(mention.entity_id, set()).add(mention.method)
    decided = decided_targets(decisions, entities)
    queue = []
    for entity in entities:
        if entity.id in decided or entity.type is EntityType.TIME:
            continue
        confidence = best.get(entity.id, 0.0)
        reasons = (["uncertain"] if confidence < threshold else []) + (["note"] if entity.note else []) + ["new"]
        queue.append(QueueItem(entity, confidence, counts.get(entity.id, 0), sorted(methods.get(entity.id, ())), reasons))
    queue.sort(key=lambda item: (len(item.reasons) == 1, item.confidence, -item.mentions, item.entity.label))
    return queue


def proposed_merges(entities: list[Entity], decisions: list[Decision], limit: int = 200) -> list[MergePair]:
    """Pairs of undecided entities of one type that may name one referent.

    Found by lookup, not by comparing every pair: names sharing a reading fall in one
    bucket, and each shorter name is looked up among the substrings of the longer ones.
    """
    decided = decided_targets(decisions, entities)
    pairs: list[MergePair] = []
    seen: set[tuple[str, str]] = set()

    def propose(first: Entity, second: Entity, reason: str) -> None:
        key = tuple(sorted((first.id, second.id)))
        if first.id != second.id and key not in seen:
            seen.add(key)
            pairs.append(MergePair(*sorted((first, second), key=lambda e: e.label), reason))

    for kind in MERGE_TYPES:
        group = sorted((e for e in entities if e.type is kind and e.id not in decided), key=lambda e: e.label)
        by_reading: dict[str, list[Entity]] = {}
        by_label = {e.label: e for e in group}
        for entity in group:
            by_reading.setdefault("".join(lazy_pinyin(entity.label)), []).append(entity)
        for same in by_reading.values():
            for first, second in combinations(same, 2):
                propose(first, second, "same reading")
        for entity in group:
            name = entity.label
            for size in range(2, len(name)):
                for start in range(len(name) - size + 1):
                    other = by_label.get(name[start:start + size])
                    if other is not None:
                        propose(other, entity, "one name holds the other")
    return pairs[:limit]
