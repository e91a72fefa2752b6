"""Validated records -> the rows of every config, as Arrow record batches of the declared
features (ClassLabels as ids).

Each config's rows are plain dicts, one per row, made by one function per config
(`article_row`, `ner_rows`, `quote_rows`, `event_rows`); pyarrow turns a run of them into a
record batch of the config's schema (`pa.RecordBatch.from_pylist`). Label names become
ClassLabel ids here, by lookup in the inventories, so no encoding pass over the rows is
needed. The records are validated: spans lie in the text, mentions nest or are disjoint,
blocks are sorted and disjoint.
"""

from __future__ import annotations

from bisect import bisect_right
from functools import cache

import numpy as np
import pyarrow as pa

from akhbar import labels
from akhbar.hf import CONFIGS
from akhbar.hf import features as F
from akhbar.hf.tokenize import Layer, token_view


def _ids(names) -> dict[str, int]:
    return {name: i for i, name in enumerate(names)}


class Labels:
    """ClassLabel ids by name, in the inventory order (the order of the features' names)."""

    def __init__(self):
        self.entity_type = _ids(labels.entity_types())
        self.quote_type = _ids(labels.quote_types())
        self.speaker_kind = _ids(labels.speaker_kinds())
        self.category = _ids(labels.plover_categories())
        ner_tags, conll_tags = _ids(F.ner_tag_names()), _ids(F.conll4_tag_names())
        mapping = F.conll4_mapping()
        types = labels.entity_types()
        # The tag ids of B- and I- by entity type id, in each tag set; -1 where the type has
        # no CoNLL-4 counterpart (the mention is dropped there).
        self.ner_b = np.array([ner_tags[f"B-{t}"] for t in types], dtype=np.int64)
        self.ner_i = np.array([ner_tags[f"I-{t}"] for t in types], dtype=np.int64)
        self.conll_b = np.array([conll_tags[f"B-{mapping[t]}"] if mapping[t] else -1 for t in types], dtype=np.int64)
        self.conll_i = np.array([conll_tags[f"I-{mapping[t]}"] if mapping[t] else -1 for t in types], dtype=np.int64)


@cache
def _labels() -> Labels:
    return Labels()


class Analysis:
    """What the derived configs share for one record: the entities by id, the mentions in
    record order, the token view (sentences, tokens, tags in both tag sets)."""

    def __init__(self, record: dict):
        lab = _labels()
        self.record = record
        entities = record["entities"]
        # {entity, name, type id} by entity id, as the rows name parties.
        self.parties = {e["id"]: {"entity": e["id"], "name": e["name"], "type": lab.entity_type[e["type"]]}
                        for e in entities}
        self.mentions = [(e, m) for e in entities for m in e["mentions"]]
        starts = np.array([m["start"] for _, m in self.mentions], dtype=np.int64)
        ends = np.array([m["end"] for _, m in self.mentions], dtype=np.int64)
        types = np.array([lab.entity_type[e["type"]] for e, _ in self.mentions], dtype=np.int64)
        # CoNLL-4 is computed from the mentions, not from the tags: where an outermost mention
        # has no CoNLL counterpart (OCC, DATE…), the mentions nested in it surface instead.
        mapped = np.flatnonzero(lab.conll_b[types] >= 0)
        self.view = token_view(record["text"], [
            Layer(starts, ends, lab.ner_b[types], lab.ner_i[types]),
            Layer(starts[mapped], ends[mapped], lab.conll_b[types[mapped]], lab.conll_i[types[mapped]]),
        ])
        self.outermost = set(self.view.outermost[0].tolist())

    def party(self, entity_id: str | None) -> dict | None:
        """{entity, name, type id} of an entity id (name and type null for an id no entity
        has); None without an entity."""
        if entity_id is None:
            return None
        return self.parties.get(entity_id) or {"entity": entity_id, "name": None, "type": None}


def article_row(record: dict) -> dict:
    """The record as it is, labels as ids, plus `event_types`: the categories of its events,
    sorted by class id (the order of a multi-hot vector over the labels)."""
    lab = _labels()
    return {
        **record,
        "entities": [{**e, "type": lab.entity_type[e["type"]]} for e in record["entities"]],
        "quotes": [{**q, "type": lab.quote_type[q["type"]], "speaker_kind": lab.speaker_kind[q["speaker_kind"]]}
                   for q in record["quotes"]],
        "events": [{**v, "category": lab.category[v["category"]]} for v in record["events"]],
        "event_types": sorted({lab.category[v["category"]] for v in record["events"]}),
    }


def ner_rows(a: Analysis) -> tuple[list[dict], list[dict]]:
    """One row per sentence, in both token views (`ner`, `ner_conll4`)."""
    record, view = a.record, a.view
    text, aid = record["text"], record["id"]
    bounds = view.bounds.tolist()
    starts, ends = view.starts.tolist(), view.ends.tolist()
    tags, conll_tags = view.tags[0].tolist(), view.tags[1].tolist()
    mentions = _sentence_mentions(a)
    ner, conll = [], []
    for k, (s, e) in enumerate(view.sentences):
        first, last = bounds[k], bounds[k + 1]
        tokens = [text[i:j] for i, j in zip(starts[first:last], ends[first:last], strict=True)]
        ner.append({
            "id": f"{aid}/s{k:04d}", "article_id": aid, "sentence": k, "start": s, "end": e, "text": text[s:e],
            "tokens": tokens, "token_starts": starts[first:last], "token_ends": ends[first:last],
            "ner_tags": tags[first:last], "mentions": mentions[k],
        })
        conll.append({"id": f"{aid}/s{k:04d}", "article_id": aid, "sentence": k, "tokens": tokens,
                      "ner_tags": conll_tags[first:last]})
    return ner, conll


