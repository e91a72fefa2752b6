"""CoNLL BIO: one token per line, then its IOB2 tag or tags; a blank line between sentences.
The format, the maps and the repairs are documented in docs/interchange.md.

Import reads third-party NER corpora, flat or nested, and maps their labels onto our inventory
with a built-in map (`akhbar.interchange.maps`) or a user's JSON map file; without one, the
tagset a file declares in a `# tagset = NAME` comment picks the map, else `conll4`. The text is
rebuilt from the tokens (one space between tokens, one line per sentence); each mention is a
singleton entity. Every column after the token is a tag column, outer mention first, decoded
per type as Wojood does (`akhbar.hf.tokenize.decode`, the one IOB2 decoder). Each quirk of a
real file is repaired and counted in the report; a repair that decides a mention's extent (an
I- tag that continues nothing) is an error unless `allow_repairs`, and crossing mentions are
errors (the record contract allows nesting only).

Export writes the segmentation of the `ner` configs (`akhbar.hf.tokenize.record_view`): a
`# tagset = NAME` line, then per article a `-DOCSTART- O` line and its sentences; with
`--tagset akhbar` nested mentions become extra tag columns, `conll4` is flat. One file per split.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from akhbar import labels
from akhbar.checks import CONTROL_CHARS_NO_NEWLINE
from akhbar.hf import tokenize as tok
from akhbar.interchange import TAGSETS
from akhbar.interchange.common import ImportedDoc, InterchangeError, Origin, Report, Sink, exporting, not_utf8
from akhbar.interchange.maps import MAP_NAMES, load_map
from akhbar.records import BOM, atomic_write

SEGMENT_MARKER = "$#$"
COMMENT = re.compile(r"^#\s*([A-Za-z][\w-]*)\s*=\s*(.*?)\s*$")  # `# key = value`, as CoNLL-U writes them
STRIPPED = {
    "\u200e": "U+200E LEFT-TO-RIGHT MARK",
    "\u200f": "U+200F RIGHT-TO-LEFT MARK",
    "\u061c": "U+061C ARABIC LETTER MARK",
    **{chr(c): f"U+{c:04X} bidi control" for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))},
    "\ufeff": "U+FEFF zero-width no-break space",
}


def clean_token(token: str, sink: Sink, line: int) -> str:
    """The token without directional marks and control characters, in NFC (each repair counted)."""
    report, out = sink.report, token
    for ch, name in STRIPPED.items():
        if ch in out:
            n = out.count(ch)
            out = out.replace(ch, "")
            key = f"{name} stripped from tokens"
            if not report.repairs[key]:
                sink.warning("mark-stripped", f"{name} glued to token {token!r} removed (counted for the whole file)", line)
            report.repairs[key] += n
    if CONTROL_CHARS_NO_NEWLINE.search(out):
        out = CONTROL_CHARS_NO_NEWLINE.sub("", out)
        report.repairs["control characters stripped"] += 1
        sink.warning("control-stripped", f"control character removed from token {token!r}", line)
    nfc = unicodedata.normalize("NFC", out)
    if nfc != out:
        report.repairs["tokens normalised to NFC"] += 1
        out = nfc
    return out.strip()


def _is_comment(parts: list[str]) -> bool:
    """A line starting with # that is not a token with tags (`# O` is the token #)."""
    return parts[0].startswith("#") and (len(parts) < 2 or any(tok.parse_tag(p) is None for p in parts[1:]))


@dataclass
class Token:
    text: str
    tags: list[tuple[str, str]]  # (B/I, type) pairs, outer mention first; [] for O
    line: int


