"""Semantic checks of one parsed record, beyond what JSON Schema can say.

One function per family of checks; its docstring names the check ids it can raise (the ids,
levels and classes are in akhbar.diagnostics). Each problem is passed to
`report(check_id, message, annotation, start, end)`.

Every function here must survive any JSON value: records reach these checks even when the
schema has already rejected them (so that one run reports everything), hence the defensive
type tests. Most records of a corpus are clean, so the checks are written to be cheap on
them: each rule is tested on the values directly, and a JSON path, an annotation's location
or a message is built only once something is to be reported.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from functools import lru_cache, partial
from pathlib import Path

import orjson

from akhbar import labels
from akhbar.provenance import ProvenanceCache, check_provenance
from akhbar.records import MAX_DEPTH, max_depth
from akhbar.schema import ENUM_SOURCES, LAYERS, SUPPORTED_MAJOR, fast_is_valid, rich_validator

Report = Callable[..., None]

BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
BIDI_MARKS = re.compile("[\u200e\u200f\u061c]")
# C0 and C1 controls except \n, which separates paragraphs in `text`.
CONTROL_CHARS = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")
CONTROL_CHARS_NO_NEWLINE = re.compile("[\x00-\x1f\x7f-\x9f]")
ANY_SUSPECT = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# Zero-width and other invisible characters (span-zero-width): soft hyphen, ALM, ZWSP ZWNJ
# ZWJ LRM RLM, bidi embeddings and isolates, word joiner, BOM.
INVISIBLE_CHARS = re.compile("[\u00ad\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")

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
# The fields whose values come from a label inventory: the last name of each enum that
# schema.ENUM_SOURCES ties to one (an array's items count as the array).
LABEL_FIELDS = {path.removesuffix("/items").rsplit("/", 1)[-1] for path in ENUM_SOURCES}

CUE_LEMMAS = frozenset(labels.cue_lemmas())
PLOVER_MODES = labels.plover_modes_by_category()  # the modes of each PLOVER category
RECIPIENT_REQUIRED = frozenset(labels.plover_recipient_required())  # the categories that need one


def _dicts(value) -> list[dict]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


# ---- schema ----------------------------------------------------------------------------------


def check_schema(record: dict, report: Report, depth_checked: bool = False, valid: bool | None = None) -> None:
    """The record against schema/article.schema.json, with JSON paths. Raises
    schema-violation, label-unknown (an enum of a label field) and json-too-deep.

    The compiled validator (jsonschema-rs) answers first; `valid` is its verdict when the
    caller already has it. Only a record it rejects goes to python-jsonschema for the
    messages. A record that passes the schema is shallow by construction, so nesting depth
    is only measured for the ones that fail (unless the strict parser already did:
    `depth_checked`)."""
    if valid if valid is not None else fast_is_valid()(record):
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
    """The major version of `schema_version` is the one these tools read. Raises
    schema-version-unsupported."""
    version = record.get("schema_version")
    if isinstance(version, str):
        major = version.split(".", 1)[0]
        if major.isdigit() and int(major) != SUPPORTED_MAJOR:
            report("schema-version-unsupported", f"schema_version {version} is not supported (these tools read {SUPPORTED_MAJOR}.x)", "$.schema_version")


# ---- unicode ---------------------------------------------------------------------------------


def check_unicode(record: dict, report: Report, serialized: bytes | None = None) -> None:
    """Every string of the record except span surfaces (which repeat `text` and are
    checked against it by check_spans), with its JSON path. Raises text-not-nfc,
    text-bidi-control, text-bidi-mark and text-control-char (a newline is allowed in `text`
    only).

    A clean record is recognised from its compact serialization, orjson.dumps(record)
    (`serialized`, when the caller has it), without walking its strings: see
    _serialization_clean."""
    if serialized is None:
        try:
            serialized = orjson.dumps(record)
        except (orjson.JSONEncodeError, TypeError):
            serialized = b""  # integers beyond 64 bits, lone surrogates: walk the strings
    if serialized and _serialization_clean(serialized, record.get("text")):
        return
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


def _serialization_clean(serialized: bytes, text) -> bool:
    """check_unicode would report nothing, judged on orjson.dumps(record) as a whole.

    In orjson's output every string appears literally except for the escapes \\" \\\\ and
    those of C0 controls (\\b \\t \\n \\f \\r \\uXXXX). NFC: the JSON quote and the ASCII of
    escapes are stable code points for NFC, so a serialization in NFC has every string in
    NFC. Suspect characters: C0 controls can only appear as escapes, and an escaped newline
    must be one of `text`'s paragraph breaks; DEL, C1 controls and directional marks and
    controls appear literally, found by their UTF-8 bytes with memchr-speed searches rather
    than a regex over the whole line. Any doubt answers False: the strings are then walked.
    """
    if not isinstance(text, str):
        return False
    newlines = 0
    i = serialized.find(b"\\")
    while i != -1:
        c = serialized[i + 1]
        if c == 0x6E:  # \n: allowed in `text` only, counted below
            newlines += 1
        elif c != 0x22 and c != 0x5C:  # anything but \" and \\ encodes a control character
            return False
        i = serialized.find(b"\\", i + 2)
    if newlines != text.count("\n") or _literal_suspects(serialized):
        return False
    if serialized.find(b"\xcc") == -1 and serialized.find(b"\xcd") == -1:
        # Most of a record's serialization is ASCII (keys, ids, offsets), which NFC never
        # changes: an ASCII character decomposes into nothing, is never the second of a
        # composition and is the first only of one with U+0300-U+0344 (UTF-8 CC xx or
        # CD xx; checked in tests). Without those, the line is in NFC if its non-ASCII
        # characters alone are (side by side they can only look less normalised).
        return unicodedata.is_normalized("NFC", serialized.translate(None, _ASCII).decode("utf-8"))
    return unicodedata.is_normalized("NFC", serialized.decode("utf-8"))


_ASCII = bytes(range(128))


def _literal_suspects(serialized: bytes) -> bool:
    """The serialization holds, literally, DEL, a C1 control or a directional mark or control
    (see _serialization_clean), found by their UTF-8 bytes."""
    if serialized.find(b"\x7f") != -1:
        return True
    i = serialized.find(b"\xc2")  # U+0080-U+009F are C2 80-9F
    while i != -1:
        if serialized[i + 1] <= 0x9F:
            return True
        i = serialized.find(b"\xc2", i + 2)
    i = serialized.find(b"\xe2")  # U+200E U+200F U+202A-U+202E U+2066-U+2069
    while i != -1:
        b1, b2 = serialized[i + 1], serialized[i + 2]
        if (b1 == 0x80 and (b2 == 0x8E or b2 == 0x8F or 0xAA <= b2 <= 0xAE)) or (b1 == 0x81 and 0xA6 <= b2 <= 0xA9):
            return True
        i = serialized.find(b"\xe2", i + 3)
    i = serialized.find(b"\x9c")  # U+061C is D8 9C
    while i != -1:
        if serialized[i - 1] == 0xD8:
            return True
        i = serialized.find(b"\x9c", i + 1)
    return False


def _strings(value, path: str = "$") -> Iterator[tuple[str, str]]:
    """Every string in the record with its JSON path, except span surfaces."""
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


def _first_not_nfc(s: str) -> int:
    """Offset of the character sequence that NFC would change (its starter character)."""
    for i in range(len(s)):
        if unicodedata.normalize("NFC", s[: i + 1]) != s[: i + 1]:
            while i > 0 and unicodedata.combining(s[i]):
                i -= 1
            return i
    return 0


# ---- spans -----------------------------------------------------------------------------------

# A group of spans as iter_span_groups yields it: the span objects, whether they have a
# surface text, and the location (annotation field of a diagnostic) of the i-th one.
SpanGroup = tuple[list[dict], bool, Callable[[int], str]]


def iter_span_groups(record: dict) -> Iterator[SpanGroup]:
    """Every span of the record, in groups and in this order: the blocks (blocks[2]), the
    mentions (m7), each quote's content fragments, cue and speaker span (q3 content[0],
    q3 cue, q3 speaker_span), the event triggers (v5 trigger). Locations are made only
    when asked for."""
    blocks = _dicts(record.get("blocks"))
    yield blocks, False, lambda i: f"blocks[{i}]"
    mentions = _mentions(_dicts(record.get("entities")))
    yield mentions, True, lambda i: str(mentions[i].get("id", "mention"))
    quotes = _dicts(record.get("quotes"))
    yield [span for q in quotes for span in _quote_spans(q)], True, partial(_quote_span_location, quotes)
    events = [v for v in _dicts(record.get("events")) if isinstance(v.get("trigger"), dict)]
    yield [v["trigger"] for v in events], True, lambda i: f"{events[i].get('id', 'event')} trigger"


def _mentions(entities: list[dict]) -> list[dict]:
    return [m for e in entities if isinstance(ms := e.get("mentions"), list) for m in ms if isinstance(m, dict)]


def _quote_spans(quote: dict) -> list[dict]:
    """A quote's spans in order: content fragments, cue, speaker span."""
    spans = _dicts(quote.get("content"))
    cue, speaker_span = quote.get("cue"), quote.get("speaker_span")
    if isinstance(cue, dict):
        spans.append(cue)
    if isinstance(speaker_span, dict):
        spans.append(speaker_span)
    return spans


