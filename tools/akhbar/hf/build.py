"""`akhbar build`: validate the corpus, then write the dataset folder.

Files: the records of each split, in id order (akhbar.hf.order), are cut into parts of
ARTICLES_PER_FILE articles. Each part becomes one parquet file per config, written by one
process with a `pyarrow.parquet.ParquetWriter`: the part's records are read and turned into
record batches RUN_ARTICLES at a time, and the batches of ROW_GROUP_ARTICLES articles are
written as one row group (large row groups compress much better). Parts are written
by worker processes when there are several cores; a part's files do not depend on which
process wrote it or on how many there are. A config's parts of a split are then named the
way the Hub names shards, `data/ner/train-00000-of-00008.parquet`; parts without rows are
left out.

Memory: a run of records and a row group's record batches per worker, whatever the size of
the corpus.

Determinism: rows in (split, article id, position in the article) order, parquet written
with fixed options by the installed pyarrow, the card and Croissant from the counts, no
timestamps, no absolute paths. Two builds of the same corpus give the same bytes.

Atomicity: everything is written to a temporary folder beside the output and renamed into
place at the end; a failure leaves the previous build as it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from akhbar import __version__, labels
from akhbar.diagnostics import Diagnostic
from akhbar.errors import UserError
from akhbar.hf import CONFIGS
from akhbar.hf.buildstats import BuildStats
from akhbar.hf.order import LineRef, index, read_records
from akhbar.hf.rows import arrow_schemas, record_batches
from akhbar.paths import default_shards, project_root
from akhbar.provenance import sha256_file
from akhbar.records import few_collections
from akhbar.validate import Summary, validate_paths

ARTICLES_PER_FILE = 1000  # articles whose rows go to one file of each config
ROW_GROUP_ARTICLES = 500  # articles whose rows make one row group of a file
RUN_ARTICLES = 50  # articles read and turned into rows at once
# zstd level 7: files within 0.1% of level 9's size for 14% less encoding time (measured).
PARQUET_OPTIONS = {"compression": "zstd", "compression_level": 7, "write_statistics": True}
# What a build folder holds; an existing --out folder with anything else is not replaced.
BUILD_ENTRIES = {"README.md", "croissant.json", "LICENSE.md", "data"}
# Below this much JSONL the parts are written in this process: starting workers costs more.
PARALLEL_MIN_BYTES = 4 << 20


class BuildError(UserError):
    """A problem the user can fix (no corpus, an output folder that is not a build)."""


@dataclass
class BuildResult:
    out: Path
    stats: BuildStats
    summary: Summary


@dataclass
class Part:
    """ARTICLES_PER_FILE consecutive articles of one split, and where to write their rows."""

    split: str
    number: int
    refs: list[LineRef]

    def path(self, config: str) -> str:
        return f"data/{config}/.{self.split}-{self.number:05d}.parquet"


def write_part(folder: str, shards: list[str], part: Part, sizes: tuple[int, int],
               schemas: dict[str, pa.Schema]) -> BuildStats:
    """Write the part's file of every config under `folder`; its counts. `sizes`: articles
    per row group, and per run turned into rows at once (ROW_GROUP_ARTICLES, RUN_ARTICLES);
    `schemas`: `rows.arrow_schemas()`."""
    group_articles, run_articles = sizes
    stats = BuildStats()
    writers = {c: pq.ParquetWriter(os.path.join(folder, part.path(c)), schemas[c], **PARQUET_OPTIONS)
               for c in CONFIGS}
    try:
        with few_collections():
            for group in _chunks(part.refs, group_articles):
                batches: dict[str, list[pa.RecordBatch]] = {c: [] for c in CONFIGS}
                for run in _chunks(group, run_articles):
                    records = list(read_records(shards, run))
                    for record in records:
                        stats.add_record(record)
                    for config, batch in record_batches(records, schemas).items():
                        batches[config].append(batch)
                for config, writer in writers.items():
                    table = pa.Table.from_batches(batches[config], schema=schemas[config])
                    if table.num_rows:  # a row group without rows would make readers fail
                        writer.write_table(table, row_group_size=table.num_rows)  # one row group
                        stats.add_rows(config, part.split, table.num_rows, table.nbytes)
                stats.tokens[part.split] += sum(len(b.column("tokens").flatten()) for b in batches["ner"])
    finally:
        for writer in writers.values():
            writer.close()
    return stats


def _chunks(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def _parts(shards: list[Path]) -> list[Part]:
    return [Part(split, number, chunk) for split, refs in index(shards).items()
            for number, chunk in enumerate(_chunks(refs, ARTICLES_PER_FILE))]


def _written(folder: Path, shards: list[Path], jobs: int) -> list[tuple[Part, BuildStats]]:
    """Every part written, with its counts, in part order; by `jobs` worker processes when
    the corpus is large enough."""
    paths, schemas = [str(p) for p in shards], arrow_schemas()

    def task(part: Part) -> tuple:
        return str(folder), paths, part, (ROW_GROUP_ARTICLES, RUN_ARTICLES), schemas

    if jobs <= 1 or sum(p.stat().st_size for p in shards) < PARALLEL_MIN_BYTES:
        return [(part, write_part(*task(part))) for part in _parts(shards)]
    import importlib
    import multiprocessing

    # Workers start as fresh processes (spawn), which take the environment as it is now
    # (`akhbar build` sets MALLOC_ARENA_MAX and the Arrow memory pool there). They load this
    # module while the parts are found; it does not import `datasets` (the card's and the
    # features' library, a second of CPU per process): they are handed the Arrow schemas.
    with multiprocessing.get_context("spawn").Pool(jobs, importlib.import_module, (__name__,)) as pool:
        parts = _parts(shards)
        written = pool.starmap(write_part, map(task, parts), chunksize=1)
    return list(zip(parts, written, strict=True))


def _write_splits(tmp: Path, shards: list[Path], stats: BuildStats, jobs: int) -> None:
    """Every config's files of every split (the parts with rows, named as Hub shards)."""
    for config in CONFIGS:
        (tmp / "data" / config).mkdir(parents=True)
    written = _written(tmp, shards, jobs)
    for config in CONFIGS:
        for split in labels.splits():
            kept = [part for part, counts in written if part.split == split and counts.rows[(config, split)]]
            names = [f"data/{config}/{split}-{k:05d}-of-{len(kept):05d}.parquet" for k in range(len(kept))]
            for part, name in zip(kept, names, strict=True):
                os.replace(tmp / part.path(config), tmp / name)
                stats.sha256[name] = sha256_file(tmp / name)
                stats.sizes[name] = (tmp / name).stat().st_size
            # Split policy: `datasets` cannot load a split without rows (one empty split makes
            # the whole DatasetDict fail, huggingface/datasets#8401), so a split is published
            # in a config only when it has rows, and a config only when it has a split. The
            # card, the YAML and Croissant list the same files.
            if names:
                stats.parts[(config, split)] = names
        for part, _ in written:  # the parts without rows (the others were renamed above)
            (tmp / part.path(config)).unlink(missing_ok=True)
        if not any((tmp / "data" / config).iterdir()):
            (tmp / "data" / config).rmdir()
    for _, counts in written:
        stats.merge(counts)


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
    the corpus and then write the parts (one process below PARALLEL_MIN_BYTES of JSONL);
    the output does not depend on it. The part writers are spawned, so a script that calls
    this with jobs > 1 must guard its entry point (`if __name__ == "__main__":`)."""
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
        _write_splits(tmp, shards, stats, jobs)
        from akhbar.hf import card, croissant  # `datasets`: see _written

        card.write_card(tmp, stats, root)
        croissant.write_croissant(tmp, stats)
        _replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return BuildResult(out, stats, summary)
