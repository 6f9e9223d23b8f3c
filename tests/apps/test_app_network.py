"""The graph explorer's offline HTML and its node cap, without Streamlit."""

from __future__ import annotations

import re

from jiyi.apps.network import Subgraph, choose, render, strip_external

PYVIS_HEAD = """<html><head>
<script>function inline() { return "https://example.org/in/a/string"; }</script>
<link rel="stylesheet" href="../node_modules/vis/dist/vis.min.css" type="text/css" />
<script type="text/javascript" src="../node_modules/vis/dist/vis.js"> </script>
<link
    href="https://cdn.jsdelivr.net/npm/bootstrap@5.0.0-beta3/dist/css/bootstrap.min.css"
    rel="stylesheet" crossorigin="anonymous"
/>
<script
    src="https://cdn.jsdelivr.net/npm/bootstrap@5.0.0-beta3/dist/js/bootstrap.bundle.min.js"
    crossorigin="anonymous"
></script>
<SCRIPT SRC='//cdn.example.org/x.js'></SCRIPT>
<script src="data:text/javascript,void(0)"></script>
</head><body><div id="mynetwork"></div></body></html>"""

EXTERNAL = re.compile(r"<(script|link)\b[^>]*\b(src|href)\s*=\s*(?![\"']?data:)", re.I)


def test_strip_external_removes_cdn_and_relative_assets_and_keeps_inline_ones():
    page = strip_external(PYVIS_HEAD)
    assert not EXTERNAL.search(page)
    assert "cdn.jsdelivr" not in page and "node_modules" not in page and "cdn.example.org" not in page
    assert 'function inline() { return "https://example.org/in/a/string"; }' in page  # text, not a load
    assert "data:text/javascript" in page
    assert '<div id="mynetwork">' in page


def test_strip_external_leaves_a_clean_page_unchanged():
    page = "<html><head><script>var a = 1;</script><style>p{}</style></head><body></body></html>"
    assert strip_external(page) == page


def links(*pairs):
    return [{"id": r, "entity": e, "type": f"https://www.ica.org/standards/RiC/ontology#{t}", "label": e}
            for r, e, t in pairs]


def test_choose_keeps_the_best_connected_entities_within_the_cap():
    data = links(("r1", "毛泽东", "Person"), ("r2", "毛泽东", "Person"), ("r3", "毛泽东", "Person"),
                 ("r1", "延安", "Place"), ("r4", "上海", "Place"), ("r5", "广州", "Place"))
    everything = choose(data, 100)
    assert everything.node_count == everything.total_nodes == 9 and not everything.capped
    small = choose(data, 5)
    assert "毛泽东" in small.entities and small.records >= {"r1", "r2", "r3"}
    assert small.node_count <= 5 and small.capped
    assert all(r in small.records and e in small.entities for r, e in small.edges)


def test_render_inlines_vis_and_a_label_cannot_end_the_script():
    graph = Subgraph(records={"R-1"}, entities={"urn:e": ("Person", "</script><b>刘志丹</b>")}, edges=[("R-1", "urn:e")],
                     total_nodes=2)
    page = render(graph, {"R-1": "题名"})
    assert "new vis.Network" in page and not EXTERNAL.search(page)
    assert "</script><b>" not in page
    assert "\\u003c/script\\u003e\\u003cb\\u003e\\u5218\\u5fd7\\u4e39" in page  # the label, as HTML-safe JSON
