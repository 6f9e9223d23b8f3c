"""Values kept on disk under a key and read back by key, in the order they were added.

Stages that must look things up by record (the graph stage's mentions, extraction's
mentions before resolution and which records mention each entity) keep them here rather
than in dicts, so their memory does not grow with the records. The table lives in
SQLite's private temporary database (a connection to ""): a file with a page cache of a
few megabytes that SQLite deletes when the connection closes or the process dies.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable


def scratch_database() -> sqlite3.Connection:
    """A connection to SQLite's private temporary database, set up for scratch work."""
    db = sqlite3.connect("")
    db.execute("PRAGMA journal_mode = OFF")  # scratch data: nothing to roll back to after a crash
    db.execute("PRAGMA synchronous = OFF")
    return db


class ScratchTable:
    """key → values, on disk; `of(key)` gives a key's values in the order they were added."""

    def __init__(self) -> None:
        self._db = scratch_database()
        # key has no declared type, so SQLite keeps each value as it was given: a record id written
        # as a number in a hand-edited row stays a number and matches no record id, which is text.
        self._db.execute("CREATE TABLE row (key, value NOT NULL)")
        self._indexed = False

    def add(self, key, value) -> None:
        self._db.execute("INSERT INTO row VALUES (?, ?)", (key, value))

    def add_many(self, pairs: Iterable[tuple]) -> None:
        self._db.executemany("INSERT INTO row VALUES (?, ?)", pairs)

    def of(self, key) -> list:
        """A key's values in the order they were added; [] when it has none."""
        if not self._indexed:
            # Indexed at the first lookup, once the rows are in: faster than keeping an index up to
            # date row by row. The rowid follows the order of adding, so ORDER BY rowid keeps it.
            self._db.execute("CREATE INDEX row_by_key ON row (key)")
            self._indexed = True
        return [value for (value,) in self._db.execute("SELECT value FROM row WHERE key = ? ORDER BY rowid", (key,))]

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> ScratchTable:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
