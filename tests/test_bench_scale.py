"""`jiyi bench scale` (issue 9) run for real at a tiny size, and the synthetic workspaces it measures."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest
from PIL import Image

from jiyi import bench_scale, synthetic

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def catalogue_rows(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as lines:
        return list(csv.reader(lines))


def test_the_catalogue_has_the_rows_asked_for_and_the_same_seed_gives_the_same_file(tmp_path):
    first = synthetic.write_catalogue(tmp_path / "a", 40, seed=3)
    again = synthetic.write_catalogue(tmp_path / "b", 40, seed=3)
    other = synthetic.write_catalogue(tmp_path / "c", 40, seed=4)

    assert first.read_bytes() == again.read_bytes()
    assert first.read_bytes() != other.read_bytes()
    rows = catalogue_rows(first)
    assert rows[0] == synthetic.CSV_HEADER
    assert len(rows) - 1 == 40
    assert len({row[0] for row in rows[1:]}) == 40, "record ids must be unique"
    assert all(len(row) == len(synthetic.CSV_HEADER) and row[6] for row in rows[1:])
    # Written under a temporary name and renamed: nothing else is left in sources/.
    assert sorted(p.name for p in (tmp_path / "a" / "sources").iterdir()) == ["catalogue.csv"]
    assert (tmp_path / "a" / "jiyi.toml").read_text(encoding="utf-8") == synthetic.WORKSPACE_TOML.format(count=40)


@pytest.mark.skipif(not synthetic.shared_ner_dir().is_dir(),
                    reason=f"{synthetic.shared_ner_dir()} is absent (a fresh clone has no ../shared)")
def test_abstracts_hold_sentences_of_the_regulations_and_of_the_ner_corpus(tmp_path):
    pools = dict(synthetic.sentence_pools())
    assert set(pools) == {"regulations", "ner corpus"}
    abstracts = "".join(row[6] for row in catalogue_rows(synthetic.write_catalogue(tmp_path / "ws", 30))[1:])
    for name, pool in pools.items():
        assert any(sentence in abstracts for sentence in pool), f"no sentence of the {name} in the abstracts"


def test_both_bio_layouts_are_read_as_sentences(tmp_path):
    # MSRA separates character and tag with a tab, People's Daily with a space; the last sentence has no blank line.
    def bio(sentence: str, separator: str) -> str:
        return "".join(f"{character}{separator}O\n" for character in sentence)

    (tmp_path / "a.bio.tsv").write_text(bio("毛泽东在延安写下了这篇文章", "\t") + "\n" + bio("太短了", "\t") + "\n",
                                        encoding="utf-8")
    (tmp_path / "b.bio.txt").write_text(bio("新华社北京电国务院今天开会！", " "), encoding="utf-8")
    assert synthetic.corpus_sentences(tmp_path) == ["毛泽东在延安写下了这篇文章。", "新华社北京电国务院今天开会！"]


def test_an_unknown_stage_is_refused_with_the_stages_to_choose_from(capsys):
    assert bench_scale.main(["--stages", "ingest,index"]) == 2
    error = capsys.readouterr().err
    assert "unknown stage index" in error and "ingest,extract,graph,search" in error


def test_extraction_is_forgotten_so_each_worker_count_extracts_everything(tmp_path):
    internal = tmp_path / "build" / "internal"
    (internal / "extract" / "p0001").mkdir(parents=True)
    (internal / "extract" / "p0001" / "mentions-0000.jsonl").write_text("{}\n", encoding="utf-8")
    (internal / "records.jsonl").write_text("{}\n", encoding="utf-8")
    bench_scale.forget_extraction(tmp_path)
    assert sorted(p.name for p in internal.iterdir()) == ["records.jsonl"]


def test_a_tiny_run_measures_each_stage_and_draws_the_plot(tmp_path):
    results, plot = tmp_path / "scaling.jsonl", tmp_path / "scaling.png"
    code = bench_scale.main(["--records", "30", "--stages", "ingest,extract", "--workers", "1", "--out",
                             str(tmp_path / "out"), "--keep", "--results", str(results), "--plot", str(plot)])
    assert code == 0

    rows = bench_scale.read_results(results)
    assert [(row["stage"], row["records"], row["workers"]) for row in rows] == [("ingest", 30, None),
                                                                                 ("extract", 30, 1)]
    for row in rows:
        assert row["exit_code"] == 0
        assert row["seconds"] > 0
        assert row["records_per_second"] == pytest.approx(30 / row["seconds"], rel=0.01)
        assert row["peak_main_mb"] > 0
        assert row["peak_tree_mb"] >= row["peak_main_mb"]
        assert row["machine"]["cores"] == os.cpu_count() and row["machine"]["ram_gb"] > 0
        assert row["date"] and row["machine"]["python"]
    workspace_csv = tmp_path / "out" / "records-30" / "sources" / "catalogue.csv"
    assert len(catalogue_rows(workspace_csv)) - 1 == 30

    assert plot.read_bytes()[:8] == PNG_SIGNATURE
    with Image.open(plot) as image:
        image.verify()
    with Image.open(plot) as image:
        assert image.size == (1200, 500)  # 12 × 5 inches at 100 dpi: the two panels side by side
    figure = bench_scale.draw_plot(rows, tmp_path / "again.png")
    assert len(figure.axes) == 2
    assert all(len(axes.lines) == 2 for axes in figure.axes), "a line per measured stage in each panel"


def test_reuse_measures_a_later_stage_on_the_workspace_an_earlier_run_kept(tmp_path, capsys):
    out, results = tmp_path / "out", tmp_path / "results.jsonl"
    assert bench_scale.main(["--records", "20", "--stages", "ingest,extract", "--out", str(out), "--keep"]) == 0
    workspace = out / "records-20"
    catalogue, mentions = workspace / "sources" / "catalogue.csv", workspace / "build" / "internal" / "mentions.jsonl"
    before = (catalogue.stat().st_mtime_ns, mentions.stat().st_mtime_ns)

    assert bench_scale.main(["--records", "20", "--stages", "search", "--out", str(out), "--reuse",
                             "--results", str(results)]) == 0
    rows = bench_scale.read_results(results)
    assert [(row["stage"], row["records"]) for row in rows] == [("search", 20)]
    assert (catalogue.stat().st_mtime_ns, mentions.stat().st_mtime_ns) == before, "nothing before search ran again"
    assert (workspace / "build" / "public" / "search").is_dir()
    assert workspace.is_dir(), "a reused workspace is not deleted, --keep or not"

    capsys.readouterr()
    assert bench_scale.main(["--records", "30", "--stages", "search", "--out", str(out), "--reuse"]) == 2
    assert "records-30 is not an ingested workspace" in capsys.readouterr().err


def test_the_machines_parallel_capacity_is_measured_not_assumed():
    """Two processes of pure Python, timed against one: a figure of this machine at this moment,
    above nothing and not above two cores' worth (a little slack for timer noise)."""
    from jiyi.bench_scale import parallel_capacity

    capacity = parallel_capacity(2, loops=2_000_000)
    assert 0.5 < capacity <= 2.3


