"""Read a catalogue CSV (UTF-8, with or without BOM, or a legacy encoding) into Records."""

from __future__ import annotations

import calendar
import csv
import io
import re
from pathlib import Path

from jiyi.config import CatalogueSource
from jiyi.dates import DateError, parse_date
from jiyi.model import AccessStatus, Problem, Record, SourceRef

from .encoding import UndecodableError, clean_for_storage, decode_bytes


def read_catalogue(path: Path, source: CatalogueSource, shown_as: str) -> tuple[list[Record], list[Problem]]:
    """Every good row as a Record; every bad row as a Problem naming file, row and fix.

    `shown_as` is the path as the user should see it in messages (workspace-relative).
    A bad row is dropped and the rest of the file is still read.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return [], [Problem("E101", SourceRef(shown_as), "catalogue file not found",
                            "check `file` under [[catalogue]] in jiyi.toml")]
    try:
        text = clean_for_storage(decode_bytes(data, declared=source.encoding).text)
    except UndecodableError as exc:
        return [], [Problem("E102", SourceRef(shown_as, exc.line), exc.reason, _decode_fix(exc))]

    # Only \n ends a row: str.splitlines would also break one at \x85 or \u2028 inside a cell.
    reader = csv.DictReader(io.StringIO(text, newline="\n"))
    header = reader.fieldnames or []
    missing = [column for column in source.columns.values() if column not in header]
    if missing:
        return [], [Problem("E103", SourceRef(shown_as, 1), f"columns {missing} are not in the header {header}",
                            "rename the columns in the file or change [catalogue.columns] in jiyi.toml")]

    field_of_column = {column: field for field, column in source.columns.items()}
    records: list[Record] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    row_start = 2  # the header is line 1
    for row in reader:
        where = SourceRef(shown_as, row_start)
        row_start = reader.line_num + 1
        if None in row:  # more cells than header columns
            problems.append(Problem("E107", where, f"row has {len(header) + len(row[None])} cells, the header {len(header)}",
                                    "quote cells that contain commas, or remove the extra cells"))
            continue
        values = {field_of_column.get(column, column): (cell or "").strip() for column, cell in row.items()}
        record_id = values.get("id", "")
        if not record_id:
            problems.append(Problem("E104", where, f"no {source.columns['id']} (id) in row titled {values.get('title', '')!r}",
                                    f"give the row a unique {source.columns['id']}"))
            continue
        if record_id in seen:
            problems.append(Problem("E105", where, f"{source.columns['id']} {record_id!r} already used on line {seen[record_id]}",
                                    "give each row its own id"))
            continue
        try:
            iso_date = parse_date(values.get("date", ""))
        except DateError as exc:
            problems.append(Problem("E106", where, f"{record_id}: {exc}", f"correct the {source.columns.get('date', 'date')} cell"))
            continue
        access_text = values.get("access", "") or source.default_access
        try:
            access = AccessStatus.parse(access_text)
        except ValueError as exc:
            access = AccessStatus.UNREVIEWED
            problems.append(Problem("W108", where, f"{record_id}: {exc}; kept as unreviewed (not public)",
                                    f"correct the {source.columns.get('access', 'access')} cell", dropped=False))
        embargo, trouble = _embargo(values.get("embargo", ""), record_id, where, source.columns.get("embargo", "embargo"))
        problems.extend(trouble)
        seen[record_id] = where.line or 0
        note_column = source.columns.get("note")
        records.append(Record(
            id=record_id,
            title=values.get("title", ""),
            record_set=source.record_set,
            access=access,
            embargo=embargo,
            date=iso_date,
            date_text=values.get("date", ""),
            creator=values.get("creator", ""),
            fonds=values.get("fonds", ""),
            retention=values.get("retention", ""),
            holder=values.get("holder", ""),
            abstract=values.get("abstract", ""),
            text=values.get("text", ""),
            note=f"{note_column}: {values['note']}" if values.get("note") else "",
            source=where,
            extra={column: values[column] for column in header if column not in field_of_column and values.get(column)},
        ))
    return records, problems


def _embargo(text: str, record_id: str, where: SourceRef, column: str) -> tuple[str, list[Problem]]:
    """The last closed day (ISO) of an embargo cell; a year or a month is closed to its end.

    An unreadable cell keeps the record closed for good — opening it by mistake cannot be undone.
    """
    if not text.strip():
        return "", []
    try:
        value = parse_date(text)
    except DateError as exc:
        value, reason = "", str(exc)
    else:
        reason = f"{value!r} is not a day, month or year"
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return value, []
    if re.fullmatch(r"\d{4}(-\d{2})?", value):
        year, month = int(value[:4]), int(value[5:7] or 12)
        return f"{year:04d}-{month:02d}-{calendar.monthrange(year, month)[1]:02d}", []
    return "9999-12-31", [Problem("W110", where, f"{record_id}: embargo {text!r}: {reason}; the record stays closed",
                                  f"write the {column} cell as a day, e.g. 2030-01-01", dropped=False)]


def _decode_fix(error: UndecodableError) -> str:
    if error.byte_offset is None:
        return 'use an encoding Python knows, e.g. "utf-8", "gb18030", "big5", or "auto" to detect it'
    real = error.detected or "gb18030"
    return f'set encoding = "{real}" (or the file\'s real encoding, or "auto") under [[catalogue]] in jiyi.toml'
