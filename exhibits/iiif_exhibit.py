"""An exhibit as IIIF Presentation 3: a Manifest of the pages it shows with one Range per section, and a Collection.

IIIF puts Ranges in a Manifest's `structures`; a Collection cannot hold them. So an exhibit is
  iiif/exhibits/<id>/manifest.json    its canvases are the record pages the exhibit shows (each as the
                                      record's own manifest has it), `structures` one Range per section,
                                      a region shown as `<canvas>#xywh=…`;
  iiif/exhibits/<id>/collection.json  the exhibit's manifest, then the manifest of every record it shows.
Only pages of open records can be reached: BuildData answers nothing for the others.
"""

from __future__ import annotations

from pathlib import Path

from jiyi.model import Exhibit, write_json

from . import blocks as b
from .build_data import BuildData
from .check import Checked

PRESENTATION_CONTEXT = "http://iiif.io/api/presentation/3/context.json"


def _label(zh: str, en: str) -> dict:
    label = {}
    if zh:
        label["zh-Hans"] = [zh]
    if en:
        label["en"] = [en]
    return label or {"none": ["—"]}


def exhibit_iiif(exhibit: Exhibit, checked: Checked, data: BuildData) -> tuple[dict, dict]:
    """(manifest, collection) of a published exhibit; `exhibit` is its public form, `checked` its blocks."""
    root = f"{data.base_uri}iiif/exhibits/{exhibit.id}"
    canvases: dict[str, dict] = {}
    records: list[str] = []
    ranges = []
    for index, section in enumerate(exhibit.sections):
        targets: list[str] = []

        def show(record_id: str, number: int, xywh=None) -> None:
            page = data.page(record_id, number)
            if page is None:
                return
            canvases.setdefault(page.canvas["id"], page.canvas)
            target = page.canvas["id"] + (f"#xywh={','.join(map(str, xywh))}" if xywh else "")
            if target not in targets:
                targets.append(target)
            if record_id not in records:
                records.append(record_id)

        for block in checked.pages.get((index, "zh"), []) + checked.pages.get((index, "en"), []):
            if isinstance(block, b.Item):
                show(block.record_id, block.canvas, block.xywh)
            elif isinstance(block, b.Gallery):
                for record_id in block.record_ids:
                    show(record_id, 1)
        for item in section.items:
            show(item.record_id, 1)
        if targets:  # a section of words only has nothing to point at
            ranges.append({"id": f"{root}/range/s{index + 1}", "type": "Range",
                           "label": _label(section.heading_zh, section.heading_en),
                           "items": [{"id": t, "type": "Canvas"} for t in targets]})
    manifest = {"@context": PRESENTATION_CONTEXT, "id": f"{root}/manifest.json", "type": "Manifest",
                "label": _label(exhibit.title_zh, exhibit.title_en), "items": list(canvases.values())}
    summary = _label(exhibit.summary_zh, exhibit.summary_en)
    if "none" not in summary:
        manifest["summary"] = summary
    if ranges:
        manifest["structures"] = ranges
    members = [{"id": manifest["id"], "type": "Manifest", "label": manifest["label"]}]
    for record_id in records:
        record_manifest = data.manifest(record_id)
        if record_manifest:
            members.append({"id": record_manifest["id"], "type": "Manifest", "label": record_manifest["label"]})
    collection = {"@context": PRESENTATION_CONTEXT, "id": f"{root}/collection.json", "type": "Collection",
                  "label": manifest["label"], "items": members}
    return manifest, collection


def write_exhibit_iiif(exhibit: Exhibit, checked: Checked, data: BuildData, out: Path) -> None:
    """Write manifest.json and collection.json into `out` (build/public/iiif/exhibits/<id>/)."""
    manifest, collection = exhibit_iiif(exhibit, checked, data)
    write_json(out / "manifest.json", manifest)
    write_json(out / "collection.json", collection)
