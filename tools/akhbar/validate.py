"""Validation of shards: the lines of every file, then the corpus-wide checks.

One loop reads lines: `_scan_range` validates the lines that start in a byte range of a file
and streams one `_Line` for each line with something to say (diagnostics, or an article id).
Validation in one process is that loop over each whole file; with `--jobs N`, worker
processes run it over byte ranges of about RANGE_BYTES. Either way `_assemble` renumbers the
lines, runs the checks that need the file in order (records-not-sorted, the final newline,
the duplicate ids across all files) and yields the diagnostics in the same order.

Memory is one record at a time, plus 16 bytes per article id for id-duplicate-article, which
is known only when every file has been read (see _ArticleIds).
"""

from __future__ import annotations

import hashlib
import heapq
import os
import re
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import NamedTuple

import orjson

from akhbar.checks import Report, check_record
from akhbar.diagnostics import ERROR, Diagnostic
from akhbar.errors import UserError
from akhbar.git import GitError, is_revision, run_git
from akhbar.paths import corpus_root_of, project_root, schema_dir
from akhbar.provenance import ProvenanceCache, check_provenance
from akhbar.records import BOM, ParsedLine, few_collections, iter_lines, parse_line


@dataclass
class Summary:
    files: int = 0
    records: int = 0
    errors: int = 0
    warnings: int = 0
    unchanged: int = 0  # records skipped by --changed-since (identical to the baseline)
    by_check: dict[str, int] = field(default_factory=dict)

    def add(self, diagnostic: Diagnostic, count: int = 1) -> None:
        if diagnostic.level == ERROR:
            self.errors += count
        else:
            self.warnings += count
        self.by_check[diagnostic.check] = self.by_check.get(diagnostic.check, 0) + count

    def remove(self, diagnostic: Diagnostic) -> None:
        """Undo `add` for a diagnostic the user excluded."""
        self.add(diagnostic, -1)


def display_path(path: Path) -> str:
    """The path as it should appear in messages: relative to the working directory when it
    is inside it (never the machine's absolute layout in CI annotations)."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


# ---- the entry points ------------------------------------------------------------------------


def validate_paths(paths: Iterable[Path], root: Path | None = None, summary: Summary | None = None,
                   jobs: int = 1, baseline: Baseline | None = None) -> Iterator[Diagnostic]:
    """Diagnostics for every file, in order; corpus-wide checks span all of them. When a
    summary is given it is filled in as the diagnostics are consumed. With jobs > 1, byte
    ranges of the files are validated by worker processes; the diagnostics are the same, in
    the same order, as with jobs=1. With a baseline (--changed-since), lines unchanged since
    it are not validated again; their ids still take part in the corpus-wide checks.

    Every check id can come out. Of a line: file-bom, file-crlf, file-blank-line,
    file-not-utf8, json-not-object, record-not-canonical, the JSON checks of
    akhbar.records.parse_line and every record check of akhbar.checks.check_record. Of a
    file or the corpus: records-not-sorted, file-no-final-newline, file-unreadable and
    id-duplicate-article."""
    paths = [Path(p) for p in paths]
    summary = summary if summary is not None else Summary()
    plan = [_File(path, display_path(path), root or corpus_root_of(path) or project_root()) for path in paths]
    parallel = jobs > 1 and sum(map(_size, paths)) >= PARALLEL_MIN_BYTES
    if parallel:
        for file in plan:
            file.ranges = _ranges(_size(file.path), jobs)
    for diagnostic in _assemble(plan, _outcomes(plan, jobs if parallel else 1, baseline), summary):
        summary.add(diagnostic)
        yield diagnostic


def validate_file(path: Path, root: Path | None = None, summary: Summary | None = None,
                  baseline: Baseline | None = None) -> Iterator[Diagnostic]:
    """Diagnostics of one shard, streamed, as validate_paths gives them (every check id);
    its duplicate ids come after its other diagnostics."""
    return validate_paths([path], root, summary, baseline=baseline)


# ---- one range of a file ---------------------------------------------------------------------


@dataclass
class _File:
    path: Path
    name: str  # as shown in diagnostics
    root: Path  # raw_file paths are relative to it
    ranges: list[tuple[int, int | None]] = field(default_factory=lambda: [(0, None)])


class _Line(NamedTuple):
    """One line's outcome inside a range."""

    number: int  # relative to the range
    diagnostics: list[Diagnostic]
    record_id: str | None


