"""`jiyi exhibits` (the stage), `jiyi exhibits new NAME` (a scaffold) and `jiyi exhibits check [NAME]`."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import typer

from jiyi.cli_common import QuietOption, WorkspaceOption, fail, run_one_stage, workspace_or_fail
from jiyi.errors import JiyiError

TEMPLATE = Path(__file__).resolve().parent / "template"
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*")

exhibits_app = typer.Typer(help="Educators' exhibits: build them, start a new one, check them.")


@exhibits_app.callback(invoke_without_command=True)
def exhibits_stage(ctx: typer.Context, workspace: Path = WorkspaceOption, quiet: bool = QuietOption) -> None:
    """Check the exhibits and write their public versions (JSON, a static HTML copy, IIIF), leaving out restricted items."""
    if ctx.invoked_subcommand is not None:
        return
    run_one_stage("exhibits", workspace, quiet)


@exhibits_app.command("new")
def new(name: str = typer.Argument(..., help="The exhibit's name in web addresses: letters, digits, hyphens."),
        workspace: Path = WorkspaceOption) -> None:
    """Make exhibits/NAME/ with an exhibit.yaml and a first page in Chinese and English to fill in."""
    ws, _ = workspace_or_fail(workspace)
    if not NAME.fullmatch(name):
        fail(JiyiError("E520", f"{name!r} cannot name an exhibit", "use letters, digits and hyphens, e.g. long-march"))
    folder = ws.exhibits_dir / name
    if folder.exists():
        fail(JiyiError("E521", f"{ws.relative(folder)} already exists", "choose another name, or edit that exhibit"))
    staging = ws.exhibits_dir / f".{name}.part"  # the folder appears complete or not at all
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(TEMPLATE, staging, ignore=shutil.ignore_patterns("__pycache__"))
    yaml_file = staging / "exhibit.yaml"
    yaml_file.write_text(yaml_file.read_text(encoding="utf-8").replace("id: NAME", f"id: {name}"), encoding="utf-8")
    staging.rename(folder)
    typer.echo(f"Exhibit made in {ws.relative(folder)}: edit exhibit.yaml and the Markdown pages, then run "
               f"`jiyi exhibits check {name} -w {workspace}`")


@exhibits_app.command("check")
def check(name: str = typer.Argument(None, help="One exhibit (its folder name); all of them when left out."),
          workspace: Path = WorkspaceOption) -> None:
    """List every mistake in the exhibits as `file:line: what is wrong — how to fix`; exit 1 if there is any.

    Reads the last build (records, entities, page images, the public graph): run `jiyi build` first.
    """
    from . import exhibit_folders
    from .build_data import BuildData, load_records
    from .check import check_exhibit

    ws, config = workspace_or_fail(workspace)
    records = load_records(ws)
    if not records:
        fail(JiyiError("E522", f"{ws.relative(ws.records_file)}: nothing built yet",
                       f"run `jiyi build -w {workspace}` first: a check compares exhibits with the build"))
    folders = exhibit_folders(ws)
    if name is not None:
        folders = [f for f in folders if f.name == name]
        if not folders:
            fail(JiyiError("E523", f"no exhibit {name!r} in {ws.relative(ws.exhibits_dir)}",
                           f"make one with `jiyi exhibits new {name}`, or check the name"))
    data = BuildData(ws, config, records)
    count = 0
    for folder in folders:
        for problem in check_exhibit(folder, ws.relative(folder), data).problems:
            typer.echo(f"{problem.where}: {problem.code} {problem.message} — {problem.fix}")
            count += 1
    typer.echo(f"{len(folders)} exhibit(s) checked: {count} problem(s)")
    if count:
        raise typer.Exit(1)
