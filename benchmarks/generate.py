"""Generate SYNTHETIC benchmark corpora by recombining the annotated paragraphs of a source record.

Nothing written here is real news: every record has an id `synthetic-<16 hex>`, the publisher
"SYNTHETIC benchmark material", and is written under an output folder outside the repository's
corpus/ (default /tmp/akhbar-bench). The paragraphs are real sentences of the source article
(with their real annotations), shuffled into new articles, so the records have the size and the
annotation density of the seed article while being meaningless as news.

Layout of one generated corpus (so that `akhbar validate <out>/n1000` checks provenance too):

    <out>/n<N>/corpus/articles/synthetic-<NNNN>.jsonl   (records sorted by id, canonical form)
    <out>/n<N>/corpus/raw/synthetic/source.txt          (one raw file every record points at)

With --non-canonical the same records are written to <out>/n<N>-noncanonical/ the way a
contributor's own script would write them: `json.dumps(record, ensure_ascii=False,
sort_keys=True)`, i.e. with spaces after separators and keys in alphabetical rather than
schema order (valid records, each of which `akhbar validate` warns is not canonical).

Usage:
    python benchmarks/generate.py [--sizes 1000,10000] [--out DIR] [--source FILE] [--seed N] [--non-canonical]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import orjson

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUT = Path("/tmp/akhbar-bench")
PUBLISHER = "SYNTHETIC benchmark material"
RAW_REL = "corpus/raw/synthetic/source.txt"
# Below this many characters an article is smaller than the seed; the fallback source (a
# three-paragraph test record) is scaled up to about the seed's length.
MIN_ARTICLE_CHARS = 5000


class GenerateError(Exception):
    pass


# ---- the source: cut into self-contained paragraphs ------------------------------------------


@dataclass
class Paragraph:
    """One block of the source with the annotations wholly inside it, offsets relative to the
    block start."""

    kind: str
    text: str
    mentions: list[tuple[str, dict]] = field(default_factory=list)  # (source entity id, mention)
    quotes: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)


def _inside(span: dict | None, start: int, end: int) -> bool:
    return span is None or (start <= span["start"] and span["end"] <= end)


def _shift(span: dict | None, delta: int) -> dict | None:
    if span is None:
        return None
    out = {"start": span["start"] + delta, "end": span["end"] + delta, "text": span["text"]}
    if "lemma" in span:
        out["lemma"] = span["lemma"]
    return out


def paragraphs_of(record: dict) -> list[Paragraph]:
    text = record["text"]
    result = []
    for block in record["blocks"]:
        a, b = block["start"], block["end"]
        p = Paragraph(block["kind"], text[a:b])
        for entity in record["entities"]:
            for m in entity["mentions"]:
                if _inside(m, a, b):
                    p.mentions.append((entity["id"], {"id": m["id"], **_shift(m, -a)}))
        for q in record["quotes"]:
            if all(_inside(c, a, b) for c in q["content"]) and _inside(q["cue"], a, b) and _inside(q["speaker_span"], a, b):
                p.quotes.append({**q, "content": [_shift(c, -a) for c in q["content"]], "cue": _shift(q["cue"], -a),
                                 "speaker_span": _shift(q["speaker_span"], -a)})
        for v in record["events"]:
            if _inside(v["trigger"], a, b):
                p.events.append({**v, "trigger": _shift(v["trigger"], -a)})
        result.append(p)
    return result


def annotated(record: dict) -> bool:
    return bool(record.get("entities"))


def load_source(path: Path | None) -> tuple[dict, Path | None, str]:
    """(source record, its raw file if any, a note on where it came from)."""
    if path is not None:
        try:
            record = orjson.loads(path.read_bytes().splitlines()[0])
        except (OSError, IndexError, orjson.JSONDecodeError) as exc:
            raise GenerateError(f"{path}: cannot read a record ({exc})") from None
        if not annotated(record):
            raise GenerateError(f"{path}: the record has no entities; give an annotated source")
        return record, _raw_of(record, REPO), f"source: {path}"
    for shard in sorted((REPO / "corpus" / "articles").glob("*.jsonl")):
        for line in shard.read_bytes().splitlines():
            if line.strip():
                record = orjson.loads(line)
                if annotated(record):
                    return record, _raw_of(record, REPO), f"source: {shard.relative_to(REPO)} ({record['id']})"
    sys.path.insert(0, str(REPO / "tests"))
    from synthetic import synthetic_record  # the test record: valid by construction

    return (synthetic_record(), None,
            "source: FALLBACK - no annotated article in corpus/ and no --source; using the small "
            "synthetic test record (tests/synthetic.py), scaled up to seed-sized articles")


def _raw_of(record: dict, root: Path) -> Path | None:
    raw = root / record["source"]["raw_file"]
    return raw if raw.is_file() else None


# ---- one generated article ------------------------------------------------------------------


def make_article(article_id: str, split: str, paragraphs: list[Paragraph], source: dict, raw_sha: str) -> dict:
    texts, blocks = [], []
    entity_ids: dict[str, str] = {}  # source entity id -> new id, in order of first mention
    entity_mentions: dict[str, list[dict]] = {}
    quotes, events = [], []
    counters = {"m": 0, "q": 0, "v": 0}
    offset = 0
    pending_refs = []  # (quote/event, per-paragraph quote id map)
    for p in paragraphs:
        blocks.append({"start": offset, "end": offset + len(p.text), "kind": p.kind})
        for source_entity, m in p.mentions:
            new = entity_ids.setdefault(source_entity, f"e{len(entity_ids) + 1}")
            counters["m"] += 1
            entity_mentions.setdefault(new, []).append(
                {"id": f"m{counters['m']}", "start": m["start"] + offset, "end": m["end"] + offset, "text": m["text"]})
        quote_map = {}
        for q in p.quotes:
            counters["q"] += 1
            quote_map[q["id"]] = f"q{counters['q']}"
        for q in p.quotes:
            quotes.append(q := {**q, "id": quote_map[q["id"]], "content": [_shift(c, offset) for c in q["content"]],
                                "cue": _shift(q["cue"], offset), "speaker_span": _shift(q["speaker_span"], offset),
                                "parent": quote_map.get(q["parent"])})
            pending_refs.append(q)
        for v in p.events:
            counters["v"] += 1
            events.append(v := {**v, "id": f"v{counters['v']}", "trigger": _shift(v["trigger"], offset)})
            pending_refs.append(v)
        texts.append(p.text)
        offset += len(p.text) + 1

    # References resolve to the generated article's entities; an entity none of whose mentions
    # landed in this article is dropped from the reference (never a dangling id).
    def ref(e):
        return entity_ids.get(e) if e is not None else None

    for item in pending_refs:
        if "speaker" in item:
            item["speaker"], item["addressee"] = ref(item["speaker"]), ref(item["addressee"])
            if item["speaker"] is None and item["speaker_kind"] == "named":
                item["speaker_kind"] = "implicit"
        else:
            item["actor"] = [x for e in item["actor"] if (x := ref(e))]
            if item["recipient"] and not any(ref(e) for e in item["recipient"]):
                item["drop"] = True  # its recipient is mentioned only in paragraphs not drawn
            item["recipient"] = [x for e in item["recipient"] if (x := ref(e))]
            item["arguments"] = [{"role": a["role"], "entity": x} for a in item["arguments"] if (x := ref(a["entity"]))]

    by_source = {e["id"]: e for e in source["entities"]}
    entities = []
    for source_entity, new in entity_ids.items():
        e = by_source[source_entity]
        entities.append({"id": new, "type": e["type"], "subtype": e["subtype"], "name": e["name"],
                         "wikidata": e["wikidata"], "mentions": entity_mentions[new]})
    quotes = [{k: q[k] for k in ("id", "type", "content", "cue", "speaker", "speaker_kind", "speaker_span",
                                 "addressee", "parent")} for q in quotes]
    events = [v for v in events if not v.get("drop")]
    for number, v in enumerate(events, start=1):
        v["id"] = f"v{number}"
    events = [{k: v[k] for k in ("id", "category", "mode", "context", "trigger", "actor", "recipient", "arguments",
                                 "negated", "future", "hypothetical", "historical", "magnitude")} for v in events]
    # Keys in the schema's order: orjson.dumps of this dict is the canonical serialization.
    return {
        "id": article_id,
        "schema_version": source["schema_version"],
        "split": split,
        "language": "ar",
        "title": None,
        "text": "\n".join(texts),
        "blocks": blocks,
        "source": {"publisher": PUBLISHER, "url": None, "published": None, "author": None, "dateline": None,
                   "raw_file": RAW_REL, "raw_sha256": raw_sha},
        "license": dict(source["license"]),
        "entities": entities,
        "quotes": quotes,
        "events": events,
        "annotation": {"status": "silver", "annotators": ["SYNTHETIC generator"],
                       "guidelines_version": source["annotation"]["guidelines_version"],
                       "updated": source["annotation"]["updated"]},
    }


def folder_name(n: int, canonical: bool = True) -> str:
    return f"n{n}" if canonical else f"n{n}-noncanonical"


def generate(n: int, out: Path, source: dict, raw: Path | None, seed: int = 0, shards: int = 1,
             canonical: bool = True) -> Path:
    """Write a corpus of `n` SYNTHETIC articles under out/n<N>/ (canonical) or
    out/n<N>-noncanonical/ (the same records as json.dumps writes them) and return that
    folder."""
    paras = [p for p in paragraphs_of(source) if p.text]
    if not paras:
        raise GenerateError("the source record has no blocks to recombine")
    size = sum(len(p.text) + 1 for p in paras)
    per_article = len(paras) if size >= MIN_ARTICLE_CHARS else max(len(paras), round(len(paras) * MIN_ARTICLE_CHARS / size))
    rng = random.Random(seed)
    ids = sorted({f"synthetic-{hashlib.sha256(f'{seed}:{i}'.encode()).hexdigest()[:16]}" for i in range(n)})
    if len(ids) != n:  # 64-bit prefixes of sha256 do not collide at these sizes; be sure anyway
        raise GenerateError("id collision; choose another --seed")

    target = out / folder_name(n, canonical)
    if target.exists():
        shutil.rmtree(target)
    raw_path = target / RAW_REL
    raw_path.parent.mkdir(parents=True)
    raw_bytes = raw.read_bytes() if raw else ("SYNTHETIC benchmark material\n" + source["text"]).encode("utf-8")
    raw_path.write_bytes(raw_bytes)
    raw_sha = hashlib.sha256(raw_bytes).hexdigest()
    articles = target / "corpus" / "articles"
    articles.mkdir(parents=True)

    per_shard = -(-n // shards)
    for s in range(shards):
        chunk = ids[s * per_shard:(s + 1) * per_shard]
        with open(articles / f"synthetic-{s:04d}.jsonl", "wb") as f:
            for article_id in chunk:
                draw = rng.random()
                split = "train" if draw < 0.8 else "validation" if draw < 0.9 else "test"
                chosen = [paras[rng.randrange(len(paras))] for _ in range(per_article)]
                article = make_article(article_id, split, chosen, source, raw_sha)
                if canonical:
                    f.write(orjson.dumps(article) + b"\n")
                else:
                    f.write(json.dumps(article, ensure_ascii=False, sort_keys=True).encode("utf-8") + b"\n")
    return target


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1000,10000", help="comma-separated article counts (default 1000,10000)")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})")
    ap.add_argument("--source", type=Path, help="an annotated record (first line of a JSONL file) to recombine")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--shards", type=int, default=1, help="shards per corpus (default 1: one large file)")
    ap.add_argument("--non-canonical", action="store_true",
                    help="write the records as json.dumps(ensure_ascii=False, sort_keys=True) does, to n<N>-noncanonical/")
    args = ap.parse_args(argv)
    try:
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
        if not sizes or min(sizes) < 1 or args.shards < 1:
            raise ValueError
    except ValueError:
        ap.error("--sizes must be positive integers separated by commas, --shards at least 1")
    out = args.out.resolve()
    if out == (REPO / "corpus").resolve() or (REPO / "corpus").resolve() in out.parents:
        ap.error("refusing to write SYNTHETIC material under the repository's corpus/")
    try:
        source, raw, note = load_source(args.source)
        print(note)
        for n in sizes:
            target = generate(n, out, source, raw, args.seed, args.shards, canonical=not args.non_canonical)
            nbytes = sum(p.stat().st_size for p in (target / "corpus" / "articles").glob("*.jsonl"))
            print(f"wrote {n} SYNTHETIC articles to {target} ({nbytes / 1e6:.1f} MB)")
    except GenerateError as exc:
        print(f"generate: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
