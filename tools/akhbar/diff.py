"""Annotation-level diff between two versions of the corpus: `akhbar diff OLD NEW`.

Each side is a file or folder of shards, or a git revision of the repository (its shards
under corpus/). Articles are matched by id. Inside an article, annotations are matched by
where they are, not by their ids (tools renumber ids): mentions by offsets; entities by the
largest overlap of their mention sets; quotes by content fragments (exact, then
overlapping); events by trigger (exact, then overlapping). Each difference is shown with the
surrounding Arabic text. A split change of an article that exists on the OLD side is an
error: splits are frozen once released.
"""

from __future__ import annotations

import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path

from akhbar.git import GitError, run_git
from akhbar.paths import shards_under
from akhbar.records import parse_line

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


class DiffError(Exception):
    """A side that cannot be read (unknown revision, unparsable line): one message."""


# ---- loading ---------------------------------------------------------------------------------


def _git(repo: Path, *args: str) -> bytes:
    try:
        return run_git(repo, *args)
    except GitError as exc:
        raise DiffError(f"git {' '.join(args)}: {exc}") from None


def _is_revision(repo: Path, spec: str) -> bool:
    try:
        subprocess.run(["git", "-C", str(repo), "rev-parse", "--verify", "--quiet", f"{spec}^{{commit}}"],
                       check=True, capture_output=True)
        return True
    except (FileNotFoundError, subprocess.CalledProcessError):
        return False


def _parse(data: bytes, where: str, out: dict) -> None:
    for number, raw in enumerate(data.split(b"\n"), start=1):
        raw = raw.rstrip(b"\r")
        if number == 1:
            raw = raw.removeprefix(b"\xef\xbb\xbf")
        if not raw.strip():
            continue
        try:
            record = parse_line(raw).value
        except UnicodeDecodeError:
            record = None
        if not isinstance(record, dict) or not isinstance(record.get("id"), str) or not isinstance(record.get("text"), str):
            raise DiffError(f"{where}:{number}: not a record (run akhbar validate)")
        out[record["id"]] = (record, f"{where}:{number}")


def load_side(spec: str, repo: Path) -> dict[str, tuple[dict, str]]:
    """Records by id, with where each was read ("file:line" or "REV:path:line")."""
    records: dict[str, tuple[dict, str]] = {}
    path = Path(spec)
    if not spec.startswith("git:") and path.exists():
        files = [path] if path.is_file() else shards_under(path)
        for f in files:
            _parse(f.read_bytes(), str(f), records)
        return records
    rev = spec.removeprefix("git:")
    if not _is_revision(repo, rev):
        raise DiffError(f"{spec}: neither a file or folder nor a git revision of {repo}")
    names = _git(repo, "ls-tree", "-r", "--name-only", rev, "--", "corpus").decode("utf-8").splitlines()
    for name in sorted(n for n in names if n.endswith(".jsonl") and not n.startswith("corpus/raw/")):
        _parse(_git(repo, "show", f"{rev}:{name}"), f"{rev}:{name}", records)
    return records


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
    def errors(self) -> list[tuple[str, Change]]:
        return [(a.id, c) for a in self.articles for c in a.changes if c.error]

    def totals(self) -> dict:
        totals = {"articles_added": 0, "articles_removed": 0, "articles_changed": 0}
        for article in self.articles:
            totals[f"articles_{article.status}"] += 1
            for c in article.changes:
                if c.layer in ("mention", "entity", "quote", "event"):
                    key = f"{PLURAL[c.layer]}_{c.change}"
                    totals[key] = totals.get(key, 0) + 1
        totals["errors"] = len(self.errors)
        return totals

    def as_json(self) -> dict:
        return {"old": self.old, "new": self.new, "summary": self.totals(),
                "articles": [asdict(a) for a in self.articles]}


