"""IIIF Presentation 3 manifests and collections for records, as plain dicts.

The dicts are written as they are; tests check every one against the IIIF 3 JSON Schema.
iiif-prezi3's models were 5x slower for a 10-canvas manifest (measured: ~600 manifests/s
before writing, against the 500/s with writing that a 10,000-record holding needs).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path
from urllib.parse import quote

from jiyi.graph.labels import written_tag
from jiyi.graph.vocab import Minter
from jiyi.model import Entity, EntityType, Record, atomic_writer, entity_key

PRESENTATION_CONTEXT = "http://iiif.io/api/presentation/3/context.json"
# The navPlace extension's context comes first, as the extension asks (JSON-LD: the last wins).
NAVPLACE_CONTEXT = "http://iiif.io/api/extension/navplace/context.json"

IMAGE_FORMATS = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}

# What a rendered page shows, said in the manifest so nobody takes it for a scan: the
# record's transcription (or abstract), or, when it has neither, its catalogue description.
FACSIMILE_OF = {
    "text": {"en": "Rendered facsimile of the transcribed text, not a scan", "zh-Hans": "依据文字渲染的摹本，非原件扫描"},
    "catalogue": {"en": "Rendered facsimile of the catalogue description, not a scan",
                  "zh-Hans": "依据著录信息渲染的摹本，非原件扫描"},
}
FACSIMILE_SUMMARY = {
    "text": {"en": "The page images are rendered facsimiles of the transcribed text, not scans of the original.",
             "zh-Hans": "本件图像为依据文字渲染的摹本，非原件扫描。"},
    "catalogue": {"en": "The page image renders the catalogue description; no scan of the original is available.",
                  "zh-Hans": "本件图像为依据著录信息渲染的摹本，非原件扫描。"},
}

# Record field → (zh label, en label) of its metadata pair, in the order a reader expects.
METADATA_FIELDS = (("id", "档号", "Reference code"), ("creator", "责任者", "Creator"), ("date", "日期", "Date"),
                   ("fonds", "全宗", "Fonds"), ("retention", "保管期限", "Retention"), ("holder", "保管机构", "Holder"),
                   ("note", "附注", "Note"))
# Catalogue columns that give a record's title or abstract in English.
ENGLISH_TITLE_KEYS = ("英文题名", "title_en", "English title")
ENGLISH_SUMMARY_KEYS = ("英文摘要", "abstract_en", "English abstract")

# The schema accepts only these rights URIs, and only over http (IIIF Presentation 3 §3.3.1).
RIGHTS = re.compile(r"^http://(creativecommons\.org/(licenses|publicdomain)/|rightsstatements\.org/vocab/)\S+$")
RIGHTS_KEYS = ("rights", "license", "许可", "版权", "权利")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")  # Han characters, whose forms tell simplified from traditional


def write_iiif_json(path: Path, data: dict) -> None:
    """Write IIIF JSON compact and atomically: json's C encoder only runs without indent (measured
    5x faster for a 10-canvas manifest than write_json's indent=2, and a third smaller)."""
    with atomic_writer(path) as out:
        out.write(json.dumps(data, ensure_ascii=False, separators=(",", ":")))
        out.write("\n")


def record_root(record_id: str, base_uri: str) -> str:
    """The URI every IIIF resource of a record is named under: its manifest, canvases, annotations."""
    return f"{base_uri}iiif/{quote(record_id, safe='')}"


def manifest_id(record_id: str, base_uri: str) -> str:
    return f"{record_root(record_id, base_uri)}/manifest.json"


def canvas_id(record_id: str, base_uri: str, page: int) -> str:
    return f"{record_root(record_id, base_uri)}/canvas/p{page}"


def image_uri(relative_path: str, base_uri: str) -> str:
    """The URI of an image stored at `relative_path` under an iiif output folder."""
    return f"{base_uri}iiif/" + "/".join(quote(part, safe="") for part in relative_path.split("/") if part)


