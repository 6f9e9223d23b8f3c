"""`jiyi iiif` (the stage) and `jiyi iiif validate PATH…` (check IIIF JSON against the shipped schema)."""

from __future__ import annotations

from pathlib import Path

import typer

from jiyi.cli_common import QuietOption, WorkspaceOption, fail, run_one_stage
from jiyi.errors import JiyiError

iiif_app = typer.Typer(help="IIIF Presentation 3: manifests, annotations and collections; check IIIF JSON.")


@iiif_app.callback(invoke_without_command=True)
def iiif_stage(ctx: typer.Context, workspace: Path = WorkspaceOption, quiet: bool = QuietOption) -> None:
    """Write IIIF Presentation 3 manifests, annotation pages and collections, rendering facsimiles where needed."""
    if ctx.invoked_subcommand is not None:
        return
    run_one_stage("iiif", workspace, quiet)


@iiif_app.command("validate")
def validate(paths: list[Path] = typer.Argument(..., help="JSON files, or folders searched for *.json."),
             schema: Path = typer.Option(None, "--schema", help="Another IIIF 3 JSON Schema (default: the one "
                                         "Jiyi ships).")) -> None:
    """Check IIIF JSON against the IIIF Presentation 3.0 schema; list each invalid file and where; exit 1 if any.

    Files whose @context is another IIIF API's (Image, Change Discovery, Content Search) are counted, not checked.
    """
    from .validate import DEFAULT_SCHEMA, json_files, readable_path, validate_file

    schema_path = schema or DEFAULT_SCHEMA
    if not Path(schema_path).is_file():
        fail(JiyiError("E310", f"no IIIF schema at {schema_path}", "reinstall Jiyi, or pass --schema FILE"))
    try:
        files = json_files(paths)
    except FileNotFoundError as missing:
        fail(JiyiError("E311", f"{missing} does not exist", "name existing files or folders"))
    invalid = skipped = 0
    for path in files:
        errors = validate_file(path, schema_path)
        if errors is None:
            skipped += 1
        elif errors:
            invalid += 1
            typer.echo(f"invalid: {path}")
            for error in errors:
                typer.echo(f"  {readable_path(error)}")
    others = f" ({skipped} of another IIIF API, e.g. Image API info.json, not checked)" if skipped else ""
    typer.echo(f"{len(files) - skipped} file(s) checked against IIIF Presentation 3.0: {invalid} invalid{others}")
    if invalid:
        raise typer.Exit(1)
