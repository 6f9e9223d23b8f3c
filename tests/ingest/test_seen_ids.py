"""The duplicate checks' id register (ingest/seen_ids.py): SQLite on disk instead of a set in memory."""

from jiyi.ingest.seen_ids import SeenIds


def test_an_id_is_new_once_and_keeps_where_it_was_first_met():
    with SeenIds() as seen:
        assert seen.add("RA-1", 3) and seen.add("RA-2", 4)
        assert not seen.add("RA-1", 9)  # met before: refused, and its first place kept
        assert seen.where("RA-1") == 3 and seen.where("RA-2") == 4 and seen.where("RA-3") is None
        assert "RA-2" in seen and "RA-3" not in seen and len(seen) == 2


def test_ids_differing_only_in_case_or_width_are_different_ids():
    with SeenIds() as seen:  # ids become URIs: SQLite's default BINARY collation compares them exactly as Python does
        assert all(seen.add(record_id) for record_id in ("ra-1", "RA-1", "ＲＡ-1", "RA-1 "))
        assert len(seen) == 4


def test_many_ids_read_back():
    with SeenIds() as seen:
        for n in range(50_000):
            seen.add(f"BENCH-{n:07d}", n + 2)
        assert len(seen) == 50_000 and seen.where("BENCH-0049999") == 50_001
        assert not seen.add("BENCH-0012345")
