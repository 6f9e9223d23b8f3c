"""Extraction in partitions, run on Dask: local worker processes, or a cluster given by --scheduler.

Finding mentions looks at one record at a time, so it splits cleanly. The records are
split into partitions by a hash of their id (one changed record changes one partition),
and each partition's mentions are kept in a file of their own:

    build/internal/extract/p0016/mentions-0007.jsonl
        {"partition": 7, "of": 16, "input": "<sha256 of the extractor and the partition's records>"}
        {"key": "<record key>", "record_id": "…", "mentions": [...]}   one line per record, in records.jsonl order

A re-run skips a partition whose first line names the input it would be made from now.
A partition that did change reuses, record by record, the mentions of records whose key
(extract/cache.py: the record's content and the extractor) it already holds, and sends
only the rest to a worker. Each file is written under a temporary name and renamed, so
a build killed midway keeps every partition it finished.

The number of partitions is a power of two chosen from the number of records. When it
changes (the archive doubled, or halved), a record's new partition is fed from the old
partitions that held its hash class, so growth costs no re-extraction.

Workers get records and return mentions; they need neither the workspace nor a shared
file system. A worker runs the extractor of its own installed Jiyi and refuses work when
that extractor (code, model, dictionaries, library versions) is not the one this build
uses, so a cluster of mixed versions cannot mix results.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import socket
import sys
import tempfile
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Collection, Iterable, Iterator

from jiyi.errors import JiyiError
from jiyi.model import Mention, Record, atomic_writer, from_dict, to_dict
from jiyi.scratch import ScratchTable

from .cache import extractor_fingerprint, key_of_text, record_text
from .pipeline import extract, make_pipeline

RECORDS_PER_PARTITION = 1_000  # about 13 s of extraction on one core: small enough to re-run, big enough to ship
MAX_PARTITIONS = 1_024  # the split keeps one file open per partition
AUTO_PROCESSES_FROM = 2_000  # records to extract from which local worker processes pay for their start (see choose_runner)


@dataclass
class ExtractorJob:
    """What a worker needs to build the extractor this build uses: sent with every partition (a few KB)."""

    pipeline: list[str]
    dictionaries: list[tuple[str, bytes]]  # (file name, bytes) of the workspace's jieba dictionaries
    fingerprint: str  # extract/cache.py's extractor_fingerprint, as this build computed it


@dataclass
class Shard:
    """One partition's records, split out of the ingested records into a file of their own."""

    index: int
    path: Path
    digest: str  # sha256 of the extractor fingerprint and the partition's record lines
    size: int


@dataclass
class PartitionCounts:
    records_extracted: int = 0
    records_reused: int = 0
    partitions_extracted: int = 0
    partitions_reused: int = 0


