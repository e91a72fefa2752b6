"""Validated records -> the rows of every config, as Arrow record batches of the declared
features (ClassLabels as ids).

Each config's rows are made by one function per config (`article_row`, `ner_batches`,
`quotes_batch`, `events_batch`). Only `articles` is converted from Python values, the record
itself (`pa.RecordBatch.from_pylist`); the other configs are built a column at a time: what a
quote or event row repeats of its record is taken from the `articles` batch, which holds it
already, texts are cut out of the article's UTF-8 bytes, offsets and tags are arrays, and the
rest are flat lists (a dict per row made the conversion cost more than the rows' content).
Label names become ClassLabel ids here, by lookup in the inventories, so no encoding pass
over the rows is needed. The records are validated: spans lie in the text, mentions nest or
are disjoint, blocks are sorted and disjoint.
"""

from __future__ import annotations

from bisect import bisect_right
from functools import cache, cached_property

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from akhbar import labels
from akhbar.hf import CONFIGS
from akhbar.hf.tokenize import code_points, record_view
from akhbar.schema import MAGNITUDE_KEYS


def arrow_schemas() -> dict[str, pa.Schema]:
    """Every config's Arrow schema, from its declared features. Those import `datasets` (a
    second of CPU), so the build's worker processes are handed these instead."""
    from akhbar.hf import features

    return {config: features.arrow_schema(config) for config in CONFIGS}


@cache
def _ids() -> dict[str, dict[str, int]]:
    """The ClassLabel ids of each labelled field by name, in the inventory order (the order of
    the features' names)."""
    inventories = {"entity_type": labels.entity_types, "quote_type": labels.quote_types,
                   "speaker_kind": labels.speaker_kinds, "category": labels.plover_categories}
    return {field: {name: i for i, name in enumerate(names())} for field, names in inventories.items()}


class Analysis:
    """What the derived configs share for one record: the entities by id, the mentions in
    record order, the token view (sentences, tokens, tags in both tag sets)."""

    def __init__(self, record: dict):
        type_id = _ids()["entity_type"]
        self.record = record
        entities = record["entities"]
        # {entity, name, type id} by entity id, as the rows name parties.
        self.parties = {e["id"]: {"entity": e["id"], "name": e["name"], "type": type_id[e["type"]]}
                        for e in entities}
        self.mentions = [(e, m) for e in entities for m in e["mentions"]]
        # The mentions' offsets and type ids, in record order.
        self.starts = np.array([m["start"] for _, m in self.mentions], dtype=np.int64)
        self.ends = np.array([m["end"] for _, m in self.mentions], dtype=np.int64)
        self.types = np.array([type_id[e["type"]] for e, _ in self.mentions], dtype=np.int64)
        # The segmentation the CoNLL export shares; its tag codes are the features' ClassLabel
        # ids (both list "O", then B-/I- per type in inventory order).
        self.view = record_view(record["text"], self.starts, self.ends, self.types).view

    @cached_property
    def _utf8(self) -> tuple[np.ndarray, np.ndarray]:
        """The text's UTF-8 bytes, and the byte offset of every code point offset."""
        text = self.record["text"]
        cp = code_points(text)
        width = 1 + (cp >= 0x80).astype(np.int64) + (cp >= 0x800) + (cp >= 0x10000)
        return np.frombuffer(text.encode("utf-8", "surrogatepass"), dtype=np.uint8), np.concatenate([[0], np.cumsum(width)])

    def slices(self, starts, ends) -> pa.StringArray:
        """[text[s:e] for s, e in zip(starts, ends)] as an Arrow string array, cut out of the
        text's UTF-8 bytes (offsets are code points) without a Python string per slice."""
        data, byte_at = self._utf8
        first = byte_at[np.asarray(starts, dtype=np.int64)]
        lengths = byte_at[np.asarray(ends, dtype=np.int64)] - first
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
        picked = data[np.repeat(first - offsets[:-1], lengths) + np.arange(offsets[-1])]
        return pa.StringArray.from_buffers(len(first), pa.py_buffer(offsets), pa.py_buffer(picked))

    def party(self, entity_id: str | None) -> dict | None:
        """{entity, name, type id} of an entity id (name and type null for an id no entity
        has); None without an entity."""
        if entity_id is None:
            return None
        return self.parties.get(entity_id) or {"entity": entity_id, "name": None, "type": None}


