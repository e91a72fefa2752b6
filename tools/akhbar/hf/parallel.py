"""Rows derived from runs of articles, in worker processes when there are several cores.

The build hands out runs of CHUNK_ARTICLES articles, named by where their lines are (shard,
byte offset, length); a worker reads and parses them, derives every config's rows and writes
them as Arrow record batches to IPC files that the build maps (cheap to pass: handing back
Python rows cost more than deriving them), and returns the run's row counts per article and
record counts. The results come back in the order the runs were handed out, so the output
does not depend on the number of workers. At most a few runs per worker are in flight:
memory does not grow with the corpus.
"""

from __future__ import annotations

import gc
import os
import shutil
import tempfile
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import orjson
import pyarrow as pa

from akhbar.hf import CONFIGS
from akhbar.hf.buildstats import BuildStats
from akhbar.hf.order import LineRef
from akhbar.hf.rows import RowBuilder

CHUNK_ARTICLES = 64  # articles per run: some 12 MB of Arrow data per run (measured: 32 cost 4% more CPU)
IN_FLIGHT_PER_WORKER = 3  # runs queued per worker, so that none waits while the build writes


@dataclass
class Derived:
    """The rows of one run of articles."""

    split: str
    batches: dict[str, pa.RecordBatch]
    counts: dict[str, list[int]]  # config -> rows per article
    stats: BuildStats  # the run's record counts


def derive(shards: list[str], refs: list[LineRef]) -> Derived:
    """Read, parse and derive one run of articles (all of one split)."""
    records = _read(shards, refs)
    builder = RowBuilder()
    stats = BuildStats()
    for record in records:
        builder.add(record)
        stats.add_record(record, builder.tokens[-1])
    return Derived(refs[0][4], builder.batches(), builder.counts(), stats)


def _read(shards: list[str], refs: list[LineRef]) -> list[dict]:
    records = []
    handles: dict[int, object] = {}
    try:
        i = 0
        while i < len(refs):
            # Lines that follow each other in a shard are read at once.
            number, offset = refs[i][0], refs[i][1]
            j, end = i + 1, offset + refs[i][2]
            while j < len(refs) and refs[j][0] == number and refs[j][1] == end:
                end += refs[j][2]
                j += 1
            f = handles.get(number)
            if f is None:
                f = handles[number] = open(shards[number], "rb")
            f.seek(offset)
            block = memoryview(f.read(end - offset))
            at = 0
            for _, line_offset, length, article_id, split in refs[i:j]:
                record = orjson.loads(block[at:at + length])
                at += length
                # The build found the line by its id and split without parsing it; a
                # validated record cannot disagree (duplicate keys are an error), but never
                # write a row under the wrong article.
                if record["id"] != article_id or record["split"] != split:
                    raise RuntimeError(f"{shards[number]} at byte {line_offset}: expected {article_id} ({split}), "
                                       f"read {record['id']} ({record['split']})")
                records.append(record)
            i = j
    finally:
        for f in handles.values():
            f.close()
    return records


def _worker_init() -> None:
    gc.freeze()
    gc.set_threshold(100_000, 50, 1000)


def _work(task: tuple[list[str], list[LineRef], str]) -> tuple[str, dict[str, list[int]], BuildStats]:
    shards, refs, stem = task
    derived = derive(shards, refs)
    for config, batch in derived.batches.items():
        write_batch(f"{stem}.{config}.arrow", batch)
    return derived.split, derived.counts, derived.stats


def write_batch(path: str, batch: pa.RecordBatch) -> None:
    """A record batch to an Arrow IPC file, its buffers written straight out."""
    with pa.OSFile(path, "wb") as sink, pa.ipc.new_stream(sink, batch.schema) as writer:
        writer.write_batch(batch)


def read_batch(path: str) -> pa.RecordBatch:
    """The batch of write_batch, memory-mapped (not copied); the file is removed at once, its
    pages live as long as the batch's buffers."""
    batch = pa.ipc.open_stream(pa.memory_map(path)).read_next_batch()
    os.unlink(path)
    return batch


def derived_in_order(shards: list[str], runs: Iterable[list[LineRef]], jobs: int) -> Iterator[Derived]:
    """The rows of each run, in order; with jobs > 1 from that many worker processes.

    A worker writes its run's record batches to files in a temporary folder and the build
    maps them: one copy of the rows instead of the half dozen that pickling them through the
    pool's pipe made (serialise, pickle, pipe, unpickle)."""
    if jobs <= 1:
        for refs in runs:
            yield derive(shards, refs)
        return
    import multiprocessing

    folder = tempfile.mkdtemp(prefix="akhbar-build-rows-")
    try:
        # fork where available, as the validator does: the workers start at once, modules loaded.
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else None)
        with context.Pool(jobs, initializer=_worker_init) as pool:
            pending: deque = deque()

            def finish() -> Derived:
                stem, result = pending.popleft()
                split, counts, stats = result.get()
                return Derived(split, {c: read_batch(f"{stem}.{c}.arrow") for c in CONFIGS}, counts, stats)

            for number, refs in enumerate(runs):
                stem = os.path.join(folder, str(number))
                pending.append((stem, pool.apply_async(_work, ((shards, refs, stem),))))
                if len(pending) >= jobs * IN_FLIGHT_PER_WORKER:
                    yield finish()
            while pending:
                yield finish()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def runs_of(refs: Iterable[LineRef], size: int | None = None) -> Iterator[list[LineRef]]:
    """Consecutive refs in runs of `size` (default CHUNK_ARTICLES), never mixing splits."""
    size = size or CHUNK_ARTICLES
    run: list[LineRef] = []
    for ref in refs:
        if run and (len(run) >= size or run[-1][4] != ref[4]):
            yield run
            run = []
        run.append(ref)
    if run:
        yield run
