"""Annotation-level diff between two versions of the corpus: `akhbar diff OLD NEW`.

Each side is a file or folder of shards, a shard or folder as it stood in a git revision
(`REV:path`), or a git revision of the repository (its shards under corpus/), read by
`akhbar.sources`. Articles are matched by id. Inside an article each layer is compared on its
own, annotations matched by where they are, not by their ids (tools renumber ids), with
`alignment.match`: mentions by offsets; entities by their mention sets (equal, then the
largest overlap); quotes by content fragments and events by trigger (equal, then
overlapping). Each difference is shown with the surrounding Arabic text. A split change of an
article that exists on the OLD side is an error: splits are frozen once released.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from akhbar.alignment import Mention, match, match_mentions, unmatched
from akhbar.errors import UserError
from akhbar.git import is_revision
from akhbar.labels import event_markers
from akhbar.sources import InputError, load_collection
from akhbar.tables import cell

CONTEXT = 30
PLURAL = {"mention": "mentions", "entity": "entities", "quote": "quotes", "event": "events"}


def _v(value) -> str:
    """A field value as a reviewer reads it: — for null, lists comma-separated."""
    if value is None or value == []:
        return "—"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    if isinstance(value, dict):
        return ", ".join(f"{k} {_v(v)}" for k, v in value.items())
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


class DiffError(UserError):
    """A side that cannot be read (unknown revision, unreadable line): one message."""


# ---- loading ---------------------------------------------------------------------------------


def load_side(spec: str, repo: Path) -> dict[str, tuple[dict, str]]:
    """Records by id, with where each was read ("file:line" or "REV:path:line"), from a file or
    folder as given, `REV:path` in the repository, or a revision's shards under corpus/."""
    rev = spec.removeprefix("git:")
    if rev == spec and Path(spec).exists():
        source = spec, None
    elif ":" in rev:
        source = rev, repo
    elif is_revision(repo, rev):
        source = f"{rev}:corpus", repo
    else:
        raise DiffError(f"{spec}: neither a file or folder nor a git revision of {repo}")
    try:
        collection = load_collection(*source)
    except InputError as exc:
        raise DiffError(exc.summary()) from None
    return {article_id: (located.record, located.where) for article_id, located in collection.records.items()}


# ---- the diff --------------------------------------------------------------------------------


@dataclass
class Change:
    layer: str  # article | split | text | metadata | mention | entity | quote | event
    change: str  # added | removed | changed
    what: str  # short label, e.g. "PERS m3" or "ASSAULT v1"
    detail: str = ""  # what changed, e.g. "type PERS → ORG"
    context: str = ""  # surrounding text with the span marked
    error: bool = False


@dataclass
class ArticleDiff:
    id: str
    status: str  # added | removed | changed
    split: str | None = None
    counts: dict = field(default_factory=dict)  # for added/removed articles
    changes: list[Change] = field(default_factory=list)
    where: str | None = None


@dataclass
class DiffResult:
    old: str
    new: str
    articles: list[ArticleDiff] = field(default_factory=list)

    @property
    def errors(self) -> list[tuple[ArticleDiff, Change]]:
        return [(a, c) for a in self.articles for c in a.changes if c.error]

    def totals(self) -> dict:
        totals = {"articles_added": 0, "articles_removed": 0, "articles_changed": 0}
        for article in self.articles:
            totals[f"articles_{article.status}"] += 1
            for c in article.changes:
                if c.layer in PLURAL:
                    key = f"{PLURAL[c.layer]}_{c.change}"
                    totals[key] = totals.get(key, 0) + 1
        totals["errors"] = len(self.errors)
        return totals

    def as_json(self) -> dict:
        return {"old": self.old, "new": self.new, "summary": self.totals(),
                "articles": [asdict(a) for a in self.articles]}


def context(text: str, start: int, end: int, width: int = CONTEXT) -> str:
    """The span «marked» in `width` characters of text each side, its line breaks shown as ⏎."""
    shown = text[max(0, start - width):start] + "«" + text[start:end] + "»" + text[end:end + width]
    return ("…" if start > width else "") + shown.replace("\n", " ⏎ ") + ("…" if end + width < len(text) else "")


def _counts(record: dict) -> dict:
    return {"mentions": sum(len(e.get("mentions", [])) for e in record.get("entities", [])),
            "entities": len(record.get("entities", [])), "quotes": len(record.get("quotes", [])),
            "events": len(record.get("events", []))}


