"""Graphs as pyvis networks whose HTML loads nothing from the internet, and the shown subgraph as files.

Two drawings share one renderer: the overview (records ↔ the entities they mention, `choose`)
and the explorer's ego networks and paths (`View`, built by the page from graph.queries).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from urllib.parse import quote


# Node colour and shape per RiC-O class; records are squares so they stand apart from what they mention.
STYLE = {
    "Record": ("#8c2d19", "square"),
    "Person": ("#dd6b20", "dot"),
    "CorporateBody": ("#2b6cb0", "dot"),
    "Agent": ("#2c5282", "diamond"),
    "Place": ("#2f855a", "dot"),
    "Date": ("#718096", "dot"),
    "Event": ("#805ad5", "dot"),
}

# A <script src=…> or <link href=…> that is not an inline data: URI. pyvis links bootstrap
# from a CDN in every mode and adds ../node_modules paths that cannot load in an iframe;
# an archive's reading room may be offline, and a public site should not tell a CDN who reads what.
_SCRIPT = re.compile(r"<script\b(?=[^>]*\bsrc\s*=\s*(?![\"']?data:))[^>]*>.*?</script\s*>", re.I | re.S)
_LINK = re.compile(r"<link\b(?=[^>]*\bhref\s*=\s*(?![\"']?data:))[^>]*>", re.I)


def strip_external(page: str) -> str:
    """The HTML with every externally loaded script and linked resource removed."""
    return _LINK.sub("", _SCRIPT.sub("", page))


def local_name(uri: str) -> str:
    return uri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def entity_link(uri: str) -> str:
    """The entity page of a node, relative to the app's root (the page's url_path is "entity")."""
    return "entity?uri=" + quote(uri, safe="")


def item_link(record_id: str) -> str:
    return "item?id=" + quote(record_id, safe="")


# ---------------------------------------------------------------- what is drawn
@dataclass
class Node:
    id: str  # the node's IRI (the overview's records: "record:<id>")
    kind: str  # RiC-O class local name: Person, Record, Date, …
    label: str
    link: str  # its page, relative to the app root: entity?uri=… or item?id=…
    year: int | None = None  # for the time filter; None: undated (people, places, bodies)


@dataclass
class View:
    nodes: dict[str, Node]
    edges: list[tuple[str, str, str]]  # (a, b, relation local name), both ends in nodes
    found: int = 0  # nodes before the cap

    @property
    def capped(self) -> bool:
        return len(self.nodes) < self.found


def keep(view: View, kinds: set[str], years: tuple[int, int] | None, undated: bool, pinned: set[str]) -> View:
    """Nodes whose kind is chosen and whose year is in range (undated ones if `undated`); pinned nodes always.

    Filters judge each node on its own: a node stays even if the node it was reached through goes,
    so a filter narrows the drawing without hiding what the reader asked for.
    """
    def passes(node: Node) -> bool:
        if node.id in pinned:
            return True
        if node.kind not in kinds:
            return False
        if years is None:
            return True
        return undated if node.year is None else years[0] <= node.year <= years[1]

    nodes = {n: node for n, node in view.nodes.items() if passes(node)}
    return View(nodes, [e for e in view.edges if e[0] in nodes and e[1] in nodes], found=len(nodes))


def cap(view: View, limit: int, pinned: set[str]) -> View:
    """At most `limit` nodes: the pinned ones, then the best-connected; `found` keeps the count before."""
    if len(view.nodes) <= limit:
        return view
    degree = Counter(n for a, b, _ in view.edges for n in (a, b))
    ranked = sorted(view.nodes, key=lambda n: (n not in pinned, -degree[n], view.nodes[n].label, n))
    nodes = {n: view.nodes[n] for n in ranked[:limit]}
    return View(nodes, [e for e in view.edges if e[0] in nodes and e[1] in nodes], found=view.found or len(view.nodes))


# ---------------------------------------------------------------- drawing
# Clicking a node opens its page in the app's own tab. Streamlit's iframe sandbox has no
# allow-top-navigation, so `top.location = …` is refused; but with allow-same-origin the script may
# reach the parent document, and a link clicked there is the app's own navigation. Embedded
# elsewhere (another origin), the parent is out of reach and the page opens in a new tab (allow-popups).
# The script wraps vis.Network before pyvis's script builds the network, so its handlers are in place
# before the layout starts: a listener added afterwards can miss a layout that already finished.
_HOOKS = """<script type="text/javascript">
(function () {
  var links = %s;
  function open(relative) {
    try {
      var doc = window.parent.document;
      var a = doc.createElement("a");
      a.href = new URL(relative, window.parent.location.href).href;
      doc.body.appendChild(a);
      a.click();
      a.remove();
    } catch (error) {
      window.open(relative, "_blank", "noopener");
    }
  }
  var Drawn = vis.Network;
  vis.Network = function (container, data, options) {
    var network = new Drawn(container, data, options);
    // Laid out once, the drawing stands still: a 2,000-node simulation left running keeps the page busy.
    network.once("stabilizationIterationsDone", function () { network.setOptions({physics: {enabled: false}}); });
    network.on("click", function (params) {
      if (params.nodes.length === 1 && links[params.nodes[0]]) { open(links[params.nodes[0]]); }
    });
    return network;
  };
})();
</script>
"""

# Big graphs: straight edges, a bounded layout and no physics once laid out keep 2,000 nodes interactive.
BIG = 500  # nodes beyond which the layout is shortened
_OPTIONS = {
    "layout": {"improvedLayout": False},  # its Kamada–Kawai start costs seconds beyond a few hundred nodes
    "physics": {"solver": "barnesHut", "barnesHut": {"springLength": 120, "gravitationalConstant": -6000},
                "stabilization": {"enabled": True, "iterations": 150, "updateInterval": 25, "fit": True}},
    "interaction": {"hover": True, "tooltipDelay": 150, "hideEdgesOnDrag": True},
    "edges": {"smooth": False, "color": {"color": "#cbd5e0"}},
}


def _script_json(value) -> str:
    # JSON inside <script>: `<` escaped, so no label or IRI can close the script element.
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render_view(view: View, kind_names: dict[str, str] | None = None, height: int = 650,
                centre: set[str] | None = None) -> str:
    """Self-contained HTML (vis.js inlined, no CDN) drawing the view; a click opens a node's page.

    Labels need no escaping here: pyvis writes the nodes with Jinja's HTML-safe `tojson`
    (`<` becomes `\\u003c`), and vis-network 9 shows string titles as text, not HTML.
    """
    from pyvis.network import Network  # here, not at the top: pyvis pulls in IPython and networkx (1.3 s),
    # which the pages that only use this module's helpers should not pay for
    net = Network(height=f"{height}px", width="100%", cdn_resources="in_line", bgcolor="#ffffff")
    degree = Counter(n for a, b, _ in view.edges for n in (a, b))
    # The node and edge lists are filled directly: pyvis's add_node and add_edge search every node and
    # edge added before, seconds at 2,000 nodes. Edges are drawn undirected, once per pair.
    for node in view.nodes.values():
        colour, shape = STYLE.get(node.kind, ("#a0aec0", "dot"))
        short = node.label if len(node.label) <= 12 else node.label[:11] + "…"
        size = 22 if node.id in (centre or set()) else 8 + 2 * min(degree[node.id], 8)
        net.nodes.append({"id": node.id, "label": short, "shape": shape, "color": colour, "size": size,
                          "title": f"{node.label} · {(kind_names or {}).get(node.kind, node.kind)}"})
        net.node_ids.append(node.id)
    pairs: dict[frozenset, list[str]] = {}
    for a, b, relation in view.edges:
        pairs.setdefault(frozenset((a, b)), [a, b, relation])
    net.edges = [{"from": a, "to": b, "title": relation} for a, b, relation in pairs.values()]
    options = json.loads(json.dumps(_OPTIONS))  # a copy: the module's stays as written
    # Each layout step costs time in proportion to the nodes; a big graph gets fewer, so it settles in seconds.
    options["physics"]["stabilization"]["iterations"] = 150 if len(view.nodes) <= BIG else 30
    net.set_options(json.dumps(options))
    page = strip_external(net.generate_html(notebook=False))
    hooks = _HOOKS % _script_json({node.id: node.link for node in view.nodes.values()})
    return page.replace("<body>", "<body>\n" + hooks, 1)  # before pyvis's script, which follows <body>


# ---------------------------------------------------------------- exports of the shown subgraph
def to_json(view: View) -> str:
    return json.dumps({"nodes": [{"id": n.id, "type": n.kind, "label": n.label, "year": n.year}
                                 for n in view.nodes.values()],
                       "edges": [{"source": a, "target": b, "relation": r} for a, b, r in view.edges]},
                      ensure_ascii=False, indent=1)


def to_graphml(view: View) -> str:
    """GraphML written with the standard library: the format is small, and one less dependency to trust."""
    ns = "http://graphml.graphdrawing.org/xmlns"
    root = ET.Element("graphml", xmlns=ns)
    for key, owner in (("type", "node"), ("label", "node"), ("year", "node"), ("relation", "edge")):
        ET.SubElement(root, "key", {"id": key, "for": owner, "attr.name": key, "attr.type": "string"})
    graph = ET.SubElement(root, "graph", id="jiyi", edgedefault="undirected")
    for node in view.nodes.values():
        element = ET.SubElement(graph, "node", id=node.id)
        for key, value in (("type", node.kind), ("label", node.label), ("year", node.year)):
            if value is not None:
                ET.SubElement(element, "data", key=key).text = str(value)
    for a, b, relation in view.edges:
        ET.SubElement(ET.SubElement(graph, "edge", source=a, target=b), "data", key="relation").text = relation
    return ET.tostring(root, encoding="unicode", xml_declaration=True)


# ---------------------------------------------------------------- the overview: records ↔ entities
@dataclass
class Subgraph:
    records: set[str] = field(default_factory=set)
    entities: dict[str, tuple[str, str]] = field(default_factory=dict)  # uri → (type, label)
    edges: list[tuple[str, str]] = field(default_factory=list)  # (record id, entity uri)
    total_nodes: int = 0

    @property
    def node_count(self) -> int:
        return len(self.records) + len(self.entities)

    @property
    def capped(self) -> bool:
        return self.node_count < self.total_nodes


def choose(links: list[dict[str, str]], cap: int, total_nodes: int | None = None) -> Subgraph:
    """At most `cap` nodes: entities in the most records first, each with all its records.

    `total_nodes`: how many nodes all links would make, when `links` leaves out entities too big to fit.
    """
    by_entity: dict[str, set[str]] = defaultdict(set)
    about: dict[str, tuple[str, str]] = {}
    for link in links:
        by_entity[link["entity"]].add(link["id"])
        about[link["entity"]] = (local_name(link["type"]), link["label"])
    graph = Subgraph(total_nodes=total_nodes if total_nodes is not None else
                     len(by_entity) + len({link["id"] for link in links}))
    for entity in sorted(by_entity, key=lambda e: (-len(by_entity[e]), about[e][1])):
        new_records = by_entity[entity] - graph.records
        if graph.node_count + 1 + len(new_records) > cap:
            continue  # a smaller entity further down may still fit
        graph.entities[entity] = about[entity]
        graph.records |= new_records
        graph.edges += [(record_id, entity) for record_id in sorted(by_entity[entity])]
    return graph


def overview(graph: Subgraph, titles: dict[str, str]) -> View:
    """The overview as a View: records as `record:<id>` nodes titled by `titles`, linked to what they mention."""
    nodes = {f"record:{rid}": Node(f"record:{rid}", "Record", titles.get(rid, rid), item_link(rid))
             for rid in sorted(graph.records)}
    for uri, (kind, label) in graph.entities.items():
        nodes[uri] = Node(uri, kind, label, entity_link(uri))
    edges = [(f"record:{rid}", uri, "hasOrHadSubject") for rid, uri in graph.edges]
    return View(nodes, edges, found=graph.total_nodes)


def render(graph: Subgraph, titles: dict[str, str], kind_names: dict[str, str] | None = None, height: int = 650) -> str:
    """The overview as self-contained HTML."""
    return render_view(overview(graph, titles), kind_names, height)
