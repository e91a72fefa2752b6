"""Validation of shards: one streaming pass per file, then the corpus-wide checks.

Memory is one record at a time: the article ids, for the corpus-wide duplicate check, go to
an IdLedger, which spills them to disk in sorted runs and merges them at the end (bounded
memory whatever the corpus size; see idledger.py).
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from akhbar.checks import check_record
from akhbar.diagnostics import ERROR, Diagnostic
from akhbar.git import GitError, run_git
from akhbar.idledger import IdLedger
from akhbar.paths import corpus_root_of, project_root
from akhbar.provenance import ProvenanceCache, check_provenance
from akhbar.records import BOM, parse_line


@dataclass
class Summary:
    files: int = 0
    records: int = 0
    errors: int = 0
    warnings: int = 0
    unchanged: int = 0  # records skipped by --changed-since (identical to the baseline)
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


@dataclass
class _LineResult:
    """One line's outcome inside a range of a file (line numbers relative to the range)."""

    number: int
    diagnostics: list[Diagnostic]
    record_id: str | None


def _scan_range(path: Path, name: str, root: Path, start: int, end: int | None,
                provenance: ProvenanceCache) -> tuple[list[_LineResult], int, int, bool]:
    """Validate the lines that start in [start, end) of a file (end None: to the end).
    Returns (results of lines with diagnostics or an id, lines read, records, whether the
    last line read is non-empty). Results carry range-relative line numbers."""
    results: list[_LineResult] = []
    number = records = 0
    last_nonempty = False
    with open(path, "rb") as f:
        offset = start
        if start > 0:
            # The range begins at the first line that starts at or after `start`.
            f.seek(start - 1)
            offset = start - 1 + len(f.readline())
        while end is None or offset < end:
            line = f.readline()
            if not line:
                break
            number += 1
            raw = line[:-1] if line.endswith(b"\n") else line
            last_nonempty = bool(raw)
            if raw.strip():
                records += 1
            diagnostics, record_id = _validate_line(raw, number, name, root, provenance, at_file_start=offset == 0)
            if diagnostics or record_id is not None:
                results.append(_LineResult(number, diagnostics, record_id))
            offset += len(line)
    return results, number, records, last_nonempty


def validate_file(
    path: Path, ledger: IdLedger | None = None, root: Path | None = None, summary: Summary | None = None,
    provenance: ProvenanceCache | None = None, baseline: Baseline | None = None,
) -> Iterator[Diagnostic]:
    """Diagnostics of one shard, streamed. The article ids go to `ledger`, whose owner
    reports the duplicates across all files at the end; without one, the file's own
    duplicate ids are reported after its other diagnostics."""
    if ledger is None:
        own = IdLedger()
        try:
            yield from validate_file(path, own, root, summary, provenance, baseline)
            yield from own.duplicates()
        finally:
            own.close()
        return
    summary = summary if summary is not None else Summary()
    summary.files += 1
    name = display_path(path)
    root = root or corpus_root_of(path) or project_root()
    provenance = provenance if provenance is not None else ProvenanceCache()
    tracker = _FileTracker(path, name, ledger)
    number = 0
    try:
        old_lines = baseline.line_hashes(path) if baseline is not None else None
        with open(path, "rb") as f:
            last_nonempty = False
            for line in f:
                number += 1
                raw = line[:-1] if line.endswith(b"\n") else line
                last_nonempty = bool(raw)
                if raw.strip():
                    summary.records += 1
                if old_lines and (record_id := baseline.unchanged_id(raw, old_lines)) is not None:
                    # The same bytes as at the baseline: only the corpus-wide id checks (and
                    # provenance, when raw files changed since) are run again.
                    summary.unchanged += 1
                    if baseline.raw_changed:
                        yield from _provenance_only(raw, number, name, root, provenance)
                    yield from tracker.see(record_id, number)
                    continue
                diagnostics, record_id = _validate_line(raw, number, name, root, provenance, at_file_start=number == 1)
                yield from diagnostics
                if record_id is not None:
                    yield from tracker.see(record_id, number)
        if last_nonempty and not _ends_with_newline(path):
            yield Diagnostic("file-no-final-newline", "the last line has no newline; run akhbar fmt", name, number)
    except OSError as exc:
        yield Diagnostic("file-unreadable", f"cannot read the file: {exc.strerror or exc}", name)


class _FileTracker:
    """The id checks fed record by record in file order: the ids go to the ledger (for the
    corpus-wide duplicate check), and the first unsorted record of the file is reported."""

    def __init__(self, path: Path, name: str, ledger: IdLedger) -> None:
        self.name = name
        self.ledger = ledger
        self.file_number = ledger.file_number(name, path)
        self.previous_id: str | None = None
        self.unsorted_reported = False

    def see(self, record_id: str, number: int) -> list[Diagnostic]:
        self.ledger.add(record_id, self.file_number, number)
        out = []
        previous = self.previous_id
        if previous is not None and record_id < previous and not self.unsorted_reported:
            self.unsorted_reported = True
            out.append(Diagnostic("records-not-sorted", f"records are not sorted by id ({record_id} after {previous}); run akhbar fmt", self.name, number, record_id))
        self.previous_id = record_id
        return out


