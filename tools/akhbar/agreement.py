"""The double annotations kept under agreement/<article id>/ and their agreement figures.

annotator-a vs annotator-b is the agreement before adjudication; every other annotator file
is scored against the adjudicated gold in the corpus. The docs' agreement page and the
dataset card both read their figures from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

BEFORE_ADJUDICATION = ("annotator-a", "annotator-b")
# The double-annotation samples, fixed before annotation began. Per collection: the salt, how
# articles are grouped (the Wikinews topic section; the outlet an NTREX document was
# translated from), how many per group, and how many groups at most (the largest first).
SAMPLES = {
    "wikinews-ar-qcri": ("akhbar-gold-1.1:", "section", 2, None),
    "wikinews-ar-mewsli": ("akhbar-gold-1.1:", "collection", 2, None),
    "ntrex-128-arb": ("akhbar-gold-ntrex:", "outlet", 1, 6),
}


def _group(record: dict, key: str) -> str:
    source = record["source"]
    if key == "outlet":
        return (source.get("translation") or {}).get("outlet") or source["collection"]
    return source.get(key) or source["collection"]


def double_annotation_sample(records: list[dict], collections: tuple[str, ...] | None = None) -> list[str]:
    """The ids the sampling rule picks (spread over sections or outlets, not chosen by hand):
    per group, the articles whose SHA-256 of salt + id is lowest. A group with fewer
    articles gives what it has (the Mewsli-X collection has one article)."""
    import hashlib
    from collections import defaultdict

    chosen = []
    for collection, (salt, key, per_group, most_groups) in SAMPLES.items():
        if collections is not None and collection not in collections:
            continue
        groups: dict[str, list[str]] = defaultdict(list)
        for record in records:
            if record["source"].get("collection") == collection:
                groups[_group(record, key)].append(record["id"])
        largest = sorted(groups, key=lambda g: (-len(groups[g]), g))[:most_groups]
        for group in sorted(largest):
            ids = sorted(groups[group], key=lambda i: hashlib.sha256((salt + i).encode("utf-8")).hexdigest())
            chosen.extend(ids[:per_group])
    return sorted(chosen)


@dataclass
class Pair:
    article: str
    title: str
    a: Path  # the reference side (A)
    b: Path  # the side scored against it (B)


def pairs(root: Path) -> list[Pair]:
    base = root / "agreement"
    if not base.is_dir():
        return []
    found = []
    for folder in sorted(p for p in base.iterdir() if p.is_dir()):
        names = {f.stem: f for f in sorted(folder.glob("annotator-*.jsonl"))}
        first, second = BEFORE_ADJUDICATION
        if first in names and second in names:
            found.append(Pair(folder.name, f"{first} (A) vs {second} (B), before adjudication", names[first], names[second]))
        for stem, path in names.items():
            if stem not in BEFORE_ADJUDICATION:
                found.append(Pair(folder.name, f"{stem} (B) scored against the adjudicated gold (A)",
                                  root / "corpus" / "articles", path))
    return found


def results(root: Path) -> list[tuple[Pair, dict]]:
    """(pair, `akhbar agree` JSON result) for every pair. Each file is read once: the gold
    corpus is the A side of every third annotation."""
    from functools import cache

    from akhbar.agree import compare
    from akhbar.sources import Collection, load_collection

    load = cache(load_collection)
    found = []
    for pair in pairs(root):
        a, b = load(str(pair.a)), load(str(pair.b))
        # A third annotation covers one article; the gold side is the whole corpus, whose
        # other articles would otherwise count as B's misses.
        a = Collection(a.spec, {key: located for key, located in a.records.items() if key in b.records}, a.files)
        found.append((pair, compare(a, b)))
    return found


def pooled(root: Path) -> dict | None:
    """One `akhbar agree` result for all articles annotated by both A and B, before
    adjudication: the counts of every article added up (micro-average), the corpus figure."""
    from akhbar.agree import compare
    from akhbar.sources import Collection, load_collection

    sides = (Collection("agreement/*/annotator-a.jsonl"), Collection("agreement/*/annotator-b.jsonl"))
    for pair in pairs(root):
        if pair.a.name == f"{BEFORE_ADJUDICATION[0]}.jsonl":
            for side, path in zip(sides, (pair.a, pair.b), strict=True):
                loaded = load_collection(str(path))
                side.records.update(loaded.records)
                side.files.extend(loaded.files)
    if not sides[0].records:
        return None
    return compare(*sides)


def headline(result: dict) -> dict[str, float | None]:
    """The few F1 figures a summary shows."""
    return {
        "entity mentions (exact)": result["entities"]["exact"]["micro"]["f1"],
        "coreference (B-cubed)": result["entities"]["coreference"]["f1"],
        "quotes with the same speaker": result["quotes"]["attributed"]["f1"],
        "events (trigger + category)": result["events"]["typed"]["micro"]["f1"],
        "event arguments": result["events"]["arguments"]["all"]["f1"],
    }
