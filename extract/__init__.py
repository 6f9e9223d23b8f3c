"""Extract stage: records → mentions (with offsets, method, confidence) → entities."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from jiyi.config import Config
from jiyi.model import Mention, Problem, Record, SourceRef, StageResult, write_jsonl
from jiyi.progress import Reporter
from jiyi.workspace import Workspace

from .cache import extractor_fingerprint
from .curation import apply_curation
from .partitions import ExtractorJob, PartitionCounts, PartitionedExtraction
from .pipeline import DEFAULT_PIPELINE
from .relate import relate
from .resolve import Resolver


def run(ws: Workspace, config: Config, records: Collection[Record], reporter: Reporter) -> StageResult:
    """`records` is walked several times (a jiyi.build.RecordFile reads records.jsonl each time)."""
    problems: list[Problem] = []
    dictionaries = existing_files(ws, config.dictionaries, "dictionaries", problems)
    alias_files = existing_files(ws, config.aliases, "aliases", problems)
    # The cross-record steps hold every record and mention (docs/scaling.md). Read once here, the
    # records are walked from memory by every step after, not read from records.jsonl again.
    by_id = {r.id: r for r in records}
    records = by_id.values()
    mentions, done = extract_all(ws, config, records, dictionaries, reporter)
    try:
        resolver = Resolver(alias_files=alias_files)
    except ValueError as error:  # a malformed alias table: its message names file and line
        code, _, message = str(error).partition(" ")
        problems.append(Problem(code, SourceRef("jiyi.toml"), message, "fix the line named", dropped=False))
        resolver = Resolver()
    entities, mentions = resolver.resolve(mentions, by_id)
    mentions, entities, curation_problems = apply_curation(ws.decisions_file, mentions, entities, by_id)
    problems += curation_problems
    assertions = relate(records, mentions, entities)
    write_jsonl(ws.mentions_file, mentions)
    write_jsonl(ws.entities_file, entities)
    write_jsonl(ws.assertions_file, assertions)
    counts = {"mentions": len(mentions), "entities": len(entities), "relations": len(assertions),
              "records extracted": done.records_extracted, "records reused": done.records_reused,
              "partitions extracted": done.partitions_extracted, "partitions reused": done.partitions_reused}
    return StageResult("extract", counts, problems)


def extract_all(ws: Workspace, config: Config, records: Collection[Record], dictionaries: list[Path],
                reporter: Reporter) -> tuple[list[Mention], PartitionCounts]:
    """Every record's mentions, before resolution: reused when the record and the extractor are
    unchanged since the last run, extracted otherwise, in partitions on Dask (extract/partitions.py)."""
    job = ExtractorJob(DEFAULT_PIPELINE, [(path.name, path.read_bytes()) for path in dictionaries],
                       extractor_fingerprint(DEFAULT_PIPELINE, dictionaries))
    extraction = PartitionedExtraction(ws.extract_dir, job)
    extraction.run(records, reporter, per_partition=config.records_per_partition,
                   workers=config.workers, scheduler=config.scheduler)
    ws.legacy_extract_cache_file.unlink(missing_ok=True)  # one file for all records, before partitions
    return extraction.mentions(records), extraction.counts


def existing_files(ws: Workspace, names: list[str], key: str, problems: list[Problem]) -> list[Path]:
    """The configured files that exist; a missing one is a warning and extraction goes on without it."""
    found = []
    for name in names:
        if (ws.root / name).is_file():
            found.append(ws.root / name)
        else:
            problems.append(Problem("W201", SourceRef(name), f"{key} file not found; extraction goes on without it",
                                    f"fix the path under [extract] {key} in jiyi.toml", dropped=False))
    return found
