"""Curators' decisions — accept, reject, merge, split, rename, add — kept in curation/decisions.tsv.

The file is plain text a curator can read and edit, one decision a line, applied in
order on every build after extraction, so a re-run gives the curated result and
extraction never overwrites it:

    action  target           value            records        note
    reject  PER:宣传教育
    merge   PER:润之         PER:毛泽东
    rename  ORG:中共中央      中国共产党中央委员会
    split   PER:李德         李德（奥托·布劳恩）  RA-1935-001
    add     LOC:泸定桥                        RA-1935-010
    accept  PER:毛泽东

A target is TYPE:label (or an entity id); `records` narrows a decision to some records.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from jiyi.model import Entity, EntityType, Mention, Problem, Record, SourceRef, atomic_writer, entity_key

COLUMNS = ["action", "target", "value", "records", "note"]
ACTIONS = {"accept", "reject", "merge", "split", "rename", "add"}
CURATED = "curated"  # the method of mentions a curator added, and the mark of accepted entities


@dataclass
class Decision:
    action: str
    target: str
    value: str = ""
    records: str = ""  # comma-separated record ids; empty means all records
    note: str = ""
    line: int = 0

    @property
    def record_ids(self) -> set[str]:
        return {r.strip() for r in self.records.split(",") if r.strip()}


def parse_target(target: str) -> tuple[EntityType | None, str]:
    """`PER:毛泽东` → (PER, 毛泽东); a bare label or id → (None, text)."""
    kind, sep, label = target.partition(":")
    if sep and kind.upper() in EntityType.__members__:
        return EntityType[kind.upper()], label.strip()
    return None, target.strip()


def read_decisions(path: Path) -> tuple[list[Decision], list[Problem]]:
    if not path.is_file():
        return [], []
    decisions, problems = [], []
    rows = csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig")), delimiter="\t")
    for line, row in enumerate(rows, start=1):
        if not row or row[0].startswith("#") or (line == 1 and row[0] == "action"):
            continue
        where = SourceRef(f"curation/{path.name}", line)
        cells = [c.strip() for c in row] + [""] * (len(COLUMNS) - len(row))
        decision = Decision(*cells[: len(COLUMNS)], line=line)
        problem = check_decision(decision, where)
        if problem:
            problems.append(problem)
        else:
            decisions.append(decision)
    return decisions, problems


def check_decision(decision: Decision, where: SourceRef) -> Problem | None:
    """What is malformed about a decision before any entity is looked at, or None."""
    if decision.action not in ACTIONS:
        return Problem("E601", where, f"unknown action {decision.action!r}", f"use one of {', '.join(sorted(ACTIONS))}")
    if decision.action in ("merge", "rename", "split") and not decision.value:
        return Problem("E602", where, f"{decision.action} needs a value (the other entity or the new name)",
                       "fill the value column")
    if decision.action == "split" and not decision.record_ids:
        return Problem("E602", where, "split needs the records whose mentions are the other referent",
                       "fill the records column")
    if decision.action == "add" and (parse_target(decision.target)[0] is None or not decision.record_ids):
        return Problem("E603", where, "add needs TYPE:text as target and the records to look in",
                       "e.g. add  LOC:泸定桥  (empty)  RA-1935-010")
    return None


def write_decision(path: Path, decision: Decision) -> None:
    """Append one decision, rewriting the file atomically so a crash never leaves half a line."""
    old = path.read_text(encoding="utf-8") if path.is_file() else "\t".join(COLUMNS) + "\n"
    line = "\t".join([decision.action, decision.target, decision.value, decision.records, decision.note])
    with atomic_writer(path) as out:
        out.write(old if old.endswith("\n") else old + "\n")
        out.write(line + "\n")


class Curation:
    """Applies decisions to the extracted mentions and entities, in file order."""

    def __init__(self, mentions: list[Mention], entities: list[Entity], records: dict[str, Record]):
        self.mentions = mentions
        self.entities = {e.id: e for e in entities}
        self.records = records
        self.accepted: set[str] = set()

    def find(self, target: str) -> Entity | None:
        if target in self.entities:
            return self.entities[target]
        kind, label = parse_target(target)
        for entity in self.entities.values():
            if (kind is None or entity.type is kind) and (entity.label == label or label in entity.aliases):
                return entity
        return None

    def apply(self, decisions: list[Decision], source: str) -> list[Problem]:
        problems = []
        for decision in decisions:
            handler = getattr(self, f"_{decision.action}")
            trouble = handler(decision)
            if trouble:
                problems.append(Problem("W604", SourceRef(source, decision.line), trouble,
                                        "fix or remove the decision; the rest are applied", dropped=False))
        self._recount()
        return problems

    def _mentions_of(self, entity: Entity, decision: Decision) -> list[Mention]:
        scope = decision.record_ids
        return [m for m in self.mentions if m.entity_id == entity.id and (not scope or m.record_id in scope)]

    def _accept(self, decision: Decision) -> str | None:
        entity = self.find(decision.target)
        if entity is None:
            return f"{decision.target} matches no entity"
        for mention in self._mentions_of(entity, decision):
            mention.confidence = 1.0
        self.accepted.add(entity.id)
        return None

    def _reject(self, decision: Decision) -> str | None:
        entity = self.find(decision.target)
        if entity is None:
            return f"{decision.target} matches no entity"
        doomed = {id(m) for m in self._mentions_of(entity, decision)}
        self.mentions = [m for m in self.mentions if id(m) not in doomed]
        return None

    def _merge(self, decision: Decision) -> str | None:
        source, target = self.find(decision.target), self.find(decision.value)
        if source is None or target is None:
            return f"merge needs two known entities: {decision.target} → {decision.value}"
        if source.id == target.id:
            return None
        for mention in self._mentions_of(source, decision):
            mention.entity_id = target.id
        target.aliases = sorted({*target.aliases, source.label, *source.aliases} - {target.label})
        if not decision.record_ids:
            del self.entities[source.id]
        return None

    def _rename(self, decision: Decision) -> str | None:
        entity = self.find(decision.target)
        if entity is None:
            return f"{decision.target} matches no entity"
        # the id stays: URIs published before the rename keep working
        entity.aliases = sorted({*entity.aliases, entity.label} - {decision.value})
        entity.label = decision.value
        return None

    def _split(self, decision: Decision) -> str | None:
        entity = self.find(decision.target)
        if entity is None or not decision.record_ids:
            return f"split needs a known entity and the records to move: {decision.target}"
        new = Entity(id=entity_key(entity.type, decision.value), type=entity.type, label=decision.value)
        self.entities.setdefault(new.id, new)
        for mention in self._mentions_of(entity, decision):
            mention.entity_id = new.id
        return None

    def _add(self, decision: Decision) -> str | None:
        kind, text = parse_target(decision.target)
        entity = self.find(decision.target) or Entity(id=entity_key(kind, text), type=kind, label=text)
        self.entities.setdefault(entity.id, entity)
        self.accepted.add(entity.id)
        found = 0
        for record_id in decision.record_ids:
            record = self.records.get(record_id)
            if record is None:
                return f"record {record_id} does not exist"
            for field_name in ("title", "abstract", "text"):
                value, start = getattr(record, field_name), 0
                while (start := value.find(text, start)) >= 0:
                    end = start + len(text)
                    # what overlaps the curator's span was found wrongly (or found right): theirs replaces it
                    self.mentions = [m for m in self.mentions if not (
                        m.record_id == record_id and m.field == field_name and m.start < end and start < m.end)]
                    self.mentions.append(Mention(record_id, start, end, text, kind, CURATED, 1.0, field_name,
                                                 entity_id=entity.id))
                    found += 1
                    start = end
        return None if found else f"{text} does not occur in {decision.records}"

    def _recount(self) -> None:
        """Entities keep the records that still mention them; those no mention is left for go."""
        # A dict per entity keeps first-seen order with set-speed membership: a list's `in` made this
        # quadratic, and a person named in 61,000 of 100,000 records kept a build here for over half an hour.
        by_entity: dict[str, dict[str, None]] = {}
        for mention in self.mentions:
            by_entity.setdefault(mention.entity_id, {})[mention.record_id] = None
        for entity_id in list(self.entities):
            if entity_id in by_entity:
                self.entities[entity_id].record_ids = list(by_entity[entity_id])
            else:
                del self.entities[entity_id]


def apply_curation(path: Path, mentions: list[Mention], entities: list[Entity],
                   records: dict[str, Record]) -> tuple[list[Mention], list[Entity], list[Problem]]:
    decisions, problems = read_decisions(path)
    curation = Curation(mentions, entities, records)
    problems += curation.apply(decisions, f"curation/{path.name}")
    return curation.mentions, list(curation.entities.values()), problems
