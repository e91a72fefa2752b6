"""Re-anchoring spans against the article text.

Annotation tools and hand edits move offsets: a tool counts in UTF-16 units, a text was
re-cleaned, a span was typed by hand. Every imported span goes through `anchor`, which keeps
it when `text[start:end]` is its surface, moves it to the nearest occurrence of the surface
otherwise (reported), and reports it, with file and line, when it cannot be placed. Nothing is
dropped silently.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from akhbar.interchange.common import ImportedDoc, Origin, Report

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
    # The nearest occurrence of the surface to where the span was said to start.
    origin = start if isinstance(start, int) else 0
    best = None
    for candidate in _occurrences(text, surface):
        distance = abs(candidate - origin)
        if distance <= max_shift and (best is None or distance < abs(best - origin)):
            best = candidate
    if best is None:
        flat = normalise_surface(surface)
        if flat != surface:
            return None
        flat_text = normalise_surface(text)  # same length as text: each replacement is 1:1 or 2:1
        if len(flat_text) == len(text):
            for candidate in _occurrences(flat_text, flat):
                distance = abs(candidate - origin)
                if distance <= max_shift and (best is None or distance < abs(best - origin)):
                    best = candidate
    if best is None:
        return None
    return Anchored(best, best + len(surface), True)


def _occurrences(text: str, surface: str):
    i = text.find(surface)
    while i != -1:
        yield i
        i = text.find(surface, i + 1)


def reanchor_doc(doc: ImportedDoc, text: str, report: Report, article: str | None = None) -> ImportedDoc:
    """Re-anchor every span of `doc` against `text` (the record's text, which may differ from
    the text the tool showed). Spans that cannot be placed are removed and reported as errors
    with their file and line; an annotation that loses its only span goes with it, and that is
    reported too. Returns the document with its spans on `text`."""
    article = article or doc.article_id

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
            report.error("entity-lost", f"entity {entity['id']} ({entity['type']}) lost all its mentions", article=article,
                         **_where(doc, None))
    kept = {e["id"] for e in entities}
    quotes = []
    for quote in doc.quotes:
        quote["content"] = [s for s in quote["content"] if place(s, f"quote {quote['id']} content")]
        if quote.get("cue") is not None and not place(quote["cue"], f"quote {quote['id']} cue"):
            quote["cue"] = None
        if quote.get("speaker_span") is not None and not place(quote["speaker_span"], f"quote {quote['id']} speaker span"):
            quote["speaker_span"] = None
        if quote["content"]:
            quotes.append(quote)
        else:
            report.error("quote-lost", f"quote {quote['id']} lost all its content", article=article, **_where(doc, None))
    events = []
    for event in doc.events:
        if place(event["trigger"], f"event {event['id']} trigger"):
            events.append(event)
        else:
            report.error("event-lost", f"event {event['id']} ({event['category']}) lost its trigger", article=article,
                         **_where(doc, None))
    _drop_dangling(entities, quotes, events, kept, report, article, doc)
    doc.entities, doc.quotes, doc.events, doc.text = entities, quotes, events, text
    return doc


def _where(doc: ImportedDoc, span: dict | None) -> dict:
    origin = (doc.origins.get(id(span)) if span is not None else None) or doc.origin or Origin("-")
    return {"file": origin.file, "line": origin.line}


def _drop_dangling(entities, quotes, events, kept, report: Report, article, doc) -> None:
    quote_ids = {q["id"] for q in quotes}
    lost: Callable[[str], None] = lambda what: report.error("reference-lost", what, article=article, **_where(doc, None))  # noqa: E731
    for quote in quotes:
        for key in ("speaker", "addressee"):
            if quote.get(key) is not None and quote[key] not in kept:
                lost(f"quote {quote['id']}: {key} {quote[key]} no longer exists")
                quote[key] = None
        if quote.get("parent") is not None and quote["parent"] not in quote_ids:
            lost(f"quote {quote['id']}: parent {quote['parent']} no longer exists")
            quote["parent"] = None
    for event in events:
        for role in ("actor", "recipient"):
            for target in [t for t in event[role] if t not in kept]:
                lost(f"event {event['id']}: {role} {target} no longer exists")
            event[role] = [t for t in event[role] if t in kept]
        for arg in [a for a in event["arguments"] if a["entity"] not in kept]:
            lost(f"event {event['id']}: {arg['role']} {arg['entity']} no longer exists")
        event["arguments"] = [a for a in event["arguments"] if a["entity"] in kept]
