"""Records ↔ entities as a pyvis network whose HTML loads nothing from the internet."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from pyvis.network import Network

# Node colour and shape per RiC-O class; records are squares so they stand apart from what they mention.
STYLE = {
    "Record": ("#8c2d19", "square"),
    "Person": ("#dd6b20", "dot"),
    "CorporateBody": ("#2b6cb0", "dot"),
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


def choose(links: list[dict[str, str]], cap: int) -> Subgraph:
    """At most `cap` nodes: entities in the most records first, each with all its records."""
    by_entity: dict[str, set[str]] = defaultdict(set)
    about: dict[str, tuple[str, str]] = {}
    for link in links:
        by_entity[link["entity"]].add(link["id"])
        about[link["entity"]] = (local_name(link["type"]), link["label"])
    graph = Subgraph(total_nodes=len(by_entity) + len({link["id"] for link in links}))
    for entity in sorted(by_entity, key=lambda e: (-len(by_entity[e]), about[e][1])):
        new_records = by_entity[entity] - graph.records
        if graph.node_count + 1 + len(new_records) > cap:
            continue  # a smaller entity further down may still fit
        graph.entities[entity] = about[entity]
        graph.records |= new_records
        graph.edges += [(record_id, entity) for record_id in sorted(by_entity[entity])]
    return graph


def render(graph: Subgraph, titles: dict[str, str], kind_names: dict[str, str] | None = None, height: int = 650) -> str:
    """Self-contained HTML (vis.js inlined) drawing the subgraph.

    Labels need no escaping here: pyvis writes the nodes with Jinja's HTML-safe `tojson`
    (`<` becomes `\\u003c`), and vis-network 9 shows string titles as text, not HTML.
    """
    net = Network(height=f"{height}px", width="100%", cdn_resources="in_line", bgcolor="#ffffff")
    net.barnes_hut(spring_length=120)
    for record_id in sorted(graph.records):
        colour, shape = STYLE["Record"]
        title = titles.get(record_id, record_id)
        short = title if len(title) <= 12 else title[:11] + "…"
        net.add_node(f"record:{record_id}", label=short, title=f"{record_id} {title}",
                     color=colour, shape=shape, size=14)
    degree = Counter(uri for _, uri in graph.edges)
    for uri, (kind, label) in graph.entities.items():
        colour, shape = STYLE.get(kind, ("#a0aec0", "dot"))
        net.add_node(uri, label=label, title=f"{label} · {(kind_names or {}).get(kind, kind)}",
                     color=colour, shape=shape, size=8 + 3 * min(degree[uri], 8))
    for record_id, uri in graph.edges:
        net.add_edge(f"record:{record_id}", uri, color="#cbd5e0")
    return strip_external(net.generate_html(notebook=False))
