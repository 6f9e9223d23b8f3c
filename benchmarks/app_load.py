"""Load on the public app (issue 8): 20 browser sessions at once walk home → an exhibit → an item → a search.

`jiyi app --public` runs on a free loopback port as a reader starts it. One headless Debian Chromium
(/usr/bin/chromium, driven by Playwright; no browser is downloaded) opens --sessions browser contexts
at the same moment — each its own cookies, websocket and Streamlit session — and each walks:

    home → exhibit?exhibit=ID → item?id=ID → search?theme=THEME&q=QUERY

A page counts as shown when what it must draw is visible (the home heading, the exhibit's title,
the item's title and its catalogue table, the search's hit count) and Streamlit's run has ended.
Errors counted per page: Streamlit exception boxes, page errors, console errors (but Streamlit's own
/<page>/_stcore/ probes, as tests/browser.py forgives), failed requests, HTTP answers ≥ 400, requests
that tried to leave loopback (blocked), and pages not shown within --timeout. Target: 0 errors.

    .venv/bin/python benchmarks/app_load.py                        # builds the demo in a temporary folder
    .venv/bin/python benchmarks/app_load.py --workspace /tmp/demo  # a workspace `jiyi demo` already built
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

JIYI = Path(sys.executable).with_name("jiyi")
CHROMIUM = Path("/usr/bin/chromium")
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
# Streamlit's frontend, opened at /item, first probes /item/_stcore/health and host-config (a path
# prefix behind a proxy), gets 404 and falls back to /_stcore/: its own probing, not an error.
STCORE_PROBE = re.compile(r"/[\w-]+/_stcore/(health|host-config)$")
EXCEPTION = '[data-testid="stException"]'
STATUS = '[data-testid="stStatusWidget"]'
PAGES = ("home", "exhibit", "item", "search")


@dataclass
class Session:
    """What one browser session met: seconds per page, and every error with the page it happened on."""

    number: int
    seconds: dict[str, float] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    aborted: int = 0  # requests the browser dropped when the walk moved on (ERR_ABORTED): no server failure
    page: str = "start"

    def error(self, what: str) -> None:
        self.errors.append(f"session {self.number}, {self.page}: {what}")


# ---------------------------------------------------------------- the walk

def site(root: Path) -> tuple[list[dict], list[dict]]:
    """The public exhibits, and the public records whose manifest has page images (the item page shows Mirador)."""
    public = root / "build" / "public"
    exhibits = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((public / "exhibits").glob("*.json"))]
    records = [json.loads(line) for line in (public / "records.jsonl").read_text(encoding="utf-8").splitlines()]
    manifests = {r["id"]: public / "iiif" / r["id"] / "manifest.json" for r in records}
    with_pages = [r for r in records if manifests[r["id"]].is_file()
                  and json.loads(manifests[r["id"]].read_text(encoding="utf-8")).get("items")]
    if not exhibits or not with_pages:
        sys.exit(f"{root} publishes no exhibit or no record with page images: build the demo, or pass another --workspace")
    return exhibits, with_pages


def plan(exhibits: list[dict], records: list[dict], number: int, theme: str, query: str) -> list[tuple[str, str, list]]:
    """Session `number`'s pages: (name, path, what must be visible), exhibits and items taken in turn."""
    from jiyi.apps.i18n import STRINGS

    exhibit, record = exhibits[number % len(exhibits)], records[number % len(records)]
    return [("home", "", [("heading", STRINGS["holdings"][0])]),
            ("exhibit", f"exhibit?exhibit={quote(exhibit['id'])}", [("heading", exhibit["title_zh"])]),
            ("item", f"item?id={quote(record['id'])}", [("heading", record["title"]), ("table", "")]),
            ("search", f"search?theme={quote(theme)}&q={quote(query)}", [("text", re.compile(r"共 [1-9]\d* 条结果"))])]


async def visit(page, session: Session, base: str, path: str, wanted, timeout_ms: int) -> None:
    started = time.perf_counter()
    await page.goto(base + path, timeout=timeout_ms)
    for kind, value in wanted:
        if kind == "heading":
            locator = page.get_by_role("heading", name=value, exact=False)
        elif kind == "table":
            locator = page.locator('[data-testid="stTable"]')
        else:
            locator = page.get_by_text(value)
        await locator.first.wait_for(state="visible", timeout=timeout_ms)
    await page.locator(STATUS).wait_for(state="hidden", timeout=timeout_ms)
    session.seconds[session.page] = time.perf_counter() - started
    # Streamlit fetches script chunks and Mirador its manifest after drawing; leaving at once would abort them.
    try:
        await page.wait_for_load_state("networkidle", timeout=15_000)
    except Exception:  # never idle within 15 s: go on, what is cut off is counted as aborted
        pass
    boxes = await page.locator(EXCEPTION).count()
    if boxes:
        session.error(f"{boxes} Streamlit exception box(es): {(await page.locator(EXCEPTION).first.inner_text())[:300]}")