def partition_count(records: int, per_partition: int = RECORDS_PER_PARTITION) -> int:
    """The smallest power of two giving at most `per_partition` records each (capped at MAX_PARTITIONS)."""
    wanted = max(1, -(-records // max(1, per_partition)))
    count = 1
    while count < wanted and count < MAX_PARTITIONS:
        count *= 2
    return count


def partition_of(record_id: str, count: int) -> int:
    """A stable hash (Python's own hash() changes per process): with count a power of two, a
    record in partition i of n is in partition i or i + n of 2n."""
    return int.from_bytes(hashlib.blake2b(record_id.encode("utf-8"), digest_size=8).digest(), "big") % count


def generation_dir(extract_dir: Path, count: int) -> Path:
    return extract_dir / f"p{count:04d}"


def output_file(extract_dir: Path, count: int, index: int) -> Path:
    return generation_dir(extract_dir, count) / f"mentions-{index:04d}.jsonl"


def allow_open_files(count: int) -> None:
    """Raise this process's limit on open files to hold `count` more: Debian's default soft
    limit, 1,024, is below MAX_PARTITIONS plus what a process already has open."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = count + 256
    if soft != resource.RLIM_INFINITY and soft < wanted:
        if hard != resource.RLIM_INFINITY and hard < wanted:
            raise JiyiError("E224", f"splitting the records into {count} partitions needs {wanted} open files; "
                            f"this system allows {hard}", "raise the limit (`ulimit -n`) or set a larger "
                            "[extract] records_per_partition in jiyi.toml")
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def split(records: Iterable[Record], count: int, folder: Path, fingerprint: str) -> list[Shard]:
    """Write each record to its partition's file; hash each partition's lines as they go."""
    folder.mkdir(parents=True, exist_ok=True)
    allow_open_files(count)
    paths = [folder / f"records-{index:04d}.jsonl" for index in range(count)]
    digests = [hashlib.sha256(fingerprint.encode()) for _ in range(count)]
    sizes = [0] * count
    files = [open(path, "w", encoding="utf-8") for path in paths]
    try:
        for record in records:
            line = record_text(record) + "\n"  # without `source`: a row inserted above changes no partition
            index = partition_of(record.id, count)
            files[index].write(line)
            digests[index].update(line.encode("utf-8"))
            sizes[index] += 1
    finally:
        for handle in files:
            handle.close()
    return [Shard(index, paths[index], digests[index].hexdigest(), sizes[index]) for index in range(count)]


def read_header(path: Path) -> dict:
    """The first line of a partition file; {} when it is missing or unreadable (then it is made again)."""
    try:
        with open(path, encoding="utf-8") as lines:
            return json.loads(lines.readline())
    except (OSError, ValueError):
        return {}


def read_entries(path: Path) -> Iterator[dict]:
    """The per-record lines of a partition file, its header left out."""
    with open(path, encoding="utf-8") as lines:
        next(lines, None)
        for line in lines:
            if line.strip():
                yield json.loads(line)


def previous_entries(extract_dir: Path, count: int, index: int) -> dict[str, list[dict]]:
    """Mentions by record key from the files that may hold this partition's records: its own file,
    and, after the partition count changed, the old count's files of the same hash class."""
    found: dict[str, list[dict]] = {}
    for folder in sorted(extract_dir.glob("p[0-9][0-9][0-9][0-9]")):
        old = int(folder.name[1:])
        step = min(old, count)
        for candidate in range(index % step, old, step):
            path = folder / f"mentions-{candidate:04d}.jsonl"
            try:
                for entry in read_entries(path):
                    found[entry["key"]] = entry["mentions"]
            except (OSError, ValueError, KeyError, TypeError):
                continue  # an unreadable old file only costs re-extraction
    return found


# ---------------------------------------------------------------- on a worker

_LOADED: dict[str, list] = {}  # fingerprint → the components, built once per worker process (the model takes seconds)


def extract_records(records: str, job: ExtractorJob) -> list[str]:
    """The task a worker runs: records as JSON lines in, each record's mentions (before
    resolution) as one JSON array out. Text both ways: Dask walks a task's arguments looking
    for futures, and 10,000 records as dicts cost the build's process a second of that, on a
    core the workers need; text also goes into the partition file as it is."""
    components = _LOADED.get(job.fingerprint) or _load(job)
    return [json.dumps([to_dict(m) for m in extract(from_dict(Record, json.loads(line)), components)],
                       ensure_ascii=False)
            for line in records.split("\n") if line]  # not splitlines(): it also splits at U+2028, which JSON leaves raw


DICTIONARY_FOLDER = "jiyi-dictionaries-"  # then the pid of the process that loads, so a dead one's can be told


def remove_stale_dictionary_folders() -> None:
    """Remove the dictionary folders of processes that no longer run (killed while loading)."""
    for folder in Path(tempfile.gettempdir()).glob(f"{DICTIONARY_FOLDER}*-*"):
        pid = folder.name[len(DICTIONARY_FOLDER):].split("-")[0]
        if pid.isdigit() and not _running(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0 sends nothing: it only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process: not ours to judge
    return True


def _load(job: ExtractorJob) -> list:
    """The extractor, after checking it is the one the build asked for.

    The dictionaries sent with the job are written to a temporary folder that is removed as
    soon as the components are built (each reads its dictionaries in its constructor): a
    worker that is killed later, as Dask's nanny does on close, leaves nothing in /tmp. One
    killed while it loads (seconds: the model) does; the next load removes it.
    """
    remove_stale_dictionary_folders()
    with tempfile.TemporaryDirectory(prefix=f"{DICTIONARY_FOLDER}{os.getpid()}-") as scratch:
        paths = []
        for number, (name, content) in enumerate(job.dictionaries):
            path = Path(scratch) / str(number) / name  # the file's own name: it is part of the fingerprint
            path.parent.mkdir(parents=True)
            path.write_bytes(content)
            paths.append(path)
        here = extractor_fingerprint(job.pipeline, paths)
        if here != job.fingerprint:
            raise RuntimeError(f"E220 the worker on {socket.gethostname()} has another extractor than the build "
                               f"(fingerprint {here[:12]}…, the build's {job.fingerprint[:12]}…): install the same "
                               "Jiyi version, with the same libraries, on every worker")
        components = make_pipeline(job.pipeline, dictionaries=paths)
    _LOADED.clear()
    _LOADED[job.fingerprint] = components
    return components


# ---------------------------------------------------------------- where tasks run

class InlineRunner:
    """In this process, one partition after another: a small archive, or --workers 1."""

    workers = 1

    def submit(self, function, *args) -> Future:
        future: Future = Future()
        try:
            future.set_result(function(*args))
        except Exception as error:  # raised again by .result(), as a Dask future does
            future.set_exception(error)
        return future

    def close(self) -> None:
        pass


@contextmanager
def main_module_hidden():
    """Start worker processes without re-running this process's __main__ in them.

    Dask starts local workers with multiprocessing's spawn, which runs the parent's __main__
    again in each child (by its file, or its module name). Workers need nothing from it, and a
    __main__ that is not a guarded script fails or runs twice there: a Streamlit page (the app,
    or AppTest in the tests), a notebook. Hidden while the workers start, put back after.
    """
    main = sys.modules.get("__main__")
    spec, path = getattr(main, "__spec__", None), getattr(main, "__file__", None)
    main.__spec__ = None  # spawn reads the attribute, so it stays, empty
    if path is not None:
        del main.__file__
    try:
        yield
    finally:
        main.__spec__ = spec
        if path is not None:
            main.__file__ = path


# Dask's housekeeping, slowed down for the local cluster. By default each worker samples its
# task's stack every 10 ms for the dashboard's profiler (which Jiyi does not open) and each process
# runs 20 ms ticks and 0.1–0.5 s monitors. Idle, that took 1.8 s of CPU per 10 s across the
# scheduler and two workers, 0.2 s with these settings; busy, two workers spent 102 s of CPU on
# 10,000 records with it and 81 s without (docs/scaling.md).
# Dask also keeps its last 1,000 messages to each worker for debugging: each task with its
# records, 0.7 MB a partition. The scheduler runs in this process, so that log made it grow by
# about 2.7 KB a record, to 375 MB at 100,000 records; with 10 kept it stays near 100 MB.
QUIET_LOCAL_CLUSTER = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.admin.low-level-log-length": 10,
}


class DaskRunner:
    """Dask's local worker processes, or the workers of the cluster whose scheduler is at `scheduler`."""

    def __init__(self, workers: int, scheduler: str = ""):
        import dask
        from dask.distributed import Client, LocalCluster

        self.cluster = None
        if scheduler:
            try:
                self.client = Client(scheduler, timeout="10s")
            except (OSError, TimeoutError) as error:
                raise JiyiError("E221", f"cannot reach the Dask scheduler at {scheduler}: {error}",
                                "start it (`dask scheduler`) and its workers (`dask worker ADDRESS`), or check "
                                "the address; without --scheduler, Jiyi starts local worker processes") from None
            try:  # a scheduler without workers would take the tasks and never run them
                self.client.wait_for_workers(1, timeout=30)
            except TimeoutError:
                self.client.close()
                raise JiyiError("E223", f"the Dask scheduler at {scheduler} has no workers",
                                f"start at least one: `dask worker {scheduler}`, with the same Jiyi installed") from None
            self.workers = len(self.client.scheduler_info().get("workers", {}))
        else:
            self.quiet = dask.config.set(QUIET_LOCAL_CLUSTER)  # until close(); the workers get it too
            try:
                # One thread per process: extraction is Python code, threads would share one core.
                with main_module_hidden():
                    self.cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                                dashboard_address=None, silence_logs=logging.ERROR)
            except BaseException:
                self.quiet.__exit__(None, None, None)  # this process's Dask settings as they were
                raise
            self.client = Client(self.cluster)
            self.workers = workers

    def submit(self, function, *args):
        return self.client.submit(function, *args, pure=False)

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()
            self.quiet.__exit__(None, None, None)


def choose_runner(workers: int, scheduler: str, partitions: int, records: int) -> InlineRunner | DaskRunner:
    """The cluster when one is named. Local worker processes when asked for (workers ≥ 2), or, by
    default (workers 0), when there are enough records to pay for starting them: a local cluster
    costs a few seconds to start (2 s here), load the extractor in each worker and stop, while
    one core extracts some 100 records a second. Otherwise this process."""
    if scheduler:
        return DaskRunner(0, scheduler)
    if workers == 0:
        workers = (os.cpu_count() or 1) if records >= AUTO_PROCESSES_FROM else 1
    if workers > 1 and partitions > 1:
        return DaskRunner(min(workers, partitions))
    return InlineRunner()


class LazyRunner:
    """Chooses and starts its runner at the first partition with records to extract: after the
    partition count changed, every partition is rewritten from reused mentions, and starting
    worker processes for none of them would cost seconds for nothing.

    `start_now` starts it at once, in a thread, for when every partition is to be extracted:
    worker processes then start (seconds) while this process splits the records.
    """

    def __init__(self, workers: int, scheduler: str, partitions: int, records: int):
        self.settings = (workers, scheduler, partitions, records)
        self.starting: Future | None = None

    def start_now(self) -> None:
        if self.starting is None:
            starter = ThreadPoolExecutor(1, "jiyi-start-workers")
            self.starting = starter.submit(choose_runner, *self.settings)
            starter.shutdown(wait=False)  # its thread ends once the runner has started

    @property
    def runner(self) -> InlineRunner | DaskRunner | None:
        return self.starting.result() if self.starting else None  # raises what starting raised (E221, E223)

    @property
    def workers(self) -> int:
        return self.runner.workers if self.starting else 1

    def submit(self, function, *args):
        self.start_now()
        return self.runner.submit(function, *args)

    def close(self) -> None:
        if self.starting is None:
            return
        try:
            runner = self.starting.result()
        except Exception:
            return  # it never started: the error was raised where the runner was used, if it was
        runner.close()


# ---------------------------------------------------------------- the driver

class PartitionedExtraction:
    """Split, skip what is unchanged, extract the rest on a runner, write each partition as it completes."""

    def __init__(self, extract_dir: Path, job: ExtractorJob):
        self.extract_dir = extract_dir
        self.job = job
        self.counts = PartitionCounts()
        self.found = ScratchTable()  # record id → its mentions before resolution, as JSON

    def run(self, records: Collection[Record], reporter, *, per_partition: int = RECORDS_PER_PARTITION,
            workers: int = 0, scheduler: str = "") -> int:
        """Bring every partition file up to date, and gather every record's mentions; returns the partition count."""
        count = partition_count(len(records), per_partition)
        splitting = self.extract_dir / f".split.writing-{os.getpid()}"  # build.py removes it if the build is killed
        runner = LazyRunner(workers, scheduler, count, len(records))
        try:
            if not any(self.extract_dir.glob("p[0-9][0-9][0-9][0-9]")):
                runner.start_now()  # nothing to reuse: every partition will be extracted
            shards = split(records, count, splitting, self.job.fingerprint)
            todo, reused = [], []
            for shard in shards:
                if read_header(output_file(self.extract_dir, count, shard.index)).get("input") == shard.digest:
                    self.counts.partitions_reused += 1
                    self.counts.records_reused += shard.size
                    reused.append(shard)
                else:
                    todo.append(shard)
            if todo:
                runner.settings = (workers, scheduler, len(todo), sum(shard.size for shard in todo))
                for _ in reporter.track(self._completed(todo, count, runner), "extract", total=len(todo)):
                    pass
        finally:
            runner.close()
            shutil.rmtree(splitting, ignore_errors=True)
        for shard in reused:
            for entry in read_entries(output_file(self.extract_dir, count, shard.index)):
                self.keep(entry["record_id"], json.dumps(entry["mentions"], ensure_ascii=False))
        # Only now: the old generation fed this one's partitions until the last was written.
        for folder in self.extract_dir.glob("p[0-9][0-9][0-9][0-9]"):
            if folder != generation_dir(self.extract_dir, count):
                shutil.rmtree(folder, ignore_errors=True)
        return count

    def keep(self, record_id: str, mentions: str) -> None:
        """Keep a record's mentions (a JSON array) for the cross-record steps, on disk: held in
        memory as objects, they made the build's process grow with the records."""
        self.found.add(record_id, mentions)

    def close(self) -> None:
        self.found.close()

    def mentions_of(self, record_id: str) -> list[Mention]:
        """One record's mentions before resolution, in the order extraction found them."""
        return [from_dict(Mention, m) for text in self.found.of(record_id) for m in json.loads(text)]

    def _completed(self, todo: list[Shard], count: int, runner) -> Iterator[Shard]:
        """Submit partitions a few at a time (memory stays bounded), write each in submission order."""
        window = 2 * runner.workers  # a worker always has its next partition waiting
        pending: deque = deque()
        waiting = iter(todo)
        while True:
            while len(pending) < window and (shard := next(waiting, None)) is not None:
                pending.append(self._submit(shard, count, runner))
            if not pending:
                return
            shard, reused_mentions, keys, to_extract, future = pending.popleft()
            try:
                found = future.result()
            except Exception as error:
                raise JiyiError("E222", f"extraction of partition {shard.index} of {count} failed: {error}",
                                "the partitions finished before it are kept; fix the cause and run the stage "
                                "again") from error
            by_key = dict(zip(to_extract, found))
            with atomic_writer(output_file(self.extract_dir, count, shard.index)) as out:
                out.write(json.dumps({"partition": shard.index, "of": count, "input": shard.digest}) + "\n")
                for (record_id, key), reused in zip(keys, reused_mentions):
                    mentions = by_key[key] if reused is None else json.dumps(reused, ensure_ascii=False)
                    # as json.dumps would write the entry, with the mentions' JSON put in as it came
                    out.write(f'{{"key": {json.dumps(key)}, "record_id": {json.dumps(record_id, ensure_ascii=False)}, '
                              f'"mentions": {mentions}}}\n')
                    self.keep(record_id, mentions)
            self.counts.partitions_extracted += 1
            yield shard

    def _submit(self, shard: Shard, count: int, runner):
        """Read the partition's records; reuse what an earlier run found for unchanged ones, send the rest."""
        previous = previous_entries(self.extract_dir, count, shard.index)
        keys, reused, to_extract, records = [], [], [], []
        with open(shard.path, encoding="utf-8") as rows:
            for row in rows:
                # The line is the record as record_key writes it, so its key is the line's hash.
                key = key_of_text(self.job.fingerprint, row.rstrip("\n"))
                keys.append((json.loads(row)["id"], key))
                reused.append(previous.get(key))
                if reused[-1] is None:  # ids are unique (ingest drops repeats), so keys are too
                    to_extract.append(key)
                    records.append(row)
        self.counts.records_reused += len(keys) - len(records)
        self.counts.records_extracted += len(records)
        future = runner.submit(extract_records, "".join(records), self.job) if records else _done([])
        return shard, reused, keys, to_extract, future


def _done(value) -> Future:
    future: Future = Future()
    future.set_result(value)
    return future