def _overlap(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> int | None:
    shared = sum(max(0, min(e1, e2) - max(s1, s2)) for s1, e1 in a for s2, e2 in b)
    return shared or None


def _pair(old: list, new: list, key, spans) -> list[tuple[dict | None, dict | None]]:
    """Annotations of the two sides paired one to one (`alignment.match`): equal keys first
    (in order), then, among the rest, by the characters their spans share; then the old ones
    left over (removed) and the new ones left over (added)."""
    exact = match(old, new, lambda o, n: 0.0, group=key)
    old_left, new_left = unmatched(range(len(old)), range(len(new)), exact)  # their indices
    score = lambda i, j: _overlap(spans(old[i]), spans(new[j]))  # noqa: E731
    overlapping = [(old_left[i], new_left[j]) for i, j in match(old_left, new_left, score)]
    overlapping.sort(key=lambda ij: (-score(*ij), ij))  # the best-sharing pairs first
    return _with_unpaired(old, new, exact + overlapping)


def _with_unpaired(old: list, new: list, paired: list[tuple[int, int]]) -> list[tuple]:
    """The (old, new) items of the index pairs, then (old, None) for the old items left over
    (removed) and (None, new) for the new ones (added)."""
    removed, added = unmatched(old, new, paired)
    return [(old[i], new[j]) for i, j in paired] + [(o, None) for o in removed] + [(None, n) for n in added]


class _Sides:
    """The two records of one article and what their entities correspond to (old id -> new id,
    None when the old entity has no counterpart), for naming and comparing references."""

    def __init__(self, old: dict, new: dict, width: int) -> None:
        self.old, self.new, self.width = old, new, width
        self.old_entities = {e["id"]: e for e in old.get("entities", [])}
        self.new_entities = {e["id"]: e for e in new.get("entities", [])}
        self.entity_pairs = _pair(old.get("entities", []), new.get("entities", []),
                                  lambda e: (e.get("type"), tuple(_mention_spans(e))), _mention_spans)
        self.emap = {o["id"]: n["id"] if n is not None else None for o, n in self.entity_pairs if o is not None}

    def ctx(self, span: dict, old_side: bool = False) -> str:
        return context((self.old if old_side else self.new)["text"], span["start"], span["end"], self.width)

    def ename(self, eid: str | None, new_side: bool = True) -> str:
        if eid is None:
            return "—"
        e = (self.new_entities if new_side else self.old_entities).get(eid)
        return f"{eid} {e['type']} «{e['name']}»" if e else eid


def _mention_spans(entity: dict) -> list[tuple[int, int]]:
    return [(m["start"], m["end"]) for m in entity.get("mentions", [])]


def _changed(o: dict, n: dict, keys) -> list[str]:
    return [f"{k} {_v(o.get(k))} → {_v(n.get(k))}" for k in keys if o.get(k) != n.get(k)]


# ---- per layer ---------------------------------------------------------------------------------


def _diff_article(old: dict, new: dict) -> list[Change]:
    """Split (an error: splits are frozen), text and metadata."""
    changes = []
    if old.get("split") != new.get("split"):
        changes.append(Change("split", "changed", new["id"], f"split {old.get('split')} → {new.get('split')}: "
                              "splits are frozen once an article is released", error=True))
    if old["text"] != new["text"]:
        changes.append(Change("text", "changed", "text", f"{len(old['text'])} → {len(new['text'])} characters; "
                              "annotations below are compared by offsets"))
    for key in ("title", "blocks", "source", "license", "annotation", "language", "schema_version"):
        if old.get(key) == new.get(key):
            continue
        detail = ""
        if key == "annotation" and isinstance(old.get(key), dict):
            detail = "; ".join(_changed(old[key], new[key], new.get(key, {})))
        changes.append(Change("metadata", "changed", key, detail))
    return changes


def _layer_changes(sides: _Sides, layer: str, pairs, what, summary, span, differences) -> list[Change]:
    """The Changes of one layer from its pairs (old, new): an added or removed annotation is
    named by `what(item, new_side)`, summed up by `summary(item, new_side)` and shown at
    `span(item)`; a changed one lists `differences(old, new)`."""
    changes = []
    for o, n in pairs:
        if o is None:
            changes.append(Change(layer, "added", what(n, True), summary(n, True), sides.ctx(span(n))))
        elif n is None:
            changes.append(Change(layer, "removed", what(o, False), summary(o, False), sides.ctx(span(o), old_side=True)))
        elif parts := differences(o, n):
            changes.append(Change(layer, "changed", what(n, True), "; ".join(parts), sides.ctx(span(n))))
    return changes


def _diff_entities(sides: _Sides) -> list[Change]:
    return _layer_changes(sides, "entity", sides.entity_pairs,
                          what=lambda e, new_side: sides.ename(e["id"], new_side),
                          summary=lambda e, _: f"{len(e['mentions'])} mention(s)",
                          span=lambda e: e["mentions"][0],
                          differences=lambda o, n: _changed(o, n, ("type", "name", "wikidata", "subtype")))


def _mentions(record: dict) -> list[Mention]:
    return [Mention(m["id"], m["start"], m["end"], e["type"], e["id"]) for e in record.get("entities", []) for m in e.get("mentions", [])]


def _diff_mentions(sides: _Sides) -> list[Change]:
    """Mentions matched by their offsets (`alignment.match_mentions`, exact), in text order."""
    old, new = _mentions(sides.old), _mentions(sides.new)
    pairs = _with_unpaired(old, new, match_mentions(old, new, exact=True, typed=False))
    pairs.sort(key=lambda pair: ((pair[1] or pair[0]).start, (pair[1] or pair[0]).end))  # stable: pairs, removed, added
    return _layer_changes(sides, "mention", pairs,
                          what=lambda m, _: f"{m.type} {m.id}",
                          summary=lambda m, new_side: f"{'in' if new_side else 'was in'} {sides.ename(m.entity, new_side)}",
                          span=asdict,
                          differences=lambda o, n: _mention_parts(o, n, sides))


def _mention_parts(o: Mention, n: Mention, sides: _Sides) -> list[str]:
    parts = [f"type {o.type} → {n.type}"] if o.type != n.type else []
    if sides.emap.get(o.entity) != n.entity:
        parts.append(f"coreference: {sides.ename(o.entity, False)} → {sides.ename(n.entity)}")
    return parts


def _content(quote: dict) -> list[tuple[int, int]]:
    return [(s["start"], s["end"]) for s in quote.get("content", [])]


def _span_text(span: dict | None) -> str:
    if not span:
        return "—"
    return f"«{span['text']}» {span['start']}-{span['end']}" + (f" ({span['lemma']})" if span.get("lemma") else "")


def _quote_parts(o: dict, n: dict, sides: _Sides, qmap: dict[str, str | None]) -> list[str]:
    parts = [f"content {_content(o)} → {_content(n)}"] if _content(o) != _content(n) else []
    parts += _changed(o, n, ("type", "speaker_kind"))
    for k in ("speaker", "addressee"):
        if sides.emap.get(o.get(k)) != n.get(k) or (o.get(k) is None) != (n.get(k) is None):
            parts.append(f"{k} {sides.ename(o.get(k), False)} → {sides.ename(n.get(k))}")
    parts += [f"{k} {_span_text(o.get(k))} → {_span_text(n.get(k))}" for k in ("cue", "speaker_span") if o.get(k) != n.get(k)]
    if (qmap.get(o["parent"]) if o.get("parent") else None) != n.get("parent"):
        parts.append(f"parent {o.get('parent') or '—'} → {n.get('parent') or '—'}")
    return parts


def _diff_quotes(sides: _Sides) -> list[Change]:
    pairs = _pair(sides.old.get("quotes", []), sides.new.get("quotes", []), lambda q: tuple(_content(q)), _content)
    qmap = {o["id"]: n["id"] if n else None for o, n in pairs if o is not None}
    return _layer_changes(sides, "quote", pairs,
                          what=lambda q, _: f"{q['type']} {q['id']}",
                          summary=lambda q, new_side: f"speaker {sides.ename(q.get('speaker'), new_side)}",
                          span=lambda q: q["content"][0],
                          differences=lambda o, n: _quote_parts(o, n, sides, qmap))


def _trigger(event: dict) -> list[tuple[int, int]]:
    return [(event["trigger"]["start"], event["trigger"]["end"])]


def _event_summary(v: dict, name) -> str:
    parts = [f"{k} " + ", ".join(name(i) for i in v[k]) for k in ("actor", "recipient") if v.get(k)]
    parts += [f"{a['role']} {name(a['entity'])}" for a in v.get("arguments", [])]
    return "; ".join(parts)


def _event_parts(o: dict, n: dict, sides: _Sides) -> list[str]:
    parts = [f"trigger «{o['trigger']['text']}» → «{n['trigger']['text']}»"] if _trigger(o) != _trigger(n) else []
    parts += _changed(o, n, ("category", "mode", "context", *event_markers(), "magnitude"))
    for k in ("actor", "recipient"):
        if [sides.emap.get(i) for i in o.get(k, [])] != n.get(k, []):
            parts.append(f"{k} [{', '.join(sides.ename(i, False) for i in o.get(k, []))}] → [{', '.join(sides.ename(i) for i in n.get(k, []))}]")
    if [(a["role"], sides.emap.get(a["entity"])) for a in o.get("arguments", [])] != [(a["role"], a["entity"]) for a in n.get("arguments", [])]:
        show = lambda args, new_side: ", ".join(f"{a['role']}={sides.ename(a['entity'], new_side)}" for a in args) or "—"  # noqa: E731
        parts.append(f"arguments {show(o.get('arguments', []), False)} → {show(n.get('arguments', []), True)}")
    return parts


def _diff_events(sides: _Sides) -> list[Change]:
    return _layer_changes(sides, "event", _pair(sides.old.get("events", []), sides.new.get("events", []),
                                                lambda v: tuple(_trigger(v)), _trigger),
                          what=lambda v, _: f"{v['category']} {v['id']}",
                          summary=lambda v, new_side: _event_summary(v, lambda i: sides.ename(i, new_side)),
                          span=lambda v: v["trigger"],
                          differences=lambda o, n: _event_parts(o, n, sides))


def diff_records(old: dict, new: dict, width: int = CONTEXT) -> list[Change]:
    """What changed from `old` to `new` (two versions of one article): split, text and metadata,
    then entities, mentions, quotes and events, each layer matched by position (ids are the
    tools', not stable)."""
    sides = _Sides(old, new, width)
    return [*_diff_article(old, new), *_diff_entities(sides), *_diff_mentions(sides), *_diff_quotes(sides), *_diff_events(sides)]


def diff_sides(old: dict, new: dict, old_label: str, new_label: str, width: int = CONTEXT) -> DiffResult:
    result = DiffResult(old_label, new_label)
    for article_id in sorted(set(old) | set(new)):
        if article_id not in old or article_id not in new:
            status, (record, where) = ("added", new[article_id]) if article_id not in old else ("removed", old[article_id])
            result.articles.append(ArticleDiff(article_id, status, record.get("split"), _counts(record), where=where))
        else:
            try:
                changes = diff_records(old[article_id][0], new[article_id][0], width)
            except (KeyError, TypeError, AttributeError, IndexError, ValueError) as exc:
                raise DiffError(f"{new[article_id][1]} [{article_id}]: not a valid record (missing or wrong {exc}); "
                                "run akhbar validate on both sides") from None
            if changes:
                result.articles.append(ArticleDiff(article_id, "changed", new[article_id][0].get("split"), changes=changes,
                                                   where=new[article_id][1]))
    return result


# ---- rendering -------------------------------------------------------------------------------

SIGN = {"added": "➕", "removed": "➖", "changed": "✏️"}


def _cell(s: str) -> str:
    return cell(s).replace("<", "&lt;").replace(">", "&gt;")


def to_markdown(result: DiffResult, max_rows: int = 200) -> str:
    t = result.totals()
    out = ["## Akhbar annotation diff", "", f"`{result.old}` → `{result.new}`", ""]
    if not result.articles:
        return "\n".join(out + ["No annotation changes.", ""])
    line = f"**Articles:** {t['articles_added']} added, {t['articles_removed']} removed, {t['articles_changed']} changed."
    layers = []
    for layer in PLURAL.values():
        a, r, c = (t.get(f"{layer}_{k}", 0) for k in ("added", "removed", "changed"))
        if a or r or c:
            layers.append(f"{layer} +{a} −{r} ~{c}")
    out.append(line + (" **Annotations:** " + ", ".join(layers) + "." if layers else ""))
    out.append("")
    if result.errors:
        out += ["> [!CAUTION]", f"> **{len(result.errors)} error(s)**: splits never move once an article is released."]
        out += [f"> - `{a.id}`: {c.detail}" for a, c in result.errors]
        out.append("")
    for article in result.articles:
        out.append(f"### {SIGN[article.status]} `{article.id}` ({article.status}, {article.split})")
        out.append("")
        if article.status != "changed":
            out += [", ".join(f"{n} {layer}" for layer, n in article.counts.items()) + ".", ""]
            continue
        out += ["| | layer | annotation | change | in context |", "|---|---|---|---|---|"]
        for change in article.changes[:max_rows]:
            ctx = f'<span dir="rtl">{_cell(change.context)}</span>' if change.context else ""
            out.append(f"| {SIGN[change.change]} | {change.layer} | {_cell(change.what)} | {_cell(change.detail)} | {ctx} |")
        if len(article.changes) > max_rows:
            out.append(f"| | | | … and {len(article.changes) - max_rows} more | |")
        out.append("")
    return "\n".join(out)
