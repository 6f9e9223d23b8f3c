"""Read a catalogue (CSV in any encoding Chinese archives use, or an Excel .xlsx sheet) into Records, row by row."""

from __future__ import annotations

import calendar
import csv
import re
from collections.abc import Iterable, Iterator
from itertools import chain
from pathlib import Path

from jiyi.config import CatalogueSource
from jiyi.dates import DateError, parse_date
from jiyi.model import AccessStatus, Problem, Record, SourceRef

from .encoding import UndecodableError, clean_for_storage, detect_file_encoding, open_text
from .seen_ids import SeenIds
from .xlsx import OTHER_SPREADSHEETS, XLSX_SUFFIXES, Sheet, WorkbookError

# The header is looked for in this many rows at the top: exports put titles and group rows above it.
HEADER_SEARCH_ROWS = 10
# A cell quoted in the original is shown in messages up to this many characters.
SHOWN_CHARS = 40

RowItem = tuple[int, list[str]] | Problem  # (line or row number, cells), or a row that could not be parsed


def read_catalogue(path: Path, source: CatalogueSource, shown_as: str) -> tuple[list[Record], list[Problem]]:
    """Every good row as a Record; every bad row as a Problem naming file, row and fix.

    `shown_as` is the path as the user should see it in messages (workspace-relative).
    A bad row is dropped and the rest of the file is still read.
    """
    records: list[Record] = []
    problems: list[Problem] = []
    for item in iter_catalogue(path, source, shown_as):
        (problems if isinstance(item, Problem) else records).append(item)
    return records, problems


def iter_catalogue(path: Path, source: CatalogueSource, shown_as: str) -> Iterator[Record | Problem]:
    """Records and Problems in file order, read row by row.

    Memory does not grow with the file: the ids seen so far, which the duplicate check needs, are kept on disk.
    """
    unreadable = _unreadable(path, shown_as)
    if unreadable:
        yield unreadable
        return
    if path.suffix.lower() in XLSX_SUFFIXES:
        try:
            sheet = Sheet(path, source.sheet)
        except WorkbookError as exc:
            yield Problem(exc.code, SourceRef(shown_as), exc.message, exc.fix)
            return
        shown_sheet = f"{shown_as}[{sheet.name}]"
        try:
            yield from _records(sheet.rows(), source, shown_sheet, in_excel=True)
        except WorkbookError as exc:
            yield Problem(exc.code, SourceRef(shown_sheet), exc.message, exc.fix)
        finally:
            sheet.close()
        return
    try:
        encoding = detect_file_encoding(path, declared=source.encoding)
    except UndecodableError as exc:
        yield Problem("E102", SourceRef(shown_as, exc.line), exc.reason, _decode_fix(exc))
        return
    with open_text(path, encoding) as text:
        yield from _records(_csv_rows(text, shown_as), source, shown_as, in_excel=False)


def _unreadable(path: Path, shown_as: str) -> Problem | None:
    """A Problem when the file is missing, not a file, or a format Jiyi cannot read."""
    if not path.exists():
        return Problem("E101", SourceRef(shown_as), "catalogue file not found", "check `file` under [[catalogue]] in jiyi.toml")
    if not path.is_file():
        return Problem("E115", SourceRef(shown_as), "is a folder, not a catalogue file",
                       "set `file` under [[catalogue]] in jiyi.toml to the CSV or .xlsx file itself")
    kind = OTHER_SPREADSHEETS.get(path.suffix.lower())
    if kind:
        return Problem("E116", SourceRef(shown_as), f"is {kind}, which Jiyi does not read",
                       "open it in Excel, WPS or LibreOffice and save it as .xlsx (Excel Workbook) or CSV UTF-8, "
                       "then point `file` under [[catalogue]] at the new file")
    try:
        with open(path, "rb"):
            return None
    except OSError as exc:
        return Problem("E115", SourceRef(shown_as), f"cannot be opened: {exc.strerror}",
                       "check the file's permissions, or copy it into sources/ again")


def _csv_rows(lines: Iterable[str], shown_as: str) -> Iterator[RowItem]:
    """(line where the row starts, cells) per CSV row; a row that is no CSV is a Problem, and reading goes on.

    csv runs strict, so a stray quote is reported instead of silently gluing the following
    rows into one cell. After a bad row, reading starts again on the line after the one it
    started on: rows an unclosed quote swallowed are read after all.
    """
    # Only \n ends a row once cleaned: a \x85 or \u2028 inside a cell is no line break.
    source = _ReplayableLines(clean_for_storage(line) for line in lines)
    reader = csv.reader(source, strict=True)
    start = 1
    while True:
        source.taken.clear()
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            end = start + len(source.taken) - 1
            yield Problem("E119", SourceRef(shown_as, start),
                          f"the row is not valid CSV ({exc}, reading up to line {end}); it is left out "
                          "and the lines after its first are read again",
                          'close the quote, write a quote inside a quoted cell twice (""), and quote a whole cell '
                          "that holds commas or line breaks")
            source.replay(source.taken[1:])  # the lines after the bad row's first are read again as rows
            start += 1
            continue
        if cells:  # csv gives [] for a blank line
            yield start, cells
        start += len(source.taken)


