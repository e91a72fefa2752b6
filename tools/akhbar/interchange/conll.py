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
    text = _decode(path, data)

    # Pass 1: sentences of (token, tag-type, bio, line), repairing as we go.
    docs_sentences: list[list[list[tuple[str, str | None, str, int]]]] = [[]]
    sentence: list[tuple[str, str | None, str, int]] = []
    doc_lines: list[int] = [1]
    crlf = tab_sep = space_sep = tab_only = 0
    previous: tuple[str, str | None] = ("O", None)

    def end_sentence():
        nonlocal sentence, previous
        if sentence:
            docs_sentences[-1].append(sentence)
            if sentences_per_doc and len(docs_sentences[-1]) >= sentences_per_doc:
                docs_sentences.append([])
                doc_lines.append(number + 1)
        sentence = []
        previous = ("O", None)

    number = 0
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for number, line in enumerate(lines, start=1):
        where = {"file": name, "line": number}
        if line.endswith("\r"):
            line = line[:-1]
            crlf += 1
        if not line.strip():
            if line:
                tab_only += 1
            end_sentence()
            continue
        parts = line.split("\t") if "\t" in line else line.split()
        if "\t" in line:
            tab_sep += 1
            parts = [p.strip(" ") for p in parts]
            parts = [p for p in parts if p] or [""]
        else:
            space_sep += 1
        if parts[0] == "-DOCSTART-":
            end_sentence()
            if docs_sentences[-1]:
                docs_sentences.append([])
                doc_lines.append(number + 1)
            continue
        if len(parts) < 2:
            report.error("line-no-tag", f"line {line!r} has no tag column; read as O", **where)
            parts = [parts[0], "O"]
        token, tag = parts[0], parts[-1]
        token = clean_token(token, report, where)
        bio, kind = "O", None
        if tag != "O":
            match = TAG.match(tag)
            if not match:
                report.error("tag-invalid", f"tag {tag!r} is not O, B-X or I-X; read as O", **where)
            else:
                bio, kind = match.group(1), match.group(2)
                if bio in "SE":
                    report.repairs["BIOES tags read as BIO"] += 1
                    bio = "B" if bio == "S" else "I"
        if not token:
            report.warning("token-empty", f"token {parts[0]!r} is empty once cleaned; skipped", **where)
            report.repairs["empty tokens skipped"] += 1
            previous = ("O", None) if bio == "B" or previous[0] == "O" else previous
            continue
        if bio == "I" and (previous[0] == "O" or previous[1] != kind):
            after = "O" if previous[0] == "O" else f"{previous[0]}-{previous[1]}"
            report.warning("orphan-inside", f"I-{kind} follows {after if sentence else 'a sentence break'}: read as B-{kind}", **where)
            report.repairs["orphan I- tags read as B-"] += 1
            bio = "B"
        sentence.append((token, kind, bio, number))
        previous = (bio, kind)
    number += 1
    end_sentence()

    if crlf:
        report.repairs["CRLF line ends"] += crlf
    if tab_only:
        report.repairs["separator lines holding only whitespace (tab)"] += tab_only
    if tab_sep and space_sep:
        report.info("mixed-separators", f"{tab_sep} tab-separated and {space_sep} space-separated lines", file=name)
    report.counts["tokens"] += sum(len(s) for d in docs_sentences for s in d)
    report.counts["sentences"] += sum(len(d) for d in docs_sentences)

    # Pass 2: text with offsets, and mentions.
    docs: list[ImportedDoc] = []
    unmapped: dict[str, int] = {}
    for sentences, first_line in zip(docs_sentences, doc_lines, strict=True):
        if not sentences:
            continue
        doc = ImportedDoc(None, "", [], [], [], source_file=path, origin=Origin(name, first_line), blocks=[])
        pieces: list[str] = []
        offset = 0
        open_mention: list | None = None  # [start, end, kind, line]
        mentions: list[tuple[int, int, str, int]] = []
        for s_index, sent in enumerate(sentences):
            if s_index:
                pieces.append("\n")
                offset += 1
            block_start = offset
            for t_index, (token, kind, bio, line) in enumerate(sent):
                if t_index:
                    pieces.append(" ")
                    offset += 1
                start, end = offset, offset + len(token)
                pieces.append(token)
                offset = end
                if bio == "B":
                    if open_mention:
                        mentions.append(tuple(open_mention))
                    open_mention = [start, end, kind, line]
                elif bio == "I" and open_mention:
                    open_mention[1] = end
                else:
                    if open_mention:
                        mentions.append(tuple(open_mention))
                    open_mention = None
            if open_mention:
                mentions.append(tuple(open_mention))
                open_mention = None
            doc.blocks.append({"start": block_start, "end": offset, "kind": "paragraph"})
        doc.text = "".join(pieces)
        for start, end, kind, line in mentions:
            if kind not in mapping:
                unmapped[kind] = unmapped.get(kind, 0) + 1
                if unmapped[kind] == 1:
                    report.error("label-unmapped", f"label {kind!r} is not in the {map_name} map (map it to a type or to null)",
                                 file=name, line=line)
                report.dropped[f"{kind} (unmapped)"] += 1
                continue
            target = mapping[kind]
            if target is None:
                report.dropped[f"{kind} (mapped to nothing)"] += 1
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
