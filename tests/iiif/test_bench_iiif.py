"""`jiyi bench iiif` prints the manifest rate, then jiyi serve under wrk with its errors."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

JIYI = str(Path(sys.executable).parent / "jiyi")


def test_bench_iiif_reports_manifests_per_second_and_serving_without_errors(built_demo):
    if shutil.which("wrk") is None:  # make test installs it; a bare pytest run may not have it
        pytest.fail("wrk is not installed: apt-get install -y wrk (make test does)")
    ws, _ = built_demo
    result = subprocess.run([JIYI, "bench", "iiif", "--records", "200", "--canvases", "3", "--duration", "2",
                             "--connections", "8", "--workspace", str(ws.root)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    rate = re.search(r"^200 manifests of 3 canvases, written with their collection, in [\d.]+ s: ([\d,]+) manifests/s",
                     result.stdout, re.M)
    assert rate and int(rate[1].replace(",", "")) > 0
    rows = re.findall(r"^(/iiif/\S+)\s+([\d,]+)\s+([\d.]+)\s+(\d+)$", result.stdout, re.M)
    kinds = {("manifest" if path.endswith("manifest.json") else "info" if path.endswith("info.json") else "search")
             for path, *_ in rows}
    assert kinds == {"manifest", "info", "search"}
    assert all(int(rate.replace(",", "")) > 0 and int(errors) == 0 for _, rate, _, errors in rows)
