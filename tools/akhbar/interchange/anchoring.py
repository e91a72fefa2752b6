"""Re-anchoring spans against the article text.

Annotation tools and hand edits move offsets: a tool counts in UTF-16 units, a text was
re-cleaned, a span was typed by hand. Every imported span goes through `anchor`, which keeps
it when `text[start:end]` is its surface, moves it to the nearest occurrence of the surface
otherwise (reported), and reports it, with file and line, when it cannot be placed. Nothing is
dropped silently.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from akhbar.interchange.common import PARTIES, ImportedDoc, Origin, Report

# How far (in code points) a surface may have moved and still be re-anchored.
MAX_SHIFT = 2000


@dataclass
class Anchored:
    start: int
    end: int
    moved: bool


def normalise_surface(s: str) -> str:
    """Tools flatten newlines and tabs inside a span's surface to spaces (brat, Label Studio)."""
    return s.replace("\r\n", " ").replace("\n", " ").replace("\t", " ")


def anchor(text: str, start, end, surface: str | None, max_shift: int = MAX_SHIFT) -> Anchored | None:
    """Place one span. `surface` None means the source gives no surface (Label Studio's
    optional value.text): the offsets are trusted when they are inside the text."""
    valid = isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)
    if surface is None:
        return Anchored(start, end, False) if valid else None
    if valid and (text[start:end] == surface or normalise_surface(text[start:end]) == normalise_surface(surface)):
        return Anchored(start, end, False)
    if not surface:
        return None
    # The nearest occurrence of the surface to where the span was said to start; failing that,
    # the same in the text with its newlines and tabs flattened as a tool flattens a surface.
    origin = start if isinstance(start, int) else 0
    best = _nearest(text, surface, origin, max_shift)
    if best is None and normalise_surface(surface) == surface:
        flat_text = normalise_surface(text)  # same length as text unless it holds CRLF (replaced 2:1)
        if len(flat_text) == len(text):
            best = _nearest(flat_text, surface, origin, max_shift)
    if best is None:
        return None
    return Anchored(best, best + len(surface), True)


def _nearest(text: str, surface: str, origin: int, max_shift: int) -> int | None:
    """The occurrence of `surface` nearest to `origin`, at most `max_shift` away (the first of two as near)."""
    starts = (m.start() for m in re.finditer(f"(?={re.escape(surface)})", text))  # overlapping occurrences too
    return min((i for i in starts if abs(i - origin) <= max_shift), key=lambda i: abs(i - origin), default=None)


def reanchor_doc(doc: ImportedDoc, text: str, report: Report, article: str | None = None) -> ImportedDoc:
    """Re-anchor every span of `doc` against `text` (the record's text, which may differ from
    the text the tool showed). Spans that cannot be placed are removed and reported as errors
    with their file and line; an annotation that loses its only span goes with it, and that is
    reported too. Returns the document with its spans on `text`."""
    article = article or doc.article_id
    where = (doc.origin or Origin("-")).where()

    def lost(code: str, message: str) -> None:
        report.error(code, message, article=article, **where)

    def place(span: dict, what: str) -> bool:
        origin = doc.origins.get(id(span)) or doc.origin or Origin("-")
        surface = span.get("text")
        result = anchor(text, span.get("start"), span.get("end"), surface)
        if result is None:
            report.error(
                "span-unplaced",
                f"{what}: cannot place {surface!r} (offsets {span.get('start')}-{span.get('end')}) in the article text",
                file=origin.file, line=origin.line, article=article, offset=span.get("start"),
            )
            return False
        if result.moved:
            report.warning(
                "span-moved",
                f"{what}: {surface!r} re-anchored from {span.get('start')}-{span.get('end')} to {result.start}-{result.end}",
                file=origin.file, line=origin.line, article=article, offset=result.start,
            )
            report.repairs["spans re-anchored"] += 1
        span["start"], span["end"], span["text"] = result.start, result.end, text[result.start:result.end]
        return True

    entities = []
    for entity in doc.entities:
        entity["mentions"] = [m for m in entity["mentions"] if place(m, f"mention {m['id']} of {entity['id']}")]
        if entity["mentions"]:
            entities.append(entity)
        else:
            lost("entity-lost", f"entity {entity['id']} ({entity['type']}) lost all its mentions")
    quotes = []
    for quote in doc.quotes:
        quote["content"] = [s for s in quote["content"] if place(s, f"quote {quote['id']} content")]
        for key, what in (("cue", "cue"), ("speaker_span", "speaker span")):
            if quote.get(key) is not None and not place(quote[key], f"quote {quote['id']} {what}"):
                quote[key] = None
        if quote["content"]:
            quotes.append(quote)
        else:
            lost("quote-lost", f"quote {quote['id']} lost all its content")
    events = []
    for event in doc.events:
        if place(event["trigger"], f"event {event['id']} trigger"):
            events.append(event)
        else:
            lost("event-lost", f"event {event['id']} ({event['category']}) lost its trigger")
    _drop_dangling(entities, quotes, events, lambda message: lost("reference-lost", message))
    doc.entities, doc.quotes, doc.events, doc.text = entities, quotes, events, text
    return doc


def _drop_dangling(entities, quotes, events, lost: Callable[[str], None]) -> None:
    """Links to an entity or quote that was lost are removed, each one reported."""
    kept, quote_ids = {e["id"] for e in entities}, {q["id"] for q in quotes}
    for quote in quotes:
        for key, ids in (("speaker", kept), ("addressee", kept), ("parent", quote_ids)):
            if quote.get(key) is not None and quote[key] not in ids:
                lost(f"quote {quote['id']}: {key} {quote[key]} no longer exists")
                quote[key] = None
    for event in events:
        for role in PARTIES:
            for target in [t for t in event[role] if t not in kept]:
                lost(f"event {event['id']}: {role} {target} no longer exists")
            event[role] = [t for t in event[role] if t in kept]
        for arg in [a for a in event["arguments"] if a["entity"] not in kept]:
            lost(f"event {event['id']}: {arg['role']} {arg['entity']} no longer exists")
        event["arguments"] = [a for a in event["arguments"] if a["entity"] in kept]
