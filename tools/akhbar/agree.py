"""Agreement between two annotations of the same articles, and the official scorer.

`compare(a, b)` scores B against A: precision is measured on B's annotations, recall on
A's, so `akhbar agree GOLD PRED` evaluates a system and `akhbar agree ANN1 ANN2` measures
inter-annotator agreement (F1 is symmetric, so it does not matter which annotator is A).
The metric definitions are in docs/scoring.md; `compare` documents the output shape.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, fields

from akhbar.alignment import (
    Doc,
    Event,
    Mention,
    Quote,
    RecordError,
    empty_doc,
    entity_mapping,
    map_entity,
    match,
    match_mentions,
    read_doc,
    span_overlap,
    unmatched,
)
from akhbar.labels import event_markers
from akhbar.sources import Collection, InputError

FORMAT = "akhbar-agree/1"
# Two quotes are the same quote when their content characters overlap at least this much
# (Jaccard). Half tolerates the usual boundary disputes (is إن inside, is the trailing
# attribution inside) while two different statements of one speaker stay apart.
QUOTE_THRESHOLD = 0.5


# --- accumulators (summed over articles: every corpus figure is micro-averaged) -------------

class Summed:
    """An accumulator that `add` sums field by field: a count adds, an accumulator adds its
    own fields, a dict by label adds label by label. A new score is thus one field."""

    def add(self, other) -> None:
        for name in (f.name for f in fields(self)):
            mine, theirs = getattr(self, name), getattr(other, name)
            if isinstance(mine, Summed):
                mine.add(theirs)
            elif isinstance(mine, dict) and not isinstance(mine, Counter):  # by label
                for key, value in theirs.items():
                    mine.setdefault(key, type(value)()).add(value)
            else:  # a number, or a Counter of label pairs
                setattr(self, name, mine + theirs)


@dataclass
class PRF(Summed):
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        # 2TP/(2TP+FP+FN) is the harmonic mean of P and R where both exist, and 0 (not
        # undefined) when one side annotated something and nothing matched.
        total = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / total if total else None

    def as_json(self) -> dict:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn,
                "precision": _round(self.precision), "recall": _round(self.recall), "f1": _round(self.f1)}


@dataclass
class Rate(Summed):
    agree: int = 0
    total: int = 0

    def count(self, same: bool) -> None:
        self.agree += bool(same)
        self.total += 1

    @property
    def rate(self) -> float | None:
        return self.agree / self.total if self.total else None

    def as_json(self) -> dict:
        return {"agree": self.agree, "total": self.total, "rate": _round(self.rate)}


@dataclass
class Kappa(Summed):
    """Cohen's kappa over paired labels."""

    pairs: Counter = field(default_factory=Counter)

    @property
    def observed(self) -> float | None:
        n = sum(self.pairs.values())
        return sum(c for (a, b), c in self.pairs.items() if a == b) / n if n else None

    @property
    def value(self) -> float | None:
        n = sum(self.pairs.values())
        if not n:
            return None
        a_counts, b_counts = Counter(), Counter()
        for (a, b), c in self.pairs.items():
            a_counts[a] += c
            b_counts[b] += c
        expected = sum(a_counts[label] * b_counts[label] for label in a_counts) / (n * n)
        if expected == 1:
            # Both sides used one and the same label throughout: chance agreement is total
            # and kappa is 0/0; the agreement is nevertheless perfect.
            return 1.0
        return (self.observed - expected) / (1 - expected)

    def as_json(self) -> dict:
        confusion = [{"a": a, "b": b, "count": c} for (a, b), c in sorted(self.pairs.items()) if a != b]
        return {"kappa": _round(self.value), "items": sum(self.pairs.values()), "observed": _round(self.observed),
                "disagreements": confusion}


@dataclass
class BCubed(Summed):
    precision_sum: float = 0.0
    recall_sum: float = 0.0
    mentions: int = 0

    def as_json(self) -> dict:
        p = self.precision_sum / self.mentions if self.mentions else None
        r = self.recall_sum / self.mentions if self.mentions else None
        f = 2 * p * r / (p + r) if p is not None and r is not None and p + r else (0.0 if self.mentions else None)
        return {"metric": "b-cubed over aligned mentions", "mentions": self.mentions,
                "precision": _round(p), "recall": _round(r), "f1": _round(f)}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


