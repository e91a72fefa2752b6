"""Label Studio: tasks JSON (our annotations as `predictions`) + labeling config XML, and
import of completed tasks.

Label Studio offsets are JavaScript string indices, i.e. UTF-16 code units: a character
outside the Basic Multilingual Plane (an emoji, some CJK) counts 2. Offsets are converted both
ways; an offset that falls inside a surrogate pair is reported. `value.text` is used, when
present, only to re-anchor a span; its absence is fine.

Encoding (docs/interchange.md, docs/annotate-label-studio.md):
- an article is one task per passage (whole blocks, about `PASSAGE_CHARS` characters; a longer
  block is cut between sentences), so that an annotator reads a screenful and sees only the
  relations of that passage; every item lives in the passage of its first span, and a passage
  never cuts a span nor separates a quote's fragments, cue and speaker span. `data` holds the
  passage `text`, `article_id`, `passage`/`passages`, `start` (code-point offset of the passage
  in the article), `heading` and `ranks` (record order of its mentions, quotes and events, so
  that the import gives back the same record); the import joins an article's passages again,
  so all of them must be submitted;
- every span is a region (`type: labels`) of one of three label groups (`mention_label`,
  `quote_label`, `event_label`); region ids are our ids (m3, v1, q2; extra quote fragments
  q2-2, q2-3; cue q2-cue; speaker span q2-speaker); regions an annotator draws get Label
  Studio's random ids and fresh ids of ours on import;
- entity: every mention carries the text area `entity` (our id): mentions with the same id are
  one entity, no arrows (a `coref` relation is still read); the head mention also has `name`,
  `wikidata`, `subtype`;
- quote: `Quote` regions joined by `fragment` relations; per-region choices `quote_type` and
  `speaker_kind`; relations `cue` (to a `Cue` region with text area `lemma`), `speaker`,
  `addressee` (to a mention in the passage), `speaker_span` (to a `SpeakerSpan` region),
  `parent` (to a quote);
- event: a region labelled with the PLOVER category (the trigger); relations `actor`,
  `recipient` and the argument roles to mentions in the passage; per-region choices `mode`,
  `context`, `markers`; text area `magnitude` ("dead=3 injured=0");
- a quote's speaker, addressee and parent and an event's roles are arrows to the nearest
  mention (quote) in the passage; a link whose target is not in the passage is written in the
  region's text area `refs` ("speaker=e22 parent=q3", "actor=e6 place=e3"), and an event with
  a role outside its passage writes all its roles there, in order.

Import parses a task's result into plain items knowing nothing of Akhbar's labels
(`parse_result`: `Region`, `Relation`, `RegionField`), joins the passages of an article
(`_joined`), translates them into neutral items (`result_items`) and leaves the rest to the
assembler shared with brat (`akhbar.interchange.assemble`).
"""

from __future__ import annotations

import bisect
import itertools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import quoteattr

from akhbar import labels
from akhbar.interchange.assemble import (
    CUE,
    MAGNITUDE_KEYS,
    MARKERS,
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
)
from akhbar.interchange.common import (
    ARTICLE_ID,
    ERROR,
    MALFORMED,
    PARTIES,
    WARNING,
    ImportedDoc,
    InterchangeError,
    Origin,
    Problem,
    Report,
    event_roles,
    exporting,
)
from akhbar.records import atomic_write

MODEL_VERSION = "akhbar"


# ---- offsets ---------------------------------------------------------------------------------


class Utf16:
    """Conversion between code-point offsets (ours) and UTF-16 code units (JavaScript's)."""

    def __init__(self, text: str):
        self.units = [0, *itertools.accumulate(2 if ord(ch) > 0xFFFF else 1 for ch in text)]  # units before each offset

    def to_js(self, offset: int) -> int:
        return self.units[offset]

    def to_py(self, units: int) -> int | None:
        """The code-point offset, or None when `units` is outside the text or inside a pair."""
        i = bisect.bisect_left(self.units, units)
        return i if i < len(self.units) and self.units[i] == units else None


# ---- export (the encoding is in the module docstring) ---------------------------------------

PASSAGE_CHARS = 700
LABEL_CONTROLS = {"mention": "mention_label", "quote": "quote_label", "event": "event_label"}


