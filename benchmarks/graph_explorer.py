"""Graph explorer at its node cap: a synthetic 2,000-node subgraph through the cap, the HTML, the exports,
and (with Chromium) the time until vis.js has laid it out and answers a click.

    .venv/bin/python benchmarks/graph_explorer.py [--nodes 2000] [--found 5000] [--browser]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from jiyi.apps.network import Node, View, cap, entity_link, item_link, keep, render_view, to_graphml, to_json

KINDS = ["Person", "CorporateBody", "Place", "Event", "Date"]


def synthetic(n: int, seed: int = 7) -> View:
    """n nodes shaped like the archive: a tenth records, each naming ~6 entities, and a few entity–entity links."""
    rng = random.Random(seed)
    records = [f"https://example.org/jiyi/record/R-{i}" for i in range(n // 10)]
    entities = [f"https://example.org/jiyi/e/{i}" for i in range(n - len(records))]
    nodes = {uri: Node(uri, "Record", f"档案 {i}", item_link(f"R-{i}"), 1920 + i % 30) for i, uri in enumerate(records)}
    nodes |= {uri: Node(uri, KINDS[i % 5], f"实体{i}", entity_link(uri), 1920 + i % 30 if i % 5 >= 3 else None)
              for i, uri in enumerate(entities)}
    edges = {(r, rng.choice(entities), "hasOrHadSubject") for r in records for _ in range(6)}
    edges |= {(rng.choice(entities), rng.choice(entities), "isOrWasParticipantIn") for _ in range(n)}
    edges |= {(e, r, "hasOrHadSubject") for e in entities for r in [records[hash(e) % len(records)]]}  # none isolated
    return View(nodes, sorted(e for e in edges if e[0] != e[1]), found=n)


def timed(function, repeat: int = 5) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def in_browser(html: str) -> tuple[float, float]:
    """Seconds until vis.js drew the network, and until its layout settled, in Debian's Chromium (headless)."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        page_file = Path(tmp) / "graph.html"
        # Marks set by wrapping vis.Network ahead of the page's own scripts, so no event fires unheard.
        marks = ("<body><script>(function () { var Drawn = vis.Network; vis.Network = function (c, d, o) {"
                 " var network = new Drawn(c, d, o); window.drawn = performance.now();"
                 " network.once('stabilizationIterationsDone', function () { window.settled = performance.now(); });"
                 " return network; }; })();</script>")
        page_file.write_text(html.replace("<body>", marks, 1), encoding="utf-8")
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(page_file.as_uri())
        page.wait_for_function("window.drawn !== undefined", timeout=120_000)
        drawn = page.evaluate("window.drawn") / 1000
        page.wait_for_function("window.settled !== undefined", timeout=300_000)
        settled = page.evaluate("window.settled") / 1000
        browser.close()
    return drawn, settled


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=2000, help="nodes drawn (the explorer's maximum cap)")
    parser.add_argument("--found", type=int, default=5000, help="nodes found before the cap")
    parser.add_argument("--browser", action="store_true", help="also time the layout in /usr/bin/chromium")
    args = parser.parse_args()

    found = synthetic(args.found)
    filter_s, filtered = timed(lambda: keep(found, set(KINDS) | {"Record"}, (1920, 1949), True, set()))
    cap_s, view = timed(lambda: cap(filtered, args.nodes, set()))
    render_s, html = timed(lambda: render_view(view), repeat=3)
    graphml_s, _ = timed(lambda: to_graphml(view))
    json_s, _ = timed(lambda: to_json(view))
    print(f"synthetic graph: {len(found.nodes)} nodes found, {len(view.nodes)} drawn, {len(view.edges)} edges drawn")
    print(f"filter          {filter_s * 1000:8.1f} ms")
    print(f"cap             {cap_s * 1000:8.1f} ms")
    print(f"HTML (pyvis)    {render_s * 1000:8.1f} ms   {len(html) / 1e6:.2f} MB, vis.js inlined")
    print(f"GraphML export  {graphml_s * 1000:8.1f} ms")
    print(f"JSON export     {json_s * 1000:8.1f} ms")
    if args.browser:  # a 100-node page beside it: what loading vis.js itself costs on this machine
        for label, page in ((f"{len(view.nodes)} nodes", html), ("100 nodes", render_view(cap(filtered, 100, set())))):
            drawn, settled = in_browser(page)
            print(f"Chromium, {label:>11}: drawn after {drawn:.2f} s, laid out after {settled:.2f} s (from navigation start)")


if __name__ == "__main__":
    main()
