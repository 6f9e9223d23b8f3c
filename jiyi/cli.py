"""The `jiyi` command: make a workspace, build it stage by stage, serve the app."""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import replace
from pathlib import Path

import typer

from jiyi.build import build, open_workspace
from jiyi.cli_common import (QuietOption, SchedulerOption, WorkersOption, WorkspaceOption, extracted_entities,
                             extraction_settings, fail, report, run_one_stage, workspace_or_fail)
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
def build_command(workspace: Path = WorkspaceOption, quiet: bool = QuietOption,
                  full: bool = typer.Option(False, "--full", help="Extract every record again instead of reusing "
                                            "the mentions of records unchanged since the last build."),
                  workers: int = WorkersOption, scheduler: str = SchedulerOption) -> None:
    """Run every stage in order (ingest → ocr → extract → graph → iiif → exhibits → search) and print a summary.

    Outputs go to WORKSPACE/build/: public/ holds only what may be served to the
    public (open records), internal/ everything else. Extraction reuses the mentions of
    records unchanged since the last build (docs/incremental-builds.md); --full extracts
    them all again. A build killed midway leaves no half-written file: run it again.
    Exit code 1 when input rows were dropped (each is reported with its file, row and a
    fix), 2 when jiyi.toml or the workspace is wrong, 3 when another build is running.
    """
    reporter = Reporter(quiet=quiet)
    try:
        ws, config = open_workspace(workspace)
        config = replace(config, **extraction_settings(workers, scheduler))
        summary = build(ws, config, reporter, full=full)
    except JiyiError as error:
        fail(error)
    report(summary, workspace)


def _stage_command(name: str, doc: str) -> None:
    def command(workspace: Path = WorkspaceOption, quiet: bool = QuietOption) -> None:
        run_one_stage(name, workspace, quiet)

    command.__doc__ = doc
    app.command(name)(command)


_stage_command("ingest", "Read the sources (catalogue CSVs, text files, page images) into build/internal/records.jsonl.")

from jiyi.ocr.cli import ocr_command  # noqa: E402

app.command("ocr")(ocr_command)


@app.command("extract")
def extract_command(workspace: Path = WorkspaceOption, quiet: bool = QuietOption,
                    workers: int = WorkersOption, scheduler: str = SchedulerOption) -> None:
    """Find people, places, organisations and dates in the ingested records (needs `jiyi ingest`).

    Records are extracted in partitions on Dask: local worker processes, or the workers of
    the cluster whose scheduler --scheduler names (they need the same Jiyi installed, not the
    workspace). Partitions whose records and extractor are unchanged are skipped.
    """
    run_one_stage("extract", workspace, quiet, extraction_settings(workers, scheduler))


from jiyi.exhibits.cli import exhibits_app  # noqa: E402

app.add_typer(exhibits_app, name="exhibits")

# `jiyi graph` runs the stage; `jiyi graph validate|export` and `jiyi sparql` live with the graph.
from jiyi.graph.cli import graph_app, sparql_command  # noqa: E402  (after the stage commands, as listed in --help)

app.add_typer(graph_app, name="graph")
from jiyi.iiif.cli import iiif_app  # noqa: E402

app.add_typer(iiif_app, name="iiif")
from jiyi.iiif.harvest_cli import harvest_app  # noqa: E402
app.add_typer(harvest_app, name="harvest")
from jiyi.iiif.serve_cli import serve_command  # noqa: E402

app.command("serve")(serve_command)
app.command("sparql")(sparql_command)
from jiyi.graph.neo4j_cli import cypher_command, neo4j_app  # noqa: E402

app.add_typer(neo4j_app, name="neo4j")
from jiyi.apps.users_cli import users_app  # noqa: E402

app.add_typer(users_app, name="users")
app.command("cypher")(cypher_command)


curate_app = typer.Typer(help="Curators' decisions on extracted entities, kept in curation/decisions.tsv and "
                         "applied on every build (extraction never overwrites them).", no_args_is_help=True)