class _Sentences:
    """Pass 1 of `read_conll`: the file's lines into documents of sentences of tokens,
    repairing (and counting) the quirks as it goes."""

    def __init__(self, sink: Sink, sentences_per_doc: int) -> None:
        self.sink, self.report, self.sentences_per_doc = sink, sink.report, sentences_per_doc
        self.docs: list[list[list[Token]]] = [[]]
        self.doc_lines: list[int] = [1]  # where each document starts
        self.sentence: list[Token] = []
        self.comments: dict[str, str] = {}
        self.declared: str | None = None  # the tagset a `# tagset = NAME` line before the first token declares
        self.header = True  # no token (nor -DOCSTART-) read yet
        self.tab_sep = self.space_sep = 0

    def read(self, lines: list[str]) -> None:
        number = 0
        for number, line in enumerate(lines, start=1):
            self.line(line, number)
        self.end_sentence(number + 1)
        self.count()

    def new_doc(self, starts_at: int) -> None:
        self.docs.append([])
        self.doc_lines.append(starts_at)

    def end_sentence(self, number: int) -> None:
        if self.sentence:
            self.docs[-1].append(self.sentence)
            if self.sentences_per_doc and len(self.docs[-1]) >= self.sentences_per_doc:
                self.new_doc(number + 1)
        self.sentence = []

    def columns(self, line: str) -> list[str]:
        if "\t" not in line:
            self.space_sep += 1
            return line.split()
        self.tab_sep += 1
        return [p for p in (p.strip(" ") for p in line.split("\t")) if p] or [""]

    def line(self, line: str, number: int) -> None:
        if line.endswith("\r"):
            line = line[:-1]
            self.report.repairs["CRLF line ends"] += 1
        if not line.strip():
            if line:
                self.report.repairs["separator lines holding only whitespace (tab)"] += 1
            self.end_sentence(number)
            return
        parts = self.columns(line)
        if _is_comment(parts):
            comment = COMMENT.match(line.strip())
            if comment:
                self.comments[comment.group(1)] = comment.group(2)
                if self.header and comment.group(1) == "tagset" and self.declared is None:
                    self.declared = comment.group(2)
            return
        self.header = False
        if parts[0] == "-DOCSTART-":
            self.end_sentence(number)
            if self.docs[-1]:
                self.new_doc(number + 1)
            return
        if len(parts) < 2:
            self.sink.error("line-no-tag", f"line {line!r} has no tag column; read as O", number)
            parts = [parts[0], "O"]
        tags = self.tags(parts[1:], number)
        if parts[0] == SEGMENT_MARKER:
            self.report.repairs[f"segment markers {SEGMENT_MARKER} dropped"] += 1
            if tags:
                self.sink.error("marker-tagged", f"segment marker {SEGMENT_MARKER} carries {' '.join(parts[1:])}; "
                                "the marker is dropped and its tags with it", number)
            self.end_sentence(number)
            return
        token = clean_token(parts[0], self.sink, number)
        if not token:
            self.sink.warning("token-empty", f"token {parts[0]!r} is empty once cleaned; skipped", number)
            self.report.repairs["empty tokens skipped"] += 1
            return
        self.sentence.append(Token(token, tags, number))

    def tags(self, columns: list[str], number: int) -> list[tuple[str, str]]:
        """The (B/I, type) pairs of a line's tag columns, outer first; BIOES S-/E- read as B-/I-;
        anything that is not a tag is dropped (reported); O columns carry nothing."""
        pairs = []
        for tag in columns:
            parsed = tok.parse_tag(tag)
            if parsed is None:
                self.sink.error("tag-invalid", f"tag {tag!r} is not O, B-X or I-X; read as O", number)
                continue
            if tag[0] in "SE":
                self.report.repairs["BIOES tags read as BIO"] += 1
            if parsed[0] != "O":
                pairs.append(parsed)
        return pairs

    def count(self) -> None:
        if self.tab_sep and self.space_sep:
            self.sink.info("mixed-separators", f"{self.tab_sep} tab-separated and {self.space_sep} space-separated lines")
        self.report.counts["tokens"] += sum(len(s) for d in self.docs for s in d)
        self.report.counts["sentences"] += sum(len(d) for d in self.docs)


@dataclass
class _Mention:
    start: int
    end: int
    type: str
    line: int


def _decode(doc: ImportedDoc, sentences: list[list[Token]], sink: Sink, allow_repairs: bool) -> list[_Mention]:
    """Pass 2: a document's text (one space between tokens, one line per sentence: the paragraph
    blocks of a new record) and mentions, decoded by `akhbar.hf.tokenize.decode`; orphan I- tags
    and crossing mentions are reported with their lines."""
    offset = 0
    mentions: list[_Mention] = []
    for sentence in sentences:
        spans = []
        for token in sentence:
            spans.append((offset, offset + len(token.text)))
            offset += len(token.text) + 1  # the space after the token, or the newline after the sentence
        for found in tok.decode([t.tags for t in sentence]):
            if found.orphan:
                _orphan(sentence, found, sink, allow_repairs)
            mentions.append(_Mention(spans[found.first][0], spans[found.last][1], found.type, sentence[found.first].line))
    doc.text = "\n".join(" ".join(token.text for token in sentence) for sentence in sentences)
    return _laminar(mentions, sink)