def context(text: str, start: int, end: int, width: int = CONTEXT, mark=("«", "»")) -> str:
    left = text[max(0, start - width):start]
    right = text[end:end + width]
    flat = lambda s: s.replace("\n", " ⏎ ")  # noqa: E731
    return ("…" if start > width else "") + flat(left) + mark[0] + flat(text[start:end]) + mark[1] + flat(right) + (
        "…" if end + width < len(text) else "")


def _counts(record: dict) -> dict:
    return {"mentions": sum(len(e.get("mentions", [])) for e in record.get("entities", [])),
            "entities": len(record.get("entities", [])), "quotes": len(record.get("quotes", [])),
            "events": len(record.get("events", []))}


def _overlap(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> int:
    return sum(max(0, min(e1, e2) - max(s1, s2)) for s1, e1 in a for s2, e2 in b)


def _match(old: list, new: list, key, spans) -> list[tuple[object | None, object | None]]:
    """Pairs (old, new): exact keys first, then the largest span overlap, then the rest alone."""
    pairs = []
    new_left = list(new)
    old_left = []
    by_key: dict = {}
    for item in new_left:
        by_key.setdefault(key(item), []).append(item)
    for item in old:
        bucket = by_key.get(key(item))
        if bucket:
            other = bucket.pop(0)
            new_left.remove(other)
            pairs.append((item, other))
        else:
            old_left.append(item)
    candidates = sorted(((_overlap(spans(o), spans(n)), i, j) for i, o in enumerate(old_left) for j, n in enumerate(new_left)),
                        key=lambda t: (-t[0], t[1], t[2]))
    used_o, used_n = set(), set()
    for score, i, j in candidates:
        if score <= 0:
            break
        if i not in used_o and j not in used_n:
            used_o.add(i)
            used_n.add(j)
            pairs.append((old_left[i], new_left[j]))
    pairs += [(o, None) for i, o in enumerate(old_left) if i not in used_o]
    pairs += [(None, n) for j, n in enumerate(new_left) if j not in used_n]
    return pairs


def diff_records(old: dict, new: dict, width: int = CONTEXT) -> list[Change]:
    changes: list[Change] = []
    text_old, text = old["text"], new["text"]

    def ctx(span: dict, t: str | None = None) -> str:
        return context(t if t is not None else text, span["start"], span["end"], width)

    if old.get("split") != new.get("split"):
        changes.append(Change("split", "changed", new["id"], f"split {old.get('split')} → {new.get('split')}: "
                              "splits are frozen once an article is released", error=True))
    if text_old != text:
        changes.append(Change("text", "changed", "text", f"{len(text_old)} → {len(text)} characters; "
                              "annotations below are compared by offsets"))
    for key in ("title", "blocks", "source", "license", "annotation", "language", "schema_version"):
        if old.get(key) != new.get(key):
            if key == "annotation":
                parts = [f"{k} {_v(old[key].get(k))} → {_v(new[key].get(k))}" for k in new.get(key, {})
                         if isinstance(old.get(key), dict) and old[key].get(k) != new[key].get(k)]
                changes.append(Change("metadata", "changed", key, "; ".join(parts)))
            else:
                changes.append(Change("metadata", "changed", key))

    # Entities, matched by their mention sets; the mapping translates references.
    ents_old, ents_new = old.get("entities", []), new.get("entities", [])
    mention_spans = lambda e: [(m["start"], m["end"]) for m in e.get("mentions", [])]  # noqa: E731
    entity_pairs = _match(ents_old, ents_new, lambda e: (e.get("type"), tuple(mention_spans(e))), mention_spans)
    emap: dict[str, str | None] = {}
    old_ents = {e["id"]: e for e in ents_old}
    new_ents = {e["id"]: e for e in ents_new}
    for o, n in entity_pairs:
        if o is not None:
            emap[o["id"]] = n["id"] if n is not None else None

    def ename(eid: str | None, new_side: bool = True) -> str:
        if eid is None:
            return "—"
        e = (new_ents if new_side else old_ents).get(eid)
        return f"{eid} {e['type']} «{e['name']}»" if e else eid

    def emapped(ids: list[str]) -> list[str | None]:
        return [emap.get(i) for i in ids]

    for o, n in entity_pairs:
        if o is None:
            changes.append(Change("entity", "added", ename(n["id"]), f"{len(n['mentions'])} mention(s)", ctx(n["mentions"][0])))
        elif n is None:
            changes.append(Change("entity", "removed", ename(o["id"], False), f"{len(o['mentions'])} mention(s)",
                                  ctx(o["mentions"][0], text_old)))
        else:
            parts = [f"{k} {_v(o.get(k))} → {_v(n.get(k))}" for k in ("type", "name", "wikidata", "subtype") if o.get(k) != n.get(k)]
            if parts:
                changes.append(Change("entity", "changed", ename(n["id"]), "; ".join(parts), ctx(n["mentions"][0])))

    # Mentions, by offsets.
    m_old = {(m["start"], m["end"]): (m, e) for e in ents_old for m in e.get("mentions", [])}
    m_new = {(m["start"], m["end"]): (m, e) for e in ents_new for m in e.get("mentions", [])}
    for key in sorted(set(m_old) | set(m_new)):
        if key not in m_old:
            m, e = m_new[key]
            changes.append(Change("mention", "added", f"{e['type']} {m['id']}", f"in {ename(e['id'])}", ctx(m)))
        elif key not in m_new:
            m, e = m_old[key]
            changes.append(Change("mention", "removed", f"{e['type']} {m['id']}", f"was in {ename(e['id'], False)}", ctx(m, text_old)))
        else:
            (_, eo), (mn, en) = m_old[key], m_new[key]
            parts = []
            if eo["type"] != en["type"]:
                parts.append(f"type {eo['type']} → {en['type']}")
            if emap.get(eo["id"]) != en["id"]:
                parts.append(f"coreference: {ename(eo['id'], False)} → {ename(en['id'])}")
            if parts:
                changes.append(Change("mention", "changed", f"{en['type']} {mn['id']}", "; ".join(parts), ctx(mn)))

    # Quotes.
    q_old, q_new = old.get("quotes", []), new.get("quotes", [])
    content = lambda q: [(s["start"], s["end"]) for s in q.get("content", [])]  # noqa: E731
    quote_pairs = _match(q_old, q_new, lambda q: tuple(content(q)), content)
    qmap = {o["id"]: n["id"] if n else None for o, n in quote_pairs if o is not None}
    for o, n in quote_pairs:
        if o is None:
            changes.append(Change("quote", "added", f"{n['type']} {n['id']}", f"speaker {ename(n.get('speaker'))}", ctx(n["content"][0])))
        elif n is None:
            changes.append(Change("quote", "removed", f"{o['type']} {o['id']}", f"speaker {ename(o.get('speaker'), False)}",
                                  ctx(o["content"][0], text_old)))
        else:
            parts = []
            if content(o) != content(n):
                parts.append(f"content {content(o)} → {content(n)}")
            for k in ("type", "speaker_kind"):
                if o.get(k) != n.get(k):
                    parts.append(f"{k} {_v(o.get(k))} → {_v(n.get(k))}")
            for k in ("speaker", "addressee"):
                if (emap.get(o[k]) if o.get(k) else None) != n.get(k) or (o.get(k) is None) != (n.get(k) is None):
                    parts.append(f"{k} {ename(o.get(k), False)} → {ename(n.get(k))}")
            for k in ("cue", "speaker_span"):
                if o.get(k) != n.get(k):
                    fmt = lambda s: "—" if not s else f"«{s['text']}» {s['start']}-{s['end']}" + (f" ({s['lemma']})" if s.get("lemma") else "")  # noqa: E731
                    parts.append(f"{k} {fmt(o.get(k))} → {fmt(n.get(k))}")
            if (qmap.get(o["parent"]) if o.get("parent") else None) != n.get("parent"):
                parts.append(f"parent {o.get('parent') or '—'} → {n.get('parent') or '—'}")
            if parts:
                changes.append(Change("quote", "changed", f"{n['type']} {n['id']}", "; ".join(parts), ctx(n["content"][0])))

    # Events.
    v_old, v_new = old.get("events", []), new.get("events", [])
    trig = lambda v: [(v["trigger"]["start"], v["trigger"]["end"])]  # noqa: E731
    event_pairs = _match(v_old, v_new, lambda v: tuple(trig(v)), trig)
    for o, n in event_pairs:
        if o is None:
            changes.append(Change("event", "added", f"{n['category']} {n['id']}", _event_summary(n, ename), ctx(n["trigger"])))
        elif n is None:
            changes.append(Change("event", "removed", f"{o['category']} {o['id']}", _event_summary(o, lambda i: ename(i, False)),
                                  ctx(o["trigger"], text_old)))
        else:
            parts = []
            if trig(o) != trig(n):
                parts.append(f"trigger «{o['trigger']['text']}» → «{n['trigger']['text']}»")
            for k in ("category", "mode", "context", "negated", "future", "hypothetical", "historical", "magnitude"):
                if o.get(k) != n.get(k):
                    parts.append(f"{k} {_v(o.get(k))} → {_v(n.get(k))}")
            for k in ("actor", "recipient"):
                if emapped(o.get(k, [])) != n.get(k, []):
                    parts.append(f"{k} [{', '.join(ename(i, False) for i in o.get(k, []))}] → [{', '.join(ename(i) for i in n.get(k, []))}]")
            args_o = [(a["role"], emap.get(a["entity"])) for a in o.get("arguments", [])]
            args_n = [(a["role"], a["entity"]) for a in n.get("arguments", [])]
            if args_o != args_n:
                show = lambda args, side: ", ".join(f"{a['role']}={ename(a['entity'], side)}" for a in args) or "—"  # noqa: E731
                parts.append(f"arguments {show(o.get('arguments', []), False)} → {show(n.get('arguments', []), True)}")
            if parts:
                changes.append(Change("event", "changed", f"{n['category']} {n['id']}", "; ".join(parts), ctx(n["trigger"])))
    return changes


def _event_summary(v: dict, name) -> str:
    parts = []
    if v.get("actor"):
        parts.append("actor " + ", ".join(name(i) for i in v["actor"]))
    if v.get("recipient"):
        parts.append("recipient " + ", ".join(name(i) for i in v["recipient"]))
    parts += [f"{a['role']} {name(a['entity'])}" for a in v.get("arguments", [])]
    return "; ".join(parts)


def diff_sides(old: dict, new: dict, old_label: str, new_label: str, width: int = CONTEXT) -> DiffResult:
    result = DiffResult(old_label, new_label)
    for article_id in sorted(set(old) | set(new)):
        if article_id not in old:
            record, where = new[article_id]
            result.articles.append(ArticleDiff(article_id, "added", record.get("split"), _counts(record), where=where))
        elif article_id not in new:
            record, where = old[article_id]
            result.articles.append(ArticleDiff(article_id, "removed", record.get("split"), _counts(record), where=where))
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
    return s.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;").replace("\n", " ")


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
        out += [f"> - `{aid}`: {c.detail}" for aid, c in result.errors]
        out.append("")
    for article in result.articles:
        out.append(f"### {SIGN[article.status]} `{article.id}` ({article.status}, {article.split})")
        out.append("")
        if article.status != "changed":
            c = article.counts
            out += [f"{c['mentions']} mentions, {c['entities']} entities, {c['quotes']} quotes, {c['events']} events.", ""]
            continue
        out += ["| | layer | annotation | change | in context |", "|---|---|---|---|---|"]
        for change in article.changes[:max_rows]:
            ctx = f'<span dir="rtl">{_cell(change.context)}</span>' if change.context else ""
            what = _cell(change.what)
            out.append(f"| {SIGN[change.change]} | {change.layer} | {what} | {_cell(change.detail)} | {ctx} |")
        if len(article.changes) > max_rows:
            out.append(f"| | | | … and {len(article.changes) - max_rows} more | |")
        out.append("")
    return "\n".join(out)
