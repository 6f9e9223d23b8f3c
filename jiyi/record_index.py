"""The open records as a SQLite file (build/public/records.sqlite), so the app looks records up one by one.

records.jsonl stays the stage output every other stage reads. The app used to load it whole into
every server process: 100,000 records took 7 s to parse before the first page could render, and
each rerun walked them all. SQLite is in Python's standard library, opens in a millisecond, and
answers the app's questions (one record, a page of them, counts per record set, records per year,
a substring search) from indexes or one scan in C.
"""

from __future__ import annotations

import json
import os
import sqlite3
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from jiyi.model import Record, from_dict, to_dict

SCHEMA = """
CREATE TABLE records (
    id TEXT PRIMARY KEY,
    position INTEGER NOT NULL,   -- catalogue order
    record_set TEXT NOT NULL,
    date TEXT NOT NULL,          -- normalised (ISO) date, '' when unknown
    year INTEGER,                -- its year, NULL when the date has none
    title TEXT NOT NULL,
    haystack TEXT NOT NULL,      -- fold() of id, title, English title and abstract: what Home's search reads
    body TEXT NOT NULL           -- the Record as JSON (to_dict)
);
CREATE INDEX records_by_position ON records (position);
CREATE INDEX records_by_set ON records (record_set, position);
CREATE INDEX records_by_year ON records (year, date, id);
"""
SQLITE_VARIABLES = 500  # ids per IN (...) query, well under SQLite's limit on bound variables


def fold(text: str) -> str:
    """What a search compares: NFKC makes full-width Latin and digits (Ｄ０１) match what a reader types; casefold for English."""
    return unicodedata.normalize("NFKC", text).casefold()


def year_of(date: str) -> int | None:
    return int(date[:4]) if date[:4].isdigit() else None


class RecordIndexWriter:
    """records.sqlite filled one record at a time; it appears under its name only when the `with` block ends well.

        with RecordIndexWriter(path) as index:
            index.add(record)            # or index.add(record, to_dict(record)) when the caller has the dict
    """

    BATCH = 1000  # rows per executemany

    def __init__(self, path: Path):
        self.path = path
        self.partial = path.with_name(f".{path.name}.writing-{os.getpid()}")
        self.rows: list[tuple] = []
        self.count = 0

    def __enter__(self) -> RecordIndexWriter:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.partial.unlink(missing_ok=True)
        self.db = sqlite3.connect(self.partial)
        self.db.executescript(SCHEMA)
        return self

    def add(self, record: Record, as_dict: dict | None = None) -> None:
        body = json.dumps(as_dict if as_dict is not None else to_dict(record), ensure_ascii=False)
        haystack = fold(" ".join((record.id, record.title, record.extra.get("英文题名", ""), record.abstract)))
        self.rows.append((record.id, self.count, record.record_set, record.date, year_of(record.date), record.title,
                          haystack, body))
        self.count += 1
        if len(self.rows) >= self.BATCH:
            self._flush()

    def _flush(self) -> None:
        self.db.executemany("INSERT INTO records VALUES (?, ?, ?, ?, ?, ?, ?, ?)", self.rows)
        self.rows = []

    def __exit__(self, exc_type, exc, tb) -> bool:
        try:
            if exc_type is None:
                self._flush()
                self.db.commit()
        finally:
            self.db.close()
        if exc_type is None:
            os.replace(self.partial, self.path)
        else:
            self.partial.unlink(missing_ok=True)
        return False


def write_record_index(path: Path, records: Iterable[Record]) -> int:
    """Write the records to a new SQLite file beside `path`, then rename it into place; returns how many."""
    with RecordIndexWriter(path) as index:
        for record in records:
            index.add(record)
    return index.count


def read_only_rows(path: Path, sql: str, params: Iterable = (), row_factory=None) -> list:
    """One query on a read-only connection opened for it ([] when the file is absent). Streamlit serves
    sessions from several threads, and a read-only SQLite connection costs well under a millisecond."""
    if not path.is_file():
        return []
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    db.row_factory = row_factory
    try:
        return db.execute(sql, tuple(params)).fetchall()
    finally:
        db.close()


