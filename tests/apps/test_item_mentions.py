"""The item page's transcription: escaped as written, each named entity linked to its entity page."""

from __future__ import annotations

import json
import re
from urllib.parse import quote, unquote

from jiyi.apps.ui import highlighted


def test_highlighting_escapes_the_text_and_links_each_span():
    text = "毛泽东<script>x</script>在延安。"
    html = highlighted(text, [(0, 3, "https://example.org/p/1"), (1, 2, "https://example.org/p/2"), (20, 30, "bad")])
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert html.count('class="jiyi-mention"') == 1  # the overlapping and the out-of-range spans are dropped
    assert f'href="entity?uri={quote("https://example.org/p/1", safe="")}"' in html


def test_the_item_page_links_the_mentions_extraction_found(open_page, ws, public_records):
    with_text = [r for r in public_records if r["text"]]
    mentions = [json.loads(line) for line in ws.mentions_file.read_text(encoding="utf-8").splitlines() if line.strip()]
    counts = {r["id"]: sum(1 for m in mentions if m["record_id"] == r["id"] and m["field"] == "text"
                          and m["type"] in ("PER", "ORG", "LOC", "EVENT") and m.get("entity_id")) for r in with_text}
    record = max(with_text, key=lambda r: counts[r["id"]])
    assert counts[record["id"]] > 0
    at = open_page("views/item.py", id=record["id"])
    html = " ".join(element.proto.body for element in at.get("html"))
    linked = re.findall(r'class="jiyi-mention" href="entity\?uri=([^"]+)"[^>]*>([^<]+)</a>', html)
    assert linked
    said = {(m["text"]) for m in mentions if m["record_id"] == record["id"] and m["field"] == "text"}
    assert {words for _, words in linked} <= said  # every link is a span extraction found in this record's text
    assert all(unquote(uri).startswith("http") for uri, _ in linked)