def _orphan(sentence: list[Token], found: tok.Decoded, sink: Sink, allow_repairs: bool) -> None:
    before = "a sentence break" if found.first == 0 else (
        " ".join(f"{b}-{k}" for b, k in sentence[found.first - 1].tags) or "O")
    line = sentence[found.first].line
    sink.report.repairs["orphan I- tags read as B-"] += 1
    message = f"I-{found.type} follows {before}: read as B-{found.type}, so the mention begins here"
    if allow_repairs:
        sink.warning("orphan-inside", message, line)
    else:
        sink.error("orphan-inside", message + " (this decides its extent: check the file, or pass --allow-repairs)", line)


def _laminar(mentions: list[_Mention], sink: Sink) -> list[_Mention]:
    """The mentions that nest or are disjoint, as the record contract requires: one that
    crosses an earlier one is dropped, and so is one with the same offsets as another (both
    errors)."""
    kept: list[_Mention] = []
    open_ends: list[_Mention] = []  # the kept mentions that contain the current position
    for m in sorted(mentions, key=lambda m: (m.start, -m.end)):
        while open_ends and open_ends[-1].end <= m.start:
            open_ends.pop()
        other = open_ends[-1] if open_ends else None
        if other is not None and m.end > other.end:
            sink.error("mention-crossing", f"{m.type} mention crosses the {other.type} mention of line {other.line}; "
                       "dropped (mentions nest or are disjoint)", m.line)
            sink.report.dropped["crossing mentions"] += 1
        elif other is not None and (other.start, other.end) == (m.start, m.end):
            sink.error("mention-duplicate", f"{m.type} mention spans the same tokens as the {other.type} "
                       f"mention of line {other.line}; a record holds one of them: dropped", m.line)
            sink.report.dropped["mentions with the same tokens as another"] += 1
        else:
            kept.append(m)
            open_ends.append(m)
    return kept


def read_conll(path: Path, mapping: dict[str, str | None] | None, report: Report, map_name: str = "map",
               sentences_per_doc: int = 0, allow_repairs: bool = False) -> list[ImportedDoc]:
    """Documents from one CoNLL file (flat or nested IOB2). Documents end at `-DOCSTART-` lines
    and, when `sentences_per_doc` > 0, after that many sentences. `mapping` None: the built-in
    map the file declares in a `# tagset = NAME` line before its first token, else conll4."""
    path = Path(path)
    name, sink = str(path), Sink(report, str(path))
    data = path.read_bytes()
    if data.startswith(BOM):
        data = data[len(BOM):]
        report.repairs["byte-order mark removed"] += 1
        sink.warning("bom", "the file starts with a UTF-8 byte-order mark (removed)", 1)
    try:
        lines = data.decode("utf-8").split("\n")
    except UnicodeDecodeError as exc:
        message, line = not_utf8(data, exc)
        raise InterchangeError(f"{path}:{line}: {message}") from None
    if lines and lines[-1] == "":
        lines.pop()
    reader = _Sentences(sink, sentences_per_doc)
    reader.read(lines)
    if mapping is None:
        map_name, mapping = load_map(reader.declared if reader.declared in MAP_NAMES else "conll4")
    declared = reader.comments.get("tagset")
    if declared is not None and declared != map_name and map_name in MAP_NAMES:
        sink.warning("tagset-differs", f"the file declares tagset {declared!r}; read with the {map_name} map as asked")
    if map_name in ("conll4", "aqmar") and "LOC" in mapping and mapping["LOC"] == "GPE":
        sink.info("loc-read-as-gpe", "CoNLL LOC covers Akhbar GPE, LOC and FAC: read as GPE (review the mentions)")

    docs: list[ImportedDoc] = []
    unmapped: dict[str, int] = {}
    for sentences, first_line in zip(reader.docs, reader.doc_lines, strict=True):
        if not sentences:
            continue
        doc = ImportedDoc(None, "", [], [], [], source_file=path, origin=Origin(name, first_line))
        for m in _decode(doc, sentences, sink, allow_repairs):
            target = _mapped(m.type, m.line, mapping, map_name, unmapped, sink)
            if target is None:
                continue
            k = len(doc.entities) + 1
            mention = doc.note({"id": f"m{k}", "start": m.start, "end": m.end, "text": doc.text[m.start:m.end]}, Origin(name, m.line))
            doc.entities.append({"id": f"e{k}", "type": target, "subtype": None, "name": mention["text"], "wikidata": None,
                                 "mentions": [mention]})
            report.counts[f"mentions {m.type} -> {target}"] += 1
        docs.append(doc)
    for kind, n in unmapped.items():
        if n > 1:
            sink.error("label-unmapped", f"label {kind!r}: {n} mentions in all are unmapped")
    return docs


