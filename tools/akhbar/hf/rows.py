"""Validated records -> the rows of every config, as Arrow record batches of the declared
features (ClassLabels as ids).

The rows are appended column by column (arrow.Columns) rather than built as a dict per row:
at some 35 sentences, 200 mentions, 45 quotes and 55 events an article, dicts and their
encoding cost more than the derivation. `RowBuilder` takes records in order and gives the
batches of the records it was given; the build calls it per run of articles (in worker
processes when there are several cores).
"""

from __future__ import annotations

from functools import cache
from itertools import accumulate

import numpy as np
import pyarrow as pa

from akhbar import labels
from akhbar.hf import CONFIGS
from akhbar.hf import features as F
from akhbar.hf.arrow import ArticlesBatcher, Columns, utf8_slices
from akhbar.hf.tokenize import Layer, TokenView, token_view


class Labels:
    """ClassLabel ids by name, from the features (the inventory order)."""

    def __init__(self):
        self.entity_type = _ids(labels.entity_types())
        self.quote_type = _ids(labels.quote_types())
        self.speaker_kind = _ids(labels.speaker_kinds())
        self.category = _ids(labels.plover_categories())
        ner_tags = _ids(F.ner_tag_names())
        conll_tags = _ids(F.conll4_tag_names())
        mapping = F.conll4_mapping()
        types = labels.entity_types()
        # The tag ids of B- and I- by entity type id, in each tag set; -1 where the type has
        # no CoNLL-4 counterpart (the mention is dropped there).
        self.ner_b = np.array([ner_tags[f"B-{t}"] for t in types], dtype=np.int64)
        self.ner_i = np.array([ner_tags[f"I-{t}"] for t in types], dtype=np.int64)
        self.conll_b = np.array([conll_tags[f"B-{mapping[t]}"] if mapping[t] else -1 for t in types], dtype=np.int64)
        self.conll_i = np.array([conll_tags[f"I-{mapping[t]}"] if mapping[t] else -1 for t in types], dtype=np.int64)


def _ids(names) -> dict[str, int]:
    return {name: i for i, name in enumerate(names)}


@cache
def _labels() -> Labels:
    return Labels()


@cache
def _articles_batcher() -> ArticlesBatcher:
    return ArticlesBatcher(F.articles(), F.DERIVED_ARTICLE_FIELDS)


class Analysis:
    """What the derived configs share for one record: the entities by id (as parties), the
    mentions as arrays in record order, the token view (sentences, tokens, tags in both tag
    sets)."""

    def __init__(self, record: dict):
        lab = _labels()
        self.record = record
        type_ids = lab.entity_type
        # (entity id, name, type id) by entity id; None for no entity. A lookup of an id no
        # entity has gives (id, None, None): use self.parties.get(x, (x, None, None)).
        self.parties: dict = {e["id"]: (e["id"], e["name"], type_ids[e["type"]]) for e in record["entities"]}
        self.parties[None] = None
        # Every mention in record order, its entity's position, offsets and type id.
        entities = record["entities"]
        per_entity = [len(e["mentions"]) for e in entities]
        self.mention_records: list[dict] = [m for e in entities for m in e["mentions"]]
        self.mention_entity = np.repeat(np.arange(len(entities)), per_entity)
        self.starts = np.array([m["start"] for m in self.mention_records], dtype=np.int64)
        self.ends = np.array([m["end"] for m in self.mention_records], dtype=np.int64)
        self.types = np.repeat(np.array([type_ids[e["type"]] for e in entities], dtype=np.int64), per_entity)
        ner_layer = Layer(self.starts, self.ends, lab.ner_b[self.types], lab.ner_i[self.types])
        # CoNLL-4 is computed from the mentions, not from the tags: where an outermost mention
        # has no CoNLL counterpart (OCC, DATE…), the mentions nested in it surface instead.
        mapped = np.flatnonzero(lab.conll_b[self.types] >= 0)
        conll_types = self.types[mapped]
        conll_layer = Layer(self.starts[mapped], self.ends[mapped], lab.conll_b[conll_types], lab.conll_i[conll_types])
        self.view: TokenView = token_view(record["text"], [ner_layer, conll_layer], outside=0)
        self.outermost_ids = {self.mention_records[i]["id"] for i in self.view.outermost[0].tolist()}

    def party(self, entity_id: str | None) -> tuple[str, str | None, int | None] | None:
        """(entity id, its name, its type id), or None without an entity."""
        return self.parties.get(entity_id, (entity_id, None, None))


