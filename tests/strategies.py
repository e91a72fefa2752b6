"""Hypothesis strategies for SYNTHETIC, valid, fully annotated records (tests only).

Texts are random sequences of words drawn from Arabic letters, Latin letters, characters
outside the Basic Multilingual Plane and HTML-special characters, so the same records
exercise offsets (code points vs UTF-16), escaping and the interchange formats. Every record
is valid by construction: spans sit on word boundaries, mentions nest or are disjoint,
parents form no cycle, modes belong to their category, recipients exist where PLOVER
requires them.
"""

from __future__ import annotations

import hashlib

from hypothesis import strategies as st

from akhbar import labels

ARABIC = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
WORDS = st.one_of(
    st.text(alphabet=ARABIC, min_size=2, max_size=7),
    st.sampled_from(["<script>", "&amp;", '"x"', "a<b", "😀", "𝕏يز", "Libya", "O'Neil", "١٢٣"]),
)


@st.composite
def valid_records(draw, article_id: str = "synthetic-00000000000000f1"):
    paragraphs = draw(st.lists(st.lists(WORDS, min_size=3, max_size=12), min_size=1, max_size=3))
    text_parts, words, blocks, offset = [], [], [], 0
    for p, paragraph in enumerate(paragraphs):
        if p:
            offset += 1  # the \n
        start = offset
        for w, word in enumerate(paragraph):
            if w:
                offset += 1
            words.append((offset, offset + len(word)))
            offset += len(word)
        blocks.append({"start": start, "end": offset, "kind": "paragraph"})
        text_parts.append(" ".join(paragraph))
    text = "\n".join(text_parts)
    n = len(words)

    def span(i: int, j: int) -> dict:
        s, e = words[i][0], words[j][1]
        return {"start": s, "end": e, "text": text[s:e]}

    # Disjoint word ranges for mentions; a multi-word range may hold one nested mention.
    cuts = sorted(draw(st.sets(st.integers(0, n - 1), max_size=min(n, 8))))
    ranges = []
    for k, first in enumerate(cuts):
        limit = cuts[k + 1] - 1 if k + 1 < len(cuts) else n - 1
        last = draw(st.integers(first, min(limit, first + 2)))
        ranges.append((first, last))
    nested = [(a, a) for a, b in ranges if b > a and draw(st.booleans())]
    mention_ranges = sorted(ranges + nested, key=lambda r: (words[r[0]][0], -words[r[1]][1]))

    types = labels.entity_types()
    entity_count = draw(st.integers(1, max(1, len(mention_ranges)))) if mention_ranges else 0
    entities = [{"id": f"e{i + 1}", "type": draw(st.sampled_from(types)), "subtype": None,
                 "name": draw(st.sampled_from(["اسم", "<b>name</b>", "ليبيا", "😀"])), "wikidata": None,
                 "mentions": []} for i in range(entity_count)]
    for k, (a, b) in enumerate(mention_ranges):
        owner = entities[k] if k < entity_count else entities[draw(st.integers(0, entity_count - 1))]
        owner["mentions"].append({"id": f"m{k + 1}", **span(a, b)})
    entities = [e for e in entities if e["mentions"]]
    for i, e in enumerate(entities):  # ids in order after dropping empty clusters
        e["id"] = f"e{i + 1}"
    entity_ids = [e["id"] for e in entities]
    maybe_entity = st.sampled_from(entity_ids) if entity_ids else st.none()

    quotes = []
    for q in range(draw(st.integers(0, 3)) if n >= 2 else 0):
        a = draw(st.integers(1, n - 1))
        b = draw(st.integers(a, min(n - 1, a + 4)))
        cue_word = draw(st.integers(0, a - 1))
        speaker = draw(st.one_of(st.none(), maybe_entity))
        quotes.append({
            "id": f"q{q + 1}", "type": draw(st.sampled_from(labels.quote_types())), "content": [span(a, b)],
            "cue": draw(st.one_of(st.none(), st.just({**span(cue_word, cue_word), "lemma": draw(st.sampled_from(labels.cue_lemmas()))}))),
            "speaker": speaker,
            "speaker_kind": draw(st.sampled_from(["named", "nominal", "pronoun"])) if speaker else "anonymous",
            "speaker_span": None, "addressee": draw(st.one_of(st.none(), maybe_entity)),
            "parent": f"q{draw(st.integers(1, q))}" if q and draw(st.booleans()) else None,
        })

    modes = labels.plover_modes_by_category()
    needs_recipient = labels.plover_recipient_required()
    events = []
    for _ in range(draw(st.integers(0, 3))):
        category = draw(st.sampled_from(labels.plover_categories()))
        if category in needs_recipient and not entity_ids:
            continue
        word = draw(st.integers(0, n - 1))
        contexts = draw(st.sets(st.sampled_from(labels.plover_contexts()), max_size=2))
        recipient = sorted(draw(st.sets(st.sampled_from(entity_ids), min_size=1 if category in needs_recipient else 0,
                                        max_size=2))) if entity_ids else []
        events.append({
            "id": f"v{len(events) + 1}", "category": category,
            "mode": draw(st.one_of(st.none(), st.sampled_from(modes[category]))) if modes[category] else None,
            "context": [c for c in labels.plover_contexts() if c in contexts],
            "trigger": span(word, word),
            "actor": sorted(draw(st.sets(st.sampled_from(entity_ids), max_size=2))) if entity_ids else [],
            "recipient": recipient,
            "arguments": [{"role": draw(st.sampled_from(labels.argument_roles())), "entity": e}
                          for e in draw(st.lists(st.sampled_from(entity_ids), max_size=2))] if entity_ids else [],
            "negated": draw(st.booleans()), "future": draw(st.booleans()),
            "hypothetical": draw(st.booleans()), "historical": draw(st.booleans()),
            "magnitude": {k: draw(st.one_of(st.none(), st.integers(0, 500))) for k in ("dead", "injured", "arrested")},
        })
    return {
        "id": article_id, "schema_version": "1.0.0", "split": draw(st.sampled_from(labels.splits())), "language": "ar",
        "title": draw(st.one_of(st.none(), st.just("<i>عنوان</i>"))), "text": text, "blocks": blocks,
        "source": {"publisher": "Synthetic <fuzz>", "url": None, "published": None, "author": None, "dateline": None,
                   "raw_file": f"corpus/raw/synthetic/{article_id}.txt",
                   "raw_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()},
        "license": {"text": "CC0-1.0", "annotations": "CC0-1.0"},
        "entities": entities, "quotes": quotes, "events": events,
        "annotation": {"status": "gold", "annotators": ["synthetic"], "guidelines_version": "1.0.0", "updated": "2026-11-29"},
    }
