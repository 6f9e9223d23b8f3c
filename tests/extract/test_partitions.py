"""Extraction in partitions on Dask (issue 9): the same mentions, entities and relations however
the records are split and wherever the partitions run — in this process, in local worker
processes, or on a dask.distributed cluster of separate processes."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from jiyi.build import open_workspace, run_stage
from jiyi.extract import partitions
from jiyi.extract.cache import extractor_fingerprint
from jiyi.extract.partitions import ExtractorJob, extract_records, partition_count, partition_of
from jiyi.extract.pipeline import DEFAULT_PIPELINE
from jiyi.progress import QUIET
from jiyi.workspace import Workspace

from test_incremental import CHANGED_ID, change_abstract

OUTPUTS = ("mentions.jsonl", "entities.jsonl", "assertions.jsonl")
BIN = Path(sys.executable).parent


def copy_built(built_demo, target: Path, per_partition: int) -> Workspace:
    """The built demo with [extract] records_per_partition set (the demo's 93 records would be one partition)."""
    ws, _ = built_demo
    shutil.copytree(ws.root, target, symlinks=True)
    toml = target / "jiyi.toml"
    text = toml.read_text(encoding="utf-8")
    assert "\n[extract]\n" in text
    toml.write_text(text.replace("\n[extract]\n", f"\n[extract]\nrecords_per_partition = {per_partition}\n", 1),
                    encoding="utf-8")
    return Workspace(target)


def outputs(ws: Workspace) -> dict[str, bytes]:
    return {name: (ws.internal / name).read_bytes() for name in OUTPUTS}


def extract(ws: Workspace, **settings) -> dict[str, int]:
    ws, config = open_workspace(ws.root)
    for key, value in settings.items():
        setattr(config, key, value)
    return run_stage("extract", ws, config, QUIET).counts


def test_a_record_stays_in_its_partition_or_the_one_n_above_when_the_count_doubles():
    ids = [f"REC-{n:05d}" for n in range(2_000)]
    for count in (1, 2, 16, 512):
        assert [partition_of(i, count) for i in ids] == [partition_of(i, count) for i in ids]  # stable
        for record_id in ids:
            low, high = partition_of(record_id, count), partition_of(record_id, 2 * count)
            assert high in (low, low + count)
    used = {partition_of(i, 16) for i in ids}
    assert used == set(range(16))  # 2,000 ids reach every one of 16 partitions


def test_the_partition_count_is_the_smallest_power_of_two_that_keeps_partitions_small():
    assert partition_count(0, 1_000) == 1
    assert partition_count(1_000, 1_000) == 1
    assert partition_count(1_001, 1_000) == 2
    assert partition_count(93, 10) == 16
    assert partition_count(10**9, 1_000) == partitions.MAX_PARTITIONS


def test_changing_the_partition_count_reuses_every_record_and_changes_no_output(built_demo, tmp_path):
    ws = copy_built(built_demo, tmp_path / "demo", per_partition=10)
    before = outputs(ws)
    counts = extract(ws)
    assert counts["records extracted"] == 0 and counts["partitions extracted"] == 16
    assert outputs(ws) == before
    assert sorted(p.name for p in ws.extract_dir.iterdir()) == ["p0016"]  # the one-partition files are gone

    counts = extract(ws, records_per_partition=50)  # 16 → 2 partitions: each draws on 8 old files
    assert counts["records extracted"] == 0 and counts["partitions extracted"] == 2
    assert outputs(ws) == before


def test_one_changed_record_runs_one_partition_and_extracts_one_record(built_demo, tmp_path):
    ws = copy_built(built_demo, tmp_path / "demo", per_partition=10)
    extract(ws)
    change_abstract(ws, CHANGED_ID, "同年周恩来赴法国巴黎勤工俭学。")
    ws, config = open_workspace(ws.root)
    run_stage("ingest", ws, config, QUIET)
    counts = extract(ws)
    assert counts["partitions extracted"] == 1 and counts["partitions reused"] == 15
    assert counts["records extracted"] == 1 and counts["records reused"] == 92
    changed = partitions.output_file(ws.extract_dir, 16, partition_of(CHANGED_ID, 16))
    entry = next(e for e in partitions.read_entries(changed) if e["record_id"] == CHANGED_ID)
    assert "周恩来" in [m["text"] for m in entry["mentions"]]


def test_local_worker_processes_give_what_one_process_gives(built_demo, tmp_path, monkeypatch):
    started = []

    class CountedDaskRunner(partitions.DaskRunner):  # the real runner; the test only notes it was used
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            started.append(self.workers)

    monkeypatch.setattr(partitions, "DaskRunner", CountedDaskRunner)
    ws = copy_built(built_demo, tmp_path / "demo", per_partition=10)
    before = outputs(ws)
    shutil.rmtree(ws.extract_dir)
    counts = extract(ws, workers=2)
    assert started == [2]
    assert counts["records extracted"] == 93 and counts["partitions extracted"] == 16
    assert outputs(ws) == before


def test_worker_processes_start_whatever_runs_as_main(built_demo, tmp_path, monkeypatch):
    """Spawned workers re-run the parent's __main__; one that fails there (a Streamlit page, as
    AppTest leaves it in this process) must not stop them."""
    import types

    page = tmp_path / "page.py"
    page.write_text("raise LookupError('a page that only runs inside its app')\n", encoding="utf-8")
    fake_main = types.ModuleType("__main__")
    fake_main.__file__ = str(page)
    monkeypatch.setitem(sys.modules, "__main__", fake_main)
    ws = copy_built(built_demo, tmp_path / "demo", per_partition=10)
    before = outputs(ws)
    shutil.rmtree(ws.extract_dir)
    counts = extract(ws, workers=2)
    assert counts["records extracted"] == 93 and outputs(ws) == before
    assert fake_main.__file__ == str(page)  # put back once the workers started


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_dask_cluster_of_separate_processes_gives_what_one_process_gives(built_demo, tmp_path):
    """A scheduler and two workers, each its own process on loopback, as `dask scheduler` and
    `dask worker` run on a cluster; `jiyi extract --scheduler` sends them the partitions."""
    from dask.distributed import Client

    ws = copy_built(built_demo, tmp_path / "demo", per_partition=10)
    before = outputs(ws)
    shutil.rmtree(ws.extract_dir)
    address = f"tcp://127.0.0.1:{free_port()}"
    env = {**os.environ, "TMPDIR": str(tmp_path)}  # where workers write the dictionaries they are sent
    logs = open(tmp_path / "dask.log", "w")
    processes = [subprocess.Popen([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port",
                                   address.rsplit(":", 1)[1], "--no-dashboard"], stdout=logs, stderr=logs, env=env)]
    client = None
    try:
        for name in ("one", "two"):
            processes.append(subprocess.Popen([str(BIN / "dask"), "worker", address, "--nthreads", "1", "--name", name,
                                               "--no-dashboard"], stdout=logs, stderr=logs, env=env))
        deadline = time.monotonic() + 60
        while client is None:
            try:
                client = Client(address, timeout="5s")
            except OSError:
                assert time.monotonic() < deadline, (tmp_path / "dask.log").read_text()
        client.wait_for_workers(2, timeout=60)

        run = subprocess.run([str(BIN / "jiyi"), "extract", "--workspace", str(ws.root), "--quiet",
                              "--scheduler", address], capture_output=True, text=True, env=env, timeout=600)
        assert run.returncode == 0, run.stderr
        assert "93 records extracted" in run.stdout and "16 partitions extracted" in run.stdout
        assert outputs(ws) == before
        # Both workers built the extractor, so both took partitions.
        loaded = client.run(lambda: len(__import__("jiyi.extract.partitions", fromlist=["_LOADED"])._LOADED))
        assert sorted(loaded.values()) == [1, 1]
    finally:
        if client is not None:
            client.close()
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        logs.close()


def test_an_unreachable_scheduler_is_a_clear_error_and_keeps_nothing_half_written(built_demo, tmp_path):
    ws = copy_built(built_demo, tmp_path / "demo", per_partition=10)
    shutil.rmtree(ws.extract_dir)
    address = f"tcp://127.0.0.1:{free_port()}"  # nothing listens there
    run = subprocess.run([str(BIN / "jiyi"), "extract", "--workspace", str(ws.root), "--quiet", "--scheduler", address],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode != 0
    assert f"E221 cannot reach the Dask scheduler at {address}" in run.stderr
    assert "dask worker" in run.stderr  # the fix names what to start
    assert not [p for p in ws.extract_dir.rglob("*") if re.search(r"\.writing-|\.part$", p.name)]


def test_a_worker_whose_extractor_differs_refuses_the_work():
    job = ExtractorJob(DEFAULT_PIPELINE, [], fingerprint="0" * 64)  # not what this installation computes
    with pytest.raises(RuntimeError, match="E220 .* another extractor than the build"):
        extract_records('{"id": "X-1", "title": "毛泽东在延安"}', job)


def test_splitting_into_the_most_partitions_fits_under_a_default_open_file_limit(tmp_path):
    """1,024 partitions keep 1,024 files open; a process started with Debian's default soft limit
    (1,024) raises it for itself rather than failing with 'Too many open files'."""
    script = (
        "import resource, sys\n"
        "from pathlib import Path\n"
        "resource.setrlimit(resource.RLIMIT_NOFILE, (1024, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))\n"
        "from jiyi.extract.partitions import MAX_PARTITIONS, split\n"
        "from jiyi.model import Record\n"
        "records = [Record(id=f'R-{n}', title='t', record_set='s') for n in range(3000)]\n"
        "shards = split(records, MAX_PARTITIONS, Path(sys.argv[1]), 'f')\n"
        "print(len(shards), sum(s.size for s in shards))\n")
    run = subprocess.run([sys.executable, "-c", script, str(tmp_path / "split")], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == [str(partitions.MAX_PARTITIONS), "3000"]


def test_a_worker_keeps_the_dictionaries_it_was_sent_in_memory_and_nothing_in_tmp(tmp_path, monkeypatch):
    """Dask's nanny kills its workers on close, so exit handlers do not run: a worker that kept
    its dictionaries in a temporary folder for its lifetime left the folder behind."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dictionary = tmp_path.parent / "dictionary.txt"
    dictionary.write_text("石三伢子 1000 nr\n", encoding="utf-8")
    job = ExtractorJob(DEFAULT_PIPELINE, [(dictionary.name, dictionary.read_bytes())],
                       extractor_fingerprint(DEFAULT_PIPELINE, [dictionary]))
    monkeypatch.setattr(partitions, "_LOADED", {})
    (found,) = extract_records('{"id": "X-1", "title": "石三伢子在韶山", "record_set": "s"}', job)
    assert [(m["text"], m["method"]) for m in json.loads(found) if m["type"] == "PER"] == [("石三伢子", "dictionary")]
    assert list(tmp_path.iterdir()) == []


def _echo_length(text: str, job: dict) -> int:
    return len(text)


def test_the_build_process_does_not_keep_the_records_it_sent_to_local_workers():
    """Dask's scheduler runs in the build's process and logged its last 1,000 messages to each
    worker, records and all: the process grew by about 2.7 KB a record however the rest streamed."""
    import gc

    runner = partitions.DaskRunner(2)
    try:
        sent = 40
        for number in range(sent):  # one at a time, each a partition-sized text of its own, as extraction sends them
            job = {"fingerprint": "0" * 64}  # beside the text, like the ExtractorJob
            assert runner.submit(_echo_length, f"RECORDS-{number:03d}|" + "档" * 200_000, job).result() == 200_012
    finally:
        runner.close()
    held = set()
    for holder in gc.get_objects():
        values = holder.values() if isinstance(holder, dict) else holder if isinstance(holder, (list, tuple)) else ()
        held.update(value[:11] for value in values if isinstance(value, str) and value.startswith("RECORDS-"))
    assert len(held) <= 2 * 10 + 2, f"{len(held)} of the {sent} texts sent are still held"


def test_a_worker_removes_what_one_killed_while_loading_left_and_nothing_of_a_running_one(tmp_path, monkeypatch):
    """A worker killed while it loads its extractor (seconds, for the model) cannot remove its
    dictionary folder; the next load removes the folders of processes that no longer run."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = tmp_path / f"jiyi-dictionaries-{int(ended.stdout)}-abc123"
    alive = tmp_path / f"jiyi-dictionaries-{os.getppid()}-def456"  # this test's parent: running
    for folder in (dead, alive):
        (folder / "0").mkdir(parents=True)
        (folder / "0" / "dictionary.txt").write_text("石三伢子 1000 nr\n", encoding="utf-8")
    monkeypatch.setattr(partitions, "_LOADED", {})
    job = ExtractorJob(DEFAULT_PIPELINE, [], extractor_fingerprint(DEFAULT_PIPELINE, []))
    extract_records('{"id": "X-1", "title": "毛泽东在延安", "record_set": "s"}', job)
    assert sorted(p.name for p in tmp_path.iterdir()) == [alive.name]
