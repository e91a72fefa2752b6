"""Aligning two annotations of one article: the read-only views of a record that scoring
needs (with the structural checks that keep the scorer from crashing on a malformed
prediction file), one-to-one span matching, and the entity mapping that lets two
annotators' entity ids be compared.

Entity ids are private to each annotation (A's e3 may be B's e7), so everything that
refers to an entity is compared through the mentions: two entities correspond when their
mentions were aligned to each other.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field

from akhbar.labels import event_markers


class RecordError(Exception):
    """A record lacks the structure the scorer relies on; the message says where in it."""


@dataclass(frozen=True)
class Mention:
    id: str
    start: int
    end: int
    type: str
    entity: str


@dataclass(frozen=True)
class Quote:
    id: str
    type: str | None
    chars: frozenset[int]  # non-whitespace character offsets of the content fragments
    start: int  # first content offset, for ordering
    cue: tuple[int, int, str | None] | None  # start, end, lemma
    speaker: str | None
    speaker_kind: str | None


@dataclass(frozen=True)
class Event:
    id: str
    category: str | None
    start: int
    end: int
    mode: str | None
    context: frozenset[str]
    actor: frozenset[str]
    recipient: frozenset[str]
    arguments: frozenset[tuple[str, str]]  # (role, entity id)
    markers: tuple[tuple[str, bool], ...]


@dataclass
class Doc:
    """What the scorer reads from one record."""

    id: str
    text: str | None
    mentions: list[Mention] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)


def empty_doc(article_id: str) -> Doc:
    """The stand-in for an article a side does not have: it annotates nothing."""
    return Doc(article_id, None)


def read_doc(record: dict, fallback_text: str | None = None) -> Doc:
    """The scorer's view of a record. Missing layers count as empty (a system may predict
    only entities); present layers must have the shape of the schema where it matters for
    scoring, else RecordError names the offending field. A prediction may leave out the
    text: `fallback_text` (the other side's) then bounds its offsets."""
    text = record.get("text")
    if text is not None and not isinstance(text, str):
        raise RecordError('"text" must be a string')
    text = text if text is not None else fallback_text
    doc = Doc(record["id"], text)
    for i, entity in enumerate(_list(record, "entities")):
        where = f"entities[{i}]"
        _require_dict(entity, where)
        entity_id = _string(entity.get("id"), f"{where}.id")
        entity_type = _string(entity.get("type"), f"{where}.type")
        for j, mention in enumerate(_list(entity, "mentions", where)):
            start, end = _offsets(mention, f"{where}.mentions[{j}]", text)
            mention_id = mention.get("id")
            doc.mentions.append(Mention(mention_id if isinstance(mention_id, str) else f"{entity_id}#{j}",
                                        start, end, entity_type, entity_id))
    for i, quote in enumerate(_list(record, "quotes")):
        doc.quotes.append(_read_quote(quote, f"quotes[{i}]", text, i))
    for i, event in enumerate(_list(record, "events")):
        doc.events.append(_read_event(event, f"events[{i}]", text, i))
    return doc


def _read_quote(quote, where: str, text: str | None, index: int) -> Quote:
    _require_dict(quote, where)
    chars: set[int] = set()
    starts = []
    for k, fragment in enumerate(_list(quote, "content", where)):
        start, end = _offsets(fragment, f"{where}.content[{k}]", text)
        starts.append(start)
        # Whitespace is left out so that a fragment that does or does not take in a
        # neighbouring space is the same content.
        chars.update(p for p in range(start, end) if text is None or not text[p].isspace())
    cue = quote.get("cue")
    if cue is not None:
        cue_start, cue_end = _offsets(cue, f"{where}.cue", text)
        lemma = cue.get("lemma")
        cue = (cue_start, cue_end, lemma if isinstance(lemma, str) else None)
    return Quote(_optional(quote, "id", where) or f"#{index}", _optional(quote, "type", where), frozenset(chars),
                 min(starts, default=-1), cue,
                 _optional(quote, "speaker", where), _optional(quote, "speaker_kind", where))


def _read_event(event, where: str, text: str | None, index: int) -> Event:
    _require_dict(event, where)
    start, end = _offsets(event.get("trigger"), f"{where}.trigger", text)
    arguments = set()
    for k, argument in enumerate(_list(event, "arguments", where)):
        _require_dict(argument, f"{where}.arguments[{k}]")
        arguments.add((_string(argument.get("role"), f"{where}.arguments[{k}].role"),
                       _string(argument.get("entity"), f"{where}.arguments[{k}].entity")))
    context = [_string(c, f"{where}.context") for c in _list(event, "context", where)]
    return Event(
        _optional(event, "id", where) or f"#{index}", _optional(event, "category", where), start, end,
        _optional(event, "mode", where), frozenset(context),
        frozenset(_string(e, f"{where}.actor") for e in _list(event, "actor", where)),
        frozenset(_string(e, f"{where}.recipient") for e in _list(event, "recipient", where)),
        frozenset(arguments),
        tuple((name, event.get(name) is True) for name in event_markers()),
    )


def _list(container: dict, key: str, where: str = "") -> list:
    value = container.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise RecordError(f'{where + "." if where else ""}{key} must be a list')
    return value


def _require_dict(value, where: str) -> None:
    if not isinstance(value, dict):
        raise RecordError(f"{where} must be an object")


def _string(value, where: str) -> str:
    if not isinstance(value, str):
        raise RecordError(f"{where} must be a string")
    return value


def _optional(container: dict, key: str, where: str) -> str | None:
    """`container[key]`: a string, or None when absent or null."""
    value = container.get(key)
    return None if value is None else _string(value, f"{where}.{key}")


def _offsets(span: dict, where: str, text: str | None) -> tuple[int, int]:
    """The span's offsets, checked: an object with integer start <= end within the text."""
    _require_dict(span, where)
    start, end = span.get("start"), span.get("end")
    # bool is an int in Python; true/false offsets are a broken file, not 1/0.
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (start, end)):
        raise RecordError(f"{where}: start and end must be integers")
    limit = len(text) if text is not None else None
    if not 0 <= start <= end or (limit is not None and end > limit):
        raise RecordError(f"{where}: offsets {start}..{end} are outside the text")
    return start, end


