"""The graph explorer (issue 7): ego networks and paths as graph.queries finds them on the public graph,
filters and the node cap, exports of what is drawn, nothing restricted, nothing from a CDN, and a click in Chromium."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlsplit

import pytest
import rdflib
from pyoxigraph import RdfFormat, Store
from streamlit.runtime.media_file_manager import MediaFileManager

from browser import open_browser, running_app
from jiyi.graph import queries

PAGE = "views/graph_explorer.py"
RICO = "https://www.ica.org/standards/RiC/ontology#"
EXTERNAL = re.compile(r"<(script|link)\b[^>]*\b(src|href)\s*=\s*[\"']?(https?:)?//", re.I)
GRAPHML = "{http://graphml.graphdrawing.org/xmlns}"


@pytest.fixture(scope="module")
def store(ws) -> Store:
    """The public graph, loaded here from build/public/graph/public.ttl, not through the app."""
    loaded = Store()
    loaded.bulk_load(path=str(ws.public_graph_dir / "public.ttl"), format=RdfFormat.TURTLE)
    return loaded


@pytest.fixture(scope="module")
def person(store) -> str:
    """The person most records name (ties: the first IRI)."""
    rows = store.query(f"""SELECT ?p (COUNT(DISTINCT ?r) AS ?n) WHERE {{ ?p a <{RICO}Person> . ?r <{RICO}hasOrHadSubject> ?p }}
        GROUP BY ?p ORDER BY DESC(?n) ?p LIMIT 1""")
    return next(iter(rows))[0].value


@pytest.fixture
def downloads(monkeypatch):
    """file name → the callable each download button hands Streamlit (the page makes its files only when clicked)."""
    made = {}
    original = MediaFileManager.add_deferred

    def keep(self, data_callable, mimetype, coordinates, file_name=None, **options):
        made.pop(file_name, None)  # the latest run's file last
        made[file_name] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name=file_name, **options)

    monkeypatch.setattr(MediaFileManager, "add_deferred", keep)
    return made


def made(downloads, suffix: str) -> str:
    name = [name for name in downloads if name.endswith(suffix)][-1]  # the latest run's
    content = downloads[name]()
    return content.decode("utf-8") if isinstance(content, bytes) else content


def drawn(at) -> dict[str, dict]:
    """id → node of the vis.js DataSet in the page's (only) network iframe."""
    (page,) = [frame.proto.srcdoc for frame in at.get("iframe")]
    nodes = re.search(r"nodes = new vis\.DataSet\((\[.*?\])\);", page, re.S)
    return {node["id"]: node for node in json.loads(nodes.group(1))}


def ego(open_page, centre: str, depth: int, limit: int = 2000):
    at = open_page(PAGE)
    at.radio(key="ge_mode").set_value("ego").run()
    at.selectbox(key="ge_centre").set_value(centre)
    at.slider(key="ge_depth").set_value(depth)
    at.number_input(key="ge_cap").set_value(limit).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def neighbourhood_nodes(store, centre: str, depth: int) -> set[str]:
    return {centre} | {node for edge in queries.neighbourhood(store, centre, depth=depth) for node in edge}


@pytest.mark.parametrize("depth", [1, 2])
def test_ego_network_holds_exactly_the_neighbourhood(open_page, store, person, depth):
    at = ego(open_page, person, depth)
    expected = neighbourhood_nodes(store, person, depth)
    assert len(expected) > 10
    assert set(drawn(at)) == expected
    assert not at.warning
    # The accessible fallback: one link per drawn node, to the page a click opens.
    links = [parse_qs(link.proto.query_string) for link in at.get("page_link") if link.proto.page in ("entity", "item")]
    assert {q["uri"][0] for q in links if "uri" in q} == {n for n in expected if "/record/" not in n}


def test_depth_three_is_one_more_step_out_from_depth_two(open_page, store, person):
    one, two = neighbourhood_nodes(store, person, 1), neighbourhood_nodes(store, person, 2)
    three = set(two)
    for node in two - one:
        three |= neighbourhood_nodes(store, node, 1)
    at = ego(open_page, person, 3)
    assert set(drawn(at)) == three and len(three) > len(two)


