"""`akhbar build`: validate the corpus, then stream it into the dataset folder.

Memory: one record at a time, plus a batch of rows per config and an index of (split, id,
file, byte offset) per article (tens of bytes each, like the validator's id set). The
records are read in id order through that index, so the output does not depend on how the
articles are spread over shards or ordered inside them.

Determinism: rows in (split, article id, position in the article) order, parquet written
with fixed options by the installed pyarrow, JSON with sorted-free fixed key order, no
timestamps, no absolute paths. Two builds of the same corpus give the same bytes.

Atomicity: everything is written to a temporary folder beside the output and renamed into
place at the end; a failure leaves the previous build as it was.
"""

from __future__ import annotations

import heapq
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from akhbar import __version__, labels
from akhbar.checks import sha256_file
from akhbar.diagnostics import ERROR, Diagnostic
from akhbar.hf import CONFIGS
from akhbar.hf import features as F
from akhbar.hf.rows import rows as record_rows
from akhbar.paths import default_shards, project_root
from akhbar.validate import Summary, validate_paths

BATCH_ROWS = 512  # rows held as Python objects before they become an Arrow table
# Rows per parquet row group, per config. The writer keeps the metadata of every row group
# (every column chunk) in memory until the file closes, so 512-row groups made peak memory
# grow with the corpus (about +90 MB from 1k to 10k articles); small rows wait in compact
# Arrow tables to form large groups. An article row is a whole record, so its groups stay
# one batch.
ROW_GROUP_ROWS = {"articles": BATCH_ROWS}
DEFAULT_ROW_GROUP_ROWS = 16384
PARQUET_OPTIONS = {"compression": "zstd", "compression_level": 9, "write_statistics": True}
# What a build folder holds; an existing --out folder with anything else is not replaced.
BUILD_ENTRIES = {"README.md", "croissant.json", "LICENSE.md", "data"}


class BuildError(Exception):
    """A problem the user can fix (no corpus, an output folder that is not a build)."""


@dataclass
class BuildStats:
    """What the card and Croissant need to know, gathered while streaming."""

    articles: Counter = field(default_factory=Counter)  # split -> articles
    rows: dict = field(default_factory=dict)  # (config, split) -> rows
    nbytes: dict = field(default_factory=dict)  # (config, split) -> in-memory Arrow bytes
    files: dict = field(default_factory=dict)  # relative path -> sha256
    sizes: dict = field(default_factory=dict)  # relative path -> bytes
    text_licenses: Counter = field(default_factory=Counter)
    annotation_licenses: Counter = field(default_factory=Counter)
    publishers: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    entity_types: Counter = field(default_factory=Counter)  # (split, type) -> mentions
    quote_types: Counter = field(default_factory=Counter)
    event_categories: Counter = field(default_factory=Counter)
    tokens: Counter = field(default_factory=Counter)  # split -> tokens
    annotated: Counter = field(default_factory=Counter)  # split -> articles with any annotation
    multi_annotator: int = 0  # articles naming more than one annotator
    guidelines: Counter = field(default_factory=Counter)
    version: str = __version__  # the corpus version (corpus/VERSION), else the tools' version
    latest_update: str | None = None  # the newest annotation.updated: the release date
    schema_versions: Counter = field(default_factory=Counter)

    def add_record(self, record: dict, rows: dict[str, list[dict]]) -> None:
        split = record["split"]
        self.articles[split] += 1
        self.text_licenses[record["license"]["text"]] += 1
        self.annotation_licenses[record["license"]["annotations"]] += 1
        self.publishers[record["source"]["publisher"]] += 1
        self.statuses[record["annotation"]["status"]] += 1
        self.guidelines[record["annotation"]["guidelines_version"]] += 1
        self.schema_versions[record["schema_version"]] += 1
        updated = record["annotation"]["updated"]
        if self.latest_update is None or updated > self.latest_update:
            self.latest_update = updated
        if len(record["annotation"]["annotators"]) > 1:
            self.multi_annotator += 1
        if record["entities"] or record["quotes"] or record["events"]:
            self.annotated[split] += 1
        for e in record["entities"]:
            self.entity_types[(split, e["type"])] += len(e["mentions"])
        for q in record["quotes"]:
            self.quote_types[(split, q["type"])] += 1
        for v in record["events"]:
            self.event_categories[(split, v["category"])] += 1
        self.tokens[split] += sum(len(r["tokens"]) for r in rows["ner"])


    def published(self) -> list[tuple[str, list[str]]]:
        """(config, splits with rows) for every config that has rows, in config order."""
        result = []
        for config in CONFIGS:
            splits = [s for s in labels.splits() if self.rows.get((config, s))]
            if splits:
                result.append((config, splits))
        return result


@dataclass
class BuildResult:
    out: Path
    stats: BuildStats
    summary: Summary


def data_path(config: str, split: str) -> str:
    return f"data/{config}/{split}.parquet"


def _merged(shards: list[Path], split: str) -> Iterator[dict]:
    """The records of one split in id order, as a k-way merge of shards that are each sorted
    by id (what `akhbar fmt` writes): memory holds one record per shard, whatever the size
    of the corpus."""

    def stream(path: Path) -> Iterator[dict]:
        with open(path, "rb") as f:
            for line in f:
                if line.strip():
                    record = orjson.loads(line)
                    if record["split"] == split:
                        yield record

    return heapq.merge(*(stream(path) for path in shards), key=lambda record: record["id"])


def _index(shards: list[Path]) -> dict[str, list[tuple[str, int, int]]]:
    """split -> [(article id, shard number, byte offset)], sorted by id."""
    index: dict[str, list[tuple[str, int, int]]] = {s: [] for s in labels.splits()}
    for number, shard in enumerate(shards):
        with open(shard, "rb") as f:
            offset = 0
            for line in f:
                if line.strip():
                    record = orjson.loads(line)
                    index[record["split"]].append((record["id"], number, offset))
                offset += len(line)
    for entries in index.values():
        entries.sort()
    return index