def _ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as f:
        f.seek(0, 2)
        if f.tell() == 0:
            return True
        f.seek(-1, 2)
        return f.read(1) == b"\n"


def _validate_line(raw: bytes, number: int, name: str, root: Path, provenance: ProvenanceCache | None = None,
                   at_file_start: bool | None = None) -> tuple[list[Diagnostic], str | None]:
    out: list[Diagnostic] = []

    def add(check, message, column=None, article=None, annotation=None, start=None, end=None):
        out.append(Diagnostic(check, message, name, number, article, annotation, start, end, column))

    if (number == 1 if at_file_start is None else at_file_start) and raw.startswith(BOM):
        add("file-bom", "the file starts with a UTF-8 byte-order mark; remove it")
        raw = raw[len(BOM):]
    if raw.endswith(b"\r"):
        add("file-crlf", "the line ends with CR LF; use LF line ends")
        raw = raw[:-1]
    if not raw.strip():
        add("file-blank-line", "blank line (one record per line, no empty lines)")
        return out, None
    try:
        parsed = parse_line(raw)  # orjson checks UTF-8 itself; the strict parser decodes
    except UnicodeDecodeError as exc:
        add("file-not-utf8", f"invalid UTF-8 byte 0x{raw[exc.start]:02X} at byte {exc.start + 1}", column=exc.start + 1)
        return out, None
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
    check_record(record, root, report, depth_checked=not parsed.canonical, provenance=provenance,
                 schema_valid=parsed.schema_valid, serialized=parsed.serialized)
    return out, record_id


def _json_type(value) -> str:
    if value is None:
        return "null"
    return {bool: "boolean", int: "number", float: "number", str: "string", list: "array"}.get(type(value), "value")


