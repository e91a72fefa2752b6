"""Guideline examples rendered from the corpus records, with the marks of `akhbar render`.

A guideline page refers to an example instead of copying it; the MkDocs hook expands the
reference into static HTML when the site is built, so the example shows the gold annotation
as it is in the record and can never drift from it:

    <!-- akhbar:example ARTICLE quote=q7 cue="تابع" -->           one quote: content, cue, speaker, addressee
    <!-- akhbar:example ARTICLE event=v5 trigger="الضربات" -->    one event: trigger, actor, recipient, arguments
    <!-- akhbar:example ARTICLE text="… exact text …" -->         the entity mentions in a passage
    <!-- akhbar:example ARTICLE text="A … B" layers=all -->       every layer in a passage (A to B)
    <!-- akhbar:illustrative "[الوضع مستقر]{content}"، [قال]{cue} [المتحدث]{speaker} -->
    <!-- akhbar:legend -->                                         what the marks mean
    <!-- akhbar:card entities|quotes|events TYPE -->              a card example picked from the gold

The `cue=` and `trigger=` values are the expected surface of the referenced annotation
(`cue=-` for a quote without a cue): a renumbered or edited record fails the build with a
message instead of showing another example. `text=` must occur in the article's text (`n=2` for its second occurrence). Corpus
examples and illustrative (invented) ones are framed differently and say which they are.
"""

from __future__ import annotations

import re
import shlex
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from akhbar import labels
from akhbar.hf.tokenize import sentences
from akhbar.render import Page, Span, esc, event_flags, mention_classes, nest

# A quote shows its whole sentence(s). An event shows its sentence, cut to a window of words
# around the trigger (with an ellipsis) when longer than this; a card's entity example is
# shorter still. A card prefers a quote or event example of about CARD_LENGTH characters.
EVENT_CONTEXT = 240
CARD_CONTEXT = 110
CARD_LENGTH = 140
DIRECTIVE = re.compile(r"<!-- akhbar:(example|illustrative|legend|card)\b(.*?)-->", re.S)


class ExampleError(ValueError):
    """A reference the corpus does not satisfy (the build stops with this message)."""


# --- the corpus, indexed ----------------------------------------------------------------------

class Corpus:
    """The records by id, with what the examples ask of them."""

    def __init__(self, records: Iterable[dict]):
        self.records = {r["id"]: r for r in records}

    def record(self, article_id: str) -> dict:
        if article_id not in self.records:
            raise ExampleError(f"article {article_id!r} is not in the corpus")
        return self.records[article_id]

    @staticmethod
    def item(record: dict, layer: str, item_id: str) -> dict:
        for item in record.get(layer + "s", []):
            if item.get("id") == item_id:
                return item
        raise ExampleError(f"{record['id']}: no {layer} {item_id!r}")


@lru_cache(maxsize=64)
def _sentence_spans(text: str) -> tuple[tuple[int, int], ...]:
    return tuple(sentences(text))  # the dataset's sentence splitter: the same sentences everywhere


def _sentence_bounds(text: str, lo: int, hi: int) -> tuple[int, int]:
    """The sentence(s) around text[lo:hi]: from the start of the sentence holding lo to the
    end of the sentence holding hi (sentences as akhbar.hf.tokenize splits them)."""
    spans = _sentence_spans(text)
    k = max(bisect_right(spans, lo, key=lambda span: span[0]) - 1, 0)
    start = min(spans[k][0], lo) if spans else 0
    end = next((b for _a, b in spans[k:] if b >= hi), max(hi, len(text.rstrip())))
    return start, max(end, hi)


def _window(text: str, lo: int, hi: int, limit: int) -> tuple[int, int]:
    """The sentence around [lo, hi), cut to at most about `limit` characters around it, at
    spaces."""
    start, end = _sentence_bounds(text, lo, hi)
    if end - start <= limit or hi - lo >= limit:
        return start, end
    room = (limit - (hi - lo)) // 2
    a, b = max(start, lo - room), min(end, hi + room)
    if a > start:
        a = text.find(" ", a, lo) + 1 or a
    if b < end:
        b = text.rfind(" ", hi, b) if text.rfind(" ", hi, b) > 0 else b
    return a, b


