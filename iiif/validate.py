"""Check IIIF JSON against the official Presentation 3 JSON Schema (the presentation-validator's).

The schema ships with Jiyi (iiif/schema/iiif_3_0.json, a copy of the IIIF
presentation-validator's schema); JIYI_IIIF_SCHEMA points at another.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import re
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator, FormatChecker
from jsonschema.exceptions import ValidationError

DEFAULT_SCHEMA = Path(os.environ.get("JIYI_IIIF_SCHEMA") or Path(__file__).resolve().parent / "schema/iiif_3_0.json")

RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def _date_time(value: Any) -> bool:
    """RFC 3339 date-time with a timezone, as navDate needs.

    jsonschema checks "date-time" only when rfc3339-validator is installed; without this
    a navDate lacking its timezone would pass unnoticed.
    """
    if not isinstance(value, str):
        return True
    if not RFC3339.match(value):
        return False
    try:
        dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


@functools.lru_cache(maxsize=4)
def _validator(schema_path: str) -> Draft7Validator:
    schema = json.loads(Path(schema_path).read_text(encoding="utf-8"))
    checker = FormatChecker()
    checker.checks("date-time")(_date_time)
    return Draft7Validator(schema, format_checker=checker)


def validate_iiif(data: Any, schema_path: Path | str = DEFAULT_SCHEMA) -> list[str]:
    """Every way `data` breaks the schema at `schema_path`, as "where: what" lines; [] when valid.

    Raises FileNotFoundError when the schema file is not there.
    """
    errors = []
    for error in _validator(str(schema_path)).iter_errors(data):
        for cause in _causes(error):
            message = cause.message if len(cause.message) < 300 else cause.message[:300] + " …"
            errors.append(f"{cause.json_path}: {message}")
    return list(dict.fromkeys(errors))  # branches of the schema repeat the same finding


def _causes(error: ValidationError) -> list[ValidationError]:
    """The errors of the oneOf/anyOf branch meant for this object.

    The schema tries each class in turn (Manifest, Collection, AnnotationPage …). Branches
    whose `type` does not match the object's are the wrong class; of the rest, the one
    that got deepest into the document has the errors a user can fix.
    """
    if not error.context:
        return [error]
    own_type = [*error.absolute_path, "type"]
    branches: dict = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    right_class = [errs for errs in branches.values() if not any(list(e.absolute_path) == own_type for e in errs)]
    best = max(right_class or branches.values(),
               key=lambda errs: (max(len(e.absolute_path) for e in errs), -len(errs)))
    return [cause for sub in best for cause in _causes(sub)]


def readable_path(error_line: str) -> str:
    """ "$.items[0].label: …" as "items[0].label: …"; the document itself is "(top level)"."""
    where, _, message = error_line.partition(": ")
    where = where[2:] if where.startswith("$.") else "(top level)" if where == "$" else where
    return f"{where}: {message}"


def json_files(paths: list[Path]) -> list[Path]:
    """The files named, and every *.json under the folders named, in order; missing paths raise FileNotFoundError."""
    found = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*.json") if p.is_file())
        elif path.is_file():
            found.append(path)
        else:
            raise FileNotFoundError(path)
    return found


# IIIF APIs other than Presentation whose JSON sits in the same tree (an Image API info.json,
# Change Discovery's activity pages, Content Search answers); the Presentation schema is not theirs.
OTHER_APIS = {"http://iiif.io/api/image/": "Image API", "http://iiif.io/api/discovery/": "Change Discovery",
              "http://iiif.io/api/search/": "Content Search"}


def other_api(data: Any) -> str | None:
    """The name of the other IIIF API a document's @context declares, or None for Presentation (or no context)."""
    context = data.get("@context") if isinstance(data, dict) else None
    contexts = context if isinstance(context, list) else [context]
    if any(isinstance(c, str) and c.startswith("http://iiif.io/api/presentation/") for c in contexts):
        return None
    return next((name for c in contexts if isinstance(c, str)
                 for prefix, name in OTHER_APIS.items() if c.startswith(prefix)), None)


def validate_file(path: Path, schema_path: Path | str = DEFAULT_SCHEMA) -> list[str] | None:
    """validate_iiif for a file, with "not JSON" as an error of its own; None when the file
    belongs to another IIIF API (see other_api) and so is not checked."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        return [f"$: not JSON: {error}"]
    if other_api(data):
        return None
    return validate_iiif(data, schema_path)