def _records(shards: list[Path], entries: list[tuple[str, int, int]]) -> Iterator[dict]:
    handles: dict[int, object] = {}
    try:
        for _, number, offset in entries:
            f = handles.get(number)
            if f is None:
                f = handles[number] = open(shards[number], "rb")
            f.seek(offset)
            yield orjson.loads(f.readline())
    finally:
        for f in handles.values():
            f.close()


class _Writer:
    """Batches one config's rows of one split into a parquet file with the declared schema
    (ClassLabel names travel in the schema's `huggingface` metadata)."""

    def __init__(self, path: Path, config: str):
        self.features = F.features(config)
        self.schema = self.features.arrow_schema
        # Features.encode_example walks and casts every value of every row in Python; the
        # rows are already plain Python of the declared types, so only the ClassLabel fields
        # need encoding (same result, a fraction of the time).
        self.encode = _encoder(self.features)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.writer = pq.ParquetWriter(path, self.schema, **PARQUET_OPTIONS)
        self.batch: list[dict] = []
        self.group_rows = ROW_GROUP_ROWS.get(config, DEFAULT_ROW_GROUP_ROWS)
        self.pending: list[pa.Table] = []  # converted batches waiting to form a row group
        self.pending_rows = 0
        self.count = 0
        self.nbytes = 0  # in-memory Arrow size, what `datasets` reports as a split's num_bytes

    def add(self, rows: list[dict]) -> None:
        encode = self.encode
        self.batch.extend(encode(r) for r in rows)
        if len(self.batch) >= BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        if self.batch:
            table = pa.Table.from_pylist(self.batch, schema=self.schema)
            self.pending.append(table)
            self.pending_rows += table.num_rows
            self.count += len(self.batch)
            self.nbytes += table.nbytes
            self.batch = []
        if self.pending_rows >= self.group_rows:
            # Groups of exactly group_rows rows (the file's last one shorter), however the
            # batches fell: the bytes do not depend on how rows arrived.
            table = pa.concat_tables(self.pending)
            full = table.num_rows - table.num_rows % self.group_rows
            self.writer.write_table(table.slice(0, full), row_group_size=self.group_rows)
            rest = table.slice(full)
            self.pending = [rest] if rest.num_rows else []
            self.pending_rows = rest.num_rows

    def close(self) -> int:
        self.flush()
        if self.pending:
            self.writer.write_table(pa.concat_tables(self.pending), row_group_size=self.group_rows)
            self.pending = []
        # An empty split is a file with the full schema and no row group: `datasets` loads it
        # as zero rows (a zero-row row group would make its reader fail; see the split policy).
        self.writer.close()
        return self.count


def _encoder(feature) -> Callable:
    """A function doing what `feature.encode_example` does to rows built by rows.py: label
    strings to ClassLabel ids; everything else is passed through untouched."""
    from datasets import ClassLabel, Features, List, Sequence

    def needs(f) -> bool:
        if isinstance(f, ClassLabel):
            return True
        if isinstance(f, dict | Features):
            return any(needs(v) for v in f.values())
        if isinstance(f, List | Sequence):
            return needs(f.feature)
        return False

    def build(f) -> Callable | None:
        if not needs(f):
            return None
        if isinstance(f, ClassLabel):
            ids = {name: i for i, name in enumerate(f.names)}

            def label(value):
                if isinstance(value, str):
                    return ids[value] if value in ids else f.encode_example(value)
                return value if value is None else f.encode_example(value)

            return label
        if isinstance(f, List | Sequence):
            item = build(f.feature)
            return lambda values: values if values is None else [item(v) for v in values]
        fields = [(k, build(v)) for k, v in f.items()]
        active = [(k, enc) for k, enc in fields if enc is not None]

        def record(value):
            if value is None:
                return None
            out = dict(value)
            for k, enc in active:
                if k in out:
                    out[k] = enc(out[k])
            return out

        return record

    return build(feature) or (lambda row: row)


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
    when the corpus has errors; nothing is written then. `jobs` is passed to the validator.
    Rows are derived in this process: handing them over from workers was measured slower on
    2 cores (the encoding and Arrow conversion here are the bottleneck; docs/performance.md)."""
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
        # Sorted shards (the validator warns about any that is not) are merged by id as they
        # stream; otherwise an index of (id, shard, offset) puts the records in order.
        index = _index(shards) if summary.by_check.get("records-not-sorted") else None
        for split in labels.splits():
            writers = {c: _Writer(tmp / data_path(c, split), c) for c in CONFIGS}
            try:
                for record in (_records(shards, index[split]) if index else _merged(shards, split)):
                    produced = record_rows(record)
                    stats.add_record(record, produced)
                    for config, writer in writers.items():
                        writer.add(produced[config])
            finally:
                for config, writer in writers.items():
                    stats.rows[(config, split)] = writer.close()
                    stats.nbytes[(config, split)] = writer.nbytes
        for config in CONFIGS:
            for split in labels.splits():
                rel = data_path(config, split)
                if stats.rows[(config, split)]:
                    stats.files[rel] = sha256_file(tmp / rel)
                    stats.sizes[rel] = (tmp / rel).stat().st_size
                else:
                    # Split policy: `datasets` cannot load a split without rows (one empty split
                    # makes the whole DatasetDict fail, huggingface/datasets#8401), so a split
                    # is published in a config only when it has rows, and a config only when
                    # it has a split. The card, the YAML and Croissant list the same files.
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


def is_error(diagnostic: Diagnostic) -> bool:
    return diagnostic.level == ERROR
