"""Semantic checks of one parsed record, beyond what JSON Schema can say.

Every function here must survive any JSON value: records reach these checks even when the
schema has already rejected them (so that one run reports everything), hence the defensive
type tests. Each problem is passed to `report(check_id, message, annotation, start, end)`.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path

from akhbar import labels
from akhbar.provenance import ProvenanceCache, check_provenance
from akhbar.records import MAX_DEPTH, max_depth
from akhbar.schema import SUPPORTED_MAJOR, fast_is_valid, record_shape, rich_validator

Report = Callable[..., None]

BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
BIDI_MARKS = re.compile("[\u200e\u200f\u061c]")
# C0 and C1 controls except \n, which separates paragraphs in `text`.
CONTROL_CHARS = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")
CONTROL_CHARS_NO_NEWLINE = re.compile("[\x00-\x1f\x7f-\x9f]")
ANY_SUSPECT = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
INVISIBLE = set("\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f\u061c") | {chr(c) for c in range(0x202A, 0x202F)} | {chr(c) for c in range(0x2066, 0x206A)}

# Clitic policy (docs/guidelines): proclitics و ف (conjunctions), ب ل ك (prepositions) and
# س (future) stay outside a span, so a span may start right after them inside a word; the
# definite article stays inside. In للجيش the span starts after the first ل (لجيش).
PROCLITICS = re.compile("^[وف]?[بلكس]?$")
# Pronoun enclitics may stay outside a span's end (e.g. a trigger whose object is a pronoun).
ENCLITICS = re.compile("^(?:ه|ها|هم|هما|هن|ك|كم|كما|كن|ي|نا|ني)$")

SPAN_LOCATION_FIELDS = {"start", "end"}
# Fields that hold an entity or quote id; a string there that breaks the id pattern is
# reported by the structure checks (ref-missing / ref-wrong-kind), which can say what it is.
REFERENCE_FIELDS = {"speaker", "addressee", "parent", "actor", "recipient", "entity"}
INVISIBLE_CHARS = re.compile("[" + "".join(sorted(INVISIBLE)) + "]")
LABEL_FIELDS = {"type", "category", "mode", "context", "speaker_kind", "split", "kind", "status", "role"}


def is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _dicts(value) -> list[dict]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


# ---- schema ----------------------------------------------------------------------------------


def check_schema(record: dict, report: Report, depth_checked: bool = False) -> None:
    """Schema violations with their JSON paths. A record that passes the schema is shallow by
    construction, so nesting depth is only measured for the ones that fail (unless the strict
    parser already did)."""
    if fast_is_valid()(record):
        return
    if not depth_checked:
        depth = max_depth(record)
        if depth > MAX_DEPTH:
            report("json-too-deep", f"nesting {depth} levels deep (limit {MAX_DEPTH})")
            return
    from jsonschema.exceptions import best_match

    for error in sorted(rich_validator().iter_errors(record), key=lambda e: list(map(str, e.absolute_path))):
        if error.context:
            error = best_match(error.context) or error
        path = error.absolute_path
        last = path[-1] if path else None
        if last in SPAN_LOCATION_FIELDS and error.validator in ("type", "minimum"):
            continue  # reported precisely by the span checks
        if isinstance(error.instance, str) and _reference_path(path):
            continue  # reported precisely by the structure checks
        json_path = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)
        if error.validator in ("enum", "const") and (last in LABEL_FIELDS or (isinstance(last, int) and len(path) > 1 and path[-2] in LABEL_FIELDS)):
            report("label-unknown", f"{error.instance!r} is not a known {_label_name(path)}", json_path)
        else:
            report("schema-violation", _short(error.message), json_path)


def _reference_path(path) -> bool:
    names = [p for p in path if isinstance(p, str)]
    return bool(names) and names[-1] in REFERENCE_FIELDS and names[0] in ("quotes", "events")


def _label_name(path) -> str:
    names = [p for p in path if isinstance(p, str)]
    if names[:1] == ["entities"]:
        return "entity type"
    if names[:1] == ["events"]:
        return {"category": "PLOVER category", "mode": "PLOVER mode", "context": "PLOVER context", "role": "argument role"}.get(names[-1], names[-1])
    return names[-1].replace("_", " ") if names else "label"


def _short(message: str, limit: int = 200) -> str:
    return message if len(message) <= limit else message[: limit - 1] + "…"


def check_schema_version(record: dict, report: Report) -> None:
    version = record.get("schema_version")
    if isinstance(version, str):
        major = version.split(".", 1)[0]
        if major.isdigit() and int(major) != SUPPORTED_MAJOR:
            report("schema-version-unsupported", f"schema_version {version} is not supported (these tools read {SUPPORTED_MAJOR}.x)", "$.schema_version")


# ---- unicode ---------------------------------------------------------------------------------


def _strings(value, path: str = "$") -> Iterator[tuple[str, str]]:
    """Every string in the record with its JSON path, except span surfaces (which repeat
    `text` and are checked against it by the span checks)."""
    stack = [(value, path)]
    while stack:
        node, where = stack.pop()
        if isinstance(node, str):
            yield where, node
        elif isinstance(node, dict):
            for key, child in node.items():
                if key == "text" and where != "$":
                    continue
                stack.append((child, f"{where}.{key}"))
        elif isinstance(node, list):
            stack.extend((child, f"{where}[{i}]") for i, child in enumerate(node))


def check_unicode(record: dict, report: Report) -> None:
    for where, s in _strings(record):
        if not unicodedata.is_normalized("NFC", s):
            offset = _first_not_nfc(s)
            report("text-not-nfc", "string is not in Unicode NFC (normalise the source, then re-anchor spans)", where, offset)
        if not ANY_SUSPECT.search(s):
            continue
        controls = CONTROL_CHARS if where == "$.text" else CONTROL_CHARS_NO_NEWLINE
        for check, pattern, what in (
            ("text-bidi-control", BIDI_CONTROLS, "invisible bidirectional control"),
            ("text-bidi-mark", BIDI_MARKS, "directional mark"),
            ("text-control-char", controls, "control character"),
        ):
            found = list(pattern.finditer(s))
            if found:
                first = found[0]
                more = f" and {len(found) - 1} more" if len(found) > 1 else ""
                report(check, f"{what} U+{ord(first.group()):04X} at offset {first.start()}{more}", where, first.start(), first.end())


def _first_not_nfc(s: str) -> int:
    """Offset of the character sequence that NFC would change (its starter character)."""
    for i in range(len(s)):
        if unicodedata.normalize("NFC", s[: i + 1]) != s[: i + 1]:
            while i > 0 and unicodedata.combining(s[i]):
                i -= 1
            return i
    return 0


# ---- spans -----------------------------------------------------------------------------------


def iter_spans(record: dict) -> Iterator[tuple[str, dict, bool]]:
    """(location, span object, has a surface text) for every span of the record."""
    for i, block in enumerate(_dicts(record.get("blocks"))):
        yield f"blocks[{i}]", block, False
    for entity in _dicts(record.get("entities")):
        for mention in _dicts(entity.get("mentions")):
            yield str(mention.get("id", "mention")), mention, True
    for quote in _dicts(record.get("quotes")):
        qid = str(quote.get("id", "quote"))
        for j, fragment in enumerate(_dicts(quote.get("content"))):
            yield f"{qid} content[{j}]", fragment, True
        if isinstance(quote.get("cue"), dict):
            yield f"{qid} cue", quote["cue"], True
        if isinstance(quote.get("speaker_span"), dict):
            yield f"{qid} speaker_span", quote["speaker_span"], True
    for event in _dicts(record.get("events")):
        if isinstance(event.get("trigger"), dict):
            yield f"{event.get('id', 'event')} trigger", event["trigger"], True


def _is_letter(ch: str) -> bool:
    return ch.isalpha() or unicodedata.category(ch) == "Mn"


def check_spans(record: dict, report: Report) -> None:
    text = record.get("text")
    if not isinstance(text, str):
        return
    n = len(text)
    for where, span, has_surface in iter_spans(record):
        start, end = span.get("start"), span.get("end")
        if not (is_int(start) and is_int(end)):
            bad = start if not is_int(start) else end
            report("span-offset-not-integer", f"offset {bad!r} is not an integer", where)
            continue
        if start < 0 or end < 0 or start > n or end > n:
            report("span-out-of-range", f"offsets outside the text (length {n})", where, start, end)
            continue
        if start == end:
            report("span-empty", "span is empty", where, start, end)
            continue
        if start > end:
            report("span-reversed", "span starts after it ends", where, start, end)
            continue
        if has_surface:
            surface = span.get("text")
            if surface != text[start:end]:
                report("span-text-mismatch", f"span text {surface!r} but text[{start}:{end}] is {text[start:end]!r}", where, start, end)
                continue
            _check_edges(text, start, end, where, report)


def _check_edges(text: str, start: int, end: int, where: str, report: Report) -> None:
    inside = INVISIBLE_CHARS.search(text, start, end)
    if inside:
        report("span-zero-width", f"span holds the invisible character U+{ord(inside.group()):04X} at offset {inside.start()}",
               where, start, end)
    if 0 < start and _is_letter(text[start - 1]) and _is_letter(text[start]):
        word_start = start
        while word_start > 0 and _is_letter(text[word_start - 1]):
            word_start -= 1
        if not PROCLITICS.match(text[word_start:start]):
            report("span-splits-word", f"span starts inside the word {_word_at(text, start)!r}", where, start, end)
    if end < len(text) and _is_letter(text[end - 1]) and _is_letter(text[end]):
        word_end = end
        while word_end < len(text) and _is_letter(text[word_end]):
            word_end += 1
        if not ENCLITICS.match(text[end:word_end]):
            report("span-splits-word", f"span ends inside the word {_word_at(text, end - 1)!r}", where, start, end)


def _word_at(text: str, i: int) -> str:
    a = b = i
    while a > 0 and _is_letter(text[a - 1]):
        a -= 1
    while b < len(text) and _is_letter(text[b]):
        b += 1
    return text[a:b]


def _valid_range(span: dict, n: int) -> bool:
    s, e = span.get("start"), span.get("end")
    return is_int(s) and is_int(e) and 0 <= s < e <= n


def check_mentions_nest(record: dict, report: Report) -> None:
    text = record.get("text")
    n = len(text) if isinstance(text, str) else 0
    mentions = sorted(
        ((m["start"], m["end"], str(m.get("id"))) for e in _dicts(record.get("entities")) for m in _dicts(e.get("mentions")) if _valid_range(m, n)),
        key=lambda t: (t[0], -t[1]),
    )
    open_stack: list[tuple[int, int, str]] = []
    previous = None
    for start, end, mid in mentions:
        if previous and previous[:2] == (start, end):
            report("mention-duplicate", f"{mid} has the same offsets as {previous[2]}", mid, start, end)
        previous = (start, end, mid)
        while open_stack and open_stack[-1][1] <= start:
            open_stack.pop()
        if open_stack and end > open_stack[-1][1]:
            other = open_stack[-1]
            report("mention-crossing", f"{mid} overlaps {other[2]} ({other[0]}-{other[1]}) without nesting", mid, start, end)
            continue
        open_stack.append((start, end, mid))


def check_blocks(record: dict, report: Report) -> None:
    text = record.get("text")
    if not isinstance(text, str):
        return
    previous_end = 0
    for i, block in enumerate(_dicts(record.get("blocks"))):
        if not _valid_range(block, len(text)):
            continue  # reported by check_spans
        start, end = block["start"], block["end"]
        if start < previous_end:
            report("block-invalid", "block overlaps or precedes the previous block", f"blocks[{i}]", start, end)
        elif "\n" in text[start:end]:
            report("block-invalid", "block holds a newline (one block per paragraph)", f"blocks[{i}]", start, end)
        previous_end = max(previous_end, end)


# ---- structure -------------------------------------------------------------------------------


def check_structure(record: dict, report: Report) -> None:
    entities = _dicts(record.get("entities"))
    quotes = _dicts(record.get("quotes"))
    events = _dicts(record.get("events"))
    mentions = [m for e in entities for m in _dicts(e.get("mentions"))]

    for kind, items in (("entity", entities), ("mention", mentions), ("quote", quotes), ("event", events)):
        seen: set = set()
        for item in items:
            ident = item.get("id")
            if not isinstance(ident, str):
                continue
            if ident in seen:
                report("id-duplicate-annotation", f"{kind} id {ident} is used twice", ident)
            seen.add(ident)

    entity_ids = {e.get("id") for e in entities}
    quote_ids = {q.get("id") for q in quotes}
    kinds = {}
    for kind, items in (("an event", events), ("a mention", mentions), ("a quote", quotes), ("an entity", entities)):
        kinds.update({item.get("id"): kind for item in items if isinstance(item.get("id"), str)})

    def ref(value, targets: set, what: str, where: str) -> None:
        if isinstance(value, str) and value not in targets:
            if value in kinds:
                report("ref-wrong-kind", f"{what} {value} is {kinds[value]} of this article, not the expected kind", where)
            else:
                report("ref-missing", f"{what} {value} does not exist in this article", where)

    for q in quotes:
        qid = str(q.get("id"))
        ref(q.get("speaker"), entity_ids, "speaker entity", qid)
        ref(q.get("addressee"), entity_ids, "addressee entity", qid)
        ref(q.get("parent"), quote_ids, "parent quote", qid)
        kind = q.get("speaker_kind")
        if kind == "named" and q.get("speaker") is None:
            report("quote-speaker-inconsistent", "speaker_kind is named but speaker is null", qid)
        elif kind == "anonymous" and q.get("speaker") is not None:
            report("quote-speaker-inconsistent", "speaker_kind is anonymous but a speaker entity is given", qid)
        cue = q.get("cue")
        if isinstance(cue, dict) and isinstance(cue.get("lemma"), str) and cue["lemma"] not in CUE_LEMMAS:
            report("cue-lemma-unknown", f"cue lemma {cue['lemma']!r} is not in schema/labels/cue_lemmas.json", f"{qid} cue")
    _check_parent_cycles(quotes, report)

    modes_by = labels.plover_modes_by_category()
    needs_recipient = labels.plover_recipient_required()
    for v in events:
        vid = str(v.get("id"))
        for role in ("actor", "recipient"):
            for target in v.get(role) if isinstance(v.get(role), list) else []:
                ref(target, entity_ids, f"{role} entity", vid)
        for arg in _dicts(v.get("arguments")):
            ref(arg.get("entity"), entity_ids, f"{arg.get('role')} entity", vid)
        category, mode = v.get("category"), v.get("mode")
        if category in modes_by and isinstance(mode, str) and mode not in modes_by[category]:
            allowed = ", ".join(modes_by[category]) or "none"
            report("event-mode-category", f"mode {mode!r} does not belong to {category} (its modes: {allowed})", vid)
        if category in needs_recipient and v.get("recipient") == []:
            report("event-recipient-missing", f"PLOVER requires a recipient for {category}", vid)


CUE_LEMMAS = frozenset(labels.cue_lemmas())
LAYERS = ("entities", "quotes", "events")


def check_layers(record: dict, report: Report) -> None:
    """annotation.layers against the lists it describes (schema 1.1; absent in 1.0 records,
    which count as all done). Raises layer-state-mismatch, layer-done-empty and
    layer-pending-not-draft."""
    annotation = record.get("annotation")
    layers = annotation.get("layers") if isinstance(annotation, dict) else None
    if not isinstance(layers, dict):
        return
    status = annotation.get("status")
    for layer in LAYERS:
        state, items = layers.get(layer), record.get(layer)
        if not isinstance(items, list):
            continue
        where = f"$.annotation.layers.{layer}"
        if state == "none-applicable" and items:
            report("layer-state-mismatch", f"{layer} is marked none-applicable but the article has {len(items)}", where)
        elif state == "done" and not items:
            report("layer-done-empty", f"{layer} is marked done but the list is empty; use none-applicable if the article has none", where)
        elif state == "pending" and status in ("silver", "gold"):
            report("layer-pending-not-draft", f"{layer} is pending in a {status} record", where)


def _check_parent_cycles(quotes: list[dict], report: Report) -> None:
    parent = {q["id"]: q.get("parent") for q in quotes if isinstance(q.get("id"), str)}
    reported: set = set()
    for start in parent:
        seen, node = [], start
        while isinstance(node, str) and node in parent and node not in seen:
            seen.append(node)
            node = parent[node]
        if node in seen:  # the walk came back to a quote it had visited
            cycle = seen[seen.index(node):]
            key = frozenset(cycle)
            if key not in reported:
                reported.add(key)
                report("quote-parent-cycle", "parent links form a cycle: " + " -> ".join(cycle + [node]), cycle[0])


RECORD_CHECKS = (check_schema_version, check_unicode, check_spans, check_mentions_nest, check_blocks, check_structure, check_layers)


def check_record(record: dict, root: Path, report: Report, depth_checked: bool = False,
                 provenance: ProvenanceCache | None = None) -> None:
    """All per-record checks, in a fixed order (so output is stable)."""
    check_schema(record, report, depth_checked)
    for check in RECORD_CHECKS:
        check(record, report)
    check_provenance(record, root, report, provenance)


# ---- fast path -------------------------------------------------------------------------------
#
# Most records in a corpus are valid and canonical. For those, the checks above spend their
# time building JSON paths and walking every string. The functions below answer one question
# per check, "is this record certainly clean for it?", in as few passes as possible, and only
# on records that (a) passed the compiled schema validator, so every type, required key and
# enum is already guaranteed, and (b) are byte-identical to their compact orjson
# serialization, so the raw line can stand in for all the record's strings. Whenever the
# answer is not a certain yes, the original check runs and reports exactly as before: the
# fast path can only skip work, never change a diagnostic.

# Characters that are certainly not letters: a span edge next to one of them cannot split a
# word, so the full edge test (_is_letter on both sides) is skipped for the common case.
_NOT_LETTERS = frozenset(" \n\t.,;:!?\"'()[]{}<>/-_–—«»“”‘’…،؛؟٪0123456789٠١٢٣٤٥٦٧٨٩")
assert not any(_is_letter(ch) for ch in _NOT_LETTERS)


@cache
def _key_orders() -> dict[str, tuple[str, ...]]:
    """The canonical key order of every object in a record, by role."""
    shape = record_shape()
    c = shape.children
    entity, quote, event = c["entities"].items, c["quotes"].items, c["events"].items
    return {
        "record": shape.keys, "block": c["blocks"].items.keys, "source": c["source"].keys,
        "license": c["license"].keys, "annotation": c["annotation"].keys, "entity": entity.keys,
        "mention": entity.children["mentions"].items.keys, "quote": quote.keys,
        "fragment": quote.children["content"].items.keys, "cue": quote.children["cue"].keys,
        "speaker_span": quote.children["speaker_span"].keys, "event": event.keys,
        "trigger": event.children["trigger"].keys, "argument": event.children["arguments"].items.keys,
        "magnitude": event.children["magnitude"].keys,
    }


def _raw_unicode_clean(raw: bytes, line: str, text_newlines: int) -> bool:
    """check_unicode would report nothing, judged on the canonical line itself.

    NFC: U+0022 (the JSON quote) and the ASCII of escapes are stable code points for NFC, so a
    line in NFC has every string in NFC. Suspect characters: C0 controls can only appear as
    escapes (orjson writes \\b \\t \\n \\f \\r \\uXXXX, besides \\" and \\\\); DEL, C1
    controls and directional marks/controls appear literally, found by their UTF-8 lead bytes
    with memchr-speed searches rather than a regex over the whole line.
    """
    newlines = 0
    i = raw.find(b"\\")
    while i != -1:
        c = raw[i + 1]
        if c == 0x6E:  # \\n: allowed in `text` only, counted below
            newlines += 1
        elif c != 0x22 and c != 0x5C:  # anything but \\" and \\\\ encodes a control character
            return False
        i = raw.find(b"\\", i + 2)
    # Every escaped newline must be one of `text`'s paragraph breaks.
    if newlines != text_newlines or raw.find(b"\x7f") != -1:
        return False
    i = raw.find(b"\xc2")  # U+0080-U+009F are C2 80-9F
    while i != -1:
        if raw[i + 1] <= 0x9F:
            return False
        i = raw.find(b"\xc2", i + 2)
    i = raw.find(b"\xe2")  # U+200E U+200F U+202A-U+202E U+2066-U+2069
    while i != -1:
        b1, b2 = raw[i + 1], raw[i + 2]
        if (b1 == 0x80 and (b2 == 0x8E or b2 == 0x8F or 0xAA <= b2 <= 0xAE)) or (b1 == 0x81 and 0xA6 <= b2 <= 0xA9):
            return False
        i = raw.find(b"\xe2", i + 3)
    i = raw.find(b"\x9c")  # U+061C is D8 9C
    while i != -1:
        if raw[i - 1] == 0xD8:
            return False
        i = raw.find(b"\x9c", i + 1)
    return unicodedata.is_normalized("NFC", line)


def _start_clean(text: str, start: int) -> bool:
    """The start edge of _check_edges reports nothing (text[start - 1] may be a letter)."""
    if _is_letter(text[start - 1]) and _is_letter(text[start]):
        word_start = start - 1
        while word_start > 0 and _is_letter(text[word_start - 1]):
            word_start -= 1
        return PROCLITICS.match(text[word_start:start]) is not None
    return True


def _end_clean(text: str, end: int) -> bool:
    """The end edge of _check_edges reports nothing (text[end] may be a letter)."""
    if _is_letter(text[end - 1]) and _is_letter(text[end]):
        word_end = end + 1
        while word_end < len(text) and _is_letter(text[word_end]):
            word_end += 1
        return ENCLITICS.match(text[end:word_end]) is not None
    return True


def _scan_clean(record: dict) -> tuple[bool, bool, bool, bool]:
    """One pass over a schema-valid record: (keys in canonical order, check_spans,
    check_mentions_nest, check_blocks would report nothing)."""
    k = _key_orders()
    if tuple(record) != k["record"] or tuple(record["source"]) != k["source"] \
            or tuple(record["license"]) != k["license"] or tuple(record["annotation"]) != k["annotation"]:
        return False, False, False, False
    text = record["text"]
    n = len(text)
    not_letters = _NOT_LETTERS
    # Invisible characters are rare: when the text has none, no span can hold one; when it
    # has some, the full span checks run and say where.
    spans_ok = INVISIBLE_CHARS.search(text) is None
    blocks_ok = True

    def span_ok(span: dict, keys: tuple) -> bool | None:
        """None: keys out of order; else whether the span is clean."""
        if tuple(span) != keys:
            return None
        start, end = span["start"], span["end"]  # integers >= 0: the schema passed
        return (
            start < end <= n
            and span["text"] == text[start:end]
            and (start == 0 or text[start - 1] in not_letters or _start_clean(text, start))
            and (end == n or text[end] in not_letters or _end_clean(text, end))
        )

    previous_end = 0
    kb = k["block"]
    for block in record["blocks"]:
        if tuple(block) != kb:
            return False, False, False, False
        start, end = block["start"], block["end"]
        if not start < end <= n:
            spans_ok = False
            continue
        # find() first: it raises TypeError for an offset like 10.0, which must reach the
        # full checks even when the block also overlaps the previous one.
        if text.find("\n", start, end) != -1 or start < previous_end:
            blocks_ok = False
        previous_end = max(previous_end, end)

    mentions = []
    ke, km = k["entity"], k["mention"]
    for entity in record["entities"]:
        if tuple(entity) != ke:
            return False, False, False, False
        for m in entity["mentions"]:
            if tuple(m) != km:
                return False, False, False, False
            start, end = m["start"], m["end"]
            if start < end <= n:
                mentions.append((start, -end))
                if not (
                    m["text"] == text[start:end]
                    and (start == 0 or text[start - 1] in not_letters or _start_clean(text, start))
                    and (end == n or text[end] in not_letters or _end_clean(text, end))
                ):
                    spans_ok = False
            else:
                spans_ok = False

    kq, kf, kc, ks = k["quote"], k["fragment"], k["cue"], k["speaker_span"]
    for q in record["quotes"]:
        if tuple(q) != kq:
            return False, False, False, False
        for fragment in q["content"]:
            ok = span_ok(fragment, kf)
            if ok is None:
                return False, False, False, False
            spans_ok = spans_ok and ok
        for key, keys in (("cue", kc), ("speaker_span", ks)):
            if q[key] is not None:
                ok = span_ok(q[key], keys)
                if ok is None:
                    return False, False, False, False
                spans_ok = spans_ok and ok

    kv, kt, ka, kmag = k["event"], k["trigger"], k["argument"], k["magnitude"]
    for v in record["events"]:
        if tuple(v) != kv or (v["magnitude"] is not None and tuple(v["magnitude"]) != kmag):
            return False, False, False, False
        for a in v["arguments"]:
            if tuple(a) != ka:
                return False, False, False, False
        ok = span_ok(v["trigger"], kt)
        if ok is None:
            return False, False, False, False
        spans_ok = spans_ok and ok

    mentions.sort()
    nest_ok = True
    open_ends: list[int] = []
    previous = None
    for start, neg_end in mentions:
        end = -neg_end
        if (start, end) == previous:
            nest_ok = False
            break
        previous = (start, end)
        while open_ends and open_ends[-1] <= start:
            open_ends.pop()
        if open_ends and end > open_ends[-1]:
            nest_ok = False
            break
        open_ends.append(end)
    return True, spans_ok, nest_ok, blocks_ok


@cache
def _compiled():
    """akhbar._speedups (built from _speedups.c at install when a C compiler is available),
    given this module's key orders, character sets, clitic regexes and label inventories, so
    that the C code holds no copy of them; None when it was not built, or when it cannot use
    these tables (init raises ValueError, e.g. for an invisible character outside the BMP):
    the Python functions then answer, as exactly and more slowly."""
    try:
        from akhbar import _speedups
    except ImportError:
        return None
    try:
        _speedups.init(
            key_orders=_key_orders(), not_letters=_NOT_LETTERS, invisible=INVISIBLE, is_letter=_is_letter,
            proclitics=PROCLITICS, enclitics=ENCLITICS, cue_lemmas=CUE_LEMMAS,
            modes_by_category=labels.plover_modes_by_category(), recipient_required=labels.plover_recipient_required(),
        )
    except ValueError:
        return None
    return _speedups


@cache
def _implementation() -> tuple[Callable[[dict], tuple[bool, bool, bool, bool]], Callable[[dict], list | None]]:
    """The (_scan_clean, _structure_clean) that check_record_fast uses: the compiled ones when
    built, else the Python ones, which stay the reference. AKHBAR_PURE_PYTHON=1 forces the
    Python ones."""
    compiled = None if os.environ.get("AKHBAR_PURE_PYTHON", "") not in ("", "0") else _compiled()
    if compiled is None:
        return _scan_clean, _structure_clean
    return compiled.scan_clean, compiled.structure_clean


def _structure_clean(record: dict) -> list[tuple[str, str]] | None:
    """None when check_structure would report anything but event-recipient-missing; else the
    (event id, category) pairs it would report that warning for (in its order; usually none)."""
    entities, quotes, events = record["entities"], record["quotes"], record["events"]
    entity_ids = {e["id"] for e in entities}
    quote_ids = {q["id"] for q in quotes}
    if len(entity_ids) != len(entities) or len(quote_ids) != len(quotes) or len({v["id"] for v in events}) != len(events):
        return None
    mention_count = 0
    mention_ids = set()
    for e in entities:
        mention_count += len(e["mentions"])
        mention_ids.update(m["id"] for m in e["mentions"])
    if len(mention_ids) != mention_count:
        return None
    lemmas = CUE_LEMMAS
    any_parent = False
    for q in quotes:
        speaker, addressee, parent = q["speaker"], q["addressee"], q["parent"]
        if (speaker is not None and speaker not in entity_ids) or (addressee is not None and addressee not in entity_ids):
            return None
        if parent is not None:
            any_parent = True
            if parent not in quote_ids:
                return None
        kind = q["speaker_kind"]
        if (kind == "named" and speaker is None) or (kind == "anonymous" and speaker is not None):
            return None
        if q["cue"] is not None and q["cue"]["lemma"] not in lemmas:
            return None
    if any_parent:
        found = []
        _check_parent_cycles(quotes, lambda *a: found.append(a))
        if found:
            return None
    missing: list[tuple[str, str]] = []
    modes_by = labels.plover_modes_by_category()
    needs_recipient = labels.plover_recipient_required()
    for v in events:
        if not entity_ids.issuperset(v["actor"]) or not entity_ids.issuperset(v["recipient"]):
            return None
        for a in v["arguments"]:
            if a["entity"] not in entity_ids:
                return None
        category, mode = v["category"], v["mode"]
        if category in modes_by and mode is not None and mode not in modes_by[category]:
            return None
        if category in needs_recipient and not v["recipient"]:
            missing.append((v["id"], category))
    return missing


def check_record_fast(record: dict, raw: bytes, line: str, root: Path, report: Report, provenance: ProvenanceCache | None = None) -> bool:
    """The per-record checks of a line that is byte-stable under orjson (`raw` is exactly
    orjson.dumps(record); `line` is raw decoded). Returns False, having reported nothing, when
    the record is not both schema-valid and canonical: the caller then takes the full path.
    Otherwise reports exactly what check_record would, in the same order."""
    if not fast_is_valid()(record):
        return False
    try:
        scan_clean, structure_clean = _implementation()
        keys_ok, spans_ok, nest_ok, blocks_ok = scan_clean(record)
        missing_recipients = structure_clean(record) if keys_ok else None
    except TypeError:
        # JSON Schema counts 10.0 as an integer; slicing with it fails (and the compiled
        # scan refuses any offset that is not an int). The full checks report such offsets
        # precisely.
        return False
    if not keys_ok:
        return False
    check_schema_version(record, report)
    if not _raw_unicode_clean(raw, line, record["text"].count("\n")):
        check_unicode(record, report)
    if not spans_ok:
        check_spans(record, report)
    if not nest_ok:
        check_mentions_nest(record, report)
    if not blocks_ok:
        check_blocks(record, report)
    if missing_recipients is None:
        check_structure(record, report)
    else:
        for vid, category in missing_recipients:  # the one structure warning common in valid data
            report("event-recipient-missing", f"PLOVER requires a recipient for {category}", vid)
    check_layers(record, report)
    check_provenance(record, root, report, provenance)
    return True