class RowBuilder:
    """Appends records' rows to one Columns per derived config, and turns them into record
    batches (with the `articles` batch of the same records)."""

    def __init__(self):
        self.columns = {c: Columns(F.arrow_schema(c)) for c in CONFIGS if c != "articles"}
        self.articles = _articles_batcher()
        self.records: list[dict] = []
        self.event_types: list[list[int]] = []
        self.tokens: list[int] = []  # tokens per record (the card's counts)

    def add(self, record: dict) -> None:
        analysis = Analysis(record)
        self.records.append(record)
        # Sorted by class id (inventory order), the order of a multi-hot vector over the labels.
        self.event_types.append(sorted({_labels().category[e["category"]] for e in record["events"]}))
        self.tokens.append(int(analysis.view.bounds[-1] - analysis.view.bounds[0]))
        add_ner(analysis, self.columns["ner"], self.columns["ner_conll4"])
        add_quotes(analysis, self.columns["quotes"])
        add_events(analysis, self.columns["events"])

    def batches(self) -> dict[str, pa.RecordBatch]:
        """Every config's batch for the records added, in CONFIGS order."""
        event_types = pa.ListArray.from_arrays(
            pa.array(accumulate(map(len, self.event_types), initial=0), pa.int32()),
            pa.array([i for ids in self.event_types for i in ids], pa.int64()),
            type=F.arrow_schema("articles").field("event_types").type,
        )
        result = {"articles": self.articles.to_batch(self.records, {"event_types": event_types})}
        for config, columns in self.columns.items():
            # ner_conll4 has the very tokens of ner (add_ner leaves its buffer empty).
            given = {"tokens": result["ner"].column("tokens")} if config == "ner_conll4" else None
            result[config] = columns.to_batch(given)
        return result

    def counts(self) -> dict[str, list[int]]:
        """Rows per record, per config."""
        result = {"articles": [1] * len(self.records)}
        for config, columns in self.columns.items():
            result[config] = columns.counts
        return result


def add_ner(analysis: Analysis, ner: Columns, conll: Columns) -> None:
    """One row per sentence in both token views."""
    record, view = analysis.record, analysis.view
    text, aid = record["text"], record["id"]
    sents = view.sentences
    n = len(sents)
    first, last = int(view.bounds[0]), int(view.bounds[-1])
    lengths = np.diff(view.bounds).tolist()
    ids = [f"{aid}/s{k:04d}" for k in range(n)]
    for cols in (ner, conll):
        d = cols.data
        d["id"].extend(ids)
        d["article_id"].extend([aid] * n)
        d["sentence"].extend(range(n))
        cols.lengths["ner_tags"].extend(lengths)
        cols.counts.append(n)
    ner.chunks["start"].append(view.sentence_starts)
    ner.chunks["end"].append(view.sentence_ends)
    ner.data["text"].extend([text[s:e] for s, e in sents])
    # Token columns straight from the arrays; ner_conll4 takes the tokens column of ner as
    # it is (RowBuilder.batches).
    starts, ends = view.starts[first:last], view.ends[first:last]
    ner.chunks["tokens"].append(utf8_slices(text, starts, ends))
    ner.chunks["token_starts"].append(starts)
    ner.chunks["token_ends"].append(ends)
    ner.chunks["ner_tags"].append(view.tags[0][first:last])
    conll.chunks["ner_tags"].append(view.tags[1][first:last])
    for column in ("tokens", "token_starts", "token_ends"):
        ner.lengths[column].extend(lengths)
    _add_sentence_mentions(analysis, ner)


