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

EXHIBIT_KEYS = {"id", "title", "summary", "theme", "audience", "visibility", "cover", "sections"}
SECTION_KEYS = {"heading", "markdown", "items"}
ITEM_KEYS = {"record", "caption"}
LANGUAGES = {"zh", "en"}
VISIBILITIES = {"public", "internal"}
MAX_YAML_BYTES = 256 * 1024  # an exhibit.yaml is a page of keys; anything far larger is a mistake or an attack
ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*")


class ExhibitError(JiyiError):
    pass


def load_exhibit(folder: Path, shown_as: str) -> Exhibit:
    """The exhibit in `folder`; ExhibitError (with file and line) when it is malformed."""
    path = folder / "exhibit.yaml"
    where = f"{shown_as}/exhibit.yaml"
    if not path.is_file():
        raise ExhibitError("E501", f"{where}: missing", "each exhibit folder needs an exhibit.yaml (see docs/exhibits.md)")
    if path.stat().st_size > MAX_YAML_BYTES:
        raise ExhibitError("E502", f"{where}:1: larger than {MAX_YAML_BYTES // 1024} KB",
                           "an exhibit.yaml holds titles and a list of sections; move long text into the Markdown pages")
    text = _utf8(path, where)
    _refuse_tags_and_aliases(text, where)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise ExhibitError("E502", f"{where}{line}: not valid YAML ({getattr(exc, 'problem', exc)})",
                           "check the indentation and quotes on that line") from None
    except RecursionError:
        # PyYAML parses nested lists and mappings recursively; thousands of `[` overflow the
        # stack. No exhibit nests more than a few levels, so this is a mistake or an attack.
        raise _too_deep(where) from None

    def fail(key: str, message: str, fix: str) -> ExhibitError:
        return ExhibitError("E503", f"{where}:{line_of(text, key)}: {message}", fix)

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
            try:
                md_path = inside(folder, name)
                found = md_path is not None and md_path.is_file()
            except OSError as exc:
                # The file system refuses the name itself (longer than 255 bytes, say), so no such
                # file can exist; the educator needs the line, not a traceback.
                raise fail(name, f"Markdown file name {_shortened(name)!r} cannot be used ({exc.strerror or exc})",
                           "use a short file name inside the folder, e.g. `01-start.zh.md`") from None
            if md_path is None:
                raise fail(name, f"{name!r} is outside the exhibit's folder",
                           "name a Markdown file inside the folder, e.g. `01-start.zh.md` (no `..`, no leading `/`)")
            if not found:
                raise fail(name, f"Markdown file {name!r} not found", f"create {shown_as}/{name} or correct the name")
            bodies[language] = _without_repeated_heading(_utf8(md_path, f"{shown_as}/{name}"), heading.get(language, ""))
        items = []
        listed = section.get("items", []) or []
        if not isinstance(listed, list):
            # `items: 5` or `items: RA-1935-001`: iterating a number fails, iterating text gives letters
            raise fail("items", "`items` must be a list of items", "write each item on its own line as `- record: RA-1935-001`")
        for item in listed:
            if not isinstance(item, dict) or "record" not in item:
                raise fail("items", "each item needs `record:` with a record id (档号)", "write `- record: RA-1935-001`")
            _only(item, ITEM_KEYS, fail)
            caption = _bilingual(item.get("caption", {}), "caption", fail)
            items.append(ExhibitItem(record_id=str(item["record"]), caption_zh=caption.get("zh", ""), caption_en=caption.get("en", "")))
        sections.append(ExhibitSection(heading_zh=heading.get("zh", ""), heading_en=heading.get("en", ""),
                                       body_zh=bodies.get("zh", ""), body_en=bodies.get("en", ""), items=items,
                                       source_zh=markdown.get("zh", ""), source_en=markdown.get("en", "")))

    exhibit_id = str(data["id"])
    if not ID.fullmatch(exhibit_id):
        raise fail("id", f"id {exhibit_id!r} cannot name a web address", "use letters, digits and hyphens, e.g. `id: long-march`")
    visibility = str(data.get("visibility", "public"))
    if visibility not in VISIBILITIES:
        raise fail("visibility", f"visibility {visibility!r} is neither public nor internal",
                   "write `visibility: public` (published) or `visibility: internal` (staff only)")
    cover = str(data.get("cover", "") or "")
    title = _bilingual(data["title"], "title", fail)
    summary = _bilingual(data.get("summary", {}), "summary", fail)
    theme = _bilingual(data.get("theme", {}), "theme", fail)
    audience = _bilingual(data.get("audience", {}), "audience", fail)
    return Exhibit(id=exhibit_id, title_zh=title.get("zh", ""), title_en=title.get("en", ""),
                   summary_zh=summary.get("zh", ""), summary_en=summary.get("en", ""), sections=sections,
                   theme_zh=theme.get("zh", ""), theme_en=theme.get("en", ""),
                   audience_zh=audience.get("zh", ""), audience_en=audience.get("en", ""),
                   visibility=visibility, cover=cover)