def record_rdf_uris(record_id: str, base_uri: str) -> tuple[str, str]:
    """The record's own RDF as the graph stage writes it: (Turtle, JSON-LD)."""
    stem = f"{base_uri}graph/records/{quote(record_id, safe='')}"
    return f"{stem}.ttl", f"{stem}.jsonld"


def language_of(record: Record, text: str) -> str:
    """The BCP 47 tag of a record's text: zh-Hans or zh-Hant for Chinese (by the characters), else its language."""
    language = record.language or "zh"
    if language not in ("zh", "zh-Hans", "zh-Hant"):
        return language
    return written_tag(text) if CJK.search(text) else "zh-Hans"  # a date or a number: no script to tell


def name_tag(name: str) -> str:
    """The tag of a name: zh-Hans or zh-Hant when it holds Chinese characters, else none (a name is in no language)."""
    return written_tag(name) if CJK.search(name) else "none"


def nav_date(date: str) -> dt.datetime | None:
    """The start of an ISO 8601 / EDTF date as a UTC datetime, or None when it has no year.

    Intervals (1997/2003) navigate by their start; EDTF seasons (1921-21) and invalid
    days fall back to the year or month rather than to nothing.
    """
    match = re.match(r"^\s*(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", date or "")
    if not match:
        return None
    year, month, day = int(match[1]), int(match[2] or 1), int(match[3] or 1)
    if not 1 <= month <= 12:
        month, day = 1, 1
    try:
        return dt.datetime(year, month, day, tzinfo=dt.timezone.utc)
    except ValueError:
        return dt.datetime(year, month, 1, tzinfo=dt.timezone.utc) if year >= 1 else None


def rights_uri(record: Record) -> str | None:
    """A rights URI from the record's catalogue columns, if one the schema accepts is there."""
    for key in RIGHTS_KEYS:
        value = (record.extra.get(key) or "").strip()
        value = re.sub(r"^https://(creativecommons\.org|rightsstatements\.org)/", r"http://\1/", value)
        if RIGHTS.match(value):
            return value
    return None


def lang_map(values: dict[str, str]) -> dict[str, list[str]]:
    """A language map with empty values left out (the schema wants no empty strings)."""
    return {lang: [text] for lang, text in values.items() if text and text.strip()}


def _english(record: Record, keys: tuple[str, ...]) -> str:
    return next((record.extra[key].strip() for key in keys if (record.extra.get(key) or "").strip()), "")


def _metadata(record: Record, facsimile_of: str | None, record_set: tuple[str, str] | None) -> list[dict]:
    pairs = []
    for name, label_zh, label_en in METADATA_FIELDS:
        value = getattr(record, name)
        if name == "date" and record.date_text and record.date_text != record.date:
            value = f"{record.date_text}（{record.date}）" if record.date else record.date_text
        if value:
            # A reference code is the same in every language, so it is tagged "none".
            pairs.append({"label": {"zh-Hans": [label_zh], "en": [label_en]},
                          "value": {"none" if name == "id" else language_of(record, value): [value]}})
    if record_set:
        label_zh, label_en = record_set
        pairs.append({"label": {"zh-Hans": ["档案集"], "en": ["Record set"]},
                      "value": lang_map({written_tag(label_zh): label_zh, "en": label_en})})
    if facsimile_of:
        pairs.append({"label": {"zh-Hans": ["图像"], "en": ["Image"]}, "value": lang_map(FACSIMILE_OF[facsimile_of])})
    return pairs


def _holder_names(record: Record) -> list[str]:
    """The holding institutions, split as the graph splits them (；、;)."""
    names = record.holder.replace("；", ";").replace("、", ";").split(";")
    return [name.strip() for name in names if name.strip()]


def holder_uri(base_uri: str, name: str) -> str:
    """The graph's URI of a holder that is no extracted person or body (TripleMaker.agent mints it so)."""
    return Minter(base_uri).node("agent", entity_key(EntityType.ORG, name)).value