def _mapped(kind: str, line: int, mapping: dict[str, str | None], map_name: str, unmapped: dict[str, int], sink: Sink) -> str | None:
    """Our type for a tag type; None when the map drops it or lacks it (counted; the first
    unmapped use of a tag is an error with its line)."""
    if kind not in mapping:
        unmapped[kind] = unmapped.get(kind, 0) + 1
        if unmapped[kind] == 1:
            sink.error("label-unmapped", f"label {kind!r} is not in the {map_name} map (map it to a type or to null)", line)
        sink.report.dropped[f"{kind} (unmapped)"] += 1
        return None
    if mapping[kind] is None:
        sink.report.dropped[f"{kind} (mapped to nothing)"] += 1
    return mapping[kind]


# ---- export ----------------------------------------------------------------------------------


def _view(record: dict) -> tuple[tok.RecordView, list[str]]:
    """The record's token view (`record_view`) and the types of its mentions."""
    import numpy as np

    type_id = {t: i for i, t in enumerate(labels.entity_types())}
    mentions = [(m["start"], m["end"], e["type"]) for e in record.get("entities", []) for m in e.get("mentions", [])]
    unknown = sorted({str(kind) for _, _, kind in mentions if kind not in type_id})
    if unknown:
        raise InterchangeError(f"{record.get('id')}: unknown entity type(s) {', '.join(unknown)}; run akhbar validate")
    view = tok.record_view(record["text"], *(np.array(column, dtype=np.int64) for column in (
        [m[0] for m in mentions], [m[1] for m in mentions], [type_id[m[2]] for m in mentions])))
    return view, [kind for _, _, kind in mentions]


def _tag_columns(view: tok.RecordView, types: list[str], tagset: str, report: Report) -> tuple[list[list[str]], int]:
    """The tag columns to write (akhbar: the outermost layer, then one per nesting depth;
    conll4: the `ner_conll4` layer) and how many mentions they should hold."""
    tags = view.view.tags
    if tagset == "akhbar":
        names, layers, expected = view.akhbar_names, [tags[0], *tags[2:]], len(types)
    else:
        mapping = labels.type_mapping("conll4")
        names, layers, expected = view.conll4_names, [tags[1]], sum(1 for kind in types if mapping[kind])
        for kind in types:
            if mapping[kind] is None:
                report.dropped[f"{kind} (no {tagset} label)"] += 1
    return [[names[c] for c in layer.tolist()] for layer in layers], expected


def record_to_conll(record: dict, tagset: str, report: Report) -> list[str]:
    """Lines (without newline) of one article: -DOCSTART-, sentences, blank lines. The
    sentences and tokens are the `ner` config's (`record_view`); a token's tags are its
    columns up to the first O (nested mentions lie inside their container's tokens)."""
    text = record["text"]
    view, types = _view(record)
    columns, expected = _tag_columns(view, types, tagset, report)
    tv = view.view
    starts, ends, bounds = tv.starts.tolist(), tv.ends.tolist(), tv.bounds.tolist()
    lines = ["-DOCSTART- O", ""]
    b_tags = 0
    for k in range(len(tv.sentences)):
        for t in range(bounds[k], bounds[k + 1]):
            tags = [column[t] for column in columns]
            while len(tags) > 1 and tags[-1] == "O":
                tags.pop()
            b_tags += sum(tag.startswith("B-") for tag in tags)
            lines.append(f"{text[starts[t]:ends[t]]} {' '.join(tags)}")
        lines.append("")
    if expected > b_tags:
        reason = "nested mentions (conll4 is flat)" if tagset == "conll4" else "mentions sharing their tokens with another"
        report.dropped[reason] += expected - b_tags
    report.counts["mentions exported"] += b_tags
    report.counts["tokens exported"] += len(starts)
    return lines


def export_conll(records: list[dict], out_dir: Path, tagset: str, report: Report) -> list[Path]:
    if tagset not in TAGSETS:
        raise InterchangeError(f"unknown tagset {tagset!r} ({' or '.join(TAGSETS)})")
    by_split: dict[str, list[str]] = {}
    for record in records:
        with exporting(record):
            lines = record_to_conll(record, tagset, report)
        by_split.setdefault(str(record.get("split", "train")), []).extend(lines)
    written = []
    for split, lines in sorted(by_split.items()):
        path = out_dir / f"{split}.txt"
        atomic_write(path, [(f"# tagset = {tagset}\n" + "\n".join(lines) + "\n").encode("utf-8")])
        written.append(path)
    return written
