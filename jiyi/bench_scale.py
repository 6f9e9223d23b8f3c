"""`jiyi bench scale`: time, throughput and peak memory of each build stage as the number of records grows.

For each --records N it makes a synthetic workspace (jiyi/synthetic.py: real sentences from the regulations
and the NER corpus in ../shared/data) and runs the stages one by one, each as its own process, as an
operator would:

    jiyi ingest  --workspace WS --quiet
    jiyi extract --workspace WS --quiet [--workers K]      once per K of --workers
    jiyi graph   --workspace WS --quiet
    jiyi search  --workspace WS --build --list             rebuilds the themes' indexes, then only lists them

Per stage: wall seconds, records per second, and peak memory — the peak of the sum of the resident
memory (RSS) of the stage's whole process tree, sampled every 0.1 s (Dask's worker processes are
grandchildren of the command), and the peak RSS of the command's own process. Extraction is run once
per worker count, each time from scratch (the reuse cache is deleted first), and the speed-up over one
worker is printed. Each measurement can be appended to a JSON-lines file (--results) with the machine
it ran on; --plot draws that file as a PNG: wall seconds and peak memory per stage against records.

    jiyi bench scale --records 1000,10000 --workers 1,2 --results scaling.jsonl --plot docs/scaling.png
    jiyi bench scale --plot-only --results scaling.jsonl --plot docs/scaling.png

docs/scaling.md gives the figures measured with it.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

STAGES = ["ingest", "extract", "graph", "search"]
SAMPLE_SECONDS = 0.1
SPEEDUP_TARGET = 1.8  # issue 9: extraction on 2 workers at least 1.8× as fast as on 1
MB = 1024 * 1024


# ---------------------------------------------------------------- reading the options

def parse_counts(values: list[str], option: str) -> list[int]:
    """Positive whole numbers from repeated and comma lists: ["1000,10000", "1e5"] → [1000, 10000, 100000]."""
    counts = []
    for value in values:
        for part in value.split(","):
            part = part.strip().replace("_", "")
            if not part:
                continue
            try:
                number = float(part)  # so 1e6 works as well as 1000000
            except ValueError:
                number = -1.0
            if number < 1 or not number.is_integer():
                raise ValueError(f"{option} {part}: not a positive whole number — write e.g. {option} 1000,10000")
            counts.append(int(number))
    return list(dict.fromkeys(counts))  # in the order given, each once


def parse_stages(text: str) -> list[str]:
    stages = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [stage for stage in stages if stage not in STAGES]
    if unknown or not stages:
        raise ValueError(f"--stages {text}: unknown stage {', '.join(unknown) or '(none given)'} — "
                         f"choose among {','.join(STAGES)} (comma-separated)")
    return [stage for stage in STAGES if stage in stages]  # always in build order: each reads the one before


# ---------------------------------------------------------------- running a stage and measuring it

def jiyi_command() -> list[str]:
    """The `jiyi` of this Python: the script beside the interpreter, or the module when it is not there."""
    script = Path(sys.executable).with_name("jiyi")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "jiyi.cli"]


def stage_command(stage: str, workspace: Path, workers: int | None) -> list[str]:
    if stage == "search":
        # `jiyi search` has no stage command of its own: --build runs the search stage (what `jiyi build` runs
        # last), and --list then only prints the themes from their small meta files — the least extra work.
        return [*jiyi_command(), "search", "--workspace", str(workspace), "--build", "--list"]
    command = [*jiyi_command(), stage, "--workspace", str(workspace), "--quiet"]
    if workers is not None:
        command += ["--workers", str(workers)]
    return command


@dataclass
class Measured:
    seconds: float
    peak_tree: int  # bytes: the highest sum of RSS over the process and all its descendants at one sample
    peak_main: int  # bytes: the highest RSS of the command's own process
    most_processes: int
    exit_code: int


def tree_memory(root) -> tuple[int, int, int]:
    """(sum of RSS over root and its descendants, root's RSS, how many processes) at this moment."""
    import psutil

    try:
        processes = [root] + root.children(recursive=True)
    except psutil.NoSuchProcess:  # it ended between two samples
        return 0, 0, 0
    total = main = counted = 0
    for process in processes:
        try:
            rss = process.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):  # a worker that just ended
            continue
        total += rss
        counted += 1
        if process.pid == root.pid:
            main = rss
    return total, main, counted


