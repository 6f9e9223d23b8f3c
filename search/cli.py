"""`jiyi search` (list the themed databases, query one) and `jiyi bench search`."""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from pathlib import Path

import typer

from jiyi.cli_common import WorkspaceOption, fail
from jiyi.errors import JiyiError
from jiyi.workspace import Workspace

META_FILE = "theme.json"  # beside each index (search/index.py writes it); named here so `jiyi --help` stays light


def search_command(
    theme: str = typer.Argument("", help="The themed database (see --list)."),
    query: str = typer.Argument("", help='What to look for: 长征 会议, 長征, changzheng, "Long March", 长征 -遵义, 遵义 OR 泸定桥.'),
    list_themes: bool = typer.Option(False, "--list", help="List the themed databases: name, label, records; one per line."),
    facet: list[str] = typer.Option([], "--facet", help="Only records with this facet value, KEY=VALUE (type, person, "
                                    "place, organisation, fonds, record_set, year; access with --internal); repeatable, all must hold."),
    year: str = typer.Option("", "--year", help="Only records dated in these years: 1935, 1934-1936, 1934- or -1936."),
    sort: str = typer.Option("relevance", "--sort", help="relevance (BM25, title words count double) or date (oldest first)."),
    page: int = typer.Option(1, "--page", help="Which page of hits, from 1."),
    size: int = typer.Option(20, "--size", help="Hits per page."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per hit and line; the count goes to stderr."),
    internal: bool = typer.Option(False, "--internal", help="Search the internal index: restricted records too, and the "
                                  "access facet. Staff only."),
    export: Path = typer.Option(None, "--export", help="Also write every match (up to 10,000) to FILE.csv or FILE.jsonld."),
    rebuild: bool = typer.Option(False, "--build", help="Rebuild the indexes of every theme first (the search stage of `jiyi build`)."),
    workspace: Path = WorkspaceOption,
) -> None:
    """Search a themed database (专题数据库), declared as a theme table in jiyi.toml and built by `jiyi build`.

    Chinese needs no spaces (长征会议 is cut into words); 長征 finds 长征 and the other way round; changzheng too.

    Prints rank, id, title, date and a snippet per hit, then facet counts over all matches.

    Reads build/public/search/ unless --internal. docs/search.md explains the query syntax and facets.
    """
    if rebuild:
        rebuild_indexes(workspace)
    from .index import SearchRequest, open_backend

    ws = Workspace(workspace)
    root = ws.internal_search_dir if internal else ws.public_search_dir
    try:
        themes = available_themes(root)
        if list_themes:
            for meta in themes.values():
                labels = " / ".join(label for label in (meta.get("label_zh"), meta.get("label_en")) if label)
                typer.echo(f"{meta['name']}\t{labels}\t{meta['records']} records")
            return
        if not theme:
            raise JiyiError("E707", "which theme? none given", f"themes here: {', '.join(themes) or 'none'}; "
                            "`jiyi search --list` lists them")
        if theme not in themes:
            raise JiyiError("E707", f"no themed database `{theme}` in {root}",
                            f"themes here: {', '.join(themes) or 'none (declare [[theme]] in jiyi.toml, then jiyi build)'}")
        meta = themes[theme]
        request = SearchRequest(text=query, facets=parse_facets(facet), sort=sort, page=page, size=size)
        request.year_from, request.year_to = parse_years(year)
        backend = open_backend(root / theme, meta)
        result = backend.query(request)
        if export:
            from .export import EXPORT_LIMIT, export_results

            export_results(export, backend.all_hits(request, EXPORT_LIMIT), base_uri=meta.get("base_uri", ""),
                           query={"theme": theme, "query": query, "facets": request.facets, "year": year, "sort": sort})
    except JiyiError as error:
        fail(error)
    if as_json:
        for hit in result.hits:
            typer.echo(json.dumps(asdict(hit), ensure_ascii=False))
        typer.echo(f"{result.total} hits; page {result.page}", err=True)
    else:
        print_result(result, meta)
    if export:
        typer.echo(f"{min(result.total, EXPORT_LIMIT)} hits written to {export}", err=True)


def rebuild_indexes(workspace: Path) -> None:
    """The search stage alone; its report goes to stderr, so that --json output stays one hit per line."""
    from jiyi.build import BuildSummary, build_lock, open_workspace, run_stage
    from jiyi.progress import QUIET

    try:
        ws, config = open_workspace(workspace)
        with build_lock(ws):
            result = run_stage("search", ws, config, QUIET)
    except JiyiError as error:
        fail(error)
    for problem in result.problems:
        typer.echo(f"{'dropped' if problem.dropped else 'warning'}: {problem}", err=True)
    typer.echo(BuildSummary([result]).line(), err=True)


def available_themes(root: Path) -> dict[str, dict]:
    from .index import read_meta

    if not root.is_dir():
        raise JiyiError("E701", f"{root}: no search indexes", "declare [[theme]] tables in jiyi.toml and run `jiyi build`")
    return {folder.name: read_meta(folder) for folder in sorted(root.iterdir()) if (folder / META_FILE).is_file()}


def parse_facets(pairs: list[str]) -> dict[str, list[str]]:
    facets: dict[str, list[str]] = {}
    for pair in pairs:
        key, equals, value = pair.partition("=")
        if not equals or not key.strip() or not value.strip():
            raise JiyiError("E703", f"--facet {pair}: not KEY=VALUE", "write e.g. --facet person=毛泽东 --facet type=电报")
        key = {"organization": "organisation", "persons": "person", "places": "place"}.get(key.strip(), key.strip())
        facets.setdefault(key, []).append(value.strip())
    return facets


def parse_years(text: str) -> tuple[int | None, int | None]:
    if not text:
        return None, None
    match = re.fullmatch(r"(\d{4})?(-)?(\d{4})?", text.replace(" ", ""))
    if not match or not (match.group(1) or match.group(3)) or (match.group(1) and match.group(3) and not match.group(2)):
        raise JiyiError("E703", f"--year {text}: not a year or a range", "write 1935, 1934-1936, 1934- or -1936")
    first, dash, last = match.groups()
    start = int(first) if first else None
    end = int(last) if last else (start if not dash else None)
    if start is not None and end is not None and start > end:
        raise JiyiError("E703", f"--year {text}: the range ends before it starts", "write the earlier year first, e.g. 1934-1936")
    return start, end


def print_result(result, meta: dict) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(highlight=False)
    pages = max(1, -(-result.total // result.size))
    table = Table(title=f"{meta.get('label_zh') or meta['name']}: {result.total} hits, page {result.page} of {pages} "
                  f"({result.milliseconds:.1f} ms)", show_lines=False)
    for column in ("#", "id", "title", "date", "snippet"):
        table.add_column(column, overflow="fold")
    for hit in result.hits:
        snippet = escape(hit.snippet).replace("<em>", "[bold red]").replace("</em>", "[/bold red]")
        table.add_row(str(hit.rank), escape(hit.id), escape(hit.title), escape(hit.date), snippet)
    console.print(table)
    for key, counts in result.facets.items():
        if counts:
            console.print(f"[bold]{key}[/bold]: " + " · ".join(f"{escape(value)} {count}" for value, count in counts))


def bench_search_command(
    records: int = typer.Option(1_000_000, "--records", help="How many synthetic records to index."),
    queries: int = typer.Option(200, "--queries", help="How many timed queries."),
    keep: Path = typer.Option(None, "--keep", help="Build the index in this folder and keep it (default: a temporary one)."),
) -> None:
    """Index build rate, query latency p50/p95 (ranked top 20, two words, two filters, six facet counts) and index size,
    over synthetic records made of real sentences from ../shared/data/texts/ (or the demo's regulations)."""
    from .bench import main as bench_main

    raise typer.Exit(bench_main(["--records", str(records), "--queries", str(queries)] + (["--keep", str(keep)] if keep else [])))
