"""Each page of the app, run for real by AppTest on the built demo, checked against the build's public files."""

from __future__ import annotations

import json
import re
import tomllib
from collections import Counter

from pyoxigraph import RdfFormat, Store

EXTERNAL = re.compile(r"<(script|link)\b[^>]*\b(src|href)\s*=\s*[\"']?(https?:)?//", re.I)


def set_labels(ws) -> dict[str, str]:
    config = tomllib.loads(ws.config_file.read_text(encoding="utf-8"))
    return {s["record_set"]: s["label_zh"] for s in config.get("catalogue", []) + config.get("texts", [])}


def test_home_counts_each_record_set_as_the_public_file_does(open_page, ws, public_records):
    at = open_page()
    expected = Counter(r["record_set"] for r in public_records)
    labels = set_labels(ws)
    shown = {m.label: m.value for m in at.metric}
    assert shown == {labels[s]: str(n) for s, n in expected.items()}
    assert any(str(len(public_records)) in m.value for m in at.markdown)


def test_home_lists_exhibits_and_finds_records_by_substring(open_page, exhibit_files, public_records):
    at = open_page()
    links = {p.proto.label: p.proto.query_string for p in at.get("page_link")}
    for exhibit in exhibit_files:
        assert links[exhibit["title_zh"]] == f"exhibit={exhibit['id']}"

    word = "长征"  # a Chinese word inside longer titles: substring search, no segmentation needed
    expected = {r["id"] for r in public_records if word in r["title"] + " " + r["abstract"]}
    assert expected
    at.text_input[0].input(word).run()
    found = {p.proto.query_string.removeprefix("id=") for p in at.get("page_link") if p.proto.query_string.startswith("id=")}
    assert found == expected


def test_exhibit_shows_title_sections_items_and_switches_language(open_page, exhibit_files):
    for exhibit in exhibit_files:
        at = open_page("views/exhibit.py", exhibit=exhibit["id"])
        assert at.title[0].value == exhibit["title_zh"]
        assert [h.value for h in at.header] == [s["heading_zh"] for s in exhibit["sections"]]
        item_links = [p.proto.query_string for p in at.get("page_link")]
        assert item_links == [f"id={i['record_id']}" for s in exhibit["sections"] for i in s["items"]]
        assert len(at.get("image")) >= 1  # thumbnails of the items' first pages
        first_body_line = exhibit["sections"][0]["body_zh"].strip().splitlines()[0]
        assert any(first_body_line.lstrip("# ") in m.value for m in at.markdown)

        at.sidebar.radio[0].set_value("en").run()
        assert at.title[0].value == exhibit["title_en"]
        assert [h.value for h in at.header] == [s["heading_en"] for s in exhibit["sections"]]


def test_item_shows_the_record_and_the_entities_the_graph_says_it_mentions(open_page, ws, exhibit_files, public_records):
    record_id = exhibit_files[0]["sections"][0]["items"][0]["record_id"]
    record = next(r for r in public_records if r["id"] == record_id)
    store = Store()
    store.bulk_load(path=str(ws.public_graph_dir / "public.ttl"), format=RdfFormat.TURTLE)
    expected = {s["label"].value for s in store.query(f"""
        PREFIX rico: <https://www.ica.org/standards/RiC/ontology#> PREFIX oa: <http://www.w3.org/ns/oa#>
        PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT DISTINCT ?label WHERE {{ ?r rico:identifier "{record_id}" . ?a prov:wasDerivedFrom ?r ; oa:hasBody ?e .
        ?e rdfs:label ?label FILTER(LANGMATCHES(LANG(?label), "zh-Hans") || LANG(?label) = "") }}""")}
    assert expected

    at = open_page("views/item.py", id=record_id)
    assert at.title[0].value == record["title"]
    table = at.table[0].value
    assert table.loc["档号"].iloc[0] == record_id
    shown = {label for frame in at.dataframe for label in frame.value["名称"]}
    assert shown == expected


def test_item_follows_the_picker_into_the_url_and_warns_of_caveats(open_page, public_records):
    noted = next(r for r in public_records if r["note"])
    at = open_page("views/item.py")
    at.selectbox[0].set_value(noted["id"]).run()
    assert at.query_params["id"] == noted["id"]  # the URL now names the record shown
    assert at.title[0].value == noted["title"]
    assert any(noted["note"] in w.value for w in at.warning)


def test_item_marks_rendered_facsimiles(open_page, ws, public_records):
    for record in public_records:
        manifest = ws.public_iiif_dir / record["id"] / "manifest.json"
        if manifest.is_file() and "摹本" in manifest.read_text(encoding="utf-8"):
            break
    else:
        raise AssertionError("the demo should render at least one facsimile")
    at = open_page("views/item.py", id=record["id"])
    captions = [img.caption for element in at.get("image") for img in element.proto.imgs]
    assert any("依据文字渲染的摹本" in c for c in captions)
    assert any(f"iiif/{record['id']}/manifest.json" in m.value for m in at.markdown)
    assert json.loads(manifest.read_text(encoding="utf-8"))["id"] in [c.value for c in at.code]


def test_graph_explorer_draws_offline_with_vis_inline(open_page):
    at = open_page("views/graph_explorer.py")
    frames = at.get("iframe")
    assert frames
    page = frames[0].proto.srcdoc
    assert "new vis.Network" in page and len(page) > 100_000  # vis.js itself is inlined
    assert not EXTERNAL.search(page), EXTERNAL.search(page).group(0)
    assert at.dataframe[0].value.shape[0] > 0  # the table of the best-connected entities


def test_graph_explorer_caps_the_nodes_and_says_so(open_page):
    at = open_page("views/graph_explorer.py")
    at.number_input[0].set_value(20).run()
    note = next(c.value for c in at.caption if "个节点" in c.value)
    shown, total = map(int, re.findall(r"\d+", note)[:2])
    assert shown <= 20 < total
    page = at.get("iframe")[0].proto.srcdoc
    nodes = re.search(r"nodes = new vis\.DataSet\((\[.*?\])\);", page, re.S)
    assert nodes and nodes.group(1).count('"id"') == shown