def article_row(record: dict) -> dict:
    """The record as it is, labels as ids, plus `event_types`: the categories of its events,
    sorted by class id (the order of a multi-hot vector over the labels)."""
    ids = _ids()
    return {
        **record,
        "entities": [{**e, "type": ids["entity_type"][e["type"]]} for e in record["entities"]],
        "quotes": [{**q, "type": ids["quote_type"][q["type"]],
                    "speaker_kind": ids["speaker_kind"][q["speaker_kind"]]} for q in record["quotes"]],
        "events": [{**v, "category": ids["category"][v["category"]]} for v in record["events"]],
        "event_types": sorted({ids["category"][v["category"]] for v in record["events"]}),
    }


def ner_batches(analyses: list[Analysis], schemas: dict[str, pa.Schema] | None = None,
                ) -> tuple[pa.RecordBatch, pa.RecordBatch]:
    """One row per sentence, in both token views (`ner`, `ner_conll4`). Every column is built
    as a whole from flat lists or arrays (the tokens, their offsets and tags of a run of
    sentences are arrays cut into one list per sentence, `pa.ListArray`), not a Python value
    per row or per token."""
    ids, article_ids, numbers, texts = [], [], [], []
    sent_starts, sent_ends, tokens, lengths = [], [], [], []
    starts, ends, tags, conll_tags = [], [], [], []
    first_rows = []
    for a in analyses:
        view, aid = a.view, a.record["id"]
        first, last = int(view.bounds[0]), int(view.bounds[-1])
        starts.append(view.starts[first:last])
        ends.append(view.ends[first:last])
        tags.append(view.tags[0][first:last])
        conll_tags.append(view.tags[1][first:last])
        tokens.append(a.slices(starts[-1], ends[-1]))
        texts.append(a.slices(view.sentence_starts, view.sentence_ends))
        lengths += np.diff(view.bounds).tolist()
        first_rows.append(len(ids))
        count = len(view.sentences)
        ids += [f"{aid}/s{k:04d}" for k in range(count)]
        article_ids += [aid] * count
        numbers += range(count)
        sent_starts.append(view.sentence_starts)
        sent_ends.append(view.sentence_ends)
    schemas = schemas or arrow_schemas()
    schema, conll_schema = schemas["ner"], schemas["ner_conll4"]
    offsets = pa.array(np.cumsum([0, *lengths]), pa.int32())

    def lists(name: str, values, within: pa.Schema = schema) -> pa.ListArray:
        type_ = within.field(name).type
        return pa.ListArray.from_arrays(offsets, pa.array(values, type_.value_type), type=type_)

    columns = {
        "id": pa.array(ids, pa.string()), "article_id": pa.array(article_ids, pa.string()),
        "sentence": pa.array(numbers, pa.int32()),
        "start": pa.array(_concatenate(sent_starts), pa.int32()), "end": pa.array(_concatenate(sent_ends), pa.int32()),
        "text": _strings(texts),
        "tokens": lists("tokens", _strings(tokens)),
        "token_starts": lists("token_starts", _concatenate(starts)), "token_ends": lists("token_ends", _concatenate(ends)),
        "ner_tags": lists("ner_tags", _concatenate(tags)),
        "mentions": _mentions(analyses, first_rows, len(ids), schema.field("mentions").type),
    }
    ner = _batch(schema, columns)
    columns["ner_tags"] = lists("ner_tags", _concatenate(conll_tags), conll_schema)
    return ner, _batch(conll_schema, columns)


def _strings(arrays: list[pa.StringArray]) -> pa.StringArray:
    return pa.concat_arrays(arrays) if arrays else pa.array([], pa.string())


def _concatenate(arrays: list[np.ndarray], dtype=np.int64) -> np.ndarray:
    return np.concatenate(arrays) if arrays else np.empty(0, dtype)


