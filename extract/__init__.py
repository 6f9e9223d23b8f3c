"""Extract stage: records → mentions (with offsets, method, confidence) → entities."""

from __future__ import annotations

from jiyi.config import Config
from jiyi.model import Mention, Problem, Record, SourceRef, StageResult, write_jsonl
from jiyi.progress import Reporter
from jiyi.workspace import Workspace

from .curation import apply_curation
from .pipeline import DEFAULT_PIPELINE, extract, make_pipeline, merge_entities
from .relate import relate


def run(ws: Workspace, config: Config, records: list[Record], reporter: Reporter) -> StageResult:
    problems: list[Problem] = []
    dictionaries = []
    for name in config.dictionaries:
        path = ws.root / name
        if path.is_file():
            dictionaries.append(path)
        else:
            problems.append(Problem("W201", SourceRef(name), "dictionary not found; extraction goes on without it",
                                    "fix the path under [extract] dictionaries in jiyi.toml", dropped=False))
    components = make_pipeline(DEFAULT_PIPELINE, dictionaries=dictionaries)
    mentions: list[Mention] = []
    for record in reporter.track(records, "extract"):
        mentions.extend(extract(record, components))
    entities = merge_entities(mentions)
    mentions, entities, curation_problems = apply_curation(ws.decisions_file, mentions, entities,
                                                           {r.id: r for r in records})
    problems += curation_problems
    assertions = relate(records, mentions, entities)
    write_jsonl(ws.mentions_file, mentions)
    write_jsonl(ws.entities_file, entities)
    write_jsonl(ws.assertions_file, assertions)
    counts = {"mentions": len(mentions), "entities": len(entities), "relations": len(assertions)}
    return StageResult("extract", counts, problems)
