"""`akhbar build`: validate the corpus, then stream it into the dataset folder.

Order: the records of each split are read in id order (sorted shards merged as they stream,
otherwise through an index of (id, shard, offset)), so the output does not depend on how the
articles are spread over shards or ordered inside them. The lines are found by their id and
split alone; runs of them are parsed and turned into rows by worker processes
(akhbar.hf.parallel) and come back in order as Arrow record batches, which this process
writes.

Memory: a few runs of articles in flight per worker, plus a row group per config.

Determinism: rows in (split, article id, position in the article) order, parquet written
with fixed options by the installed pyarrow, JSON with sorted-free fixed key order, no
timestamps, no absolute paths. Two builds of the same corpus give the same bytes.

Atomicity: everything is written to a temporary folder beside the output and renamed into
place at the end; a failure leaves the previous build as it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from akhbar import __version__, labels
from akhbar.diagnostics import ERROR, Diagnostic
from akhbar.hf import CONFIGS
from akhbar.hf import features as F
from akhbar.hf.arrow import fresh_nbytes
from akhbar.hf.buildstats import BuildStats
from akhbar.hf.order import index, merged
from akhbar.hf.parallel import derived_in_order, runs_of
from akhbar.paths import default_shards, project_root
from akhbar.provenance import sha256_file
from akhbar.records import few_collections
from akhbar.validate import Summary, validate_paths

# Rows are batched by article: a batch closes once it holds BATCH_ROWS rows or more. The
# batches are no longer built row by row, but `num_bytes` in the card is the sum of their
# in-memory sizes and their boundaries are where the parquet writer receives new chunks,
# so they are kept exactly as they were (same bytes).
BATCH_ROWS = 512
# Rows per parquet row group, per config. The writer keeps the metadata of every row group
# (every column chunk) in memory until the file closes, so 512-row groups made peak memory
# grow with the corpus (about +90 MB from 1k to 10k articles); small rows wait in compact
# Arrow tables to form large groups. An article row is a whole record, so its groups stay
# one batch.
ROW_GROUP_ROWS = {"articles": BATCH_ROWS}
DEFAULT_ROW_GROUP_ROWS = 16384
# Row groups per parquet file. The writer keeps the metadata of every row group until its
# file closes (measured: 37 MB for the train files of 100,000 articles, one tenth of that at
# 10,000), so a split with more groups is written as several files, the way large Hub
# datasets are: `train-00000-of-00003.parquet`... A split that fits in one file keeps the
# name `train.parquet`.
MAX_ROW_GROUPS_PER_FILE = 32
PARQUET_OPTIONS = {"compression": "zstd", "compression_level": 9, "write_statistics": True}
# What a build folder holds; an existing --out folder with anything else is not replaced.
BUILD_ENTRIES = {"README.md", "croissant.json", "LICENSE.md", "data"}
# Below this much JSONL the rows are derived in this process: starting workers costs more.
PARALLEL_MIN_BYTES = 4 << 20


class BuildError(Exception):
    """A problem the user can fix (no corpus, an output folder that is not a build)."""


@dataclass
class BuildResult:
    out: Path
    stats: BuildStats
    summary: Summary


def data_path(config: str, split: str) -> str:
    """The file of a split written as one file."""
    return f"data/{config}/{split}.parquet"


def part_path(config: str, split: str, index: int, count: int) -> str:
    """The index-th of the `count` files of a split written as several."""
    return f"data/{config}/{split}-{index:05d}-of-{count:05d}.parquet"


def split_files(stats, config: str, split: str) -> list[str]:
    """The files (relative paths) holding a split's rows, in row order (the build records
    them for every config and split as its writers close)."""
    return stats.parts[(config, split)]


def split_pattern(config: str, split: str, files: list[str]) -> str:
    """What the card's `data_files` and Croissant name a split by: its file, or a glob
    matching exactly its parts."""
    return files[0] if len(files) == 1 else f"data/{config}/{split}-*-of-*.parquet"


_ENCODING = threading.BoundedSemaphore(2)


class _Writer:
    """Writes one config's rows of one split to a parquet file with the declared schema
    (ClassLabel names travel in the schema's `huggingface` metadata). Rows arrive as record
    batches with their count per article; they are regrouped into the batches of BATCH_ROWS
    (by article) and the row groups of exactly `group_rows` rows that the build has always
    written, so the bytes do not depend on how the rows were derived."""

    def __init__(self, root: Path, config: str, split: str, background: Executor | None = None):
        self.schema = F.arrow_schema(config)
        self.root, self.config, self.split = root, config, split
        # Files are written under temporary names and named when the split is complete
        # (how many there are is known only then).
        self.paths: list[Path] = []
        self.files: list[str] = []  # the final relative paths, set when the writer closes
        self.groups_in_file = 0
        self.writer = self._open()
        # Encoding and compressing a row group (most of this process's work) can run in a
        # thread while rows keep arriving: pyarrow releases the GIL there. One thread per
        # config, so each file's row groups are written in order (and the files of one
        # config one after the other); one at a time per file, so that no more than one row
        # group per file waits in memory.
        self.background = background
        self.writes: deque[Future] = deque()
        self.group_rows = ROW_GROUP_ROWS.get(config, DEFAULT_ROW_GROUP_ROWS)
        self.incoming: list[pa.RecordBatch] = []  # rows received, not yet in a batch
        self.batch_rows = 0  # rows of the batch being formed
        self.pending: list[pa.Table] = []  # batches waiting to form a row group
        self.pending_rows = 0
        self.count = 0
        self.nbytes = 0  # in-memory Arrow size, what `datasets` reports as a split's num_bytes

    def add(self, batch: pa.RecordBatch, counts: list[int]) -> None:
        """Rows of consecutive articles; counts[i] is how many the i-th article gave."""
        if batch.num_rows:
            self.incoming.append(batch)
        for n in counts:
            self.batch_rows += n
            if self.batch_rows >= BATCH_ROWS:
                self._close_batch()

    def _close_batch(self) -> None:
        rows = self.batch_rows
        table = pa.Table.from_batches(self.incoming, schema=self.schema)
        part, rest = table.slice(0, rows), table.slice(rows)
        self.incoming = rest.to_batches() if rest.num_rows else []
        self.batch_rows = 0
        # Size as `pa.Table.from_pylist` would build this batch; then one chunk per column,
        # as the batch was.
        self.nbytes += fresh_nbytes(column.chunks for column in part.columns)
        self.pending.append(part.combine_chunks())
        self.pending_rows += rows
        self.count += rows
        if self.pending_rows >= self.group_rows:
            # Groups of exactly group_rows rows (the file's last one shorter), however the
            # batches fell: the bytes do not depend on how rows arrived.
            table = pa.concat_tables(self.pending)
            full = table.num_rows - table.num_rows % self.group_rows
            self._write(table.slice(0, full))
            rest = table.slice(full)
            self.pending = [rest] if rest.num_rows else []
            self.pending_rows = rest.num_rows

    def _open(self) -> pq.ParquetWriter:
        path = self.root / f"data/{self.config}/.{self.split}-{len(self.paths):05d}.parquet.part"
        self.paths.append(path)
        return pq.ParquetWriter(path, self.schema, **PARQUET_OPTIONS)

    def _write(self, table: pa.Table) -> None:
        if self.background is None:
            self._write_groups(table)
            return
        self.writes.append(self.background.submit(self._encode, table))
        while len(self.writes) > 1:
            self.writes.popleft().result()

    def _encode(self, table: pa.Table) -> None:
        # At most two row groups are encoded at once (the cores there are): each holds
        # encoding buffers of tens of megabytes.
        with _ENCODING:
            self._write_groups(table)

    def _write_groups(self, table: pa.Table) -> None:
        """Write whole row groups, starting a new file after MAX_ROW_GROUPS_PER_FILE."""
        while table.num_rows:
            if self.groups_in_file == MAX_ROW_GROUPS_PER_FILE:
                self.writer.close()
                self.writer = self._open()
                self.groups_in_file = 0
            take = min(table.num_rows, (MAX_ROW_GROUPS_PER_FILE - self.groups_in_file) * self.group_rows)
            self.writer.write_table(table.slice(0, take), row_group_size=self.group_rows)
            self.groups_in_file += -(-take // self.group_rows)
            table = table.slice(take)

    def _close_file(self) -> None:
        self.writer.close()
        count = len(self.paths)
        for number, path in enumerate(self.paths):
            rel = data_path(self.config, self.split) if count == 1 else part_path(self.config, self.split, number, count)
            os.replace(path, self.root / rel)
            self.files.append(rel)

    def finish(self) -> Future | None:
        """Write what is left and close the file, in the background when there is one: the
        future of the closed file (None when it is closed already)."""
        if self.batch_rows:
            self._close_batch()
        if self.pending:
            self._write(pa.concat_tables(self.pending))
            self.pending = []
        # An empty split is a file with the full schema and no row group: `datasets` loads it
        # as zero rows (a zero-row row group would make its reader fail; see the split policy).
        if self.background is None:
            self._close_file()
            return None
        writes, self.writes = list(self.writes), deque()
        return self.background.submit(self._close_after, writes)

    def _close_after(self, writes: list[Future]) -> None:
        try:
            for write in writes:
                write.result()
        finally:
            self._close_file()

    def close(self) -> int:
        done = self.finish()
        if done is not None:
            done.result()
        return self.count


def _check_out(out: Path) -> None:
    if out.exists():
        if not out.is_dir():
            raise BuildError(f"{out} exists and is not a folder")
        unexpected = sorted(p.name for p in out.iterdir() if p.name not in BUILD_ENTRIES)
        if unexpected:
            raise BuildError(
                f"{out} exists and holds files a build does not write ({', '.join(unexpected[:5])}); "
                "refusing to replace it: choose another --out or empty it"
            )


def _replace(tmp: Path, out: Path) -> None:
    """Put the finished build in place of `out` with renames only."""
    if out.exists():
        old = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.old-"))
        os.replace(out, old / out.name)
        os.replace(tmp, out)
        shutil.rmtree(old)
    else:
        os.replace(tmp, out)


def build(
    out: Path,
    root: Path | None = None,
    on_diagnostic: Callable[[Diagnostic], None] | None = None,
    jobs: int = 1,
) -> BuildResult | None:
    """Validate and build. Returns None (after passing every diagnostic to `on_diagnostic`)
    when the corpus has errors; nothing is written then. `jobs` worker processes validate
    the corpus and then derive the rows (one process below PARALLEL_MIN_BYTES of JSONL);
    the output does not depend on it."""
    from akhbar.hf import card, croissant

    root = root or project_root()
    shards = default_shards(root)
    if not shards:
        raise BuildError(f"no shards found under {root / 'corpus'}")
    out = Path(out)
    _check_out(out)

    summary = Summary()
    for diagnostic in validate_paths(shards, root, summary, jobs=jobs):
        if on_diagnostic:
            on_diagnostic(diagnostic)
    if summary.errors:
        return None

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.tmp-"))
    try:
        os.chmod(tmp, 0o755)
        stats = BuildStats()
        version_file = root / "corpus" / "VERSION"
        if version_file.is_file():
            stats.version = version_file.read_text(encoding="utf-8").strip() or __version__
        _write_splits(tmp, shards, stats, summary, jobs)
        for config in CONFIGS:
            for split in labels.splits():
                for rel in split_files(stats, config, split):
                    if stats.rows[(config, split)]:
                        stats.files[rel] = sha256_file(tmp / rel)
                        stats.sizes[rel] = (tmp / rel).stat().st_size
                    else:
                        # Split policy: `datasets` cannot load a split without rows (one empty
                        # split makes the whole DatasetDict fail, huggingface/datasets#8401), so
                        # a split is published in a config only when it has rows, and a config
                        # only when it has a split. The card, the YAML and Croissant list the
                        # same files.
                        (tmp / rel).unlink()
            folder = tmp / "data" / config
            if not any(folder.iterdir()):
                folder.rmdir()
        card.write_card(tmp, stats, root)
        croissant.write_croissant(tmp, stats)
        _replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return BuildResult(out, stats, summary)


def _write_splits(tmp: Path, shards: list[Path], stats: BuildStats, summary: Summary, jobs: int) -> None:
    """Every config's parquet file of every split (empty ones included), and the counts."""
    # Sorted shards (the validator warns about any that is not) are merged by id as they
    # stream; otherwise an index of (id, shard, offset) puts the records in order.
    by_split = index(shards) if summary.by_check.get("records-not-sorted") else None
    refs = (ref for split in labels.splits() for ref in (by_split[split] if by_split else merged(shards, split)))
    total = sum(path.stat().st_size for path in shards)
    workers = jobs if total >= PARALLEL_MIN_BYTES else 1
    results = derived_in_order([str(p) for p in shards], runs_of(refs), workers)
    background = {c: ThreadPoolExecutor(1, thread_name_prefix=f"akhbar-{c}") for c in CONFIGS}
    closing: list[Future] = []
    finished: list[tuple[str, str, _Writer]] = []
    try:
        with few_collections():
            derived = next(results, None)
            for split in labels.splits():
                writers = {}
                for config in CONFIGS:
                    (tmp / data_path(config, split)).parent.mkdir(parents=True, exist_ok=True)
                    writers[config] = _Writer(tmp, config, split, background[config])
                    finished.append((config, split, writers[config]))
                try:
                    while derived is not None and derived.split == split:
                        stats.merge(derived.stats)
                        for config, writer in writers.items():
                            writer.add(derived.batches[config], derived.counts[config])
                        derived = next(results, None)
                finally:
                    # The files of this split are finished in the background while the next
                    # split's rows arrive.
                    for config, writer in writers.items():
                        closing.append(writer.finish())
                        stats.rows[(config, split)] = writer.count
                        stats.nbytes[(config, split)] = writer.nbytes
            if derived is not None:  # pragma: no cover - splits come in labels.splits() order
                raise RuntimeError(f"rows of split {derived.split} arrived out of order")
    finally:
        results.close()
        for executor in background.values():
            executor.shutdown(wait=True)
    for done in closing:
        if done is not None:
            done.result()  # a failed write fails the build
    for config, split, writer in finished:
        stats.parts[(config, split)] = writer.files


def is_error(diagnostic: Diagnostic) -> bool:
    return diagnostic.level == ERROR