def _hulls(record: dict) -> list[tuple[int, int]]:
    """(start, end) of every item a passage must not cut: mentions, triggers, and each quote with
    its fragments, cue and speaker span."""
    hulls = [(s["start"], s["end"]) for e in record.get("entities", []) for s in e["mentions"]]
    hulls += [(v["trigger"]["start"], v["trigger"]["end"]) for v in record.get("events", [])]
    for quote in record.get("quotes", []):
        spans = quote["content"] + [s for s in (quote.get("cue"), quote.get("speaker_span")) if s]
        hulls.append((min(s["start"] for s in spans), max(s["end"] for s in spans)))
    return hulls


def passage_bounds(record: dict, max_chars: int | None = PASSAGE_CHARS) -> list[tuple[int, int]]:
    """(start, end) of the record's passages: consecutive, covering the text, cut at block starts
    (and between the sentences of a block longer than `max_chars`), never inside an item."""
    text = record["text"]
    if not max_chars:
        return [(0, len(text))]
    hulls = _hulls(record)
    blocks = record.get("blocks", [])
    cuts = {b["start"] for b in blocks}
    long_blocks = [b for b in blocks if b["end"] - b["start"] > max_chars]
    if long_blocks:  # a paragraph too long for one passage is cut between the dataset's sentences
        from akhbar.hf.tokenize import sentences  # (numpy and pyarabic: loaded only when needed)

        cuts |= {start for start, _ in sentences(text) if any(b["start"] < start < b["end"] for b in long_blocks)}
    cuts = [c for c in sorted(cuts) if 0 < c < len(text) and not any(lo < c < hi for lo, hi in hulls)] + [len(text)]
    starts = [0]
    for cut, following in zip(cuts, cuts[1:], strict=False):
        if following - starts[-1] > max_chars:  # the next block would make the passage too long
            starts.append(cut)
    return list(zip(starts, starts[1:] + [len(text)], strict=True))


class _Passage:
    """One passage being written: its bounds, UTF-16 converter, and the mentions it holds."""

    def __init__(self, record: dict, start: int, end: int):
        self.start, self.end = start, end
        self.conv = Utf16(record["text"][start:end])
        self.mentions = {e["id"]: [m for m in e["mentions"] if self.holds(m)] for e in record.get("entities", [])}
        self.results: list[dict] = []

    def holds(self, span: dict) -> bool:
        return self.start <= span["start"] < self.end

    def js(self, offset: int) -> int:
        return self.conv.to_js(offset - self.start)

    def nearest(self, entity_id: str, near: int) -> str | None:
        """The id of the entity's mention in this passage nearest to `near`, or None."""
        found = self.mentions.get(entity_id) or []
        return min(found, key=lambda m: abs(m["start"] - near))["id"] if found else None

    def region(self, rid: str, span: dict, label: str, layer: str) -> None:
        self.results.append({"id": rid, "from_name": LABEL_CONTROLS[layer], "to_name": "text", "type": "labels",
                             "value": {"start": self.js(span["start"]), "end": self.js(span["end"]), "text": span["text"],
                                       "labels": [label]}})

    def field(self, rid: str, span: dict, name: str, kind: str, values: list[str]) -> None:
        key = "text" if kind == "textarea" else "choices"
        self.results.append({"id": rid, "from_name": name, "to_name": "text", "type": kind,
                             "value": {"start": self.js(span["start"]), "end": self.js(span["end"]), key: values}})

    def relation(self, a: str, b: str, label: str) -> None:
        self.results.append({"from_id": a, "to_id": b, "type": "relation", "direction": "right", "labels": [label]})


def _entity_results(entity: dict, p: _Passage) -> None:
    first = entity["mentions"][0]
    for mention in p.mentions[entity["id"]]:
        p.region(mention["id"], mention, entity["type"], "mention")
        p.field(mention["id"], mention, "entity", "textarea", [entity["id"]])
        if mention is not first:
            continue
        p.field(mention["id"], mention, "name", "textarea", [entity["name"]])
        for key in ("wikidata", "subtype"):
            if entity.get(key):
                p.field(mention["id"], mention, key, "textarea", [entity[key]])