@dataclass
class _Tally:
    """What a range's scan counted, complete once its lines have all been read."""

    lines: int = 0
    records: int = 0
    unchanged: int = 0
    unterminated: bool = False  # the last line read has no final newline
    error: str | None = None  # the file could not be read


@dataclass
class _Context:
    """What the scans of one run share: the provenance cache, and the baseline with the
    hashes of each file's lines at its revision."""

    provenance: ProvenanceCache
    baseline: Baseline | None = None
    old_lines: dict[Path, set[bytes]] = field(default_factory=dict)  # filled before workers start

    def lines_at_baseline(self, path: Path) -> set[bytes] | None:
        if self.baseline is None:
            return None
        return self.old_lines[path] if path in self.old_lines else self.baseline.line_hashes(path)


def _scan_range(file: _File, start: int, end: int | None, context: _Context, tally: _Tally) -> Iterator[_Line]:
    """Validate the lines that start in [start, end) of a file (end None: to the end),
    yielding the lines with diagnostics or an article id; `tally` is complete at the end."""
    try:
        old_lines = context.lines_at_baseline(file.path)
        with open(file.path, "rb") as f, few_collections():
            offset = start
            if start > 0:
                # The range begins at the first line that starts at or after `start`.
                f.seek(start - 1)
                offset = start - 1 + len(f.readline())
            while end is None or offset < end:
                line = f.readline()
                if not line:
                    break
                tally.lines += 1
                tally.unterminated = not line.endswith(b"\n")
                raw = line if tally.unterminated else line[:-1]
                if raw.strip():
                    tally.records += 1
                if old_lines and (record_id := Baseline.unchanged_id(raw, old_lines)) is not None:
                    # The same bytes as at the baseline: only the corpus-wide id checks (and
                    # provenance, when raw files changed since) are run again.
                    tally.unchanged += 1
                    diagnostics = _provenance_only(raw, tally.lines, file, context.provenance) if context.baseline.raw_changed else []
                else:
                    diagnostics, record_id = _validate_line(raw, tally.lines, file, context.provenance, at_file_start=offset == 0)
                if diagnostics or record_id is not None:
                    yield _Line(tally.lines, diagnostics, record_id)
                offset += len(line)
    except OSError as exc:
        tally.error = exc.strerror or str(exc)


def _validate_line(raw: bytes, number: int, file: _File, provenance: ProvenanceCache,
                   at_file_start: bool) -> tuple[list[Diagnostic], str | None]:
    """The diagnostics of one line and its article id (None when it has none): those of
    _read_line, then json-not-object and record-not-canonical, then check_record's."""
    out: list[Diagnostic] = []
    report = _reporter(out, file, number, None)
    parsed = _read_line(raw, at_file_start, report)
    if parsed is None:
        return out, None
    record = parsed.value
    if not isinstance(record, dict):
        report("json-not-object", f"the line is a JSON {_json_type(record)}, not an object")
        return out, None
    record_id = _article_id(record)
    report = _reporter(out, file, number, record_id)  # the record's diagnostics name its article
    if not parsed.canonical and not parsed.problems:
        report("record-not-canonical", "not in canonical form; run akhbar fmt")
    # The strict parser (non-canonical lines) has measured the depth already.
    check_record(record, file.root, report, depth_checked=not parsed.canonical, provenance=provenance,
                 schema_valid=parsed.schema_valid, serialized=parsed.serialized)
    return out, record_id