def _add_sentence_mentions(analysis: Analysis, ner: Columns) -> None:
    """Every mention overlapping each sentence, nested ones too, ordered by (start, -end,
    mention id)."""
    starts, ends = analysis.starts, analysis.ends
    sents = analysis.view.sentences
    order = np.lexsort((-ends, starts))
    s, e = starts[order], ends[order]
    if ((s[1:] == s[:-1]) & (e[1:] == e[:-1])).any():  # equal spans: the mention id decides
        records = analysis.mention_records
        order = np.array(sorted(range(len(records)), key=lambda i: (starts[i], -ends[i], records[i]["id"])),
                         dtype=np.int64)
        s, e = starts[order], ends[order]
    sent_starts = np.array([a for a, _ in sents], dtype=np.int64)
    sent_ends = np.array([b for _, b in sents], dtype=np.int64)
    k = np.searchsorted(sent_starts, s, "right") - 1
    if len(sents) and (k >= 0).all() and (s < e).all() and (e <= sent_ends[np.maximum(k, 0)]).all():
        # Every mention lies in one sentence (breaks inside mentions are not made): the
        # sentences' lists are runs of the sorted mentions.
        lengths = np.bincount(k, minlength=len(sents)).tolist()
    else:
        order, lengths = _sweep(order.tolist(), starts, ends, sents)
    ner.lengths["mentions"].extend(lengths)
    ner.chunks["mentions.type"].append(analysis.types[order])
    ner.chunks["mentions.start"].append(starts[order])
    ner.chunks["mentions.end"].append(ends[order])
    # The string columns gathered in row order by NumPy (object arrays of the same strings).
    records, outer = analysis.mention_records, analysis.outermost_ids
    ids = [m["id"] for m in records]
    entity_ids = np.array([e["id"] for e in analysis.record["entities"]] or [""], dtype=object)
    ner.chunks["mentions.entity"].append(entity_ids[analysis.mention_entity[order]])
    ner.chunks["mentions.mention"].append(np.array(ids, dtype=object)[order])
    ner.chunks["mentions.text"].append(np.array([m["text"] for m in records], dtype=object)[order])
    ner.chunks["mentions.outermost"].append(np.array([i in outer for i in ids], dtype=bool)[order])


def _sweep(order: list[int], starts: np.ndarray, ends: np.ndarray, sents: list[tuple[int, int]]):
    """For each sentence, the mentions overlapping it (start before its end, end after its
    start), in `order`: the concatenated positions and the count per sentence."""
    starts, ends = starts.tolist(), ends.tolist()
    chosen: list[int] = []
    lengths: list[int] = []
    active: list[int] = []  # mentions starting before the sentence ends, not ended before it starts
    p = 0
    for s, e in sents:
        while p < len(order) and starts[order[p]] < e:
            active.append(order[p])
            p += 1
        active = [i for i in active if ends[i] > s]
        chosen.extend(active)
        lengths.append(len(active))
    return np.array(chosen, dtype=np.int64), lengths


def _paragraphs(record: dict, lo: np.ndarray, hi: np.ndarray) -> list[tuple[int, int, str | None]]:
    """For each stretch [lo, hi): the blocks it touches (start < max(hi, lo + 1) and end >
    lo), joined: (start of the first, end of the last, kind of the first). Without blocks
    there, the newline-delimited line(s) around the stretch. Blocks are sorted and disjoint
    in a valid record, so the touched ones are a run found by bisection for all stretches at
    once; otherwise every block is tested."""
    blocks = record["blocks"]
    limit = np.maximum(hi, lo + 1)
    starts = np.array([b["start"] for b in blocks], dtype=np.int64)
    ends = np.array([b["end"] for b in blocks], dtype=np.int64)
    if (starts <= ends).all() and (ends[:-1] <= starts[1:]).all():
        first = np.searchsorted(ends, lo, "right")
        stop = np.maximum(np.searchsorted(starts, limit, "left"), first)
        runs = zip(first.tolist(), stop.tolist(), strict=True)
    else:
        runs = []
        for a, b in zip(lo.tolist(), limit.tolist(), strict=True):
            hit = [i for i, block in enumerate(blocks) if block["start"] < b and block["end"] > a]
            runs.append((hit[0], hit[-1] + 1) if hit else (0, 0))
    text = record["text"]
    result = []
    for (i, j), a, b in zip(runs, lo.tolist(), hi.tolist(), strict=True):
        if i < j:
            result.append((blocks[i]["start"], blocks[j - 1]["end"], blocks[i]["kind"]))
        else:
            line_end = text.find("\n", b)
            result.append((text.rfind("\n", 0, a) + 1, len(text) if line_end == -1 else line_end, None))
    return result