@dataclass
class Scores(Summed):
    """Every count the report needs; `add` sums two articles' scores."""

    mentions_exact: dict[str, PRF] = field(default_factory=dict)  # by type
    mentions_overlap: dict[str, PRF] = field(default_factory=dict)
    detection_exact: PRF = field(default_factory=PRF)
    detection_overlap: PRF = field(default_factory=PRF)
    entity_type: Kappa = field(default_factory=Kappa)
    coreference: BCubed = field(default_factory=BCubed)
    quotes: PRF = field(default_factory=PRF)
    quote_overlap_sum: float = 0.0
    quotes_attributed: PRF = field(default_factory=PRF)
    speaker: Rate = field(default_factory=Rate)
    speaker_kind: Rate = field(default_factory=Rate)
    cue: Rate = field(default_factory=Rate)
    cue_lemma: Rate = field(default_factory=Rate)
    quote_type: Kappa = field(default_factory=Kappa)
    triggers: PRF = field(default_factory=PRF)
    events_typed: dict[str, PRF] = field(default_factory=dict)  # by category
    category: Kappa = field(default_factory=Kappa)
    mode: Rate = field(default_factory=Rate)
    context: Rate = field(default_factory=Rate)
    markers: dict[str, Rate] = field(default_factory=lambda: {m: Rate() for m in event_markers()})
    arguments: dict[str, PRF] = field(default_factory=lambda: {r: PRF() for r in ("actor", "recipient", "other")})


def _prf(n_gold: int, n_pred: int, tp: int) -> PRF:
    return PRF(tp, n_pred - tp, n_gold - tp)


def _by_label(golds: list, preds: list, pairs: list[tuple[int, int]], label) -> dict[str, PRF]:
    """Per-label counts of a matching whose pairs share their label: TP under the label,
    FP under the prediction's label, FN under the reference's."""
    result: dict[str, PRF] = {}
    for i, _ in pairs:
        result.setdefault(label(golds[i]), PRF()).tp += 1
    missed, spurious = unmatched(golds, preds, pairs)
    for g in missed:
        result.setdefault(label(g), PRF()).fn += 1
    for p in spurious:
        result.setdefault(label(p), PRF()).fp += 1
    return result


# --- scoring one article ----------------------------------------------------------------

def score_docs(gold: Doc, pred: Doc, quote_threshold: float = QUOTE_THRESHOLD, gold_ids: bool = False) -> Scores:
    """Scores of one article. With `gold_ids`, B's quotes and events name A's entities by
    A's own ids (the dataset's `quotes` and `events` rows do, as `akhbar evaluate` reads
    them) instead of by entities of B's own that the mention alignment maps."""
    s = Scores()
    gm, pm = gold.mentions, pred.mentions
    s.mentions_exact = _by_label(gm, pm, match_mentions(gm, pm, exact=True, typed=True), lambda m: m.type)
    s.mentions_overlap = _by_label(gm, pm, match_mentions(gm, pm, exact=False, typed=True), lambda m: m.type)
    exact_untyped = match_mentions(gm, pm, exact=True, typed=False)
    s.detection_exact = _prf(len(gm), len(pm), len(exact_untyped))
    for i, j in exact_untyped:
        s.entity_type.pairs[(gm[i].type, pm[j].type)] += 1
    # The alignment everything entity-related goes through: overlap, type ignored (two
    # annotators who disagree on a type still mean the same referent).
    aligned = match_mentions(gm, pm, exact=False, typed=False)
    s.detection_overlap = _prf(len(gm), len(pm), len(aligned))
    s.coreference = _bcubed(gm, pm, aligned)
    mapping = entity_mapping(gm, pm, aligned)
    if gold_ids:
        mapping.update({e: e for e in _referenced(pred)})
    _score_quotes(s, gold.quotes, pred.quotes, mapping, quote_threshold)
    _score_events(s, gold.events, pred.events, mapping)
    return s


def _referenced(doc: Doc) -> set[str]:
    """The entity ids a document's quotes and events name."""
    found = {q.speaker for q in doc.quotes if q.speaker is not None}
    for v in doc.events:
        found.update(v.actor, v.recipient, (e for _, e in v.arguments))
    return found