def _quote_span_location(quotes: list[dict], i: int) -> str:
    """The location of the i-th of all the quotes' spans (q3 content[0], q3 cue)."""
    for quote in quotes:
        names = [f"content[{k}]" for k in range(len(_dicts(quote.get("content"))))]
        names += [part for part in ("cue", "speaker_span") if isinstance(quote.get(part), dict)]
        if i < len(names):
            return f"{quote.get('id', 'quote')} {names[i]}"
        i -= len(names)
    raise IndexError(i)


class _LetterTable(dict):
    """ch -> whether it is a letter of a word for span-splits-word (alphabetic, or a
    combining mark such as an Arabic diacritic), filled as characters are met (a few
    hundred distinct ones in a real corpus; Unicode bounds it)."""

    def __missing__(self, ch: str) -> bool:
        value = self[ch] = ch.isalpha() or unicodedata.category(ch) == "Mn"
        return value


IS_LETTER = _LetterTable()


def check_spans(record: dict, report: Report) -> None:
    """Offsets and surfaces of every span (iter_span_groups). Raises span-offset-not-integer,
    span-out-of-range, span-empty, span-reversed, span-text-mismatch, and for spans with a
    surface span-zero-width and span-splits-word (clitic policy: PROCLITICS, ENCLITICS)."""
    text = record.get("text")
    if not isinstance(text, str):
        return
    n = len(text)
    # Invisible characters are rare: when the text has none, no span can hold one.
    invisible = INVISIBLE_CHARS.search(text) is not None
    letter = IS_LETTER
    for spans, has_surface, locate in iter_span_groups(record):
        for i, span in enumerate(spans):
            start, end = span.get("start"), span.get("end")
            # type(...) is int: JSON integers only (True is an int to isinstance, 10.0 to JSON Schema)
            if not (type(start) is int and type(end) is int and 0 <= start < end <= n):
                _report_offsets(start, end, n, locate(i), report)
                continue
            if not has_surface:
                continue
            surface = span.get("text")
            if surface != text[start:end]:
                report("span-text-mismatch", f"span text {surface!r} but text[{start}:{end}] is {text[start:end]!r}", locate(i), start, end)
                continue
            if invisible and (inside := INVISIBLE_CHARS.search(text, start, end)):
                report("span-zero-width", f"span holds the invisible character U+{ord(inside.group()):04X} at offset {inside.start()}",
                       locate(i), start, end)
            # An edge between two letters must be a clitic boundary (the character outside
            # the span is tested first: it is usually a space).
            if start and letter[text[start - 1]] and letter[text[start]] and not _proclitics_before(text, start):
                report("span-splits-word", f"span starts inside the word {_word_at(text, start)!r}", locate(i), start, end)
            if end < n and letter[text[end]] and letter[text[end - 1]] and not _enclitic_after(text, end):
                report("span-splits-word", f"span ends inside the word {_word_at(text, end - 1)!r}", locate(i), start, end)


