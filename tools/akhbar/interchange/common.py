"""What the interchange modules share: the import report, the sink of one file's messages,
imported documents, small helpers."""

from __future__ import annotations

import re
import sys
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from akhbar.errors import UserError

ERROR, WARNING, INFO = "error", "warning", "info"
ARTICLE_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*-[0-9a-f]{16}$")


class InterchangeError(UserError):
    """Input that cannot be read at all (bad JSON, missing folder): one message, exit 2."""


@dataclass
class Problem:
    level: str  # error | warning | info
    code: str  # stable kebab-case id, e.g. span-unplaced, lrm-stripped
    message: str
    file: str | None = None
    line: int | None = None
    article: str | None = None
    offset: int | None = None

    def as_text(self) -> str:
        where = self.file or "-"
        if self.line:
            where += f":{self.line}"
        if self.article:
            where += f" [{self.article}]"
        at = f" (offset {self.offset})" if self.offset is not None else ""
        return f"{where}: [{self.level.upper()} {self.code}] {self.message}{at}"

    def as_json(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v is not None}


class Levels:
    """`error`, `warning` and `info`: the class's `add` at that level (the rest of the
    arguments say where: file, line, article, offset for a Report; line, offset for a Sink)."""

    def error(self, code: str, message: str, *where, **named) -> None:
        self.add(ERROR, code, message, *where, **named)

    def warning(self, code: str, message: str, *where, **named) -> None:
        self.add(WARNING, code, message, *where, **named)

    def info(self, code: str, message: str, *where, **named) -> None:
        self.add(INFO, code, message, *where, **named)


@dataclass
class Report(Levels):
    """Everything an import or export noticed: problems (each with its place), repair and
    drop counts. Errors stop an import from writing unless the user allows drops."""

    problems: list[Problem] = field(default_factory=list)
    repairs: Counter = field(default_factory=Counter)
    dropped: Counter = field(default_factory=Counter)
    counts: Counter = field(default_factory=Counter)

    def add(self, level: str, code: str, message: str, file=None, line=None, article=None, offset=None) -> None:
        self.problems.append(Problem(level, code, message, str(file) if file is not None else None, line, article, offset))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == ERROR]

    def as_json(self) -> dict:
        return {
            "counts": dict(sorted(self.counts.items())),
            "repairs": dict(sorted(self.repairs.items())),
            "dropped": dict(sorted(self.dropped.items())),
            "errors": len(self.errors),
            "problems": [p.as_json() for p in self.problems],
        }

    def print(self) -> None:
        """Problems to stderr, the non-empty counters to stdout (what `akhbar import` and `export` show)."""
        for problem in self.problems:
            print(problem.as_text(), file=sys.stderr)
        for name, counter in (("counts", self.counts), ("repairs", self.repairs), ("dropped", self.dropped)):
            if counter:
                print(f"{name}: " + ", ".join(f"{k} {v}" for k, v in sorted(counter.items())))


@dataclass
class Origin:
    """Where an imported piece was read: file and 1-based line (or a task index)."""

    file: str
    line: int | None = None

    def where(self) -> dict:
        return {"file": self.file, "line": self.line}


@dataclass
class Sink(Levels):
    """Where the messages about one file or document go: the report, each message with the file,
    the article and a line (the item's, else `line`: Label Studio's task line), after `prefix`."""

    report: Report
    file: str
    article: str | None = None
    line: int | None = None
    prefix: str = ""  # e.g. "task 3: "

    def add(self, level: str, code: str, message: str, line: int | None = None, offset: int | None = None) -> None:
        self.report.add(level, code, self.prefix + message, file=self.file, line=line if line is not None else self.line,
                        article=self.article, offset=offset)

    def forward(self, problems: list[Problem], before: str = "", line: int | None = None) -> None:
        """A parser's problems, each at its own line (else `line`), its message after `before`."""
        for problem in problems:
            self.add(problem.level, problem.code, before + problem.message, problem.line if problem.line is not None else line)

    def origin(self, line: int | None) -> Origin:
        return Origin(self.file, line if line is not None else self.line)


@dataclass
class ImportedDoc:
    """The annotation layers of one article as read from an interchange file.

    `entities`, `quotes`, `events` follow the record contract; spans are code-point offsets
    into `text`. `origins` maps id(span dict) -> Origin so that re-anchoring can say where a
    span it cannot place came from. `article_id` is None when the source names no article.
    """

    article_id: str | None
    text: str
    entities: list[dict]
    quotes: list[dict]
    events: list[dict]
    source_file: Path | None = None  # the file the text came from (provenance of new records)
    origin: Origin | None = None
    origins: dict[int, Origin] = field(default_factory=dict)

    def note(self, span: dict, origin: Origin) -> dict:
        self.origins[id(span)] = origin
        return span

    def where(self) -> dict:
        """file and line of the document, for messages about it as a whole."""
        return self.origin.where() if self.origin else {}


PARTIES = ("actor", "recipient")  # the roles an event lists by themselves; the others are its arguments


def event_roles(event: dict) -> list[tuple[str, str]]:
    """(role, entity id) of an event's actors, recipients and arguments, in the order exports write them."""
    parties = [(role, t) for role in PARTIES for t in event[role]]
    return parties + [(arg["role"], arg["entity"]) for arg in event["arguments"]]


def id_number(ident: str) -> int:
    return int(ident[1:]) if len(ident) > 1 and ident[1:].isdigit() else 0


def not_utf8(data: bytes, exc: UnicodeDecodeError) -> tuple[str, int]:
    """The message and 1-based line of a file that is not UTF-8."""
    return f"not UTF-8 (byte 0x{data[exc.start]:02X})", data.count(b"\n", 0, exc.start) + 1


# What reading a record or task of the wrong shape raises (a missing key, a wrong type, a bad offset).
MALFORMED = (KeyError, TypeError, AttributeError, IndexError, ValueError)


@contextmanager
def exporting(record: dict):
    """A record an exporter cannot read is one message naming it, not a traceback."""
    try:
        yield
    except MALFORMED as exc:
        raise InterchangeError(f"{record.get('id')}: not a valid record (missing or wrong {exc}); run akhbar validate") from None