def _bcubed(gm: list[Mention], pm: list[Mention], aligned: list[tuple[int, int]]) -> BCubed:
    """B-cubed (Bagga & Baldwin 1998) over the aligned mentions only: for each aligned
    mention, precision is the share of its B cluster (restricted to aligned mentions) that
    is also in its A cluster, recall the share of its A cluster that is in its B cluster.
    Unaligned mentions are the business of mention detection, not of the cluster score."""
    keys = [(gm[i].entity, pm[j].entity) for i, j in aligned]
    both = Counter(keys)
    in_gold = Counter(g for g, _ in keys)
    in_pred = Counter(p for _, p in keys)
    result = BCubed(mentions=len(keys))
    for g, p in keys:
        result.precision_sum += both[(g, p)] / in_pred[p]
        result.recall_sum += both[(g, p)] / in_gold[g]
    return result


def quote_overlap(g: Quote, p: Quote) -> float | None:
    """Jaccard overlap of the two quotes' content characters (whitespace left out)."""
    if not g.chars or not p.chars:
        return 1.0 if not g.chars and not p.chars and g.start == p.start else None
    inter = len(g.chars & p.chars)
    return inter / len(g.chars | p.chars) if inter else None


def _score_quotes(s: Scores, golds: list[Quote], preds: list[Quote], mapping: dict[str, str], threshold: float) -> None:
    def score(g: Quote, p: Quote) -> float | None:
        overlap = quote_overlap(g, p)
        return overlap if overlap is not None and overlap >= threshold else None

    pairs = match(golds, preds, score)
    s.quotes = _prf(len(golds), len(preds), len(pairs))
    attributed = 0
    for i, j in pairs:
        g, p = golds[i], preds[j]
        s.quote_overlap_sum += quote_overlap(g, p) or 0.0
        same_speaker = map_entity(mapping, p.speaker) == g.speaker
        attributed += same_speaker
        s.speaker.count(same_speaker)
        s.speaker_kind.count(g.speaker_kind == p.speaker_kind)
        if g.cue is None or p.cue is None:
            s.cue.count(g.cue is None and p.cue is None)
        else:
            s.cue.count(span_overlap(g.cue[0], g.cue[1], p.cue[0], p.cue[1]) is not None)
            s.cue_lemma.count(g.cue[2] == p.cue[2])
        s.quote_type.pairs[(g.type, p.type)] += 1
    s.quotes_attributed = _prf(len(golds), len(preds), attributed)


def _score_events(s: Scores, golds: list[Event], preds: list[Event], mapping: dict[str, str]) -> None:
    def trigger_score(g: Event, p: Event) -> float | None:
        overlap = span_overlap(g.start, g.end, p.start, p.end)
        # Same category breaks ties between overlapping candidates.
        return None if overlap is None else overlap + (g.category == p.category)

    pairs = match(golds, preds, trigger_score)
    s.triggers = _prf(len(golds), len(preds), len(pairs))
    typed = match(golds, preds, lambda g, p: span_overlap(g.start, g.end, p.start, p.end), lambda e: e.category)
    s.events_typed = _by_label(golds, preds, typed, lambda e: e.category or "(none)")
    matched = [(golds[i], preds[j]) for i, j in pairs]
    for g, p in matched:
        s.category.pairs[(g.category, p.category)] += 1
        s.mode.count(g.mode == p.mode)
        s.context.count(g.context == p.context)
        for (name, g_value), (_, p_value) in zip(g.markers, p.markers, strict=True):
            s.markers[name].count(g_value == p_value)
    # Arguments of events the other side does not have are missed (or spurious) too: the
    # argument score is end to end, as in ACE argument classification.
    missed, spurious = unmatched(golds, preds, pairs)
    for g, p in matched + [(g, NO_EVENT) for g in missed] + [(NO_EVENT, p) for p in spurious]:
        for role, g_set, p_set in _roles(g, p, mapping):
            s.arguments[role].add(PRF(len(g_set & p_set), len(p_set - g_set), len(g_set - p_set)))


# The partner of an event the other side does not have: it has no argument.
NO_EVENT = Event("", None, 0, 0, None, frozenset(), frozenset(), frozenset(), frozenset(), ())