def find_pieces(text: str, wanted: str, occurrence: int = 1, where: str = "") -> list[tuple[int, int]]:
    """(start, end) of each piece of `wanted` in text, in order: « … » in it skips any text
    (the passage runs from the first piece to the last)."""
    pieces = [p for p in (s.strip() for s in wanted.split("…")) if p]
    if not pieces:
        raise ExampleError(f"{where}: empty text=")
    at = -1
    for _ in range(occurrence):
        at = text.find(pieces[0], at + 1)
        if at < 0:
            raise ExampleError(f"{where}: text {pieces[0]!r} (occurrence {occurrence}) is not in the article")
    found = [(at, at + len(pieces[0]))]
    for piece in pieces[1:]:
        at = text.find(piece, found[-1][1])
        if at < 0:
            raise ExampleError(f"{where}: text {piece!r} does not follow {pieces[0]!r} in the article")
        found.append((at, at + len(piece)))
    return found


def example_path(article_id: str) -> str:
    """Where the site holds an article's page rendered by `akhbar render` (examples link to it)."""
    return f"examples/{article_id}.html"


# --- one example --------------------------------------------------------------------------------

@dataclass
class Example:
    """What one example block shows: a passage of text, the marks over it, the lines of the
    caption; `source` says where it comes from (article id) or None for an illustrative one."""

    kind: str  # quote | event | text | illustrative
    text: str
    start: int
    end: int
    spans: list[Span] = field(default_factory=list)
    fields: list[tuple[str, str]] = field(default_factory=list)
    source: dict | None = None
    ref: str = ""
    pieces: list[tuple[int, int]] = field(default_factory=list)  # shown parts when text is left out

    def html(self, root: str = "") -> str:
        opened: set[int] = set()
        body = " … ".join(nest(self.text, a, b, self.spans, opened) for a, b in self.pieces or [(self.start, self.end)])
        body = body.replace("\n", "<br>\n")  # a passage over a paragraph break shows it
        fields = "".join(f'<span class="akhbar-ex-field"><b>{esc(k)}</b> {v}</span>' for k, v in self.fields)
        if self.source is None:
            head = '<span class="akhbar-ex-badge">Illustrative</span> an invented sentence, not from the corpus'
            cls, data = "akhbar-ex-illustrative", ""
        else:
            # a passage cut out of a longer sentence says so
            start, end = _sentence_bounds(self.text, self.start, self.end)
            body = ("… " if start < self.start else "") + body + (" …" if end > self.end else "")
            head, data = self._source(root)
            cls = "akhbar-ex-corpus"
        return (f'<figure class="akhbar-ex akhbar-marks {cls}" data-kind="{esc(self.kind)}"{data}>'
                f'<figcaption class="akhbar-ex-source">{head}</figcaption>'
                f'<div class="akhbar-ex-text" dir="rtl" lang="ar">{body}</div>'
                + (f'<p class="akhbar-ex-fields">{fields}</p>' if fields else "")
                + "</figure>")

    def _source(self, root: str) -> tuple[str, str]:
        """The caption's head of a corpus example (a link to its article's page) and the
        figure's data attributes (where in the record the passage is)."""
        article, status = self.source["id"], self.source["annotation"]["status"]
        anchor = f"#{esc(self.ref)}" if self.ref else ""
        head = (f'<span class="akhbar-ex-badge">Corpus</span> <a href="{root}{esc(example_path(article))}{anchor}">'
                f"<code>{esc(article)}</code></a> · {esc(status)}"
                + (f" · {esc(self.kind)} <code>{esc(self.ref)}</code>" if self.ref else "")
                + f" · characters {self.start}–{self.end}")
        data = (f' data-article="{esc(article)}" data-ref="{esc(self.ref)}" '
                f'data-start="{self.start}" data-end="{self.end}"'
                + (f' data-pieces="{" ".join(f"{a}-{b}" for a, b in self.pieces)}"' if self.pieces else ""))
        return head, data