def _reporter(out: list[Diagnostic], file: _File, number: int, record_id: str | None) -> Report:
    """A `report` for the checks of one line, adding its diagnostics to `out`."""

    def report(check, message, annotation=None, start=None, end=None, column=None):
        out.append(Diagnostic(check, message, file.name, number, record_id, annotation, start, end, column))

    return report


def _read_line(raw: bytes, at_file_start: bool, report) -> ParsedLine | None:
    """The JSON of a line (the bytes before its \\n), or None when it holds none: the one
    reading of a line, by its validation and when a duplicate id is read again. Reports
    file-bom (first line), file-crlf, file-blank-line, file-not-utf8 and the JSON checks of
    parse_line as `report(check, message, column=...)`."""
    if at_file_start and raw.startswith(BOM):
        report("file-bom", "the file starts with a UTF-8 byte-order mark; remove it")
        raw = raw[len(BOM):]
    if raw.endswith(b"\r"):
        report("file-crlf", "the line ends with CR LF; use LF line ends")
        raw = raw[:-1]
    if not raw.strip():
        report("file-blank-line", "blank line (one record per line, no empty lines)")
        return None
    try:
        parsed = parse_line(raw)  # orjson checks UTF-8 itself; the strict parser decodes
    except UnicodeDecodeError as exc:
        report("file-not-utf8", f"invalid UTF-8 byte 0x{raw[exc.start]:02X} at byte {exc.start + 1}", column=exc.start + 1)
        return None
    for problem in parsed.problems:
        report(problem.check, problem.message, column=problem.column)
    return parsed if parsed.ok else None


def _json_type(value) -> str:
    names = {type(None): "null", bool: "boolean", int: "number", float: "number", str: "string", list: "array"}
    return names.get(type(value), "value")


# ---- the files in order ----------------------------------------------------------------------

Outcome = tuple[Iterable[_Line], _Tally]


def _assemble(plan: list[_File], outcomes: Iterator[Outcome], summary: Summary) -> Iterator[Diagnostic]:
    """The diagnostics of every range, in file order with file line numbers, with the checks
    that need the whole file or the whole corpus: records-not-sorted (the first unsorted
    record of a file), file-no-final-newline, file-unreadable and, after everything else,
    id-duplicate-article."""
    ids = _ArticleIds()
    for file in plan:
        summary.files += 1
        file_index = ids.file_index(file)
        previous_id: str | None = None
        unsorted_reported = False
        lines = 0
        unterminated = False
        failed = None
        for _ in file.ranges:
            found, tally = next(outcomes)
            if failed is not None:
                continue
            for number, diagnostics, record_id in found:
                number += lines
                for diagnostic in diagnostics:
                    diagnostic.line = number
                    yield diagnostic
                if record_id is None:
                    continue
                ids.add(record_id, file_index, number)
                if previous_id is not None and record_id < previous_id and not unsorted_reported:
                    unsorted_reported = True
                    yield Diagnostic("records-not-sorted", f"records are not sorted by id ({record_id} after {previous_id}); run akhbar fmt",
                                     file.name, number, record_id)
                previous_id = record_id
            summary.records += tally.records
            summary.unchanged += tally.unchanged
            if tally.lines:
                unterminated = tally.unterminated
            lines += tally.lines
            failed = tally.error
        if failed is not None:
            yield Diagnostic("file-unreadable", f"cannot read the file: {failed}", file.name)
        elif unterminated:
            yield Diagnostic("file-no-final-newline", "the last line has no newline; run akhbar fmt", file.name, lines)
    # The duplicate ids come last: they are known only when every file has been read.
    yield from ids.duplicates()