def run_measured(command: list[str], log: Path) -> Measured:
    """Run `command` with its output going to `log`; sample its process tree's memory until it ends."""
    import psutil

    with open(log, "wb") as out:
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        root = psutil.Process(child.pid)
        peak_tree = peak_main = most = 0
        try:
            while True:
                total, main, counted = tree_memory(root)
                peak_tree, peak_main, most = max(peak_tree, total), max(peak_main, main), max(most, counted)
                try:
                    # Waiting is the pause between samples; it returns the moment the stage ends, so the wall
                    # time is not rounded up to the sampling period.
                    child.wait(timeout=SAMPLE_SECONDS)
                    break
                except subprocess.TimeoutExpired:
                    continue
        finally:
            if child.poll() is None:  # interrupted (Ctrl-C): leave no stage or Dask worker running
                stop_tree(root)
        seconds = time.perf_counter() - started
    return Measured(seconds, peak_tree, peak_main, most, child.returncode)


def stop_tree(root) -> None:
    import psutil

    try:
        processes = root.children(recursive=True) + [root]
    except psutil.NoSuchProcess:
        return
    for process in processes:
        try:
            process.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(processes, timeout=10)


def forget_extraction(workspace: Path) -> None:
    """Forget what `jiyi build --full` forgets, so that every worker count extracts every record from
    scratch: a second `jiyi extract` would otherwise reuse the first's mentions."""
    from jiyi.build import forget_reuse
    from jiyi.workspace import Workspace

    forget_reuse(Workspace(workspace))


# ---------------------------------------------------------------- the machine and the results file

def machine() -> dict:
    import psutil

    return {"cores": os.cpu_count(), "physical_cores": psutil.cpu_count(logical=False),
            "ram_gb": round(psutil.virtual_memory().total / 1024 ** 3, 1), "python": platform.python_version(),
            "platform": platform.platform(), "load_1min": round(os.getloadavg()[0], 2)}


def read_results(path: Path) -> list[dict]:
    rows = []
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}:{number}: not a JSON line ({error.msg}) — delete or fix that line") \
                    from None
    return rows


