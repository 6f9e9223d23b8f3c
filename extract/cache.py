"""When a record's mentions can be reused: its key, and the extractor's fingerprint.

Extraction (normalise → dates, events, ner) looks at one record at a time and is the slow
part of the stage, so its output is kept per record under a content hash:

    key = sha256(extractor fingerprint + the record as JSON, its `source` left out)

The extractor fingerprint covers everything that can change what the components find:
the pipeline's component names, the bytes of the user's dictionaries, every file of this
package (code, bundled dictionaries, gazetteer, NER model), the jiyi modules it imports,
and the versions of the libraries it calls. Change any of them and no key matches, so
everything is extracted again; nothing has to be invalidated by hand.

extract/partitions.py keeps the mentions (before resolution: no entity ids) by key, in one
file per partition of the records. What follows extraction (resolve, curation, relate)
looks across records and always runs over all mentions: it is cheap, and a change to one
record can merge or split entities that other records name.
"""

from __future__ import annotations

import hashlib
import json
from importlib import metadata
from pathlib import Path

from jiyi.model import Record, to_dict

PACKAGE_DIR = Path(__file__).parent
# The jiyi modules extraction imports: a change to how dates parse changes the mentions.
JIYI_MODULES = ("model.py", "dates.py")
# Libraries whose own dictionaries and algorithms decide what is found.
LIBRARIES = ("jieba", "rjieba", "opencc", "numpy", "pypinyin", "pyahocorasick")
FORMAT_VERSION = "2"  # bump when the layout of the partition files changes


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


def record_text(record: Record) -> str:
    """The record as one line of JSON (sorted keys), `source` (file and row) left out: no
    component reads it, and a row inserted above would otherwise change every later key."""
    content = to_dict(record)
    content.pop("source", None)
    return json.dumps(content, ensure_ascii=False, sort_keys=True)


def key_of_text(fingerprint: str, text: str) -> str:
    return hashlib.sha256(f"{fingerprint}\n{text}".encode("utf-8")).hexdigest()


def record_key(fingerprint: str, record: Record) -> str:
    """The record's content under this extractor: equal keys, equal mentions."""
    return key_of_text(fingerprint, record_text(record))