class _ReplayableLines:
    """An iterator of lines that remembers those taken since `taken` was cleared, so they can be read again."""

    def __init__(self, lines: Iterable[str]):
        self._lines = iter(lines)
        self._again: list[str] = []  # lines to give again, last first
        self.taken: list[str] = []

    def __iter__(self) -> _ReplayableLines:
        return self

    def __next__(self) -> str:
        line = self._again.pop() if self._again else next(self._lines)
        self.taken.append(line)
        return line

    def replay(self, lines: list[str]) -> None:
        self._again.extend(reversed(lines))


def _records(rows: Iterator[RowItem], source: CatalogueSource, shown_as: str, *, in_excel: bool) -> Iterator[Record | Problem]:
    """The catalogue's rows after its header, as Records or Problems."""
    head: list[tuple[int, list[str]]] = []
    for item in rows:
        if isinstance(item, Problem):
            yield item
            continue
        head.append(item)
        if len(head) >= HEADER_SEARCH_ROWS or _header_score(item[1], source) == len(source.columns):
            break
    found = _find_header(head, source, shown_as)
    if isinstance(found, Problem):
        yield found
        return
    header_at, header, warnings = found
    yield from warnings
    body = chain(head[header_at + 1:], rows)
    yield from _rows_to_records(body, header, source, shown_as, in_excel=in_excel)


def _header_score(cells: list[str], source: CatalogueSource) -> int:
    """How many of the configured columns a row names (a `group/column` name counts by its column)."""
    present = {cell.strip() for cell in cells}
    return sum(column.rsplit("/", 1)[-1] in present for column in source.columns.values())


def _find_header(head: list[tuple[int, list[str]]], source: CatalogueSource,
                 shown_as: str) -> tuple[int, dict[str, int], list[Problem]] | Problem:
    """The header row among the first rows: the first one naming every configured column, else the best.

    Returns its index in `head`, the column names → cell index, and warnings; or an E103.
    """
    scores = [_header_score(cells, source) for _, cells in head]
    best = max(range(len(scores)), key=lambda i: (scores[i], -i), default=None)
    if best is None:
        return Problem("E103", SourceRef(shown_as, 1), "the catalogue is empty: no header row",
                       "export the catalogue again with its header row (档号, 题名 …)")
    line, cells = head[best]
    upper = head[best - 1][1] if best > 0 and head[best - 1][0] == line - 1 else []
    names, warnings = _column_names(cells, upper, shown_as, line)
    missing = [column for column in source.columns.values() if column not in names]
    if missing:
        shown = [name for name in names if "/" not in name]
        return Problem("E103", SourceRef(shown_as, line), f"columns {missing} are not in the header {shown}",
                       "rename the columns in the file or change [catalogue.columns] in jiyi.toml; a column under a "
                       "merged group cell may be named `group/column`, e.g. \"基本信息/档号\"")
    return best, names, warnings


def _column_names(cells: list[str], upper: list[str], shown_as: str, line: int) -> tuple[dict[str, int], list[Problem]]:
    """Column name → cell index, from the header row and, for two-row headers, the row above it.

    A merged group cell ("基本信息" over 档号 and 题名) holds its text in its first column only,
    so a group runs on to the right until the next one. A column merged down over both rows
    has its name in the upper row. Every column may be named `group/column`; a plain name
    that two columns share is ambiguous and must be written that way.
    """
    names: dict[str, int] = {}
    plain: dict[str, list[int]] = {}
    group = ""
    for index in range(max(len(cells), len(upper))):
        above = upper[index].strip() if index < len(upper) else ""
        group = above or group
        name = (cells[index].strip() if index < len(cells) else "") or above
        if not name:
            continue
        plain.setdefault(name, []).append(index)
        if group and group != name:
            names.setdefault(f"{group}/{name}", index)
    warnings = []
    for name, indexes in plain.items():
        names.setdefault(name, indexes[0])
        if len(indexes) > 1:
            warnings.append(Problem("W114", SourceRef(shown_as, line),
                                    f"the header names column {name!r} {len(indexes)} times; the first one is read",
                                    "rename the other columns, or map the one you mean as `group/column` when a merged "
                                    "group cell stands above them", dropped=False))
    return names, warnings