def _sentence_mentions(a: Analysis) -> list[list[dict]]:
    """For each sentence, its mentions, nested ones too, ordered by (start, -end, mention id).
    A mention lies in one sentence: sentence breaks are not made inside outermost mentions,
    and mentions nest or are disjoint."""
    sent_starts = a.view.sentence_starts.tolist()
    lab = _labels()
    result: list[list[dict]] = [[] for _ in sent_starts]
    keys = [(m["start"], -m["end"], m["id"]) for _, m in a.mentions]
    for i in sorted(range(len(keys)), key=keys.__getitem__):
        entity, m = a.mentions[i]
        result[bisect_right(sent_starts, m["start"]) - 1].append({
            "entity": entity["id"], "mention": m["id"], "type": lab.entity_type[entity["type"]],
            "start": m["start"], "end": m["end"], "text": m["text"], "outermost": i in a.outermost,
        })
    return result


def _paragraph(record: dict, lo: int, hi: int) -> tuple[int, int, str | None]:
    """The blocks the stretch [lo, hi) touches (start < max(hi, lo + 1) and end > lo),
    joined: (start of the first, end of the last, kind of the first). Without blocks there,
    the newline-delimited line(s) around the stretch."""
    blocks = record["blocks"]
    first = bisect_right(blocks, lo, key=lambda b: b["end"])
    last = first
    while last < len(blocks) and blocks[last]["start"] < max(hi, lo + 1):
        last += 1
    if last > first:
        return blocks[first]["start"], blocks[last - 1]["end"], blocks[first]["kind"]
    text = record["text"]
    line_end = text.find("\n", hi)
    return text.rfind("\n", 0, lo) + 1, len(text) if line_end == -1 else line_end, None


def quote_rows(a: Analysis) -> list[dict]:
    """One row per quote."""
    record, lab = a.record, _labels()
    text, aid = record["text"], record["id"]
    rows = []
    for q in record["quotes"]:
        content, cue = q["content"], q["cue"]
        # The paragraph: around the content fragments and the cue.
        spans = content + ([cue] if cue else [])
        start, end, kind = _paragraph(record, min(s["start"] for s in spans), max(s["end"] for s in spans))
        speaker = a.party(q["speaker"])
        rows.append({
            "id": f"{aid}/{q['id']}", "article_id": aid, "quote": q["id"], "type": lab.quote_type[q["type"]],
            # Fragments of a discontinuous quote are joined with one space.
            "content": " ".join(c["text"] for c in content), "content_fragments": content,
            "speaker": q["speaker"], "speaker_name": speaker and speaker["name"],
            "speaker_type": speaker and speaker["type"], "speaker_kind": lab.speaker_kind[q["speaker_kind"]],
            "speaker_span": q["speaker_span"],
            "cue_text": cue and cue["text"], "cue_lemma": cue and cue["lemma"],
            "cue_start": cue and cue["start"], "cue_end": cue and cue["end"],
            "addressee": q["addressee"], "addressee_name": (a.party(q["addressee"]) or {}).get("name"),
            "parent": q["parent"],
            "paragraph": text[start:end], "paragraph_start": start, "paragraph_end": end, "paragraph_kind": kind,
        })
    return rows


def event_rows(a: Analysis) -> list[dict]:
    """One row per event, with the sentence holding its trigger (or the nearest one before
    it, when the trigger starts between sentences)."""
    record, lab = a.record, _labels()
    text, aid = record["text"], record["id"]
    sent_starts, sent_ends = a.view.sentence_starts.tolist(), a.view.sentence_ends.tolist()
    rows = []
    for v in record["events"]:
        trigger, magnitude = v["trigger"], v["magnitude"] or {}
        k = min(bisect_right(sent_starts, trigger["start"]) - 1, bisect_right(sent_ends, trigger["start"]))
        start, end = (sent_starts[k], sent_ends[k]) if k >= 0 else (trigger["start"], trigger["end"])
        rows.append({
            "id": f"{aid}/{v['id']}", "article_id": aid, "event": v["id"], "category": lab.category[v["category"]],
            "mode": v["mode"], "context": v["context"],
            "trigger_text": trigger["text"], "trigger_start": trigger["start"], "trigger_end": trigger["end"],
            "actors": [a.party(x) for x in v["actor"]], "recipients": [a.party(x) for x in v["recipient"]],
            "arguments": [{"role": x["role"], **a.party(x["entity"])} for x in v["arguments"]],
            "negated": v["negated"], "future": v["future"], "hypothetical": v["hypothetical"],
            "historical": v["historical"],
            "dead": magnitude.get("dead"), "injured": magnitude.get("injured"), "arrested": magnitude.get("arrested"),
            "sentence": text[start:end], "sentence_start": start, "sentence_end": end,
        })
    return rows


def rows_of(record: dict) -> dict[str, list[dict]]:
    """Every config's rows for one record."""
    analysis = Analysis(record)
    ner, conll = ner_rows(analysis)
    return {"articles": [article_row(record)], "ner": ner, "ner_conll4": conll,
            "quotes": quote_rows(analysis), "events": event_rows(analysis)}


def token_count(rows: dict[str, list[dict]]) -> int:
    """The tokens of a record's `ner` rows (the card's counts)."""
    return sum(len(row["tokens"]) for row in rows["ner"])


def record_batches(records: list[dict]) -> dict[str, pa.RecordBatch]:
    """Every config's rows for `records` (in that order), one record batch per config."""
    rows: dict[str, list[dict]] = {config: [] for config in CONFIGS}
    for record in records:
        for config, config_rows in rows_of(record).items():
            rows[config].extend(config_rows)
    return {config: pa.RecordBatch.from_pylist(rows[config], schema=F.arrow_schema(config)) for config in CONFIGS}