def _mentions(analyses: list[Analysis], first_rows: list[int], rows: int, type_: pa.ListType) -> pa.ListArray:
    """The `mentions` column of `ner` for a run of `rows` sentences (article k's first
    sentence is row first_rows[k]): for each sentence, its mentions, nested ones too, ordered
    by (start, -end, mention id). A mention lies in one sentence (the last one starting at or
    before it; one starting before the first goes with the article's last, index -1):
    sentence breaks are not made inside outermost mentions, and mentions nest or are
    disjoint."""
    sentence, outermost = [], []
    for a, first in zip(analyses, first_rows, strict=True):
        k = np.searchsorted(a.view.sentence_starts, a.starts, "right") - 1
        sentence.append(first + np.where(k < 0, k + len(a.view.sentences), k))
        outermost.append(np.zeros(len(a.starts), dtype=bool))
        outermost[-1][a.view.outermost[0]] = True
    sentence = _concatenate(sentence)
    start, end = _concatenate([a.starts for a in analyses]), _concatenate([a.ends for a in analyses])
    mention = [m["id"] for a in analyses for _, m in a.mentions]
    keys = pa.table({"sentence": sentence, "start": start, "end": -end, "mention": mention})
    # Stable. The values are put in this order before they become Arrow arrays (an Arrow
    # `take` would add validity buffers, which count in the split's num_bytes).
    order = pc.sort_indices(keys, sort_keys=[(name, "ascending") for name in keys.column_names]).to_numpy()
    positions = order.tolist()
    entity = [e["id"] for a in analyses for e, _ in a.mentions]
    text = [m["text"] for a in analyses for _, m in a.mentions]
    values = {
        "entity": pa.array([entity[i] for i in positions], pa.string()),
        "mention": pa.array([mention[i] for i in positions], pa.string()),
        "type": pa.array(_concatenate([a.types for a in analyses])[order], pa.int64()),
        "start": pa.array(start[order], pa.int32()), "end": pa.array(end[order], pa.int32()),
        "text": pa.array([text[i] for i in positions], pa.string()),
        "outermost": pa.array(_concatenate(outermost, bool)[order], pa.bool_()),
    }
    fields = list(type_.value_type)
    items = pa.StructArray.from_arrays([values[f.name] for f in fields], fields=fields)
    offsets = np.concatenate([[0], np.cumsum(np.bincount(sentence, minlength=rows))])
    return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), items, type=type_)


def _paragraph(record: dict, quote: dict) -> tuple[int, int, str | None]:
    """The paragraph of a quote: the blocks that the stretch [lo, hi) from its first content
    fragment or cue to its last touches (start < max(hi, lo + 1) and end > lo), joined: (start
    of the first, end of the last, kind of the first). Without blocks there, the
    newline-delimited line(s) around the stretch."""
    spans = quote["content"] + ([quote["cue"]] if quote["cue"] else [])
    lo, hi = min(s["start"] for s in spans), max(s["end"] for s in spans)
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


def _fields(struct: pa.StructArray) -> dict[str, pa.Array]:
    """The children of a struct array by name, null where the struct is."""
    return {f.name: child for f, child in zip(struct.type, struct.flatten(), strict=True)}


def _batch(schema: pa.Schema, columns: dict[str, pa.Array | list]) -> pa.RecordBatch:
    """A record batch of `schema` from its columns (Arrow arrays, or Python lists converted
    to the field's type)."""
    return pa.RecordBatch.from_arrays([pa.array(columns[f.name], f.type) if isinstance(columns[f.name], list)
                                       else columns[f.name] for f in schema], schema=schema)


