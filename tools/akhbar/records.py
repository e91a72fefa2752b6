"""Reading and writing JSONL shards: streaming line reads, the strict JSON parse that catches
what lenient parsers accept silently, canonical serialization, and atomic writes."""

from __future__ import annotations

import gc
import json
import math
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import orjson

from akhbar.schema import all_in_canonical_order, canonical_order, fast_is_valid, record_shape

BOM = b"\xef\xbb\xbf"
# Records are a handful of levels deep; anything far deeper is hostile or broken input.
MAX_DEPTH = 32
SURROGATE = re.compile("[\ud800-\udfff]")


def iter_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """(1-based line number, raw line bytes without the final \\n), streamed."""
    with open(path, "rb") as f:
        for number, line in enumerate(f, start=1):
            yield number, line[:-1] if line.endswith(b"\n") else line


@contextmanager
def few_collections() -> Iterator[None]:
    """Run a block with the cyclic garbage collector rarely triggered. Reading records
    creates millions of short-lived, acyclic objects (a parsed record is a tree of dicts
    and lists); with the default thresholds the collector runs every 700 of them,
    rescanning the long-lived objects of the process each time (`datasets` and pyarrow keep
    hundreds of thousands alive in a build): validation took 15% longer, deriving the
    build's rows as much (measured). Those long-lived objects are frozen out of its scans,
    and it runs after 100,000 allocations instead of 700; garbage is still collected."""
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(100_000, 50, 1000)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def dumps_canonical(record: dict) -> bytes:
    """The one serialization of a record: schema key order, UTF-8 unescaped, compact."""
    ordered = canonical_order(record, record_shape())
    try:
        return orjson.dumps(ordered)
    except (TypeError, orjson.JSONEncodeError):
        # Integers beyond 64 bits (which orjson refuses) only occur in records the validator
        # rejects anyway; the standard library writes them exactly, so no value is lost.
        return json.dumps(ordered, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")


@dataclass
class JsonProblem:
    check: str  # a check id from akhbar.diagnostics
    message: str
    column: int | None = None


@dataclass
class ParsedLine:
    ok: bool  # the line is JSON (value may still be anything, null included)
    value: object | None
    canonical: bool  # the line is exactly the canonical serialization of a record
    problems: list[JsonProblem]
    serialized: bytes | None = None  # orjson.dumps(value), when the parse made it
    schema_valid: bool | None = None  # the compiled schema's verdict, when the parse needed it


def parse_line(raw: bytes) -> ParsedLine:
    """Parse one JSONL line (its problems: json-invalid, json-duplicate-key,
    json-nan-infinity, json-lone-surrogate, json-too-deep; raises UnicodeDecodeError for a
    line that is not UTF-8).

    orjson reads every line first. Its reading is the strict one, with nothing to report,
    unless the line holds one of the things the strict parser (parse_strict) exists to
    explain: orjson refuses NaN, infinities and lone surrogates, but it keeps the last of two
    equal keys, reads an integer beyond 64 bits as a float and accepts any nesting up to
    1,024 levels. So a line goes to the strict parser unless it is an object and either
    - it is orjson's own compact serialization of the value (duplicate keys and big integers
      would change it), in schema key order: the line is canonical; or
    - it starts with "{" (the strict parser takes no leading space), has no \\uXXXX escape
      and as many ':' as that serialization (so no key was dropped), has no integer read
      as a float (orjson writes those with an exponent, 'e+'), and passes the compiled
      schema (which allows five levels of nesting at most).
    Both cost about the same: a valid record is read once by orjson whatever its key order
    or spacing.
    """
    try:
        value = orjson.loads(raw)
        serialized = orjson.dumps(value) if type(value) is dict else None
    except (orjson.JSONDecodeError, orjson.JSONEncodeError):  # JSONEncodeError: nesting beyond orjson's limit
        serialized = None
    if serialized is None:
        return parse_strict(raw.decode("utf-8"))
    if serialized == raw and all_in_canonical_order([value], record_shape()):
        return ParsedLine(True, value, True, [], serialized)
    if raw[:1] == b"{" and (serialized == raw or _same_keys_and_numbers(raw, serialized)):
        if fast_is_valid()(value):
            return ParsedLine(True, value, False, [], serialized, schema_valid=True)
    return parse_strict(raw.decode("utf-8"))


def _same_keys_and_numbers(raw: bytes, serialized: bytes) -> bool:
    """orjson read every key and every integer of `raw` as written (see parse_line)."""
    i = raw.find(b"\\")
    while i != -1:
        if raw[i + 1] == 0x75:  # a \u escape: an escaped ':' would not be counted
            return False
        i = raw.find(b"\\", i + 2)
    if raw.count(b":") != serialized.count(b":"):
        return False
    i = serialized.find(b"+")
    while i != -1:
        if serialized[i - 1] == 0x65:  # 'e+': a float of 1e16 or more, maybe an integer literal
            return False
        i = serialized.find(b"+", i + 1)
    return True


def parse_strict(text: str) -> ParsedLine:
    """Parse with the standard library, reporting every ambiguity instead of resolving it:
    json-invalid, json-duplicate-key, json-nan-infinity, json-lone-surrogate, json-too-deep."""
    problems: list[JsonProblem] = []

    def pairs_hook(pairs):
        seen = set()
        for key, _ in pairs:
            if key in seen:
                problems.append(JsonProblem("json-duplicate-key", f'duplicate key "{key}" in one object'))
            seen.add(key)
        return dict(pairs)

    def constant_hook(name):
        problems.append(JsonProblem("json-nan-infinity", f"{name} is not valid JSON"))
        return None

    decoder = json.JSONDecoder(object_pairs_hook=pairs_hook, parse_constant=constant_hook)
    try:
        value, end = decoder.raw_decode(text)
        rest = text[end:]
        if rest.strip():
            column = end + len(rest) - len(rest.lstrip()) + 1
            return ParsedLine(False, None, False, [JsonProblem("json-invalid", "extra data after the JSON value", column)])
    except json.JSONDecodeError as exc:
        return ParsedLine(False, None, False, [JsonProblem("json-invalid", exc.msg, exc.colno)])
    except RecursionError:
        return ParsedLine(False, None, False, [JsonProblem("json-too-deep", f"nesting deeper than {MAX_DEPTH} levels")])
    except ValueError as exc:  # e.g. an integer literal of more than 4300 digits
        return ParsedLine(False, None, False, [JsonProblem("json-invalid", str(exc).split(";")[0])])

    depth, surrogate, non_finite = _walk(value)
    if non_finite:
        problems.append(JsonProblem("json-nan-infinity", "a number overflows to infinity"))
    if depth > MAX_DEPTH:
        problems.append(JsonProblem("json-too-deep", f"nesting {depth} levels deep (limit {MAX_DEPTH})"))
    if surrogate:
        problems.append(JsonProblem("json-lone-surrogate", f"a string holds the lone surrogate U+{surrogate:04X}"))
    return ParsedLine(True, value, False, problems)


def _walk(value) -> tuple[int, int | None, bool]:
    """Maximum nesting depth, the first lone surrogate in any string or key, and whether a
    number overflowed to infinity (1e400). Iterative: hostile input must not exhaust the
    Python stack."""
    max_depth, surrogate, non_finite = 0, None, False
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            max_depth = max(max_depth, depth)
            for key, child in node.items():
                surrogate = surrogate or _lone_surrogate(key)
                stack.append((child, depth + 1))
        elif isinstance(node, list):
            max_depth = max(max_depth, depth)
            stack.extend((child, depth + 1) for child in node)
        elif isinstance(node, str):
            surrogate = surrogate or _lone_surrogate(node)
        elif isinstance(node, float) and not math.isfinite(node):
            non_finite = True
    return max_depth, surrogate, non_finite


def max_depth(value) -> int:
    return _walk(value)[0]


def _lone_surrogate(s: str) -> int | None:
    found = SURROGATE.search(s)
    return ord(found.group()) if found else None


def atomic_write(path: Path, chunks: Iterable[bytes]) -> None:
    """Write `chunks` to `path` through a temporary file in the same folder and a rename, so
    a failure at any point (exception, full disk, kill) leaves the old file as it was."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            for chunk in chunks:
                f.write(chunk)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, path.stat().st_mode & 0o7777 if path.exists() else 0o644)
        os.replace(tmp, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_records(path: Path, records: Iterable[dict]) -> None:
    """Write records to a shard in canonical form, atomically (caller sorts them)."""
    atomic_write(path, (dumps_canonical(r) + b"\n" for r in records))