def _provider(record: Record, base_uri: str, project: str, agents: dict[str, str]) -> list[dict]:
    """The holding institutions as Agents, with the graph's URI for each; else the project itself."""
    names = _holder_names(record)
    if not names:
        return [{"id": base_uri, "type": "Agent", "label": lang_map({name_tag(project): project}) or
                 {"none": ["Jiyi"]}}]
    return [{"id": agents.get(name) or holder_uri(base_uri, name), "type": "Agent",
             "label": {name_tag(name): [name]}} for name in names]


def nav_place(places: list[tuple[str, Entity]], root: str) -> dict:
    """A GeoJSON FeatureCollection of (graph URI, place entity) pairs; GeoJSON puts longitude first."""
    features = [{"id": uri, "type": "Feature", "properties": {"label": {written_tag(place.label): [place.label]}},
                 "geometry": {"type": "Point", "coordinates": [place.longitude, place.latitude]}}
                for uri, place in places]
    return {"id": f"{root}/feature-collection", "type": "FeatureCollection", "features": features}


def manifest_for(record: Record, images: list[tuple[str, int, int]], base_uri: str, facsimile: bool, *,
                 facsimile_of: str = "text", project: str = "", record_set: tuple[str, str] | None = None,
                 places: list[tuple[str, Entity]] | None = None, structures: list[dict] | None = None,
                 annotations: dict[int, list[str]] | None = None, agents: dict[str, str] | None = None,
                 thumbnails: list[tuple[str, int, int]] | None = None, viewing_direction: str | None = None) -> dict:
    """A Presentation 3 Manifest for a record: one Canvas per (relative path, width, height) image,
    or, for a harvested record, per page of `record.remote_images` (then `images` is not used).

    `facsimile` says the images are rendered, not scanned; `facsimile_of` what they render:
    "text" (transcription or abstract) or "catalogue" (the catalogue description).
    `project` names the holder when the record has none; `record_set` is its (zh, en) label;
    `places` the (graph URI, entity) of its places with coordinates; `structures` its Ranges;
    `annotations` the AnnotationPage URIs of each canvas by page number; `agents` graph URIs by name;
    `thumbnails` a small image of each page, as (relative path, width, height) like `images`;
    `viewing_direction` the order its pages are turned in ("right-to-left" for a vertical book).
    """
    rendered = facsimile_of if facsimile else None
    root = record_root(record.id, base_uri)
    title = record.title or record.id
    label = {language_of(record, title) if record.title else "none": [title]}
    english_title = _english(record, ENGLISH_TITLE_KEYS)
    if english_title:
        label["en"] = [english_title]

    canvases = []
    for number, (body, width, height, page_label) in enumerate(_pages(record, images, base_uri), start=1):
        cid = canvas_id(record.id, base_uri, number)
        canvas = {
            "id": cid, "type": "Canvas", "label": page_label or {"none": [f"p. {number}"]},
            "width": width, "height": height,
            "items": [{"id": f"{root}/page/p{number}", "type": "AnnotationPage", "items": [
                {"id": f"{root}/annotation/p{number}", "type": "Annotation", "motivation": "painting",
                 "body": body, "target": cid}]}],
        }
        if thumbnails and number <= len(thumbnails):
            small_path, small_width, small_height = thumbnails[number - 1]
            canvas["thumbnail"] = [{"id": image_uri(small_path, base_uri), "type": "Image", "format": "image/jpeg",
                                    "width": small_width, "height": small_height}]
        pages = (annotations or {}).get(number)
        if pages:
            canvas["annotations"] = [{"id": page, "type": "AnnotationPage"} for page in pages]
        canvases.append(canvas)

    manifest: dict = {"@context": PRESENTATION_CONTEXT, "id": f"{root}/manifest.json", "type": "Manifest",
                      "label": label, "metadata": _metadata(record, rendered, record_set)}
    summary: dict[str, str] = {}
    if record.abstract:
        summary[language_of(record, record.abstract)] = record.abstract
    english_summary = _english(record, ENGLISH_SUMMARY_KEYS)
    if english_summary:
        summary["en"] = english_summary
    if rendered:  # also in the summary: viewers show it where they may hide metadata
        for note_lang, note in FACSIMILE_SUMMARY[rendered].items():
            summary[note_lang] = f"{summary[note_lang]} {note}" if summary.get(note_lang) else note
    if lang_map(summary):
        manifest["summary"] = lang_map(summary)

    # The holding institution as the catalogue writes it; without one, the project publishing the record.
    holder = record.holder.strip()
    institution = holder or project or "Jiyi"
    held = f"{institution}藏，档号 {record.id}" if holder else f"{institution}，档号 {record.id}"
    held_en = (f"Held by {institution}, reference code {record.id}" if holder
               else f"{institution}, reference code {record.id}")
    manifest["requiredStatement"] = {"label": {"zh-Hans": ["来源"], "en": ["Attribution"]},
                                     "value": {written_tag(held): [held], "en": [held_en]}}
    rights = rights_uri(record)
    if rights:
        manifest["rights"] = rights
    manifest["provider"] = _provider(record, base_uri, project, agents or {})
    when = nav_date(record.date)
    if when:
        manifest["navDate"] = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    if places:
        manifest["@context"] = [NAVPLACE_CONTEXT, PRESENTATION_CONTEXT]
        manifest["navPlace"] = nav_place(places, root)
    if record.is_public:  # the graph stage writes these files for open records only
        turtle, jsonld = record_rdf_uris(record.id, base_uri)
        manifest["seeAlso"] = [
            {"id": turtle, "type": "Dataset", "label": {"en": ["RiC-O description (Turtle)"]}, "format": "text/turtle"},
            {"id": jsonld, "type": "Dataset", "label": {"en": ["RiC-O description (JSON-LD)"]},
             "format": "application/ld+json"}]
    if canvases and "thumbnail" in canvases[0]:
        manifest["thumbnail"] = canvases[0]["thumbnail"]
    if viewing_direction:
        manifest["viewingDirection"] = viewing_direction
    manifest["items"] = canvases
    if structures:
        manifest["structures"] = structures
    return manifest


