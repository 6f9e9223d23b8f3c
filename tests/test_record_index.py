"""The app's record index (build/public/records.sqlite): what it answers must be what the records say."""

import random

from jiyi.model import AccessStatus, Record
from jiyi.record_index import RecordIndex, fold, write_record_index


def make_records(count: int, seed: int = 3) -> list[Record]:
    rng = random.Random(seed)
    sets = ["red", "mow", "theme"]
    records = []
    for number in range(count):
        year = rng.choice([None, *range(1919, 1950)])
        records.append(Record(
            id=f"R-{number:04d}", title=rng.choice(["遵义会议决议", "延安来电", "ＡＢＣ公报", "Silk Letter"]) + f" {number}",
            record_set=rng.choice(sets), access=AccessStatus.OPEN,
            date=f"{year}-{rng.randint(1, 12):02d}" if year else "", abstract=rng.choice(["毛泽东出席。", "档案法第三条。", ""]),
            extra={"英文题名": rng.choice(["Zunyi resolution", ""])}))
    return records


def test_lookups_counts_and_search_agree_with_the_records(tmp_path):
    records = make_records(400)
    path = tmp_path / "records.sqlite"
    assert write_record_index(path, records) == 400
    index = RecordIndex(path)

    assert index.count() == 400
    assert index.get("R-0007") == records[7]  # every field survives, extra and enums included
    assert index.get("closed-or-missing") is None
    wanted = ["R-0399", "R-0001", "nope", "R-0001"]
    assert index.get_many(wanted) == {"R-0399": records[399], "R-0001": records[1]}
    assert list(index.get_many(r.id for r in records)) == [r.id for r in records]  # more ids than one IN (...) takes

    first_seen = list(dict.fromkeys(r.record_set for r in records))
    counts = index.set_counts()
    assert list(counts) == first_seen
    assert counts == {s: sum(r.record_set == s for r in records) for s in first_seen}
    assert list(index.titles()) == [r.id for r in records]

    for terms in (["遵义"], ["abc"], ["毛泽东", "延安"], ["zunyi", "会议"], ["r-0012"]):  # ＡＢＣ folds to abc
        expected = [r for r in records if all(fold(term) in fold(" ".join((r.id, r.title, r.extra["英文题名"], r.abstract)))
                                              for term in terms)]
        total, hits = index.search(terms, 10)
        assert total == len(expected) and hits == expected[:10]


def test_a_capped_timeline_spans_the_chosen_years(tmp_path):
    records = make_records(600)
    path = tmp_path / "records.sqlite"
    write_record_index(path, records)
    index = RecordIndex(path)
    dated = sorted((r for r in records if r.date and r.record_set in ("red", "mow") and 1925 <= int(r.date[:4]) <= 1945),
                   key=lambda r: (r.date, r.id))

    total, shown = index.dated(["red", "mow"], (1925, 1945), 20)
    assert total == len(dated) and 10 <= len(shown) <= 20
    step = -(-len(dated) // 20)
    assert shown == dated[::step][:20]  # every step-th by date, so the last years are drawn too
    assert int(shown[-1].date[:4]) >= 1943

    per_year = index.per_year(["red", "mow"], (1925, 1945))
    assert sum(per_year.values()) == len(dated) and list(per_year) == sorted(per_year)
    assert index.year_range() == (min(int(r.date[:4]) for r in records if r.date), max(int(r.date[:4]) for r in records if r.date))
    assert index.dated([], (1900, 2000), 20) == (0, [])


def test_a_rewrite_replaces_the_file_whole_and_leaves_nothing_beside_it(tmp_path):
    path = tmp_path / "records.sqlite"
    write_record_index(path, make_records(50))
    reader = RecordIndex(path)
    write_record_index(path, make_records(5, seed=9))
    assert reader.count() == 5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["records.sqlite"]
    assert RecordIndex(tmp_path / "absent.sqlite").count() == 0  # an app started before the first build
