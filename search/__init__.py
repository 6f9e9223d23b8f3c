"""Search stage: each [[theme]] of jiyi.toml → a full-text index with facets, public and internal.

    build/public/search/<theme>/     open records only: what a public site may serve
    build/internal/search/<theme>/   every record of the theme, with the open-status facet

Both trees are built in a temporary folder beside their place and renamed into it, so a
failed build leaves the previous indexes as they were, and a theme removed from
jiyi.toml disappears with the next build.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from jiyi.config import Config, ThemeSource
from jiyi.errors import JiyiError
from jiyi.model import Entity, Problem, Record, SourceRef, StageResult, read_jsonl
from jiyi.progress import Reporter
from jiyi.workspace import Workspace

# Facet keys of the indexes (search/index.py FACET_FIELDS); in public every record is open, so no access facet.
INTERNAL_FACETS = ["type", "person", "place", "organisation", "fonds", "record_set", "year", "access"]
PUBLIC_FACETS = [key for key in INTERNAL_FACETS if key != "access"]


def run(ws: Workspace, config: Config, records: list[Record], reporter: Reporter) -> StageResult:
    # Imported here, not above: `jiyi.search.cli` loads this package on every `jiyi` command, and these
    # bring in jieba and the extract stage's normaliser.
    from .documents import make_documents
    from .themes import select_records

    problems: list[Problem] = []
    entities: list[Entity] = []
    if ws.entities_file.is_file():
        entities = list(read_jsonl(ws.entities_file, Entity))
    elif config.themes:
        problems.append(Problem("W706", SourceRef(ws.relative(ws.entities_file)), "no extracted entities: the person, "
                                "place and organisation facets are empty", "run `jiyi extract` before the search stage",
                                dropped=False))
    chosen: dict[str, list[Record]] = {}
    for theme in config.themes:
        try:
            chosen[theme.name] = select_records(theme, records, entities, ws, config)
        except JiyiError as error:
            problems.append(Problem(error.code, SourceRef(ws.relative(ws.config_file)),
                                    f"theme `{theme.name}` left out: {error.message}", error.fix))
    wanted = {record.id for selected in chosen.values() for record in selected}
    documents = make_documents([r for r in records if r.id in wanted], entities, track=reporter.track)

    themes = [t for t in config.themes if t.name in chosen]
    indexed = 0
    with _replaced(ws.internal_search_dir) as folder:
        for theme in themes:
            indexed += _build(folder / theme.name, theme, [documents[r.id] for r in chosen[theme.name]], "internal", config)
    with _replaced(ws.public_search_dir) as folder:
        for theme in themes:
            public = [documents[r.id] for r in chosen[theme.name] if r.is_public]
            _build(folder / theme.name, theme, public, "public", config)
    return StageResult("search", {"themed databases": len(themes), "indexed records": indexed}, problems)


def _build(folder: Path, theme: ThemeSource, documents: list, scope: str, config: Config) -> int:
    """One theme's index, in the folder (tantivy) or on the OpenSearch server ([search] in jiyi.toml).
    Either way the folder's theme.json says where the index is; readers open it with open_backend."""
    from .index import TantivyBackend, write_meta

    facets = INTERNAL_FACETS if scope == "internal" else PUBLIC_FACETS
    where: dict = {"backend": config.search_backend}
    if config.search_backend == "opensearch":
        from .opensearch import OpenSearchBackend

        where |= {"url": config.search_url, "index": f"{config.search_index_prefix}-{scope}-{theme.name}".lower()}
        with OpenSearchBackend(where["url"], where["index"], facets) as backend:
            count = backend.build(documents)
    else:
        count = TantivyBackend(folder, facets).build(documents, heap_bytes=50_000_000)
    selector = {key: getattr(theme, key) for key in ("record_sets", "concept", "aliases", "sparql") if getattr(theme, key)}
    write_meta(folder, {"name": theme.name, "label_zh": theme.label_zh, "label_en": theme.label_en, "scope": scope,
                        "records": count, **where, "facets": facets, "base_uri": config.base_uri,
                        "selector": selector})
    return count


class _replaced:
    """A temporary folder that takes `target`'s place when the block ends without an error."""

    def __init__(self, target: Path):
        self.target = target

    def __enter__(self) -> Path:
        self.target.parent.mkdir(parents=True, exist_ok=True)
        self.temporary = Path(tempfile.mkdtemp(prefix=f".{self.target.name}-", dir=self.target.parent))
        self.temporary.chmod(0o755)  # mkdtemp makes it private; a web server must read the public one
        return self.temporary

    def __exit__(self, kind, error, traceback) -> None:
        if kind is not None:
            shutil.rmtree(self.temporary, ignore_errors=True)
            return
        old = self.target.with_name(f".{self.target.name}-old")
        shutil.rmtree(old, ignore_errors=True)
        if self.target.exists():
            self.target.rename(old)
        self.temporary.rename(self.target)
        shutil.rmtree(old, ignore_errors=True)
