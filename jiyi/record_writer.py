"""The three files that hold the records, written together: every record, the open ones, and their index.

Ingest writes them from the sources; the ocr stage writes them again with the text it read
from page images. Each record is turned into JSON once and goes to all three files, which
appear under their names only when complete (jiyi.model.atomic_writer).
"""

from __future__ import annotations

import json
from contextlib import ExitStack

from jiyi.model import Record, atomic_writer, to_dict
from jiyi.record_index import RecordIndexWriter
from jiyi.workspace import Workspace


class RecordWriter:
    """`with RecordWriter(ws) as out: out.add(record)` for each record; counts what it wrote."""

    def __init__(self, ws: Workspace):
        self.ws = ws
        self.total = self.public = 0

    def __enter__(self) -> "RecordWriter":
        # An ExitStack closes the three in turn, and on a failure each drops its temporary file instead of renaming it.
        self._files = ExitStack()
        self._every = self._files.enter_context(atomic_writer(self.ws.records_file))
        self._open_only = self._files.enter_context(atomic_writer(self.ws.public_records_file))
        self._index = self._files.enter_context(RecordIndexWriter(self.ws.public_record_index))  # what the app queries
        return self

    def add(self, record: Record) -> None:
        as_dict = to_dict(record)  # most of ingest's time: done once for the three files
        line = json.dumps(as_dict, ensure_ascii=False) + "\n"
        self._every.write(line)
        self.total += 1
        if record.is_public:
            self._open_only.write(line)
            self._index.add(record, as_dict)
            self.public += 1

    def __exit__(self, *failure) -> bool:
        return self._files.__exit__(*failure)