def _quote_results(quote: dict, p: _Passage, quote_start: dict[str, int]) -> None:
    qid, first, refs = quote["id"], quote["content"][0], []
    for i, fragment in enumerate(quote["content"]):
        rid = qid if i == 0 else f"{qid}-{i + 1}"
        p.region(rid, fragment, QUOTE, "quote")
        if i:
            p.relation(rid, qid, "fragment")
    p.field(qid, first, "quote_type", "choices", [quote["type"]])
    p.field(qid, first, "speaker_kind", "choices", [quote["speaker_kind"]])
    if quote.get("cue"):
        p.region(f"{qid}-cue", quote["cue"], CUE, "quote")
        p.field(f"{qid}-cue", quote["cue"], "lemma", "textarea", [quote["cue"]["lemma"]])
        p.relation(qid, f"{qid}-cue", "cue")
    for kind in ("speaker", "addressee"):
        if quote.get(kind) is not None:
            target = p.nearest(quote[kind], first["start"])
            if target:
                p.relation(qid, target, kind)
            else:
                refs.append(f"{kind}={quote[kind]}")
    if quote.get("speaker_span"):
        p.region(f"{qid}-speaker", quote["speaker_span"], SPEAKER_SPAN, "quote")
        p.relation(qid, f"{qid}-speaker", "speaker_span")
    if quote.get("parent") is not None:
        if p.start <= quote_start.get(quote["parent"], -1) < p.end:
            p.relation(qid, quote["parent"], "parent")
        else:
            refs.append(f"parent={quote['parent']}")
    if refs:
        p.field(qid, first, "refs", "textarea", [" ".join(refs)])


def _event_results(event: dict, p: _Passage) -> None:
    vid, trigger = event["id"], event["trigger"]
    p.region(vid, trigger, event["category"], "event")
    roles = event_roles(event)
    targets = [p.nearest(entity, trigger["start"]) for _, entity in roles]
    if all(targets):
        for (role, _), target in zip(roles, targets, strict=True):
            p.relation(vid, target, role)
    else:  # one role outside the passage: all of them as text, to keep their order
        p.field(vid, trigger, "refs", "textarea", [" ".join(f"{role}={entity}" for role, entity in roles)])
    if event.get("mode"):
        p.field(vid, trigger, "mode", "choices", [event["mode"]])
    if event.get("context"):
        p.field(vid, trigger, "context", "choices", list(event["context"]))
    markers = [m for m in MARKERS if event.get(m)]
    if markers:
        p.field(vid, trigger, "markers", "choices", markers)
    magnitude = event.get("magnitude") or {}
    text = " ".join(f"{k}={magnitude[k]}" for k in MAGNITUDE_KEYS if magnitude.get(k) is not None)
    if text:
        p.field(vid, trigger, "magnitude", "textarea", [text])


def record_to_tasks(record: dict, max_chars: int | None = PASSAGE_CHARS) -> list[dict]:
    """The record's tasks, one per passage, with our annotations as `predictions`."""
    bounds = passage_bounds(record, max_chars)
    # the record order of mentions, quotes and events, which the import restores (`ranks`)
    ids = [m["id"] for e in record.get("entities", []) for m in e["mentions"]]
    ids += [q["id"] for q in record.get("quotes", [])] + [v["id"] for v in record.get("events", [])]
    quote_start = {q["id"]: q["content"][0]["start"] for q in record.get("quotes", [])}
    tasks = []
    for number, (start, end) in enumerate(bounds, 1):
        p = _Passage(record, start, end)
        for entity in record.get("entities", []):
            _entity_results(entity, p)
        for quote in record.get("quotes", []):
            if p.holds(quote["content"][0]):
                _quote_results(quote, p, quote_start)
        for event in record.get("events", []):
            if p.holds(event["trigger"]):
                _event_results(event, p)
        held = {r["id"] for r in p.results if r["type"] == "labels"}
        data = {"text": record["text"][start:end], "article_id": record["id"], "passage": number, "passages": len(bounds),
                "start": start, "heading": f"{record['id']} · passage {number} of {len(bounds)}",
                "ranks": {ident: rank for rank, ident in enumerate(ids) if ident in held}}
        tasks.append({"data": data, "predictions": [{"model_version": MODEL_VERSION, "result": p.results}]})
    return tasks


