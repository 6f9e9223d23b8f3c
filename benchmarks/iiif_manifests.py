"""IIIF manifests per second: synthetic records of 10 canvases each, built and written as the stage writes them.

    .venv/bin/python benchmarks/iiif_manifests.py [--records 10000] [--canvases 10]

Each manifest carries what a demo one does: metadata, summary, provider, navDate, navPlace,
seeAlso, annotation page references on every canvas and chapter Ranges. The target is
500 manifests/s (a 10,000-record holding in 20 s).
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

from jiyi.iiif.manifests import collection_for, manifest_for, write_iiif_json
from jiyi.iiif.validate import validate_iiif
from jiyi.model import AccessStatus, Entity, EntityType, Record

BASE = "https://example.org/jiyi/"


def synthetic(n: int) -> Record:
    return Record(id=f"BM-{n:06d}", title=f"关于第{n}号档案的决议", record_set="bench", access=AccessStatus.OPEN,
                  date="1935-01-17", date_text="一九三五年一月十七日", creator="中共中央政治局", fonds="中共中央档案",
                  retention="永久", holder="中央档案馆", abstract="会议的决议，摘要一段。", note="成文日期待核",
                  extra={"rights": "http://creativecommons.org/publicdomain/mark/1.0/"})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--canvases", type=int, default=10)
    args = parser.parse_args()
    place = Entity(id="loc-x", type=EntityType.LOC, label="遵义", latitude=27.7, longitude=106.9)
    out = Path(tempfile.mkdtemp(prefix="jiyi-iiif-bench-"))
    try:
        started = time.perf_counter()
        manifests = []
        for n in range(args.records):
            record = synthetic(n)
            root = f"{BASE}iiif/{record.id}"
            images = [(f"images/{record.id}/p{p:03d}.png", 1240, 1754) for p in range(1, args.canvases + 1)]
            refs = {p: [f"{root}/annotations/p{p:03d}-transcription.json", f"{root}/annotations/p{p:03d}-entities.json"]
                    for p in range(1, args.canvases + 1)}
            ranges = [{"id": f"{root}/range/c{c}", "type": "Range", "label": {"zh-Hans": [f"第{c}章"]},
                       "items": [{"id": f"{root}/canvas/p{c}", "type": "Canvas"}]} for c in range(1, 4)]
            manifest = manifest_for(record, images, BASE, True, project="bench", record_set=("基准", "Bench"),
                                    places=[(f"{BASE}place/loc-x", place)], structures=ranges, annotations=refs)
            write_iiif_json(out / record.id / "manifest.json", manifest)
            manifests.append(manifest)
        write_iiif_json(out / "collection" / "bench.json", collection_for("bench", "基准", "Bench", manifests, BASE))
        elapsed = time.perf_counter() - started
        assert validate_iiif(json.loads((out / "BM-000000" / "manifest.json").read_text(encoding="utf-8"))) == []
        size = sum(p.stat().st_size for p in out.rglob("manifest.json")) / args.records
        print(f"{args.records:,} manifests of {args.canvases} canvases, written with their collection, in "
              f"{elapsed:.2f} s: {args.records / elapsed:,.0f} manifests/s ({size / 1024:.1f} KiB each; target 500/s)")
    finally:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
