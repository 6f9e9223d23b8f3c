"""Read one sheet of an Excel workbook (.xlsx) as rows of text cells, streamed, as the CSV reader gives them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

from .encoding import clean_for_storage

# Suffixes openpyxl reads; the older and foreign formats below it does not.
XLSX_SUFFIXES = (".xlsx", ".xlsm")
OTHER_SPREADSHEETS = {
    ".xls": "an Excel 97–2003 workbook (.xls)",
    ".xlsb": "an Excel binary workbook (.xlsb)",
    ".et": "a WPS spreadsheet (.et)",
    ".ods": "an OpenDocument spreadsheet (.ods)",
    ".numbers": "a Numbers spreadsheet (.numbers)",
}


RESAVE = "open it in Excel or WPS and save it again as .xlsx (Excel Workbook, no password), or as CSV UTF-8"


class WorkbookError(Exception):
    """The workbook or the sheet cannot be read at all: a code, what is wrong, the fix."""

    def __init__(self, code: str, message: str, fix: str):
        super().__init__(message)
        self.code = code
        self.message = message
        self.fix = fix


class Sheet:
    """One worksheet opened read-only: rows are parsed as they are iterated, never all at once."""

    def __init__(self, path: Path, sheet_name: str = ""):
        from openpyxl import load_workbook  # imported here: only Excel catalogues need it

        try:
            self._workbook = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 — a damaged file makes openpyxl fail in many ways; all mean the same
            # An encrypted workbook is an OLE file, not a zip; so is an .xls renamed to .xlsx.
            raise WorkbookError("E117", f"not a readable Excel workbook ({type(exc).__name__}: {exc})", RESAVE) from None
        names = self._workbook.sheetnames
        if sheet_name and sheet_name not in names:
            self._workbook.close()
            raise WorkbookError("E118", f"no sheet {sheet_name!r} in the workbook",
                                f"set `sheet` under [[catalogue]] in jiyi.toml to one of: {', '.join(names)}")
        self.name = sheet_name or names[0]
        self._worksheet = self._workbook[self.name]
        # Many exporters write a wrong <dimension>; read what is really there instead.
        self._worksheet.reset_dimensions()

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(row number as Excel shows it, cell texts); trailing empty cells may be left out.

        Raises WorkbookError when the sheet turns out damaged part-way: read-only mode
        parses the sheet's XML only as rows are asked for.
        """
        number = 0
        try:
            for number, values in enumerate(self._worksheet.iter_rows(values_only=True), start=1):
                yield number, [cell_text(value) for value in values]
        except Exception as exc:  # noqa: BLE001 — as in __init__: any parser error is a damaged sheet
            raise WorkbookError("E117", f"the sheet cannot be read after row {number} ({type(exc).__name__}: {exc}); "
                                "the rows before it were read", RESAVE) from None

    def close(self) -> None:
        self._workbook.close()  # read-only workbooks keep the file open until closed


def cell_text(value: object) -> str:
    """A cell as the text a CSV export of it would hold: 1001.0 → "1001", a date cell → "1935-01-17"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        # Catalogue dates are days; a time of day in a date cell is mostly an import artefact,
        # and "1949-10-01 15:00:00" is no date a 日期 column may hold.
        return value.date().isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, float):
        # Excel keeps every number as a float: an id typed as 1001 comes back as 1001.0.
        return str(int(value)) if value.is_integer() else repr(value)
    return clean_for_storage(str(value))