def _slices(text: str, spans: list[tuple]) -> list[str]:
    """text[a:b] for each span, one string per distinct span (quotes and events often share
    a paragraph or a sentence; Arrow then encodes each string once)."""
    cache: dict[tuple[int, int], str] = {}
    result = []
    for span in spans:
        key = (span[0], span[1])
        piece = cache.get(key)
        if piece is None:
            piece = cache[key] = text[key[0]:key[1]]
        result.append(piece)
    return result


def add_quotes(analysis: Analysis, cols: Columns) -> None:
    """One row per quote. Column by column: a comprehension per column costs less than a
    dozen appends per row."""
    record = analysis.record
    quotes = record["quotes"]
    cols.counts.append(len(quotes))
    if not quotes:
        return
    aid, text = record["id"], record["text"]
    lab = _labels()
    d, lengths = cols.data, cols.lengths
    cues = [q["cue"] for q in quotes]
    fragments = [c for q in quotes for c in q["content"]]
    counts = [len(q["content"]) for q in quotes]
    if 0 in counts:  # the schema requires a fragment
        raise ValueError(f"{aid}: a quote without content")
    # The paragraph of each quote: around its content fragments and its cue.
    firsts = np.cumsum([0, *counts[:-1]])
    lo = np.minimum.reduceat(np.array([c["start"] for c in fragments], dtype=np.int64), firsts)
    hi = np.maximum.reduceat(np.array([c["end"] for c in fragments], dtype=np.int64), firsts)
    has_cue = np.array([c is not None for c in cues])
    if has_cue.any():
        lo = np.where(has_cue, np.minimum(lo, [c["start"] if c else 0 for c in cues]), lo)
        hi = np.where(has_cue, np.maximum(hi, [c["end"] if c else 0 for c in cues]), hi)
    paragraphs = _paragraphs(record, lo, hi)
    get = analysis.parties.get
    speakers = [get(q["speaker"], (q["speaker"], None, None)) for q in quotes]
    addressees = [get(q["addressee"], (q["addressee"], None, None)) for q in quotes]
    spans = [q["speaker_span"] for q in quotes]
    d["id"].extend([f"{aid}/{q['id']}" for q in quotes])
    d["article_id"].extend([aid] * len(quotes))
    d["quote"].extend([q["id"] for q in quotes])
    d["type"].extend([lab.quote_type[q["type"]] for q in quotes])
    # Fragments of a discontinuous quote are joined with one space.
    d["content"].extend([q["content"][0]["text"] if n == 1 else " ".join(c["text"] for c in q["content"])
                         for q, n in zip(quotes, counts, strict=True)])
    lengths["content_fragments"].extend(counts)
    d["content_fragments.start"].extend([c["start"] for c in fragments])
    d["content_fragments.end"].extend([c["end"] for c in fragments])
    d["content_fragments.text"].extend([c["text"] for c in fragments])
    d["speaker"].extend([q["speaker"] for q in quotes])
    d["speaker_name"].extend([p[1] if p else None for p in speakers])
    d["speaker_type"].extend([p[2] if p else None for p in speakers])
    d["speaker_kind"].extend([lab.speaker_kind[q["speaker_kind"]] for q in quotes])
    # An absent speaker_span holds empty values, as pa.Table.from_pylist fills them.
    cols.valid["speaker_span"].extend([s is not None for s in spans])
    d["speaker_span.start"].extend([s["start"] if s else 0 for s in spans])
    d["speaker_span.end"].extend([s["end"] if s else 0 for s in spans])
    d["speaker_span.text"].extend([s["text"] if s else "" for s in spans])
    d["cue_text"].extend([c["text"] if c else None for c in cues])
    d["cue_lemma"].extend([c["lemma"] if c else None for c in cues])
    d["cue_start"].extend([c["start"] if c else None for c in cues])
    d["cue_end"].extend([c["end"] if c else None for c in cues])
    d["addressee"].extend([q["addressee"] for q in quotes])
    d["addressee_name"].extend([p[1] if p else None for p in addressees])
    d["parent"].extend([q["parent"] for q in quotes])
    d["paragraph"].extend(_slices(text, paragraphs))
    d["paragraph_start"].extend([a for a, _, _ in paragraphs])
    d["paragraph_end"].extend([b for _, b, _ in paragraphs])
    d["paragraph_kind"].extend([k for _, _, k in paragraphs])


