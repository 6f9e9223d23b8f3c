"""Extract stage: records → mentions (with offsets, method, confidence) → entities."""

from __future__ import annotations

from pathlib import Path

from jiyi.config import Config
from jiyi.model import Mention, Problem, Record, SourceRef, StageResult, write_jsonl
from jiyi.progress import Reporter
from jiyi.workspace import Workspace

from .cache import ExtractionCache, cache_file, extractor_fingerprint, record_key
from .curation import apply_curation
from .pipeline import DEFAULT_PIPELINE, extract, make_pipeline
from .relate import relate
from .resolve import Resolver


def run(ws: Workspace, config: Config, records: list[Record], reporter: Reporter) -> StageResult:
    problems: list[Problem] = []
    dictionaries = existing_files(ws, config.dictionaries, "dictionaries", problems)
    alias_files = existing_files(ws, config.aliases, "aliases", problems)
    mentions, cache = extract_all(ws, records, dictionaries, reporter)
    by_id = {r.id: r for r in records}
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
              "records extracted": cache.extracted, "records reused": cache.reused}
    return StageResult("extract", counts, problems)


def extract_all(ws: Workspace, records: list[Record], dictionaries: list[Path],
                reporter: Reporter) -> tuple[list[Mention], ExtractionCache]:
    """Every record's mentions, before resolution: reused when the record and the extractor are
    unchanged since the last run (see extract/cache.py), extracted otherwise."""
    fingerprint = extractor_fingerprint(DEFAULT_PIPELINE, dictionaries)
    cache = ExtractionCache(cache_file(ws))
    components = None  # the NER model takes seconds to load: only when a record needs it
    mentions: list[Mention] = []
    for record in reporter.track(records, "extract"):
        key = record_key(fingerprint, record)
        found = cache.get(key)
        if found is None:
            components = components or make_pipeline(DEFAULT_PIPELINE, dictionaries=dictionaries)
            found = extract(record, components)
            cache.put(key, found)
        mentions.extend(found)
    cache.save()  # before resolution: a later failure keeps this run's extraction work
    return mentions, cache


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