def _report_offsets(start, end, n: int, where: str, report: Report) -> None:
    """The offset check that fails for a span that is not 0 <= start < end <= n with
    integer offsets (exactly one of them does)."""
    if type(start) is not int or type(end) is not int:
        report("span-offset-not-integer", f"offset {start if type(start) is not int else end!r} is not an integer", where)
    elif start < 0 or end < 0 or start > n or end > n:
        report("span-out-of-range", f"offsets outside the text (length {n})", where, start, end)
    elif start == end:
        report("span-empty", "span is empty", where, start, end)
    else:
        report("span-reversed", "span starts after it ends", where, start, end)


def _proclitics_before(text: str, start: int) -> bool:
    """The letters of the word before `start` are proclitics (و ف ب ل ك س)."""
    word_start = start
    while word_start > 0 and IS_LETTER[text[word_start - 1]]:
        word_start -= 1
    return _matches(PROCLITICS, text[word_start:start])


def _enclitic_after(text: str, end: int) -> bool:
    """The letters of the word after `end` are a pronoun enclitic."""
    word_end = end
    while word_end < len(text) and IS_LETTER[text[word_end]]:
        word_end += 1
    return _matches(ENCLITICS, text[end:word_end])


@lru_cache(maxsize=4096)  # the same few clitics, over and over
def _matches(pattern: re.Pattern, letters: str) -> bool:
    return pattern.match(letters) is not None


