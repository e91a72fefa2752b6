"""One assembler for every annotation tool: from neutral items to entities, quotes and events.

A format module parses its files into that format's own plain items and translates them into
neutral ones: `Span` (a mention, quote fragment, cue, speaker span or event trigger, with the
id it asks for and the fields the tool attached), `Link` (between two spans: `coref`,
`fragment`, and the links from a quote) and `EventItem` (category, trigger, roles and the rest).

`assemble` applies the rules every format shares, with the same messages:

- every span used is placed on the text: its offsets must be inside it and hold the surface
  the tool gives (when it gives one); a one-fragment span whose surface is nearby is moved
  there (`span-moved`), anything else is `span-unplaced`;
- entities are the connected components of `coref` links among mentions (so chains and stars
  both work); an entity takes the first free `e<n>` one of its mentions carries (the others are
  reported as `entities-merged`), name, subtype and wikidata come from the first mention that
  has each (the name defaults to the first mention's text); a mention keeps the `m<n>` it asks
  for when it is free;
- quotes are the connected components of `fragment` links among `Quote` spans (a
  discontinuous quote may be one span of several fragments, or several spans); a quote takes
  the first free `q<n>` of its spans, and its type and speaker kind from the first span that
  has them (no type: `direct`, warned; no speaker kind: `named` when it has a speaker, else
  `anonymous`);
- events keep the `v<n>` they ask for when it is free; roles must point at mentions;
- fresh ids are the smallest free ones, given after every claimed id is reserved;
- a `Cue` or `SpeakerSpan` no quote points at is reported and dropped (`span-unused`).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from akhbar import labels
from akhbar.interchange.anchoring import anchor, normalise_surface
from akhbar.interchange.common import PARTIES, ImportedDoc, Sink
from akhbar.schema import MAGNITUDE_KEYS

QUOTE, CUE, SPEAKER_SPAN = "Quote", "Cue", "SpeakerSpan"
MARKERS = tuple(labels.event_markers())  # negated, future, hypothetical, historical: from the PLOVER inventory
# The links from a quote, each to the label of the span it points at (None: an entity mention), in
# the order the tools' configurations and the messages list them, and brat writes them (so this
# order also fixes the T numbers of a quote's cue and speaker span in an exported .ann).
QUOTE_LINKS = {"cue": CUE, "speaker": None, "speaker_span": SPEAKER_SPAN, "addressee": None, "parent": QUOTE}
LINK_KINDS = ("coref", "fragment", *QUOTE_LINKS)


@dataclass
class Span:
    """A text-bound annotation (see the module docstring)."""

    key: str  # the tool's id: T3, m3, a random Label Studio region id
    label: str  # an entity type, Quote, Cue, SpeakerSpan or a PLOVER category (after --map)
    fragments: list[tuple[int, int]]  # code-point offsets, end-exclusive; several for a discontinuous span
    surface: str | None = None  # the text the tool says it covers (None: the offsets are trusted)
    line: int | None = None  # where it was read (None: the reader's default line)
    claim: str | None = None  # the Akhbar id it asks for: m<n> for a mention, q<n> for a quote
    fields: dict = field(default_factory=dict)  # entity, name, subtype, wikidata, quote_type, speaker_kind, lemma
    name: str = ""  # how messages name it ("T3", "region m3"); the key when empty

    def __post_init__(self) -> None:
        self.name = self.name or self.key


@dataclass
class Link:
    kind: str  # one of LINK_KINDS (anything else is reported)
    source: str  # span keys
    target: str
    line: int | None = None


@dataclass
class Role:
    name: str  # as the tool writes it: Actor, Actor2, Place, actor, place
    target: str  # a mention's span key
    line: int | None = None


@dataclass
class EventItem:
    key: str  # the tool's id: E3, v3, a region id
    category: str
    trigger: str  # the trigger's span key
    line: int | None = None
    claim: str | None = None  # v<n>
    roles: list[Role] = field(default_factory=list)
    mode: str | None = None
    context: list[str] = field(default_factory=list)
    markers: list[str] = field(default_factory=list)  # names from MARKERS
    magnitude: dict | None = None
    name: str = ""

    def __post_init__(self) -> None:
        self.name = self.name or self.key


@dataclass
class Items:
    """What a format module hands to `assemble`, in the order the tool wrote it."""

    spans: list[Span] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    events: list[EventItem] = field(default_factory=list)


def assemble(items: Items, doc: ImportedDoc, sink: Sink) -> ImportedDoc:
    """Fill `doc`'s entities, quotes and events from `items` (spans placed on `doc.text`)."""
    _Assembly(items, doc, sink).run()
    return doc