def _roles(g: Event, p: Event, mapping: dict[str, str]):
    """(role, A's fillers, B's fillers mapped to A's entity ids) for the three role groups."""
    yield "actor", set(g.actor), {map_entity(mapping, e) for e in p.actor}
    yield "recipient", set(g.recipient), {map_entity(mapping, e) for e in p.recipient}
    yield "other", set(g.arguments), {(role, map_entity(mapping, e)) for role, e in p.arguments}


# --- comparing two collections ------------------------------------------------------------

def compare(a: Collection, b: Collection, quote_threshold: float = QUOTE_THRESHOLD,
            gold_ids: frozenset[str] = frozenset()) -> dict:
    """Score every article of A against B's version of it: the document `akhbar agree
    --format json` prints (structure in docs/scoring.md). An article B lacks is scored
    against an empty annotation (all of A's annotations are missed); an article only B has
    has no reference and is listed, not scored. Structural problems in a record raise
    InputError naming the file and line. `gold_ids`: the articles whose B side names A's
    entities by A's ids (see `score_docs`)."""
    errors, warnings = [], []
    total, per_article = Scores(), {}
    for article_id, located_a in a.records.items():
        located_b = b.records.get(article_id)
        reading = located_a  # the side whose record a RecordError is about
        try:
            gold = read_doc(located_a.record)
            reading = located_b
            pred = empty_doc(article_id) if located_b is None else read_doc(located_b.record, fallback_text=gold.text)
        except RecordError as exc:
            errors.append(f"{reading.where}: article {article_id}: {exc}")
            continue
        if located_b is not None and gold.text is not None and pred.text != gold.text:  # B's own text differs
            warnings.append(f"article {article_id}: the two texts differ, so offsets may not correspond "
                            f"({located_a.where}, {located_b.where})")
        scores = score_docs(gold, pred, quote_threshold, article_id in gold_ids)
        per_article[article_id] = scores
        total.add(scores)
    if errors:
        raise InputError(errors)
    return {
        "format": FORMAT,
        "a": a.spec,
        "b": b.spec,
        "settings": {"quote_threshold": quote_threshold},
        "articles": {"scored": len(per_article), "only_in_a": [i for i in a.records if i not in b.records],
                     "only_in_b": [i for i in b.records if i not in a.records]},
        "warnings": warnings,
        **scores_json(total),
        "per_article": {
            article_id: {
                "entities_exact": micro(s.mentions_exact).as_json(),
                "quotes_attributed": s.quotes_attributed.as_json(),
                "events_typed": micro(s.events_typed).as_json(),
            }
            for article_id, s in per_article.items()
        },
    }


# --- the machine-readable result ----------------------------------------------------------

def micro(by_label: dict[str, PRF]) -> PRF:
    """The counts of every label added up (the micro-average)."""
    result = PRF()
    for value in by_label.values():
        result.add(value)
    return result


def _by_type_json(by_label: dict[str, PRF]) -> dict:
    return {"micro": micro(by_label).as_json(), "by_type": {t: v.as_json() for t, v in sorted(by_label.items())}}


def scores_json(s: Scores) -> dict:
    return {
        "entities": {
            "exact": _by_type_json(s.mentions_exact),
            "overlap": _by_type_json(s.mentions_overlap),
            "detection": {"exact": s.detection_exact.as_json(), "overlap": s.detection_overlap.as_json()},
            "type_kappa": s.entity_type.as_json(),
            "coreference": s.coreference.as_json(),
        },
        "quotes": {
            "match": s.quotes.as_json(),
            "mean_overlap": _round(s.quote_overlap_sum / s.quotes.tp) if s.quotes.tp else None,
            "attributed": s.quotes_attributed.as_json(),
            "speaker": s.speaker.as_json(),
            "speaker_kind": s.speaker_kind.as_json(),
            "cue": s.cue.as_json(),
            "cue_lemma": s.cue_lemma.as_json(),
            "type": s.quote_type.as_json(),
        },
        "events": {
            "trigger": s.triggers.as_json(),
            "typed": _by_type_json(s.events_typed),
            "category": s.category.as_json(),
            "mode": s.mode.as_json(),
            "context": s.context.as_json(),
            "markers": {m: r.as_json() for m, r in s.markers.items()},
            "arguments": {**{r: v.as_json() for r, v in s.arguments.items()}, "all": micro(s.arguments).as_json()},
        },
    }