def quotes_batch(analyses: list[Analysis], articles: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    """One row per quote. Its own fields are the quotes of the `articles` batch of the same
    records (already Arrow, labels as ids); the others are computed here."""
    quotes = _fields(articles.column("quotes").flatten())
    cue = _fields(quotes["cue"])
    columns: dict[str, pa.Array | list] = {
        "quote": quotes["id"], "type": quotes["type"], "content_fragments": quotes["content"],
        "speaker": quotes["speaker"], "speaker_kind": quotes["speaker_kind"], "speaker_span": quotes["speaker_span"],
        "cue_text": cue["text"], "cue_lemma": cue["lemma"], "cue_start": cue["start"], "cue_end": cue["end"],
        "addressee": quotes["addressee"], "parent": quotes["parent"],
    }
    computed = ("id", "article_id", "content", "speaker_name", "speaker_type", "addressee_name",
                "paragraph_start", "paragraph_end", "paragraph_kind")
    columns.update((name, []) for name in computed)
    paragraphs = []
    # Column by column, an article at a time (a tuple per row cost more than the rows' values).
    for a in analyses:
        record, aid = a.record, a.record["id"]
        quotes = record["quotes"]
        speakers = [a.party(q["speaker"]) for q in quotes]
        places = [_paragraph(record, q) for q in quotes]
        columns["id"] += [f"{aid}/{q['id']}" for q in quotes]
        columns["article_id"] += [aid] * len(quotes)
        # Fragments of a discontinuous quote are joined with one space.
        columns["content"] += [" ".join(c["text"] for c in q["content"]) for q in quotes]
        columns["speaker_name"] += [speaker and speaker["name"] for speaker in speakers]
        columns["speaker_type"] += [speaker and speaker["type"] for speaker in speakers]
        columns["addressee_name"] += [(a.party(q["addressee"]) or {}).get("name") for q in quotes]
        starts, ends = [p[0] for p in places], [p[1] for p in places]
        columns["paragraph_start"] += starts
        columns["paragraph_end"] += ends
        columns["paragraph_kind"] += [p[2] for p in places]
        paragraphs.append(a.slices(starts, ends))
    columns["paragraph"] = _strings(paragraphs)
    return _batch(schema, columns)


def events_batch(analyses: list[Analysis], articles: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    """One row per event, with the sentence holding its trigger (or the nearest one before
    it, when the trigger starts between sentences). Its own fields are the events of the
    `articles` batch of the same records; the others are computed here."""
    events = _fields(articles.column("events").flatten())
    trigger, magnitude = _fields(events["trigger"]), _fields(events["magnitude"])
    columns: dict[str, pa.Array | list] = {
        "event": events["id"], "category": events["category"], "mode": events["mode"], "context": events["context"],
        "trigger_text": trigger["text"], "trigger_start": trigger["start"], "trigger_end": trigger["end"],
        **{marker: events[marker] for marker in labels.event_markers()},
        **{key: magnitude[key] for key in MAGNITUDE_KEYS},
    }
    computed = ("id", "article_id", "actors", "recipients", "arguments", "sentence_start", "sentence_end")
    columns.update((name, []) for name in computed)
    sentences = []
    for a in analyses:  # column by column, as quotes_batch
        events, aid = a.record["events"], a.record["id"]
        sent_starts, sent_ends = a.view.sentence_starts.tolist(), a.view.sentence_ends.tolist()
        at = [v["trigger"]["start"] for v in events]
        k = [min(bisect_right(sent_starts, s) - 1, bisect_right(sent_ends, s)) for s in at]
        starts = [sent_starts[i] if i >= 0 else s for i, s in zip(k, at, strict=True)]
        ends = [sent_ends[i] if i >= 0 else v["trigger"]["end"] for i, v in zip(k, events, strict=True)]
        columns["id"] += [f"{aid}/{v['id']}" for v in events]
        columns["article_id"] += [aid] * len(events)
        columns["actors"] += [[a.party(x) for x in v["actor"]] for v in events]
        columns["recipients"] += [[a.party(x) for x in v["recipient"]] for v in events]
        columns["arguments"] += [[{"role": x["role"], **a.party(x["entity"])} for x in v["arguments"]] for v in events]
        columns["sentence_start"] += starts
        columns["sentence_end"] += ends
        sentences.append(a.slices(starts, ends))
    columns["sentence"] = _strings(sentences)
    return _batch(schema, columns)


def record_batches(records: list[dict], schemas: dict[str, pa.Schema] | None = None) -> dict[str, pa.RecordBatch]:
    """Every config's rows for `records` (in that order), one record batch per config of
    `schemas` (default: `arrow_schemas()`)."""
    schemas = schemas or arrow_schemas()
    analyses = [Analysis(record) for record in records]
    batches = {"articles": pa.RecordBatch.from_pylist([article_row(r) for r in records], schema=schemas["articles"])}
    batches["ner"], batches["ner_conll4"] = ner_batches(analyses, schemas)
    batches["quotes"] = quotes_batch(analyses, batches["articles"], schemas["quotes"])
    batches["events"] = events_batch(analyses, batches["articles"], schemas["events"])
    return {config: batches[config] for config in CONFIGS}