def _word_at(text: str, i: int) -> str:
    a = b = i
    while a > 0 and IS_LETTER[text[a - 1]]:
        a -= 1
    while b < len(text) and IS_LETTER[text[b]]:
        b += 1
    return text[a:b]


def _valid_range(span: dict, n: int) -> bool:
    s, e = span.get("start"), span.get("end")
    return type(s) is int and type(e) is int and 0 <= s < e <= n


def check_mentions_nest(record: dict, report: Report) -> None:
    """Mentions (with valid offsets) nest or are disjoint, and no two have the same
    offsets. Raises mention-crossing and mention-duplicate."""
    text = record.get("text")
    n = len(text) if isinstance(text, str) else 0
    mentions = _mentions(_dicts(record.get("entities")))
    order = []  # (start, -end, position) of the mentions with valid offsets
    for i, m in enumerate(mentions):
        start, end = m.get("start"), m.get("end")
        if type(start) is int and type(end) is int and 0 <= start < end <= n:
            order.append((start, -end, i))
    order.sort()  # by start, longest first; equal offsets keep the order of the record
    ends: list[int] = []  # the ends of the mentions that contain this one, innermost last
    outer: list[int] = []  # and their positions in `order`
    previous_start = previous_minus_end = None
    for k, (start, minus_end, i) in enumerate(order):
        end = -minus_end
        if start == previous_start and minus_end == previous_minus_end:
            mid = str(mentions[i].get("id"))
            report("mention-duplicate", f"{mid} has the same offsets as {mentions[order[k - 1][2]].get('id')}", mid, start, end)
        previous_start, previous_minus_end = start, minus_end
        while ends and ends[-1] <= start:
            ends.pop()
            outer.pop()
        if ends and end > ends[-1]:
            mid = str(mentions[i].get("id"))
            other_start, minus_other_end, other = order[outer[-1]]
            report("mention-crossing", f"{mid} overlaps {mentions[other].get('id')} ({other_start}-{-minus_other_end}) without nesting", mid, start, end)
            continue
        ends.append(end)
        outer.append(k)


def check_blocks(record: dict, report: Report) -> None:
    """Blocks (with valid offsets) follow each other without overlap and hold no newline.
    Raises block-invalid."""
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
    """Ids and references inside the article. Raises id-duplicate-annotation, ref-missing,
    ref-wrong-kind (an id of another kind of annotation), quote-speaker-inconsistent,
    cue-lemma-unknown, quote-parent-cycle, event-mode-category and event-recipient-missing."""
    entities = _dicts(record.get("entities"))
    quotes = _dicts(record.get("quotes"))
    events = _dicts(record.get("events"))
    entity_ids = _unique_ids("entity", entities, report)
    mention_ids = _unique_ids("mention", _mentions(entities), report)
    quote_ids = _unique_ids("quote", quotes, report)
    event_ids = _unique_ids("event", events, report)
    # For an id of two kinds, the first that has it names it.
    kinds = (("an entity", entity_ids), ("a quote", quote_ids),
             ("a mention", mention_ids), ("an event", event_ids))

    def unresolved(value: str, what: str, where) -> None:
        """Report the string reference `value` (`what`: such as "speaker entity") of the
        annotation `where`: ref-wrong-kind when it is the id of another kind of annotation of
        the article, else ref-missing."""
        kind = next((kind for kind, ids in kinds if value in ids), None)
        if kind is not None:
            report("ref-wrong-kind", f"{what} {value} is {kind} of this article, not the expected kind",
                   str(where))
        else:
            report("ref-missing", f"{what} {value} does not exist in this article", str(where))

    for q in quotes:
        speaker, addressee, parent = q.get("speaker"), q.get("addressee"), q.get("parent")
        if isinstance(speaker, str) and speaker not in entity_ids:
            unresolved(speaker, "speaker entity", q.get("id"))
        if isinstance(addressee, str) and addressee not in entity_ids:
            unresolved(addressee, "addressee entity", q.get("id"))
        if isinstance(parent, str) and parent not in quote_ids:
            unresolved(parent, "parent quote", q.get("id"))
        _check_quote(q, report)
    _check_parent_cycles(quotes, report)
    for v in events:
        for role in ("actor", "recipient"):
            targets = v.get(role)
            for target in targets if isinstance(targets, list) else ():
                if isinstance(target, str) and target not in entity_ids:
                    unresolved(target, f"{role} entity", v.get("id"))
        for arg in _dicts(v.get("arguments")):
            if isinstance(target := arg.get("entity"), str) and target not in entity_ids:
                unresolved(target, f"{arg.get('role')} entity", v.get("id"))
        _check_event(v, report)


