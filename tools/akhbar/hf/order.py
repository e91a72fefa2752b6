"""The records of each split in id order, found by where their lines are.

A line is named by (shard number, byte offset, length, id, split), read off the start of a
canonical line without parsing the record; the records themselves are parsed by whoever
derives their rows (akhbar.hf.parallel). Sorted shards are merged as they stream; an
unsorted one goes through an index of every line (the validator warns about it).
"""

from __future__ import annotations

import heapq
import mmap
import os
import re
from collections.abc import Iterator
from pathlib import Path

import orjson

from akhbar import labels

# A line's place: (shard number, byte offset, length, article id, split).
LineRef = tuple[int, int, int, str, str]

# A canonical line (what `akhbar fmt` writes and the schema's key order) starts with its id,
# schema version and split; strings without a backslash are their own JSON.
_KEYS = re.compile(rb'\{"id":"([^"\\]*)","schema_version":"[^"\\]*","split":"([^"\\]*)"')
SCAN_BLOCK = 8 << 20  # pages of a shard given back after each this many bytes scanned


def line_keys(path: Path) -> Iterator[tuple[int, int, str, str]]:
    """(byte offset, length, id, split) of every non-blank line of a shard. The id and split
    come from the start of a canonical line without parsing the record (tens of kilobytes);
    any other line is parsed. The file is mapped, not read: only the pages holding newlines
    and line starts are touched, and they are given back as the scan moves on (a mapped page
    counts in the process's resident memory)."""
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if not size:
            return
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            pos = released = 0
            while pos < size:
                nl = mapped.find(b"\n", pos)
                end = size if nl == -1 else nl + 1
                key = _KEYS.match(mapped, pos, end)
                if key:
                    yield pos, end - pos, key.group(1).decode("utf-8"), key.group(2).decode("utf-8")
                elif mapped[pos:end].strip():
                    record = orjson.loads(mapped[pos:end])
                    yield pos, end - pos, record["id"], record["split"]
                pos = end
                if pos - released >= SCAN_BLOCK and hasattr(mmap, "MADV_DONTNEED"):
                    upto = pos - pos % mmap.PAGESIZE
                    mapped.madvise(mmap.MADV_DONTNEED, released, upto - released)
                    released = upto


def merged(shards: list[Path], split: str) -> Iterator[LineRef]:
    """The lines of one split in id order, as a k-way merge of shards that are each sorted
    by id (what `akhbar fmt` writes): memory holds one line's place per shard, whatever the
    size of the corpus."""

    def stream(number: int, path: Path) -> Iterator[LineRef]:
        for offset, length, article_id, line_split in line_keys(path):
            if line_split == split:
                yield number, offset, length, article_id, line_split

    return heapq.merge(*(stream(n, path) for n, path in enumerate(shards)), key=lambda ref: ref[3])


def index(shards: list[Path]) -> dict[str, list[LineRef]]:
    """split -> the places of its lines, sorted by id."""
    index: dict[str, list[LineRef]] = {s: [] for s in labels.splits()}
    for number, shard in enumerate(shards):
        for offset, length, article_id, split in line_keys(shard):
            index[split].append((number, offset, length, article_id, split))
    for entries in index.values():
        entries.sort(key=lambda ref: ref[3])
    return index
