"""Read full-text documents (.txt, .md), one Record per file."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from jiyi.config import TextSource
from jiyi.dates import DateError, parse_date
from jiyi.model import AccessStatus, Problem, Record, SourceRef

from .encoding import UndecodableError, clean_for_storage, decode_bytes

TEXT_SUFFIXES = {".txt", ".md"}
UTF8 = {"utf-8", "utf-8-sig"}  # not worth recording on the record
DATE_IN_NAME = re.compile(r"[(（]([^()（）]+)[)）]\s*$")  # 档案法(2020-06-20) → 2020-06-20


def text_record_id(prefix: str, file_name: str) -> str:
    """A stable id for a document from its file name (names may be Chinese, ids stay ASCII)."""
    return f"{prefix}-{hashlib.sha1(file_name.encode('utf-8')).hexdigest()[:8]}"


def read_texts(folder: Path, source: TextSource, shown_as: str) -> tuple[list[Record], list[Problem]]:
    """One Record per decodable file; a file no encoding fits is a Problem (E113) and the rest are read."""
    if not folder.is_dir():
        return [], [Problem("E111", SourceRef(shown_as), "text folder not found", "check `dir` under [[texts]] in jiyi.toml")]
    try:
        access = AccessStatus.parse(source.access)
    except ValueError as exc:
        return [], [Problem("E112", SourceRef(shown_as), str(exc), "correct `access` under [[texts]] in jiyi.toml")]
    records: list[Record] = []
    problems: list[Problem] = []
    for path in sorted(p for p in folder.iterdir() if p.suffix.lower() in TEXT_SUFFIXES):
        where = SourceRef(f"{shown_as}/{path.name}")
        try:
            decoded = decode_bytes(path.read_bytes(), declared=source.encoding)
        except UndecodableError as exc:
            problems.append(Problem("E113", SourceRef(where.file, exc.line), exc.reason, _decode_fix(exc, source)))
            continue
        text = clean_for_storage(decoded.text)
        heading = re.search(r"^#\s+(.+)$", text, flags=re.MULTILINE)
        stem_date = DATE_IN_NAME.search(path.stem)
        try:
            date = parse_date(stem_date.group(1)) if stem_date else ""
        except DateError:
            date = ""  # a bracket in a file name need not be a date
        records.append(Record(
            id=text_record_id(source.id_prefix, path.name),
            title=heading.group(1).strip() if heading else DATE_IN_NAME.sub("", path.stem),
            record_set=source.record_set,
            access=access,
            date=date,
            date_text=stem_date.group(1) if stem_date and date else "",
            text=text,
            note=source.source_note,
            source=where,
            extra={"文件名": path.name, **({} if decoded.encoding in UTF8 else {"编码": decoded.encoding})},
        ))
    return records, problems


def _decode_fix(error: UndecodableError, source: TextSource) -> str:
    if error.byte_offset is None:
        return 'use an encoding Python knows under [[texts]] in jiyi.toml, e.g. "gb18030", "big5", or "auto"'
    if error.detected:
        return f'set encoding = "{error.detected}" (what the file looks like) or "auto" under [[texts]] in jiyi.toml'
    if source.encoding.lower() != "auto":
        return 'set encoding = "auto" under [[texts]] in jiyi.toml, or save the file as UTF-8'
    return "save the file as UTF-8 text, or move it out of the folder if it is not a text"