class Builder(Page):
    """Makes the Example of one record's annotation (spans and caption from the record)."""

    def name(self, entity_id: str | None) -> str:
        """The entity's name, id and type, as HTML."""
        entity = self.entities.get(entity_id) if entity_id is not None else None
        label = esc(self.entity_label(entity_id))
        return label if entity is None else f"{label} <small>{esc(entity.get('type'))}</small>"

    def role_span(self, entity_id: str, role: str, lo: int, hi: int, near: int, cls: str = "role") -> Span | None:
        """The mark of the entity's mention inside [lo, hi) closest to offset `near`, labelled
        with the role; None when no mention is inside."""
        mentions = [m for m in self.entities.get(entity_id, {}).get("mentions", []) if lo <= m["start"] and m["end"] <= hi]
        mention = min(mentions, key=lambda m: abs(m["start"] - near), default=None)
        if mention is None:
            return None
        span = self.mention_span(self.entities[entity_id], mention, role)
        span.classes += f" {cls}"
        span.title = f"{role} · {span.title}"
        return span

    def quote(self, quote: dict) -> Example:
        content = quote.get("content") or []
        cue, speaker_span, addressee = quote.get("cue"), quote.get("speaker_span"), quote.get("addressee")
        edges = [s for s in (*content, cue, speaker_span) if s]
        lo, hi = min(s["start"] for s in edges), max(s["end"] for s in edges)
        start, end = _sentence_bounds(self.text, lo, hi)
        spans = [self.content_span(quote, fragment, "content") for fragment in content]
        if cue:
            spans.append(self.cue_span(quote, "cue"))
        if speaker_span:
            spans.append(Span(speaker_span["start"], speaker_span["end"], "speaker", "spk", "speaker span", "speaker"))
        shown_addressee = addressee and self.role_span(addressee, "addressee", start, end, cue["start"] if cue else lo, "adr")
        if shown_addressee:
            spans.append(shown_addressee)
        fields = self._quote_fields(quote, addressee_shown=bool(shown_addressee))
        return Example("quote", self.text, start, end, spans, fields, self.record, quote["id"])

    def _quote_fields(self, quote: dict, addressee_shown: bool) -> list[tuple[str, str]]:
        """The caption of a quote example: type, speaker, cue, addressee, content, parent."""
        cue, addressee, content = quote.get("cue"), quote.get("addressee"), quote.get("content") or []
        fields = [
            ("type", esc(quote.get("type"))),
            ("speaker", f"{self.name(quote.get('speaker'))} · {esc(quote.get('speaker_kind'))}"
                        + ("" if quote.get("speaker_span") else " · no speaker span")),
            ("cue", f"«{esc(cue['text'])}» lemma {esc(cue.get('lemma'))}" if cue else "none"),
            ("addressee", self.name(addressee) + ("" if not addressee or addressee_shown else " · not in this passage")),
            ("content", f"{len(content)} fragment{'s' if len(content) != 1 else ''}"),
        ]
        if quote.get("parent"):
            fields.append(("parent", esc(quote["parent"])))
        return fields

    def event(self, event: dict) -> Example:
        trigger, category = event["trigger"], event["category"]
        start, end = _window(self.text, trigger["start"], trigger["end"], EVENT_CONTEXT)
        spans = [self.trigger_span(event, category)]
        fields = [("category", esc(category)), ("mode", esc(event.get("mode") or "—")),
                  ("context", esc(", ".join(event.get("context") or []) or "—"))]
        # (role, entity id) of the actors, the recipients and the arguments, by group
        participants = {group: [(group, e) for e in event.get(group, [])] for group in ("actor", "recipient")}
        participants["arguments"] = [(str(a.get("role")), a.get("entity")) for a in event.get("arguments", [])]
        for group, roles in participants.items():
            if not roles:
                fields.append((group, "none"))
            for role, entity_id in roles:
                span = self.role_span(entity_id, role, start, end, trigger["start"])
                if span is not None:
                    spans.append(span)
                fields.append((role, self.name(entity_id) + ("" if span else " · mentioned outside this passage")))
        return Example("event", self.text, start, end, spans, fields + _marker_fields(event), self.record, event["id"])

    def passage(self, start: int, end: int, layers: str) -> Example:
        spans = []
        for entity in self.entities.values():
            for m in entity.get("mentions", []):
                if start <= m["start"] and m["end"] <= end:
                    spans.append(self.mention_span(entity, m, str(entity.get("type"))))
        fields: list[tuple[str, str]] = []
        if layers == "all":
            spans += self._quote_spans(start, end, fields) + self._event_spans(start, end, fields)
        return Example("text", self.text, start, end, spans, fields, self.record)

    def _quote_spans(self, start: int, end: int, fields: list) -> list[Span]:
        """The marks of the quotes with content or a cue in [start, end); a caption line each."""
        spans = []
        for quote in self.record.get("quotes", []):
            cue = quote.get("cue")
            cue_inside = cue and start <= cue["start"] < end
            marks = [self.content_span(quote, f, quote["id"])
                     for f in quote.get("content", []) if f["start"] < end and f["end"] > start]
            if not marks and not cue_inside:
                continue
            if cue_inside and cue["end"] <= end:
                marks.append(self.cue_span(quote, ""))
            spans += marks
            fields.append((f"quote {quote['id']}", f"{esc(quote.get('type'))} · speaker {self.name(quote.get('speaker'))}"))
        return spans

    def _event_spans(self, start: int, end: int, fields: list) -> list[Span]:
        """The triggers in [start, end); a caption line each (or one saying there is none)."""
        spans = []
        for v in self.record.get("events", []):
            t = v["trigger"]
            if not (start <= t["start"] and t["end"] <= end):
                continue
            spans.append(self.trigger_span(v, v["category"]))
            actors = "، ".join(self.name(e) for e in v.get("actor", [])) or "—"
            fields.append((f"event {v['id']}", f"{esc(v['category'])} «{esc(t['text'])}» · actor {actors}"))
        if not spans:
            fields.append(("events", "none in this passage"))
        return spans