def append_result(path: Path, row: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as out:  # one line per measurement: a run stopped midway keeps the rest
        out.write(json.dumps(row, ensure_ascii=False) + "\n")


# ---------------------------------------------------------------- the plot

def series_label(stage: str, workers: int | None) -> str:
    return stage if workers is None else f"{stage}, {workers} worker{'s' if workers != 1 else ''}"


def draw_plot(rows: list[dict], path: Path):
    """One PNG, two panels: wall seconds per stage against records (log-log), and peak tree memory against records.

    When the results file holds the same (stage, workers, records) more than once, the last line counts: a
    file appended to over several runs shows the latest figures. Returns the matplotlib Figure.
    """
    # The Agg canvas directly, not pyplot: no display and no global figure state, whatever backend is configured.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    from jiyi.model import atomic_writer

    if not rows:
        raise ValueError("no measurements to plot — run `jiyi bench scale --records N --results FILE` first")
    latest: dict[tuple, dict] = {}
    for row in rows:
        latest[(row["stage"], row.get("workers"), row["records"])] = row
    series: dict[tuple, list[dict]] = {}
    for (stage, workers, _), row in latest.items():
        series.setdefault((stage, workers), []).append(row)

    figure = Figure(figsize=(12, 5), dpi=100)
    FigureCanvasAgg(figure)
    cost, memory = figure.subplots(1, 2)
    order = {stage: number for number, stage in enumerate(STAGES)}
    for stage, workers in sorted(series, key=lambda key: (order.get(key[0], len(order)), key[1] or 0)):
        points = sorted(series[(stage, workers)], key=lambda row: row["records"])
        records = [row["records"] for row in points]
        label = series_label(stage, workers)
        # Several worker counts of one stage overlap in memory: squares and dashes keep them apart.
        style = {"marker": "o", "linestyle": "-"} if (workers or 1) == 1 else {"marker": "s", "linestyle": "--"}
        cost.plot(records, [row["seconds"] for row in points], label=label, **style)
        memory.plot(records, [row["peak_tree_mb"] for row in points], label=label, **style)
    cost.set_xscale("log")
    cost.set_yscale("log")
    cost.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    cost.yaxis.set_minor_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    cost.set_title("Cost curve: wall time per stage")
    cost.set_ylabel("wall seconds (log)")
    memory.set_xscale("log")
    memory.set_ylim(bottom=0)  # from zero, so a flat line looks flat
    memory.set_title("Peak memory per stage (sum of RSS over the process tree)")
    memory.set_ylabel("peak MB")
    plain = FuncFormatter(lambda value, _: f"{value:,.{0 if value >= 1 else 1}f}")  # 10,000 rather than 10^4
    for axes in (cost, memory):
        axes.xaxis.set_major_formatter(plain)
        axes.set_xlabel("records (log)")
        axes.grid(True, which="both", alpha=0.3)
        axes.legend(fontsize="small")
    last = rows[-1]
    box = last.get("machine", {})
    figure.suptitle(f"jiyi bench scale — {box.get('cores', '?')} cores, {box.get('ram_gb', '?')} GB RAM, "
                    f"Python {box.get('python', '?')}, {last.get('date', '')[:10]}")
    figure.tight_layout()
    with atomic_writer(path, "wb") as out:
        figure.savefig(out, format="png")
    return figure


# ---------------------------------------------------------------- the run

HEADER = f"{'stage':<10}{'records':>10}{'workers':>9}{'wall s':>10}{'records/s':>12}{'peak tree MB':>14}{'main MB':>9}"


def table_line(row: dict) -> str:
    workers = "-" if row["workers"] is None else str(row["workers"])
    return (f"{row['stage']:<10}{row['records']:>10,}{workers:>9}{row['seconds']:>10.1f}"
            f"{row['records_per_second']:>12,.0f}{row['peak_tree_mb']:>14,.0f}{row['peak_main_mb']:>9,.0f}")


def workspace_folder(base: Path, records: int, *, reuse: bool = False) -> Path:
    """base/records-N, emptied first — but only when it is a workspace this benchmark made.

    With `reuse`, the workspace an earlier run kept there is measured again as it is: a stage of
    10^6 records can then be measured in another sitting than the ones before it.
    """
    folder = base / f"records-{records}"
    made_here = (folder / "jiyi.toml").is_file() and \
        "synthetic records" in (folder / "jiyi.toml").read_text(encoding="utf-8")
    if reuse:
        if not (made_here and (folder / "build" / "internal" / "records.jsonl").is_file()):
            raise ValueError(f"--reuse: {folder} is not an ingested workspace of an earlier `jiyi bench scale "
                             f"--keep` run — run it once without --reuse, with --out {base} --keep")
        return folder
    if folder.exists():
        if not made_here:
            raise ValueError(f"{folder} exists and is not a synthetic workspace made by jiyi bench scale — "
                             "give another --out, or move that folder away")
        shutil.rmtree(folder)
    return folder


def check_exit(stage: str, measured: Measured, log: Path) -> bool:
    """True when the stage ran to its end. Exit 1 with rows dropped is a finished stage; anything else is not."""
    if measured.exit_code == 0:
        return True
    tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-15:]
    print(f"  {stage} exited with {measured.exit_code}; the last lines of {log}:", flush=True)
    for line in tail:
        print(f"    {line}", flush=True)
    return measured.exit_code == 1 and any("item(s) were left out" in line for line in tail)


