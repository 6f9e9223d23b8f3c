"""`jiyi ocr`: read page images and print their text, or run the ocr stage on a workspace."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from jiyi.cli_common import QuietOption, WorkspaceOption, run_one_stage
from jiyi.config import OCR_ENGINES


def ocr_command(images: list[Path] = typer.Argument(None, help="Page images (PNG, JPEG) to read; none: run the ocr "
                                                    "stage on the workspace."),
                engine: str = typer.Option("auto", "--engine", "-e", help=f"One of {', '.join(OCR_ENGINES)} "
                                           "(for IMAGE…; a workspace uses [ocr] engine in jiyi.toml)."),
                workspace: Path = WorkspaceOption, quiet: bool = QuietOption) -> None:
    """Read the text of scanned pages (Chinese, simplified or traditional, horizontal or vertical).

    With IMAGE…: print each image's text to stdout in reading order, one line per text line,
    under a `==> IMAGE <==` header when there are several. Which way up a page is and whether
    it is set vertically are found by looking. A file that cannot be read is reported on
    stderr and the others are read; the exit code is then 1.

    Without: the ocr stage of `jiyi build` on the workspace (needs `jiyi ingest`): records with
    page images and no text get the text read from them (build/internal/ocr/ keeps each page's
    lines and boxes); curation/transcriptions/<record id>.txt replaces it when a curator wrote one.
    """
    if not images:
        run_one_stage("ocr", workspace, quiet)
        return
    from jiyi.errors import JiyiError
    from jiyi.page_images import PageError
    from jiyi.ocr.engines import engine_named, recogniser_for
    from jiyi.ocr.read import read_page

    try:
        reader = engine_named(engine)
    except JiyiError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2)
    recogniser = recogniser_for(reader)
    failed = 0
    for number, path in enumerate(images):
        if len(images) > 1:
            typer.echo(("\n" if number else "") + f"==> {path} <==")
        try:
            if not path.is_file():
                raise PageError("E413", "does not exist", "check the path")
            page = read_page(path, reader, recogniser, str(path))
        except PageError as error:
            typer.echo(f"{error.code} {path}: {error.reason}\n  fix: {error.fix}", err=True)
            failed += 1
            continue
        if not page.lines:
            typer.echo(f"W411 {path}: no text found (a blank page, or a photograph?)", err=True)
        elif page.rotation:
            typer.echo(f"W412 {path}: the page was turned; read turned {page.rotation}° clockwise", err=True)
        for line in page.lines:
            typer.echo(line.text)
        sys.stdout.flush()
    raise typer.Exit(1 if failed else 0)