def relations_per_task(tasks: list[dict]) -> list[int]:
    """How many relation arrows each task's predictions draw over its text."""
    return [sum(1 for p in t.get("predictions", []) for r in p["result"] if r.get("type") == "relation") for t in tasks]


PALETTE = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#46f0f0", "#f032e6", "#bcf60c", "#fabebe", "#008080",
           "#e6beff", "#9a6324", "#800000", "#aaffc3", "#808000", "#ffd8b1", "#000075", "#808080"]
RELATIONS = ("fragment", *QUOTE_LINKS, *PARTIES)
TEXT_AREAS = (("entity", "entity id (mention)", "the same for every mention of one referent, e.g. e3; empty: a new entity"),
              ("name", "canonical name (first mention)", "canonical name"),
              ("wikidata", "Wikidata (first mention)", "Wikidata Q-id when certain"), ("subtype", "subtype (first mention)", "subtype"),
              ("lemma", "lemma (cue)", "cue lemma"), ("magnitude", "magnitude (event)", "dead=N injured=N arrested=N"),
              ("refs", "links outside this passage (quote, event)", "speaker=e22 addressee=e5 parent=q3, or actor=e6 place=e3"))


# Label Studio sets the text's size on its own container (16px/20px in 1.23): the style names it.
STYLE = (".akhbar-rtl { direction: rtl; text-align: right; unicode-bidi: plaintext; padding-top: 20px; }"
         " .akhbar-rtl .lsf-richtext__container, .akhbar-rtl .lsf-richtext__line, .akhbar-rtl .htx-richtext"
         " { font-size: 21px; line-height: 46px; }")


def _label_group(name: str, title: str, values: list[tuple[str, str]]) -> list[str]:
    q = quoteattr
    lines = [f'  <Header value={q(title)} size="6"/>', f'  <Labels name="{name}" toName="text" showInline="true">']
    lines += [f'    <Label value={q(v)} background={q(colour)}/>' for v, colour in values]
    return lines + ['  </Labels>']


def labeling_config() -> str:
    """The labeling config: the passage's text first (right to left), then one label group per
    layer, relations, and the per-region fields shown when a region is selected."""
    q = quoteattr
    lines = ['<View>', f'  <Style>{STYLE}</Style>', '  <Header value="$heading" size="5"/>',
             '  <View className="akhbar-rtl" style="direction: rtl; text-align: right">',
             '    <Text name="text" value="$text" granularity="symbol" dir="rtl"/>',
             '  </View>']
    lines += _label_group(LABEL_CONTROLS["mention"], "Entities (a mention's entity id goes in its entity field)",
                          [(t, PALETTE[i % len(PALETTE)]) for i, t in enumerate(labels.entity_types())])
    lines += _label_group(LABEL_CONTROLS["quote"], "Quotes", [(QUOTE, "#ffe119"), (CUE, "#fffac8"), (SPEAKER_SPAN, "#d2f53c")])
    lines += _label_group(LABEL_CONTROLS["event"], "Events (PLOVER category of the trigger)",
                          [(c, "#a9a9a9") for c in labels.plover_categories()])
    lines.append('  <Relations>')
    lines += [f'    <Relation value={q(r)}/>' for r in (*RELATIONS, *labels.argument_roles())]
    lines += ['  </Relations>', '  <View visibleWhen="region-selected">']
    for name, title, placeholder in TEXT_AREAS:
        lines += [f'    <Header value={q(title)} size="6"/>',
                  f'    <TextArea name={q(name)} toName="text" perRegion="true" maxSubmissions="1" placeholder={q(placeholder)}/>']
    for name, values, multiple in (("quote_type", labels.quote_types(), False), ("speaker_kind", labels.speaker_kinds(), False),
                                   ("mode", labels.plover_modes(), False), ("context", labels.plover_contexts(), True),
                                   ("markers", list(MARKERS), True)):
        choice = "multiple" if multiple else "single"
        lines.append(f'    <Choices name={q(name)} toName="text" perRegion="true" choice="{choice}" showInline="true">')
        lines += [f'      <Choice value={q(v)}/>' for v in values]
        lines.append('    </Choices>')
    lines += ['  </View>', '</View>']
    return "\n".join(lines) + "\n"