def measure_records(records: int, workspace: Path, stages: list[str], worker_counts: list[int | None], seed: int,
                    results: Path | None, rows: list[dict], *, reuse: bool = False) -> bool:
    """Make a workspace of `records` records in `workspace` and measure the stages on it; False when a stage failed.

    With `reuse` the workspace is already there: only the stages from the first asked on run.
    """
    import resource

    from jiyi.synthetic import describe_sources, write_catalogue

    if reuse:
        csv_path = workspace / "sources" / "catalogue.csv"
        print(f"\n{records:,} records: reusing {workspace} as an earlier run left it", flush=True)
    else:
        started = time.perf_counter()
        csv_path = write_catalogue(workspace, records, seed=seed)
        generated = time.perf_counter() - started
        peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
        print(f"\n{records:,} records: generated {csv_path} ({csv_path.stat().st_size / MB:,.1f} MB) in "
              f"{generated:.1f} s; this process's peak RSS so far {peak_self:,.0f} MB", flush=True)
    print(HEADER, flush=True)
    logs = workspace / "bench-logs"
    logs.mkdir(exist_ok=reuse)
    sources = describe_sources()
    measured_extract: dict[int | None, float] = {}
    capacities: dict[int, float] = {}
    # Every stage up to the last one asked for runs, in order, since each reads what the one before wrote
    # (a reused workspace has them from the first asked); only the ones asked for are measured and reported.
    first = STAGES.index(stages[0]) if reuse else 0
    for stage in STAGES[first:STAGES.index(stages[-1]) + 1]:
        counts = worker_counts if stage == "extract" and stage in stages else [None]
        for workers in counts:
            if stage == "extract":
                forget_extraction(workspace)
            what = series_label(stage, workers) + ("" if stage in stages else ", needed by a later stage, not measured")
            capacity = parallel_capacity(workers) if stage == "extract" and workers and workers > 1 else None
            print(f"  … {what} started" + (f" (the machine's {workers}-process capacity now: {capacity}×)"
                                          if capacity else ""), flush=True)
            log = logs / f"{stage}-{workers or 'default'}.log"
            command = stage_command(stage, workspace, workers)
            measured = run_measured(command, log)
            if not check_exit(stage, measured, log):
                print(f"stopped: {stage} failed on {records:,} records; its whole output is in {log}", flush=True)
                return False
            if stage not in stages:
                print(f"  … {what} finished in {measured.seconds:.1f} s", flush=True)
                continue
            row = {
                "records": records, "stage": stage, "workers": workers, "seconds": round(measured.seconds, 3),
                "records_per_second": round(records / measured.seconds, 1),
                "peak_tree_mb": round(measured.peak_tree / MB, 1), "peak_main_mb": round(measured.peak_main / MB, 1),
                "processes": measured.most_processes, "exit_code": measured.exit_code,
                "command": " ".join(["jiyi", *command[len(jiyi_command()):]]).replace(str(workspace), "WS"),
                "seed": seed, "sources": sources, "csv_mb": round(csv_path.stat().st_size / MB, 1),
                "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                "machine": machine(),
            }
            if stage == "extract":
                measured_extract[workers] = measured.seconds
                if 1 in measured_extract and workers not in (1, None):
                    row["speedup_vs_1_worker"] = round(measured_extract[1] / measured.seconds, 2)
                if capacity:
                    row["machine_parallel_capacity"] = capacities[workers] = capacity
            rows.append(row)
            print(table_line(row), flush=True)
            if workers and workers > 1 and measured.most_processes < 2:
                # Worker processes show in the tree; none means this size was extracted in the command's own process.
                print(f"  note: extract --workers {workers} ran in one process (no worker process was seen): at "
                      f"{records:,} records it did not extract in parallel, so its time says nothing of the workers",
                      flush=True)
            if results:
                append_result(results, row)
    report_speedup(records, measured_extract, capacities)
    return True


def _spin(loops: int) -> float:
    """Pure-Python work of a fixed size; returns how long it took here."""
    started, total = time.perf_counter(), 0
    for number in range(loops):
        total += number * number % 7
    return time.perf_counter() - started


def parallel_capacity(processes: int, loops: int = 15_000_000) -> float:
    """How many cores' worth of Python this machine runs in `processes` processes right now: the
    same work in one process, then in `processes` at once (up to `processes`×). On a shared host
    it varies (1.6–2.1× for two processes here within an hour), and a speed-up can be no better
    than it: it is measured beside each extraction run and printed with the speed-up."""
    import multiprocessing

    from jiyi.extract.partitions import main_module_hidden

    alone = _spin(loops)
    with main_module_hidden():  # spawn would run this process's __main__ again in each child (see there)
        pool = multiprocessing.get_context("spawn").Pool(processes)
    with pool:  # a time limit, so children that cannot start fail the run instead of hanging it
        pool.map_async(_spin, [1] * processes).get(timeout=120)  # started and warm before the clock runs
        started = time.perf_counter()
        pool.map_async(_spin, [loops] * processes, chunksize=1).get(timeout=60 + 20 * alone)
        together = time.perf_counter() - started
    return round(processes * alone / together, 2)


