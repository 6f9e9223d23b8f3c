"""The national plan on paper (issue 9): what 176.59 million records need, computed from measurements.

Inputs, both measured on this machine:
  --results   the JSON lines of `jiyi bench scale` (wall seconds per stage and worker count);
              the largest size measured for each stage gives its rate (records per core-second)
  --workspace a workspace built by the same benchmark (--keep), whose files give the bytes per record
              of each output (the graph stores, the exports, the search indexes)

It prints the core-hours of each stage, the hours on clusters of a few sizes, and the storage of
each output at the national scale, as a Markdown table docs/scaling.md quotes.

    .venv/bin/python benchmarks/national_plan.py --results scaling.jsonl --workspace WS
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

NATIONAL_RECORDS = 176_590_000  # open archival files counted by the national plan
CLUSTERS = (16, 64, 256)  # cores
# Outputs whose size is read from the workspace, relative to build/.
OUTPUTS = {
    "records (records.jsonl)": "internal/records.jsonl",
    "mentions (extract partitions)": "internal/extract",
    "RDF, every record (Oxigraph)": "internal/graph/oxigraph",
    "RDF, public (Oxigraph)": "public/graph/oxigraph",
    "entity index (SQLite)": "public/graph/entities.sqlite",
    "public N-Triples export": "public/graph/public.nt",
    "per-record JSON-LD files": "public/graph/records",
    "search indexes, public + internal (tantivy)": "public/search,internal/search",
}


def size_of(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else 0


def stage_rates(rows: list[dict]) -> dict[str, tuple[int, float, int]]:
    """stage → (records, core-seconds per record, workers) at the largest size measured.

    A run on K worker processes counts K cores for its whole wall time: an upper bound, since the
    workers wait while the build's process splits the records and joins their mentions. At the
    same size, the run with the fewest workers is taken (one core measures a core best)."""
    best: dict[str, dict] = {}
    for row in rows:
        current = best.get(row["stage"])
        if current is None or (row["records"], -(row.get("workers") or 1)) > \
                (current["records"], -(current.get("workers") or 1)):
            best[row["stage"]] = row
    return {stage: (row["records"], row["seconds"] * (row.get("workers") or 1) / row["records"], row.get("workers") or 1)
            for stage, row in best.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--results", type=Path, required=True)
    parser.add_argument("--workspace", type=Path, required=True)
    parser.add_argument("--records", type=int, default=NATIONAL_RECORDS)
    args = parser.parse_args(argv)

    rows = [json.loads(line) for line in args.results.read_text(encoding="utf-8").splitlines() if line.strip()]
    rates = stage_rates(rows)
    built = sum(1 for line in open(args.workspace / "build/internal/records.jsonl", "rb") if line.strip())

    print(f"National scale: {args.records:,} records, from measurements at up to "
          f"{max(r for r, _, _ in rates.values()):,} records, in core-seconds per record.\n")
    print("| stage | measured at | ms per record (one core) | core-hours | " +
          " | ".join(f"hours on {c} cores" for c in CLUSTERS) + " |")
    print("|---|---:|---:|---:|" + "---:|" * len(CLUSTERS))
    for stage, (measured_at, seconds, workers) in rates.items():
        core_hours = seconds * args.records / 3600
        where = f"{measured_at:,}" + (f" ({workers} workers × wall time)" if workers > 1 else "")
        print(f"| {stage} | {where} | {seconds * 1000:.1f} | {core_hours:,.0f} | " +
              " | ".join(f"{core_hours / c:,.1f}" for c in CLUSTERS) + " |")

    print(f"\nStorage, from the files of a built workspace of {built:,} records:\n")
    print("| output | bytes per record | at the national scale |")
    print("|---|---:|---:|")
    for label, relative in OUTPUTS.items():
        total = sum(size_of(args.workspace / "build" / part) for part in relative.split(","))
        per_record = total / built
        print(f"| {label} | {per_record:,.0f} | {per_record * args.records / 1e12:,.2f} TB |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