class _ArticleIds:
    """Every article id met, for id-duplicate-article, in 16 bytes an article: a 64-bit hash
    of the id and where it was met (file index << 32 | line), kept in arrays sorted in runs of
    RUN ids. When every file has been read the runs are merged; only ids whose hashes meet
    are read again from their lines (each file once, up to its last such line), to confirm
    the duplicate and to name it. A dict from id to place cost about 150 bytes an article."""

    RUN = 8192

    def __init__(self) -> None:
        self._files: list[_File] = []  # by file index
        self._file_indexes: dict[Path, int] = {}
        self._runs: list[tuple[array, array]] = []  # (hashes, places), each sorted by hash
        self._pending: list[tuple[int, int]] = []

    def file_index(self, file: _File) -> int:
        """The file's index; a file given twice keeps the first."""
        index = self._file_indexes.setdefault(file.path, len(self._files))
        if index == len(self._files):
            self._files.append(file)
        return index

    def add(self, record_id: str, file_index: int, line: int) -> None:
        self._pending.append((_id_hash(record_id), file_index << 32 | line))
        if len(self._pending) == self.RUN:
            self._sort_pending()

    def _sort_pending(self) -> None:
        self._pending.sort()
        self._runs.append((array("Q", (h for h, _ in self._pending)), array("Q", (p for _, p in self._pending))))
        self._pending = []

    def duplicates(self) -> Iterator[Diagnostic]:
        """An `id-duplicate-article` error for every occurrence of an id after its first
        (in file, then line order), pointing at the first; by id, then file and line."""
        places: dict[str, set[int]] = {}
        for record_id, place in self._read_again(self._places_of_equal_hashes()):
            places.setdefault(record_id, set()).add(place)  # a file given twice is one place
        repeats = []
        for record_id, found in places.items():
            first, *others = sorted(found)
            repeats += [(record_id, place, first) for place in others]
        for record_id, place, first in sorted(repeats):
            first_file, first_line = divmod(first, 1 << 32)
            file_index, line = divmod(place, 1 << 32)
            first_name = self._files[first_file].name
            yield Diagnostic("id-duplicate-article", f"article id also used at {first_name}:{first_line}",
                             self._files[file_index].name, line, record_id)

    def _places_of_equal_hashes(self) -> set[int]:
        """The places of the ids whose hash is also another id's (almost always the same id)."""
        self._sort_pending()
        merged = heapq.merge(*(zip(hashes, places, strict=True) for hashes, places in self._runs))
        out: set[int] = set()
        previous_hash, previous_place = None, 0
        for hashed, place in merged:
            if hashed == previous_hash:
                out.update((previous_place, place))
            previous_hash, previous_place = hashed, place
        return out

    def _read_again(self, places: set[int]) -> Iterator[tuple[str, int]]:
        """(article id, place) of the lines at these places, each file read once up to its
        last wanted line, the id taken as the validation of the line took it."""
        wanted: dict[int, set[int]] = {}
        for place in places:
            file_index, line = divmod(place, 1 << 32)
            wanted.setdefault(file_index, set()).add(line)
        for file_index, lines in sorted(wanted.items()):
            try:
                for number, line in islice(iter_lines(self._files[file_index].path), max(lines)):
                    if number in lines:
                        # (what the line holds was reported when it was validated)
                        parsed = _read_line(line, number == 1, lambda *args, **kwargs: None)
                        if parsed is not None and (record_id := _article_id(parsed.value)) is not None:
                            yield record_id, file_index << 32 | number
            except OSError:
                continue  # changed since it was validated; nothing to confirm


def _id_hash(record_id: str) -> int:
    """The id's hash as an unsigned 64-bit value (salted per process: used in this one)."""
    return hash(record_id) & 0xFFFF_FFFF_FFFF_FFFF


def _article_id(record) -> str | None:
    """The article id of a parsed line, when it is an object with a string id."""
    record_id = record.get("id") if isinstance(record, dict) else None
    return record_id if isinstance(record_id, str) else None


# ---- worker processes ------------------------------------------------------------------------


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


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # the scan reports it unreadable