def export_labelstudio(records: list[dict], out_dir: Path, report: Report, max_chars: int | None = PASSAGE_CHARS) -> list[Path]:
    tasks = out_dir / "tasks.json"
    config = out_dir / "config.xml"
    converted = []
    for record in records:
        with exporting(record):
            converted += record_to_tasks(record, max_chars)
    atomic_write(tasks, [json.dumps(converted, ensure_ascii=False, indent=1).encode("utf-8") + b"\n"])
    atomic_write(config, [labeling_config().encode("utf-8")])
    report.counts["articles exported"] += len(records)
    report.counts["tasks (passages) exported"] += len(converted)
    return [tasks, config]


# ---- import: parsing -------------------------------------------------------------------------


@dataclass
class Region:
    """A labelled span (`type: labels`): offsets in UTF-16 code units, as Label Studio gives them."""

    id: str
    label: str | None  # the first of its labels
    start: int | None
    end: int | None
    text: str | None  # value.text, when present
    claim: str | None = None  # the region's own id when `id` was made unique across an article's passages
    line: int | None = None  # where its task starts (None: the task's sink says)
    task: int | None = None  # its task's number, for messages about an article of several passages

    @property
    def name(self) -> str:
        return (f"task {self.task}: " if self.task else "") + f"region {self.claim or self.id}"


@dataclass
class Relation:
    """A relation between two regions, once per label (`labels: []` counts as one empty label)."""

    source: str
    target: str
    label: str
    line: int | None = None


@dataclass
class RegionField:
    """A per-region text area or choices: `name` is the control (`from_name`)."""

    region: str
    name: str
    values: list[str]


@dataclass
class Result:
    regions: list[Region] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    fields: list[RegionField] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _offset(value) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"offset {value!r} is not a number")
    return value


def parse_result(result: list) -> Result:
    """The items of one annotation's (or prediction's) `result` list. An item that is not an
    object is a problem; an item of the wrong shape raises (the task is then reported whole)."""
    out = Result()
    for item in result:
        if not isinstance(item, dict):
            out.problems.append(Problem(ERROR, "result-malformed", f"result item {item!r} is not an object"))
            continue
        kind, value, rid = item.get("type"), item.get("value") or {}, str(item.get("id"))
        if kind == "relation":
            out.relations += [Relation(str(item.get("from_id")), str(item.get("to_id")), str(label)) for label in item.get("labels") or [""]]
        elif kind in ("labels", "hypertextlabels"):
            text = value.get("text")
            out.regions.append(Region(rid, (value.get("labels") or [None])[0], _offset(value.get("start")), _offset(value.get("end")),
                                      text if isinstance(text, str) else None))
        elif kind in ("textarea", "choices"):
            values = value.get("text" if kind == "textarea" else "choices") or []
            out.fields.append(RegionField(rid, str(item.get("from_name")), [str(v) for v in values]))
    return out


# ---- import: from Label Studio items to the neutral items -----------------------------------------


def _region_span(region: Region, conv: Utf16, fields: dict[str, list[str]], type_map: dict, sink: Sink) -> Span | None:
    label = mapped_label(region.label, type_map, sink, region.name, "label", region.line)
    if label is None:
        return None
    start = conv.to_py(region.start) if region.start is not None else None
    end = conv.to_py(region.end) if region.end is not None else None
    if start is None or end is None or start >= end:
        sink.error("span-unplaced", f"{region.name}: UTF-16 offsets {region.start}-{region.end} are not a span of the text", region.line)
        return None
    return Span(region.id, label, [(start, end)], region.text, line=region.line, claim=region.claim or region.id,
                fields={name: values[0].strip() for name, values in fields.items() if values}, name=region.name)


MAGNITUDE_FIELD = re.compile(rf"({'|'.join(MAGNITUDE_KEYS)})\s*=\s*([0-9]+)")  # dead=3 in an event's meta text


def _magnitude(values: list[str]) -> dict | None:
    found = {key: int(n) for value in values for key, n in re.findall(MAGNITUDE_FIELD, value)}
    return found or None


def _event(span: Span, fields: dict[str, list[str]]) -> EventItem:
    """A region labelled with a PLOVER category is an event trigger, and the event."""
    return EventItem(span.key, span.label, span.key, line=span.line, claim=span.claim, mode=(fields.get("mode") or [None])[0],
                     context=list(fields.get("context", [])), markers=[m for m in fields.get("markers", []) if m in MARKERS],
                     magnitude=_magnitude(fields.get("magnitude", [])), name=span.name)