def _unique_ids(kind: str, items: list[dict], report: Report) -> set[str]:
    """The string ids of `items`, reporting every one used a second time."""
    ids = [ident for item in items if isinstance(ident := item.get("id"), str)]
    unique = set(ids)
    if len(unique) != len(ids):
        seen: set = set()
        for ident in ids:
            if ident in seen:
                report("id-duplicate-annotation", f"{kind} id {ident} is used twice", ident)
            seen.add(ident)
    return unique


def _check_quote(q: dict, report: Report) -> None:
    kind, speaker = q.get("speaker_kind"), q.get("speaker")
    if kind == "named" and speaker is None:
        report("quote-speaker-inconsistent", "speaker_kind is named but speaker is null", str(q.get("id")))
    elif kind == "anonymous" and speaker is not None:
        report("quote-speaker-inconsistent", "speaker_kind is anonymous but a speaker entity is given", str(q.get("id")))
    cue = q.get("cue")
    if isinstance(cue, dict) and isinstance(lemma := cue.get("lemma"), str) and lemma not in CUE_LEMMAS:
        report("cue-lemma-unknown", f"cue lemma {lemma!r} is not in schema/labels/cue_lemmas.json", f"{q.get('id')} cue")


def _check_event(v: dict, report: Report) -> None:
    category, mode = v.get("category"), v.get("mode")
    if not isinstance(category, str):
        return  # the schema reports it
    if category in PLOVER_MODES and isinstance(mode, str) and mode not in PLOVER_MODES[category]:
        allowed = ", ".join(PLOVER_MODES[category]) or "none"
        report("event-mode-category", f"mode {mode!r} does not belong to {category} (its modes: {allowed})", str(v.get("id")))
    if category in RECIPIENT_REQUIRED and v.get("recipient") == []:
        report("event-recipient-missing", f"PLOVER requires a recipient for {category}", str(v.get("id")))


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


# ---- all of them -----------------------------------------------------------------------------


def check_record(record: dict, root: Path, report: Report, depth_checked: bool = False,
                 provenance: ProvenanceCache | None = None, *, schema_valid: bool | None = None,
                 serialized: bytes | None = None) -> None:
    """All per-record checks, in a fixed order (so output is stable): check_schema,
    check_schema_version, check_unicode, check_spans, check_mentions_nest, check_blocks,
    check_structure, check_layers and akhbar.provenance.check_provenance; together they raise
    every check id of the classes SCHEMA, LABEL, UNICODE, SPAN, STRUCTURE and PROVENANCE
    except id-duplicate-article, which needs the whole corpus (akhbar.validate).

    `schema_valid` (the compiled schema's verdict) and `serialized` (orjson.dumps(record))
    save work when the parser already has them (akhbar.records.ParsedLine)."""
    check_schema(record, report, depth_checked, schema_valid)
    check_schema_version(record, report)
    check_unicode(record, report, serialized)
    check_spans(record, report)
    check_mentions_nest(record, report)
    check_blocks(record, report)
    check_structure(record, report)
    check_layers(record, report)
    check_provenance(record, root, report, provenance)