app.add_typer(curate_app, name="curate")
RecordsOption = typer.Option("", "--records", "-r", help="Comma-separated record ids (档号) the decision is limited to.")
NoteOption = typer.Option("", "--note", help="Why: kept with the decision for the next curator.")


def _decide(workspace: Path, action: str, target: str, value: str = "", records: str = "", note: str = "") -> None:
    from jiyi.extract.curation import Curation, Decision, check_decision, write_decision
    from jiyi.model import SourceRef

    ws, _ = workspace_or_fail(workspace)
    if action != "add":
        curation = Curation(extracted_entities(ws, workspace))
        for name in [target] + ([value] if action == "merge" else []):
            if curation.find(name) is None:
                fail(JiyiError("E606", f"{name!r} matches no extracted entity",
                               "write it as TYPE:label (e.g. PER:毛泽东) or an id; `jiyi curate list` shows them"))
    decision = Decision(action, target, value, records, note)
    problem = check_decision(decision, SourceRef(ws.relative(ws.decisions_file)))
    if problem:  # refused before it is written, so the file only ever holds well-formed lines
        fail(JiyiError(problem.code, problem.message, problem.fix))
    write_decision(ws.decisions_file, decision)
    typer.echo(f"{action} {target} {value}".rstrip() + f" → {ws.decisions_file}; applied by the next `jiyi build`")


@curate_app.command("list")
def curate_list(workspace: Path = WorkspaceOption,
                kind: str = typer.Option("", "--type", "-t", help="Only PER, LOC, ORG, TIME or EVENT."),
                search: str = typer.Option("", "--search", "-s", help="Only entities whose name or alias contains this."),
                limit: int = typer.Option(50, help="How many to show, most mentioned first.")) -> None:
    """List extracted entities: id, type, name, aliases, how many records mention them."""
    ws, _ = workspace_or_fail(workspace)
    entities = [e for e in extracted_entities(ws, workspace)
                if (not kind or e.type.value == kind.upper()) and (not search or any(search in n for n in [e.label, *e.aliases]))]
    entities.sort(key=lambda e: (-len(e.record_ids), e.label))
    for entity in entities[:limit]:
        aliases = f"  ({'、'.join(entity.aliases)})" if entity.aliases else ""
        typer.echo(f"{entity.type.value}:{entity.label}{aliases}\t{len(entity.record_ids)} records\t{entity.id}")
    typer.echo(f"{len(entities)} entities" + (f", first {limit} shown" if len(entities) > limit else ""), err=True)


@curate_app.command("accept")
def curate_accept(target: str, workspace: Path = WorkspaceOption, records: str = RecordsOption, note: str = NoteOption) -> None:
    """Confirm an entity (TYPE:label or id): its mentions get confidence 1."""
    _decide(workspace, "accept", target, records=records, note=note)


@curate_app.command("reject")
def curate_reject(target: str, workspace: Path = WorkspaceOption, records: str = RecordsOption, note: str = NoteOption) -> None:
    """Remove a wrongly recognised entity (everywhere, or in --records only)."""
    _decide(workspace, "reject", target, records=records, note=note)


@curate_app.command("merge")
def curate_merge(source: str, into: str, workspace: Path = WorkspaceOption, records: str = RecordsOption,
                 note: str = NoteOption) -> None:
    """Merge SOURCE into INTO: one referent; SOURCE's names become INTO's aliases."""
    _decide(workspace, "merge", source, into, records, note)


@curate_app.command("rename")
def curate_rename(target: str, new_name: str, workspace: Path = WorkspaceOption, note: str = NoteOption) -> None:
    """Give an entity a new preferred name; the old one stays as an alias and the URI stays."""
    _decide(workspace, "rename", target, new_name, note=note)


@curate_app.command("split")
def curate_split(target: str, new_name: str, workspace: Path = WorkspaceOption,
                 records: str = typer.Option(..., "--records", "-r", help="Records whose mentions are the other referent."),
                 note: str = NoteOption) -> None:
    """Split homonyms: the mentions in --records become a new entity NEW_NAME."""
    _decide(workspace, "split", target, new_name, records, note)