def _coref_by_entity_field(spans: list[Span]) -> tuple[dict[str, str], list[Link]]:
    """Mentions that carry the same `entity` id are one entity, coreference without arrows: a
    link from the first mention with the id (entity id -> its key, also returned) to each other."""
    types, first, links = set(labels.entity_types()), {}, []
    for s in spans:
        if s.label in types and s.fields.get("entity"):
            head = first.setdefault(s.fields["entity"], s.key)
            if head != s.key:
                links.append(Link("coref", head, s.key, s.line))
    return first, links


QUOTE_REFS = tuple(kind for kind, label in QUOTE_LINKS.items() if label in (None, QUOTE))  # to an entity or a quote


def _refs(spans: list[Span], mention_of: dict[str, str], events: dict[str, EventItem], sink: Sink) -> list[Link]:
    """The `refs` text areas ("speaker=e22 parent=q3", "actor=e6 place=e3"): links to an entity
    (through its first mention, `mention_of`) or a quote outside the task, as links and event roles."""
    quote_of = {s.claim: s.key for s in spans if s.label == QUOTE}
    links = []
    for s in spans:
        for token in (s.fields.get("refs") or "").split():
            kind, _, target = token.partition("=")
            is_quote = s.label == QUOTE
            found = quote_of.get(target) if is_quote and kind == "parent" else mention_of.get(target)
            if (is_quote and kind not in QUOTE_REFS) or (not is_quote and s.key not in events) or found is None:
                sink.error("relation-dangling", f"{s.name}: refs {token!r} names no {'quote' if kind == 'parent' else 'entity'} of "
                           "the article with this relation (write speaker=e3, parent=q2, actor=e5, place=e7...)", s.line)
            elif is_quote:
                links.append(Link(kind, s.key, found, s.line))
            else:
                events[s.key].roles.append(Role(kind, found, s.line))
    return links


def result_items(result: Result, text: str, type_map: dict[str, str | None], sink: Sink) -> Items:
    """The neutral items of a parsed result on the task's `text`: offsets converted from UTF-16,
    labels mapped with `type_map`, coreference from the `entity` ids, `refs` and relations
    from an event region as its roles."""
    conv = Utf16(text)
    fields: dict[str, dict[str, list[str]]] = {}
    for f in result.fields:
        fields.setdefault(f.region, {})[f.name] = f.values
    spans = [_region_span(region, conv, fields.get(region.id, {}), type_map, sink) for region in result.regions]
    spans = unique([s for s in spans if s is not None], sink)
    categories = set(labels.plover_categories())
    events = {s.key: _event(s, fields.get(s.key, {})) for s in spans if s.label in categories}
    first, links = _coref_by_entity_field(spans)
    links += _refs(spans, first, events, sink)
    for r in result.relations:
        if r.label not in ("coref", "fragment") and r.source in events:
            events[r.source].roles.append(Role(r.label, r.target, r.line))
        else:
            links.append(Link(r.label, r.source, r.target, r.line))
    return Items(spans, links, list(events.values()))


# ---- import: tasks and passages --------------------------------------------------------------------


@dataclass
class TaskPart:
    """One task as read: an article's passage (a whole article for older exports) and the
    result to import from it (None: nothing submitted; `hint` says what to do)."""

    number: int  # 1-based place of the task in the file
    origin: Origin
    article_id: str | None
    text: str
    passage: int = 1
    passages: int = 1
    start: int = 0
    ranks: dict = field(default_factory=dict)
    result: list | None = None
    hint: str = ""


HINT_IDS_ONLY = ("the export lists its predictions only by id (Label Studio's Export button does), so there is nothing to import: "
                 "in Label Studio submit the task (or select the tasks in the Data Manager, then Actions > Create Annotations "
                 "From Predictions) and export again, or make a snapshot export with full predictions and pass --use-predictions "
                 "(docs/annotate-label-studio.md)")
HINT_PREDICTIONS = "pass --use-predictions to take its pre-annotations as they are"
HINT_NOTHING = "annotate and submit it in Label Studio, then export again"