def unique(items: list, sink: Sink) -> list:
    """Spans or events with a key of their own: a key used again is reported and the first
    item with it kept (formats call this before attaching fields by key)."""
    seen: set[str] = set()
    kept = []
    for item in items:
        if item.key in seen:
            sink.error("id-twice", f"{item.name} is used twice; the first one is kept", item.line)
        else:
            seen.add(item.key)
            kept.append(item)
    return kept


def mapped_label(label: str | None, type_map: dict[str, str | None], sink: Sink, name: str, noun: str,
                 line: int | None) -> str | None:
    """A tool's span label after --map: an entity type, Quote, Cue, SpeakerSpan or a PLOVER
    category; None when the map drops it (counted) or it is none of these (reported)."""
    mapped = type_map.get(label, label)
    if mapped is None:
        sink.report.dropped[f"{label or '?'} (mapped to nothing)"] += 1
        return None
    if mapped in labels.entity_types() or mapped in (QUOTE, CUE, SPEAKER_SPAN) or mapped in labels.plover_categories():
        return mapped
    sink.error("label-unknown", f"{name}: {noun} {mapped!r} is not an Akhbar {noun} (map it with --map)", line)
    sink.report.dropped[f"{mapped} (unknown)"] += 1
    return None


def valid_id(ident, prefix: str) -> bool:
    return isinstance(ident, str) and re.fullmatch(rf"{prefix}[1-9][0-9]*", ident) is not None


def claim_ids(groups: list[list], prefix: str, claim: Callable[[object], object]) -> list[str]:
    """One id per group: the first id one of its members claims that no earlier group took,
    else the smallest free `<prefix><n>` (given once every claim is reserved)."""
    used: set[str] = set()
    chosen: list[str | None] = []
    for members in groups:
        ident = next((c for c in map(claim, members) if valid_id(c, prefix) and c not in used), None)
        if ident is not None:
            used.add(ident)
        chosen.append(ident)
    fresh = (f"{prefix}{n}" for n in itertools.count(1) if f"{prefix}{n}" not in used)  # the smallest free ids, in order
    return [ident or next(fresh) for ident in chosen]


def first_field(spans: Iterable[Span], key: str):
    """The value of `key` on the first span that has a non-empty one."""
    return next((s.fields[key] for s in spans if s.fields.get(key) not in (None, "")), None)


def role_of(name: str) -> str:
    """Actor2 -> actor, Place -> place: brat numbers repeated roles, tools capitalise."""
    return re.sub(r"[0-9]+$", "", name).lower()


def components(spans: list[Span], links: list[Link], kind: str, what: str, sink: Sink, naming) -> list[list[Span]]:
    """Spans grouped by the `kind` links among them, groups in the order of their first span;
    a link with an end outside `spans` is reported."""
    root = {s.key: s.key for s in spans}  # union-find: each key points towards its group's root

    def find(key: str) -> str:
        while root[key] != key:
            root[key] = root[root[key]]  # path halving keeps long coreference chains cheap
            key = root[key]
        return key

    for link in links:
        if link.kind != kind:
            continue
        if link.source in root and link.target in root:
            root[find(link.source)] = find(link.target)
        else:
            sink.error("relation-dangling", f"{kind} link {naming(link.source)} -> {naming(link.target)}: both ends must be {what}",
                       link.line)
    groups: dict[str, list[Span]] = {}
    for s in spans:
        groups.setdefault(find(s.key), []).append(s)
    return list(groups.values())