def _rows_to_records(rows: Iterable[RowItem], header: dict[str, int], source: CatalogueSource, shown_as: str,
                     *, in_excel: bool) -> Iterator[Record | Problem]:
    with SeenIds() as seen:  # closed when the rows end or the reader stops early; SQLite deletes its file then
        yield from _checked_records(rows, header, source, shown_as, seen, in_excel=in_excel)


def _checked_records(rows: Iterable[RowItem], header: dict[str, int], source: CatalogueSource, shown_as: str,
                     seen: SeenIds, *, in_excel: bool) -> Iterator[Record | Problem]:
    field_of_column = {column: field for field, column in source.columns.items()}
    width = max(header.values()) + 1
    mapped = {index for column, index in header.items() if column in field_of_column}
    unmapped = {name: index for name, index in header.items() if index not in mapped and "/" not in name}
    row_word = "row" if in_excel else "line"
    for item in rows:
        if isinstance(item, Problem):
            yield item
            continue
        line, cells = item
        where = SourceRef(shown_as, line)
        cells = [cell.strip() for cell in cells]
        if not any(cells):
            continue  # empty rows (Excel's formatted-but-empty rows, trailing ",,,,") are no records
        if in_excel:
            cells += [""] * (width - len(cells))  # a sheet leaves trailing empty cells out
        problem = _cell_count_problem(cells, width, where, in_excel=in_excel)
        if problem:
            yield problem
            if problem.dropped:
                continue
        values = {field_of_column[column]: cells[index] for column, index in header.items() if column in field_of_column}
        record_id = values.get("id", "")
        if not record_id:
            yield Problem("E104", where, f"no {source.columns['id']} (id) in row titled {values.get('title', '')!r}",
                          f"give the row a unique {source.columns['id']}")
            continue
        first = seen.where(record_id)
        if first is not None:
            yield Problem("E105", where, f"{source.columns['id']} {record_id!r} already used on {row_word} {first}",
                          "give each row its own id")
            continue
        try:
            iso_date = parse_date(values.get("date", ""))
        except DateError as exc:
            yield Problem("E106", where, f"{record_id}: {exc}", f"correct the {source.columns.get('date', 'date')} cell")
            continue
        access_text = values.get("access", "") or source.default_access
        try:
            access = AccessStatus.parse(access_text)
        except ValueError as exc:
            access = AccessStatus.UNREVIEWED
            yield Problem("W108", where, f"{record_id}: {exc}; kept as unreviewed (not public)",
                          f"correct the {source.columns.get('access', 'access')} cell", dropped=False)
        embargo, trouble = _embargo(values.get("embargo", ""), record_id, where, source.columns.get("embargo", "embargo"))
        yield from trouble
        seen.add(record_id, line)
        note_column = source.columns.get("note")
        yield Record(
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
            extra={column: cells[index] for column, index in unmapped.items() if cells[index]},
        )


def _cell_count_problem(cells: list[str], width: int, where: SourceRef, *, in_excel: bool) -> Problem | None:
    """A row whose cells do not line up with the header: reading it would put values under the wrong columns."""
    extra = [cell for cell in cells[width:] if cell]
    if extra and in_excel:
        # A sheet's cells keep their columns, so a note typed right of the table shifts nothing.
        return Problem("W115", where, f"cells right of the header are not read: {_shown(extra)}",
                       "give the column a header (and map it in [catalogue.columns] if it is a record field), "
                       "or delete the cells", dropped=False)
    if extra:  # empty trailing cells (a trailing comma) are harmless
        return Problem("E107", where, f"row has {len(cells)} cells, the header {width}; extra: {_shown(extra)}",
                       "quote cells that contain commas, or remove the extra cells")
    if len(cells) < width:
        return Problem("E114", where, f"row has {len(cells)} cells, the header {width}; it ends after {_shown(cells[-1:])}",
                       "add the missing cells (an empty cell is just a comma), or quote a cell that holds a comma or "
                       "a line break so the row is not cut in two")
    return None


def _shown(cells: list[str]) -> str:
    return ", ".join(repr(cell if len(cell) <= SHOWN_CHARS else cell[:SHOWN_CHARS] + "…") for cell in cells)


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
    if error.detected:
        return f'set encoding = "{error.detected}" (or the file\'s real encoding, or "auto") under [[catalogue]] in jiyi.toml'
    # No encoding reads every byte: most often one damaged cell, or rows pasted in from a file in another encoding.
    return (f"retype the damaged cells on line {error.line} (and any rows pasted from another file), then save the "
            'file as UTF-8; or set encoding = "…" under [[catalogue]] in jiyi.toml if you know the file\'s encoding')
