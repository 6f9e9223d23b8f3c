"""A self-contained copy of a public exhibit: build/public/exhibits/<id>/index.html (中文) and en.html.

Opened from disk with no network: the style is inline, there is no script at all, and every
image it shows is copied (a region cropped) into the folder beside it. The folder is written
under a temporary name and renamed into place, so a reader never sees half an export.
"""

from __future__ import annotations

import html
import shutil
from pathlib import Path

from PIL import Image

from jiyi.model import Exhibit, atomic_writer

from .build_data import TYPE_LABELS, BuildData
from .render_html import Assets, citation, word

STYLE = """
body { font-family: "Noto Serif CJK SC", "Noto Sans CJK SC", serif; max-width: 56rem; margin: 0 auto; padding: 1rem 1.5rem;
       line-height: 1.7; color: #222; background: #fffdf8; }
header.exhibit { border-bottom: 3px solid #b03a2e; margin-bottom: 1.5rem; }
header.exhibit img.cover { float: right; max-width: 30%; max-height: 18rem; margin: 0 0 1rem 1rem; }
header.exhibit::after { content: ""; display: block; clear: both; }
nav.toc ol { columns: 2; } nav.lang { text-align: right; }
section.page { margin: 2.5rem 0; }
figure { margin: 1rem 0; } figure img { max-width: 100%; border: 1px solid #ddd; }
figcaption { font-size: 0.9rem; color: #555; } .cite { display: block; font-size: 0.8rem; color: #777; }
.gallery { display: grid; grid-template-columns: repeat(auto-fill, minmax(12rem, 1fr)); gap: 1rem; }
blockquote.quote { border-left: 4px solid #b03a2e; margin: 1rem 0; padding: 0.3rem 1rem; background: #f6efe6; }
blockquote.quote footer { font-size: 0.85rem; color: #555; }
ol.timeline { list-style: none; border-left: 2px solid #b03a2e; padding-left: 1rem; }
ol.timeline time { font-weight: bold; margin-right: 0.5rem; } .note { color: #a04000; font-size: 0.85rem; }
aside.question { border: 2px dashed #1f618d; padding: 0.5rem 1rem; margin: 1.5rem 0; background: #eef5fb; }
svg.map, svg.graph { width: 100%; height: auto; max-width: 40rem; }
a.entity, a[href^="#entity-"] { color: #1f618d; }
dl.entities dt { font-weight: bold; margin-top: 0.5rem; }
"""
LANGS = {"zh": ("index.html", "中文", "zh-Hans"), "en": ("en.html", "English", "en")}


def write_static_export(exhibit: Exhibit, assets: Assets, data: BuildData, out: Path) -> None:
    """Write the pages and every file they show into `out` (the exhibit's own folder), replacing what was there.

    `exhibit` and `assets` come from publish.public_exhibit with prefix "": paths relative to `out`.
    """
    staging = out.with_name(f".{out.name}.part")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        for lang, (name, _, _) in LANGS.items():
            with atomic_writer(staging / name) as page:
                page.write(_page(exhibit, assets, data, lang))
        for name, (source, region) in assets.files.items():  # after the pages: they add their items' images
            _copy(source, region, staging / name)
        shutil.rmtree(out, ignore_errors=True)
        staging.rename(out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _copy(source: Path, region, target: Path) -> None:
    if target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    if region is None:
        shutil.copyfile(source, target)
        return
    x, y, w, h = region
    with Image.open(source) as image:
        image.crop((x, y, min(x + w, image.width), min(y + h, image.height))).save(target)


def _pick(exhibit: Exhibit, key: str, lang: str) -> str:
    """The field in the page's language, the other language when it is empty."""
    first, second = (f"{key}_zh", f"{key}_en") if lang == "zh" else (f"{key}_en", f"{key}_zh")
    return getattr(exhibit, first) or getattr(exhibit, second)


def _page(exhibit: Exhibit, assets: Assets, data: BuildData, lang: str) -> str:
    e = html.escape
    title = _pick(exhibit, "title", lang)
    other = "en" if lang == "zh" else "zh"
    parts = [f'<!DOCTYPE html>\n<html lang="{LANGS[lang][2]}"><head><meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{e(title)}</title><style>{STYLE}</style></head><body>",
             f'<nav class="lang"><a href="{LANGS[other][0]}">{LANGS[other][1]}</a></nav>',
             '<header class="exhibit">']
    if exhibit.cover:
        parts.append(f'<img class="cover" src="{e(exhibit.cover)}" alt="">')
    parts.append(f"<h1>{e(title)}</h1>")
    for key in ("summary", "theme", "audience"):
        text = _pick(exhibit, key, lang)
        if text:
            parts.append(f'<p class="{key}">{e(text)}</p>')
    parts.append("</header>")
    headings = [getattr(s, f"heading_{lang}") or s.heading_zh for s in exhibit.sections]
    parts.append('<nav class="toc"><ol>' + "".join(f'<li><a href="#section-{n}">{e(h)}</a></li>'
                                                     for n, h in enumerate(headings, start=1)) + "</ol></nav>")
    for number, (section, heading) in enumerate(zip(exhibit.sections, headings), start=1):
        parts.append(f'<section class="page" id="section-{number}"><h2>{e(heading)}</h2>')
        parts.append(getattr(section, f"body_{lang}") or section.body_zh)
        for item in section.items:
            record = data.public_record(item.record_id)
            page = data.page(item.record_id, 1) if record else None
            if record is None or page is None:
                continue
            caption = getattr(item, f"caption_{lang}") or item.caption_zh
            src = assets.page_image(item.record_id, 1, page.image)
            parts.append(f'<figure class="item"><img src="{e(src)}" alt="{e(record.title)}"><figcaption>{e(caption)}'
                         f'<span class="cite">{citation(record, lang)}</span></figcaption></figure>')
        parts.append("</section>")
    if assets.entities:
        parts.append(f'<section class="entities"><h2>{word("entities", lang)}</h2><dl class="entities">')
        for entity in sorted(assets.entities.values(), key=lambda x: (x.type.value, x.label)):
            kind = TYPE_LABELS[entity.type.value][0 if lang == "zh" else 1]
            records = "；".join(f"{e(r.title)}（{e(r.id)}）" for r in data.public_records_of(entity)[:8])
            parts.append(f'<dt id="entity-{e(entity.id)}">{e(entity.label)} <small>{kind}</small></dt>'
                         f'<dd>{word("records", lang)}：{records}</dd>')
        parts.append("</dl></section>")
    parts.append("</body></html>\n")
    return "\n".join(parts)
