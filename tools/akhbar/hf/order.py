"""The records of each split in id order: where their lines are, and reading them back.

A line is named by (shard number, byte offset, length, id, split), read off the start of a
canonical line without parsing the record (any other line is parsed); whoever derives the
rows reads and parses the records of the lines it is given.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import orjson

from akhbar import labels

# A line's place: (shard number, byte offset, length, article id, split).
LineRef = tuple[int, int, int, str, str]

# A canonical line (what `akhbar fmt` writes and the schema's key order) starts with its id,
# schema version and split; strings without a backslash are their own JSON.
_KEYS = re.compile(rb'\{"id":"([^"\\]*)","schema_version":"[^"\\]*","split":"([^"\\]*)"')


def line_keys(path: Path) -> Iterator[tuple[int, int, str, str]]:
    """(byte offset, length, id, split) of every non-blank line of a shard."""
    offset = 0
    with open(path, "rb") as f:
        for line in f:
            key = _KEYS.match(line)
            if key:
                yield offset, len(line), key[1].decode("utf-8"), key[2].decode("utf-8")
            elif line.strip():
                record = orjson.loads(line)
                yield offset, len(line), record["id"], record["split"]
            offset += len(line)


def index(shards: list[Path]) -> dict[str, list[LineRef]]:
    """split -> the places of its lines, sorted by id (whatever the shards and their order)."""
    by_split: dict[str, list[LineRef]] = {s: [] for s in labels.splits()}
    for number, shard in enumerate(shards):
        for offset, length, article_id, split in line_keys(shard):
            by_split[split].append((number, offset, length, article_id, split))
    for refs in by_split.values():
        refs.sort(key=lambda ref: ref[3])
    return by_split


def read_records(shards: list[str], refs: list[LineRef]) -> Iterator[dict]:
    """The records of `refs`, in that order."""
    with ExitStack() as opened:
        files = {}
        for number, offset, length, article_id, split in refs:
            if number not in files:
                files[number] = opened.enter_context(open(shards[number], "rb"))
            f = files[number]
            f.seek(offset)
            record = orjson.loads(f.read(length))
            # The line was found by its id and split without parsing it; a validated record
            # cannot disagree, but a row is never written under the wrong article.
            if record["id"] != article_id or record["split"] != split:
                raise RuntimeError(f"{shards[number]} at byte {offset}: expected {article_id} ({split}), "
                                   f"read {record['id']} ({record['split']})")
            yield record