# --- one-to-one matching -----------------------------------------------------------------

def match(golds: Sequence, preds: Sequence, score: Callable[[object, object], float | None],
          group: Callable[[object], Hashable] = lambda _: None) -> list[tuple[int, int]]:
    """A one-to-one matching between golds and preds (index pairs, sorted).

    `score(g, p)` is None when g and p may not be matched, else a number (higher is a
    better pair); only items in the same `group` are compared. The matching has maximum
    cardinality: it starts from the greedy best-score pairs (so that, among equally many
    pairs, the better ones are chosen) and then extends them along augmenting paths
    (Kuhn's algorithm), so that a nested span can never starve a pair that was possible.
    """
    by_group: dict[Hashable, list[int]] = {}
    for j, p in enumerate(preds):
        by_group.setdefault(group(p), []).append(j)
    edges: dict[int, list[tuple[float, int]]] = {}
    candidates = []
    for i, g in enumerate(golds):
        for j in by_group.get(group(g), ()):
            s = score(g, preds[j])
            if s is not None:
                edges.setdefault(i, []).append((s, j))
                candidates.append((-s, i, j))
    for options in edges.values():
        options.sort(key=lambda sj: (-sj[0], sj[1]))
    gold_of: dict[int, int] = {}
    pred_of: dict[int, int] = {}
    for _, i, j in sorted(candidates):
        if i not in pred_of and j not in gold_of:
            pred_of[i], gold_of[j] = j, i

    def augment(root: int) -> None:
        # Iterative depth-first search for an augmenting path (a hostile file with thousands
        # of stacked spans must not hit the recursion limit); on success the path is flipped.
        seen: set[int] = set()
        reached_from: dict[int, int] = {}
        stack = [iter(edges.get(root, ()))]
        owners = [root]
        while stack:
            for _, j in stack[-1]:
                if j in seen:
                    continue
                seen.add(j)
                reached_from[j] = owners[-1]
                if j not in gold_of:
                    while True:
                        i = reached_from[j]
                        previous = pred_of.get(i)
                        pred_of[i], gold_of[j] = j, i
                        if i == root:
                            return
                        j = previous
                owners.append(gold_of[j])
                stack.append(iter(edges.get(gold_of[j], ())))
                break
            else:
                stack.pop()
                owners.pop()

    for i in sorted(edges):
        if i not in pred_of:
            augment(i)
    return sorted(pred_of.items())


def unmatched(golds: Sequence, preds: Sequence, pairs: list[tuple[int, int]]) -> tuple[list, list]:
    """The golds and the preds a matching leaves without a partner."""
    matched_gold, matched_pred = {i for i, _ in pairs}, {j for _, j in pairs}
    return ([g for i, g in enumerate(golds) if i not in matched_gold],
            [p for j, p in enumerate(preds) if j not in matched_pred])


def span_overlap(a_start: int, a_end: int, b_start: int, b_end: int) -> float | None:
    """Jaccard overlap of two character spans, None when they share no character. Two empty
    spans at the same offset count as identical."""
    if (a_start, a_end) == (b_start, b_end):
        return 1.0
    inter = min(a_end, b_end) - max(a_start, b_start)
    if inter <= 0:
        return None
    return inter / (max(a_end, b_end) - min(a_start, b_start))


def match_mentions(golds: Sequence[Mention], preds: Sequence[Mention], exact: bool, typed: bool) -> list[tuple[int, int]]:
    if exact:  # only equal spans may pair: grouping by span compares each mention with those alone
        return match(golds, preds, lambda g, p: 1.0, (lambda m: (m.type, m.start, m.end)) if typed else (lambda m: (m.start, m.end)))
    return match(golds, preds, lambda g, p: span_overlap(g.start, g.end, p.start, p.end),
                 (lambda m: m.type) if typed else (lambda m: None))


# --- entity correspondence ----------------------------------------------------------------

def entity_mapping(golds: Sequence[Mention], preds: Sequence[Mention], pairs: list[tuple[int, int]]) -> dict[str, str]:
    """B's entity id -> the A entity it corresponds to: the A entity that most of its
    aligned mentions belong to (ties: the A entity whose first aligned mention comes first).
    B entities with no aligned mention are absent, and so never equal any A entity."""
    votes: dict[str, Counter] = {}
    first: dict[str, int] = {}
    for i, j in pairs:
        gold_entity = golds[i].entity
        votes.setdefault(preds[j].entity, Counter())[gold_entity] += 1
        first.setdefault(gold_entity, golds[i].start)
    return {pred: min(counter, key=lambda e: (-counter[e], first[e], e)) for pred, counter in votes.items()}


def map_entity(mapping: dict[str, str], pred_entity: str | None) -> str | None:
    """A's id for B's entity; an unaligned B entity gets a marker no A id can equal."""
    if pred_entity is None:
        return None
    return mapping.get(pred_entity, f"unaligned:{pred_entity}")
