"""One article and its annotations as a self-contained, right-to-left HTML page: the review
view an annotator and a reviewer read (`akhbar render`).

The page has no script and loads nothing: inline CSS, tooltips in `title` attributes. Every
piece of record content goes through `html.escape`, text and attributes alike. The record
may be invalid (that is often why someone looks at it): what cannot be placed in the text
is listed at the end of the page instead of breaking it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise

from akhbar.labels import entity_types, event_markers, inventory

CONTEXT_CHARS = 40  # characters shown on each side of an event trigger
# Layers in nesting order when two spans cover exactly the same text: the quote outside,
# the speaker phrase, then the entity mention (also as an event role or addressee) inside
# it, cue and trigger innermost.
RANK = {"quote": 0, "speaker": 1, "mention": 2, "cue": 3, "trigger": 3}
BLOCK_TAGS = {"headline": "h2", "heading": "h3"}


def esc(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


@dataclass(eq=False)  # identity, not value: two identical spans are two pieces of markup
class Span:
    start: int
    end: int
    layer: str
    classes: str
    title: str
    label: str  # shown before the first piece by the CSS (data-label)
    anchor: str | None = None  # id attribute of the first piece

    def open_tag(self, first: bool) -> str:
        anchor = f' id="{esc(self.anchor)}"' if first and self.anchor else ""
        label = f' data-label="{esc(self.label)}"' if first and self.label else ""
        cls = self.classes + (" first" if first else " cont")
        return f'<span class="{esc(cls)}"{anchor}{label} title="{esc(self.title)}">'


def nest(text: str, lo: int, hi: int, spans: list[Span], opened: set[int] | None = None) -> str:
    """HTML of text[lo:hi] with the spans as properly nested <span> elements.

    The text is cut at every span boundary; for each elementary segment the spans covering
    it, outermost first (earlier start, then later end, then layer), are the open elements
    wanted. Moving from one segment to the next closes the open elements that differ from
    the wanted ones, from the innermost, and opens the new ones: spans that cross (a mention
    running out of a quote, a quote running over a block boundary) are split into pieces
    instead of producing crossed tags. `opened` (ids of spans already shown, shared across
    the blocks of a page) keeps the anchor and the label on the first piece only.
    """
    inside = sorted((s for s in spans if s.start < hi and s.end > lo and s.start < s.end),
                    key=lambda s: (s.start, -s.end, RANK[s.layer]))
    bounds = sorted({lo, hi, *(max(s.start, lo) for s in inside), *(min(s.end, hi) for s in inside)})
    out: list[str] = []
    stack: list[Span] = []
    opened = set() if opened is None else opened
    for p, q in pairwise(bounds):
        wanted = [s for s in inside if s.start <= p and s.end >= q]  # outermost first
        keep = 0
        while keep < min(len(stack), len(wanted)) and stack[keep] is wanted[keep]:
            keep += 1
        out.extend("</span>" for _ in stack[keep:])
        for s in wanted[keep:]:
            out.append(s.open_tag(id(s) not in opened))
            opened.add(id(s))
        stack = wanted
        out.append(esc(text[p:q]))
    out.extend("</span>" for _ in stack)
    return "".join(out)


# --- reading the record defensively ----------------------------------------------------------

def _list(value) -> list:
    return value if isinstance(value, list) else []


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _offsets(span, text: str) -> tuple[int, int] | None:
    """(start, end) when the span is placeable in the text, else None."""
    if not isinstance(span, dict):
        return None
    start, end = span.get("start"), span.get("end")
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (start, end)):
        return None
    return (start, end) if 0 <= start <= end <= len(text) else None


class Page:
    """Collects what the sections share: the text, entity names, unplaceable annotations."""

    def __init__(self, record: dict):
        self.record = record
        text = record.get("text")
        self.text = text if isinstance(text, str) else ""
        self.entities = {e["id"]: e for e in map(_dict, _list(record.get("entities"))) if isinstance(e.get("id"), str)}
        self.problems: list[str] = []

    def entity_label(self, entity_id) -> str:
        """`name (e3)`, or the bare id flagged when the record does not define it."""
        if entity_id is None:
            return "—"
        entity = self.entities.get(entity_id)
        if entity is None:
            return f"{entity_id} (not an entity of this article)"
        return f"{entity.get('name') or '?'} ({entity_id})"

    def _place(self, span, what: str) -> tuple[int, int] | None:
        """The span's (start, end); None, and `what` listed as outside the text, when it
        cannot be placed."""
        where = _offsets(span, self.text)
        if where is None:
            self.problems.append(f"{what} outside the text")
        return where

    def spans(self) -> list[Span]:
        result = []
        for entity in self.entities.values():
            for mention in map(_dict, _list(entity.get("mentions"))):
                if self._place(mention, f"mention {mention.get('id')} of {entity.get('id')}: offsets"):
                    result.append(self.mention_span(entity, mention, str(entity.get("type")), mention.get("id")))
        for quote in map(_dict, _list(self.record.get("quotes"))):
            for k, fragment in enumerate(_list(quote.get("content"))):
                if self._place(fragment, f"quote {quote.get('id')}: content fragment {k + 1}"):
                    first = k == 0
                    result.append(self.content_span(quote, fragment, str(quote.get("id")) if first else "",
                                                    quote.get("id") if first else None))
            if quote.get("cue") is not None and self._place(quote["cue"], f"quote {quote.get('id')}: cue"):
                result.append(self.cue_span(quote, ""))
        for event in map(_dict, _list(self.record.get("events"))):
            if self._place(event.get("trigger"), f"event {event.get('id')}: trigger"):
                result.append(self.trigger_span(event, f"{event.get('id')} {event.get('category')}", event.get("id")))
        return result

    # The mark of each annotation layer, one rule for the review page and the guideline
    # examples: its classes and its tooltip. The label and the anchor are the caller's (an
    # example labels a mark by its part in the example and gives it no id). The annotation
    # must be placeable in the text (_place).

    def mention_span(self, entity: dict, mention: dict, label: str, anchor: str | None = None) -> Span:
        etype = str(entity.get("type"))
        title = f"{etype} · {entity.get('name')} · {entity.get('id')} · {mention.get('id')}"
        return Span(mention["start"], mention["end"], "mention", mention_classes(etype), title, label, anchor)

    def content_span(self, quote: dict, fragment: dict, label: str, anchor: str | None = None) -> Span:
        title = f"{quote.get('id')} · {quote.get('type')} · {self.entity_label(quote.get('speaker'))}"
        return Span(fragment["start"], fragment["end"], "quote", "q", title, label, anchor)

    def cue_span(self, quote: dict, label: str) -> Span:
        cue = quote["cue"]
        return Span(cue["start"], cue["end"], "cue", "cue", f"cue of {quote.get('id')} · lemma {cue.get('lemma')}", label)

    def trigger_span(self, event: dict, label: str, anchor: str | None = None) -> Span:
        trigger = event["trigger"]
        title = f"{event.get('id')} {event.get('category')} · trigger"
        return Span(trigger["start"], trigger["end"], "trigger", "trig", title, label, anchor)


def _css_name(label: str) -> str:
    return "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_") else "_" for ch in label)


def mention_classes(entity_type: object) -> str:
    """The classes of an entity mention's mark: `m`, and `ty-TYPE` for the type's colour."""
    return f"m ty-{_css_name(str(entity_type))}"


# --- the page ----------------------------------------------------------------------------------

# Entity colours: (background, border). The name types get clearly different hues (ORG, GPE,
# LOC, FAC and EVENT were near-identical greens when hues were spread evenly); dates, times and
# numbers share muted tones with a dashed border (see VALUE_TYPES). tests/test_render.py checks
# that the backgrounds differ (CIE76 distance) and that text and borders keep their contrast.
PALETTE = {
    "PERS": ("#ffd6d6", "#b03030"),
    "NORP": ("#ffe1bd", "#a85d00"),
    "OCC": ("#fbf0a0", "#857000"),
    "ORG": ("#cfe4ff", "#1f5fa8"),
    "GPE": ("#c9f2c7", "#23803a"),
    "LOC": ("#b8efe9", "#0d7166"),
    "FAC": ("#dcc6ff", "#6a3cb0"),
    "EVENT": ("#ffc0e0", "#a3267a"),
    "LAW": ("#d6d6a0", "#5c5c1f"),
    "PRODUCT": ("#c9c9c9", "#3f3f3f"),
    "WEAPON": ("#ffc2a8", "#a13a0b"),
    "DATE": ("#eef1d9", "#5f6a1f"),
    "TIME": ("#e3ecf2", "#3f5f75"),
    "CARDINAL": ("#ececec", "#5c5c5c"),
    "ORDINAL": ("#efe6dc", "#6f5a44"),
    "PERCENT": ("#e6eef0", "#48656b"),
    "QUANTITY": ("#ebe4ef", "#634a70"),
    "MONEY": ("#e4eee0", "#4a6a3e"),
}
VALUE_TYPES = {t["label"] for t in inventory("entity_types")["types"] if t["kind"] == "value"}  # dashed border


def _palette() -> dict[str, tuple[str, str]]:
    """(background, border) per entity type, in inventory order; a type missing from PALETTE
    gets a hue of its own (stable)."""
    types = entity_types()
    return {t: PALETTE.get(t) or (f"hsl({round(k * 360 / len(types) + 8) % 360} 85% 90%)",
                                  f"hsl({round(k * 360 / len(types) + 8) % 360} 55% 35%)")
            for k, t in enumerate(types)}


PAGE_RULES = [
    "body{font-family:'Noto Naskh Arabic','Amiri','Traditional Arabic',serif;max-width:60rem;margin:2rem auto;"
    "padding:0 1rem;line-height:2.6;color:#1b1b1b;background:#fdfdfb}",
    "h1{font-size:1.5rem;line-height:1.6}h2,h3{line-height:1.8}",
    "dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.1rem 1rem;line-height:1.6;font-size:.95rem}",
    "dl.meta dt{font-weight:bold}dl.meta dd{margin:0}",
    "table{border-collapse:collapse;width:100%;line-height:1.6;font-size:.95rem;margin-bottom:1.5rem}",
    "th,td{border:1px solid #ccc;padding:.2rem .4rem;vertical-align:top;text-align:start}th{background:#eee}",
    ".legend span{display:inline-block;margin:.2rem}",
    "mark{background:#fff0b3}",
    ".ltr{direction:ltr;unicode-bidi:isolate}",
    ".problems{color:#8e1b0e}",
]
# The marks of the annotation layers: the same rules style the review page and, scoped to
# the example blocks, the guideline examples on the documentation site (one look everywhere).
ANNOTATION_RULES = [
    ".m{border:1px solid #777;border-radius:4px;padding:.15em .2em;margin:0 .05em}",
    ".m .m{padding:0 .15em}",
    ".first[data-label]::before{content:attr(data-label);font:bold .55em sans-serif;"
    "vertical-align:super;margin-inline-end:.2em;direction:ltr;unicode-bidi:isolate;white-space:nowrap}",
    ".q{text-decoration:underline 2px #b03a2e;text-underline-offset:.5em}",
    ".q.first::before{color:#b03a2e}",
    ".cue{font-weight:bold;border-bottom:2px dotted #b03a2e}",
    ".cue.first::before{color:#b03a2e}",
    ".spk{border-bottom:3px double #1f5fa8;padding-bottom:.1em}",
    ".spk.first::before{color:#1f5fa8}",
    ".adr{outline:2px dotted #6a3cb0;outline-offset:1px}",
    ".role{box-shadow:0 0 0 2px #1b1b1b}",
    ".trig{background:#fff0b3;outline:2px dashed #b7950b;outline-offset:1px}",
    ".trig.first::before{color:#7a6300}",
]


def _scoped(rule: str, scope: str) -> str:
    """`sel1,sel2{...}` with every selector prefixed by `scope `."""
    selectors, _, body = rule.partition("{")
    return ",".join(f"{scope} {sel.strip()}" for sel in selectors.split(",")) + "{" + body


def annotation_css(scope: str = "") -> str:
    """The rules of the annotation marks and entity colours, optionally limited to the
    elements under the CSS selector `scope`."""
    rules = list(ANNOTATION_RULES)
    for label, (background, border) in _palette().items():
        style = ";border-style:dashed" if label in VALUE_TYPES else ""
        rules.append(f".ty-{_css_name(label)}{{background:{background};border-color:{border}{style}}}")
    return "\n".join(_scoped(rule, scope) if scope else rule for rule in rules)


def render_html(record: dict) -> str:
    """The whole page for one record, as a string (deterministic: same record, same bytes)."""
    page = Page(record)
    spans = page.spans()
    title = record.get("title") if isinstance(record.get("title"), str) else None
    heading = title or str(record.get("id"))
    body = [
        f"<h1>{esc(heading)}</h1>",
        # the text first, so that the page (and its frame in the docs) opens on it
        '<article class="text">',
        *_blocks(page, spans),
        "</article>",
        _legend(),
        _metadata(record),
        _entities(page),
        _quotes(page),
        _events(page),
    ]
    if page.problems:
        items = "".join(f"<li>{esc(p)}</li>" for p in page.problems)
        body.append(f'<section class="problems" dir="ltr"><h2>Not shown in the text</h2><ul>{items}</ul></section>')
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="ar" dir="rtl">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="akhbar render">',
        f"<title>{esc(heading)}</title>",
        "<style>", *PAGE_RULES, annotation_css(), "</style>",
        "</head>",
        "<body>",
        *body,
        "</body>",
        "</html>",
        "",
    ])


def _metadata(record: dict) -> str:
    source, licence, annotation = (_dict(record.get(k)) for k in ("source", "license", "annotation"))
    rows = [
        ("id", record.get("id")), ("title", record.get("title")), ("publisher", source.get("publisher")),
        ("author", source.get("author")), ("dateline", source.get("dateline")),
        ("published", source.get("published")), ("url", source.get("url")), ("split", record.get("split")),
        ("licence (text)", licence.get("text")), ("licence (annotations)", licence.get("annotations")),
        ("annotation status", annotation.get("status")),
        ("annotators", ", ".join(map(str, _list(annotation.get("annotators")))) or None),
        ("guidelines", annotation.get("guidelines_version")), ("updated", annotation.get("updated")),
        ("schema", record.get("schema_version")),
        ("counts", f"{sum(len(_list(_dict(e).get('mentions'))) for e in _list(record.get('entities')))} mentions of "
                   f"{len(_list(record.get('entities')))} entities, {len(_list(record.get('quotes')))} quotes, "
                   f"{len(_list(record.get('events')))} events"),
    ]
    items = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v) if v is not None else '—'}</dd>" for k, v in rows)
    return f'<dl class="meta" dir="auto">{items}</dl>'


def _legend() -> str:
    swatches = "".join(f'<span class="{mention_classes(t)}">{esc(t)}</span>' for t in _palette())
    layers = ('<span class="q">quote content</span> <span class="cue">cue</span> '
              '<span class="trig">event trigger</span>')
    return f'<section class="legend" dir="ltr"><h2>Legend</h2><p>{swatches}</p><p>{layers}</p></section>'


def _blocks(page: Page, spans: list[Span]) -> Iterator[str]:
    opened: set[int] = set()
    for kind, start, end in _block_ranges(page.record, page.text):
        tag = BLOCK_TAGS.get(kind, "p")
        yield f'<{tag} class="block {esc(_css_name(kind))}">{nest(page.text, start, end, spans, opened)}</{tag}>'


def _block_ranges(record: dict, text: str) -> list[tuple[str, int, int]]:
    """The blocks, when they are usable (in order, inside the text); otherwise the text's
    lines as paragraphs, so that a record with broken blocks still shows all its text."""
    ranges, previous = [], 0
    for block in map(_dict, _list(record.get("blocks"))):
        where = _offsets(block, text)
        if where is None or where[0] < previous:
            ranges = []
            break
        ranges.append((str(block.get("kind")), *where))
        previous = where[1]
    return ranges or [("paragraph", line.start(), line.end()) for line in re.finditer(r"^.*$", text, re.M)]


def _table(headers: list[str], rows: list[list[str]], empty: str) -> str:
    if not rows:
        return f"<p>{esc(empty)}</p>"
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _entities(page: Page) -> str:
    rows = []
    for entity_id, entity in page.entities.items():
        mentions = list(map(_dict, _list(entity.get("mentions"))))
        surfaces = "، ".join(esc(m.get("text")) for m in mentions)
        rows.append([esc(entity_id), f'<span class="{mention_classes(entity.get("type"))}">{esc(entity.get("type"))}</span>',
                     esc(entity.get("name")), esc(entity.get("wikidata") or "—"), f"{len(mentions)}: {surfaces}"])
    return "<h2>الكيانات · Entities</h2>" + _table(["id", "type", "name", "wikidata", "mentions"], rows, "No entities.")


def _quotes(page: Page) -> str:
    rows = []
    for quote in map(_dict, _list(page.record.get("quotes"))):
        cue = quote.get("cue")
        cue_cell = "—" if not isinstance(cue, dict) else f"{esc(cue.get('text'))} (lemma {esc(cue.get('lemma'))})"
        speaker_span = _dict(quote.get("speaker_span")).get("text")
        content = " … ".join(esc(_dict(f).get("text")) for f in _list(quote.get("content")))
        rows.append([f'<a href="#{esc(quote.get("id"))}">{esc(quote.get("id"))}</a>', esc(quote.get("type")),
                     esc(page.entity_label(quote.get("speaker"))), esc(quote.get("speaker_kind")),
                     esc(speaker_span or "—"), cue_cell, esc(page.entity_label(quote.get("addressee"))),
                     esc(quote.get("parent") or "—"), content])
    headers = ["id", "type", "speaker", "speaker kind", "speaker span", "cue", "addressee", "parent", "content"]
    return "<h2>الاقتباسات · Quotes</h2>" + _table(headers, rows, "No quotes.")


def event_flags(event: dict) -> tuple[list[str], list[str]]:
    """The markers an event sets (negated, future …) and its magnitude as "kind number" items:
    one rule for the review page and the guideline examples."""
    markers = [m for m in event_markers() if event.get(m) is True]
    magnitude = [f"{k} {v}" for k, v in _dict(event.get("magnitude")).items() if v is not None]
    return markers, magnitude


def _events(page: Page) -> str:
    rows = []
    for event in map(_dict, _list(page.record.get("events"))):
        markers, magnitude = event_flags(event)
        arguments = [f"{_dict(a).get('role')}: {page.entity_label(_dict(a).get('entity'))}" for a in _list(event.get("arguments"))]
        rows.append([
            f'<a href="#{esc(event.get("id"))}">{esc(event.get("id"))}</a>', esc(event.get("category")),
            esc(event.get("mode") or "—"), esc(", ".join(map(str, _list(event.get("context")))) or "—"),
            _in_context(page.text, event.get("trigger")),
            esc("، ".join(page.entity_label(e) for e in _list(event.get("actor"))) or "—"),
            esc("، ".join(page.entity_label(e) for e in _list(event.get("recipient"))) or "—"),
            esc("، ".join(arguments) or "—"), esc(", ".join(markers + magnitude) or "—"),
        ])
    headers = ["id", "category", "mode", "context", "trigger in context", "actor", "recipient", "arguments", "markers"]
    return "<h2>الأحداث · Events</h2>" + _table(headers, rows, "No events.")


def _in_context(text: str, trigger) -> str:
    where = _offsets(trigger, text)
    if where is None:
        return esc(_dict(trigger).get("text") or "?")
    start, end = where
    left = text[max(0, start - CONTEXT_CHARS):start].rsplit("\n", 1)[-1]
    right = text[end:end + CONTEXT_CHARS].split("\n", 1)[0]
    return f"…{esc(left)}<mark>{esc(text[start:end])}</mark>{esc(right)}…"
