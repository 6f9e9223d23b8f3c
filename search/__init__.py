"""Search stage: each [[theme]] of jiyi.toml → a full-text index with facets, public and internal.

    build/public/search/<theme>/     open records only: what a public site may serve
    build/internal/search/<theme>/   every record of the theme, with the open-status facet

Both trees are built in a temporary folder beside their place and renamed into it, so a
failed build leaves the previous indexes as they were, and a theme removed from
jiyi.toml disappears with the next build.
"""

from __future__ import annotations

import pickle
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from jiyi.config import Config, ThemeSource
from jiyi.errors import JiyiError
from jiyi.model import AccessStatus, Entity, Problem, Record, SourceRef, StageResult, read_jsonl
from jiyi.progress import Reporter
from jiyi.workspace import Workspace

# Facet keys of the indexes (search/index.py FACET_FIELDS); in public every record is open, so no access facet.
INTERNAL_FACETS = ["type", "person", "place", "organisation", "fonds", "record_set", "year", "access"]
PUBLIC_FACETS = [key for key in INTERNAL_FACETS if key != "access"]
SPOOL_BATCH = 1_000  # documents per pickle in the stage's spool: a bounded batch in memory, few calls


def run(ws: Workspace, config: Config, records: Iterable[Record], reporter: Reporter) -> StageResult:
    """`records` is walked once per theme and once more to make the documents (a jiyi.build.RecordFile
    reads records.jsonl each time); neither the records nor their documents are held all at once."""
    # Imported here, not above: `jiyi.search.cli` loads this package on every `jiyi` command, and these
    # bring in jieba and the extract stage's normaliser.
    from .documents import Tokenizer, make_document, record_entities
    from .themes import select_records

    problems: list[Problem] = []
    entities: list[Entity] = []
    if ws.entities_file.is_file():
        entities = list(read_jsonl(ws.entities_file, Entity))
    elif config.themes:
        problems.append(Problem("W706", SourceRef(ws.relative(ws.entities_file)), "no extracted entities: the person, "
                                "place and organisation facets are empty", "run `jiyi extract` before the search stage",
                                dropped=False))
    chosen: dict[str, set[str]] = {}  # theme → the ids of its records
    for theme in config.themes:
        try:
            chosen[theme.name] = {record.id for record in select_records(theme, records, entities, ws, config)}
        except JiyiError as error:
            problems.append(Problem(error.code, SourceRef(ws.relative(ws.config_file)),
                                    f"theme `{theme.name}` left out: {error.message}", error.fix))
    wanted = set().union(*chosen.values())
    labels = record_entities(entities)
    del entities
    themes = [t for t in config.themes if t.name in chosen]
    indexed = 0
    ws.internal_search_dir.parent.mkdir(parents=True, exist_ok=True)
    # Each document is made once, in the order of the records, and spooled to a file that is gone
    # when closed (or when the process dies); every index then reads the documents back one by one.
    with tempfile.TemporaryFile(dir=ws.internal_search_dir.parent, prefix=".search-documents-") as spool:
        tokenizer = Tokenizer()
        batch = []
        for record in reporter.track(records, "search"):
            if record.id in wanted:
                batch.append(make_document(record, labels.pop(record.id, {}), tokenizer))
            if len(batch) == SPOOL_BATCH:
                pickle.dump(batch, spool, protocol=pickle.HIGHEST_PROTOCOL)
                batch = []
        pickle.dump(batch, spool, protocol=pickle.HIGHEST_PROTOCOL)
        del labels, batch

        def documents(theme: ThemeSource, public_only: bool) -> Iterator:
            members = chosen[theme.name]
            spool.seek(0)
            while True:
                try:
                    batch = pickle.load(spool)
                except EOFError:
                    return
                for document in batch:
                    if document.id in members and (not public_only or AccessStatus(document.access).is_public):
                        yield document

        with _replaced(ws.internal_search_dir) as folder:
            for theme in themes:
                indexed += _build(folder / theme.name, theme, documents(theme, False), "internal", config)
        with _replaced(ws.public_search_dir) as folder:
            for theme in themes:
                _build(folder / theme.name, theme, documents(theme, True), "public", config)
    return StageResult("search", {"themed databases": len(themes), "indexed records": indexed}, problems)


def _build(folder: Path, theme: ThemeSource, documents: Iterable, scope: str, config: Config) -> int:
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