def _marker_fields(event: dict) -> list[tuple[str, str]]:
    """The caption lines of an event's markers (negated, future …) and magnitude."""
    markers, magnitude = event_flags(event)
    fields = [("markers", esc(", ".join(markers) or "none"))]
    if magnitude:
        fields.append(("magnitude", esc(", ".join(magnitude))))
    return fields


# --- illustrative examples -------------------------------------------------------------------

ILLUSTRATIVE_MARK = re.compile(r"\[([^\[\]]+)\]\{([A-Za-z_:-]+)\}")
ILLUSTRATIVE_CLASSES = {
    "content": ("quote", "q"), "cue": ("cue", "cue"), "speaker": ("speaker", "spk"),
    "addressee": ("mention", "m adr"), "trigger": ("trigger", "trig"),
}


def illustrative(source: str) -> Example:
    """An invented sentence with inline marks `[words]{label}`: content, cue, speaker,
    addressee, trigger[:CATEGORY], an event role (actor, recipient, place …) or an entity type."""
    types = set(labels.entity_types())
    roles = {"actor", "recipient", *labels.argument_roles()}
    source, text, spans, pos = source.strip(), "", [], 0
    for match in ILLUSTRATIVE_MARK.finditer(source):
        words, label = match.groups()
        name, _, category = label.partition(":")
        if name in ILLUSTRATIVE_CLASSES:
            layer, cls = ILLUSTRATIVE_CLASSES[name]
            shown = (category or "trigger") if name == "trigger" else name
        elif name in types:
            layer, cls, shown = "mention", mention_classes(name), name
        elif name in roles:
            layer, cls, shown = "mention", "m role", name
        else:
            raise ExampleError(f"illustrative example: unknown mark {{{label}}}")
        text += source[pos:match.start()]
        spans.append(Span(len(text), len(text) + len(words), layer, cls, shown, shown))
        text += words
        pos = match.end()
    text += source[pos:]
    return Example("illustrative", text, 0, len(text), spans)


# --- the legend --------------------------------------------------------------------------------

