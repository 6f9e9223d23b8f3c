"""Relations with their evidence: catalogue creators, same-sentence events, posts in bodies."""

from jiyi.extract.relate import relate
from jiyi.model import Entity, EntityType, Mention, Record, entity_key

TEXT = ("1935年1月15日，中共中央政治局在遵义召开扩大会议，史称遵义会议，毛泽东出席。"
        "会后，中共中央政治局委员张闻天起草决议。")


def mention(text, kind, occurrence=0):
    start = -1
    for _ in range(occurrence + 1):
        start = TEXT.index(text, start + 1)
    return Mention("R1", start, start + len(text), text, kind, "test", 0.9, "text", entity_id=entity_key(kind, text))


def entities(mentions, extra=()):
    found = {m.entity_id: Entity(m.entity_id, m.type, m.text, record_ids=["R1"]) for m in mentions}
    return [*found.values(), *extra]


def test_relations_from_one_sentence_and_from_posts():
    mentions = [mention("1935年1月15日", EntityType.TIME), mention("中共中央政治局", EntityType.ORG),
                mention("遵义", EntityType.LOC), mention("遵义会议", EntityType.EVENT), mention("毛泽东", EntityType.PER),
                mention("中共中央政治局", EntityType.ORG, 1), mention("张闻天", EntityType.PER)]
    record = Record(id="R1", title="", record_set="t", text=TEXT, creator="中共中央政治局")
    found = {(a.subject, a.predicate, a.object): a for a in relate([record], mentions, entities(mentions))}
    key = lambda kind, label: entity_key(kind, label)
    event = key(EntityType.EVENT, "遵义会议")
    assert (key(EntityType.PER, "毛泽东"), "participatedIn", event) in found
    assert (event, "tookPlaceAt", key(EntityType.LOC, "遵义")) in found
    assert (event, "tookPlaceOn", key(EntityType.TIME, "1935年1月15日")) in found
    member = found[(key(EntityType.PER, "张闻天"), "memberOf", key(EntityType.ORG, "中共中央政治局"))]
    assert TEXT[member.start:member.end] == "中共中央政治局委员张闻天" and member.method == "post-pattern"
    creator = found[(key(EntityType.ORG, "中共中央政治局"), "created", "R1")]
    assert creator.confidence == 1.0 and creator.field == "creator"
    # 毛泽东 and 张闻天 stand in different sentences: no relation between them
    assert not [a for a in found.values() if {a.subject, a.object} == {key(EntityType.PER, "毛泽东"), key(EntityType.PER, "张闻天")}]


def test_people_in_other_sentences_are_not_members():
    mentions = [mention("中共中央政治局", EntityType.ORG), mention("毛泽东", EntityType.PER)]
    record = Record(id="R1", title="", record_set="t", text=TEXT)
    assert not [a for a in relate([record], mentions, entities(mentions)) if a.predicate == "memberOf"]


def test_an_event_is_placed_by_its_own_name_and_not_by_what_came_after():
    text = "1937年7月7日七七事变后，日军进攻北平。1935年1月，遵义会议召开。"
    def at(part, kind, occurrence=0):
        start = -1
        for _ in range(occurrence + 1):
            start = text.index(part, start + 1)
        return Mention("R2", start, start + len(part), part, kind, "test", 0.9, "text", entity_id=entity_key(kind, part))
    mentions = [at("1937年7月7日", EntityType.TIME), at("七七事变", EntityType.EVENT), at("北平", EntityType.LOC),
                at("1935年1月", EntityType.TIME), at("遵义会议", EntityType.EVENT)]
    zunyi = Entity(entity_key(EntityType.LOC, "遵义"), EntityType.LOC, "遵义")  # known, but not mentioned on its own
    record = Record(id="R2", title="", record_set="t", text=text)
    found = {(a.subject, a.predicate, a.object): a for a in relate([record], mentions, entities(mentions, [zunyi]))}
    incident, meeting = entity_key(EntityType.EVENT, "七七事变"), entity_key(EntityType.EVENT, "遵义会议")
    assert (incident, "tookPlaceAt", entity_key(EntityType.LOC, "北平")) not in found  # 后: what followed, elsewhere
    assert found[(meeting, "tookPlaceAt", zunyi.id)].method == "event-context"
    placed = found[(meeting, "tookPlaceOn", entity_key(EntityType.TIME, "1935年1月"))]
    assert text[placed.start:placed.end] == "1935年1月，遵义会议"
