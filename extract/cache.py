"""Per-record reuse of extraction: a record whose content and extractor are unchanged keeps its mentions.

Extraction (normalise → dates, events, ner) looks at one record at a time and is the slow
part of the stage, so its output is cached per record under a content hash:

    key = sha256(extractor fingerprint + the record as JSON, its `source` left out)

The extractor fingerprint covers everything that can change what the components find:
the pipeline's component names, the bytes of the user's dictionaries, every file of this
package (code, bundled dictionaries, gazetteer, NER model), the jiyi modules it imports,
and the versions of the libraries it calls. Change any of them and no entry matches, so
everything is extracted again; nothing has to be invalidated by hand.

What follows extraction (resolve, curation, relate) looks across records and always runs
over all mentions: it is cheap, and a change to one record can merge or split entities
that other records name.

The cache holds the mentions *before* resolution (no entity ids), one JSON line per record,
and is rewritten atomically on every run with the records of that run only.
"""

from __future__ import annotations

import hashlib
import json
from importlib import metadata
from pathlib import Path

from jiyi.model import Mention, Record, atomic_writer, from_dict, to_dict
from jiyi.workspace import Workspace

PACKAGE_DIR = Path(__file__).parent
# The jiyi modules extraction imports: a change to how dates parse changes the mentions.
JIYI_MODULES = ("model.py", "dates.py")
# Libraries whose own dictionaries and algorithms decide what is found.
LIBRARIES = ("jieba", "rjieba", "opencc", "numpy", "pypinyin", "pyahocorasick")
FORMAT_VERSION = "1"  # bump when the cache file's layout changes


def cache_file(ws: Workspace) -> Path:
    return ws.extract_cache_file


def extractor_fingerprint(pipeline: list[str], dictionaries: list[Path]) -> str:
    """A hash of everything besides the record that decides what extraction finds."""
    digest = hashlib.sha256(f"format {FORMAT_VERSION}\npipeline {','.join(pipeline)}\n".encode())
    for path in dictionaries:
        digest.update(f"dictionary {path.name}\n".encode())
        digest.update(path.read_bytes())
    for label, path in _code_files():
        digest.update(f"file {label}\n".encode())
        digest.update(path.read_bytes())
    for name in LIBRARIES:
        digest.update(f"library {name} {_version(name)}\n".encode())
    return digest.hexdigest()


def _code_files() -> list[tuple[str, Path]]:
    """(label, path) of this package's files (code, dictionaries, data, model) and of the jiyi modules it imports."""
    import jiyi  # the core package, wherever it is installed (the repository or site-packages)

    own = sorted(p for p in PACKAGE_DIR.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    core = [Path(jiyi.__file__).parent / name for name in JIYI_MODULES]
    return ([(f"extract/{p.relative_to(PACKAGE_DIR).as_posix()}", p) for p in own]
            + [(f"jiyi/{p.name}", p) for p in core])


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "absent"


def record_key(fingerprint: str, record: Record) -> str:
    """The record's content under this extractor. `source` (file and row) is left out: no
    component reads it, and a row inserted above would otherwise change every later key."""
    content = to_dict(record)
    content.pop("source", None)
    text = json.dumps(content, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(f"{fingerprint}\n{text}".encode("utf-8")).hexdigest()


class ExtractionCache:
    """Mentions by record key: those of the last run, read once, and those of this run, written at the end."""

    def __init__(self, path: Path, *, enabled: bool = True):
        self.path = path
        self.previous = _read(path) if enabled else {}
        self.current: dict[str, list[dict]] = {}
        self.extracted = 0
        self.reused = 0

    def get(self, key: str) -> list[Mention] | None:
        stored = self.previous.get(key)
        if stored is None:
            return None
        self.reused += 1
        self.current[key] = stored
        return [from_dict(Mention, m) for m in stored]

    def put(self, key: str, mentions: list[Mention]) -> None:
        """Keep a copy as plain dicts now: resolution later sets entity ids on these objects."""
        self.extracted += 1
        self.current[key] = [to_dict(m) for m in mentions]

    def save(self) -> None:
        """This run's entries only, so records that are gone do not pile up."""
        with atomic_writer(self.path) as out:
            for key, mentions in self.current.items():
                out.write(json.dumps({"key": key, "mentions": mentions}, ensure_ascii=False) + "\n")


def _read(path: Path) -> dict[str, list[dict]]:
    """The entries of the last run; an unreadable cache is no cache (it only costs time)."""
    if not path.is_file():
        return {}
    entries: dict[str, list[dict]] = {}
    try:
        with open(path, encoding="utf-8") as lines:
            for line in lines:
                if line.strip():
                    entry = json.loads(line)
                    entries[entry["key"]] = entry["mentions"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return entries