def legend_html() -> str:
    def mark(cls: str, label: str, words: str) -> str:
        return f'<span class="{cls} first" data-label="{esc(label)}" dir="rtl" lang="ar">{words}</span>'

    items = [
        (mark("q", "content", "ما قيل"), "quote content (each fragment)"),
        (mark("cue", "cue", "قال"), "the cue, with its lemma below"),
        (mark("spk", "speaker", "المتحدث"), "speaker span"),
        (mark("m ty-ORG adr", "addressee", "إيلاف"), "addressee"),
        (mark("trig", "ASSAULT", "الضربات"), "event trigger, labelled with its category"),
        (mark("m ty-GPE role", "actor", "مصر"), "an event's actor, recipient or argument (role above, colour = entity type)"),
        (mark("m ty-PERS", "PERS", "صبحي"), "entity mention and its type"),
    ]
    cells = "".join(f'<span class="akhbar-legend-item">{m} {esc(t)}</span>' for m, t in items)
    return ('<div class="akhbar-legend akhbar-marks"><p><b>How examples are shown.</b> '
            '<span class="akhbar-ex-badge akhbar-badge-corpus">Corpus</span> examples are rendered from the '
            'gold record when the site is built (linked to the article); '
            '<span class="akhbar-ex-badge akhbar-badge-illustrative">Illustrative</span> ones are invented '
            f'sentences. Hover a mark for details.</p><p class="akhbar-ex-text akhbar-legend-marks">{cells}</p></div>')


# --- the directives -------------------------------------------------------------------------------

def _arguments(raw: str, where: str) -> tuple[list[str], dict[str, str]]:
    try:
        words = shlex.split(raw)
    except ValueError as error:
        raise ExampleError(f"{where}: {error}") from None
    positional = [w for w in words if "=" not in w]
    named = dict(w.split("=", 1) for w in words if "=" in w)
    return positional, named


def corpus_example(corpus: Corpus, raw: str, where: str) -> Example:
    positional, named = _arguments(raw, where)
    if len(positional) != 1:
        raise ExampleError(f"{where}: akhbar:example needs one article id, got {positional}")
    record = corpus.record(positional[0])
    builder = Builder(record)
    where = f"{where} ({record['id']})"
    if "quote" in named:
        quote = corpus.item(record, "quote", named["quote"])
        cue = (quote.get("cue") or {}).get("text", "-")
        if named.get("cue") != cue:
            raise ExampleError(f"{where}: quote {quote['id']} has cue {cue!r}, the page expects cue={named.get('cue')!r}")
        return builder.quote(quote)
    if "event" in named:
        event = corpus.item(record, "event", named["event"])
        if named.get("trigger") != event["trigger"]["text"]:
            raise ExampleError(f"{where}: event {event['id']} has trigger {event['trigger']['text']!r}, "
                               f"the page expects trigger={named.get('trigger')!r}")
        return builder.event(event)
    if "text" in named:
        pieces = find_pieces(record["text"], named["text"], int(named.get("n", 1)), where)
        example = builder.passage(pieces[0][0], pieces[-1][1], named.get("layers", "mentions"))
        if len(pieces) > 1:
            example.pieces = pieces
        return example
    raise ExampleError(f"{where}: akhbar:example needs quote=, event= or text=")


LONGEST_WORD = 24  # a longer run of letters is a translation's missing spaces (H-T2): hard to read


def _flaws(example: Example) -> int:
    """How much a candidate example shows less than a reader needs: participants not marked
    in the passage or not annotated at all, a denied or conditional event, unreadable runs
    of letters."""
    hidden = sum(1 for k, v in example.fields if "outside this passage" in v or (k in ("actor", "recipient") and v == "none"))
    # a denied or conditional event is a poor first example of its category
    unusual = any(k == "markers" and ("negated" in v or "hypothetical" in v) for k, v in example.fields)
    run_on = any(len(word) > LONGEST_WORD for word in example.text[example.start:example.end].split())
    return hidden + unusual + 2 * run_on


