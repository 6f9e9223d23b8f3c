"""What the earlier stages built, as exhibits see it: records, public entities, page images, the public graph.

Only what may be public ever leaves this module for a page: `public_record` answers None for a
restricted record, and an entity counts only when the public graph holds its node (the graph
stage puts a node there when at least one open record mentions it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from pyoxigraph import NamedNode, RdfFormat, Store

from jiyi.config import Config
from jiyi.graph.queries import neighbourhood
from jiyi.graph.triples import entity_node
from jiyi.graph.vocab import PREFIXES, Minter
from jiyi.model import Entity, EntityType, Record, read_jsonl
from jiyi.workspace import Workspace

# When a name is shared by entities of several types, [[name]] means the first of these.
TYPE_ORDER = (EntityType.PER, EntityType.EVENT, EntityType.LOC, EntityType.ORG, EntityType.TIME)
MAX_NODES = 40  # nodes a graph slice shows at most
TYPE_LABELS = {"PER": ("人物", "Person"), "ORG": ("机构", "Organisation"), "LOC": ("地点", "Place"),
               "EVENT": ("事件", "Event"), "TIME": ("时间", "Date")}


@dataclass
class Page:
    """One page of a public record: its canvas in the record's manifest and its image on disk."""

    canvas: dict
    image: Path
    width: int
    height: int


class BuildData:
    def __init__(self, ws: Workspace, config: Config, records: list[Record]):
        self.ws = ws
        self.base_uri = config.base_uri
        self.minter = Minter(config.base_uri)
        self.records = {record.id: record for record in records}

    def public_record(self, record_id: str) -> Record | None:
        record = self.records.get(record_id)
        return record if record is not None and record.is_public else None

    # ------------------------------------------------------------ pages and manifests
    def manifest(self, record_id: str) -> dict | None:
        if self.public_record(record_id) is None:
            return None
        path = self.ws.public_iiif_dir / record_id / "manifest.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None

    def page(self, record_id: str, number: int) -> Page | None:
        """Page `number` (from 1) of a public record, when the IIIF stage made its image."""
        manifest = self.manifest(record_id)
        canvases = manifest.get("items", []) if manifest else []
        if not 1 <= number <= len(canvases):
            return None
        canvas = canvases[number - 1]
        body = canvas["items"][0]["items"][0]["body"]
        # The image's URI is base_uri + its path under build/public/ (iiif/manifests.py: image_uri).
        relative = body["id"].removeprefix(self.base_uri)
        image = (self.ws.public / relative).resolve()
        if not image.is_relative_to(self.ws.public.resolve()) or not image.is_file():
            return None
        return Page(canvas, image, int(canvas["width"]), int(canvas["height"]))

    def page_count(self, record_id: str) -> int:
        manifest = self.manifest(record_id)
        return len(manifest.get("items", [])) if manifest else 0

    # ------------------------------------------------------------ entities
    @cached_property
    def entities(self) -> list[Entity]:
        if not self.ws.entities_file.is_file():
            return []
        return list(read_jsonl(self.ws.entities_file, Entity))

    @cached_property
    def store(self) -> Store | None:
        """The public graph in memory, read from build/public/graph/public.ttl (nothing restricted is in it)."""
        path = self.ws.public_graph_dir / "public.ttl"
        if not path.is_file():
            return None
        store = Store()
        store.bulk_load(path=str(path), format=RdfFormat.TURTLE)
        return store

    def uri(self, entity: Entity) -> str:
        return entity_node(self.minter, entity).value

    def is_public(self, entity: Entity) -> bool:
        if self.store is not None:
            return any(True for _ in self.store.quads_for_pattern(NamedNode(self.uri(entity)), None, None))
        return any(self.public_record(rid) for rid in entity.record_ids)  # no graph built: the same rule, from the records

    def find(self, name: str, prefix: str = "") -> list[Entity]:
        """Entities named `name` (label or alias), of type `prefix` when one is given, in TYPE_ORDER."""
        found = [e for e in self.entities if (e.label == name or name in e.aliases)
                 and (not prefix or e.type.value == prefix)]
        return sorted(found, key=lambda e: (TYPE_ORDER.index(e.type), e.label != name))

    def public_entity(self, reference: str) -> Entity | None:
        """The public entity a reference (`毛泽东`, `PER:毛泽东`) names, or None."""
        prefix, _, name = reference.rpartition(":") if ":" in reference else ("", "", reference)
        return next((e for e in self.find(name.strip(), prefix.strip()) if self.is_public(e)), None)

    def public_records_of(self, entity: Entity) -> list[Record]:
        return [r for rid in entity.record_ids if (r := self.public_record(rid)) is not None]

    # ------------------------------------------------------------ the graph slice
    def slice(self, entity: Entity, depth: int, types: list[str]) -> tuple[list[dict], list[tuple[str, str]]]:
        """Nodes ({uri, label, type}) and edges within `depth` of the entity in the public graph."""
        if self.store is None:
            return [], []
        centre = self.uri(entity)
        edges = neighbourhood(self.store, centre, depth=depth)
        uris = sorted({u for edge in edges for u in edge} | {centre})
        if not uris:
            return [], []
        values = " ".join(f"<{u}>" for u in uris)
        rows = self.store.query(f"""SELECT ?n (SAMPLE(?type) AS ?t) (SAMPLE(?label) AS ?l) WHERE {{
            VALUES ?n {{ {values} }}
            OPTIONAL {{ ?n a ?type FILTER(STRSTARTS(STR(?type), STR(rico:))) }}
            OPTIONAL {{ ?n rdfs:label ?label FILTER(LANGMATCHES(LANG(?label), "zh-Hans") || LANG(?label) = "") }}
        }} GROUP BY ?n""", prefixes=PREFIXES)
        nodes = {}
        for row in rows:
            kind = row["t"].value.rsplit("#", 1)[-1] if row["t"] is not None else ""
            label = row["l"].value if row["l"] is not None else row["n"].value.rsplit("/", 1)[-1]
            nodes[row["n"].value] = {"uri": row["n"].value, "label": label, "type": kind}
        keep = {u for u, n in nodes.items() if u == centre or not types or n["type"] in types}
        kept_edges = {(a, b) for a, b in edges if a in keep and b in keep}
        # A neighbour of a type left out still connects: centre → (left out) → kept becomes centre → kept.
        first = {b for a, b in edges if a == centre}
        kept_edges |= {(centre, b) for a, b in edges if a in first and a not in keep and b in keep and b != centre}
        # Beyond MAX_NODES a slice is a hairball on a page: keep the best-connected nodes.
        degree = {u: sum(u in edge for edge in kept_edges) for u in keep}
        shown = {centre} | set(sorted((u for u in keep if u != centre), key=lambda u: (-degree[u], u))[:MAX_NODES - 1])
        kept_edges = sorted((a, b) for a, b in kept_edges if a in shown and b in shown)
        linked = {u for edge in kept_edges for u in edge} | {centre}
        return [nodes[u] for u in uris if u in linked and u in nodes], kept_edges


def load_records(ws: Workspace) -> list[Record]:
    """Every record ingest wrote (restricted ones too: a check must tell 'restricted' from 'unknown')."""
    return list(read_jsonl(ws.records_file, Record)) if ws.records_file.is_file() else []
