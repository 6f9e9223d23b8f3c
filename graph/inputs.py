"""The graph stage's input, read row by row: a bad row is reported with its file and line and left out.

The files come from `jiyi extract`, but they are plain JSON lines that people and other
tools edit and write (a curator's script, an import from another system), so each row
is checked for what the graph needs before any triple is made from it.

Mentions and assertions are needed record by record, and their files are not grouped by
record: curation appends the mentions a curator added at the end of mentions.jsonl, and a
hand-edited file may come in any order. `RowsByRecord` groups them on disk, so the graph
stage's memory does not grow with them.
"""

from __future__ import annotations

import json
import math
import pickle
from collections.abc import Iterable
from pathlib import Path
from typing import Generic, Iterator, TypeVar

from jiyi.model import Assertion, Entity, EntityType, Mention, Problem, SourceRef, from_dict
from jiyi.scratch import ScratchTable

T = TypeVar("T")
TYPES = ", ".join(t.value for t in EntityType)


def read_rows(path: Path, cls: type[T], problems: list[Problem]) -> Iterator[T]:
    """Each row of `path` as `cls`, checked; a row that cannot be used becomes a Problem instead."""
    if not path.is_file():
        return
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            where = SourceRef(str(path), number)
            try:
                row = from_dict(cls, json.loads(line))
                wrong = CHECKS[cls](row)
            except json.JSONDecodeError as error:
                wrong = f"not a JSON object ({error.msg} at column {error.colno})"
            except ValueError as error:  # an unknown entity type, a field the model does not have
                wrong = str(error).replace("is not a valid EntityType", f"is not an entity type (use {TYPES})")
            except TypeError as error:
                wrong = f"a required field is missing ({error})"
            if wrong:
                problems.append(Problem("E440", where, f"{cls.__name__.lower()} left out of the graph: {wrong}",
                                        "run `jiyi extract` again; if the file was written by hand or by another "
                                        "tool, correct this line"))
                continue
            yield row


class RowsByRecord(Generic[T]):
    """Rows (mentions or assertions) looked up by their record id, each record's in the order of the file.

    Kept on disk in a jiyi.scratch.ScratchTable. Each row is stored pickled: only this process
    writes and reads it back, and pickle gives back exactly the object it was given.
    """

    def __init__(self, rows: Iterable[T]):
        self._table = ScratchTable()
        self._table.add_many((row.record_id, pickle.dumps(row)) for row in rows)

    def of(self, record_id: str) -> list[T]:
        """The rows of one record, in file order; [] when it has none."""
        return [pickle.loads(data) for data in self._table.of(record_id)]

    def close(self) -> None:
        self._table.close()

    def __enter__(self) -> RowsByRecord[T]:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _entity(entity: Entity) -> str:
    if not isinstance(entity.id, str) or not entity.id.strip() or not isinstance(entity.label, str) or not entity.label.strip():
        return "an entity needs an id and a label"
    for name, limit in (("latitude", 90), ("longitude", 180)):
        value = getattr(entity, name)
        if value is not None and not (isinstance(value, (int, float)) and math.isfinite(value) and -limit <= value <= limit):
            return f"{name} {value!r} is not a number between -{limit} and {limit}"
    return ""


def _mention(mention: Mention) -> str:
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (mention.start, mention.end)) \
            or not 0 <= mention.start < mention.end:
        return f"offsets {mention.start!r}–{mention.end!r} are not whole numbers with 0 ≤ start < end"
    if not isinstance(mention.confidence, (int, float)) or not 0 <= mention.confidence <= 1:
        return f"confidence {mention.confidence!r} is not a number between 0 and 1"
    return ""


def _assertion(assertion: Assertion) -> str:
    if not isinstance(assertion.confidence, (int, float)) or not 0 <= assertion.confidence <= 1:
        return f"confidence {assertion.confidence!r} is not a number between 0 and 1"
    return ""


CHECKS = {Entity: _entity, Mention: _mention, Assertion: _assertion}
