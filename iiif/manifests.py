"""IIIF Presentation 3 manifests and collections for records, as plain functions over iiif-prezi3."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import PurePosixPath
from urllib.parse import quote

from iiif_prezi3 import (Annotation, AnnotationPage, Canvas, Collection, CollectionRef, KeyValueString, Manifest,
                         ManifestRef)

from jiyi.model import Record

IMAGE_FORMATS = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}

# What a rendered page shows, said in the manifest so nobody takes it for a scan: the
# record's transcription (or abstract), or, when it has neither, its catalogue description.
FACSIMILE_OF = {
    "text": {"en": "Rendered facsimile of the transcribed text, not a scan", "zh": "依据文字渲染的摹本，非原件扫描"},
    "catalogue": {"en": "Rendered facsimile of the catalogue description, not a scan",
                  "zh": "依据著录信息渲染的摹本，非原件扫描"},
}
FACSIMILE_SUMMARY = {
    "text": {"en": "The page images are rendered facsimiles of the transcribed text, not scans of the original.",
             "zh": "本件图像为依据文字渲染的摹本，非原件扫描。"},
    "catalogue": {"en": "The page image renders the catalogue description; no scan of the original is available.",
                  "zh": "本件图像为依据著录信息渲染的摹本，非原件扫描。"},
}

# Record field → (zh label, en label) of its metadata pair, in the order a reader expects.
METADATA_FIELDS = (("id", "档号", "Reference code"), ("creator", "责任者", "Creator"), ("date", "日期", "Date"),
                   ("fonds", "全宗", "Fonds"), ("retention", "保管期限", "Retention"), ("holder", "保管机构", "Holder"),
                   ("note", "附注", "Note"))

# The schema accepts only these rights URIs, and only over http (IIIF Presentation 3 §3.3.1).
RIGHTS = re.compile(r"^http://(creativecommons\.org/(licenses|publicdomain)/|rightsstatements\.org/vocab/)\S+$")
RIGHTS_KEYS = ("rights", "license", "许可", "版权", "权利")


def manifest_id(record_id: str, base_uri: str) -> str:
    return f"{base_uri}iiif/{quote(record_id, safe='')}/manifest.json"


def image_uri(relative_path: str, base_uri: str) -> str:
    """The URI of an image stored at `relative_path` under an iiif output folder."""
    return f"{base_uri}iiif/" + "/".join(quote(part, safe="") for part in PurePosixPath(relative_path).parts)


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


def _lang(values: dict[str, str]) -> dict[str, list[str]]:
    """A language map with empty values left out (the schema wants no empty strings)."""
    return {lang: [text] for lang, text in values.items() if text and text.strip()}


def _metadata(record: Record, facsimile_of: str | None) -> list[KeyValueString]:
    lang = record.language or "zh"
    pairs = []
    for name, label_zh, label_en in METADATA_FIELDS:
        value = getattr(record, name)
        if name == "date" and record.date_text and record.date_text != record.date:
            value = f"{record.date_text}（{record.date}）" if record.date else record.date_text
        if value:
            # A reference code is the same in every language, so it is tagged "none".
            pairs.append(KeyValueString(label={"zh": [label_zh], "en": [label_en]},
                                        value={"none" if name == "id" else lang: [value]}))
    if facsimile_of:
        pairs.append(KeyValueString(label={"en": ["Image"], "zh": ["图像"]},
                                    value={lang: [text] for lang, text in FACSIMILE_OF[facsimile_of].items()}))
    return pairs


def manifest_for(record: Record, images: list[tuple[str, int, int]], base_uri: str, facsimile: bool, *,
                 facsimile_of: str = "text") -> dict:
    """A Presentation 3 Manifest for a record: one Canvas per (relative path, width, height) image.

    `facsimile` says the images are rendered, not scanned; `facsimile_of` what they render:
    "text" (transcription or abstract) or "catalogue" (the catalogue description).
    """
    rendered = facsimile_of if facsimile else None
    mid = manifest_id(record.id, base_uri)
    root = mid.rsplit("/", 1)[0]
    lang = record.language or "zh"
    label = {lang: [record.title or record.id]}
    if record.extra.get("英文题名") and "en" not in label:
        label["en"] = [record.extra["英文题名"]]

    canvases = []
    for number, (path, width, height) in enumerate(images, start=1):
        canvas_id = f"{root}/canvas/p{number}"
        body = {"id": image_uri(path, base_uri), "type": "Image", "width": width, "height": height,
                "format": IMAGE_FORMATS.get(PurePosixPath(path).suffix.lower(), "image/png")}
        painting = Annotation(id=f"{root}/annotation/p{number}", motivation="painting", target=canvas_id, body=body)
        page = AnnotationPage(id=f"{root}/page/p{number}", items=[painting])
        canvases.append(Canvas(id=canvas_id, label={"none": [f"p. {number}"]}, width=width, height=height,
                               items=[page]))

    fields: dict = {"id": mid, "label": label, "metadata": _metadata(record, rendered), "items": canvases}
    summary = {lang: record.abstract} if record.abstract else {}
    if rendered:  # also in the summary: viewers show it where they may hide metadata
        for note_lang, note in FACSIMILE_SUMMARY[rendered].items():
            summary[note_lang] = f"{summary[note_lang]} {note}" if summary.get(note_lang) else note
    if _lang(summary):
        fields["summary"] = _lang(summary)
    when = nav_date(record.date)
    if when:
        fields["navDate"] = when
    held = f"{record.holder}藏，档号 {record.id}" if record.holder else f"档号 {record.id}"
    held_en = f"Held by {record.holder}, reference code {record.id}" if record.holder else f"Reference code {record.id}"
    fields["requiredStatement"] = KeyValueString(label={"zh": ["来源"], "en": ["Attribution"]},
                                                 value={"zh": [held], "en": [held_en]})
    rights = rights_uri(record)
    if rights:
        fields["rights"] = rights
    return json.loads(Manifest(**fields).json())


def collection_for(record_set: str, label_zh: str, label_en: str, manifests: list[dict], base_uri: str) -> dict:
    """A Collection of one record set's manifests, referenced by id, type and label."""
    label = _lang({"zh": label_zh, "en": label_en}) or {"none": [record_set]}
    # Assigned in one go: Collection.add_item is quadratic (2.7 s for 1,000 items).
    items = [ManifestRef(id=m["id"], label=m["label"]) for m in manifests]
    collection = Collection(id=f"{base_uri}iiif/collection/{quote(record_set, safe='')}.json", label=label, items=items)
    return json.loads(collection.json())


def top_collection(collections: list[dict], base_uri: str, name: str) -> dict:
    """The Collection of every record set's Collection: where a viewer starts browsing."""
    items = [CollectionRef(id=c["id"], type="Collection", label=c["label"]) for c in collections]  # type has no default
    collection = Collection(id=f"{base_uri}iiif/collection/top.json", label={"none": [name or "Jiyi"]}, items=items)
    return json.loads(collection.json())
