"""Resolution: one Entity per real-world referent across records, with all its surface forms."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from jiyi.dates import DateError, parse_date
from jiyi.model import Entity, EntityType, Mention, Record, entity_key

from .events import EVENTS_FILE, event_context, load_event_dictionary
from .normalise import normalise_text
from .places import Gazetteer, PlaceMatch, default_gazetteer

ALIASES_FILE = Path(__file__).parent / "dictionaries" / "aliases.tsv"
QID = re.compile(r"^Q[1-9][0-9]*$")
SURE_ENOUGH = 0.6  # below this a place is a coin toss between candidates: no coordinates, no merging
DOTS = str.maketrans({"•": "·", "・": "·", "‧": "·", "．": "·"})  # 奥托•布劳恩 and 奥托·布劳恩 are one name

class Resolver:
    """Merge mentions into entities by simplified form, curated aliases and the gazetteer."""

    name = "resolve"

    def __init__(self, *, alias_files: list[Path] = (), gazetteer: Gazetteer | None = None,
                 events_file: Path | None = EVENTS_FILE):
        self.gazetteer = gazetteer or default_gazetteer()
        self._simple: dict[str, str] = {}
        self.preferred: dict[tuple[EntityType, str], str] = {}  # (type, simplified form) → preferred name
        self.curated: dict[tuple[EntityType, str], list[str]] = {}  # (type, preferred) → curated aliases
        self.qids: dict[tuple[EntityType, str], str] = {}
        if events_file is not None:
            groups: dict[str, list[str]] = {}
            for form, name in load_event_dictionary(events_file).items():
                groups.setdefault(name, []).append(form)
            for name, forms in groups.items():
                self.add(EntityType.EVENT, name, [f for f in forms if f != name])
        for path in [ALIASES_FILE, *alias_files]:  # later files extend or override earlier ones
            self.load_aliases(path)

    def simplify(self, text: str) -> str:
        """The simplified form names are compared by (毛澤東 → 毛泽东)."""
        if text not in self._simple:
            clean = re.sub(r"\s+", "", text).translate(DOTS)
            self._simple[text] = normalise_text(clean)
        return self._simple[text]

    def add(self, kind: EntityType, preferred: str, aliases: list[str], qid: str = "") -> None:
        # a line naming a form already curated joins that group (润之<TAB>…<TAB>石三伢子 extends 毛泽东)
        preferred = self.preferred.get((kind, self.simplify(preferred)), self.simplify(preferred))
        group = self.curated.setdefault((kind, preferred), [])
        for form in [preferred, *aliases]:
            self.preferred[(kind, self.simplify(form))] = preferred
            if form != preferred and form not in group:
                group.append(form)
        if qid:
            self.qids[(kind, preferred)] = qid

    def load_aliases(self, path: Path) -> None:
        """Read an alias file: preferred<TAB>type<TAB>aliases (comma-separated)<TAB>QID."""
        for number, line in enumerate(Path(path).read_text(encoding="utf-8-sig").splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            parts = [p.strip() for p in line.split("\t")] + ["", "", ""]
            preferred, kind, aliases, qid = parts[:4]
            try:
                entity_type = EntityType(kind.upper())
            except ValueError:
                raise ValueError(f"E211 {path}:{number}: type {kind!r} is not one of PER, ORG, LOC, EVENT — "
                                 "write preferred name<TAB>type<TAB>aliases<TAB>QID") from None
            if qid and not QID.match(qid):
                raise ValueError(f"E212 {path}:{number}: {qid!r} is not a Wikidata QID — write Q followed by "
                                 "digits, or leave the column empty")
            self.add(entity_type, preferred, [a.strip() for a in re.split(r"[,，、]", aliases) if a.strip()], qid)

    def place_for(self, label: str, record_places: list[str]) -> PlaceMatch:
        """Resolve a place in the light of the other places its record names."""
        others = [name for name in record_places if name != label]  # 河南 is no context for itself
        provinces = [p for p in (self.gazetteer.province(name) for name in others) if p]
        return self.gazetteer.resolve_place(label, context_province=provinces[0] if provinces else None,
                                            context=tuple(others))

    def resolve(self, mentions: list[Mention], records: dict[str, Record]) -> tuple[list[Entity], list[Mention]]:
        """Entities (one per referent) and the mentions with `entity_id` set to their entity's id.

        TIME mentions keep (or get) their ISO/EDTF date in `norm`; their entity's id is entity_key(TIME, date).
        Every mention is held here at once; the extract stage resolves one record at a time (`Resolution`).
        """
        by_record: dict[str, list[Mention]] = {}
        for mention in mentions:
            by_record.setdefault(mention.record_id, []).append(mention)
        places = {rid: self.record_places(ms) for rid, ms in by_record.items()}
        resolution = Resolution(self)
        resolved = [resolution.add(m, records.get(m.record_id), by_record[m.record_id], places[m.record_id])
                    for m in mentions]
        # Membership kept in sets beside the entities' lists: a person named in 60,000 records made
        # `record_id not in entity.record_ids` quadratic (tens of minutes at 100,000 records).
        seen_records: dict[str, set[str]] = {}
        for mention in resolved:
            entity = resolution.entities[mention.entity_id]
            in_records = seen_records.get(entity.id)
            if in_records is None:  # not setdefault: its default, a copy of every record id so far, is made every time
                in_records = seen_records[entity.id] = set(entity.record_ids)
            if mention.record_id not in in_records:
                in_records.add(mention.record_id)
                entity.record_ids.append(mention.record_id)
        return list(resolution.entities.values()), resolved

    def record_places(self, mentions: list[Mention]) -> list[str]:
        """The places a record names, simplified, first-named first: the context of each of them."""
        return list(dict.fromkeys(self.simplify(m.text) for m in mentions if m.type is EntityType.LOC))

    def entity_for(self, mention: Mention, record: Record | None, record_mentions: list[Mention],
                   record_places: list[str]) -> tuple[str, Entity]:
        """The key of the entity a mention names, and a fresh Entity for it should the key be new."""
        kind, simple = mention.type, self.simplify(mention.text)
        if kind is EntityType.TIME:
            try:
                label = mention.norm or parse_date(mention.text) or simple
            except DateError:
                label = simple
            key = entity_key(kind, label)
            return key, Entity(id=key, type=kind, label=label)
        label = self.preferred.get((kind, simple), simple)
        entity = Entity(id="", type=kind, label=label, aliases=list(self.curated.get((kind, label), [])),
                        qid=self.qids.get((kind, label), ""))
        key_text = label
        if kind is EntityType.LOC:
            match = self.place_for(label, record_places)
            if match.place and match.confidence >= SURE_ENOUGH:
                place = match.place
                entity.label, key_text = place.name, "/".join(place.admin)  # 朝阳区 in 北京 ≠ 朝阳区 in 长春
                entity.latitude, entity.longitude, entity.admin = place.latitude, place.longitude, list(place.admin)
                entity.aliases = [a for a in dict.fromkeys([*entity.aliases, *place.alt_labels]) if a != place.name]
                entity.note = match.note
            elif match.candidates:
                entity.note = match.note.split(";")[0] + ": " + "; ".join("/".join(p.admin) for p in match.candidates)
            else:
                entity.note = "not in gazetteer"
        elif kind is EntityType.EVENT and mention.method.endswith("generic") and record is not None:
            # 政治局扩大会议 names many meetings: keep one per date, else one per record
            date, _ = event_context(record, mention, record_mentions, self.gazetteer)
            key_text = f"{label}@{date or mention.record_id}"
            entity.note = f"generic name; kept apart by {'date ' + date if date else 'record'}"
        key = entity_key(kind, key_text)
        entity.id = key
        return key, entity


class Resolution:
    """Entities found so far, and the mentions resolved to them, one mention or one record at a time.

    What it keeps grows with the entities, not with the records or mentions: the extract
    stage resolves every record's mentions through one of these, one record after another.
    Entities get no `record_ids` here: curation decides which records keep mentioning them.
    """

    def __init__(self, resolver: Resolver):
        self.resolver = resolver
        self.entities: dict[str, Entity] = {}
        # A name whose entity does not depend on its record (all but places and generic event
        # names) gets the same key every time: found once, not once per mention.
        self._known: dict[tuple[EntityType, str, str], str] = {}

    def add_record(self, record: Record | None, mentions: list[Mention]) -> list[Mention]:
        """One record's mentions (all of them: each is the context of the others), resolved."""
        places = self.resolver.record_places(mentions)
        return [self.add(mention, record, mentions, places) for mention in mentions]

    def add(self, mention: Mention, record: Record | None, record_mentions: list[Mention],
            record_places: list[str]) -> Mention:
        context_free = mention.type is not EntityType.LOC and not (
            mention.type is EntityType.EVENT and mention.method.endswith("generic"))
        key = self._known.get((mention.type, mention.text, mention.norm)) if context_free else None
        if key is not None:
            entity = self.entities[key]
        else:
            key, entity = self.resolver.entity_for(mention, record, record_mentions, record_places)
            entity = self.entities.setdefault(key, entity)
            if context_free:
                self._known[(mention.type, mention.text, mention.norm)] = key
        if mention.text != entity.label and mention.text not in entity.aliases:
            entity.aliases.append(mention.text)
        norm = mention.norm or (entity.label if mention.type is EntityType.TIME else "")
        return replace(mention, entity_id=entity.id, norm=norm)