def _pick_result(task: dict, use_predictions: bool, where: dict, report: Report) -> tuple[list | None, str]:
    """The result to import and, when there is none, what the user can do."""
    annotations = [a for a in task.get("annotations") or [] if isinstance(a, dict) and not a.get("was_cancelled")]
    if annotations:
        if len(annotations) > 1:
            report.info("several-annotations", f"{len(annotations)} completed annotations; the last updated one is used", **where)
        annotations.sort(key=lambda a: str(a.get("updated_at") or a.get("created_at") or ""))
        return annotations[-1].get("result") or [], ""
    predictions = task.get("predictions") or []
    full = [p for p in predictions if isinstance(p, dict) and isinstance(p.get("result"), list)]
    if full and use_predictions:
        return full[-1]["result"], ""
    if full:
        return None, HINT_PREDICTIONS
    return None, HINT_IDS_ONLY if predictions else HINT_NOTHING


def _whole(value, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else default


def _read_part(task, index: int, origin: Origin, report: Report, use_predictions: bool) -> TaskPart | None:
    data = task.get("data") if isinstance(task, dict) else None
    text = data.get("text") if isinstance(data, dict) else None
    if not isinstance(text, str):
        report.error("task-no-text", f"task {index + 1} has no data.text", **origin.where())
        return None
    article_id = data.get("article_id") or data.get("id")
    article_id = article_id if isinstance(article_id, str) and ARTICLE_ID.match(article_id) else None
    result, hint = _pick_result(task, use_predictions, {**origin.where(), "article": article_id}, report)
    ranks = data.get("ranks") if isinstance(data.get("ranks"), dict) else {}
    return TaskPart(index + 1, origin, article_id, text, _whole(data.get("passage"), 1), _whole(data.get("passages"), 1),
                    _whole(data.get("start"), 0), ranks, result, hint)


def _articles(parts: list[TaskPart]) -> list[list[TaskPart]]:
    """Tasks grouped by article (in the order of their first task); tasks without an article
    id, or that are one whole article each, stay alone."""
    groups: dict[object, list[TaskPart]] = {}
    for part in parts:
        key = part.article_id if part.article_id and part.passages > 1 else ("task", part.number)
        groups.setdefault(key, []).append(part)
    return [sorted(g, key=lambda p: p.passage) for g in groups.values()]


def _numbers(parts: list[TaskPart]) -> str:
    return ", ".join(str(p.number) for p in parts)


def _complete(group: list[TaskPart], report: Report) -> bool:
    """Whether the article's passages are all there, each with a result, and tile its text; if not,
    say why (an article's layers are replaced whole, so a passage cannot be left out)."""
    first = group[0]
    where = {**first.origin.where(), "article": first.article_id}
    pending = [p for p in group if p.result is None]
    if len(group) == 1 and pending:
        report.warning("task-not-annotated", f"task {first.number}: no submitted annotation; {first.hint}", **where)
        return False
    passages = f"article {first.article_id} ({first.passages} passages, tasks {_numbers(group)})"
    numbers = [p.passage for p in group]
    if numbers != list(range(1, first.passages + 1)) or any(p.passages != first.passages for p in group):
        missing = sorted(set(range(1, first.passages + 1)) - set(numbers))
        report.error("article-incomplete", f"{passages}: passage(s) {', '.join(map(str, missing)) or '?'} missing or repeated in "
                     "the export (Label Studio exports only tasks with a submitted annotation unless told otherwise): submit every "
                     "passage and export again; the article is not imported", **where)
        return False
    if pending:
        level = WARNING if len(pending) == len(group) else ERROR
        report.add(level, "task-not-annotated" if level == WARNING else "article-incomplete",
                   f"{passages}: task(s) {_numbers(pending)} have no submitted annotation; {pending[0].hint}; the article is not "
                   "imported", **where)
        return False
    at = 0
    for part in group:
        if part.start != at:
            report.error("passage-misplaced", f"{passages}: task {part.number} (passage {part.passage}) starts at {part.start}, "
                         f"where the passages before it end at {at}", **part.origin.where(), article=first.article_id)
            return False
        at += len(part.text)
    return True


def _joined(group: list[TaskPart], sink: Sink) -> tuple[str, Result]:
    """The article's text and one result for all its passages: offsets moved to the article,
    region ids made unique per passage (the id a region was exported with stays its claim),
    regions in the record's order (`ranks`), new ones after them."""
    text = "".join(p.text for p in group)
    if len(group) == 1:
        parsed = parse_result(group[0].result)
        sink.forward(parsed.problems)
        return text, parsed
    conv, joined, ranks = Utf16(text), Result(), {}
    for part in group:
        parsed = parse_result(part.result)
        sink.forward(parsed.problems, f"task {part.number}: ", part.origin.line)
        shift, key = conv.to_js(part.start), (lambda rid, n=part.passage: f"{n}/{rid}")
        for r in parsed.regions:
            moved = Region(key(r.id), r.label, None if r.start is None else r.start + shift, None if r.end is None else r.end + shift,
                           r.text, claim=r.id, line=part.origin.line, task=part.number)
            if isinstance(part.ranks.get(r.id), int):
                ranks[moved.id] = part.ranks[r.id]
            joined.regions.append(moved)
        joined.relations += [Relation(key(r.source), key(r.target), r.label, part.origin.line) for r in parsed.relations]
        joined.fields += [RegionField(key(f.region), f.name, f.values) for f in parsed.fields]
    joined.regions.sort(key=lambda r: (0, ranks[r.id]) if r.id in ranks else (1, 0))
    return text, joined


def read_tasks(src: Path, report: Report, type_map: dict[str, str | None] | None = None,
               use_predictions: bool = False) -> list[ImportedDoc]:
    src = Path(src)
    if src.is_dir():
        src = src / "tasks.json"
    try:
        raw = src.read_text(encoding="utf-8-sig")
        tasks = json.loads(raw)
    except FileNotFoundError:
        raise InterchangeError(f"{src}: no such file") from None
    except UnicodeDecodeError:
        raise InterchangeError(f"{src}: not UTF-8") from None
    except json.JSONDecodeError as exc:
        raise InterchangeError(f"{src}:{exc.lineno}: not JSON ({exc.msg})") from None
    if isinstance(tasks, dict):
        tasks = [tasks]
    if not isinstance(tasks, list):
        raise InterchangeError(f"{src}: a Label Studio export is a JSON list of tasks")
    lines = _task_lines(raw)
    if len(lines) != len(tasks):  # not every task is an object: no reliable line numbers
        lines = []
    parts = []
    for index, task in enumerate(tasks):
        origin = Origin(str(src), lines[index] if index < len(lines) else None)
        try:
            part = _read_part(task, index, origin, report, use_predictions)
        except MALFORMED as exc:
            report.error("task-malformed", f"task {index + 1} is not a Label Studio task as expected ({type(exc).__name__}: {exc})",
                         file=origin.file, line=origin.line)
            continue
        if part is not None:
            parts.append(part)
    docs = []
    for group in _articles(parts):
        if not _complete(group, report):
            continue
        first = group[0]
        sink = Sink(report, first.origin.file, first.article_id, first.origin.line,
                    prefix=f"task {first.number}: " if len(group) == 1 else "")
        try:
            text, result = _joined(group, sink)
        except MALFORMED as exc:
            which = f"task {first.number} is" if len(group) == 1 else f"one of tasks {_numbers(group)} is"
            report.error("task-malformed", f"{which} not a Label Studio task as expected ({type(exc).__name__}: {exc})",
                         **first.origin.where(), article=first.article_id)
            continue
        doc = ImportedDoc(first.article_id, text, [], [], [], source_file=src, origin=first.origin)
        docs.append(assemble(result_items(result, text, type_map or {}, sink), doc, sink))
    return docs


# What `_task_lines` reads of a file that parsed as JSON: whole strings (an escaped \" does not end
# one; they hold no raw newline), brackets and newlines.
JSON_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[][{}\n]')


def _task_lines(raw: str) -> list[int]:
    """Line where each top-level task starts (for messages): each `{` at depth 1."""
    out, depth, line = [], 0, 1
    for token in JSON_TOKENS.findall(raw):
        if token == "\n":
            line += 1
        elif token in ("{", "["):
            if depth == 1 and token == "{":
                out.append(line)
            depth += 1
        elif token in ("}", "]"):
            depth -= 1
    return out
