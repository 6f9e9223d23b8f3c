"""`jiyi graph` (build, validate, export) and `jiyi sparql`: the graph for researchers at the command line."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import typer

from jiyi.cli_common import QuietOption, WorkspaceOption, fail, run_one_stage, workspace_or_fail
from jiyi.errors import JiyiError

graph_app = typer.Typer(help="The linked-data graph: build it, check it against Jiyi's SHACL shapes, export it.")
ScopeOption = typer.Option("public", "--scope", help="public: only what the public may see; all: every named graph.")


@graph_app.callback(invoke_without_command=True)
def graph_stage(ctx: typer.Context, workspace: Path = WorkspaceOption, quiet: bool = QuietOption) -> None:
    """Write RiC-O triples to the Oxigraph store and the public exports (needs `jiyi extract`)."""
    if ctx.invoked_subcommand is not None:
        return
    run_one_stage("graph", workspace, quiet)


@graph_app.command("validate")
def validate(workspace: Path = WorkspaceOption, scope: str = typer.Option("all", "--scope", help="public or all")) -> None:
    """Check the built graph against the SHACL shapes Jiyi ships; list each violation; exit 1 if any."""
    from .validate import validate_graph, workspace_graph

    ws, config = workspace_or_fail(workspace)
    try:
        data = workspace_graph(ws, config.base_uri, scope=scope)
    except JiyiError as error:
        fail(error)
    violations = validate_graph(data, config.base_uri)
    for violation in violations:
        typer.echo(f"{violation.severity.lower()}: {violation}", err=True)
    typer.echo(f"{len(data):,} triples checked against Jiyi's SHACL shapes: {len(violations)} violation(s)")
    if violations:
        raise typer.Exit(1)


@graph_app.command("export")
def export_command(output: Path = typer.Argument(..., help="File to write (replaced only when complete)."),
                   fmt: str = typer.Option("", "--format", "-f", help="turtle, ntriples, nquads, trig or jsonld "
                                           "(default: from the file's suffix)."),
                   scope: str = ScopeOption, workspace: Path = WorkspaceOption) -> None:
    """Export the public graph, or the whole (--scope all), as Turtle, N-Triples, N-Quads, TriG or JSON-LD."""
    from .export import SUFFIXES, export

    chosen = fmt or next((name for name, suffix in SUFFIXES.items() if output.name.endswith(suffix)), "")
    ws, config = workspace_or_fail(workspace)
    try:
        if not chosen:
            raise JiyiError("E430", f"{output}: cannot tell the format from the suffix",
                            f"pass --format, or name the file with one of {', '.join(SUFFIXES.values())}")
        count = export(ws, config.base_uri, output, fmt=chosen, scope=scope)
    except JiyiError as error:
        fail(error)
    typer.echo(f"{count:,} triples ({scope}) written to {output} as {chosen}")


def sparql_command(query: str = typer.Argument(..., help="The query, or - to read it from stdin. Prefixes rico:, "
                                               "prov:, oa:, rdfs:, skos:, schema: … are predeclared."),
                   fmt: str = typer.Option("table", "--format", "-f", help="table, csv or json (SPARQL 1.1 JSON results)."),
                   limit: int = typer.Option(1000, "--limit", help="At most this many rows; a cut result says so."),
                   timeout: float = typer.Option(30.0, "--timeout", help="Seconds before the query is stopped."),
                   public: bool = typer.Option(False, "--public", help="Query only the public graph."),
                   workspace: Path = WorkspaceOption) -> None:
    """Run a read-only SPARQL query over the built graph (every named graph, or --public).

    Example: jiyi sparql 'SELECT ?name WHERE { ?p a rico:Person ; rico:name ?name } LIMIT 10'
    """
    from .sparql import run_query

    ws, config = workspace_or_fail(workspace)
    text = sys.stdin.read() if query == "-" else query
    try:
        result = run_query(str(ws.store_dir), text, base_uri=config.base_uri, public_only=public, limit=limit, timeout=timeout)
    except JiyiError as error:
        fail(error)
    if fmt not in ("table", "csv", "json"):
        fail(JiyiError("E432", f"unknown format {fmt!r}", "choose table, csv or json"))
    write_result(result, fmt, sys.stdout)
    if result.truncated:
        typer.echo(f"result cut at {limit:,} rows; raise --limit or narrow the query", err=True)


def write_result(result, fmt: str, out) -> None:
    """A query result as a table for reading, CSV for spreadsheets, or SPARQL 1.1 JSON for programs."""
    if result.kind == "ask":
        out.write(json.dumps({"head": {}, "boolean": result.boolean}) + "\n" if fmt == "json" else f"{str(result.boolean).lower()}\n")
        return
    if fmt == "json":
        bindings = [{name: term for name, term in zip(result.columns, row) if term is not None} for row in result.rows]
        json.dump({"head": {"vars": result.columns}, "results": {"bindings": bindings}}, out, ensure_ascii=False)
        out.write("\n")
        return
    values = [[term["value"] if term else "" for term in row] for row in result.rows]
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\r\n")  # the SPARQL CSV results format ends lines with CRLF
        writer.writerow(result.columns)
        writer.writerows(values)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(*result.columns, show_lines=False)
    for row in values:
        table.add_row(*row)
    Console(file=out, soft_wrap=True).print(table)
    out.write(f"{len(values):,} row(s)\n")
