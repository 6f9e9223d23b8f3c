"""No page of the public app shows anything of a restricted record, however it is asked."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def secrets(restricted_records, ws):
    """Restricted ids, and restricted titles that appear nowhere in build/public (so the app has no excuse)."""
    public_text = "".join(p.read_text(encoding="utf-8") for p in ws.public.rglob("*") if p.suffix in {".jsonl", ".json", ".ttl"})
    return [r.id for r in restricted_records] + [r.title for r in restricted_records if r.title not in public_text]


def pages(open_page, exhibit_files, restricted_records):
    """Every page, in the states most likely to reach a restricted record."""
    closed = restricted_records[0]
    yield open_page()
    home = open_page()
    home.text_input[0].input(closed.title[:2]).run()
    yield home
    for lang in ("zh", "en"):
        for exhibit in exhibit_files:
            yield open_page("views/exhibit.py", lang=lang, exhibit=exhibit["id"])
    item = open_page("views/item.py", id=closed.id)  # a URL naming a closed record
    assert item.info and item.query_params["id"] != closed.id  # told "not available", shown another, URL corrected
    yield item
    yield open_page("views/item.py")
    graph = open_page("views/graph_explorer.py")
    graph.multiselect[1].set_value(["Person", "CorporateBody", "Place", "Event", "Date"])
    graph.number_input[0].set_value(2000).run()
    yield graph


def test_no_page_shows_a_restricted_record(open_page, exhibit_files, restricted_records, secrets, page_text, public_records):
    assert restricted_records, "the demo must hold restricted records for this test to mean anything"
    # The collector must see what a page shows, or finding nothing proves nothing.
    shown = public_records[-1]
    assert shown["id"] in page_text(open_page("views/item.py", id=shown["id"]))
    seen = 0
    for at in pages(open_page, exhibit_files, restricted_records):
        assert not at.exception
        text = page_text(at)
        leaked = [s for s in secrets if s in text]
        assert not leaked, f"restricted material on a public page: {leaked}"
        seen += 1
    assert seen >= 6


def test_the_item_picker_offers_open_records_only(open_page, public_records, restricted_records):
    at = open_page("views/item.py")
    assert set(at.selectbox[0].options) == {f"{r['id']} — {r['title']}" for r in public_records}