@curate_app.command("add")
def curate_add(target: str, workspace: Path = WorkspaceOption,
               records: str = typer.Option(..., "--records", "-r", help="Records to look for the text in."),
               note: str = NoteOption) -> None:
    """Add what extraction missed: TYPE:text (e.g. LOC:泸定桥), found wherever it occurs in --records."""
    _decide(workspace, "add", target, records=records, note=note)


ner_app = typer.Typer(help="Named-entity recognition: tag text on stdin, or retrain the model.")
app.add_typer(ner_app, name="ner")
bench_app = typer.Typer(help="Speed and memory of a part of Jiyi, against a baseline run in the same process.",
                        no_args_is_help=True)
app.add_typer(bench_app, name="bench")
from jiyi.search.cli import bench_search_command, search_command  # noqa: E402

app.command("search")(search_command)
bench_app.command("search")(bench_search_command)


@ner_app.callback(invoke_without_command=True)
def ner(ctx: typer.Context,
        dictionary: list[Path] = typer.Option([], "--dictionary", "-d", help="Extra jieba user dictionaries.")) -> None:
    """Recognise entities in UTF-8 text on stdin, one text per line; one JSON object per line out, in order.

    {"entities": [{"start": 0, "end": 3, "type": "PER", "text": "毛泽东", "confidence": 0.97, "method": "crf"}]}
    Offsets count code points of the line, end exclusive. Types PER, LOC, ORG, TIME, EVENT;
    TIME carries "norm" (EDTF). `python3 ../shared/tools/score_ner.py CORPUS -- jiyi ner` scores it.
    """
    if ctx.invoked_subcommand is not None:
        return
    import json

    from jiyi.extract.pipeline import DEFAULT_PIPELINE, extract, make_pipeline
    from jiyi.model import Record

    components = make_pipeline(DEFAULT_PIPELINE, dictionaries=dictionary)
    out = sys.stdout
    # Bytes split on \n only: a text line may hold \r or U+2028, which text-mode reading would split on.
    for number, raw in enumerate(sys.stdin.buffer):
        text = raw.rstrip(b"\n").decode("utf-8", errors="replace")
        record = Record(id=str(number), title="", record_set="stdin", text=text)
        entities = []
        for m in extract(record, components):
            entity = {"start": m.start, "end": m.end, "type": m.type.value, "text": m.text,
                      "confidence": round(m.confidence, 4), "method": m.method}
            if m.norm:
                entity["norm"] = m.norm
            entities.append(entity)
        out.write(json.dumps({"entities": entities}, ensure_ascii=False) + "\n")
    out.flush()


@ner_app.command("train")
def ner_train(corpus: Path = typer.Argument(..., help="A BIO corpus, one `char<TAB>tag` per line (e.g. "
                                            "../shared/data/ner/msra_train.bio.tsv)."),
              out: Path = typer.Option(None, "--out", "-o", help="Where to write the model (default: the bundled one).")) -> None:
    """Retrain the NER model from a BIO corpus; prints the held-out scores and writes the model files."""
    from jiyi.extract.ner import MODEL_DIR
    from jiyi.extract.ner.train import main as train_main

    raise typer.Exit(train_main([str(corpus), str(out or MODEL_DIR)]))


@bench_app.command("ner")
def bench_ner(chars: int = typer.Option(1_000_000, help="How many characters to tag."),
              corpus: Path = typer.Option(None, help="BIO corpus whose sentences make the text "
                                          "(default: ../shared/data/ner/peoples_daily_dev.bio.txt).")) -> None:
    """chars/s of Jiyi's recogniser and of jieba.posseg on the same text, their ratio, and peak memory."""
    from jiyi.extract.ner.bench import main as bench_main

    raise typer.Exit(bench_main(["--chars", str(chars)] + (["--corpus", str(corpus)] if corpus else [])))


