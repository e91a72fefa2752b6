"""Validation of shards: one streaming pass per file, then the corpus-wide checks.

Memory per file is one record at a time; across files only the article ids are kept (for
duplicate detection), a few dozen bytes per article.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from akhbar.checks import check_record
from akhbar.diagnostics import ERROR, Diagnostic
from akhbar.paths import corpus_root_of, project_root
from akhbar.records import BOM, iter_lines, parse_line


@dataclass
class Summary:
    files: int = 0
    records: int = 0
    errors: int = 0
    warnings: int = 0
    by_check: dict[str, int] = field(default_factory=dict)

    def add(self, diagnostic: Diagnostic) -> None:
        if diagnostic.level == ERROR:
            self.errors += 1
        else:
            self.warnings += 1
        self.by_check[diagnostic.check] = self.by_check.get(diagnostic.check, 0) + 1

    def remove(self, diagnostic: Diagnostic) -> None:
        """Undo `add` for a diagnostic the user excluded."""
        if diagnostic.level == ERROR:
            self.errors -= 1
        else:
            self.warnings -= 1
        self.by_check[diagnostic.check] -= 1


def display_path(path: Path) -> str:
    """The path as it should appear in messages: relative to the working directory when it
    is inside it (never the machine's absolute layout in CI annotations)."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def validate_file(
    path: Path, seen_ids: dict[str, tuple[str, int]], root: Path | None = None, summary: Summary | None = None
) -> Iterator[Diagnostic]:
    """Diagnostics of one shard, streamed. `seen_ids` maps article ids already met (in this
    or earlier files) to where; it is updated as records are read."""
    summary = summary if summary is not None else Summary()
    summary.files += 1
    name = display_path(path)
    root = root or corpus_root_of(path) or project_root()
    previous_id: str | None = None
    unsorted_reported = False
    try:
        lines = iter_lines(path)
        last_raw = b""
        for number, raw in lines:
            last_raw = raw
            if raw.strip():
                summary.records += 1
            diagnostics, record_id = _validate_line(raw, number, name, root)
            yield from diagnostics
            if record_id is None:
                continue
            if record_id in seen_ids:
                first_file, first_line = seen_ids[record_id]
                yield Diagnostic("id-duplicate-article", f"article id also used at {first_file}:{first_line}", name, number, record_id)
            else:
                seen_ids[record_id] = (name, number)
            if previous_id is not None and record_id < previous_id and not unsorted_reported:
                unsorted_reported = True
                yield Diagnostic("records-not-sorted", f"records are not sorted by id ({record_id} after {previous_id}); run akhbar fmt", name, number, record_id)
            previous_id = record_id
        if last_raw and not _ends_with_newline(path):
            yield Diagnostic("file-no-final-newline", "the last line has no newline; run akhbar fmt", name, number)
    except OSError as exc:
        yield Diagnostic("file-unreadable", f"cannot read the file: {exc.strerror or exc}", name)


def _ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as f:
        f.seek(0, 2)
        if f.tell() == 0:
            return True
        f.seek(-1, 2)
        return f.read(1) == b"\n"


def _validate_line(raw: bytes, number: int, name: str, root: Path) -> tuple[list[Diagnostic], str | None]:
    out: list[Diagnostic] = []

    def add(check, message, column=None, article=None, annotation=None, start=None, end=None):
        out.append(Diagnostic(check, message, name, number, article, annotation, start, end, column))

    if number == 1 and raw.startswith(BOM):
        add("file-bom", "the file starts with a UTF-8 byte-order mark; remove it")
        raw = raw[len(BOM):]
    if raw.endswith(b"\r"):
        add("file-crlf", "the line ends with CR LF; use LF line ends")
        raw = raw[:-1]
    if not raw.strip():
        add("file-blank-line", "blank line (one record per line, no empty lines)")
        return out, None
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        add("file-not-utf8", f"invalid UTF-8 byte 0x{raw[exc.start]:02X} at byte {exc.start + 1}", column=exc.start + 1)
        return out, None

    parsed = parse_line(raw)
    for problem in parsed.problems:
        add(problem.check, problem.message, column=problem.column)
    if not parsed.ok:
        return out, None
    record = parsed.value
    if not isinstance(record, dict):
        add("json-not-object", f"the line is a JSON {_json_type(record)}, not an object")
        return out, None
    record_id = record.get("id") if isinstance(record.get("id"), str) else None
    if not parsed.canonical and not parsed.problems:
        add("record-not-canonical", "not in canonical form; run akhbar fmt", article=record_id)

    def report(check, message, annotation=None, start=None, end=None):
        add(check, message, article=record_id, annotation=annotation, start=start, end=end)

    # The strict parser (non-canonical lines) has measured the depth already.
    check_record(record, root, report, depth_checked=not parsed.canonical)
    return out, record_id


def _json_type(value) -> str:
    if value is None:
        return "null"
    return {bool: "boolean", int: "number", float: "number", str: "string", list: "array"}.get(type(value), "value")


def validate_paths(paths: Iterable[Path], root: Path | None = None, summary: Summary | None = None) -> Iterator[Diagnostic]:
    """Diagnostics for every file, in order; corpus-wide checks span all of them. When a
    summary is given it is filled in as the diagnostics are consumed."""
    seen_ids: dict[str, tuple[str, int]] = {}
    for path in paths:
        for diagnostic in validate_file(Path(path), seen_ids, root, summary):
            if summary is not None:
                summary.add(diagnostic)
            yield diagnostic
