"""SYNTHETIC test material: invented sentences shaped like Arabic news, for tests only.

Nothing here is real news and nothing here may ever be written into corpus/. Records are
built by code with offsets computed from the text, so they are valid by construction; tests
mutate them to produce each failure.
"""

from __future__ import annotations

import copy
import hashlib
from pathlib import Path

from akhbar.records import dumps_canonical

SYNTHETIC_TEXT = (
    "تعاون عسكري جديد\n"
    "قال المتحدث العسكري أحمد علي في القاهرة إن \"التعاون مع ليبيا مستمر\". "
    "وأضاف أن مصر ستقدم دعماً للجيش الليبي.\n"
    "واتهم الناشط سالم يوسف الميليشيات بمهاجمة مدينة سرت."
)


def _span(text: str, surface: str, occurrence: int = 0) -> dict:
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(surface, start + 1)
    return {"start": start, "end": start + len(surface), "text": surface}


def synthetic_record(article_id: str = "synthetic-00000000000000a1", split: str = "train") -> dict:
    t = SYNTHETIC_TEXT
    lines = t.split("\n")
    blocks, offset = [], 0
    for kind, line in zip(("heading", "paragraph", "paragraph"), lines, strict=True):
        blocks.append({"start": offset, "end": offset + len(line), "kind": kind})
        offset += len(line) + 1

    def mention(mid: str, surface: str, occurrence: int = 0) -> dict:
        return {"id": mid, **_span(t, surface, occurrence)}

    return {
        "id": article_id,
        "schema_version": "1.1.0",
        "split": split,
        "language": "ar",
        "title": None,
        "text": t,
        "blocks": blocks,
        "source": {
            "publisher": "Synthetic",
            "url": None,
            "published": None,
            "author": None,
            "dateline": None,
            "raw_file": f"corpus/raw/synthetic/{article_id}.txt",
            "raw_sha256": hashlib.sha256(t.encode("utf-8")).hexdigest(),
            "collection": None,
            "section": None,
            "revision": None,
            "locator": None,
            "text_derivation": None,
            "translation": None,
        },
        "license": {"text": "CC0-1.0", "attribution": None, "annotations": "CC0-1.0"},
        "entities": [
            {"id": "e1", "type": "PERS", "subtype": None, "name": "أحمد علي", "wikidata": None,
             "mentions": [mention("m1", "أحمد علي")]},
            {"id": "e2", "type": "GPE", "subtype": None, "name": "القاهرة", "wikidata": None,
             "mentions": [mention("m2", "القاهرة")]},
            {"id": "e3", "type": "GPE", "subtype": None, "name": "ليبيا", "wikidata": None,
             "mentions": [mention("m3", "ليبيا")]},
            {"id": "e4", "type": "GPE", "subtype": None, "name": "مصر", "wikidata": None,
             "mentions": [mention("m4", "مصر")]},
            {"id": "e5", "type": "ORG", "subtype": None, "name": "الجيش الليبي", "wikidata": None,
             "mentions": [mention("m5", "لجيش الليبي")]},
            {"id": "e6", "type": "NORP", "subtype": None, "name": "ليبي", "wikidata": None,
             "mentions": [mention("m6", "الليبي")]},
            {"id": "e7", "type": "OCC", "subtype": None, "name": "متحدث عسكري", "wikidata": None,
             "mentions": [mention("m7", "المتحدث العسكري")]},
            {"id": "e8", "type": "PERS", "subtype": None, "name": "سالم يوسف", "wikidata": None,
             "mentions": [mention("m8", "سالم يوسف")]},
            {"id": "e9", "type": "GPE", "subtype": None, "name": "سرت", "wikidata": None,
             "mentions": [mention("m9", "سرت")]},
        ],
        "quotes": [
            {"id": "q1", "type": "direct", "content": [_span(t, "التعاون مع ليبيا مستمر")],
             "cue": {**_span(t, "قال"), "lemma": "قال"}, "speaker": "e1", "speaker_kind": "named",
             "speaker_span": _span(t, "المتحدث العسكري أحمد علي"), "addressee": None, "parent": None},
            {"id": "q2", "type": "indirect", "content": [_span(t, "مصر ستقدم دعماً للجيش الليبي")],
             "cue": {**_span(t, "أضاف"), "lemma": "أضاف"}, "speaker": "e1", "speaker_kind": "pronoun",
             "speaker_span": None, "addressee": None, "parent": None},
        ],
        "events": [
            {"id": "v1", "category": "AID", "mode": None, "context": ["military"],
             "trigger": _span(t, "دعماً"), "actor": ["e4"], "recipient": ["e5"], "arguments": [],
             "negated": False, "future": True, "hypothetical": False, "historical": False,
             "magnitude": {"dead": None, "injured": None, "arrested": None}},
            {"id": "v2", "category": "ACCUSE", "mode": "allege", "context": [],
             "trigger": _span(t, "اتهم"), "actor": ["e8"], "recipient": [], "arguments": [],
             "negated": False, "future": False, "hypothetical": False, "historical": False,
             "magnitude": {"dead": None, "injured": None, "arrested": None}},
            {"id": "v3", "category": "ASSAULT", "mode": None, "context": [],
             "trigger": _span(t, "مهاجمة"), "actor": [], "recipient": ["e9"],
             "arguments": [{"role": "place", "entity": "e9"}],
             "negated": False, "future": False, "hypothetical": False, "historical": False,
             "magnitude": {"dead": None, "injured": None, "arrested": None}},
        ],
        "annotation": {"status": "gold", "annotators": ["synthetic"], "guidelines_version": "0.1.0", "updated": "2026-11-29",
                       "layers": {"entities": "done", "quotes": "done", "events": "done"}},
    }


def write_corpus(root: Path, records: list[dict], shard: str = "synthetic.jsonl", raw: bool = True) -> Path:
    """Write records as a shard under root/corpus/articles/ (with their raw files) and return
    the shard's path. Records are deep-copied; the caller's stay untouched."""
    articles = root / "corpus" / "articles"
    articles.mkdir(parents=True, exist_ok=True)
    path = articles / shard
    with open(path, "wb") as f:
        for record in records:
            f.write(dumps_canonical(copy.deepcopy(record)) + b"\n")
    if raw:
        for record in records:
            raw_path = root / record["source"]["raw_file"]
            raw_path.parent.mkdir(parents=True, exist_ok=True)
            raw_path.write_bytes(record["text"].encode("utf-8"))
    return path
