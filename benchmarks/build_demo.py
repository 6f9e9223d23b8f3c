"""Time each stage of a demo build, cold (facsimiles drawn) then warm (pages reused), with peak memory.

    .venv/bin/python benchmarks/build_demo.py
"""

from __future__ import annotations

import resource
import shutil
import tempfile
from pathlib import Path

from jiyi.build import build, open_workspace
from jiyi.progress import QUIET

DEMO = Path(__file__).resolve().parents[1] / "jiyi" / "demo"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "demo"
        shutil.copytree(DEMO, root)
        ws, config = open_workspace(root)
        runs = {name: build(ws, config, QUIET) for name in ("cold", "warm")}
    stages = [r.stage for r in runs["cold"].results]
    print(f"{'stage':<10}{'cold s':>10}{'warm s':>10}")
    for index, stage in enumerate(stages):
        print(f"{stage:<10}" + "".join(f"{runs[n].results[index].seconds:>10.2f}" for n in runs))
    print(f"{'total':<10}" + "".join(f"{runs[n].seconds:>10.2f}" for n in runs))
    print(f"ratio cold / warm: {runs['cold'].seconds / runs['warm'].seconds:.1f}x")
    print(runs["warm"].line())
    print(f"peak resident memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