def test_the_parallel_capacity_is_measured_whatever_runs_as_main(tmp_path, monkeypatch):
    """Spawned processes run the parent's __main__ again; the tests of the app leave a Streamlit page
    there, which must not run (it hung the pool's children in a loop of restarts)."""
    import sys
    import types

    from jiyi.bench_scale import parallel_capacity

    page = tmp_path / "page.py"
    page.write_text("raise SystemExit('a page run again in a child')\n", encoding="utf-8")
    fake_main = types.ModuleType("__main__")
    fake_main.__file__ = str(page)
    monkeypatch.setitem(sys.modules, "__main__", fake_main)
    assert 0.5 < parallel_capacity(2, loops=500_000) <= 2.3


def test_the_national_plan_takes_each_stages_largest_run_and_counts_every_worker_core():
    import importlib.util

    spec = importlib.util.spec_from_file_location("national_plan", Path(__file__).parents[1] / "benchmarks" / "national_plan.py")
    plan = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(plan)
    rows = [{"stage": "extract", "records": 1000, "workers": 1, "seconds": 10.0},
            {"stage": "extract", "records": 100_000, "workers": 2, "seconds": 400.0},
            {"stage": "extract", "records": 100_000, "workers": 1, "seconds": 700.0},
            {"stage": "extract", "records": 1_000_000, "workers": 2, "seconds": 3000.0},
            {"stage": "graph", "records": 10_000, "workers": None, "seconds": 150.0}]
    rates = plan.stage_rates(rows)
    assert rates["extract"] == (1_000_000, pytest.approx(0.006), 2)  # 2 cores × 3,000 s over 10^6 records
    assert rates["graph"] == (10_000, pytest.approx(0.015), 1)
    assert plan.stage_rates(rows[:3])["extract"] == (100_000, pytest.approx(0.007), 1), "one worker wins at one size"