class RecordIndex:
    """Read-only questions over records.sqlite. Each call opens its own connection: Streamlit serves
    sessions from several threads, and a read-only SQLite connection costs well under a millisecond."""

    def __init__(self, path: Path):
        self.path = path

    def _rows(self, sql: str, params: Iterable = ()) -> list[tuple]:
        return read_only_rows(self.path, sql, params)

    def count(self) -> int:
        return self._rows("SELECT COUNT(*) FROM records")[0][0] if self.path.is_file() else 0

    def set_counts(self) -> dict[str, int]:
        """Records per record set, in the order the sets first appear in the catalogue."""
        return {s: n for s, n, _ in self._rows(
            "SELECT record_set, COUNT(*), MIN(position) AS first FROM records GROUP BY record_set ORDER BY first")}

    def get(self, record_id: str) -> Record | None:
        rows = self._rows("SELECT body FROM records WHERE id = ?", (record_id,))
        return from_dict(Record, json.loads(rows[0][0])) if rows else None

    def get_many(self, ids: Iterable[str]) -> dict[str, Record]:
        """The records of these ids that exist, by id (ids that are not open are simply absent)."""
        wanted = list(dict.fromkeys(ids))
        found: dict[str, Record] = {}
        for start in range(0, len(wanted), SQLITE_VARIABLES):
            chunk = wanted[start:start + SQLITE_VARIABLES]
            marks = ",".join("?" * len(chunk))
            for (body,) in self._rows(f"SELECT body FROM records WHERE id IN ({marks})", chunk):
                record = from_dict(Record, json.loads(body))
                found[record.id] = record
        return found

    def titles(self) -> dict[str, str]:
        """id → title of every record, in catalogue order: what a chooser lists and a graph labels its nodes with."""
        return dict(self._rows("SELECT id, title FROM records ORDER BY position"))

    def dates(self) -> dict[str, str]:
        """id → normalised date ('' when unknown) of every record."""
        return dict(self._rows("SELECT id, date FROM records"))

    def year_range(self) -> tuple[int, int] | None:
        rows = self._rows("SELECT MIN(year), MAX(year) FROM records WHERE year IS NOT NULL")
        return (rows[0][0], rows[0][1]) if rows and rows[0][0] is not None else None

    def search(self, terms: list[str], limit: int) -> tuple[int, list[Record]]:
        """Records whose folded id, titles and abstract contain every term; (how many, the first `limit` in catalogue order)."""
        where = " AND ".join("instr(haystack, ?) > 0" for _ in terms) or "1"
        folded = [fold(term) for term in terms]
        total = self._rows(f"SELECT COUNT(*) FROM records WHERE {where}", folded)[0][0]
        rows = self._rows(f"SELECT body FROM records WHERE {where} ORDER BY position LIMIT ?", [*folded, limit])
        return total, [from_dict(Record, json.loads(body)) for (body,) in rows]

    def _dated_where(self, sets: list[str], years: tuple[int, int]) -> tuple[str, list]:
        marks = ",".join("?" * len(sets)) or "NULL"
        return f"year BETWEEN ? AND ? AND record_set IN ({marks})", [years[0], years[1], *sets]

    def per_year(self, sets: list[str], years: tuple[int, int]) -> dict[int, int]:
        where, params = self._dated_where(sets, years)
        return dict(self._rows(f"SELECT year, COUNT(*) FROM records WHERE {where} GROUP BY year ORDER BY year", params))

    def dated(self, sets: list[str], years: tuple[int, int], limit: int) -> tuple[int, list[Record]]:
        """Dated records of these sets within the years, by date; at most `limit`, spread evenly over the whole run."""
        where, params = self._dated_where(sets, years)
        total = self._rows(f"SELECT COUNT(*) FROM records WHERE {where}", params)[0][0]
        # Every k-th record by date: a capped timeline still spans the chosen years instead of stopping early.
        step = max(1, -(-total // limit)) if limit else 1
        rows = self._rows(f"""SELECT body FROM (SELECT body, ROW_NUMBER() OVER (ORDER BY date, id) - 1 AS n
                              FROM records WHERE {where}) WHERE n % ? = 0 LIMIT ?""", [*params, step, limit])
        return total, [from_dict(Record, json.loads(body)) for (body,) in rows]
