"""`jiyi bench iiif`: manifests per second, then `jiyi serve` under load from wrk.

    jiyi bench iiif [--records 10000] [--canvases 10] [--duration 30] [--connections 64] [--workspace BUILT]

Manifests: synthetic records of 10 canvases each, built and written as the stage writes
them, with what a demo manifest carries (metadata, summary, provider, navDate, navPlace,
seeAlso, annotation page references on every canvas, chapter Ranges); target 500/s.
Serving: `jiyi serve` on a built workspace (the demo, built in a temporary folder, by
default) loaded by Debian's wrk from a second process on loopback, on a manifest, an
info.json and a search; target 0 errors. Server and wrk share this machine's cores.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import jiyi
from jiyi.build import build, open_workspace
from jiyi.iiif import services
from jiyi.iiif.manifests import collection_for, manifest_for, write_iiif_json
from jiyi.iiif.search import load_annotations, transcription_files
from jiyi.iiif.validate import validate_iiif
from jiyi.model import AccessStatus, Entity, EntityType, Record
from jiyi.progress import QUIET

DEMO = Path(jiyi.__file__).resolve().parent / "demo"

BASE = "https://example.org/jiyi/"


def synthetic(n: int) -> Record:
    return Record(id=f"BM-{n:06d}", title=f"关于第{n}号档案的决议", record_set="bench", access=AccessStatus.OPEN,
                  date="1935-01-17", date_text="一九三五年一月十七日", creator="中共中央政治局", fonds="中共中央档案",
                  retention="永久", holder="中央档案馆", abstract="会议的决议，摘要一段。", note="成文日期待核",
                  extra={"rights": "http://creativecommons.org/publicdomain/mark/1.0/"})


def bench_manifests(records: int, canvases: int) -> None:
    """Build and write `records` manifests of `canvases` canvases, with their collection; print the rate."""
    place = Entity(id="loc-x", type=EntityType.LOC, label="遵义", latitude=27.7, longitude=106.9)
    out = Path(tempfile.mkdtemp(prefix="jiyi-iiif-bench-"))
    try:
        started = time.perf_counter()
        manifests = []
        for n in range(records):
            record = synthetic(n)
            root = f"{BASE}iiif/{record.id}"
            images = [(f"images/{record.id}/p{p:03d}.png", 1240, 1754) for p in range(1, canvases + 1)]
            refs = {p: [f"{root}/annotations/p{p:03d}-transcription.json", f"{root}/annotations/p{p:03d}-entities.json"]
                    for p in range(1, canvases + 1)}
            ranges = [{"id": f"{root}/range/c{c}", "type": "Range", "label": {"zh-Hans": [f"第{c}章"]},
                       "items": [{"id": f"{root}/canvas/p{c}", "type": "Canvas"}]} for c in range(1, 4)]
            manifest = manifest_for(record, images, BASE, True, project="bench", record_set=("基准", "Bench"),
                                    places=[(f"{BASE}place/loc-x", place)], structures=ranges, annotations=refs)
            write_iiif_json(out / record.id / "manifest.json", manifest)
            manifests.append(manifest)
        write_iiif_json(out / "collection" / "bench.json", collection_for("bench", "基准", "Bench", manifests, BASE))
        elapsed = time.perf_counter() - started
        assert validate_iiif(json.loads((out / "BM-000000" / "manifest.json").read_text(encoding="utf-8"))) == []
        size = sum(p.stat().st_size for p in out.rglob("manifest.json")) / records
        print(f"{records:,} manifests of {canvases} canvases, written with their collection, in "
              f"{elapsed:.2f} s: {records / elapsed:,.0f} manifests/s ({size / 1024:.1f} KiB each; target 500/s)")
    finally:
        shutil.rmtree(out, ignore_errors=True)


def bench_serve(workspace: Path | None, duration: int, connections: int) -> int:
    """Requests/s, p99 and errors of `jiyi serve` on a manifest, an info.json and a search, under wrk."""
    wrk = shutil.which("wrk")
    if wrk is None:
        print("wrk is not installed, so jiyi serve was not measured: install it with `apt-get install -y wrk` "
              "(Debian/Ubuntu; `make test` does) and run this again", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        root = workspace or _built_demo(Path(tmp) / "demo")
        ws, config = open_workspace(root)
        manifest = services.public_manifests(ws.public_iiif_dir)[0]
        record = manifest.parent.name
        info = next((ws.public_iiif_dir / "images" / record).glob("*/info.json"))
        paths = [f"/iiif/{record}/manifest.json", f"/iiif/images/{record}/{info.parent.name}/info.json"]
        searched = _searchable(ws.public_iiif_dir)
        if searched:
            paths.append(searched)
        port = _free_port()
        server = subprocess.Popen([*_serve_argv(), "--workspace", str(root), "--port", str(port), "--no-access-log"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            _wait_for(port, server)
            print(f"jiyi serve on {root}, wrk -t2 -c{connections} -d{duration}s")
            print(f"{'url':<60}{'requests/s':>12}{'p99 ms':>10}{'errors':>8}")
            for path in paths:
                rate, p99, errors = _load(wrk, f"http://127.0.0.1:{port}{path}", connections, duration)
                print(f"{path:<60}{rate:>12,.0f}{p99:>10.1f}{errors:>8}")
        finally:
            server.terminate()
            server.wait(timeout=10)
    return 0


def _searchable(out: Path) -> str | None:
    """A search URL for two characters of the first transcription line, if there are transcriptions."""
    for folder in sorted(p.parent for p in out.glob("*/manifest.json")):
        annotations = load_annotations(transcription_files(folder))
        if annotations:
            word = "".join(c for c in annotations[0]["body"]["value"] if not c.isspace())[:2]
            return f"/iiif/{quote(folder.name)}/search?q={quote(word)}"
    return None


def _built_demo(root: Path) -> Path:
    shutil.copytree(DEMO, root)
    ws, config = open_workspace(root)
    print("building the demo …", file=sys.stderr)
    build(ws, config, QUIET)
    return root


def _serve_argv() -> list[str]:
    return [sys.executable, "-m", "jiyi.iiif.serve_cli"]  # `jiyi serve`, wherever jiyi is installed


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"jiyi serve exited: {server.stderr.read().decode()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    sys.exit("jiyi serve did not start listening within 30 s")


def _load(wrk: str, url: str, connections: int, duration: int) -> tuple[float, float, int]:
    """(requests/s, p99 latency in ms, socket errors + non-2xx/3xx responses) of one wrk run."""
    done = subprocess.run([wrk, "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "5s", url],
                          capture_output=True, text=True, check=True)
    out = done.stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])
    p99 = _ms(re.search(r"^\s*99%\s+(\S+)", out, re.M)[1])
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rate, p99, errors + (int(non_2xx[1]) if non_2xx else 0)


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--canvases", type=int, default=10)
    parser.add_argument("--workspace", type=Path, help="a built workspace to serve (default: the demo, built here)")
    parser.add_argument("--duration", type=int, default=30, help="seconds of load per URL")
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args(argv)
    bench_manifests(args.records, args.canvases)
    return bench_serve(args.workspace, args.duration, args.connections)


if __name__ == "__main__":
    raise SystemExit(main())