async def run_session(browser, number: int, base: str, steps, timeout_ms: int, start: asyncio.Event) -> Session:
    session = Session(number)
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")

    async def guard(route):
        if urlsplit(route.request.url).hostname in LOOPBACK:
            await route.continue_()
        else:
            session.error(f"request tried to leave this machine: {route.request.url}")
            await route.abort()

    await context.route("**/*", guard)
    page = await context.new_page()
    page.on("pageerror", lambda error: session.error(f"page error: {error}"))
    page.on("console", lambda message: message.type == "error" and not STCORE_PROBE.search(
        str(message.location.get("url", ""))) and session.error(f"console error: {message.text[:300]}"))

    def failed(request) -> None:
        if request.failure == "net::ERR_ABORTED":
            session.aborted += 1
        elif urlsplit(request.url).hostname in LOOPBACK:  # the rest were blocked and counted by guard()
            session.error(f"request failed: {request.url} ({request.failure})")

    page.on("requestfailed", failed)
    page.on("response", lambda response: response.status >= 400 and not STCORE_PROBE.search(response.url)
            and session.error(f"HTTP {response.status}: {response.url}"))
    await start.wait()  # every context is open: the sessions begin together
    try:
        for name, path, wanted in steps:
            session.page = name
            try:
                await visit(page, session, base, path, wanted, timeout_ms)
            except Exception as error:  # a timeout or a closed page: an error of this page, the walk goes on
                session.error(f"not shown: {type(error).__name__}: {str(error).splitlines()[0][:200]}")
    finally:
        await context.close()
    return session


async def load(base: str, steps_of, sessions: int, timeout_ms: int) -> tuple[list[Session], float]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            start = asyncio.Event()
            tasks = [asyncio.create_task(run_session(browser, n, base, steps_of(n), timeout_ms, start))
                     for n in range(sessions)]
            await asyncio.sleep(2)  # let every context open before the clock starts
            started = time.perf_counter()
            start.set()
            done = await asyncio.gather(*tasks)
            return done, time.perf_counter() - started
        finally:
            await browser.close()


# ---------------------------------------------------------------- the app

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_app(root: Path, port: int) -> subprocess.Popen:
    """`jiyi app --public` as a reader starts it; returns once Streamlit's health endpoint says ok."""
    app = subprocess.Popen([str(JIYI), "app", "--public", "--workspace", str(root), "--port", str(port)],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=os.environ.copy())
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and app.poll() is None:
        try:
            with urllib.request.urlopen(f"http://localhost:{port}/_stcore/health", timeout=2) as health:
                if health.read() == b"ok":
                    return app
        except OSError:
            time.sleep(0.5)
    app.kill()
    sys.exit(f"`jiyi app` did not start: {app.stdout.read().decode(errors='replace')[-2000:]}")


def stop_app(app: subprocess.Popen) -> None:
    app.terminate()  # `jiyi app` became Streamlit (execve): this pid is the server
    try:
        app.wait(15)
    except subprocess.TimeoutExpired:
        app.kill()


def warm_up(base: str, steps_of, timeout_ms: int) -> None:
    """One session alone first, so the figures are of a running site, not of its first visitor's cold caches."""
    done, _ = asyncio.run(load(base, steps_of, 1, timeout_ms))
    print(f"warm-up session: {', '.join(f'{p} {s:.1f} s' for p, s in done[0].seconds.items())}; "
          f"{len(done[0].errors)} error(s)")
    for error in done[0].errors:
        print("  " + error)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]  # nearest rank


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, help="a built workspace (default: the demo, built in a temporary folder)")
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--theme", default="red-archives")
    parser.add_argument("--query", default="会议")
    parser.add_argument("--timeout", type=float, default=180, help="seconds a page may take before it counts as an error")
    args = parser.parse_args(argv)
    if not CHROMIUM.is_file():
        sys.exit(f"{CHROMIUM} is missing: apt-get install -y chromium (make system-deps does)")

    with tempfile.TemporaryDirectory(prefix="jiyi-app-load-") as tmp:
        root = args.workspace
        if root is None:
            root = Path(tmp) / "demo"
            print(f"building the demo in {root} …", file=sys.stderr)
            subprocess.run([str(JIYI), "demo", "--workspace", str(root), "--quiet"], check=True, stdout=subprocess.DEVNULL)
        exhibits, records = site(root)

        def steps_of(number: int) -> list:
            return plan(exhibits, records, number, args.theme, args.query)

        port = free_port()
        app = start_app(root, port)
        base = f"http://localhost:{port}/"
        try:
            warm_up(base, steps_of, int(args.timeout * 1000))
            sessions, wall = asyncio.run(load(base, steps_of, args.sessions, int(args.timeout * 1000)))
        finally:
            stop_app(app)

    print(f"{args.sessions} sessions at once, home → exhibit → item → search, all done in {wall:.1f} s")
    print(f"{'page':<10}{'shown':>7}{'p50 s':>8}{'p99 s':>8}{'max s':>8}{'errors':>8}")
    errors = [error for session in sessions for error in session.errors]
    for name in PAGES:
        times = [s.seconds[name] for s in sessions if name in s.seconds]
        failed = sum(f", {name}:" in e for e in errors)
        figures = (f"{statistics.median(times):>8.2f}{percentile(times, 0.99):>8.2f}{max(times):>8.2f}"
                   if times else f"{'-':>8}{'-':>8}{'-':>8}")
        print(f"{name:<10}{len(times):>7}{figures}{failed:>8}")
    for error in errors:
        print("  " + error)
    aborted = sum(s.aborted for s in sessions)
    print(f"requests the browser dropped on leaving a page (ERR_ABORTED, not counted as errors): {aborted}")
    print(f"errors: {len(errors)} (target 0)")
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
