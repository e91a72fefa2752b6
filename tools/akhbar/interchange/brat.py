"""brat standoff: `<article id>.txt` + `<article id>.ann` per article, and `annotation.conf`.

The encoding is documented in docs/interchange.md; export then import is the identity. A
mention's T number is its number (m7 -> T7), an event's E number too (v1 -> E1); the mentions
of an entity are consecutive, the first (the head) carrying the entity's notes, the others
linked to it by `Coref` relations (INCEpTION carries relations through, not `*\tEquiv`); a
tool without discontinuous spans may draw each later quote fragment as its own `Quote` span
with a `Fragment` relation. Offsets are code points, end-exclusive; the .txt is the record's text.

Import reads in two steps: `parse_ann` turns an .ann into plain items, one per line, knowing
nothing of Akhbar's labels, and `ann_items` translates them into the neutral items that
`akhbar.interchange.assemble` turns into entities, quotes and events.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from akhbar import labels
from akhbar.interchange.anchoring import normalise_surface
from akhbar.interchange.assemble import (
    CUE,
    MAGNITUDE_KEYS,
    QUOTE,
    QUOTE_LINKS,
    SPEAKER_SPAN,
    EventItem,
    Items,
    Link,
    Role,
    Sink,
    Span,
    assemble,
    mapped_label,
    unique,
    valid_id,
)
from akhbar.interchange.assemble import MARKERS as EVENT_MARKERS
from akhbar.interchange.common import (
    ERROR,
    PARTIES,
    WARNING,
    ImportedDoc,
    InterchangeError,
    Origin,
    Problem,
    Report,
    event_roles,
    exporting,
    id_number,
    not_utf8,
)
from akhbar.records import BOM, atomic_write


def brat_name(name: str) -> str:
    """How brat spells one of our link kinds, roles and markers: speaker_span -> SpeakerSpan,
    actor -> Actor, negated -> Negated."""
    return "".join(part.capitalize() for part in name.split("_"))


COREF_TYPES = {"Coref", "Equiv", "Coreference", "coref"}
RELATIONS = (*QUOTE_LINKS, "fragment")  # from a Quote, in annotation.conf's order
RELATION_KINDS = {brat_name(kind): kind for kind in RELATIONS}
QUOTE_ATTRIBUTES = {"QuoteType": "quote_type", "SpeakerKind": "speaker_kind"}
MARKERS = {brat_name(marker): marker for marker in EVENT_MARKERS}  # attribute Negated is the marker negated...


def _context_attr(context: str) -> str:
    return "Context_" + context.replace("-", "_")


# ---- export ----------------------------------------------------------------------------------


class _AnnWriter:
    """The lines of one record's .ann, with brat's per-kind numbering (R1, A1, N1, #1; T numbers
    after the last mention's for quotes, cues, speaker spans and triggers)."""

    def __init__(self, record: dict) -> None:
        self.text = record["text"]
        self.lines: list[str] = []
        self.counters = {"R": 0, "A": 0, "N": 0, "#": 0, "T": _last_mention_number(record)}
        self.head: dict[str, str] = {}  # entity id -> T of its first mention

    def number(self, kind: str) -> str:
        self.counters[kind] += 1
        return f"{kind}{self.counters[kind]}"

    def span(self, t: str, label: str, *fragments: dict) -> None:
        """A T line: one fragment for a mention, cue, speaker span or trigger, several for a quote."""
        frags = ";".join(f"{s['start']} {s['end']}" for s in fragments)
        surface = " ".join(normalise_surface(self.text[s["start"]:s["end"]]) for s in fragments)
        self.lines.append(f"{t}\t{label} {frags}\t{surface}")

    def note(self, target: str, data: dict) -> None:
        self.lines.append(f"{self.number('#')}\tAnnotatorNotes {target}\t{json.dumps(data, ensure_ascii=False)}")

    def relation(self, kind: str, arg1: str, arg2: str) -> None:
        """An `R` line of one of our link kinds (coref, cue, ...)."""
        self.lines.append(f"{self.number('R')}\t{brat_name(kind)} Arg1:{arg1} Arg2:{arg2}")

    def attribute(self, name: str, target: str, value: str | None = None) -> None:
        self.lines.append(f"{self.number('A')}\t{name} {target}" + (f" {value}" if value is not None else ""))

    def entity(self, entity: dict) -> None:
        first = None
        for mention in entity["mentions"]:
            t = f"T{id_number(mention['id'])}"
            self.span(t, entity["type"], mention)
            if first is not None:
                self.relation("coref", t, first)
                continue
            first = t
            data = {"entity": entity["id"], "name": entity["name"]}
            if entity.get("subtype") is not None:
                data["subtype"] = entity["subtype"]
            self.note(t, data)
            if entity.get("wikidata"):
                self.lines.append(f"{self.number('N')}\tReference {t} Wikidata:{entity['wikidata']}\t{entity['name']}")
        self.head[entity["id"]] = first

    def quote(self, quote: dict, t: str, quote_t: dict[str, str]) -> None:
        self.span(t, QUOTE, *quote["content"])
        self.note(t, {"quote": quote["id"]})
        self.attribute("QuoteType", t, quote["type"])
        self.attribute("SpeakerKind", t, quote["speaker_kind"])
        for kind, label in QUOTE_LINKS.items():  # cue, speaker, speaker_span, addressee, parent
            target = quote.get(kind)
            if label in (CUE, SPEAKER_SPAN):  # a span of its own
                if target:
                    arg2 = self.number("T")
                    self.span(arg2, label, target)
                    if kind == "cue":
                        self.note(arg2, {"lemma": target["lemma"]})
                    self.relation(kind, t, arg2)
            elif target is not None:  # to the head mention, or the parent quote
                self.relation(kind, t, quote_t[target] if label == QUOTE else self.head[target])

    def event(self, event: dict) -> None:
        trigger, g, e = event["trigger"], self.number("T"), f"E{id_number(event['id'])}"
        self.span(g, event["category"], trigger)
        seen: dict[str, int] = {}
        roles = ""
        for role, entity_id in event_roles(event):
            name = brat_name(role)
            seen[name] = seen.get(name, 0) + 1
            roles += f" {name}{seen[name] if seen[name] > 1 else ''}:{self.head[entity_id]}"
        self.lines.append(f"{e}\t{event['category']}:{g}{roles}")
        if event.get("mode"):
            self.attribute("Mode", e, event["mode"])
        for context in event.get("context", []):
            self.attribute(_context_attr(context), e)
        for attr, key in MARKERS.items():
            if event.get(key):
                self.attribute(attr, e)
        magnitude = event.get("magnitude") or {}
        if any(magnitude.get(k) is not None for k in MAGNITUDE_KEYS):
            self.note(e, {"magnitude": {k: magnitude.get(k) for k in MAGNITUDE_KEYS}})


def _last_mention_number(record: dict) -> int:
    """The highest mention number (T numbers of mentions are theirs); ids must be m<n>, unique."""
    numbers = []
    for entity in record.get("entities", []):
        for mention in entity["mentions"]:
            if not valid_id(mention.get("id"), "m"):
                raise InterchangeError(f"{record['id']}: mention id {mention.get('id')!r} is not m<n>; run akhbar validate")
            numbers.append(id_number(mention["id"]))
    if len(set(numbers)) != len(numbers):
        raise InterchangeError(f"{record['id']}: duplicate mention ids; run akhbar validate")
    return max(numbers, default=0)


def record_to_ann(record: dict) -> str:
    writer = _AnnWriter(record)
    for entity in record.get("entities", []):
        writer.entity(entity)
    quote_t = {q["id"]: writer.number("T") for q in record.get("quotes", [])}
    for quote in record.get("quotes", []):
        writer.quote(quote, quote_t[quote["id"]], quote_t)
    for event in record.get("events", []):
        writer.event(event)
    return "".join(line + "\n" for line in writer.lines)


# How spans may overlap, as the record contract has it (brat's <OVL-TYPE> values): entity
# mentions nest or are disjoint and never share their offsets (the validator's mention-crossing
# and mention-duplicate), so one mention may only contain another; quote content, cues and
# speaker spans are not constrained against anything (a quote holds names, a speaker span is
# often exactly a mention, a cue may sit inside a quote), so they may contain, equal or cross
# any span. Event triggers are event types, which brat does not check for overlap.
MENTION_OVERLAP = ("contain",)
FREE_SPANS = (QUOTE, CUE, SPEAKER_SPAN)


def overlap_rules() -> list[tuple[str, str, tuple[str, ...]]]:
    """(Arg1 types, Arg2 types, overlap kinds) of the <OVERLAP> declarations, brat's syntax."""
    ent = "|".join(labels.entity_types())
    free = "|".join(FREE_SPANS)
    return [(ent, ent, MENTION_OVERLAP), (free, "<ANY>", ("<ANY>",)), ("<ANY>", free, ("<ANY>",))]


def annotation_conf() -> str:
    """The brat configuration of our layers (also what INCEpTION's brat import reads). The
    <OVERLAP> lines declare the overlaps the record contract allows; without them brat's
    checker refuses every nested mention."""
    types = labels.entity_types()
    ent = "|".join(types)
    roles = ", ".join(f"{brat_name(r)}*:{ent}" for r in (*PARTIES, *labels.argument_roles()))
    out = ["# Akhbar layers for brat / INCEpTION (generated by akhbar export --format brat)", "", "[entities]", ""]
    out += types + ["", QUOTE, CUE, SPEAKER_SPAN, "", "[relations]", "", f"Coref\tArg1:{ent}, Arg2:{ent}"]
    out += [f"{brat_name(kind)}\tArg1:{QUOTE}, Arg2:{QUOTE_LINKS.get(kind, QUOTE) or ent}" for kind in RELATIONS]
    out += [f"<OVERLAP>\tArg1:{arg1}, Arg2:{arg2}, <OVL-TYPE>:{'|'.join(kinds)}" for arg1, arg2, kinds in overlap_rules()]
    out += ["", "[events]", ""] + [f"{category}\t{roles}" for category in labels.plover_categories()]
    out += ["", "[attributes]", "", f"QuoteType\tArg:{QUOTE}, Value:{'|'.join(labels.quote_types())}",
            f"SpeakerKind\tArg:{QUOTE}, Value:{'|'.join(labels.speaker_kinds())}",
            f"Mode\tArg:<EVENT>, Value:{'|'.join(labels.plover_modes())}"]
    out += [f"{attr}\tArg:<EVENT>" for attr in (*map(_context_attr, labels.plover_contexts()), *MARKERS)]
    return "\n".join(out) + "\n"


def export_brat(records: list[dict], out_dir: Path, report: Report) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for record in records:
        with exporting(record):
            ann_text = record_to_ann(record)
        txt, ann = out_dir / f"{record['id']}.txt", out_dir / f"{record['id']}.ann"
        atomic_write(txt, [record["text"].encode("utf-8")])
        atomic_write(ann, [ann_text.encode("utf-8")])
        written += [txt, ann]
        report.counts["articles exported"] += 1
    conf = out_dir / "annotation.conf"
    atomic_write(conf, [annotation_conf().encode("utf-8")])
    return written + [conf]


# ---- import: parsing -------------------------------------------------------------------------

T_LINE = re.compile(r"^(T\S*)\t(\S+) ([0-9]+ [0-9]+(?:;[0-9]+ [0-9]+)*)\t(.*)$")


@dataclass
class TextBound:
    """`T3\tPERS 10 24\tsurface` (several `start end` pairs, `;`-separated, when discontinuous)."""

    id: str
    type: str
    fragments: list[tuple[int, int]]
    surface: str
    line: int


@dataclass
class Relation:
    """`R1\tCoref Arg1:T5 Arg2:T3`."""

    id: str
    type: str
    arg1: str
    arg2: str
    line: int


@dataclass
class Equiv:
    """`*\tEquiv T1 T2 T3`."""

    type: str
    members: list[str]
    line: int


@dataclass
class EventLine:
    """`E3\tASSAULT:T12 Actor:T4 Actor2:T7 Place:T9`."""

    id: str
    type: str
    trigger: str
    roles: list[tuple[str, str]]
    line: int


@dataclass
class Attribute:
    """`A1\tMode E3 aerial` (binary attributes have no value); `M` lines too."""

    id: str
    name: str
    target: str
    value: str | None
    line: int


@dataclass
class Note:
    """`#1\tAnnotatorNotes T3\ttext`."""

    id: str
    target: str
    text: str
    line: int


@dataclass
class Reference:
    """`N1\tReference T3 Wikidata:Q42\tname`."""

    id: str
    target: str
    db: str
    ident: str
    line: int


@dataclass
class Ann:
    """The items of one .ann file, in file order, and the lines that could not be read."""

    textbounds: list[TextBound] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    equivs: list[Equiv] = field(default_factory=list)
    events: list[EventLine] = field(default_factory=list)
    attributes: list[Attribute] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # ann-malformed, ann-unsupported; with their lines


def _text_bound(ann: Ann, line: str, number: int) -> None:
    m = T_LINE.match(line)
    if not m:
        ann.problems.append(Problem(ERROR, "ann-malformed", f"cannot read text-bound line {line!r}", line=number))
        return
    frags = [(int(f.split()[0]), int(f.split()[1])) for f in m.group(3).split(";")]
    ann.textbounds.append(TextBound(m.group(1), m.group(2), frags, m.group(4), number))


def _relation(ann: Ann, line: str, number: int) -> None:
    rid, rest = line.split("\t", 1)
    parts = rest.split("\t")[0].split()
    args = dict(p.split(":", 1) for p in parts[1:])
    ann.relations.append(Relation(rid, parts[0], args["Arg1"], args["Arg2"], number))


def _equiv(ann: Ann, line: str, number: int) -> None:
    parts = line.split("\t")[1].split()
    ann.equivs.append(Equiv(parts[0], parts[1:], number))


def _event(ann: Ann, line: str, number: int) -> None:
    eid, rest = line.split("\t", 1)
    parts = rest.split()
    etype, trigger = parts[0].split(":", 1)
    roles = [tuple(p.split(":", 1)) for p in parts[1:]]
    if any(len(r) != 2 for r in roles):
        raise ValueError(line)
    ann.events.append(EventLine(eid, etype, trigger, roles, number))


def _attribute(ann: Ann, line: str, number: int) -> None:
    aid, rest = line.split("\t", 1)
    parts = rest.split()
    ann.attributes.append(Attribute(aid, parts[0], parts[1], parts[2] if len(parts) > 2 else None, number))


def _note(ann: Ann, line: str, number: int) -> None:
    nid, rest, *text = line.split("\t")
    ann.notes.append(Note(nid, rest.split()[1], "\t".join(text), number))


def _reference(ann: Ann, line: str, number: int) -> None:
    nid, rest, *_ = line.split("\t")
    parts = rest.split()
    db, ident = parts[2].split(":", 1)
    ann.references.append(Reference(nid, parts[1], db, ident, number))


LINE_PARSERS = {"T": _text_bound, "R": _relation, "*": _equiv, "E": _event, "A": _attribute, "M": _attribute, "#": _note,
                "N": _reference}


def parse_ann(text: str) -> Ann:
    """The items of an .ann file; a line that cannot be read is a problem with its line number."""
    ann = Ann()
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        parser = LINE_PARSERS.get(line[0])
        if parser is None:
            ann.problems.append(Problem(WARNING, "ann-unsupported", f"line type {line[0]!r} ignored", line=number))
            continue
        try:
            parser(ann, line, number)
        except (ValueError, IndexError, KeyError):
            ann.problems.append(Problem(ERROR, "ann-malformed", f"cannot read {line!r}", line=number))
    return ann


# ---- import: from brat items to the neutral items ------------------------------------------------


def _notes(ann: Ann, sink: Sink) -> dict[str, dict]:
    """Akhbar metadata by target: the JSON objects of its annotator notes, merged; other notes
    (free text from an annotator) are reported and ignored."""
    merged: dict[str, dict] = {}
    for note in ann.notes:
        try:
            data = json.loads(note.text)
        except json.JSONDecodeError:
            data = None
        if isinstance(data, dict):
            merged.setdefault(note.target, {}).update(data)
        else:
            sink.info("note-ignored", f"annotator note on {note.target} is not Akhbar metadata: {note.text!r}", note.line)
    return merged


def _spans(ann: Ann, notes: dict[str, dict], triggers: set[str], type_map: dict[str, str | None], sink: Sink) -> list[Span]:
    wikidata = {r.target: r.ident for r in ann.references if r.db.lower() == "wikidata"}
    spans = []
    for t in ann.textbounds:
        if t.id in triggers and t.type not in labels.entity_types():
            label = t.type  # an event trigger: its type is checked with its E line
        else:
            label = mapped_label(t.type, type_map, sink, t.id, "type", t.line)  # None: dropped (reported)
        if label is None:
            continue
        fields = dict(notes.get(t.id, {}))
        if t.id in wikidata:
            fields["wikidata"] = wikidata[t.id]
        claim = f"m{t.id[1:]}" if label in labels.entity_types() else fields.get("quote") if label == QUOTE else None  # T7 is m7
        spans.append(Span(t.id, label, t.fragments, t.surface, t.line, claim, fields))
    return spans


def _links(ann: Ann, sink: Sink) -> list[Link]:
    links = []
    for r in ann.relations:
        kind = "coref" if r.type in COREF_TYPES else RELATION_KINDS.get(r.type)
        if kind is None:
            sink.warning("ann-unsupported", f"relation type {r.type!r} ignored", r.line)
            sink.report.dropped[f"relation {r.type}"] += 1
        else:
            links.append(Link(kind, r.arg1, r.arg2, r.line))
    for equiv in ann.equivs:
        if equiv.type in COREF_TYPES:
            links += [Link("coref", equiv.members[0], other, equiv.line) for other in equiv.members[1:]]
        else:
            sink.warning("ann-unsupported", f"equivalence type {equiv.type!r} ignored", equiv.line)
    return links


def _attributes(ann: Ann, spans: list[Span], events: list[EventItem], sink: Sink) -> None:
    """Quote attributes onto their spans' fields, event attributes onto the events."""
    quotes = {s.key: s for s in spans if s.label == QUOTE}
    by_id = {e.key: e for e in events}
    contexts = {_context_attr(c): c for c in labels.plover_contexts()}
    for a in ann.attributes:
        if a.target in quotes and a.name in QUOTE_ATTRIBUTES:
            quotes[a.target].fields[QUOTE_ATTRIBUTES[a.name]] = a.value
        elif a.target in by_id and a.name == "Mode":
            by_id[a.target].mode = a.value
        elif a.target in by_id and a.name in contexts:
            by_id[a.target].context.append(contexts[a.name])
        elif a.target in by_id and a.name in MARKERS:
            by_id[a.target].markers.append(MARKERS[a.name])
        else:
            what = "a quote" if a.target in quotes else "an event" if a.target in by_id else a.target
            sink.warning("ann-unsupported", f"attribute {a.name} on {what} ignored", a.line)


def _events(ann: Ann, spans: list[Span], notes: dict[str, dict], triggers: set[str], sink: Sink) -> list[EventItem]:
    """An event per E line; a trigger span without one is an event with no arguments (warned)."""
    events = []
    for e in ann.events:
        magnitude = notes.get(e.id, {}).get("magnitude")
        events.append(EventItem(e.id, e.type, e.trigger, e.line, claim=f"v{e.id[1:]}", roles=[Role(r, t, e.line) for r, t in e.roles],
                                magnitude=magnitude if isinstance(magnitude, dict) else None))
    for s in spans:
        if s.label in labels.plover_categories() and s.key not in triggers:
            sink.warning("trigger-alone", f"{s.key}: a {s.label} trigger without an E line becomes an event with no arguments", s.line)
            events.append(EventItem(s.key, s.label, s.key, s.line))
    return events


def ann_items(ann: Ann, type_map: dict[str, str | None], sink: Sink) -> Items:
    """The neutral items of a parsed .ann (labels mapped with `type_map`)."""
    notes, triggers = _notes(ann, sink), {e.trigger for e in ann.events}
    spans = unique(_spans(ann, notes, triggers, type_map, sink), sink)
    events = unique(_events(ann, spans, notes, triggers, sink), sink)
    _attributes(ann, spans, events, sink)
    return Items(spans, _links(ann, sink), events)


# ---- import: files -------------------------------------------------------------------------------


def read_brat(src: Path, report: Report, type_map: dict[str, str | None] | None = None) -> list[ImportedDoc]:
    """Every `.ann` with its `.txt` in `src` (a folder, or one .ann/.txt file)."""
    src = Path(src)
    if src.is_dir():
        anns = sorted(src.glob("*.ann"))
        if not anns:
            raise InterchangeError(f"{src}: no .ann files")
    elif src.suffix in (".ann", ".txt") and src.with_suffix(".ann").is_file():
        anns = [src.with_suffix(".ann")]
    else:
        raise InterchangeError(f"{src}: not a brat folder or .ann file")
    docs = []
    for ann in anns:
        txt = ann.with_suffix(".txt")
        if not txt.is_file():
            report.error("txt-missing", f"{ann.name} has no {txt.name}; skipped", file=str(ann))
            continue
        doc = read_brat_pair(txt, ann, report, type_map)
        if doc is not None:
            docs.append(doc)
    return docs


def _read_text(path: Path, report: Report) -> str | None:
    data = path.read_bytes()
    if data.startswith(BOM):
        report.error("bom", "the .txt starts with a byte-order mark: brat offsets would count it; remove it", file=str(path), line=1)
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        message, line = not_utf8(data, exc)
        report.error("not-utf8", message, file=str(path), line=line)
        return None


def read_brat_pair(txt: Path, ann: Path, report: Report, type_map: dict[str, str | None] | None = None) -> ImportedDoc | None:
    """One article: the .txt is its text, the .ann its annotations (parsed, then assembled)."""
    text = _read_text(txt, report)
    ann_text = _read_text(ann, report)
    if text is None or ann_text is None:
        return None
    sink = Sink(report, str(ann), txt.stem)
    parsed = parse_ann(ann_text)
    sink.forward(parsed.problems)
    doc = ImportedDoc(txt.stem, text, [], [], [], source_file=txt, origin=Origin(str(ann), None))
    return assemble(ann_items(parsed, type_map or {}, sink), doc, sink)
