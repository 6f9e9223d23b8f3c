"""Timeline and map pages on the built demo, checked against the public records and the public graph."""

from __future__ import annotations

import re

from pyoxigraph import RdfFormat, Store

from jiyi.apps.i18n import STRINGS


def test_the_timeline_lists_every_dated_open_record_and_narrows_by_year(open_page, public_records):
    dated = [r for r in public_records if r["date"][:4].isdigit()]
    at = open_page("views/timeline.py")
    html = " ".join(m.value for m in at.markdown)  # drawn with ui.drawn: Markdown keeps SVG, st.html does not
    assert sorted(re.findall(r"<time>([^<]+)</time>", html)) == sorted(r["date"] for r in dated)
    links = {p.proto.query_string.removeprefix("id=") for p in at.get("page_link")}
    assert links == {r["id"] for r in dated}

    years = sorted(int(r["date"][:4]) for r in dated)
    middle = years[len(years) // 2]
    at.slider(key="timeline_years").set_value((years[0], middle)).run()
    expected = {r["id"] for r in dated if int(r["date"][:4]) <= middle}
    assert {p.proto.query_string.removeprefix("id=") for p in at.get("page_link")} == expected
    at.sidebar.radio[0].set_value("en").run()
    assert not at.exception and at.title[0].value == STRINGS["nav_timeline"][1]


def test_the_map_draws_each_public_place_with_coordinates_offline(open_page, ws):
    store = Store()
    store.bulk_load(path=str(ws.public_graph_dir / "public.ttl"), format=RdfFormat.TURTLE)
    places = {row["p"].value for row in store.query(
        "SELECT DISTINCT ?p WHERE { ?p a <https://www.ica.org/standards/RiC/ontology#Place> ; "
        "<https://schema.org/latitude> ?lat ; <https://schema.org/longitude> ?long . "
        "?r <https://www.ica.org/standards/RiC/ontology#hasOrHadSubject> ?p }")}
    assert places
    at = open_page("views/map.py")
    html = " ".join(m.value for m in at.markdown)  # drawn with ui.drawn: Markdown keeps SVG, st.html does not
    assert html.count("<circle") == len(places)
    assert "http" not in re.sub(r'xmlns="[^"]+"', "", html)  # nothing fetched: no tiles, no scripts
    from urllib.parse import unquote
    linked = {unquote(p.proto.query_string.removeprefix("uri=")) for p in at.get("page_link")}
    assert linked == places
