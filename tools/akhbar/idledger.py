"""The corpus-wide duplicate-id check in bounded memory.

Every article id met is noted with where it was met (file number, line). Notes are held in a
run of at most RUN_ENTRIES; a full run is sorted and spilled to a temporary file. At the end
the runs are merged (an external sort), so equal ids meet side by side and every occurrence
after the first (in file and line order) is reported. Memory is one run plus one read
buffer per run merged, whatever the size of the corpus; the temporary files take about 40
bytes an article and are removed when the check ends.

Keeping every id in a table (as the validator did before) grew by about 50 bytes an article:
43 MB instead of 33 MB at 100,000 articles, and gigabytes for a silver corpus.
"""

from __future__ import annotations

import heapq
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import orjson

from akhbar.diagnostics import Diagnostic

# Notes held in memory before a run is spilled (about 150 bytes each as Python objects):
# small enough that a corpus of 10,000 articles already spills, so peak memory is the same
# at any size above that.
RUN_ENTRIES = 8192
# Runs merged at once; more are merged in passes so that open files stay few.
MAX_FAN_IN = 64


class IdLedger:
    """Notes (id, file, line) as records are read; `duplicates()` reports the repeated ids."""

    def __init__(self, run_entries: int | None = None, max_fan_in: int | None = None) -> None:
        self.files: list[str] = []  # display names, by file number
        self._file_numbers: dict[Path, int] = {}
        self._run: list[tuple[str, int, int]] = []
        self._run_entries = run_entries or RUN_ENTRIES
        self._max_fan_in = max(2, max_fan_in or MAX_FAN_IN)
        self._spilled: list[Path] = []
        self._folder: Path | None = None
        self._runs_made = 0  # names the run files

    def file_number(self, name: str, path: Path) -> int:
        number = self._file_numbers.get(path)
        if number is None:
            number = self._file_numbers[path] = len(self.files)
            self.files.append(name)
        return number

    def add(self, record_id: str, file_number: int, line: int) -> None:
        self._run.append((record_id, file_number, line))
        if len(self._run) >= self._run_entries:
            self._spill()

    def _new_run_path(self) -> Path:
        if self._folder is None:
            self._folder = Path(tempfile.mkdtemp(prefix="akhbar-ids-"))
        self._runs_made += 1
        return self._folder / f"run-{self._runs_made:06d}.jsonl"

    def _spill(self) -> None:
        self._run.sort()
        path = self._new_run_path()
        with open(path, "wb") as f:
            f.writelines(orjson.dumps(note) + b"\n" for note in self._run)
        self._spilled.append(path)
        self._run = []

    @staticmethod
    def _read(path: Path) -> Iterator[tuple[str, int, int]]:
        with open(path, "rb") as f:
            for line in f:
                record_id, file_number, number = orjson.loads(line)
                yield record_id, file_number, number

    def _merge_passes(self) -> None:
        """Merge runs in groups until at most max_fan_in are left."""
        while len(self._spilled) > self._max_fan_in:
            runs, self._spilled = self._spilled, []
            for i in range(0, len(runs), self._max_fan_in):
                group = runs[i:i + self._max_fan_in]
                path = self._new_run_path()
                with open(path, "wb") as f:
                    f.writelines(orjson.dumps(note) + b"\n" for note in heapq.merge(*map(self._read, group)))
                for done in group:
                    done.unlink()
                self._spilled.append(path)

    def notes(self) -> Iterator[tuple[str, int, int]]:
        """Every note, sorted by (id, file number, line)."""
        self._run.sort()
        if not self._spilled:
            yield from self._run
            return
        self._merge_passes()
        yield from heapq.merge(self._run, *map(self._read, self._spilled))

    def duplicates(self) -> Iterator[Diagnostic]:
        """An `id-duplicate-article` error for every occurrence of an id after its first (in
        file order, then line order), pointing at the first; in id order."""
        try:
            first: tuple[str, int, int] | None = None
            for note in self.notes():
                if first is not None and note[0] == first[0]:
                    record_id, file_number, line = note
                    yield Diagnostic("id-duplicate-article", f"article id also used at {self.files[first[1]]}:{first[2]}",
                                     self.files[file_number], line, record_id)
                else:
                    first = note
        finally:
            self.close()

    def close(self) -> None:
        """Remove the spilled runs (also when the check is abandoned)."""
        self._run = []
        self._spilled = []
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None
