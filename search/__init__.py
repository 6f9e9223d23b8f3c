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
    """`records` is walked once to make the documents and once more by each theme beside it (a
    jiyi.build.RecordFile reads records.jsonl on each walk); neither the records, nor their documents,
    nor the entities' record ids are held all at once."""
    # Imported here, not above: `jiyi.search.cli` loads this package on every `jiyi` command, and these
    # bring in jieba and the extract stage's normaliser.
    from .documents import RecordLabels, Tokenizer, make_document
    from .themes import select_records

    problems: list[Problem] = []
    if not ws.entities_file.is_file() and config.themes:
        problems.append(Problem("W706", SourceRef(ws.relative(ws.entities_file)), "no extracted entities: the person, "
                                "place and organisation facets are empty", "run `jiyi extract` before the search stage",
                                dropped=False))
    selections: dict[str, Iterator[Record]] = {}  # theme → its records, walked beside the documents
    for theme in config.themes:
        try:
            selections[theme.name] = iter(select_records(theme, records, _entities(ws), ws, config))
        except JiyiError as error:
            problems.append(Problem(error.code, SourceRef(ws.relative(ws.config_file)),
                                    f"theme `{theme.name}` left out: {error.message}", error.fix))
    themes = [t for t in config.themes if t.name in selections]
    indexed = 0
    ws.internal_search_dir.parent.mkdir(parents=True, exist_ok=True)
    # Each document is made once, in the order of the records, and spooled with the names of its themes
    # to a file that is gone when closed (or when the process dies); every index then reads them back.
    with RecordLabels(_entities(ws)) as labels, \
            tempfile.TemporaryFile(dir=ws.internal_search_dir.parent, prefix=".search-documents-") as spool:
        members = ThemeMembers(selections)
        tokenizer = Tokenizer()
        batch = []
        for record in reporter.track(records, "search"):
            if names := members.of(record.id):
                batch.append((names, make_document(record, labels.of(record.id), tokenizer)))
            if len(batch) == SPOOL_BATCH:
                pickle.dump(batch, spool, protocol=pickle.HIGHEST_PROTOCOL)
                batch = []
        pickle.dump(batch, spool, protocol=pickle.HIGHEST_PROTOCOL)
        del batch

        def documents(theme: ThemeSource, public_only: bool) -> Iterator:
            spool.seek(0)
            while True:
                try:
                    batch = pickle.load(spool)
                except EOFError:
                    return
                for names, document in batch:
                    if theme.name in names and (not public_only or AccessStatus(document.access).is_public):
                        yield document

        with _replaced(ws.internal_search_dir) as folder:
            for theme in themes:
                indexed += _build(folder / theme.name, theme, documents(theme, False), "internal", config)
        with _replaced(ws.public_search_dir) as folder:
            for theme in themes:
                _build(folder / theme.name, theme, documents(theme, True), "public", config)
    return StageResult("search", {"themed databases": len(themes), "indexed records": indexed}, problems)


def _entities(ws: Workspace) -> Iterator[Entity]:
    """The extracted entities, read from their file one at a time (none before `jiyi extract`)."""
    return read_jsonl(ws.entities_file, Entity) if ws.entities_file.is_file() else iter(())


class ThemeMembers:
    """Which themes hold each record, asked record after record in the order of the records.

    Each theme's selection gives its records in that same order, so it is walked in step with the
    records: no theme's set of record ids is held (at 10^6 records one is some 70 MB).
    """

    def __init__(self, selections: dict[str, Iterator[Record]]):
        self._selections = selections
        self._next = {name: next(selection, None) for name, selection in selections.items()}

    def of(self, record_id: str) -> list[str]:
        """The names of the themes that hold `record_id`; ask for every record, in order."""
        names = []
        for name, pending in self._next.items():
            if pending is not None and pending.id == record_id:
                names.append(name)
                self._next[name] = next(self._selections[name], None)
        return names


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