class Cards:
    """Picks one gold example per label for the quick reference cards: the one that shows
    the most of its annotation in a short, readable passage, from an article not used yet on
    the page where there is a choice (examples from several articles)."""

    def __init__(self, corpus: Corpus):
        self.used: set[str] = set()
        records = sorted(corpus.records.values(), key=lambda r: r["id"])
        # gold records first; silver only for labels no gold record has
        self.by_status = [[r for r in records if r["annotation"]["status"] == status]
                          for status in ("gold", "silver")]

    def pick(self, layer: str, label: str) -> Example | None:
        length = CARD_CONTEXT if layer == "entities" else CARD_LENGTH
        for records in self.by_status:
            candidates = [((_flaws(e), abs(e.end - e.start - length)), record, e)
                          for record in records for e in _card_examples(Builder(record), layer, label)]
            if candidates:
                _score, record, example = min(candidates, key=lambda c: (c[0][0], c[1]["id"] in self.used, c[0], c[1]["id"]))
                self.used.add(record["id"])
                return example
        return None


def _card_examples(builder: Builder, layer: str, label: str) -> Iterator[Example]:
    """The record's examples of a label (the layer is one label_definition knows)."""
    record = builder.record
    if layer == "quotes":
        yield from (builder.quote(q) for q in record.get("quotes", []) if label in (q.get("type"), q.get("speaker_kind")))
    elif layer == "events":
        yield from (builder.event(v) for v in record.get("events", []) if v["category"] == label)
    else:
        for entity in (e for e in record.get("entities", []) if e.get("type") == label):
            for m in entity.get("mentions", [])[:3]:
                # a short passage (a dozen words) around the mention keeps the card readable
                start, end = _window(record["text"], m["start"], m["end"], CARD_CONTEXT)
                yield builder.passage(start, end, "mentions")


# The inventories (name, list) of the labels each card layer shows.
CARD_INVENTORIES = {"entities": [("entity_types", "types")], "events": [("plover", "categories")],
                    "quotes": [("quote_types", "labels"), ("speaker_kinds", "labels")]}


def label_definition(layer: str, label: str) -> str:
    """The inventory's definition of a label (schema/labels), for the cards."""
    if layer not in CARD_INVENTORIES:
        raise ExampleError(f"akhbar:card: unknown layer {layer!r} (entities, quotes, events)")
    for item in (item for name, key in CARD_INVENTORIES[layer] for item in labels.inventory(name)[key]):
        if item["label"] == label:
            modes = ", ".join(m["label"] for m in item.get("modes", []))
            return item["definition"] + (f" Modes: {modes}." if modes else "")
    raise ExampleError(f"akhbar:card: {label!r} is not a label of the {layer} inventory")


def expand(markdown: str, corpus: Corpus, root: str = "", page: str = "") -> str:
    """Replace the example directives of one page (`root`: the relative path from the page
    to the site root, for the links to the rendered articles)."""
    cards = Cards(corpus)

    def replace(match: re.Match) -> str:
        where = f"{page}:{markdown.count(chr(10), 0, match.start()) + 1}"
        try:
            return _expand_one(match.group(1), match.group(2).strip(), corpus, cards, root, where)
        except ExampleError as error:
            raise (error if str(error).startswith(where) else ExampleError(f"{where}: {error}")) from None

    return DIRECTIVE.sub(replace, markdown)


def _expand_one(kind: str, raw: str, corpus: Corpus, cards: Cards, root: str, where: str) -> str:
    if kind == "legend":
        return legend_html()
    if kind == "illustrative":
        return illustrative(raw).html(root)
    if kind == "card":
        positional, _ = _arguments(raw, where)
        if len(positional) != 2:
            raise ExampleError(f"{where}: akhbar:card needs a layer and a label")
        definition = f'<p class="akhbar-card-def"><em>{esc(label_definition(*positional))}</em></p>'
        example = cards.pick(*positional)
        if example is None:
            return definition + (f'<p class="akhbar-ex-none">No gold example of <code>{esc(positional[1])}</code> '
                                 "in the corpus yet.</p>")
        return definition + example.html(root)
    return corpus_example(corpus, raw, where).html(root)


__all__ = ["Corpus", "Example", "ExampleError", "expand", "illustrative", "legend_html"]
