"""Load `jiyi serve` with wrk: requests/s, p99 latency and errors on a manifest, an info.json and a search.

    .venv/bin/python benchmarks/iiif_serve.py [--workspace BUILT_WORKSPACE] [--duration 30] [--connections 64]

Without --workspace the demo is copied to a temporary folder and built first. The server and
wrk run as separate processes on this machine, so both share its cores; wrk gets 2 threads.
Needs Debian's wrk (`apt-get install -y wrk`).
"""

from __future__ import annotations

import argparse
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

from jiyi.build import build, open_workspace
from jiyi.iiif import services
from jiyi.iiif.search import load_annotations, transcription_files
from jiyi.progress import QUIET

DEMO = Path(__file__).resolve().parents[1] / "jiyi" / "demo"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, help="a built workspace (default: build the demo in a temporary folder)")
    parser.add_argument("--duration", type=int, default=30, help="seconds of load per URL")
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args()
    wrk = shutil.which("wrk")
    if wrk is None:
        sys.exit("wrk is not installed, so nothing was measured: install it with `apt-get install -y wrk` "
                 "(Debian/Ubuntu) and run this again")
    with tempfile.TemporaryDirectory() as tmp:
        root = args.workspace or _built_demo(Path(tmp) / "demo")
        ws, config = open_workspace(root)
        services.run(ws, config, QUIET)  # idempotent; makes info.json until the build runs it itself
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
            print(f"jiyi serve on {root}, wrk -t2 -c{args.connections} -d{args.duration}s")
            print(f"{'url':<60}{'requests/s':>12}{'p99 ms':>10}{'errors':>8}")
            for path in paths:
                rate, p99, errors = _load(wrk, f"http://127.0.0.1:{port}{path}", args.connections, args.duration)
                print(f"{path:<60}{rate:>12,.0f}{p99:>10.1f}{errors:>8}")
        finally:
            server.terminate()
            server.wait(timeout=10)


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
    from jiyi.cli import app

    if any(command.name == "serve" for command in app.registered_commands):
        return [str(Path(sys.executable).with_name("jiyi")), "serve"]
    return [sys.executable, "-m", "jiyi.iiif.serve_cli"]  # until `jiyi serve` is wired in


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


if __name__ == "__main__":
    main()