def _utf8(path: Path, where: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[:exc.start].count(b"\n") + 1
        raise ExhibitError("E502", f"{where}:{line}: not UTF-8 text", "save the file as UTF-8 (any editor's \"Save with encoding\")") from None


def inside(folder: Path, name: str) -> Path | None:
    """`folder/name` when it stays inside `folder` (no `..`, no absolute path, no symlink out); None otherwise."""
    if not name or name.startswith(("/", "\\")) or "\\" in name or re.match(r"^[A-Za-z]:", name) or "\0" in name:
        return None
    base = folder.resolve()
    path = (folder / name).resolve()
    return path if path.is_relative_to(base) and path != base else None


def _refuse_tags_and_aliases(text: str, where: str) -> None:
    """Refuse YAML tags (`!!python/…`, `!x`) and anchors/aliases (`&a`, `*a`: the billion-laughs attack).

    safe_load already refuses Python objects, but an exhibit needs neither feature, and
    aliases let a few lines expand into gigabytes once the data is walked.
    """
    try:
        for token in yaml.scan(text):
            if isinstance(token, (yaml.TagToken, yaml.AnchorToken, yaml.AliasToken)):
                kind = "tag" if isinstance(token, yaml.TagToken) else "anchor or alias"
                raise ExhibitError("E502", f"{where}:{token.start_mark.line + 1}: a YAML {kind} is not allowed here",
                                   "write plain values: no `!tag`, `&anchor` or `*alias` (repeat the text instead)")
    except yaml.YAMLError:
        return  # not valid YAML at all: safe_load reports it with its line


def _too_deep(where: str) -> ExhibitError:
    return ExhibitError("E502", f"{where}:1: lists or mappings nested too deeply to read",
                        "an exhibit.yaml needs only a few levels (sections, items, captions); remove the extra `[` or `{`")


def _shortened(name: str, keep: int = 40) -> str:
    """A long name cut down for a message, so that one bad line does not fill the screen."""
    return name if len(name) <= keep else name[:keep] + "…"


def _without_repeated_heading(body: str, heading: str) -> str:
    """Educators often open a section's file with its heading; the page shows it once."""
    lines = body.split("\n")
    first = next((number for number, line in enumerate(lines) if line.strip()), None)
    if heading and first is not None and lines[first].startswith("#") and lines[first].lstrip("#").strip() == heading.strip():
        lines[first] = ""  # blanked, not removed: directives' line numbers must still match the file
    return "\n".join(lines)


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


def line_of(text: str, key: str) -> int:
    """The first line that writes `key` (as a key or a value, quoted or not); 1 when not found."""
    if key:
        # quotes are optional around it: file names with spaces or odd characters are often quoted
        pattern = re.compile(rf"(^|[\s{{,-])['\"]?{re.escape(key)}['\"]?(\s*:|\s*$|[,}}])")
        for number, line in enumerate(text.splitlines(), start=1):
            if pattern.search(line):
                return number
    return 1
