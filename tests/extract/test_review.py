"""The curator's queue and proposed merges, from entities, mentions and the decisions already taken."""

from jiyi.extract.curation import Decision
from jiyi.extract.review import proposed_merges, review_queue
from jiyi.model import Entity, EntityType, Mention


def person(label: str, note: str = "") -> Entity:
    return Entity(id=f"per-{label}", type=EntityType.PER, label=label, record_ids=["A-1"], note=note)


def mention(entity: Entity, confidence: float, method: str = "crf") -> Mention:
    return Mention(record_id="A-1", start=0, end=len(entity.label), text=entity.label, type=entity.type,
                   entity_id=entity.id, method=method, confidence=confidence)


def test_the_queue_puts_uncertain_entities_first_and_leaves_out_decided_ones():
    sure, unsure, noted, decided = person("毛泽东"), person("某某"), person("李德", note="ambiguous"), person("周恩来")
    date = Entity(id="time-1935", type=EntityType.TIME, label="1935")
    mentions = [mention(sure, 1.0, "dictionary"), mention(unsure, 0.4), mention(unsure, 0.6), mention(noted, 0.9),
                mention(decided, 0.3)]
    queue = review_queue([sure, unsure, noted, decided, date], mentions, [Decision("accept", "PER:周恩来")])
    assert [item.entity.label for item in queue] == ["某某", "李德", "毛泽东"]
    first = queue[0]
    assert (first.confidence, first.mentions, first.reasons) == (0.6, 2, ["uncertain", "new"])
    assert queue[1].reasons == ["note", "new"] and queue[2].reasons == ["new"]


def test_merges_are_proposed_for_one_reading_or_a_name_inside_another():
    entities = [person("伍豪"), person("吴豪"), person("张闻天"), person("闻天"), person("博古"),
                Entity(id="loc-闻天", type=EntityType.LOC, label="闻天")]  # another type: never merged with a person
    pairs = {(p.first.label, p.second.label, p.reason) for p in proposed_merges(entities, [])}
    assert pairs == {("伍豪", "吴豪", "same reading"), ("张闻天", "闻天", "one name holds the other")}
    assert not proposed_merges(entities, [Decision("merge", "PER:闻天", "PER:张闻天"), Decision("reject", "PER:伍豪")])
