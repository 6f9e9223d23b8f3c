"""The `jiyi` command: make a workspace, build it stage by stage, serve the app."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import typer

from jiyi.build import BuildSummary, build, open_workspace, run_stage
from jiyi.errors import JiyiError
from jiyi.progress import Reporter

PACKAGE_DIR = Path(__file__).resolve().parent
DEMO_DIR = PACKAGE_DIR / "demo"
TEMPLATE_DIR = PACKAGE_DIR / "template"

app = typer.Typer(
    help="Jiyi (记忆): turn archival holdings into a linked-data graph, IIIF manifests and online exhibitions.\n\n"
    "Start with `jiyi demo` to see a built workspace, or `jiyi init DIR` for your own.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)

WorkspaceOption = typer.Option(Path("."), "--workspace", "-w", help="The workspace folder (it holds jiyi.toml).")
QuietOption = typer.Option(False, "--quiet", "-q", help="No progress bars; only the summary and problems.")


def fail(error: JiyiError) -> None:
    typer.echo(f"error: {error}", err=True)
    raise typer.Exit(error.exit_code)


def report(summary: BuildSummary, ws_root: Path) -> None:
    """Print problems (located, with a fix), then the one-line summary; exit 1 when rows were dropped."""
    for problem in summary.problems:
        typer.echo(f"{'dropped' if problem.dropped else 'warning'}: {problem}", err=True)
    typer.echo(summary.line())
    if summary.dropped:
        typer.echo(f"{len(summary.dropped)} item(s) were left out; each is listed above and in "
                   f"{ws_root / 'build/internal/problems/'}", err=True)
        raise typer.Exit(1)


@app.command()
def init(directory: Path = typer.Argument(..., help="Folder for the new workspace (created if missing).")) -> None:
    """Make a new workspace: jiyi.toml, sources/ with a sample catalogue, exhibits/, curation/."""
    if (directory / "jiyi.toml").exists():
        fail(JiyiError("E020", f"{directory}/jiyi.toml already exists", "choose an empty folder, or edit that workspace"))
    shutil.copytree(TEMPLATE_DIR, directory, dirs_exist_ok=True)
    for folder in ("sources/images", "exhibits", "curation"):  # wheels carry no empty folders
        (directory / folder).mkdir(parents=True, exist_ok=True)
    typer.echo(f"Workspace made in {directory}. Put your catalogue in {directory}/sources/, map its columns in "
               f"{directory}/jiyi.toml, then run: jiyi build --workspace {directory}")


@app.command("build")
def build_command(workspace: Path = WorkspaceOption, quiet: bool = QuietOption) -> None:
    """Run every stage in order (ingest → extract → graph → iiif → exhibits) and print a summary.

    Outputs go to WORKSPACE/build/: public/ holds only what may be served to the
    public (open records), internal/ everything else. Exit code 1 when input rows
    were dropped (each is reported with its file, row and a fix), 2 when jiyi.toml
    or the workspace is wrong.
    """
    reporter = Reporter(quiet=quiet)
    try:
        ws, config = open_workspace(workspace)
        summary = build(ws, config, reporter)
    except JiyiError as error:
        fail(error)
    report(summary, workspace)


def _stage_command(name: str, doc: str) -> None:
    def command(workspace: Path = WorkspaceOption, quiet: bool = QuietOption) -> None:
        reporter = Reporter(quiet=quiet)
        try:
            ws, config = open_workspace(workspace)
            result = run_stage(name, ws, config, reporter)
        except JiyiError as error:
            fail(error)
        report(BuildSummary([result]), workspace)

    command.__doc__ = doc
    app.command(name)(command)


_stage_command("ingest", "Read the sources (catalogue CSVs, text files, page images) into build/internal/records.jsonl.")
_stage_command("extract", "Find people, places, organisations and dates in the ingested records (needs `jiyi ingest`).")
_stage_command("graph", "Write RiC-O triples to the Oxigraph store and the public Turtle (needs `jiyi extract`).")
_stage_command("iiif", "Write IIIF Presentation 3 manifests and collections, rendering facsimiles where needed.")
_stage_command("exhibits", "Check the exhibits and write their public versions, leaving out restricted items.")


@app.command()
def ner(dictionary: list[Path] = typer.Option([], "--dictionary", "-d", help="Extra jieba user dictionaries.")) -> None:
    """Recognise entities in UTF-8 text on stdin, one text per line; one JSON object per line out.

    Output: {"entities": [{"start": 0, "end": 3, "type": "PER", "text": "毛泽东", "method": …, "confidence": …}]}
    with character offsets into the line. ../shared/tools/score_ner.py scores it on a BIO corpus.
    """
    import json

    from jiyi.extract.pipeline import DEFAULT_PIPELINE, extract, make_pipeline
    from jiyi.model import Record

    components = make_pipeline(DEFAULT_PIPELINE, dictionaries=dictionary)
    for number, line in enumerate(sys.stdin):
        record = Record(id=str(number), title="", record_set="stdin", text=line.rstrip("\n"))
        entities = [{"start": m.start, "end": m.end, "type": m.type.value, "text": m.text, "method": m.method,
                     "confidence": m.confidence} for m in extract(record, components)]
        sys.stdout.write(json.dumps({"entities": entities}, ensure_ascii=False) + "\n")


@app.command()
def demo(workspace: Path = typer.Option(Path("jiyi-demo"), "--workspace", "-w", help="Where to put the demo workspace."),
         quiet: bool = QuietOption) -> None:
    """Copy the bundled demo workspace (red archives, Memory of the World, thematic regulations) and build it."""
    if workspace.exists() and any(workspace.iterdir()) and not (workspace / "jiyi.toml").exists():
        fail(JiyiError("E021", f"{workspace} is not empty and is not a workspace", "pass --workspace with a new folder"))
    shutil.copytree(DEMO_DIR, workspace, dirs_exist_ok=True)  # refreshes a demo copied earlier
    typer.echo(f"Demo workspace in {workspace}")
    build_command(workspace=workspace, quiet=quiet)
    typer.echo(f"Now run: jiyi app --workspace {workspace}")


@app.command("app")
def app_command(workspace: Path = WorkspaceOption,
                port: int = typer.Option(8501, help="Port to serve on (localhost)."),
                headless: bool = typer.Option(True, help="Do not open a browser window.")) -> None:
    """Start the Streamlit app (exhibits, items, graph explorer) on the workspace's build."""
    try:
        ws, _ = open_workspace(workspace)
    except JiyiError as error:
        fail(error)
    if not ws.public_records_file.is_file():
        fail(JiyiError("E030", f"{workspace}: not built yet", f"run `jiyi build --workspace {workspace}` first"))
    import jiyi.apps  # found wherever the package was installed, editable or not

    entry = Path(jiyi.apps.__file__).parent / "main.py"
    command = [sys.executable, "-m", "streamlit", "run", str(entry),
               "--server.port", str(port), "--server.address", "localhost",
               "--server.headless", str(headless).lower(), "--browser.gatherUsageStats", "false",
               "--client.toolbarMode", "viewer",  # a public site shows no developer menu
               "--", "--workspace", str(ws.root.resolve())]
    typer.echo(f"Serving {workspace} at http://localhost:{port}  (Ctrl-C stops)")
    raise typer.Exit(subprocess.call(command, env={**os.environ, "JIYI_WORKSPACE": str(ws.root.resolve())}))


if __name__ == "__main__":
    app()