def test_filters_narrow_the_network(open_page, store, person, downloads):
    everything = neighbourhood_nodes(store, person, 2)
    at = ego(open_page, person, 2)
    at.multiselect(key="ge_types").set_value(["Person"]).run()
    people = set(drawn(at))
    assert person in people and people < everything
    assert people <= {row[0].value for row in store.query(f"SELECT ?n WHERE {{ ?n a <{RICO}Person> }}")}

    at.multiselect(key="ge_types").set_value(["Record", "Event", "Date", "Person"])
    at.checkbox(key="ge_undated").uncheck()
    at.slider(key="ge_years").set_value((1927, 1930)).run()
    shown = json.loads(made(downloads, ".json"))["nodes"]
    assert 1 < len(shown) < len(everything)
    assert all(n["id"] == person or (n["year"] is not None and 1927 <= n["year"] <= 1930) for n in shown)
    assert {n["id"] for n in shown} == set(drawn(at))


def test_the_cap_draws_the_best_connected_and_says_how_to_narrow(open_page, store, person):
    expected = neighbourhood_nodes(store, person, 2)
    at = ego(open_page, person, 2, limit=20)
    (warning,) = [w.value for w in at.warning]
    assert str(len(expected)) in warning and "20" in warning and "深度" in warning  # how many, and how to narrow
    nodes = drawn(at)
    assert len(nodes) == 20 and person in nodes and set(nodes) <= expected


def test_a_hub_is_fetched_up_to_a_limit_and_the_page_says_so(open_page, store, person, monkeypatch):
    """A person named in 55,000 records: the explorer fetches three times its node cap (at least EGO_ROWS),
    no more, and says when it stopped."""
    from jiyi.apps import data

    everything = neighbourhood_nodes(store, person, 1)
    assert len(everything) > 40  # 44 on the demo
    monkeypatch.setattr(data, "EGO_ROWS", 35)
    at = ego(open_page, person, 1, limit=10)  # 3 × 10 < 35: EGO_ROWS rows
    (info,) = [i.value for i in at.info]
    assert "太多" in info and "36" in info  # the centre and the first 35 found
    (warning,) = [w.value for w in at.warning]
    assert warning.startswith("至少找到 36 个节点")  # "at least", not the 36 as a total
    nodes = drawn(at)
    assert len(nodes) == 10 and person in nodes and set(nodes) <= everything

    at.number_input(key="ge_cap").set_value(12).run()  # 3 × 12 = 36 rows
    assert "37" in at.info[0].value and len(drawn(at)) == 12

    monkeypatch.setattr(data, "EGO_ROWS", len(everything) - 1)  # exactly enough rows: no "at least"
    at = ego(open_page, person, 1, limit=10)
    assert not at.info
    (warning,) = [w.value for w in at.warning]
    assert warning.startswith(f"找到 {len(everything)} 个节点")
    assert len(drawn(at)) == 10 and set(drawn(at)) <= everything


def test_shortest_path_is_the_one_graph_queries_finds(open_page, store, person):
    at = open_page(PAGE)
    at.radio(key="ge_mode").set_value("path").run()
    # Pick a goal two or more steps away: a place named in a record that does not name the person.
    goal = next(row[0].value for row in store.query(f"""SELECT ?g WHERE {{ ?g a <{RICO}Place> .
        ?r <{RICO}hasOrHadSubject> ?g . FILTER NOT EXISTS {{ ?r <{RICO}hasOrHadSubject> <{person}> }} }} ORDER BY ?g"""))
    expected = queries.shortest_path(store, person, goal)
    assert len(expected) >= 3
    at.selectbox(key="ge_from").set_value(person)
    at.selectbox(key="ge_to").set_value(goal).run()
    assert not at.exception
    assert set(drawn(at)) == set(expected)
    (line,) = [text.value for text in at.get("text")]
    labels = [drawn(at)[node]["title"].split(" · ")[0] for node in expected]
    positions = [line.index(label) for label in labels]
    assert positions == sorted(positions) and line.count("→") + line.count("←") == 2 * (len(expected) - 1)


def test_no_path_says_so(open_page, store, person, monkeypatch):
    from jiyi.apps import data

    monkeypatch.setattr(data, "shortest_path", lambda start, goal: [])  # the demo's graph is connected
    at = open_page(PAGE)
    at.radio(key="ge_mode").set_value("path").run()
    assert any("没有路径" in w.value for w in at.warning)
    assert not at.get("iframe")


