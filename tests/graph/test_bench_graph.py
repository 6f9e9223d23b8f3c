"""`jiyi bench graph` prints both stores' figures, their ratio, and the explorer's query latencies."""

import re
import subprocess
import sys
from pathlib import Path

JIYI = str(Path(sys.executable).parent / "jiyi")


def test_bench_graph_reports_both_stores_and_every_query():
    result = subprocess.run([JIYI, "bench", "graph", "--triples", "60000", "--queries", "3"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    rows = {m["store"].strip(): int(m["triples"].replace(",", "")) for m in re.finditer(
        r"^(?P<store>Oxigraph \(on disk\)|rdflib Memory)\s+(?P<triples>[\d,]+)\s+[\d.]+\s+[\d.]+", result.stdout, re.M)}
    assert set(rows) == {"Oxigraph (on disk)", "rdflib Memory"}
    assert rows["Oxigraph (on disk)"] == rows["rdflib Memory"] >= 60000  # the same triples in both
    assert re.search(r"loading [\d.]+x faster, with [\d.]+ of the memory", result.stdout)
    for query in ("ego network, depth 2", "shortest path", "events of a person", "timeline of a place"):
        assert re.search(rf"^{query}\s+[\d.]+\s+[\d.]+\s+[\d.]+$", result.stdout, re.M), query