@bench_app.command("graph")
def bench_graph(triples: int = typer.Option(1_000_000, help="About how many triples to build."),
                queries: int = typer.Option(50, help="Runs of each explorer query."),
                neo4j_uri: str = typer.Option("", help="Also time a sync to this empty Neo4j database."),
                neo4j_user: str = typer.Option("neo4j"),
                neo4j_password: str = typer.Option("", envvar="NEO4J_PASSWORD")) -> None:
    """Triples into Oxigraph on disk vs rdflib's memory store (time, memory), the explorer's query latencies,
    and with --neo4j-uri the Neo4j sync rate."""
    from jiyi.graph.bench import main as bench_main

    neo4j = ["--neo4j-uri", neo4j_uri, "--neo4j-user", neo4j_user, "--neo4j-password", neo4j_password] if neo4j_uri else []
    raise typer.Exit(bench_main(["--triples", str(triples), "--queries", str(queries), *neo4j]))


@bench_app.command("iiif")
def bench_iiif(records: int = typer.Option(10_000, help="Synthetic records for the manifests part."),
               canvases: int = typer.Option(10, help="Canvases per manifest."),
               workspace: Path = typer.Option(None, help="A built workspace to serve (default: the demo, built here)."),
               duration: int = typer.Option(30, help="Seconds of wrk load per URL."),
               connections: int = typer.Option(64, help="wrk connections.")) -> None:
    """Manifests per second (written), then jiyi serve under wrk: requests/s, p99 latency and errors."""
    from jiyi.iiif.bench import main as bench_main

    argv = ["--records", str(records), "--canvases", str(canvases), "--duration", str(duration),
            "--connections", str(connections)] + (["--workspace", str(workspace)] if workspace else [])
    raise typer.Exit(bench_main(argv))


