"""Extract stage: records → mentions (with offsets, method, confidence) → entities and relations.

Three walks over the records, one record at a time (docs/scaling.md):

1. extraction, in partitions on Dask (extract/partitions.py); each record's mentions are kept
   on disk, in a scratch table;
2. resolution of each record's mentions to entities, pickled to a scratch file in record order;
3. curation and relations, record by record, written to mentions.jsonl; then the entities,
   each with the records that still mention it, and the relations between those left.

What stays in memory grows with the entities (their names and aliases), not with the records.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Collection
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

from jiyi.config import Config
from jiyi.model import Entity, Problem, Record, SourceRef, StageResult, atomic_writer, json_line
from jiyi.progress import Reporter
from jiyi.scratch import ScratchTable
from jiyi.workspace import Workspace

from .cache import extractor_fingerprint
from .curation import Curation, read_decisions
from .partitions import ExtractorJob, PartitionedExtraction
from .pipeline import DEFAULT_PIPELINE
from .relate import Relations
from .resolve import Resolution, Resolver


def run(ws: Workspace, config: Config, records: Collection[Record], reporter: Reporter) -> StageResult:
    """`records` is walked three times, in the same order (a jiyi.build.RecordFile reads records.jsonl each time)."""
    problems: list[Problem] = []
    dictionaries = existing_files(ws, config.dictionaries, "dictionaries", problems)
    alias_files = existing_files(ws, config.aliases, "aliases", problems)
    with ExitStack() as scratch:
        extraction = extract_all(ws, config, records, dictionaries, reporter)
        scratch.callback(extraction.close)
        try:
            resolver = Resolver(alias_files=alias_files)
        except ValueError as error:  # a malformed alias table: its message names file and line
            code, _, message = str(error).partition(" ")
            problems.append(Problem(code, SourceRef("jiyi.toml"), message, "fix the line named", dropped=False))
            resolver = Resolver()
        resolved = scratch.enter_context(tempfile.TemporaryFile(dir=ws.internal))  # unlinked: gone however the build ends
        entities = resolve_records(records, extraction, resolver, resolved, reporter)
        decisions, decision_problems = read_decisions(ws.decisions_file)
        curation = Curation(entities)
        curation_problems = curation.apply(decisions, f"curation/{ws.decisions_file.name}")
        counts = write_curated(ws, records, resolved, curation, reporter)
        # in the order of the decisions file: an `add`'s problems are only known after the records are read
        problems += decision_problems + sorted(curation_problems + curation.add_problems(), key=lambda p: p.where.line)
    done = extraction.counts
    counts |= {"records extracted": done.records_extracted, "records reused": done.records_reused,
               "partitions extracted": done.partitions_extracted, "partitions reused": done.partitions_reused}
    return StageResult("extract", counts, problems)


def resolve_records(records: Collection[Record], extraction: PartitionedExtraction, resolver: Resolver,
                    spool, reporter: Reporter) -> list[Entity]:
    """Each record's mentions resolved to entities and pickled to `spool`, in record order; the entities."""
    resolution = Resolution(resolver)
    for record in reporter.track(records, "resolve"):
        pickle.dump((record.id, resolution.add_record(record, extraction.mentions_of(record.id))), spool)
    spool.seek(0)
    return list(resolution.entities.values())


def write_curated(ws: Workspace, records: Collection[Record], resolved, curation: Curation,
                  reporter: Reporter) -> dict[str, int]:
    """Curate each record's resolved mentions and find its relations; write the mentions, then each
    entity a mention is left for, with the records that mention it, then the relations between them."""
    relations = Relations(curation.entities.values())
    counts = {"mentions": 0, "entities": 0, "relations": 0}
    with ScratchTable() as mentioned_in, tempfile.TemporaryFile(dir=ws.internal) as found:
        with atomic_writer(ws.mentions_file) as out:
            for record in reporter.track(records, "curate and relate"):
                record_id, mentions = pickle.load(resolved)
                if record_id != record.id:
                    raise RuntimeError(f"records.jsonl changed during extraction ({record_id} read before, {record.id} now)")
                mentions = curation.curate_record(record, mentions)
                out.writelines(json_line(m) for m in mentions)
                counts["mentions"] += len(mentions)
                mentioned_in.add_many((entity_id, record.id) for entity_id in dict.fromkeys(m.entity_id for m in mentions))
                pickle.dump(relations.of_record(record, mentions), found)
        kept: set[str] = set()
        with atomic_writer(ws.entities_file) as out:
            for entity in curation.entities.values():
                record_ids = mentioned_in.of(entity.id)  # written, not kept: together they grow with the records
                if record_ids:  # curation can leave an entity without mentions: it goes
                    kept.add(entity.id)
                    out.write(json_line(replace(entity, record_ids=record_ids)))
        counts["entities"] = len(kept)
        found.seek(0)
        with atomic_writer(ws.assertions_file) as out:
            for _ in range(len(records)):
                for assertion in pickle.load(found):
                    # a relation found through an entity's name (the catalogue's creator, the place in an
                    # event's name) can point at an entity curation left without mentions
                    if assertion.subject in kept and (assertion.predicate == "created" or assertion.object in kept):
                        out.write(json_line(assertion))
                        counts["relations"] += 1
    return counts


def extract_all(ws: Workspace, config: Config, records: Collection[Record], dictionaries: list[Path],
                reporter: Reporter) -> PartitionedExtraction:
    """Every record's mentions, before resolution: reused when the record and the extractor are
    unchanged since the last run, extracted otherwise, in partitions on Dask (extract/partitions.py).
    The caller closes what is returned (it holds the mentions in a scratch table)."""
    job = ExtractorJob(DEFAULT_PIPELINE, [(path.name, path.read_bytes()) for path in dictionaries],
                       extractor_fingerprint(DEFAULT_PIPELINE, dictionaries))
    extraction = PartitionedExtraction(ws.extract_dir, job)
    extraction.run(records, reporter, per_partition=config.records_per_partition,
                   workers=config.workers, scheduler=config.scheduler)
    ws.legacy_extract_cache_file.unlink(missing_ok=True)  # one file for all records, before partitions
    return extraction


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
