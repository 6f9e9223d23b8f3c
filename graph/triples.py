"""Records, mentions and entities as RiC-O triples, each fact traced back with PROV-O and Web Annotation.

The triples of a record (and of each of its mentions) belong to that record. A node
shared by several records — a person, a place, a record set — is described once,
and publicly only when at least one public record points at it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pyoxigraph import Literal, NamedNode, Triple

from jiyi.model import Assertion, Entity, EntityType, Mention, Record, entity_key

from .labels import as_written, both_scripts, entity_labels
from .vocab import A, ALT_LABEL, LABEL, RDF, SAME_AS, XSD, Minter, oa, prov, rico, rico_record_set_type, schema

ENTITY_CLASSES = {
    EntityType.PER: ("person", "Person"),
    EntityType.ORG: ("organisation", "CorporateBody"),
    EntityType.LOC: ("place", "Place"),
    EntityType.TIME: ("date", "Date"),
    EntityType.EVENT: ("event", "Event"),
}
DECIMAL = NamedNode(XSD + "decimal")
# Relations found by extract/relate.py, as RiC-O properties. "created" is already said by
# rico:hasCreator from the catalogue, so it gets no second triple.
RELATION_PROPERTIES = {
    "participatedIn": "isOrWasParticipantIn",
    "tookPlaceAt": "hasOrHadLocation",
    "tookPlaceOn": "occurredAtDate",
    "memberOf": "isOrWasMemberOf",
}
INTEGER = NamedNode(XSD + "integer")


# The EDTF values jiyi.dates writes: a year, month or day, optionally with X digits, a
# qualifier, negative (astronomical) years, or an interval with open ends (..).
# graph/shapes.ttl checks the same form.
_EDTF_DATE = r"-?\d{2}(?:\d\d|\dX|XX)(?:-\d{2}(?:-\d{2})?)?[~?%]?"
EDTF = re.compile(rf"{_EDTF_DATE}|(?:{_EDTF_DATE}|\.\.)/(?:{_EDTF_DATE}|\.\.)")
# EDTF qualifiers at the end of a date (1935~, 1935?, 1935%), as RiC-O's free-text dateQualifier.
DATE_QUALIFIERS = {"~": "approximate", "?": "uncertain", "%": "approximate and uncertain"}


def entity_node(mint: Minter, entity: Entity) -> NamedNode:
    """The graph node of an entity; IIIF annotations link the same URI (`.value`)."""
    if entity.type is EntityType.TIME:  # one node per date, whether catalogued or read in the text
        return mint.node("date", entity.label if EDTF.fullmatch(entity.label) else entity.id)
    kind, _ = ENTITY_CLASSES[entity.type]
    return mint.node(kind, entity.id)


@dataclass
class SharedNode:
    """A node several records may point at; public when any public record does."""

    triples: list[Triple]
    public: bool = False


@dataclass
class GraphParts:
    record_triples: dict[str, list[Triple]] = field(default_factory=dict)  # record id → its own triples
    shared: dict[str, SharedNode] = field(default_factory=dict)  # node URI → description


class TripleMaker:
    def __init__(self, minter: Minter, entities: list[Entity], record_set_labels: dict[str, tuple[str, str]]):
        self.mint = minter
        self.entity_by_id = {e.id: e for e in entities}
        self.entity_by_label = {e.label: e for e in entities}
        for entity in entities:  # a creator written as an alias is the same agent
            for alias in entity.aliases:
                self.entity_by_label.setdefault(alias, entity)
        self.record_set_labels = record_set_labels
        self.extraction = minter.node("activity", "extract")

    def entity_node(self, entity: Entity) -> NamedNode:
        return entity_node(self.mint, entity)

    def unread_date(self, parts: GraphParts, entity: Entity, public: bool) -> NamedNode:
        """A date expression no rule could normalise: kept as written, for a curator to read."""
        node = self.mint.node("date", entity.id)
        self.share(parts, node, [Triple(node, A, rico("Date")), Triple(node, rico("expressedDate"), as_written(entity.label)),
                                 Triple(node, LABEL, as_written(entity.label))], public)
        return node

    def date(self, parts: GraphParts, edtf: str, public: bool) -> NamedNode:
        """A rico:Date for an ISO 8601 / EDTF value; an interval also points at the Dates of its ends."""
        node = self.mint.node("date", edtf)
        triples = [Triple(node, A, rico("Date")), Triple(node, rico("normalizedDateValue"), Literal(edtf)),
                   Triple(node, LABEL, Literal(edtf))]
        if edtf[-1:] in DATE_QUALIFIERS:
            triples.append(Triple(node, rico("dateQualifier"), Literal(DATE_QUALIFIERS[edtf[-1]], language="en")))
        if "/" in edtf:
            start, _, end = edtf.partition("/")
            for value, link in ((start, "hasBeginningDate"), (end, "hasEndDate")):
                if value and value != "..":  # ".." is EDTF's open end
                    triples.append(Triple(node, rico(link), self.date(parts, value, public)))
        self.share(parts, node, triples, public)
        return node

    def build(self, records: list[Record], mentions: list[Mention], assertions: list[Assertion]) -> GraphParts:
        """Every record's triples at once, held in memory: for tests and `jiyi bench graph`.

        The graph stage makes the same triples one record at a time (graph/__init__.py), so
        that its memory does not grow with the records; tests/graph/test_streaming.py checks
        that both give the same graph.
        """
        parts = GraphParts()
        by_record: dict[str, list[Mention]] = {}
        for mention in mentions:
            by_record.setdefault(mention.record_id, []).append(mention)
        relations: dict[str, list[Assertion]] = {}
        for assertion in assertions:
            relations.setdefault(assertion.record_id, []).append(assertion)
        for record in records:
            parts.record_triples[record.id] = self.record_triples(record, by_record.get(record.id, []),
                                                                  relations.get(record.id, []), parts)
        if records:
            self.describe_extraction(parts)
        return parts

    def record_triples(self, record: Record, mentions: list[Mention], assertions: list[Assertion],
                       parts: GraphParts) -> list[Triple]:
        """One record's own triples: the record, its mentions and the relations read in it.

        The shared nodes they point at are described in `parts.shared` on the way (the first
        description of a node is kept), so the same call made again for the same record gives
        the same triples and changes nothing.
        """
        triples = self.record(record, mentions, parts)
        for assertion in assertions:
            triples += self.relation(assertion)
        return triples

    def describe_extraction(self, parts: GraphParts) -> None:
        """The activity every annotation and statement says it was generated by (once there are records)."""
        parts.shared[self.extraction.value] = SharedNode([
            Triple(self.extraction, A, prov("Activity")),
            Triple(self.extraction, LABEL, Literal("Jiyi extraction (jieba + dictionaries, date patterns)", language="en")),
        ], public=True)

    def share(self, parts: GraphParts, node: NamedNode, triples: list[Triple], public: bool) -> None:
        shared = parts.shared.setdefault(node.value, SharedNode(triples))
        shared.public = shared.public or public

    def described(self, parts: GraphParts, node: NamedNode, public: bool) -> bool:
        """Whether `node` is described already (marked public when this record is): a person is
        mentioned hundreds of times, and making their labels (pinyin, both scripts) once saves
        most of the time of building the graph."""
        shared = parts.shared.get(node.value)
        if shared is not None:
            shared.public = shared.public or public
        return shared is not None

    def record(self, record: Record, mentions: list[Mention], parts: GraphParts) -> list[Triple]:
        node = self.mint.node("record", record.id)
        triples = [
            Triple(node, A, rico("Record")),
            Triple(node, rico("identifier"), Literal(record.id)),
            *self.record_titles(node, record),
            Triple(node, rico("conditionsOfAccess"), Literal(record.access.value)),
        ]
        if record.abstract:
            triples.append(Triple(node, rico("scopeAndContent"), as_written(record.abstract)))
        if record.note:
            triples.append(Triple(node, rico("note"), as_written(record.note)))

        set_node = self.mint.node("recordset", record.record_set)
        label_zh, label_en = self.record_set_labels.get(record.record_set, (record.record_set, record.record_set))
        self.share(parts, set_node, [
            Triple(set_node, A, rico("RecordSet")),
            # A catalogue's record set gathers items by theme: a collection in RiC's terms.
            Triple(set_node, rico("hasRecordSetType"), rico_record_set_type("Collection")),
            Triple(set_node, rico("title"), as_written(label_zh)),
            Triple(set_node, rico("title"), Literal(label_en, language="en")),
            *(Triple(set_node, LABEL, label) for label in both_scripts(label_zh)),
            Triple(set_node, LABEL, Literal(label_en, language="en")),
        ], record.is_public)
        triples.append(Triple(node, rico("isOrWasIncludedIn"), set_node))

        if record.fonds:
            fonds = self.mint.node("fonds", record.fonds)
            self.share(parts, fonds, [Triple(fonds, A, rico("RecordSet")), Triple(fonds, rico("hasRecordSetType"), rico_record_set_type("Fonds")),
                                      Triple(fonds, rico("title"), as_written(record.fonds)),
                                      *(Triple(fonds, LABEL, label) for label in both_scripts(record.fonds))], record.is_public)
            triples.append(Triple(node, rico("isOrWasIncludedIn"), fonds))
        if record.date:
            triples.append(Triple(node, rico("hasCreationDate"), self.date(parts, record.date, record.is_public)))
        for role, name in (("hasCreator", record.creator), ("hasOrHadHolder", record.holder)):
            for agent_name in [n for n in name.replace("；", ";").replace("、", ";").split(";") if n.strip()]:
                agent = self.agent(agent_name.strip(), parts, record.is_public)
                triples.append(Triple(node, rico(role), agent))
        for mention in mentions:
            triples.extend(self.mention(node, record, mention, parts))
        return triples

    def record_titles(self, node: NamedNode, record: Record) -> list[Triple]:
        """The title as written and its labels: both Chinese scripts, or the title in its own
        language for a record that is not in Chinese (a harvested English manifest, say)."""
        language = record.language or "zh"
        if language.startswith("zh") or language == "und":
            return [Triple(node, rico("title"), as_written(record.title)),
                    *(Triple(node, LABEL, label) for label in both_scripts(record.title))]
        title = Literal(record.title, language=language)
        return [Triple(node, rico("title"), title), Triple(node, LABEL, title)]

    def agent(self, name: str, parts: GraphParts, public: bool) -> NamedNode:
        """A creator or holder; the same node as an extracted person or body of that name."""
        entity = self.entity_by_label.get(name)
        if entity and entity.type in (EntityType.PER, EntityType.ORG):
            node = self.entity_node(entity)
            if not self.described(parts, node, public):
                self.share(parts, node, self.entity_triples(entity, node), public)
            return node
        node = self.mint.node("agent", entity_key(EntityType.ORG, name))
        self.share(parts, node, [Triple(node, A, rico("Agent")), Triple(node, rico("name"), as_written(name)),
                                 *(Triple(node, LABEL, label) for label in both_scripts(name))], public)
        return node

    def entity_triples(self, entity: Entity, node: NamedNode) -> list[Triple]:
        _, cls = ENTITY_CLASSES[entity.type]
        in_gazetteer = entity.latitude is not None
        triples = [Triple(node, A, rico(cls)), Triple(node, rico("name"), as_written(entity.label))]
        triples += [Triple(node, LABEL, label) for label in entity_labels(entity.label, entity.type, in_gazetteer=in_gazetteer)]
        triples += [Triple(node, ALT_LABEL, as_written(alias)) for alias in entity.aliases]
        if entity.qid:
            triples.append(Triple(node, SAME_AS, NamedNode(f"http://www.wikidata.org/entity/{entity.qid}")))
        if entity.latitude is not None and entity.longitude is not None:
            triples += [
                Triple(node, rico("geographicalCoordinates"), Literal(f"{entity.latitude},{entity.longitude}")),
                Triple(node, schema("latitude"), Literal(f"{entity.latitude}", datatype=DECIMAL)),
                Triple(node, schema("longitude"), Literal(f"{entity.longitude}", datatype=DECIMAL)),
            ]
        if entity.admin:
            triples.append(Triple(node, schema("address"), as_written(" ".join(entity.admin))))
        if entity.note:
            triples.append(Triple(node, rico("note"), as_written(entity.note)))
        return triples

    def mention(self, record_node: NamedNode, record: Record, mention: Mention, parts: GraphParts) -> list[Triple]:
        """record → subject → entity, and an annotation saying where in the text and how it was found."""
        entity = self.entity_by_id.get(mention.entity_id) or Entity(
            id=entity_key(mention.type, mention.text), type=mention.type, label=mention.text)
        if entity.type is EntityType.TIME:
            entity_node = self.date(parts, entity.label, record.is_public) if EDTF.fullmatch(entity.label) \
                else self.unread_date(parts, entity, record.is_public)  # both at entity_node(entity)
        else:
            entity_node = self.entity_node(entity)
            if not self.described(parts, entity_node, record.is_public):
                self.share(parts, entity_node, self.entity_triples(entity, entity_node), record.is_public)
        annotation = self.mint.mention(record.id, mention.field, mention.start, mention.end)
        target = NamedNode(annotation.value + "#target")
        position = NamedNode(annotation.value + "#position")
        quote = NamedNode(annotation.value + "#quote")
        link = rico("hasOrHadSubject") if mention.type is not EntityType.TIME else rico("isAssociatedWithDate")
        return [
            Triple(record_node, link, entity_node),
            Triple(annotation, A, oa("Annotation")),
            Triple(annotation, oa("motivatedBy"), oa("identifying")),
            Triple(annotation, oa("hasBody"), entity_node),
            Triple(annotation, oa("hasTarget"), target),
            Triple(annotation, prov("wasDerivedFrom"), record_node),
            Triple(annotation, prov("wasGeneratedBy"), self.extraction),
            Triple(annotation, self.mint.term("method"), Literal(mention.method)),
            Triple(annotation, self.mint.term("confidence"), Literal(f"{mention.confidence:.2f}", datatype=DECIMAL)),
            Triple(annotation, self.mint.term("field"), Literal(mention.field)),
            Triple(target, oa("hasSource"), record_node),
            Triple(target, oa("hasSelector"), position),
            Triple(target, oa("hasSelector"), quote),
            Triple(position, A, oa("TextPositionSelector")),
            Triple(position, oa("start"), Literal(str(mention.start), datatype=INTEGER)),
            Triple(position, oa("end"), Literal(str(mention.end), datatype=INTEGER)),
            Triple(quote, A, oa("TextQuoteSelector")),
            Triple(quote, oa("exact"), as_written(mention.text)),
        ]

    def relation(self, assertion: Assertion) -> list[Triple]:
        """The relation as a triple, and a reified statement saying where it was read and how sure we are."""
        prop = RELATION_PROPERTIES.get(assertion.predicate)
        subject, obj = self.entity_by_id.get(assertion.subject), self.entity_by_id.get(assertion.object)
        if prop is None or subject is None or obj is None:
            return []
        s_node, o_node = self.entity_node(subject), self.entity_node(obj)
        record_node = self.mint.node("record", assertion.record_id)
        statement = self.mint.node("assertion", f"{assertion.record_id}/{assertion.field}/{assertion.start}-{assertion.end}/"
                                                f"{assertion.predicate}/{subject.id}/{obj.id}")
        return [
            Triple(s_node, rico(prop), o_node),
            Triple(statement, A, NamedNode(RDF + "Statement")),
            Triple(statement, NamedNode(RDF + "subject"), s_node),
            Triple(statement, NamedNode(RDF + "predicate"), rico(prop)),
            Triple(statement, NamedNode(RDF + "object"), o_node),
            Triple(statement, prov("wasDerivedFrom"), record_node),
            Triple(statement, prov("wasGeneratedBy"), self.extraction),
            Triple(statement, self.mint.term("method"), Literal(assertion.method)),
            Triple(statement, self.mint.term("confidence"), Literal(f"{assertion.confidence:.2f}", datatype=DECIMAL)),
            Triple(statement, self.mint.term("field"), Literal(assertion.field)),
            Triple(statement, self.mint.term("start"), Literal(str(assertion.start), datatype=INTEGER)),
            Triple(statement, self.mint.term("end"), Literal(str(assertion.end), datatype=INTEGER)),
        ]