@bench_app.command("ocr", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def bench_ocr(ctx: typer.Context) -> None:
    """Character error rate and pages a minute of each OCR engine on pages rendered from known text (horizontal
    and vertical, simplified and traditional, clean and degraded), and entity recall after OCR. Options:
    --engines rapidocr,tesseract --pages 2 --seed 2026 --corpus BIO --entity-pages 2 --results FILE --quiet."""
    from jiyi.ocr.bench import main as bench_main

    raise typer.Exit(bench_main(list(ctx.args)))


@bench_app.command("scale")
def bench_scale(records: list[str] = typer.Option([], help="Records per synthetic workspace; repeat it or give a "
                                                  "comma list, e.g. 1000,10000 (default 1000)."),
                workers: list[str] = typer.Option([], help="Extraction worker counts; 1,2 also prints the speed-up "
                                                  "(default 1)."),
                stages: str = typer.Option("ingest,extract,graph,search", help="Which stages to measure, comma list."),
                out: Path = typer.Option(None, help="Where to make the workspaces (default: a temporary folder)."),
                keep: bool = typer.Option(False, "--keep", help="Keep the workspaces afterwards."),
                results: Path = typer.Option(None, help="Append one JSON line per measurement to this file."),
                plot: Path = typer.Option(None, help="Draw the results (of --results, else of this run) as this PNG."),
                plot_only: bool = typer.Option(False, "--plot-only", help="Measure nothing: draw --plot from --results."),
                seed: int = typer.Option(7, help="Seed of the synthetic records."),
                reuse: bool = typer.Option(False, "--reuse", help="Measure the workspaces an earlier --keep run left "
                                           "in --out, as they are: only the stages from the first asked run.")) -> None:
    """Wall time, records/s and peak memory of ingest, extract, graph and search as records grow (docs/scaling.md)."""
    from jiyi.bench_scale import main as bench_main

    # Only what was given is passed on: jiyi/bench_scale.py holds the defaults, and reads the lists itself.
    argv = [f"--records={value}" for value in records] + [f"--workers={value}" for value in workers]
    argv += ["--stages", stages, "--seed", str(seed)] + (["--keep"] if keep else []) + \
        (["--plot-only"] if plot_only else []) + (["--reuse"] if reuse else [])
    for option, value in (("--out", out), ("--results", results), ("--plot", plot)):
        if value is not None:
            argv += [option, str(value)]
    raise typer.Exit(bench_main(argv))


@app.command()
def demo(workspace: Path = typer.Option(Path("jiyi-demo"), "--workspace", "-w", help="Where to put the demo workspace."),
         quiet: bool = QuietOption) -> None:
    """Copy the bundled demo workspace (red archives, Memory of the World, thematic regulations) and build it."""
    if workspace.exists() and any(workspace.iterdir()) and not (workspace / "jiyi.toml").exists():
        fail(JiyiError("E021", f"{workspace} is not empty and is not a workspace", "pass --workspace with a new folder"))
    shutil.copytree(DEMO_DIR, workspace, dirs_exist_ok=True)  # refreshes a demo copied earlier
    typer.echo(f"Demo workspace in {workspace}")
    build_command(workspace=workspace, quiet=quiet, full=False, workers=None, scheduler=None)
    typer.echo(f"Now run: jiyi app --workspace {workspace}")


@app.command("records")
def records_command(workspace: Path = WorkspaceOption,
                    not_open: bool = typer.Option(False, "--not-open", help="Only records that are not open (restricted, "
                                                  "unreviewed, or under an embargo)."),
                    as_json: bool = typer.Option(False, "--json", help="One JSON object per line: id, title, text, status, "
                                                 "embargo.")) -> None:
    """List the records of the last build: id, status, embargo and title — for operators checking what is withheld."""
    import json

    from jiyi.build import load_records

    ws, _ = workspace_or_fail(workspace)
    try:
        records = load_records(ws)
    except JiyiError as error:
        fail(error)
    for record in records:
        if not_open and record.is_public:
            continue
        if as_json:
            typer.echo(json.dumps({"id": record.id, "title": record.title, "text": record.text,
                                   "status": record.access.value, "embargo": record.embargo}, ensure_ascii=False))
        else:
            typer.echo(f"{record.id}\t{record.access.value}\t{record.embargo or '-'}\t{record.title}")


@app.command("app")
def app_command(workspace: Path = WorkspaceOption,
                port: int = typer.Option(8501, help="Port to serve on (localhost)."),
                headless: bool = typer.Option(True, help="Do not open a browser window."),
                public: bool = typer.Option(False, "--public", help="The public site: build/public only, no sign-in, "
                                            "no console.")) -> None:
    """Start the Streamlit app on the workspace's build: for staff (sign in; `jiyi users add`), or --public.

    Pages: home, exhibits, items (with the Mirador viewer), the graph explorer; for signed-in
    researchers and curators also the console (read-only SPARQL, and Cypher when NEO4J_URI and
    NEO4J_PASSWORD name a mirror).
    """
    ws, _ = workspace_or_fail(workspace)
    if not ws.public_records_file.is_file():
        fail(JiyiError("E030", f"{workspace}: not built yet", f"run `jiyi build --workspace {workspace}` first"))
    import jiyi.apps  # found wherever the package was installed, editable or not

    entry = Path(jiyi.apps.__file__).parent / "main.py"
    command = [sys.executable, "-m", "streamlit", "run", str(entry),
               "--server.port", str(port), "--server.address", "localhost",
               "--server.headless", str(headless).lower(), "--browser.gatherUsageStats", "false",
               "--client.toolbarMode", "viewer",  # a public site shows no developer menu
               "--", "--workspace", str(ws.root.resolve())] + (["--public"] if public else [])
    typer.echo(f"Serving {workspace} at http://localhost:{port}  (Ctrl-C stops)")
    sys.stdout.flush()
    # Become Streamlit rather than wait for it: a signal to `jiyi app` then reaches the server
    # itself, and stopping `jiyi app` can never leave an orphaned Streamlit behind.
    os.execve(sys.executable, command, {**os.environ, "JIYI_WORKSPACE": str(ws.root.resolve())})


if __name__ == "__main__":
    app()
