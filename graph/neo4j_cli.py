"""`jiyi neo4j sync`, `jiyi neo4j bulk-files` and `jiyi cypher "QUERY"`: the Neo4j mirror from the command line.

Registered in jiyi/cli.py with
    app.add_typer(neo4j_app, name="neo4j")
    app.command("cypher")(cypher_command)
"""

from __future__ import annotations

from pathlib import Path

import typer

from jiyi.errors import JiyiError
from jiyi.progress import Reporter

neo4j_app = typer.Typer(help="Mirror the built graph into Neo4j as a property graph (people, places, records "
                        "and their links, with provenance on the links).", no_args_is_help=True)

UriOption = typer.Option("bolt://127.0.0.1:7687", "--uri", envvar="NEO4J_URI", help="Neo4j's Bolt URI.")
UserOption = typer.Option("neo4j", "--user", envvar="NEO4J_USER", help="Neo4j user.")
PasswordOption = typer.Option("", "--password", envvar="NEO4J_PASSWORD", show_default=False,
                              help="Neo4j password (or set NEO4J_PASSWORD).")
DatabaseOption = typer.Option("neo4j", "--database", "-d", help="Database to use (Community has `neo4j`).")
WorkspaceOption = typer.Option(Path("."), "--workspace", "-w", help="The workspace folder (it holds jiyi.toml).")


def fail(error: JiyiError) -> None:
    typer.echo(f"error: {error}", err=True)
    raise typer.Exit(error.exit_code)


def password_or_fail(password: str) -> str:
    if not password:
        fail(JiyiError("E452", "no Neo4j password given", "pass --password, or set NEO4J_PASSWORD"))
    return password


IncludeRestrictedOption = typer.Option(False, "--include-restricted", help="Restricted records too, each node "
                                       "marked public: true|false. Only for a staff-only Neo4j.")


@neo4j_app.command("sync")
def sync_command(uri: str = UriOption, user: str = UserOption, password: str = PasswordOption,
                 database: str = DatabaseOption,
                 include_restricted: bool = IncludeRestrictedOption,
                 workspace: Path = WorkspaceOption,
                 quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars; only the report.")) -> None:
    """Write the workspace's built graph to Neo4j; a rerun writes only what changed since the last sync.

    Only the public graph unless --include-restricted. Nodes and relationships the mirror
    made and the graph no longer has are deleted; anything else in the database is left alone.
    """
    from jiyi.build import open_workspace

    from .neo4j_mirror import sync

    try:
        ws, _ = open_workspace(workspace)
        report = sync(ws, uri, user, password_or_fail(password), database=database,
                      include_restricted=include_restricted, reporter=Reporter(quiet=quiet))
    except JiyiError as error:
        fail(error)
    typer.echo(report.line())


@neo4j_app.command("bulk-files")
def bulk_files_command(out: Path = typer.Option(..., "--out", "-o", help="Folder for the CSV files (made, or "
                                               "replaced whole when an earlier bulk-files wrote it)."),
                       database: str = DatabaseOption,
                       include_restricted: bool = IncludeRestrictedOption,
                       workspace: Path = WorkspaceOption,
                       quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars.")) -> None:
    """Write CSV files for Neo4j's offline importer and print the `neo4j-admin` command that loads them.

    For a first load of a large graph (beyond ~10M nodes) into an empty database, where the
    sync's Bolt transactions and in-memory comparison no longer pay. The files carry the sync's own bookkeeping,
    so after the import `jiyi neo4j sync` writes only what changed (its first run also creates
    the `uri` constraint and lookup indexes). See docs/neo4j-bulk-import.md.
    """
    from jiyi.build import open_workspace

    from .neo4j_import import write_bulk_files

    try:
        ws, _ = open_workspace(workspace)
        files = write_bulk_files(ws, out, include_restricted=include_restricted, database=database,
                                 reporter=Reporter(quiet=quiet))
    except JiyiError as error:
        fail(error)
    typer.echo(files.line())
    typer.echo(f"Stop Neo4j (the import replaces database {database!r}), then run:\n")
    typer.echo(files.command(database))
    typer.echo("\nthen start Neo4j and run `jiyi neo4j sync` once: it creates the constraint and indexes and "
               "writes only what changed since these files.")


def cypher_command(query: str = typer.Argument(..., help="A read-only Cypher query, e.g. "
                                               "\"MATCH (p:Person) RETURN p.label_zh_Hans LIMIT 10\"."),
                   uri: str = UriOption, user: str = UserOption, password: str = PasswordOption,
                   database: str = DatabaseOption,
                   format: str = typer.Option("table", "--format", "-f", help="table, csv or json."),
                   limit: int = typer.Option(1000, "--limit", help="Stop after this many rows (and say so)."),
                   timeout: float = typer.Option(30.0, "--timeout", help="Seconds before Neo4j stops the query."),
                   workspace: Path = WorkspaceOption) -> None:
    """Ask the Neo4j mirror a Cypher question; writes (CREATE, MERGE, SET, DELETE) are refused by Neo4j.

    --workspace is accepted like every command's, but the question goes to --uri: the mirror
    holds whatever `jiyi neo4j sync` last wrote there.
    """
    from .cypher import format_result, run_cypher

    if format not in ("table", "csv", "json"):
        fail(JiyiError("E457", f"--format {format!r} is not known", "use table, csv or json"))
    try:
        result = run_cypher(uri, user, password_or_fail(password), query, database=database, limit=limit,
                            timeout=timeout)
    except JiyiError as error:
        fail(error)
    typer.echo(format_result(result, format))
    if result.cut:
        typer.echo(f"the result was cut: only the first {limit} rows are shown (raise --limit for more)", err=True)
