"""The validator's vocabulary: every check id with its level and class, the diagnostic
record, and its text, JSON and GitHub-annotation renderings.

Check ids are stable: tests, CI configurations and users' `--exclude` lists name them, so an
id is never renamed or reused; a retired check keeps its id documented as retired.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import NamedTuple

ERROR, WARNING = "error", "warning"  # also the names of GitHub's workflow commands (::error, ::warning)


class Check(NamedTuple):
    level: str
    cls: str  # the family, as in UD's validator: FORMAT, JSON, SCHEMA, UNICODE, SPAN, ...
    summary: str


CHECKS: dict[str, Check] = {
    # FORMAT: the bytes of the file
    "file-not-utf8": Check(ERROR, "FORMAT", "a line is not valid UTF-8"),
    "file-bom": Check(ERROR, "FORMAT", "the file starts with a byte-order mark"),
    "file-crlf": Check(ERROR, "FORMAT", "a line ends with CR LF instead of LF"),
    "file-blank-line": Check(ERROR, "FORMAT", "an empty or whitespace-only line"),
    "file-no-final-newline": Check(WARNING, "FORMAT", "the last line does not end with a newline"),
    "file-unreadable": Check(ERROR, "FORMAT", "the file cannot be opened or read"),
    # JSON: what lenient parsers accept silently
    "json-invalid": Check(ERROR, "JSON", "the line is not JSON (truncated, malformed)"),
    "json-not-object": Check(ERROR, "JSON", "the line is JSON but not an object"),
    "json-duplicate-key": Check(ERROR, "JSON", "an object has the same key twice"),
    "json-nan-infinity": Check(ERROR, "JSON", "NaN, Infinity or a number that overflows to infinity"),
    "json-lone-surrogate": Check(ERROR, "JSON", "a \\uD800-\\uDFFF escape that is not part of a pair"),
    "json-too-deep": Check(ERROR, "JSON", "absurdly deep nesting"),
    # SCHEMA
    "schema-violation": Check(ERROR, "SCHEMA", "the record does not match schema/article.schema.json"),
    "schema-version-unsupported": Check(ERROR, "SCHEMA", "schema_version has a major version these tools do not support"),
    "label-unknown": Check(ERROR, "LABEL", "a label outside its inventory in schema/labels/"),
    "cue-lemma-unknown": Check(WARNING, "LABEL", "a cue lemma not in schema/labels/cue_lemmas.json"),
    # UNICODE: the text itself
    "text-not-nfc": Check(ERROR, "UNICODE", "a string is not in Unicode NFC"),
    "text-bidi-control": Check(ERROR, "UNICODE", "an invisible bidirectional embedding, override or isolate (U+202A-U+202E, U+2066-U+2069)"),
    "text-bidi-mark": Check(WARNING, "UNICODE", "a left-to-right, right-to-left or Arabic letter mark (U+200E, U+200F, U+061C)"),
    "text-control-char": Check(ERROR, "UNICODE", "NUL or another control character (only \\n is allowed, in text)"),
    # SPAN: offsets and surfaces
    "span-offset-not-integer": Check(ERROR, "SPAN", "a span offset is not an integer"),
    "span-out-of-range": Check(ERROR, "SPAN", "a span offset is outside the text"),
    "span-empty": Check(ERROR, "SPAN", "a span has start == end"),
    "span-reversed": Check(ERROR, "SPAN", "a span has start > end"),
    "span-text-mismatch": Check(ERROR, "SPAN", "a span's text differs from text[start:end]"),
    "span-splits-word": Check(WARNING, "SPAN", "a span edge falls between two letters of a word (clitic boundaries excepted)"),
    "span-zero-width": Check(WARNING, "SPAN", "a span holds a zero-width or other invisible character"),
    "mention-crossing": Check(ERROR, "SPAN", "two mentions overlap without one containing the other"),
    "mention-duplicate": Check(ERROR, "SPAN", "two mentions have the same offsets"),
    "block-invalid": Check(ERROR, "SPAN", "blocks overlap, are out of order, or hold a newline"),
    # STRUCTURE: ids and references
    "id-duplicate-article": Check(ERROR, "STRUCTURE", "two records have the same article id (across all shards)"),
    "id-duplicate-annotation": Check(ERROR, "STRUCTURE", "two annotations in one article have the same id"),
    "ref-missing": Check(ERROR, "STRUCTURE", "a reference to an entity or quote id that the article does not have"),
    "ref-wrong-kind": Check(ERROR, "STRUCTURE", "a reference to an id of the wrong kind (a quote id where an entity belongs)"),
    "quote-parent-cycle": Check(ERROR, "STRUCTURE", "quotes whose parent links form a cycle"),
    "quote-speaker-inconsistent": Check(WARNING, "STRUCTURE", "speaker and speaker_kind disagree (a named speaker without an entity, an anonymous one with an entity)"),
    "event-mode-category": Check(ERROR, "STRUCTURE", "a PLOVER mode that does not belong to the event's category"),
    "event-recipient-missing": Check(WARNING, "STRUCTURE", "a PLOVER category that requires a recipient has none"),
    "layer-state-mismatch": Check(ERROR, "STRUCTURE", "annotation.layers says none-applicable for a layer whose list is not empty"),
    "layer-done-empty": Check(WARNING, "STRUCTURE", "annotation.layers says done for a layer whose list is empty (none-applicable says 'annotated, nothing found')"),
    "layer-pending-not-draft": Check(ERROR, "STRUCTURE", "a layer is still pending in a record whose status is silver or gold"),
    # PROVENANCE
    "raw-file-outside": Check(ERROR, "PROVENANCE", "source.raw_file is not a plain path under corpus/raw/ (absolute, .., or a symlink)"),
    "raw-file-missing": Check(ERROR, "PROVENANCE", "source.raw_file does not exist"),
    "raw-sha256-mismatch": Check(ERROR, "PROVENANCE", "source.raw_sha256 does not match the raw file's bytes"),
    # CORPUS: form of the shards
    "record-not-canonical": Check(WARNING, "CORPUS", "the line is not in canonical serialization (run akhbar fmt)"),
    "records-not-sorted": Check(WARNING, "CORPUS", "records are not sorted by id (run akhbar fmt)"),
}


@dataclass
class Diagnostic:
    check: str
    message: str
    file: str
    line: int | None = None
    article: str | None = None
    annotation: str | None = None  # an annotation id (m3, q2, v1) or a JSON path
    start: int | None = None
    end: int | None = None
    column: int | None = None

    @property
    def level(self) -> str:
        return CHECKS[self.check].level

    @property
    def cls(self) -> str:
        return CHECKS[self.check].cls

    def where(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        if self.column:
            where += f":{self.column}"
        return f"{where} [{self.article}]" if self.article else where

    def detail(self) -> str:
        extra = []
        if self.annotation:
            extra.append(self.annotation)
        if self.start is not None:
            extra.append(f"{self.start}-{self.end}" if self.end is not None else str(self.start))
        return f" ({', '.join(extra)})" if extra else ""

    def as_text(self) -> str:
        return f"{self.where()}: [{self.level.upper()} {self.cls} {self.check}] {self.message}{self.detail()}"

    def as_json(self) -> dict:
        data = asdict(self)
        data["level"], data["class"] = self.level, self.cls
        return data

    def as_github(self) -> str:
        props = [f"file={_gh_escape_prop(self.file)}"]
        if self.line:
            props.append(f"line={self.line}")
        if self.column:
            props.append(f"col={self.column}")
        props.append(f"title={self.check}")
        article = f"[{self.article}] " if self.article else ""
        return f"::{self.level} {','.join(props)}::{_gh_escape_data(article + self.message + self.detail())}"


def _gh_escape_data(s: str) -> str:
    # GitHub's workflow-command escaping: % CR LF in data; also , and : in properties.
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_escape_prop(s: str) -> str:
    return _gh_escape_data(s).replace(":", "%3A").replace(",", "%2C")
