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
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from jiyi.model import Entity, EntityType, Mention, Problem, Record, SourceRef, atomic_writer, entity_key

COLUMNS = ["action", "target", "value", "records", "note"]
ACTIONS = {"accept", "reject", "merge", "split", "rename", "add"}
CURATED = "curated"  # the method of mentions a curator added


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


@dataclass
class MentionChange:
    """What one decision does to mentions, its entities already found: applied to each record's
    mentions in turn, in the order of the decisions, so later decisions see earlier ones' effects."""

    action: str  # "accept", "reject", "retarget" (merge, split) or "add"
    entity_id: str  # whose mentions; for "add", the entity the new mentions name
    record_ids: set[str]  # the records it is limited to; empty means all records
    new_entity_id: str = ""  # "retarget": the entity the mentions now name
    kind: EntityType | None = None  # "add": the type and text of the mentions to add
    text: str = ""
    line: int = 0  # "add": the decision's line, for the problems only known once the records are read
    records_seen: set[str] = field(default_factory=set)  # "add": which of its records exist (were read)
    occurrences: int = 0  # "add": how many mentions it added

    def applies_to(self, record_id: str) -> bool:
        return not self.record_ids or record_id in self.record_ids


class Curation:
    """Applies decisions in file order: first to the entities (`apply`), then to each record's
    mentions as the extract stage reads them (`curate_record`), so no stage holds every mention.

    Which records each entity keeps is decided by the stage afterwards, from the curated
    mentions; an entity no mention is left for goes.
    """

    def __init__(self, entities: Iterable[Entity]):
        self.entities = {e.id: e for e in entities}
        self.changes: list[MentionChange] = []
        self.source = ""  # the decisions file, as problems name it

    def find(self, target: str) -> Entity | None:
        if target in self.entities:
            return self.entities[target]
        kind, label = parse_target(target)
        for entity in self.entities.values():
            if (kind is None or entity.type is kind) and (entity.label == label or label in entity.aliases):
                return entity
        return None

    def apply(self, decisions: list[Decision], source: str) -> list[Problem]:
        """Decide what each decision changes; the problems of decisions that cannot be applied."""
        self.source = source
        problems = []
        for decision in decisions:
            trouble = getattr(self, f"_{decision.action}")(decision)
            if trouble:
                problems.append(self._problem(decision.line, trouble))
        return problems

    def curate_record(self, record: Record, mentions: list[Mention]) -> list[Mention]:
        """One record's resolved mentions, with every decision that concerns the record applied."""
        for change in self.changes:
            if not change.applies_to(record.id):
                continue
            if change.action == "add":
                mentions = self._add_mentions(change, record, mentions)
                continue
            if change.action == "reject":
                mentions = [m for m in mentions if m.entity_id != change.entity_id]
                continue
            for mention in (m for m in mentions if m.entity_id == change.entity_id):
                if change.action == "accept":
                    mention.confidence = 1.0
                else:  # retarget
                    mention.entity_id = change.new_entity_id
        return mentions

    def add_problems(self) -> list[Problem]:
        """What the `add` decisions could not do, known once every record has been curated."""
        problems = []
        for change in (c for c in self.changes if c.action == "add"):
            missing = sorted(change.record_ids - change.records_seen)
            if missing:
                problems.append(self._problem(change.line, f"record {', '.join(missing)} does not exist"))
            elif not change.occurrences:
                problems.append(self._problem(change.line, f"{change.text} does not occur in {', '.join(sorted(change.record_ids))}"))
        return problems

    def _problem(self, line: int, trouble: str) -> Problem:
        return Problem("W604", SourceRef(self.source, line), trouble, "fix or remove the decision; the rest are applied",
                       dropped=False)

    def _accept(self, decision: Decision) -> str | None:
        entity = self.find(decision.target)
        if entity is None:
            return f"{decision.target} matches no entity"
        self.changes.append(MentionChange("accept", entity.id, decision.record_ids))
        return None

    def _reject(self, decision: Decision) -> str | None:
        entity = self.find(decision.target)
        if entity is None:
            return f"{decision.target} matches no entity"
        self.changes.append(MentionChange("reject", entity.id, decision.record_ids))
        return None

    def _merge(self, decision: Decision) -> str | None:
        source, target = self.find(decision.target), self.find(decision.value)
        if source is None or target is None:
            return f"merge needs two known entities: {decision.target} → {decision.value}"
        if source.id == target.id:
            return None
        self.changes.append(MentionChange("retarget", source.id, decision.record_ids, new_entity_id=target.id))
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
        self.changes.append(MentionChange("retarget", entity.id, decision.record_ids, new_entity_id=new.id))
        return None

    def _add(self, decision: Decision) -> str | None:
        kind, text = parse_target(decision.target)
        entity = self.find(decision.target) or Entity(id=entity_key(kind, text), type=kind, label=text)
        self.entities.setdefault(entity.id, entity)
        self.changes.append(MentionChange("add", entity.id, decision.record_ids, kind=kind, text=text, line=decision.line))
        return None  # whether the records exist and hold the text is known as they are read

    @staticmethod
    def _add_mentions(change: MentionChange, record: Record, mentions: list[Mention]) -> list[Mention]:
        change.records_seen.add(record.id)
        for field_name in ("title", "abstract", "text"):
            value, start = getattr(record, field_name), 0
            while (start := value.find(change.text, start)) >= 0:
                end = start + len(change.text)
                # what overlaps the curator's span was found wrongly (or found right): theirs replaces it
                mentions = [m for m in mentions if not (m.field == field_name and m.start < end and start < m.end)]
                mentions.append(Mention(record.id, start, end, change.text, change.kind, CURATED, 1.0, field_name,
                                        entity_id=change.entity_id))
                change.occurrences += 1
                start = end
        return mentions