def default_jobs() -> int:
    """All the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


# Below this many bytes in all, worker processes cost more than they save.
PARALLEL_MIN_BYTES = 4 << 20
# Ranges of about this size are handed to the workers: large enough that the per-range cost
# (a task, a pickled result) is negligible, small enough to balance the cores.
RANGE_BYTES = 8 << 20


def validate_paths(paths: Iterable[Path], root: Path | None = None, summary: Summary | None = None,
                   jobs: int = 1, baseline: Baseline | None = None) -> Iterator[Diagnostic]:
    """Diagnostics for every file, in order; corpus-wide checks span all of them. When a
    summary is given it is filled in as the diagnostics are consumed. With jobs > 1, byte
    ranges of the files are validated by worker processes; the diagnostics are the same, in
    the same order, as with jobs=1."""
    paths = [Path(p) for p in paths]
    ledger = IdLedger()
    try:
        if jobs > 1 and baseline is None and _total_size(paths) >= PARALLEL_MIN_BYTES:
            source = _validate_parallel(paths, root, summary, ledger, jobs)
        else:
            provenance = ProvenanceCache()
            source = (d for path in paths for d in validate_file(path, ledger, root, summary, provenance, baseline))
        # The duplicate ids come last: they are known only when every file has been read.
        for diagnostic in itertools.chain(source, ledger.duplicates()):
            if summary is not None:
                summary.add(diagnostic)
            yield diagnostic
    finally:
        ledger.close()


def _total_size(paths: list[Path]) -> int:
    total = 0
    for path in paths:
        try:
            total += path.stat().st_size
        except OSError:
            pass
    return total


def _ranges(size: int, jobs: int) -> list[tuple[int, int | None]]:
    """Byte ranges covering a file of `size` bytes (the last one open-ended)."""
    count = max(1, min(-(-size // RANGE_BYTES), max(jobs, size // RANGE_BYTES)))
    bounds = [size * i // count for i in range(count)]
    return [(a, b) for a, b in zip(bounds, bounds[1:] + [None], strict=True)]


# Each worker process keeps one provenance cache for the whole run (it lives as long as the pool).
_WORKER_PROVENANCE: ProvenanceCache | None = None


def _worker_init() -> None:
    global _WORKER_PROVENANCE
    _WORKER_PROVENANCE = ProvenanceCache()


def _worker(task: tuple[str, str, str, int, int | None]):
    path, name, root, start, end = task
    try:
        return _scan_range(Path(path), name, Path(root), start, end, _WORKER_PROVENANCE)
    except OSError as exc:
        return exc.strerror or str(exc)


def _validate_parallel(paths: list[Path], root: Path | None, summary: Summary | None, ledger: IdLedger,
                       jobs: int) -> Iterator[Diagnostic]:
    import multiprocessing

    summary = summary if summary is not None else Summary()
    plan = []  # (path, name, root, ranges)
    for path in paths:
        name = display_path(path)
        file_root = root or corpus_root_of(path) or project_root()
        try:
            size = path.stat().st_size
        except OSError:
            size = 0  # the worker reports it unreadable
        plan.append((path, name, file_root, _ranges(size, jobs)))
    tasks = [(str(path), name, str(file_root), a, b) for path, name, file_root, ranges in plan for a, b in ranges]
    # fork where available: the workers start at once with the schema already compiled.
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    with context.Pool(jobs, initializer=_worker_init) as pool:
        results = pool.imap(_worker, tasks, chunksize=1)
        for path, name, _, ranges in plan:
            summary.files += 1
            tracker = _FileTracker(path, name, ledger)
            lines = 0
            last_nonempty = False
            failed = None
            for _ in ranges:
                result = next(results)
                if failed is not None:
                    continue
                if isinstance(result, str):
                    failed = result
                    continue
                found, count, records, last = result
                summary.records += records
                for item in found:
                    number = item.number + lines
                    for diagnostic in item.diagnostics:
                        diagnostic.line = number
                        yield diagnostic
                    if item.record_id is not None:
                        yield from tracker.see(item.record_id, number)
                if count:
                    last_nonempty = last
                lines += count
            if failed is not None:
                yield Diagnostic("file-unreadable", f"cannot read the file: {failed}", name)
            elif last_nonempty and not _ends_with_newline(path):
                yield Diagnostic("file-no-final-newline", "the last line has no newline; run akhbar fmt", name, lines)


# ---- incremental validation (--changed-since) -----------------------------------------------

_CANONICAL_ID = re.compile(rb'\{"id":"([^"\\]*)",')


class BaselineError(Exception):
    """A git revision that cannot serve as the baseline (message for the user)."""


class Baseline:
    """The shards as they were at a git revision: per file, the hashes of its lines. A line
    whose bytes are the same as a line of the same file at the revision holds a record that
    was validated there, so its per-record checks are skipped; the corpus-wide id checks still
    see it. Unchanged records are re-validated in full when the schema or label inventories
    changed since the revision, and their provenance is re-checked when raw files changed."""

    def __init__(self, ref: str, repo: Path) -> None:
        self.ref, self.repo = ref, repo
        self.raw_changed = True
        self.rules_changed = True

    @classmethod
    def open(cls, ref: str, near: Path) -> Baseline:
        try:
            top = _git(near, "rev-parse", "--show-toplevel").decode("utf-8").strip()
        except BaselineError:
            raise BaselineError(f"--changed-since needs a git repository; {near} is not in one") from None
        baseline = cls(ref, Path(top))
        try:
            _git(baseline.repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
        except BaselineError:
            raise BaselineError(f"--changed-since {ref}: not a git revision of {top}") from None
        from akhbar.paths import PACKAGE_ROOT

        baseline.raw_changed = baseline._differs("corpus/raw")
        # The schema and inventories ship with the tools (this checkout); if they are the
        # repository's own and changed since the revision, every record is checked again.
        schema = PACKAGE_ROOT / "schema"
        try:
            rel = schema.resolve().relative_to(baseline.repo.resolve())
            baseline.rules_changed = baseline._differs(str(rel))
        except ValueError:
            baseline.rules_changed = False
        return baseline

    def _differs(self, rel: str) -> bool:
        try:
            subprocess.run(["git", "-C", str(self.repo), "diff", "--quiet", self.ref, "--", rel],
                           check=True, capture_output=True)
            return False
        except subprocess.CalledProcessError:
            return True

    def line_hashes(self, path: Path) -> set[bytes]:
        """Hashes of the file's lines at the revision (empty: new file, or rules changed)."""
        if self.rules_changed:
            return set()
        try:
            rel = path.resolve().relative_to(self.repo.resolve())
        except ValueError:
            return set()
        try:
            old = _git(self.repo, "show", f"{self.ref}:{rel.as_posix()}")
        except BaselineError:
            return set()  # the file did not exist at the revision
        return {_line_hash(line) for line in old.split(b"\n") if line}

    @staticmethod
    def unchanged_id(raw: bytes, old_lines: set[bytes]) -> str | None:
        """The record's id when the line is unchanged and canonical-looking, else None."""
        match = _CANONICAL_ID.match(raw)
        if match is None or _line_hash(raw) not in old_lines:
            return None
        try:
            return match.group(1).decode("utf-8")
        except UnicodeDecodeError:
            return None


def _line_hash(raw: bytes) -> bytes:
    return hashlib.blake2b(raw, digest_size=16).digest()


def _git(repo: Path, *args: str) -> bytes:
    try:
        return run_git(repo, *args)
    except GitError as exc:
        raise BaselineError(str(exc)) from None


def _provenance_only(raw: bytes, number: int, name: str, root: Path, provenance: ProvenanceCache | None) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    try:
        record = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return out  # unchanged since the baseline, where it was reported
    record_id = record.get("id")

    def report(check, message, annotation=None, start=None, end=None):
        out.append(Diagnostic(check, message, name, number, record_id, annotation, start, end))

    check_provenance(record, root, report, provenance)
    return out