def test_exports_parse_and_hold_only_the_drawn_nodes(open_page, person, downloads):
    at = ego(open_page, person, 2, limit=60)
    shown = set(drawn(at))
    assert len(shown) == 60

    root = ET.fromstring(made(downloads, ".graphml"))
    assert {n.get("id") for n in root.iter(f"{GRAPHML}node")} == shown
    edges = [(e.get("source"), e.get("target")) for e in root.iter(f"{GRAPHML}edge")]
    assert edges and all(a in shown and b in shown for a, b in edges)

    as_json = json.loads(made(downloads, ".json"))
    assert {n["id"] for n in as_json["nodes"]} == shown
    assert all(e["source"] in shown and e["target"] in shown for e in as_json["edges"])

    graph = rdflib.Graph().parse(data=made(downloads, ".ttl"), format="turtle")
    assert len(graph) > len(shown)
    subjects = {str(s) for s in graph.subjects()}
    objects = {str(o) for o in graph.objects() if isinstance(o, rdflib.URIRef) and not str(o).startswith(RICO)}
    assert subjects == shown and objects <= shown


def test_no_restricted_record_and_nothing_from_a_cdn(open_page, person, restricted_records, downloads, page_text):
    assert restricted_records
    closed = re.compile("|".join(rf"(?<![\w-]){re.escape(r.id)}(?![\w-])" for r in restricted_records))
    pages = [ego(open_page, person, 3)]
    for suffix in (".graphml", ".json", ".ttl"):
        assert not closed.search(made(downloads, suffix)), suffix
    path = open_page(PAGE)
    path.radio(key="ge_mode").set_value("path").run()
    pages.append(path)
    pages.append(open_page(PAGE))  # the overview
    for at in pages:
        text = page_text(at)
        assert not closed.search(text), closed.search(text).group(0)
        for frame in at.get("iframe"):
            page = frame.proto.srcdoc
            assert "new vis.Network" in page and len(page) > 100_000  # vis.js itself is inlined
            assert not EXTERNAL.search(page), EXTERNAL.search(page).group(0)


# ---------------------------------------------------------------- in Chromium: click a node, land on its page
@pytest.fixture(scope="module")
def app_url(ws):
    with running_app(ws.root) as url:
        yield url


def test_clicking_a_node_opens_its_entity_page_in_chromium(app_url, person, tmp_path):
    with open_browser(tmp_path) as browser:  # blocks and records every request that would leave loopback
        page = browser.page
        page.goto(f"{app_url}graph", timeout=60_000)
        page.get_by_text("实体关系网").click()
        frame_element = page.locator('iframe[srcdoc*="vis.Network"]').first
        frame_element.wait_for(timeout=60_000)
        page.wait_for_timeout(1000)  # the mode's rerun replaces the overview's iframe
        frame_element = page.locator('iframe[srcdoc*="vis.Network"]').first
        frame_element.scroll_into_view_if_needed()
        frame = frame_element.element_handle().content_frame()
        frame.wait_for_function("typeof network !== 'undefined' && network !== null", timeout=30_000)
        page.wait_for_timeout(2000)  # let the layout settle, then freeze it
        target = frame.evaluate("""(centre) => {
            network.stopSimulation();
            const positions = network.getPositions();
            const box = document.getElementById('mynetwork').getBoundingClientRect();
            const id = network.body.data.nodes.getIds().find(i => i !== centre && !i.includes('/record/')
                && network.getNodeAt(network.canvasToDOM(positions[i])) === i);
            const at = network.canvasToDOM(positions[id]);
            return {id: id, x: box.left + at.x, y: box.top + at.y};
        }""", person)
        assert target["id"], "no entity node to click"
        frame_box = frame_element.bounding_box()
        page.mouse.click(frame_box["x"] + target["x"], frame_box["y"] + target["y"])
        page.wait_for_url("**/entity?uri=**", timeout=30_000)
        assert parse_qs(urlsplit(page.url).query)["uri"] == [target["id"]]
        page.get_by_role("heading").first.wait_for(timeout=30_000)  # the entity page drew its title
        browser.drop_stcore_probes()  # Streamlit looking for itself under /graph/_stcore/ (tests/browser.py)
        assert not browser.blocked, browser.blocked
