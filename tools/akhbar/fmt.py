"""Canonical form of shards: `akhbar fmt`.

Canonical means: one record per line in schema key order, UTF-8 without ASCII escapes,
compact separators, LF line ends, a final newline, no BOM, no blank lines, records sorted by
id. fmt only re-serializes: it never changes a value, so it cannot change an annotation.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from akhbar.diagnostics import Diagnostic
from akhbar.records import BOM, atomic_write, dumps_canonical, iter_lines, parse_line
from akhbar.validate import display_path


@dataclass
class FormatResult:
    path: Path
    changed: bool  # the file is (check) or was (write) not in canonical form
    refused: list[Diagnostic]  # why the file was left untouched; empty when it was handled


def canonical_bytes(path: Path) -> tuple[bytes | None, list[Diagnostic]]:
    """The canonical content of a shard, or None with the reasons it cannot be formatted
    without losing or guessing data (undecodable bytes, lines that are not JSON objects,
    duplicate keys, NaN ...)."""
    name = display_path(path)
    problems: list[Diagnostic] = []
    records: list[tuple[str, int, dict]] = []
    for number, raw in iter_lines(path):
        if number == 1 and raw.startswith(BOM):
            raw = raw[len(BOM):]
        raw = raw.removesuffix(b"\r")
        if not raw.strip():
            continue
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            problems.append(Diagnostic("file-not-utf8", f"invalid UTF-8 at byte {exc.start + 1}", name, number))
            continue
        parsed = parse_line(raw)
        problems.extend(Diagnostic(p.check, p.message, name, number, column=p.column) for p in parsed.problems)
        if not parsed.ok or parsed.problems:
            continue
        if not isinstance(parsed.value, dict):
            problems.append(Diagnostic("json-not-object", "the line is not a JSON object", name, number))
            continue
        record_id = parsed.value.get("id")
        records.append((record_id if isinstance(record_id, str) else "", number, parsed.value))
    if problems:
        return None, problems
    records.sort(key=lambda r: (r[0], r[1]))  # stable: records without an id keep their order
    return b"".join(dumps_canonical(record) + b"\n" for _, _, record in records), []


def format_file(path: Path, check_only: bool = False) -> FormatResult:
    path = Path(path)
    content, problems = canonical_bytes(path)
    if content is None:
        return FormatResult(path, False, problems)
    changed = path.read_bytes() != content
    if changed and not check_only:
        atomic_write(path, [content])
    return FormatResult(path, changed, [])
