"""Reading article records from the places a user can name: a JSONL shard, a folder of
shards, or a shard (or folder) as it stood in a git revision (`REV:path`).

Used by `akhbar agree` (two sides of a comparison) and `akhbar render` (one article). Every
problem with the input becomes an `InputError` whose messages name the file and the line,
so the commands can report them without a traceback.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from akhbar.errors import UserError
from akhbar.git import GitError, run_git
from akhbar.paths import shards_under
from akhbar.records import BOM, iter_lines, parse_line

# How many problems one InputError lists before summarising the rest: a wholly broken file
# must not flood the terminal.
MAX_REPORTED = 20


class InputError(UserError):
    """The input cannot be read; `messages` are one `file:line: problem` each."""

    def __init__(self, messages: list[str]):
        self.messages = messages
        super().__init__(self.summary())

    def summary(self) -> str:
        shown = self.messages[:MAX_REPORTED]
        more = len(self.messages) - len(shown)
        return "\n".join(shown + ([f"... and {more} more problem(s)"] if more else []))


@dataclass
class Located:
    """A record with where it came from, so later checks can point at it."""

    record: dict
    file: str  # as the user would recognise it: the path given, or REV:path
    line: int

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass
class Collection:
    """The records of one side, by article id, in input order."""

    spec: str
    records: dict[str, Located] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)


def is_git_spec(spec: str) -> bool:
    """`REV:path` unless a file or folder of that name exists (an existing path wins)."""
    return ":" in spec and not Path(spec).exists()


def load_collection(spec: str, cwd: Path | None = None) -> Collection:
    """Every record named by `spec`; raises InputError listing every unreadable line."""
    collection = Collection(spec)
    errors: list[str] = []
    for name, lines in _sources(spec, cwd):
        collection.files.append(name)
        for number, raw in lines:
            located, problem = parse_located(raw, name, number)
            if problem:
                errors.append(problem)
                continue
            if located is None:
                continue
            article_id = located.record["id"]
            if article_id in collection.records:
                errors.append(f"{located.where}: duplicate article id {article_id!r} "
                              f"(first at {collection.records[article_id].where})")
                continue
            collection.records[article_id] = located
    if errors:
        raise InputError(errors)
    return collection


def parse_located(raw: bytes, name: str, number: int, require_id: bool = True) -> tuple[Located | None, str | None]:
    """One line as a located JSON object, or the problem with it (None, None for a blank
    line). `require_id`: the object must carry a string "id" (an article record does; the
    rows `akhbar evaluate` reads name their article otherwise)."""
    if number == 1 and raw.startswith(BOM):
        raw = raw[len(BOM):]
    if not raw.strip():
        return None, None  # blank lines carry nothing; the validator is the place to object
    try:
        parsed = parse_line(raw)
    except UnicodeDecodeError as exc:
        return None, f"{name}:{number}: not UTF-8 (byte {exc.start + 1} of the line)"
    if parsed.problems:
        problem = parsed.problems[0]
        column = f", column {problem.column}" if problem.column else ""
        return None, f"{name}:{number}{column}: invalid JSON line: {problem.message}"
    value = parsed.value
    if not isinstance(value, dict):
        return None, f"{name}:{number}: a record must be a JSON object"
    if require_id and (not isinstance(value.get("id"), str) or not value["id"]):
        return None, f"{name}:{number}: the record has no string \"id\""
    return Located(value, name, number), None


def _sources(spec: str, cwd: Path | None) -> Iterator[tuple[str, Iterator[tuple[int, bytes]]]]:
    """(display name, numbered lines) for each shard the spec names."""
    if is_git_spec(spec):
        rev, _, path = spec.partition(":")
        for full in _git_list(rev, path, cwd):
            yield f"{rev}:{full}", _numbered(_git(["show", f"{rev}:{full}"], cwd, f"{rev}:{full}"))
        return
    path = Path(spec)
    if path.is_dir():
        shards = shards_under(path)
        if not shards:
            raise InputError([f"{spec}: no *.jsonl shards in this folder"])
        for shard in shards:
            yield str(shard), iter_lines(shard)
    elif path.is_file():
        yield spec, iter_lines(path)
    else:
        raise InputError([f"{spec}: no such file or folder (nor a REV:path git revision)"])


def _numbered(data: bytes) -> Iterator[tuple[int, bytes]]:
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return iter(enumerate(lines, start=1))


def _git(args: list[str], cwd: Path | None, what: str) -> bytes:
    try:
        return run_git(cwd, *args)
    except GitError as exc:
        raise InputError([f"{what}: git: {exc}" if "not installed" not in str(exc)
                          else f"{what}: reading a git revision needs git, which is not installed"]) from None


def _git_list(rev: str, path: str, cwd: Path | None) -> list[str]:
    """Repository-relative paths of the shards under `path` (relative to cwd, as git takes
    it) in `rev`: the file itself, or the *.jsonl files below a folder (raw/ excluded, as
    for folders on disk)."""
    what = f"{rev}:{path}"
    if not rev:
        raise InputError([f"{what}: empty git revision"])
    args = ["ls-tree", "-r", "-z", "--full-name", "--name-only", rev]
    args += ["--", path] if path else ["--full-tree"]
    names = [n for n in _git(args, cwd, what).decode("utf-8", "replace").split("\0") if n]
    prefix = _git(["rev-parse", "--show-prefix"], cwd, what).decode().strip()
    exact = posixpath.normpath(prefix + path) if path else "."
    if exact in names:
        return [exact]
    base = "" if exact == "." else exact + "/"
    shards = sorted(n for n in names if n.endswith(".jsonl") and "raw" not in n[len(base):].split("/")[:-1])
    if not shards:
        raise InputError([f"{what}: no such file, or no *.jsonl shards, in revision {rev}"])
    return shards


def find_record(article_id: str, specs: list[str], cwd: Path | None = None) -> Located | None:
    """The record with this id in the first shard that has it (None when none has).

    Only lines that contain the id's bytes are parsed: looking up one article must not
    depend on every other line of the corpus being valid. A candidate line that cannot be
    read is an InputError naming it."""
    needle = article_id.encode("utf-8")
    for spec in specs:
        for name, lines in _sources(spec, cwd):
            for number, raw in lines:
                if needle not in raw:
                    continue
                located, problem = parse_located(raw, name, number)
                if located is not None and located.record["id"] == article_id:
                    return located
                if problem and located is None and f'"id":"{article_id}"'.encode() in raw.replace(b" ", b""):
                    raise InputError([problem])
    return None
