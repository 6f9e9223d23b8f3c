"""`jiyi harvest iiif PATH_OR_URL`: import external IIIF Presentation 3 manifests as records of a workspace."""

from __future__ import annotations

from pathlib import Path

import typer

from jiyi.cli_common import QuietOption, WorkspaceOption, fail, workspace_or_fail
from jiyi.errors import JiyiError
from jiyi.iiif.harvest import DEFAULT_MAX_DEPTH, fetch_url, harvest

harvest_app = typer.Typer(help="Import records from outside the workspace (today: IIIF Presentation 3).",
                          no_args_is_help=True)


@harvest_app.command("iiif")
def harvest_iiif(
    source: str = typer.Argument(..., metavar="PATH_OR_URL",
                                 help="A manifest or collection file, a folder of *.json, or an http(s) URL."),
    workspace: Path = WorkspaceOption,
    name: str = typer.Option(None, "--name", help="Name of this harvest: its file sources/harvested/NAME.jsonl and "
                             "its record set (default: from the file, folder or URL)."),
    access: str = typer.Option("开放", "--access", help="Open status of the harvested records: 开放 (published "
                               "manifests are public), 控制 or 待审 to keep them out of build/public."),
    max_depth: int = typer.Option(DEFAULT_MAX_DEPTH, "--max-depth",
                                  help="How many levels of collections within collections to follow."),
    id_prefix: str = typer.Option("H", "--id-prefix", help="Record ids are PREFIX-<hash of the manifest id>."),
    offline: bool = typer.Option(False, "--offline", help="Never use the network: children listed by reference "
                                 "are looked up only among the files given."),
    quiet: bool = QuietOption,
) -> None:
    """Harvest IIIF Presentation 3 manifests (collections are followed through their items) into
    WORKSPACE/sources/harvested/NAME.jsonl, which the next `jiyi build` reads like any source.

    Labels, summary, metadata, navDate, navPlace, rights and requiredStatement become the record's
    fields; images stay where they are published and the built manifest points at them. A re-harvest
    replaces the file and keeps the ids. Presentation 2 is refused (convert it first). Exit code 1
    when anything was refused (each listed with what is wrong and the fix), 2 on bad usage.
    """
    from jiyi.progress import Reporter

    ws, _ = workspace_or_fail(workspace)
    try:
        result = harvest(source, ws, name=name, access=access, max_depth=max_depth, id_prefix=id_prefix,
                         fetch=None if offline else fetch_url, reporter=Reporter(quiet=quiet))
    except JiyiError as error:
        fail(error)
    for note in result.notes:
        typer.echo(f"note: {note}", err=True)
    for refusal in result.refused:
        typer.echo(f"refused: {refusal}", err=True)
    typer.echo(result.line())
    if result.records:
        typer.echo(f"Run `jiyi build --workspace {workspace}` to publish them.")
    elif result.refused:
        typer.echo("Nothing harvested; an earlier harvest of this name, if any, is kept.", err=True)
    if result.refused:
        raise typer.Exit(1)