def _ranges(size: int, jobs: int) -> list[tuple[int, int | None]]:
    """Byte ranges covering a file of `size` bytes (the last one open-ended)."""
    count = max(1, min(-(-size // RANGE_BYTES), max(jobs, size // RANGE_BYTES)))
    bounds = [size * i // count for i in range(count)]
    return [(a, b) for a, b in zip(bounds, bounds[1:] + [None], strict=True)]


# Each worker process keeps one context (provenance cache, baseline) for the whole run.
_WORKER_CONTEXT: _Context | None = None


def _worker_init(context: _Context) -> None:
    global _WORKER_CONTEXT
    _WORKER_CONTEXT = context


def _worker(task: tuple[_File, int, int | None]) -> tuple[list[_Line], _Tally]:
    file, start, end = task
    tally = _Tally()
    return list(_scan_range(file, start, end, _WORKER_CONTEXT, tally)), tally


def _outcomes(plan: list[_File], jobs: int, baseline: Baseline | None) -> Iterator[Outcome]:
    """The outcomes of the ranges of the files, in order: with jobs 1, each range scanned here
    as its lines are consumed; else scanned by `jobs` worker processes."""
    context = _Context(ProvenanceCache(), baseline)
    tasks = [(file, start, end) for file in plan for start, end in file.ranges]
    if jobs == 1:
        for file, start, end in tasks:
            tally = _Tally()
            yield _scan_range(file, start, end, context, tally), tally
        return
    import multiprocessing

    if baseline is not None:  # read once here; the workers inherit them
        context.old_lines = {file.path: baseline.line_hashes(file.path) for file in plan}
    # fork where available: the workers start at once with the schema already compiled.
    methods = multiprocessing.get_all_start_methods()
    pool_context = multiprocessing.get_context("fork" if "fork" in methods else None)
    with pool_context.Pool(jobs, initializer=_worker_init, initargs=(context,)) as pool:
        yield from pool.imap(_worker, tasks, chunksize=1)


# ---- incremental validation (--changed-since) -----------------------------------------------

_CANONICAL_ID = re.compile(rb'\{"id":"([^"\\]*)",')


class BaselineError(UserError):
    """A git revision that cannot serve as the baseline (message for the user)."""


@dataclass
class Baseline:
    """The shards as they were at a git revision: per file, the hashes of its lines. A line
    whose bytes are the same as a line of the same file at the revision holds a record that
    was validated there, so its per-record checks are skipped; the corpus-wide id checks still
    see it. Unchanged records are re-validated in full when the schema or label inventories
    changed since the revision, and their provenance is re-checked when raw files changed."""

    ref: str
    repo: Path
    raw_changed: bool = True
    rules_changed: bool = True

    @classmethod
    def open(cls, ref: str, near: Path) -> Baseline:
        try:
            top = run_git(near, "rev-parse", "--show-toplevel").decode("utf-8").strip()
        except GitError:
            raise BaselineError(f"--changed-since needs a git repository; {near} is not in one") from None
        baseline = cls(ref, Path(top))
        if not is_revision(baseline.repo, ref):
            raise BaselineError(f"--changed-since {ref}: not a git revision of {top}")
        baseline.raw_changed = baseline._differs("corpus/raw")
        # The schema and inventories ship with the tools (this checkout); if they are the
        # repository's own and changed since the revision, every record is checked again.
        try:
            rel = schema_dir().resolve().relative_to(baseline.repo.resolve())
            baseline.rules_changed = baseline._differs(str(rel))
        except ValueError:
            baseline.rules_changed = False
        return baseline

    def _differs(self, rel: str) -> bool:
        try:
            run_git(self.repo, "diff", "--quiet", self.ref, "--", rel)
            return False
        except GitError:
            return True

    def line_hashes(self, path: Path) -> set[bytes]:
        """Hashes of the file's lines at the revision (empty: new file, or rules changed)."""
        if self.rules_changed:
            return set()
        try:
            rel = path.resolve().relative_to(self.repo.resolve())
            old = run_git(self.repo, "show", f"{self.ref}:{rel.as_posix()}")
        except (ValueError, GitError):
            return set()  # outside the repository, or the file did not exist at the revision
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


def _provenance_only(raw: bytes, number: int, file: _File, provenance: ProvenanceCache) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    try:
        record = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return out  # unchanged since the baseline, where it was reported
    check_provenance(record, file.root, _reporter(out, file, number, record.get("id")), provenance)
    return out