def _pages(record: Record, images: list[tuple[str, int, int]],
           base_uri: str) -> list[tuple[dict, int, int, dict | None]]:
    """(painting body, canvas width, height, canvas label or None) of each page.

    A harvested record's pages are the publisher's images, by reference with their own image
    services (iiif/harvest.py): Jiyi neither copies nor re-serves them, and services.py makes
    derivatives only of images under its own base URI. Other records' pages are its images.
    """
    if record.remote_images:
        return [(dict(page["body"]), page["width"], page["height"], page.get("label"))
                for page in record.remote_images]
    return [({"id": image_uri(path, base_uri), "type": "Image",
              "format": IMAGE_FORMATS.get(os.path.splitext(path)[1].lower(), "image/png"),
              "width": width, "height": height}, width, height, None) for path, width, height in images]


def manifest_ref(manifest: dict) -> dict:
    """What a Collection lists of a manifest: id, type and label."""
    return {"id": manifest["id"], "type": "Manifest", "label": manifest["label"]}


def collection_for(record_set: str, label_zh: str, label_en: str, manifests: list[dict], base_uri: str, *,
                   kind: str = "") -> dict:
    """A Collection of manifests (full or as references) under iiif/collection/[kind/]<name>.json."""
    label = lang_map({written_tag(label_zh) if label_zh else "zh-Hans": label_zh, "en": label_en}) or \
        {"none": [record_set]}
    folder = f"{kind}/" if kind else ""
    return {"@context": PRESENTATION_CONTEXT,
            "id": f"{base_uri}iiif/collection/{folder}{quote(record_set, safe='')}.json", "type": "Collection",
            "label": label, "items": [manifest_ref(m) for m in manifests]}


def top_collection(collections: list[dict], base_uri: str, name: str) -> dict:
    """The Collection of every record set's and fonds' Collection: where a viewer starts browsing."""
    items = [{"id": c["id"], "type": "Collection", "label": c["label"]} for c in collections]
    return {"@context": PRESENTATION_CONTEXT, "id": f"{base_uri}iiif/collection/top.json", "type": "Collection",
            "label": {name_tag(name): [name]} if name else {"none": ["Jiyi"]}, "items": items}