def _add_parties(cols: Columns, column: str, parties: list[tuple], per_row: list[int]) -> None:
    cols.lengths[column].extend(per_row)
    d = cols.data
    d[f"{column}.entity"].extend([p[0] for p in parties])
    d[f"{column}.name"].extend([p[1] for p in parties])
    d[f"{column}.type"].extend([p[2] for p in parties])


def add_events(analysis: Analysis, cols: Columns) -> None:
    """One row per event, column by column."""
    record = analysis.record
    events = record["events"]
    cols.counts.append(len(events))
    if not events:
        return
    aid, text = record["id"], record["text"]
    lab = _labels()
    sents = analysis.view.sentences
    d, lengths = cols.data, cols.lengths
    triggers = [v["trigger"] for v in events]
    # The sentence holding each trigger (sentence_index_at, for all triggers at once).
    at = np.array([t["start"] for t in triggers], dtype=np.int64)
    k = np.minimum(np.searchsorted(analysis.view.sentence_starts, at, "right") - 1,
                   np.searchsorted(analysis.view.sentence_ends, at, "right")).tolist()
    where = [sents[i] if i >= 0 else (t["start"], t["end"]) for i, t in zip(k, triggers, strict=True)]
    magnitudes = [v["magnitude"] or {} for v in events]
    d["id"].extend([f"{aid}/{v['id']}" for v in events])
    d["article_id"].extend([aid] * len(events))
    d["event"].extend([v["id"] for v in events])
    d["category"].extend([lab.category[v["category"]] for v in events])
    d["mode"].extend([v["mode"] for v in events])
    lengths["context"].extend([len(v["context"]) for v in events])
    d["context"].extend([c for v in events for c in v["context"]])
    d["trigger_text"].extend([t["text"] for t in triggers])
    d["trigger_start"].extend([t["start"] for t in triggers])
    d["trigger_end"].extend([t["end"] for t in triggers])
    get = analysis.parties.get
    _add_parties(cols, "actors", [get(a, (a, None, None)) for v in events for a in v["actor"]],
                 [len(v["actor"]) for v in events])
    _add_parties(cols, "recipients", [get(r, (r, None, None)) for v in events for r in v["recipient"]],
                 [len(v["recipient"]) for v in events])
    arguments = [a for v in events for a in v["arguments"]]
    entities = [a["entity"] for a in arguments]
    _add_parties(cols, "arguments", [get(x, (x, None, None)) for x in entities], [len(v["arguments"]) for v in events])
    d["arguments.role"].extend([a["role"] for a in arguments])
    for flag in ("negated", "future", "hypothetical", "historical"):
        d[flag].extend([v[flag] for v in events])
    for key in ("dead", "injured", "arrested"):
        d[key].extend([m.get(key) for m in magnitudes])
    d["sentence"].extend(_slices(text, where))
    d["sentence_start"].extend([a for a, _ in where])
    d["sentence_end"].extend([b for _, b in where])


def record_batches(records: list[dict]) -> dict[str, pa.RecordBatch]:
    """Every config's rows for `records` (in that order), one record batch per config."""
    builder = RowBuilder()
    for record in records:
        builder.add(record)
    return builder.batches()