class _Assembly:
    def __init__(self, items: Items, doc: ImportedDoc, sink: Sink) -> None:
        self.items, self.doc, self.sink = items, doc, sink
        self.spans = {s.key: s for s in unique(items.spans, sink)}
        self.event_items = unique(items.events, sink)
        self.placed: dict[str, list[dict] | None] = {}
        self.entity_of: dict[str, str] = {}  # mention span key -> entity id
        self.quote_of: dict[str, dict] = {}  # quote span key -> quote
        self.used: set[str] = set()  # keys of cue and speaker spans a quote took

    def run(self) -> None:
        self.entities()
        self.quotes()
        for link in self.items.links:
            if link.kind not in ("coref", "fragment"):
                self.quote_link(link)
        for quote in self.doc.quotes:
            if quote["speaker_kind"] is None:
                quote["speaker_kind"] = "named" if quote["speaker"] else "anonymous"
        self.events()
        self.unused()

    def name(self, key: str) -> str:
        return self.spans[key].name if key in self.spans else key

    # ---- placing spans -----------------------------------------------------------------------

    def place(self, span: Span) -> list[dict] | None:
        """The span's fragments on the text (fresh dicts each call), placed once and reported once."""
        if span.key not in self.placed:
            self.placed[span.key] = self._locate(span)
        found = self.placed[span.key]
        return None if found is None else [self.doc.note(dict(x), self.sink.origin(span.line)) for x in found]

    def _locate(self, span: Span) -> list[dict] | None:
        text = self.doc.text
        for start, end in span.fragments:
            if not 0 <= start < end <= len(text):
                self.sink.error("span-unplaced", f"{span.name}: offsets {start}-{end} outside the text (length {len(text)})", span.line)
                return None
        found = [{"start": s, "end": e, "text": text[s:e]} for s, e in span.fragments]
        actual = " ".join(x["text"] for x in found)
        if span.surface is None or normalise_surface(actual) == normalise_surface(span.surface):
            return found
        if len(found) == 1:
            moved = anchor(text, found[0]["start"], found[0]["end"], span.surface)
            if moved is not None:
                self.sink.warning("span-moved", f"{span.name}: {span.surface!r} re-anchored from {found[0]['start']} to {moved.start}",
                                  span.line, offset=moved.start)
                self.sink.report.repairs["spans re-anchored"] += 1
                return [{"start": moved.start, "end": moved.end, "text": text[moved.start:moved.end]}]
        at = ";".join(f"{s}-{e}" for s, e in span.fragments)
        self.sink.error("span-unplaced", f"{span.name}: the text at {at} is {actual!r}, not {span.surface!r}", span.line)
        return None

    # ---- entities ----------------------------------------------------------------------------

    def entities(self) -> None:
        types = set(labels.entity_types())
        mentions = [s for s in self.spans.values() if s.label in types]
        placed: dict[str, dict] = {}
        for s in mentions:
            found = self.place(s)
            if found is not None and len(found) > 1:
                self.sink.error("mention-discontinuous", f"{s.name}: a mention cannot be discontinuous", s.line)
            elif found is not None:
                placed[s.key] = found[0]
        clusters = [[s for s in group if s.key in placed]
                    for group in components(mentions, self.items.links, "coref", "entity mentions", self.sink, self.name)]
        clusters = [c for c in clusters if c]
        entity_ids = claim_ids(clusters, "e", lambda s: s.fields.get("entity"))
        mention_ids = iter(claim_ids([[s] for c in clusters for s in c], "m", lambda s: s.claim))
        for members, entity_id in zip(clusters, entity_ids, strict=True):
            mentions_out = []
            for s in members:
                mentions_out.append(self.doc.note({"id": next(mention_ids), **placed[s.key]}, self.sink.origin(s.line)))
                self.entity_of[s.key] = entity_id
            self.doc.entities.append(self.entity(members, entity_id, mentions_out))

    def entity(self, members: list[Span], entity_id: str, mentions: list[dict]) -> dict:
        for s in members:
            claimed = s.fields.get("entity")
            if claimed not in (None, "") and claimed != entity_id:
                self.sink.info("entities-merged", f"{s.name} carries entity {claimed}, merged into {entity_id}", s.line)
        kinds = {s.label for s in members}
        if len(kinds) > 1:
            self.sink.error("cluster-mixed-types", f"entity {entity_id}: its mentions have types {', '.join(sorted(kinds))}; "
                            f"kept {members[0].label}", members[0].line)
        return {"id": entity_id, "type": members[0].label, "subtype": first_field(members, "subtype"),
                "name": first_field(members, "name") or mentions[0]["text"], "wikidata": first_field(members, "wikidata"),
                "mentions": mentions}

    # ---- quotes ------------------------------------------------------------------------------

    def quotes(self) -> None:
        spans = [s for s in self.spans.values() if s.label == QUOTE]
        groups, contents = [], []
        for members in components(spans, self.items.links, "fragment", "Quote spans", self.sink, self.name):
            content = [x for s in members for x in (self.place(s) or [])]
            if content:
                groups.append(members)
                contents.append(sorted(content, key=lambda x: (x["start"], x["end"])))
        for members, content, quote_id in zip(groups, contents, claim_ids(groups, "q", lambda s: s.claim), strict=True):
            quote_type = first_field(members, "quote_type")
            if quote_type is None:
                self.sink.warning("quote-type-missing", f"{members[0].name}: quote has no quote type; direct assumed", members[0].line)
            quote = {"id": quote_id, "type": quote_type or "direct", "content": content, "cue": None, "speaker": None,
                     # None: decided once the speaker is known
                     "speaker_kind": first_field(members, "speaker_kind"), "speaker_span": None, "addressee": None, "parent": None}
            for s in members:
                self.quote_of[s.key] = quote
            self.doc.quotes.append(quote)

    def quote_link(self, link: Link) -> None:
        quote = self.quote_of.get(link.source)
        source, target = self.name(link.source), self.name(link.target)
        if link.kind not in QUOTE_LINKS:
            self.sink.error("relation-dangling", f"{link.kind!r} link {source} -> {target} is not an Akhbar relation "
                            f"({', '.join(LINK_KINDS)})", link.line)
        elif quote is None:
            self.sink.error("relation-dangling", f"{link.kind} link from {source}, which is not a quote", link.line)
        elif link.kind in ("speaker", "addressee"):
            if link.target in self.entity_of:
                quote[link.kind] = self.entity_of[link.target]
            else:
                self.sink.error("relation-dangling", f"{link.kind} of {source} points at {target}, which is not an entity mention",
                                link.line)
        elif link.kind == "parent":
            if link.target in self.quote_of:
                quote["parent"] = self.quote_of[link.target]["id"]
            else:
                self.sink.error("relation-dangling", f"parent of {source} points at {target}, which is not a quote", link.line)
        else:
            self.span_link(quote, link, QUOTE_LINKS[link.kind])

    def span_link(self, quote: dict, link: Link, label: str) -> None:
        """A quote's cue or speaker span."""
        span = self.spans.get(link.target)
        if span is None or span.label != label:
            self.sink.error("relation-dangling", f"{link.kind} of {self.name(link.source)} points at {self.name(link.target)}, "
                            f"which is not a {label} span", link.line)
            return
        self.used.add(span.key)
        found = self.place(span)
        if found is None:
            return
        if link.kind == "cue":
            found[0]["lemma"] = span.fields.get("lemma") or found[0]["text"]
        quote[link.kind] = found[0]

    # ---- events ------------------------------------------------------------------------------

    def events(self) -> None:
        built = [(item, event) for item in self.event_items if (event := self.event(item)) is not None]
        for (_item, event), event_id in zip(built, claim_ids([[item] for item, _ in built], "v", lambda e: e.claim), strict=True):
            event["id"] = event_id
            self.doc.events.append(event)

    def event(self, item: EventItem) -> dict | None:
        if item.category not in labels.plover_categories():
            self.sink.error("label-unknown", f"{item.name}: event type {item.category!r} is not a PLOVER category", item.line)
            self.sink.report.dropped[f"event {item.category} (unknown)"] += 1
            return None
        trigger = self.spans.get(item.trigger)
        if trigger is None:
            self.sink.error("relation-dangling", f"{item.name}: trigger {item.trigger} does not exist", item.line)
            return None
        found = self.place(trigger)
        if found is None:
            return None
        event = {"id": "", "category": item.category, "mode": item.mode, "context": list(item.context), "trigger": found[0],
                 "actor": [], "recipient": [], "arguments": [], **{marker: marker in item.markers for marker in MARKERS},
                 "magnitude": {k: (item.magnitude or {}).get(k) for k in MAGNITUDE_KEYS}}
        for role in item.roles:
            self.role(event, item, role)
        return event

    def role(self, event: dict, item: EventItem, role: Role) -> None:
        name = role_of(role.name)
        if role.target not in self.entity_of:
            self.sink.error("relation-dangling", f"{item.name}: {role.name} points at {self.name(role.target)}, "
                            "which is not an entity mention", role.line)
        elif name in PARTIES:
            event[name].append(self.entity_of[role.target])
        elif name in labels.argument_roles():
            event["arguments"].append({"role": name, "entity": self.entity_of[role.target]})
        else:
            self.sink.error("role-unknown", f"{item.name}: role {role.name!r} is not actor, recipient or an argument role", role.line)

    # ---- what is left ------------------------------------------------------------------------

    def unused(self) -> None:
        for s in self.spans.values():
            if s.label in (CUE, SPEAKER_SPAN) and s.key not in self.used:
                self.sink.warning("span-unused", f"{s.name}: a {s.label} span that no quote points at; dropped", s.line)
                self.sink.report.dropped[f"{s.label} without a quote"] += 1
