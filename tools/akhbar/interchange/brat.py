"""brat standoff: `<article id>.txt` + `<article id>.ann` per article, and `annotation.conf`.

Encoding (documented in docs/interchange.md; export then import is the identity):

- mention: `T<n>\tTYPE start end\tsurface`; the T number is the mention's number (m7 -> T7);
- entity (coreference cluster): its mentions' T lines are consecutive, the first one is the
  head; every other mention has `R<k>\tCoref Arg1:T<mention> Arg2:T<head>`. On import the
  clusters are the connected components of Coref (and brat `*\tEquiv`) links, so chains
  drawn in INCEpTION work too. The head carries `#<k>\tAnnotatorNotes T<head>\t{"entity":
  "e1", "name": "…"}` (plus "subtype" when set) and, when known, `N<k>\tReference T<head>
  Wikidata:Q…\tname`;
- quote: `T<n>\tQuote s e[;s e…]\tfragments` (discontinuous content), note `{"quote": "q1"}`,
  attributes `A\tQuoteType T<n> direct` and `A\tSpeakerKind T<n> named`; relations from the
  quote: `Cue` -> a `Cue` span (note `{"lemma": "قال"}`), `Speaker` and `Addressee` -> the
  head mention of the entity, `SpeakerSpan` -> a `SpeakerSpan` span, `Parent` -> the parent
  quote's span; a tool without discontinuous spans (INCEpTION) may instead draw each later
  fragment as its own `Quote` span with `R\tFragment Arg1:T<fragment> Arg2:T<first span>`;
- event: trigger `T<n>\tCATEGORY s e\tsurface` and `E<v>\tCATEGORY:T<n> Actor:T.. Recipient:T..
  Place:T..` (v1 -> E1; repeated roles numbered Actor2, Actor3 as brat does; fillers are
  head mentions); `A\tMode E<v> aerial`, one binary attribute per context
  (`A\tContext_military E<v>`), binary markers `Negated`, `Future`, `Hypothetical`,
  `Historical`; magnitude as a note `{"magnitude": {"dead": 3, …}}`.

Offsets are code points, end-exclusive, as in our records; the .txt is the record's text.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from akhbar import labels
from akhbar.interchange.anchoring import anchor, normalise_surface
from akhbar.interchange.common import (
    Components,
    ImportedDoc,
    InterchangeError,
    Origin,
    Report,
    empty_event,
    empty_quote,
    id_number,
    next_id,
)
from akhbar.records import atomic_write

QUOTE, CUE, SPEAKER_SPAN = "Quote", "Cue", "SpeakerSpan"
COREF_TYPES = {"Coref", "Equiv", "Coreference", "coref"}
QUOTE_RELATIONS = {"Cue", "Speaker", "SpeakerSpan", "Addressee", "Parent", "Fragment"}
MARKERS = {"Negated": "negated", "Future": "future", "Hypothetical": "hypothetical", "Historical": "historical"}
ROLE_OF = {"Actor": "actor", "Recipient": "recipient"}
MAGNITUDE_KEYS = ("dead", "injured", "arrested")


def _context_attr(context: str) -> str:
    return "Context_" + context.replace("-", "_")


def _role_name(role: str) -> str:
    return role[:1].upper() + role[1:]


# ---- export ----------------------------------------------------------------------------------


def record_to_ann(record: dict) -> str:
    text = record["text"]
    lines: list[str] = []
    counters = {"R": 0, "A": 0, "N": 0, "#": 0}

    def nxt(kind: str) -> int:
        counters[kind] += 1
        return counters[kind]

    def surface(start: int, end: int) -> str:
        return normalise_surface(text[start:end])

    def note(target: str, data: dict) -> None:
        lines.append(f"#{nxt('#')}\tAnnotatorNotes {target}\t{json.dumps(data, ensure_ascii=False)}")

    mention_numbers = []
    for entity in record.get("entities", []):
        for mention in entity["mentions"]:
            if not re.fullmatch(r"m[1-9][0-9]*", str(mention.get("id"))):
                raise InterchangeError(f"{record['id']}: mention id {mention.get('id')!r} is not m<n>; run akhbar validate")
            mention_numbers.append(id_number(mention["id"]))
    if len(set(mention_numbers)) != len(mention_numbers):
        raise InterchangeError(f"{record['id']}: duplicate mention ids; run akhbar validate")
    t_next = max(mention_numbers, default=0)

    def new_t() -> str:
        nonlocal t_next
        t_next += 1
        return f"T{t_next}"

    head: dict[str, str] = {}
    for entity in record.get("entities", []):
        first = None
        for mention in entity["mentions"]:
            t = f"T{id_number(mention['id'])}"
            lines.append(f"{t}\t{entity['type']} {mention['start']} {mention['end']}\t{surface(mention['start'], mention['end'])}")
            if first is None:
                first = t
                data = {"entity": entity["id"], "name": entity["name"]}
                if entity.get("subtype") is not None:
                    data["subtype"] = entity["subtype"]
                note(t, data)
                if entity.get("wikidata"):
                    lines.append(f"N{nxt('N')}\tReference {t} Wikidata:{entity['wikidata']}\t{entity['name']}")
            else:
                lines.append(f"R{nxt('R')}\tCoref Arg1:{t} Arg2:{first}")
        head[entity["id"]] = first

    quote_t = {q["id"]: new_t() for q in record.get("quotes", [])}
    for quote in record.get("quotes", []):
        t = quote_t[quote["id"]]
        frags = ";".join(f"{s['start']} {s['end']}" for s in quote["content"])
        lines.append(f"{t}\t{QUOTE} {frags}\t{' '.join(surface(s['start'], s['end']) for s in quote['content'])}")
        note(t, {"quote": quote["id"]})
        lines.append(f"A{nxt('A')}\tQuoteType {t} {quote['type']}")
        lines.append(f"A{nxt('A')}\tSpeakerKind {t} {quote['speaker_kind']}")
        if quote.get("cue"):
            cue = quote["cue"]
            c = new_t()
            lines.append(f"{c}\t{CUE} {cue['start']} {cue['end']}\t{surface(cue['start'], cue['end'])}")
            note(c, {"lemma": cue["lemma"]})
            lines.append(f"R{nxt('R')}\tCue Arg1:{t} Arg2:{c}")
        if quote.get("speaker") is not None:
            lines.append(f"R{nxt('R')}\tSpeaker Arg1:{t} Arg2:{head[quote['speaker']]}")
        if quote.get("speaker_span"):
            sp = quote["speaker_span"]
            s = new_t()
            lines.append(f"{s}\t{SPEAKER_SPAN} {sp['start']} {sp['end']}\t{surface(sp['start'], sp['end'])}")
            lines.append(f"R{nxt('R')}\tSpeakerSpan Arg1:{t} Arg2:{s}")
        if quote.get("addressee") is not None:
            lines.append(f"R{nxt('R')}\tAddressee Arg1:{t} Arg2:{head[quote['addressee']]}")
        if quote.get("parent") is not None:
            lines.append(f"R{nxt('R')}\tParent Arg1:{t} Arg2:{quote_t[quote['parent']]}")

    for event in record.get("events", []):
        trig = event["trigger"]
        g = new_t()
        e = f"E{id_number(event['id'])}"
        lines.append(f"{g}\t{event['category']} {trig['start']} {trig['end']}\t{surface(trig['start'], trig['end'])}")
        pairs = [("Actor", t) for t in event["actor"]] + [("Recipient", t) for t in event["recipient"]]
        pairs += [(_role_name(a["role"]), a["entity"]) for a in event["arguments"]]
        roles: list[str] = []
        used: dict[str, int] = {}
        for name, entity_id in pairs:
            used[name] = used.get(name, 0) + 1
            roles.append(f"{name}{used[name] if used[name] > 1 else ''}:{head[entity_id]}")
        lines.append(f"{e}\t{event['category']}:{g}" + "".join(f" {r}" for r in roles))
        if event.get("mode"):
            lines.append(f"A{nxt('A')}\tMode {e} {event['mode']}")
        for context in event.get("context", []):
            lines.append(f"A{nxt('A')}\t{_context_attr(context)} {e}")
        for attr, key in MARKERS.items():
            if event.get(key):
                lines.append(f"A{nxt('A')}\t{attr} {e}")
        magnitude = event.get("magnitude") or {}
        if any(magnitude.get(k) is not None for k in MAGNITUDE_KEYS):
            note(e, {"magnitude": {k: magnitude.get(k) for k in MAGNITUDE_KEYS}})
    return "".join(line + "\n" for line in lines)


def annotation_conf() -> str:
    """The brat configuration of our layers (also what INCEpTION's brat import reads)."""
    types = labels.entity_types()
    roles = ["Actor", "Recipient"] + [_role_name(r) for r in labels.argument_roles()]
    out = ["# Akhbar layers for brat / INCEpTION (generated by akhbar export --format brat)", "", "[entities]", ""]
    out += types + ["", QUOTE, CUE, SPEAKER_SPAN, "", "[relations]", ""]
    ent = "|".join(types)
    out.append(f"Coref\tArg1:{ent}, Arg2:{ent}")
    out.append(f"Cue\tArg1:{QUOTE}, Arg2:{CUE}")
    out.append(f"Speaker\tArg1:{QUOTE}, Arg2:{ent}")
    out.append(f"SpeakerSpan\tArg1:{QUOTE}, Arg2:{SPEAKER_SPAN}")
    out.append(f"Addressee\tArg1:{QUOTE}, Arg2:{ent}")
    out.append(f"Parent\tArg1:{QUOTE}, Arg2:{QUOTE}")
    out.append(f"Fragment\tArg1:{QUOTE}, Arg2:{QUOTE}")
    out += ["", "[events]", ""]
    for category in labels.plover_categories():
        out.append(f"{category}\t" + ", ".join(f"{r}*:{ent}" for r in roles))
    out += ["", "[attributes]", ""]
    out.append(f"QuoteType\tArg:{QUOTE}, Value:{'|'.join(labels.quote_types())}")
    out.append(f"SpeakerKind\tArg:{QUOTE}, Value:{'|'.join(labels.speaker_kinds())}")
    out.append(f"Mode\tArg:<EVENT>, Value:{'|'.join(labels.plover_modes())}")
    for context in labels.plover_contexts():
        out.append(f"{_context_attr(context)}\tArg:<EVENT>")
    for attr in MARKERS:
        out.append(f"{attr}\tArg:<EVENT>")
    return "\n".join(out) + "\n"


def export_brat(records: list[dict], out_dir: Path, report: Report) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for record in records:
        try:
            ann_text = record_to_ann(record)
        except (KeyError, TypeError, AttributeError, IndexError) as exc:
            raise InterchangeError(f"{record.get('id')}: not a valid record (missing or wrong {exc}); run akhbar validate") from None
        txt, ann = out_dir / f"{record['id']}.txt", out_dir / f"{record['id']}.ann"
        atomic_write(txt, [record["text"].encode("utf-8")])
        atomic_write(ann, [ann_text.encode("utf-8")])
        written += [txt, ann]
        report.counts["articles exported"] += 1
    conf = out_dir / "annotation.conf"
    atomic_write(conf, [annotation_conf().encode("utf-8")])
    return written + [conf]


# ---- import ----------------------------------------------------------------------------------

T_LINE = re.compile(r"^(T\S*)\t(\S+) ([0-9]+ [0-9]+(?:;[0-9]+ [0-9]+)*)\t(.*)$")


class _T:
    def __init__(self, tid, kind, frags, surface, line):
        self.id, self.kind, self.frags, self.surface, self.line = tid, kind, frags, surface, line


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
    if data.startswith(b"\xef\xbb\xbf"):
        report.error("bom", "the .txt starts with a byte-order mark: brat offsets would count it; remove it", file=str(path), line=1)
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        report.error("not-utf8", f"not UTF-8 (byte 0x{data[exc.start]:02X})", file=str(path), line=data.count(b"\n", 0, exc.start) + 1)
        return None


def read_brat_pair(txt: Path, ann: Path, report: Report, type_map: dict[str, str | None] | None = None) -> ImportedDoc | None:
    text = _read_text(txt, report)
    ann_text = _read_text(ann, report)
    if text is None or ann_text is None:
        return None
    name = str(ann)
    article_id = txt.stem
    doc = ImportedDoc(article_id, text, [], [], [], source_file=txt, origin=Origin(name, None))
    entity_types = set(labels.entity_types())
    categories = set(labels.plover_categories())
    type_map = type_map or {}

    ts: dict[str, _T] = {}
    rels: list[tuple[str, str, str, int]] = []  # (type, arg1, arg2, line)
    equivs: list[tuple[list[str], int]] = []
    evs: list[tuple[str, str, str, list[tuple[str, str]], int]] = []  # (id, type, trigger, roles, line)
    attrs: dict[str, list[tuple[str, str | None, int]]] = {}
    notes: dict[str, list[tuple[str, int]]] = {}
    refs: dict[str, list[tuple[str, str, int]]] = {}

    def err(code, message, line):
        report.error(code, message, file=name, line=line, article=article_id)

    for number, line in enumerate(ann_text.split("\n"), start=1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        kind = line[0]
        try:
            if kind == "T":
                m = T_LINE.match(line)
                if not m:
                    err("ann-malformed", f"cannot read text-bound line {line!r}", number)
                    continue
                frags = [tuple(int(x) for x in f.split()) for f in m.group(3).split(";")]
                ts[m.group(1)] = _T(m.group(1), m.group(2), frags, m.group(4), number)
            elif kind == "R":
                rid, rest = line.split("\t", 1)
                parts = rest.split("\t")[0].split()
                args = dict(p.split(":", 1) for p in parts[1:])
                rels.append((parts[0], args["Arg1"], args["Arg2"], number))
            elif kind == "*":
                parts = line.split("\t")[1].split()
                if parts[0] in COREF_TYPES:
                    equivs.append((parts[1:], number))
                else:
                    report.warning("ann-unsupported", f"equivalence type {parts[0]!r} ignored", file=name, line=number, article=article_id)
            elif kind == "E":
                eid, rest = line.split("\t", 1)
                parts = rest.split()
                etype, trigger = parts[0].split(":", 1)
                roles = [tuple(p.split(":", 1)) for p in parts[1:]]
                if any(len(r) != 2 for r in roles):
                    raise ValueError(line)
                evs.append((eid, etype, trigger, roles, number))
            elif kind in "AM":
                _, rest = line.split("\t", 1)
                parts = rest.split()
                attrs.setdefault(parts[1], []).append((parts[0], parts[2] if len(parts) > 2 else None, number))
            elif kind == "#":
                _, rest, *note = line.split("\t")
                target = rest.split()[1]
                notes.setdefault(target, []).append(("\t".join(note), number))
            elif kind == "N":
                _, rest, *_ = line.split("\t")
                parts = rest.split()
                refs.setdefault(parts[1], []).append((parts[2].split(":", 1)[0], parts[2].split(":", 1)[1], number))
            else:
                report.warning("ann-unsupported", f"line type {kind!r} ignored", file=name, line=number, article=article_id)
        except (ValueError, IndexError, KeyError):
            err("ann-malformed", f"cannot read {line!r}", number)

    def json_note(target: str) -> dict:
        merged: dict = {}
        for note, number in notes.get(target, []):
            try:
                data = json.loads(note)
            except json.JSONDecodeError:
                data = None
            if isinstance(data, dict):
                merged.update(data)
            else:
                report.info("note-ignored", f"annotator note on {target} is not Akhbar metadata: {note!r}", file=name, line=number,
                            article=article_id)
        return merged

    def place(t: _T) -> list[dict] | None:
        """Spans of a T line on the .txt, checked against its surface."""
        for s, e in t.frags:
            if not 0 <= s < e <= len(text):
                err("span-unplaced", f"{t.id}: offsets {s}-{e} outside the text (length {len(text)})", t.line)
                return None
        spans = [doc.note({"start": s, "end": e, "text": text[s:e]}, Origin(name, t.line)) for s, e in t.frags]
        if normalise_surface(" ".join(x["text"] for x in spans)) == normalise_surface(t.surface):
            return spans
        if len(spans) == 1:
            moved = anchor(text, spans[0]["start"], spans[0]["end"], t.surface)
            if moved is not None:
                report.warning("span-moved", f"{t.id}: {t.surface!r} re-anchored from {spans[0]['start']} to {moved.start}",
                               file=name, line=t.line, article=article_id, offset=moved.start)
                report.repairs["spans re-anchored"] += 1
                spans[0].update(start=moved.start, end=moved.end, text=text[moved.start:moved.end])
                return spans
        err("span-unplaced", f"{t.id}: the text at {t.frags} is {' '.join(x['text'] for x in spans)!r}, not {t.surface!r}", t.line)
        return None

    # Mentions and clusters.
    mention_ts = []
    trigger_ids = {trigger for _, _, trigger, _, _ in evs}
    for t in ts.values():
        if t.id in trigger_ids and t.kind not in entity_types:
            continue  # an event trigger: its type is checked with its E line
        kind = type_map.get(t.kind, t.kind) if t.kind in type_map else t.kind
        if kind in entity_types:
            t.kind = kind
            mention_ts.append(t)
        elif t.kind in type_map:  # mapped to null
            report.dropped[f"{t.kind} (mapped to nothing)"] += 1
            t.kind = None
        elif t.kind not in (QUOTE, CUE, SPEAKER_SPAN) and t.kind not in categories:
            err("label-unknown", f"{t.id}: type {t.kind!r} is not an Akhbar type (map it with --map)", t.line)
            report.dropped[f"{t.kind} (unknown)"] += 1
            t.kind = None
    coref = Components(t.id for t in mention_ts)

    def union(a, b, line):
        if a not in coref or b not in coref:
            err("coref-not-mention", f"coreference link {a} - {b}: both ends must be entity mentions", line)
            return
        coref.union(a, b)

    quote_rels = []
    for rtype, a1, a2, number in rels:
        if rtype in COREF_TYPES:
            union(a1, a2, number)
        elif rtype in QUOTE_RELATIONS:
            quote_rels.append((rtype, a1, a2, number))
        else:
            report.warning("ann-unsupported", f"relation type {rtype!r} ignored", file=name, line=number, article=article_id)
            report.dropped[f"relation {rtype}"] += 1
    for members, number in equivs:
        for other in members[1:]:
            union(members[0], other, number)

    clusters: dict[str, list[_T]] = {}
    for t in sorted(mention_ts, key=lambda t: t.line):
        clusters.setdefault(coref.find(t.id), []).append(t)
    used_entities: set[str] = set()
    used_mentions: set[str] = set()
    pending = []
    for members in clusters.values():
        meta: dict = {}
        claimed = None
        for t in members:
            data = json_note(t.id)
            if "entity" in data:
                if claimed is None and re.fullmatch(r"e[1-9][0-9]*", str(data["entity"])) and data["entity"] not in used_entities:
                    claimed, meta = data["entity"], data
                    used_entities.add(claimed)
                else:
                    report.info("entities-merged", f"{t.id} carries entity {data['entity']}, merged into {claimed}", file=name,
                                line=t.line, article=article_id)
        pending.append((members, claimed, meta))
    mention_of: dict[str, str] = {}
    for t in mention_ts:
        mid = f"m{t.id[1:]}" if re.fullmatch(r"T[1-9][0-9]*", t.id) else None
        if mid and mid not in used_mentions:
            used_mentions.add(mid)
            mention_of[t.id] = mid
    entity_of: dict[str, str] = {}
    for members, claimed, meta in pending:
        entity_id = claimed or next_id("e", used_entities)
        mentions = []
        for t in members:
            spans = place(t)
            if spans is None:
                continue
            if len(spans) > 1:
                err("mention-discontinuous", f"{t.id}: a mention cannot be discontinuous", t.line)
                continue
            mid = mention_of.get(t.id) or next_id("m", used_mentions)
            mention = spans[0]
            mention_obj = doc.note({"id": mid, **mention}, Origin(name, t.line))
            mentions.append(mention_obj)
            entity_of[t.id] = entity_id
        if not mentions:
            continue
        kinds = {t.kind for t in members}
        if len(kinds) > 1:
            err("cluster-mixed-types", f"entity {entity_id}: its mentions have types {', '.join(sorted(kinds))}; kept {members[0].kind}",
                members[0].line)
        wikidata = None
        for t in members:
            for db, ident, _number in refs.get(t.id, []):
                if db.lower() == "wikidata":
                    wikidata = ident
        doc.entities.append({
            "id": entity_id, "type": members[0].kind, "subtype": meta.get("subtype"),
            "name": meta.get("name") or mentions[0]["text"], "wikidata": wikidata, "mentions": mentions,
        })

    # Quotes.
    used_quotes: set[str] = set()
    quote_ts = sorted((t for t in ts.values() if t.kind == QUOTE), key=lambda t: t.line)
    quote_of: dict[str, str] = {}
    for t in quote_ts:
        qid = json_note(t.id).get("quote")
        if isinstance(qid, str) and re.fullmatch(r"q[1-9][0-9]*", qid) and qid not in used_quotes:
            used_quotes.add(qid)
            quote_of[t.id] = qid
    for t in quote_ts:
        quote_of.setdefault(t.id, next_id("q", used_quotes))
    # Tools without discontinuous spans (INCEpTION): later fragments as Quote spans with a
    # `Fragment` relation to the quote's first span.
    fragment_of = {a1: a2 for rtype, a1, a2, _ in quote_rels if rtype == "Fragment" and a1 in quote_of and a2 in quote_of}

    def quote_root(tid: str) -> str:
        seen = {tid}
        while tid in fragment_of and fragment_of[tid] not in seen:
            tid = fragment_of[tid]
            seen.add(tid)
        return tid

    quotes_by_t: dict[str, dict] = {}
    for t in quote_ts:
        if quote_root(t.id) != t.id:
            continue
        content = place(t)
        if content is None:
            continue
        quote = empty_quote(quote_of[t.id], content)
        quote["speaker_kind"] = None
        for attr, value, number in attrs.get(t.id, []):
            if attr == "QuoteType":
                quote["type"] = value
            elif attr == "SpeakerKind":
                quote["speaker_kind"] = value
            else:
                report.warning("ann-unsupported", f"attribute {attr} on a quote ignored", file=name, line=number, article=article_id)
        if not any(a == "QuoteType" for a, _, _ in attrs.get(t.id, [])):
            report.warning("quote-type-missing", f"{t.id}: quote has no QuoteType; direct assumed", file=name, line=t.line,
                           article=article_id)
        quotes_by_t[t.id] = quote
        doc.quotes.append(quote)
    for t in quote_ts:
        root = quote_root(t.id)
        if root != t.id and root in quotes_by_t:
            spans = place(t)
            if spans is not None:
                quotes_by_t[root]["content"] = sorted(quotes_by_t[root]["content"] + spans, key=lambda x: (x["start"], x["end"]))
                quotes_by_t[t.id] = quotes_by_t[root]
    for rtype, a1, a2, number in quote_rels:
        if rtype == "Fragment":
            if a1 not in fragment_of:
                err("relation-dangling", f"Fragment relation {a1} -> {a2}: both ends must be Quote spans", number)
            continue
        quote = quotes_by_t.get(a1)
        if quote is None:
            err("relation-dangling", f"{rtype} relation from {a1}, which is not a quote", number)
            continue
        target = ts.get(a2)
        if rtype in ("Speaker", "Addressee"):
            if a2 not in entity_of:
                err("relation-dangling", f"{rtype} of {a1} points at {a2}, which is not an entity mention", number)
                continue
            quote[rtype.lower()] = entity_of[a2]
        elif rtype == "Parent":
            if a2 not in quotes_by_t:
                err("relation-dangling", f"Parent of {a1} points at {a2}, which is not a quote", number)
                continue
            quote["parent"] = quotes_by_t[a2]["id"]
        elif target is None or target.kind != (CUE if rtype == "Cue" else SPEAKER_SPAN):
            err("relation-dangling", f"{rtype} of {a1} points at {a2}, which is not a {rtype} span", number)
        else:
            spans = place(target)
            if spans is None:
                continue
            if rtype == "Cue":
                lemma = json_note(a2).get("lemma") or spans[0]["text"]
                quote["cue"] = doc.note({**spans[0], "lemma": lemma}, Origin(name, target.line))
            else:
                quote["speaker_span"] = spans[0]
    for quote in doc.quotes:
        if quote["speaker_kind"] is None:
            quote["speaker_kind"] = "named" if quote["speaker"] else "anonymous"

    # Events.
    used_events: set[str] = set()
    event_ids: dict[str, str] = {}
    for eid, *_ in evs:
        vid = f"v{eid[1:]}" if re.fullmatch(r"E[1-9][0-9]*", eid) else None
        if vid and vid not in used_events:
            used_events.add(vid)
            event_ids[eid] = vid
    triggers_used = set()
    for eid, etype, trigger, roles, number in evs:
        vid = event_ids.get(eid) or next_id("v", used_events)
        if etype not in categories:
            err("label-unknown", f"{eid}: event type {etype!r} is not a PLOVER category", number)
            report.dropped[f"event {etype} (unknown)"] += 1
            continue
        t = ts.get(trigger)
        if t is None:
            err("relation-dangling", f"{eid}: trigger {trigger} does not exist", number)
            continue
        triggers_used.add(trigger)
        spans = place(t)
        if spans is None:
            continue
        event = empty_event(vid, etype, spans[0])
        for role, target in roles:
            base = re.sub(r"[0-9]+$", "", role)
            if target not in entity_of:
                err("relation-dangling", f"{eid}: {role} points at {target}, which is not an entity mention", number)
                continue
            if base in ROLE_OF:
                event[ROLE_OF[base]].append(entity_of[target])
            elif base.lower() in labels.argument_roles():
                event["arguments"].append({"role": base.lower(), "entity": entity_of[target]})
            else:
                err("role-unknown", f"{eid}: role {role!r} is not Actor, Recipient or an argument role", number)
        contexts = {_context_attr(c): c for c in labels.plover_contexts()}
        for attr, value, anumber in attrs.get(eid, []):
            if attr == "Mode":
                event["mode"] = value
            elif attr in contexts:
                event["context"].append(contexts[attr])
            elif attr in MARKERS:
                event[MARKERS[attr]] = True
            else:
                report.warning("ann-unsupported", f"attribute {attr} on an event ignored", file=name, line=anumber, article=article_id)
        magnitude = json_note(eid).get("magnitude")
        if isinstance(magnitude, dict):
            event["magnitude"] = {k: magnitude.get(k) for k in MAGNITUDE_KEYS}
        doc.events.append(event)
    for t in ts.values():
        if t.kind in categories and t.id not in triggers_used:
            spans = place(t)
            if spans is not None:
                report.warning("trigger-alone", f"{t.id}: a {t.kind} trigger without an E line becomes an event with no arguments",
                               file=name, line=t.line, article=article_id)
                doc.events.append(empty_event(next_id("v", used_events), t.kind, spans[0]))
    return doc
