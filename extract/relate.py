"""Relations between entities, from the catalogue and from sentences, each with its evidence span.

- created      (agent → record)   the catalogue's 责任者 column names a known entity
- participatedIn (person → event) both named in one sentence
- tookPlaceAt  (event → place)    the place in the event's name (遵义会议 → 遵义), else the nearest in its sentence
- tookPlaceOn  (event → date)     the nearest date in its sentence (events.event_context decides both;
                                  after 七七事变后 the rest of the sentence is not the event's date or place)
- memberOf     (person → organisation) "中共中央政治局委员张闻天": a body, a post, a person, adjacent

A mention itself is the record → entity relation; it is not repeated here.
Sentence co-occurrence is weak evidence, so it gets a low confidence a curator can raise.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from jiyi.model import Assertion, Entity, EntityType, Mention, Record

from jiyi.dates import DateError, parse_date

from .events import SENTENCE_END, event_context

POST = re.compile(r"^(?:常委|常务委员|委员|主席|副主席|总书记|书记|总司令|副总司令|司令员|司令|政治委员|政委|"
                  r"军长|师长|团长|部长|主任|秘书长|总理|代表|负责人|领导人)?$")
CO_OCCURRENCE = {(EntityType.PER, EntityType.EVENT): "participatedIn"}
SENTENCE_CONFIDENCE = 0.5
CONTEXT_CONFIDENCE = 0.6
MEMBER_CONFIDENCE = 0.7


def relate(records: Iterable[Record], mentions: list[Mention], entities: list[Entity]) -> list[Assertion]:
    """Every record's relations, from all the mentions at once (the extract stage uses `Relations`)."""
    by_record: dict[str, list[Mention]] = {}
    for mention in mentions:
        by_record.setdefault(mention.record_id, []).append(mention)
    finder = Relations(entities)
    return [a for record in records for a in finder.of_record(record, by_record.get(record.id, []))]


class Relations:
    """Finds one record's relations at a time; holds only the names of the entities."""

    def __init__(self, entities: Iterable[Entity]):
        self.by_name: dict[str, Entity] = {}
        # A place named only inside an event's name (遵义 in 遵义会议) has no mention of its own.
        self.places: dict[str, str] = {}
        for entity in entities:
            if entity.type in (EntityType.PER, EntityType.ORG):
                self.by_name.update((name, entity) for name in [entity.label, *entity.aliases])
            elif entity.type is EntityType.LOC:
                self.places.update((name, entity.id) for name in [entity.label, *entity.aliases])

    def of_record(self, record: Record, found: list[Mention]) -> list[Assertion]:
        """The relations `record` states, given its mentions (resolved, curated)."""
        assertions = creators(record, self.by_name)
        for field_name in sorted({m.field for m in found}):
            in_field = sorted((m for m in found if m.field == field_name and m.entity_id), key=lambda m: m.start)
            text = getattr(record, field_name)
            for sentence in sentences(text, in_field):
                assertions += co_occurrences(sentence) + memberships(sentence, text)
            assertions += event_settings(record, in_field, self.places)
        return assertions


def event_settings(record: Record, in_field: list[Mention], places: dict[str, str]) -> list[Assertion]:
    """tookPlaceAt and tookPlaceOn of each event mention, from the date and place events.event_context reads."""
    assertions = []
    for event in (m for m in in_field if m.type is EntityType.EVENT):
        date, place = event_context(record, event, in_field)
        when = next((m for m in in_field if m.type is EntityType.TIME and _iso(m) == date), None) if date else None
        where = next((m for m in in_field if m.type is EntityType.LOC and m.text == place), None) if place else None
        place_id = where.entity_id if where else places.get(place, "")
        for predicate, other, other_id in (("tookPlaceOn", when, when.entity_id if when else ""),
                                           ("tookPlaceAt", where, place_id)):
            if other_id:
                start = min(event.start, other.start) if other else event.start
                end = max(event.end, other.end) if other else event.end
                assertions.append(Assertion(event.entity_id, predicate, other_id, record.id, "event-context",
                                            CONTEXT_CONFIDENCE, event.field, start, end))
    return assertions


def _iso(mention: Mention) -> str:
    try:
        return mention.norm or parse_date(mention.text)
    except DateError:
        return ""


def creators(record: Record, by_name: dict[str, Entity]) -> list[Assertion]:
    names = [n.strip() for n in re.split(r"[、;；,，]", record.creator) if n.strip()]
    return [Assertion(by_name[n].id, "created", record.id, record.id, "catalogue", 1.0, "creator",
                      record.creator.find(n), record.creator.find(n) + len(n)) for n in names if n in by_name]


def sentences(text: str, mentions: list[Mention]) -> list[list[Mention]]:
    """Mentions grouped by the sentence they stand in (mentions are sorted by start)."""
    ends = [m.end() for m in SENTENCE_END.finditer(text)] + [len(text) + 1]
    groups: list[list[Mention]] = [[] for _ in ends]
    index = 0
    for mention in mentions:
        while mention.start >= ends[index]:
            index += 1
        groups[index].append(mention)
    return [g for g in groups if len(g) > 1]


def co_occurrences(sentence: list[Mention]) -> list[Assertion]:
    assertions, seen = [], set()
    for a in sentence:
        for b in sentence:
            predicate = CO_OCCURRENCE.get((a.type, b.type))
            if predicate and (a.entity_id, predicate, b.entity_id) not in seen:
                seen.add((a.entity_id, predicate, b.entity_id))
                start, end = min(a.start, b.start), max(a.end, b.end)
                assertions.append(Assertion(a.entity_id, predicate, b.entity_id, a.record_id, "same-sentence",
                                            SENTENCE_CONFIDENCE, a.field, start, end))
    return assertions


def memberships(sentence: list[Mention], text: str) -> list[Assertion]:
    return [Assertion(person.entity_id, "memberOf", body.entity_id, body.record_id, "post-pattern", MEMBER_CONFIDENCE,
                      body.field, body.start, person.end)
            for body, person in zip(sentence, sentence[1:])
            if body.type is EntityType.ORG and person.type is EntityType.PER
            and POST.match(text[body.end:person.start])]
