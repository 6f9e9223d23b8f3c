"""Read an educator's exhibit — exhibit.yaml plus one Markdown file per section and language.

    exhibits/long-march/exhibit.yaml
    exhibits/long-march/01-start.zh.md, 01-start.en.md, …

Mistakes are reported with the file, the line and what to write instead.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from jiyi.errors import JiyiError
from jiyi.model import Exhibit, ExhibitItem, ExhibitSection

EXHIBIT_KEYS = {"id", "title", "summary", "sections"}
SECTION_KEYS = {"heading", "markdown", "items"}
ITEM_KEYS = {"record", "caption"}
LANGUAGES = {"zh", "en"}


class ExhibitError(JiyiError):
    pass


def load_exhibit(folder: Path, shown_as: str) -> Exhibit:
    """The exhibit in `folder`; ExhibitError (with file and line) when it is malformed."""
    path = folder / "exhibit.yaml"
    where = f"{shown_as}/exhibit.yaml"
    if not path.is_file():
        raise ExhibitError("E501", f"{where}: missing", "each exhibit folder needs an exhibit.yaml (see docs/exhibits.md)")
    text = path.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise ExhibitError("E502", f"{where}{line}: not valid YAML ({getattr(exc, 'problem', exc)})",
                           "check the indentation and quotes on that line") from None

    def fail(key: str, message: str, fix: str) -> ExhibitError:
        return ExhibitError("E503", f"{where}:{_line_of(text, key)}: {message}", fix)

    if not isinstance(data, dict):
        raise fail("", "the file must be a mapping of keys (id, title, summary, sections)", "start with `id: my-exhibit`")
    _only(data, EXHIBIT_KEYS, fail)
    for key in ("id", "title", "sections"):
        if key not in data:
            raise fail("", f"missing `{key}`", f"add `{key}:` (see docs/exhibits.md)")
    if not isinstance(data["sections"], list) or not data["sections"]:
        raise fail("sections", "`sections` must be a list with at least one section", "write each section as `- heading: …`")

    sections = []
    for section in data["sections"]:
        if not isinstance(section, dict):
            raise fail("sections", "each section must be a mapping", "write `- heading: {zh: …, en: …}`")
        _only(section, SECTION_KEYS, fail)
        heading = _bilingual(section.get("heading"), "heading", fail)
        markdown = _bilingual(section.get("markdown", {}), "markdown", fail)
        bodies = {}
        for language, name in markdown.items():
            md_path = folder / name
            if not md_path.is_file():
                raise fail(name, f"Markdown file {name!r} not found", f"create {shown_as}/{name} or correct the name")
            bodies[language] = _without_repeated_heading(md_path.read_text(encoding="utf-8"), heading.get(language, ""))
        items = []
        for item in section.get("items", []) or []:
            if not isinstance(item, dict) or "record" not in item:
                raise fail("items", "each item needs `record:` with a record id (档号)", "write `- record: RA-1935-001`")
            _only(item, ITEM_KEYS, fail)
            caption = _bilingual(item.get("caption", {}), "caption", fail)
            items.append(ExhibitItem(record_id=str(item["record"]), caption_zh=caption.get("zh", ""), caption_en=caption.get("en", "")))
        sections.append(ExhibitSection(heading_zh=heading.get("zh", ""), heading_en=heading.get("en", ""),
                                       body_zh=bodies.get("zh", ""), body_en=bodies.get("en", ""), items=items))

    title = _bilingual(data["title"], "title", fail)
    summary = _bilingual(data.get("summary", {}), "summary", fail)
    return Exhibit(id=str(data["id"]), title_zh=title.get("zh", ""), title_en=title.get("en", ""),
                   summary_zh=summary.get("zh", ""), summary_en=summary.get("en", ""), sections=sections)


def _without_repeated_heading(body: str, heading: str) -> str:
    """Educators often open a section's file with its heading; the page shows it once."""
    first, _, rest = body.lstrip().partition("\n")
    if heading and first.startswith("#") and first.lstrip("#").strip() == heading.strip():
        return rest.lstrip("\n")
    return body


def _only(mapping: dict, allowed: set[str], fail) -> None:
    for key in mapping:
        if key not in allowed:
            raise fail(str(key), f"unknown key `{key}`", f"allowed here: {', '.join(sorted(allowed))}")


def _bilingual(value: Any, key: str, fail) -> dict[str, str]:
    """`{zh: …, en: …}`; a plain string counts as Chinese."""
    if isinstance(value, str):
        return {"zh": value}
    if not isinstance(value, dict) or set(value) - LANGUAGES:
        raise fail(key, f"`{key}` must be text or {{zh: …, en: …}}", f"write `{key}: {{zh: \"…\", en: \"…\"}}`")
    return {language: str(text) for language, text in value.items() if text is not None}


def _line_of(text: str, key: str) -> int:
    """The first line that writes `key` (as a key or a value); 1 when not found."""
    if key:
        pattern = re.compile(rf"(^|[\s{{,-]){re.escape(key)}(\s*:|\s*$|[,}}])")
        for number, line in enumerate(text.splitlines(), start=1):
            if pattern.search(line):
                return number
    return 1
