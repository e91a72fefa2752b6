"""CoNLL BIO: one token and its tag per line, a blank line between sentences.

Import reads third-party NER corpora and maps their labels onto our inventory with a
built-in map (`conll4`: PER/ORG/LOC/MISC; `aqmar`: PER/ORG/LOC/MIS) or a user's JSON map
file. The text is rebuilt from the tokens (one space between tokens, one line per sentence)
with recorded offsets, so every B- tag of a mapped type becomes exactly one mention (a
singleton entity: CoNLL has no coreference).

Real files are quirky; each quirk is repaired and counted in the report, never fatal:
a byte-order mark, CRLF line ends, tab or space separators (the token is the first column,
the tag the last), separator lines holding only whitespace, directional marks (U+200E,
U+200F, U+061C) and bidi controls glued to tokens (stripped), text not in NFC (normalised),
an I- tag without its B- (read as B-), BIOES S-/E- tags (read as B-/I-), `-DOCSTART-`
lines (document boundaries).

Export writes the same format from records: tokens split at whitespace, punctuation and every
mention edge (so a clitic-prefixed mention like لجيش in للجيش keeps its exact extent), tags
from our types (`--tagset akhbar`) or their CoNLL-4 mapping (`--tagset conll4`), one
`-DOCSTART- O` line before each article, one file per split.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

from akhbar import labels
from akhbar.interchange.common import ImportedDoc, InterchangeError, Origin, Report

BUILTIN_MAPS: dict[str, dict[str, str | None]] = {
    # CoNLL LOC covers our GPE, LOC and FAC; GPE (countries, cities) is by far the most
    # frequent in news, so LOC -> GPE and the silver status asks for review. MISC / MIS
    # (nationalities, events, laws, products, works...) has no single counterpart: dropped,
    # with a count in the report (map it in a map file to keep it).
    "conll4": {"PER": "PERS", "ORG": "ORG", "LOC": "GPE", "MISC": None},
    "aqmar": {"PER": "PERS", "ORG": "ORG", "LOC": "GPE", "MIS": None},
}
STRIPPED = {
    "\u200e": "U+200E LEFT-TO-RIGHT MARK",
    "\u200f": "U+200F RIGHT-TO-LEFT MARK",
    "\u061c": "U+061C ARABIC LETTER MARK",
    **{chr(c): f"U+{c:04X} bidi control" for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))},
    "\ufeff": "U+FEFF zero-width no-break space",
}
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
TAG = re.compile(r"^([BIES])-(.+)$")
SENTENCE_END = {".", "؟", "?", "!"}


def load_map(spec: str) -> tuple[str, dict[str, str | None]]:
    """A built-in map name or a JSON map file: {"name": ..., "labels": {"TAG": "TYPE" | null}}."""
    if spec in BUILTIN_MAPS:
        return spec, dict(BUILTIN_MAPS[spec])
    path = Path(spec)
    if not path.is_file():
        raise InterchangeError(f"--map {spec}: neither a built-in map ({', '.join(BUILTIN_MAPS)}) nor a file")
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InterchangeError(f"{path}: not a JSON map file ({exc})") from None
    mapping = data.get("labels") if isinstance(data, dict) else None
    if not isinstance(mapping, dict):
        raise InterchangeError(f'{path}: a map file is {{"labels": {{"TAG": "TYPE" or null, ...}}}}')
    known = set(labels.entity_types())
    for tag, target in mapping.items():
        if target is not None and target not in known:
            raise InterchangeError(f"{path}: {tag!r} maps to {target!r}, which is not an Akhbar entity type ({', '.join(sorted(known))})")
    return str(data.get("name") or path.stem), mapping


def _decode(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InterchangeError(f"{path}:{line}: not UTF-8 (byte 0x{data[exc.start]:02X})") from None


def clean_token(token: str, report: Report, where: dict) -> str:
    out = token
    for ch, name in STRIPPED.items():
        if ch in out:
            n = out.count(ch)
            out = out.replace(ch, "")
            key = f"{name} stripped from tokens"
            if not report.repairs[key]:
                report.warning("mark-stripped", f"{name} glued to token {token!r} removed (counted for the whole file)", **where)
            report.repairs[key] += n
    if CONTROL.search(out):
        out = CONTROL.sub("", out)
        report.repairs["control characters stripped"] += 1
        report.warning("control-stripped", f"control character removed from token {token!r}", **where)
    nfc = unicodedata.normalize("NFC", out)
    if nfc != out:
        report.repairs["tokens normalised to NFC"] += 1
        out = nfc
    return out.strip()


Token = tuple[str, "str | None", str, int]  # token, tag type, B/I/O, line


class _Sentences:
    """Pass 1 of `read_conll`: the file's lines into documents of sentences of tokens,
    repairing (and counting) the quirks as it goes."""

    def __init__(self, name: str, report: Report, sentences_per_doc: int) -> None:
        self.name, self.report, self.sentences_per_doc = name, report, sentences_per_doc
        self.docs: list[list[list[Token]]] = [[]]
        self.doc_lines: list[int] = [1]  # where each document starts
        self.sentence: list[Token] = []
        self.previous: tuple[str, str | None] = ("O", None)
        self.crlf = self.tab_sep = self.space_sep = self.tab_only = 0

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
        self.previous = ("O", None)

    def columns(self, line: str) -> list[str]:
        if "\t" not in line:
            self.space_sep += 1
            return line.split()
        self.tab_sep += 1
        return [p for p in (p.strip(" ") for p in line.split("\t")) if p] or [""]

    def line(self, line: str, number: int) -> None:
        where = {"file": self.name, "line": number}
        if line.endswith("\r"):
            line = line[:-1]
            self.crlf += 1
        if not line.strip():
            self.tab_only += bool(line)
            self.end_sentence(number)
            return
        parts = self.columns(line)
        if parts[0] == "-DOCSTART-":
            self.end_sentence(number)
            if self.docs[-1]:
                self.new_doc(number + 1)
            return
        if len(parts) < 2:
            self.report.error("line-no-tag", f"line {line!r} has no tag column; read as O", **where)
            parts = [parts[0], "O"]
        token = clean_token(parts[0], self.report, where)
        bio, kind = self.tag(parts[-1], where)
        if not token:
            self.report.warning("token-empty", f"token {parts[0]!r} is empty once cleaned; skipped", **where)
            self.report.repairs["empty tokens skipped"] += 1
            self.previous = ("O", None) if bio == "B" or self.previous[0] == "O" else self.previous
            return
        if bio == "I" and (self.previous[0] == "O" or self.previous[1] != kind):
            after = "O" if self.previous[0] == "O" else f"{self.previous[0]}-{self.previous[1]}"
            self.report.warning("orphan-inside", f"I-{kind} follows {after if self.sentence else 'a sentence break'}: read as B-{kind}",
                                **where)
            self.report.repairs["orphan I- tags read as B-"] += 1
            bio = "B"
        self.sentence.append((token, kind, bio, number))
        self.previous = (bio, kind)

    def tag(self, tag: str, where: dict) -> tuple[str, str | None]:
        """(B/I/O, type) of a tag; BIOES S-/E- read as B-/I-; anything else is O (reported)."""
        if tag == "O":
            return "O", None
        match = TAG.match(tag)
        if not match:
            self.report.error("tag-invalid", f"tag {tag!r} is not O, B-X or I-X; read as O", **where)
            return "O", None
        bio, kind = match.group(1), match.group(2)
        if bio in "SE":
            self.report.repairs["BIOES tags read as BIO"] += 1
            bio = "B" if bio == "S" else "I"
        return bio, kind

    def count(self) -> None:
        if self.crlf:
            self.report.repairs["CRLF line ends"] += self.crlf
        if self.tab_only:
            self.report.repairs["separator lines holding only whitespace (tab)"] += self.tab_only
        if self.tab_sep and self.space_sep:
            self.report.info("mixed-separators", f"{self.tab_sep} tab-separated and {self.space_sep} space-separated lines", file=self.name)
        self.report.counts["tokens"] += sum(len(s) for d in self.docs for s in d)
        self.report.counts["sentences"] += sum(len(d) for d in self.docs)


def _text_and_mentions(doc: ImportedDoc, sentences: list[list[Token]]) -> list[tuple[int, int, str, int]]:
    """Pass 2: the document's text (one space between tokens, one line per sentence) and blocks;
    returns its mentions (start, end, tag type, line): a B- token and the I- tokens after it."""
    pieces: list[str] = []
    offset = 0
    mentions: list[tuple[int, int, str, int]] = []
    for s_index, sentence in enumerate(sentences):
        if s_index:
            pieces.append("\n")
            offset += 1
        block_start = offset
        open_mention: list | None = None  # [start, end, kind, line]
        for t_index, (token, kind, bio, line) in enumerate(sentence):
            if t_index:
                pieces.append(" ")
                offset += 1
            start, end = offset, offset + len(token)
            pieces.append(token)
            offset = end
            if bio == "I" and open_mention:
                open_mention[1] = end
                continue
            if open_mention:
                mentions.append(tuple(open_mention))
            open_mention = [start, end, kind, line] if bio == "B" else None
        if open_mention:
            mentions.append(tuple(open_mention))
        doc.blocks.append({"start": block_start, "end": offset, "kind": "paragraph"})
    doc.text = "".join(pieces)
    return mentions


def read_conll(path: Path, mapping: dict[str, str | None], report: Report, map_name: str = "map",
               sentences_per_doc: int = 0) -> list[ImportedDoc]:
    """Documents from one CoNLL BIO file. Documents end at `-DOCSTART-` lines and, when
    `sentences_per_doc` > 0, after that many sentences."""
    path = Path(path)
    name = str(path)
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        report.repairs["byte-order mark removed"] += 1
        report.warning("bom", "the file starts with a UTF-8 byte-order mark (removed)", file=name, line=1)
    lines = _decode(path, data).split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    reader = _Sentences(name, report, sentences_per_doc)
    reader.read(lines)

    docs: list[ImportedDoc] = []
    unmapped: dict[str, int] = {}
    for sentences, first_line in zip(reader.docs, reader.doc_lines, strict=True):
        if not sentences:
            continue
        doc = ImportedDoc(None, "", [], [], [], source_file=path, origin=Origin(name, first_line), blocks=[])
        for start, end, kind, line in _text_and_mentions(doc, sentences):
            target = _mapped(kind, line, mapping, map_name, unmapped, report, name)
            if target is None:
                continue
            k = len(doc.entities) + 1
            mention = doc.note({"id": f"m{k}", "start": start, "end": end, "text": doc.text[start:end]}, Origin(name, line))
            doc.entities.append({"id": f"e{k}", "type": target, "subtype": None, "name": mention["text"], "wikidata": None,
                                 "mentions": [mention]})
            report.counts[f"mentions {kind} -> {target}"] += 1
        docs.append(doc)
    for kind, n in unmapped.items():
        if n > 1:
            report.error("label-unmapped", f"label {kind!r}: {n} mentions in all are unmapped", file=name)
    return docs


def _mapped(kind: str, line: int, mapping: dict[str, str | None], map_name: str, unmapped: dict[str, int], report: Report,
            name: str) -> str | None:
    """Our type for a tag type; None when the map drops it or lacks it (counted; the first
    unmapped use of a tag is an error with its line)."""
    if kind not in mapping:
        unmapped[kind] = unmapped.get(kind, 0) + 1
        if unmapped[kind] == 1:
            report.error("label-unmapped", f"label {kind!r} is not in the {map_name} map (map it to a type or to null)", file=name, line=line)
        report.dropped[f"{kind} (unmapped)"] += 1
        return None
    if mapping[kind] is None:
        report.dropped[f"{kind} (mapped to nothing)"] += 1
    return mapping[kind]


# ---- export ----------------------------------------------------------------------------------


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or unicodedata.category(ch) in ("Mn", "Mc") or ch == "\u0640"


def tokenize(text: str, cuts: set[int]) -> list[tuple[int, int]]:
    """Tokens as (start, end): runs of letters/digits/marks, single other non-space
    characters; also cut at every offset in `cuts` (mention edges)."""
    tokens, i, n = [], 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        j = i + 1
        if _is_word_char(text[i]):
            while j < n and _is_word_char(text[j]) and j not in cuts:
                j += 1
        tokens.append((i, j))
        i = j
    return tokens


def record_to_conll(record: dict, tagset: str, report: Report) -> list[str]:
    """Lines (without newline) of one article: -DOCSTART-, sentences, blank lines."""
    text = record["text"]
    conll4 = {t["label"]: t["mappings"]["conll4"] for t in labels.inventory("entity_types")["types"]}
    spans = sorted(
        ((m["start"], m["end"], e["type"]) for e in record.get("entities", []) for m in e.get("mentions", [])),
        key=lambda s: (s[0], -s[1]),
    )
    flat: list[tuple[int, int, str]] = []
    for start, end, kind in spans:
        if flat and start < flat[-1][1]:
            report.dropped["nested mentions (BIO is flat)"] += 1
            continue
        label = kind if tagset == "akhbar" else conll4.get(kind)
        if label is None:
            report.dropped[f"{kind} (no {tagset} label)"] += 1
            continue
        flat.append((start, end, label))
    cuts = {s for s, _, _ in flat} | {e for _, e, _ in flat}
    tokens = tokenize(text, cuts)
    lines = ["-DOCSTART- O", ""]
    k = 0
    sentence: list[str] = []
    open_end = None
    previous_end = 0
    for start, end in tokens:
        if sentence and "\n" in text[previous_end:start] and open_end is None:
            lines.extend(sentence + [""])
            sentence = []
        while k < len(flat) and flat[k][1] <= start:
            k += 1
        tag = "O"
        if k < len(flat) and flat[k][0] <= start < flat[k][1]:
            tag = ("B-" if start == flat[k][0] else "I-") + flat[k][2]
            open_end = flat[k][1] if end < flat[k][1] else None
        else:
            open_end = None
        sentence.append(f"{text[start:end]} {tag}")
        previous_end = end
        if text[start:end] in SENTENCE_END and open_end is None:
            lines.extend(sentence + [""])
            sentence = []
    if sentence:
        lines.extend(sentence + [""])
    report.counts["mentions exported"] += len(flat)
    report.counts["tokens exported"] += len(tokens)
    return lines


def export_conll(records: list[dict], out_dir: Path, tagset: str, report: Report) -> list[Path]:
    from akhbar.records import atomic_write

    if tagset not in ("akhbar", "conll4"):
        raise InterchangeError(f"unknown tagset {tagset!r} (akhbar or conll4)")
    by_split: dict[str, list[str]] = {}
    for record in records:
        try:
            lines = record_to_conll(record, tagset, report)
        except (KeyError, TypeError, AttributeError, IndexError) as exc:
            raise InterchangeError(f"{record.get('id')}: not a valid record (missing or wrong {exc}); run akhbar validate") from None
        by_split.setdefault(str(record.get("split", "train")), []).extend(lines)
    written = []
    for split, lines in sorted(by_split.items()):
        path = out_dir / f"{split}.txt"
        atomic_write(path, [("\n".join(lines) + "\n").encode("utf-8")])
        written.append(path)
    return written
