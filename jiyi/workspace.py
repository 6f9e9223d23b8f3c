"""Where things live in a workspace: the one place that names its files and folders.

    jiyi.toml                 settings (checked by jiyi.config)
    sources/                  the holdings: catalogue CSVs, text files, page images
    exhibits/                 educators' exhibits (YAML + Markdown)
    curation/                 curators' decisions and dictionaries, kept across re-runs
    build/internal/           everything generated, including restricted material
    build/public/             exactly what a public deployment may serve
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Workspace:
    root: Path

    @property
    def config_file(self) -> Path:
        return self.root / "jiyi.toml"

    @property
    def sources(self) -> Path:
        return self.root / "sources"

    @property
    def exhibits_dir(self) -> Path:
        return self.root / "exhibits"

    @property
    def curation(self) -> Path:
        return self.root / "curation"

    @property
    def decisions_file(self) -> Path:  # curators' decisions, applied on every build
        return self.curation / "decisions.tsv"

    @property
    def build(self) -> Path:
        return self.root / "build"

    @property
    def internal(self) -> Path:
        return self.build / "internal"

    @property
    def public(self) -> Path:
        return self.build / "public"

    # Stage outputs. Each stage reads the previous stage's files and writes its own.
    @property
    def records_file(self) -> Path:  # ingest → every Record, restricted ones included
        return self.internal / "records.jsonl"

    @property
    def public_records_file(self) -> Path:  # ingest → the open records only, for the app
        return self.public / "records.jsonl"

    @property
    def public_record_index(self) -> Path:  # ingest → the open records as SQLite, which the app queries
        return self.public / "records.sqlite"

    def problems_file(self, stage: str) -> Path:  # each stage → what it dropped and why
        return self.internal / "problems" / f"{stage}.jsonl"

    @property
    def ocr_dir(self) -> Path:  # ocr → <record id>/p001.json …: what was read on each page image, and where
        return self.internal / "ocr"

    @property
    def mentions_file(self) -> Path:  # extract → Mentions
        return self.internal / "mentions.jsonl"

    @property
    def extract_dir(self) -> Path:  # extract → each partition's mentions by record key, reused while unchanged
        return self.internal / "extract"

    @property
    def legacy_extract_cache_file(self) -> Path:  # what extract_dir replaced; removed when seen
        return self.internal / "extract-cache.jsonl"

    @property
    def entities_file(self) -> Path:  # extract → Entities (merged mentions)
        return self.internal / "entities.jsonl"

    @property
    def assertions_file(self) -> Path:  # extract → relations between entities, with evidence
        return self.internal / "assertions.jsonl"

    @property
    def store_dir(self) -> Path:  # graph → the Oxigraph store on disk (all records)
        return self.internal / "graph" / "oxigraph"

    @property
    def public_graph_dir(self) -> Path:  # graph → Turtle of the public subset
        return self.public / "graph"

    @property
    def public_store_dir(self) -> Path:  # graph → the public subset as an Oxigraph store the app opens read-only
        return self.public_graph_dir / "oxigraph"

    @property
    def public_entity_index(self) -> Path:  # graph → the public graph's entities, mentions and record links as SQLite
        return self.public_graph_dir / "entities.sqlite"

    @property
    def public_iiif_dir(self) -> Path:  # iiif → manifests, collections, images of open records
        return self.public / "iiif"

    @property
    def internal_iiif_dir(self) -> Path:  # iiif → manifests of restricted records, staff only
        return self.internal / "iiif"

    @property
    def public_exhibits_dir(self) -> Path:  # exhibits → rendered exhibit JSON, open items only
        return self.public / "exhibits"

    @property
    def summary_file(self) -> Path:  # build → counts of the last build
        return self.internal / "summary.json"

    def relative(self, path: Path) -> str:
        """A path as shown to users and stored in records: relative to the workspace."""
        try:
            return Path(path).resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(path)

    @property
    def public_search_dir(self) -> Path:  # search → one index per theme, open records only
        return self.public / "search"

    @property
    def internal_search_dir(self) -> Path:  # search → one index per theme, every record, with the open-status facet
        return self.internal / "search"

    @property
    def public_exhibits_iiif_dir(self) -> Path:  # exhibits → per exhibit a Manifest (one Range per section) and a Collection
        return self.public_iiif_dir / "exhibits"

    @property
    def internal_exhibits_dir(self) -> Path:  # exhibits → exhibits marked `visibility: internal`, staff only
        return self.internal / "exhibits"