def report_speedup(records: int, seconds: dict[int | None, float], capacities: dict[int, float]) -> None:
    if 1 not in seconds or len(seconds) < 2:
        return
    for workers, took in seconds.items():
        if workers not in (1, None):
            ratio = seconds[1] / took
            verdict = "met" if workers != 2 or ratio >= SPEEDUP_TARGET else "not met"
            target = f" (target ≥ {SPEEDUP_TARGET}× at 2 workers: {verdict})" if workers == 2 else ""
            machine = (f"; the machine ran {workers} processes at {capacities[workers]}× one, measured just before"
                       if workers in capacities else "")
            print(f"extract speed-up at {records:,} records, 1 → {workers} workers: {ratio:.2f}×{target}{machine}",
                  flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="jiyi bench scale", description=__doc__.split("\n")[0])
    parser.add_argument("--records", action="append", default=[],
                        help="records per workspace; repeat it or give a comma list, e.g. 1000,10000 (default 1000)")
    parser.add_argument("--workers", action="append", default=[],
                        help="extraction worker counts; 1,2 measures the speed-up (default 1)")
    parser.add_argument("--stages", default=",".join(STAGES), help=f"comma list among {','.join(STAGES)}")
    parser.add_argument("--out", type=Path, help="where the workspaces are made (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the workspaces afterwards")
    parser.add_argument("--results", type=Path, help="append one JSON line per measurement to this file")
    parser.add_argument("--plot", type=Path, help="draw the results as this PNG")
    parser.add_argument("--plot-only", action="store_true", help="measure nothing: draw --plot from --results")
    parser.add_argument("--seed", type=int, default=7, help="seed of the synthetic records (default 7)")
    parser.add_argument("--reuse", action="store_true",
                        help="measure the workspaces an earlier --keep run left in --out, without making them again")
    args = parser.parse_args(argv)

    try:
        if args.plot_only:
            if not (args.results and args.plot):
                raise ValueError("--plot-only draws --plot FILE.png from --results FILE.jsonl: give both")
            draw_plot(read_results(args.results), args.plot)
            print(f"plot written to {args.plot}")
            return 0
        records = parse_counts(args.records or ["1000"], "--records")
        worker_counts: list[int | None] = list(parse_counts(args.workers or ["1"], "--workers"))
        stages = parse_stages(args.stages)
    except (ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2

    temporary = args.out is None
    if args.reuse and temporary:
        print("error: --reuse measures the workspaces an earlier run kept: give its --out", file=sys.stderr)
        return 2
    base = Path(tempfile.mkdtemp(prefix="jiyi-bench-scale-")) if temporary else args.out
    base.mkdir(parents=True, exist_ok=True)
    box = machine()
    print(f"jiyi bench scale: {', '.join(f'{n:,}' for n in records)} records; stages {','.join(stages)}; "
          f"workspaces in {base}", flush=True)
    # A shared machine makes every figure slower and noisier: say how busy it was, the results file keeps it too.
    print(f"machine: {box['cores']} cores, {box['ram_gb']} GB RAM, Python {box['python']}; "
          f"load average {box['load_1min']} at the start", flush=True)
    rows: list[dict] = []
    made: list[Path] = []
    ok = True
    try:
        for count in records:
            workspace = workspace_folder(base, count, reuse=args.reuse)
            if not args.reuse:  # after the check: a folder this run did not make is never deleted
                made.append(workspace)
            if not measure_records(count, workspace, stages, worker_counts, args.seed, args.results, rows,
                                   reuse=args.reuse):
                ok = False
                break
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    finally:
        if args.keep or not ok:  # after a failure, the workspace and the stage's log are what to look at
            print(f"\nworkspaces kept in {base}" + ("" if args.keep else " (a stage failed: see its log there)"),
                  flush=True)
        elif temporary:
            shutil.rmtree(base, ignore_errors=True)
        else:
            for folder in made:  # only what this run made; --out itself may hold other things
                shutil.rmtree(folder, ignore_errors=True)
    if args.results and rows:
        print(f"\n{len(rows)} measurement(s) appended to {args.results}", flush=True)
    if args.plot:
        try:
            draw_plot(read_results(args.results) if args.results else rows, args.plot)
        except ValueError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        print(f"plot written to {args.plot}", flush=True)
    return 0 if ok else 1
