"""Load on `jiyi serve` (issue 8): 64 connections for 30 s over a mix of IIIF URLs, from a second process on loopback.

Three runs of Debian's wrk, each with --connections for --duration seconds:
  1. `jiyi serve`, the whole mix: manifests, collections, Change Discovery, info.json, image files
     (thumbnails, full size) and Content Search queries. Target: 0 errors (non-2xx and socket errors).
  2. `jiyi serve`, the same mix without search: only files.
  3. the baseline: Python's own threading http.server (HTTP/1.1, keep-alive) serving the same
     build/public folder, on mix 2. Ratio = run 2 / run 3, measured in the same run on the same machine.
Server and wrk share the machine's cores: a figure here is a floor, not what a server of its own gives.

    .venv/bin/python benchmarks/serve_load.py                        # builds the demo in a temporary folder
    .venv/bin/python benchmarks/serve_load.py --workspace /tmp/demo  # a workspace `jiyi demo` already built

Exit status 1 when any run of `jiyi serve` had an error.
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
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

JIYI = Path(sys.executable).with_name("jiyi")

# The baseline server: stdlib only, HTTP/1.1 so wrk keeps its connections, a listen queue long
# enough for 64 connections (socketserver's default of 5 would turn the test into a SYN-drop test).
BASELINE_SERVER = """
import functools, http.server, sys
class Handler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args):
        pass
class Server(http.server.ThreadingHTTPServer):
    request_queue_size = 1024
Server(("127.0.0.1", int(sys.argv[1])), functools.partial(Handler, directory=sys.argv[2])).serve_forever()
"""

# wrk runs this in each of its threads: every request takes the next path of the mix.
LUA_MIX = """
paths = {%s}
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
"""


@dataclass
class LoadResult:
    requests: int
    seconds: float
    socket_errors: int
    non_2xx: int
    p50_ms: float
    p99_ms: float

    @property
    def errors(self) -> int:
        return self.socket_errors + self.non_2xx

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


# ---------------------------------------------------------------- the URL mix

def url_mix(public: Path, *, with_search: bool) -> list[str]:
    """Paths of the mix, in an order that interleaves kinds, from what build/public/iiif holds."""
    iiif = public / "iiif"

    def files(pattern: str) -> list[str]:
        return sorted(quote(p.relative_to(public).as_posix(), safe="/,") for p in iiif.glob(pattern))

    kinds = [files("*/manifest.json"), files("collection/**/*.json") + files("activity/*.json"),
             files("images/*/*/info.json"), files("images/*/*/full/200,/0/default.*"),
             files("images/*/*/full/max/0/default.*")[:20]]
    if with_search:
        kinds.append(search_paths(iiif))
    mix, longest = [], max(len(k) for k in kinds)
    for index in range(longest):  # round robin: each kind keeps its share whatever its length
        mix += [f"/{kind[index % len(kind)]}" for kind in kinds if kind]
    return mix


def search_paths(iiif: Path) -> list[str]:
    """A Content Search query per record with transcriptions (up to 40): two characters of its first line."""
    from jiyi.iiif.search import load_annotations, transcription_files

    found = []
    for folder in sorted(p.parent for p in iiif.glob("*/manifest.json")):
        annotations = load_annotations(transcription_files(folder))
        text = "".join(c for c in annotations[0]["body"]["value"] if not c.isspace()) if annotations else ""
        if len(text) >= 2:
            found.append(f"iiif/{folder.name}/search?q={quote(text[:2])}")
    return found[:40]


def check_mix(port: int, paths: list[str]) -> None:
    """Each distinct path answers 200 once before the load: a mix of 404s would measure nothing."""
    for path in sorted(set(paths)):
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as answer:
            if answer.status != 200:
                sys.exit(f"{path} answered {answer.status} before the load; the mix is wrong")


# ---------------------------------------------------------------- servers and wrk

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"the server exited before listening: {server.stderr.read().decode(errors='replace')}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    sys.exit("the server did not listen within 60 s")


def start(argv: list[str], port: int) -> subprocess.Popen:
    server = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wait_for(port, server)
    return server


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()


def run_wrk(port: int, paths: list[str], connections: int, duration: int, lua_file: Path) -> LoadResult:
    lua_file.write_text(LUA_MIX % ", ".join(json.dumps(p) for p in paths), encoding="utf-8")
    done = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "5s",
                           "-s", str(lua_file), f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=True)
    return parse_wrk(done.stdout)


def parse_wrk(out: str) -> LoadResult:
    requests, seconds, unit = re.search(r"(\d+) requests in ([\d.]+)(m|s)", out).groups()
    socket_errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return LoadResult(int(requests), float(seconds) * (60 if unit == "m" else 1), socket_errors,
                      int(non_2xx[1]) if non_2xx else 0,
                      ms(re.search(r"^\s*50%\s+(\S+)", out, re.M)[1]), ms(re.search(r"^\s*99%\s+(\S+)", out, re.M)[1]))


def ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def built_demo(folder: Path) -> Path:
    print(f"building the demo in {folder} …", file=sys.stderr)
    subprocess.run([str(JIYI), "demo", "--workspace", str(folder), "--quiet"], check=True, stdout=subprocess.DEVNULL)
    return folder


def report(name: str, result: LoadResult) -> None:
    print(f"{name:<44}{result.requests:>10,}{result.rate:>10,.0f}{result.p50_ms:>9.1f}{result.p99_ms:>9.1f}"
          f"{result.socket_errors:>8}{result.non_2xx:>8}")


# ---------------------------------------------------------------- main

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, help="a built workspace (default: the demo, built in a temporary folder)")
    parser.add_argument("--duration", type=int, default=30, help="seconds of load per run")
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install -y wrk (make system-deps does)")

    with tempfile.TemporaryDirectory(prefix="jiyi-serve-load-") as tmp:
        root = args.workspace or built_demo(Path(tmp) / "demo")
        public = root / "build" / "public"
        whole, files_only = url_mix(public, with_search=True), url_mix(public, with_search=False)
        lua = Path(tmp) / "mix.lua"
        print(f"mix: {len(whole)} requests in a cycle ({len(set(whole))} distinct URLs, "
              f"{sum('/search?' in p for p in whole)} searches); wrk -t2 -c{args.connections} -d{args.duration}s")
        print(f"{'run':<44}{'requests':>10}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'socket':>8}{'non-2xx':>8}")

        port = free_port()
        server = start([str(JIYI), "serve", "--workspace", str(root), "--port", str(port), "--no-access-log"], port)
        try:
            check_mix(port, whole)
            mixed = run_wrk(port, whole, args.connections, args.duration, lua)
            report("jiyi serve, whole mix", mixed)
            files = run_wrk(port, files_only, args.connections, args.duration, lua)
            report("jiyi serve, files only (no search)", files)
        finally:
            stop(server)

        port = free_port()
        baseline = start([sys.executable, "-c", BASELINE_SERVER, str(port), str(public)], port)
        try:
            check_mix(port, files_only)
            stdlib = run_wrk(port, files_only, args.connections, args.duration, lua)
            report("baseline: python http.server, files only", stdlib)
        finally:
            stop(baseline)

    print(f"ratio jiyi serve / http.server on the same files: {files.rate / stdlib.rate:.2f}x requests/s, "
          f"p99 {files.p99_ms:.1f} ms against {stdlib.p99_ms:.1f} ms")
    errors = mixed.errors + files.errors
    print(f"jiyi serve errors: {errors} (target 0)")
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
