"""What every `jiyi` command shares: the workspace and quiet options, located errors, the build report."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import typer

from jiyi.build import BuildSummary, open_workspace
from jiyi.errors import JiyiError

WorkspaceOption = typer.Option(Path("."), "--workspace", "-w", help="The workspace folder (it holds jiyi.toml).")
QuietOption = typer.Option(False, "--quiet", "-q", help="No progress bars; only the summary and problems.")


def fail(error: JiyiError) -> None:
    typer.echo(f"error: {error}", err=True)
    raise typer.Exit(error.exit_code)


def workspace_or_fail(workspace: Path):
    """The workspace and its checked config; a located error and exit code 2 otherwise."""
    try:
        return open_workspace(workspace)
    except JiyiError as error:
        fail(error)


def extracted_entities(ws, workspace: Path) -> list:
    from jiyi.model import Entity, read_jsonl

    if not ws.entities_file.is_file():
        fail(JiyiError("E605", f"{workspace}: nothing extracted yet", f"run `jiyi build --workspace {workspace}` first"))
    return list(read_jsonl(ws.entities_file, Entity))


SHOWN_PER_CODE = 20  # a catalogue of 20,000 rows without page images printed 20,000 lines; the files keep them all


def report(summary: BuildSummary, ws_root: Path) -> None:
    """Print problems (located, with a fix; the first SHOWN_PER_CODE of each code), then the one-line summary;
    exit 1 when rows were dropped."""
    problems_dir = ws_root / "build/internal/problems/"
    seen = Counter()
    for problem in summary.problems:
        seen[problem.code] += 1
        if seen[problem.code] <= SHOWN_PER_CODE:
            typer.echo(f"{'dropped' if problem.dropped else 'warning'}: {problem}", err=True)
    for code, count in seen.items():
        if count > SHOWN_PER_CODE:
            typer.echo(f"… and {count - SHOWN_PER_CODE:,} more {code} like those above ({count:,} in all): "
                       f"every one is listed in {problems_dir}", err=True)
    typer.echo(summary.line())
    if summary.dropped:
        typer.echo(f"{len(summary.dropped)} item(s) were left out; each is listed in {problems_dir} "
                   f"(and above, up to {SHOWN_PER_CODE} of each code)", err=True)
        raise typer.Exit(1)


WorkersOption = typer.Option(None, "--workers", min=1, help="Local worker processes for extraction "
                             "(default: [extract] workers in jiyi.toml, else one per core).")
SchedulerOption = typer.Option(None, "--scheduler", help="Extract on the Dask cluster of this scheduler, e.g. "
                               "tcp://HOST:8786 (default: [extract] scheduler in jiyi.toml, else local processes).")


def extraction_settings(workers: int | None, scheduler: str | None) -> dict:
    """The command line's --workers and --scheduler, to lay over jiyi.toml's [extract]."""
    settings: dict = {}
    if workers is not None:
        settings["workers"] = workers
    if scheduler is not None:
        settings["scheduler"] = scheduler
    return settings


def run_one_stage(name: str, workspace: Path, quiet: bool, settings: dict | None = None) -> None:
    """`jiyi ingest|extract|graph|iiif|exhibits`: one stage, its problems and its summary line.
    `settings` override the workspace's config (the command line wins over jiyi.toml)."""
    from dataclasses import replace

    from jiyi.build import build_lock, run_stage
    from jiyi.progress import Reporter

    try:
        ws, config = open_workspace(workspace)
        config = replace(config, **(settings or {}))
        with build_lock(ws):
            result = run_stage(name, ws, config, Reporter(quiet=quiet))
    except JiyiError as error:
        fail(error)
    report(BuildSummary([result]), workspace)
