"""The public form of a checked exhibit: open items only, pages as sanitised HTML and rendered blocks."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from pathlib import Path

import nh3

from jiyi.model import Exhibit

from .build_data import BuildData
from .check import Checked
from .render_html import Assets, render_block


TEXT_FIELDS = ("title_zh", "title_en", "summary_zh", "summary_en", "theme_zh", "theme_en", "audience_zh", "audience_en")


def public_exhibit(checked: Checked, data: BuildData, folder: Path, prefix: str = "") -> tuple[Exhibit, Assets, int]:
    """(the exhibit as published, the files its pages show, how many items were withheld).

    `prefix` is how the pages reach the exhibit's export folder: "" from its index.html,
    "<id>/" from build/public/exhibits/<id>.json.
    """
    exhibit = checked.exhibit
    assert exhibit is not None
    assets = Assets(folder, prefix)
    withheld = 0
    sections = []
    for index, section in enumerate(exhibit.sections):
        items = [replace(item, caption_zh=plain(item.caption_zh), caption_en=plain(item.caption_en))
                 for item in section.items if data.public_record(item.record_id) is not None]
        withheld += sum(1 for item in section.items
                        if item.record_id in data.records and data.public_record(item.record_id) is None)
        rendered = {}
        for lang in ("zh", "en"):
            blocks = [r for block in checked.pages.get((index, lang), [])
                      if (r := render_block(block, data, assets, lang)) is not None]
            for block in blocks:
                if block["kind"] in ("item", "gallery"):
                    block["images"] = [name for name in _sources(block["html"])]
            rendered[lang] = blocks
        sections.append(replace(section, heading_zh=plain(section.heading_zh), heading_en=plain(section.heading_en),
                                items=items, body_zh="\n".join(r["html"] for r in rendered["zh"]),
                                body_en="\n".join(r["html"] for r in rendered["en"]),
                                blocks_zh=rendered["zh"], blocks_en=rendered["en"]))
    public = replace(exhibit, sections=sections, cover=cover_image(exhibit.cover, data, assets) or "",
                     **{key: plain(getattr(exhibit, key)) for key in TEXT_FIELDS})
    return public, assets, withheld


def cover_image(cover: str, data: BuildData, assets: Assets) -> str | None:
    if not cover:
        return None
    if cover in data.records:
        page = data.page(cover, 1)
        return assets.page_image(cover, 1, page.image) if page else None
    return assets.local_image(cover)


def _sources(fragment: str) -> list[str]:
    return [html.unescape(src) for src in re.findall(r'<img src="([^"]*)"', fragment) if src]


def plain(text: str) -> str:
    """Text fields (titles, headings, captions) as text: tags and script bodies taken out, not escaped."""
    return html.unescape(nh3.clean(text, tags=set(), clean_content_tags={"script", "style"})) if "<" in text else text
