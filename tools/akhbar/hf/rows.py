"""Validated records -> the rows of every config, as Arrow record batches of the declared
features (ClassLabels as ids).

The rows are appended column by column (arrow.Columns) rather than built as a dict per row:
at some 35 sentences, 200 mentions, 45 quotes and 55 events an article, dicts and their
encoding cost more than the derivation. `RowBuilder` takes records in order and gives the
batches of the records it was given; the build calls it per run of articles (in worker
processes when there are several cores).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from functools import cache
from itertools import accumulate, pairwise

import pyarrow as pa

from akhbar import labels
from akhbar.hf import CONFIGS
from akhbar.hf import features as F
from akhbar.hf.arrow import ArticlesBatcher, Columns
from akhbar.hf.tokenize import TokenView, sentence_index_at, token_view


class Labels:
    """ClassLabel ids by name, from the features (the inventory order)."""

    def __init__(self):
        self.entity_type = _ids(labels.entity_types())
        self.quote_type = _ids(labels.quote_types())
        self.speaker_kind = _ids(labels.speaker_kinds())
        self.category = _ids(labels.plover_categories())
        ner_tags = _ids(F.ner_tag_names())
        conll_tags = _ids(F.conll4_tag_names())
        # Mentions as token_view takes them: (B- id, I- id) per entity type, in each tag set;
        # None where the type has no CoNLL-4 counterpart (the mention is dropped there).
        self.ner_bi = {t: (ner_tags[f"B-{t}"], ner_tags[f"I-{t}"]) for t in labels.entity_types()}
        self.conll_bi = {
            t: (conll_tags[f"B-{c}"], conll_tags[f"I-{c}"]) if c else None
            for t, c in F.conll4_mapping().items()
        }


def _ids(names) -> dict[str, int]:
    return {name: i for i, name in enumerate(names)}


@cache
def _labels() -> Labels:
    return Labels()


class Analysis:
    """What the derived configs share for one record: entities by id, the mentions in row
    order, the token view (sentences, tokens, tags in both tag sets)."""

    def __init__(self, record: dict):
        lab = _labels()
        self.record = record
        self.entities = {e["id"]: e for e in record["entities"]}
        # (start, end, B- id, I- id, entity, mention) in record order: token_view reads the
        # first four; the outermost ones come back in view.outermost.
        ner_layer, conll_layer = [], []
        for e in record["entities"]:
            bi = lab.ner_bi[e["type"]]
            cbi = lab.conll_bi[e["type"]]
            for m in e["mentions"]:
                span = (m["start"], m["end"], bi[0], bi[1], e, m)
                ner_layer.append(span)
                # CoNLL-4 is computed from the mentions, not from the tags: where an outermost
                # mention has no CoNLL counterpart (OCC, DATE…), the mentions nested in it
                # surface instead.
                if cbi:
                    conll_layer.append((m["start"], m["end"], cbi[0], cbi[1]))
        self.mentions = ner_layer
        self.view: TokenView = token_view(record["text"], [ner_layer, conll_layer], outside=0)
        self.outermost_ids = {span[5]["id"] for span in self.view.outermost[0]}

    def party(self, entity_id: str | None) -> tuple[str, str | None, int | None] | None:
        """(entity id, its name, its type id), or None without an entity."""
        if entity_id is None:
            return None
        e = self.entities.get(entity_id)
        if e is None:
            return entity_id, None, None
        return entity_id, e["name"], _labels().entity_type[e["type"]]


class RowBuilder:
    """Appends records' rows to one Columns per derived config, and turns them into record
    batches (with the `articles` batch of the same records)."""

    def __init__(self):
        self.columns = {c: Columns(F.features(c).arrow_schema) for c in CONFIGS if c != "articles"}
        self.articles = ArticlesBatcher(F.articles(), F.DERIVED_ARTICLE_FIELDS)
        self.records: list[dict] = []
        self.event_types: list[list[int]] = []
        self.tokens: list[int] = []  # tokens per record (the card's counts)

    def add(self, record: dict) -> None:
        analysis = Analysis(record)
        self.records.append(record)
        # Sorted by class id (inventory order), the order of a multi-hot vector over the labels.
        self.event_types.append(sorted({_labels().category[e["category"]] for e in record["events"]}))
        self.tokens.append(analysis.view.bounds[-1] - analysis.view.bounds[0])
        add_ner(analysis, self.columns["ner"], self.columns["ner_conll4"])
        add_quotes(analysis, self.columns["quotes"])
        add_events(analysis, self.columns["events"])

    def batches(self) -> dict[str, pa.RecordBatch]:
        """Every config's batch for the records added, in CONFIGS order."""
        event_types = pa.ListArray.from_arrays(
            pa.array(accumulate(map(len, self.event_types), initial=0), pa.int32()),
            pa.array([i for ids in self.event_types for i in ids], pa.int64()),
            type=F.articles().arrow_schema.field("event_types").type,
        )
        result = {"articles": self.articles.to_batch(self.records, {"event_types": event_types})}
        for config, columns in self.columns.items():
            result[config] = columns.to_batch()
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
    first, last = view.bounds[0], view.bounds[-1]
    lengths = [b - a for a, b in pairwise(view.bounds)]
    ids = [f"{aid}/s{k:04d}" for k in range(n)]
    words = view.words[first:last]
    for cols in (ner, conll):
        d = cols.data
        d["id"].extend(ids)
        d["article_id"].extend([aid] * n)
        d["sentence"].extend(range(n))
        d["tokens"].extend(words)
        cols.lengths["tokens"].extend(lengths)
        cols.lengths["ner_tags"].extend(lengths)
        cols.counts.append(n)
    d = ner.data
    d["start"].extend(s for s, _ in sents)
    d["end"].extend(e for _, e in sents)
    d["text"].extend([text[s:e] for s, e in sents])
    d["token_starts"].extend(view.starts[first:last])
    d["token_ends"].extend(view.ends[first:last])
    ner.lengths["token_starts"].extend(lengths)
    ner.lengths["token_ends"].extend(lengths)
    d["ner_tags"].extend(view.tags[0][first:last])
    conll.data["ner_tags"].extend(view.tags[1][first:last])
    _add_sentence_mentions(analysis, ner)


def _add_sentence_mentions(analysis: Analysis, ner: Columns) -> None:
    """Every mention overlapping each sentence, nested ones too, ordered by (start, -end,
    mention id)."""
    spans = sorted(analysis.mentions, key=lambda s: (s[0], -s[1], s[5]["id"]))
    starts = [s[0] for s in spans]
    ends = [s[1] for s in spans]
    order: list[int] = []
    lengths: list[int] = []
    active: list[int] = []  # mentions starting before the sentence ends, not ended before it starts
    p = 0
    for s, e in analysis.view.sentences:
        while p < len(spans) and starts[p] < e:
            active.append(p)
            p += 1
        active = [i for i in active if ends[i] > s]
        order.extend(active)
        lengths.append(len(active))
    ner.lengths["mentions"].extend(lengths)
    chosen = spans if order == list(range(len(spans))) else [spans[i] for i in order]
    outer = analysis.outermost_ids
    type_ids = _labels().entity_type
    d = ner.data
    d["mentions.entity"].extend([s[4]["id"] for s in chosen])
    d["mentions.mention"].extend([s[5]["id"] for s in chosen])
    d["mentions.type"].extend([type_ids[s[4]["type"]] for s in chosen])
    d["mentions.start"].extend([s[0] for s in chosen])
    d["mentions.end"].extend([s[1] for s in chosen])
    d["mentions.text"].extend([s[5]["text"] for s in chosen])
    d["mentions.outermost"].extend([s[5]["id"] in outer for s in chosen])


class _Blocks:
    """The blocks a stretch touches. Blocks are sorted and disjoint in a valid record, so the
    touched ones are a run found by bisection; otherwise every block is tested."""

    def __init__(self, record: dict):
        self.blocks = record["blocks"]
        self.starts = [b["start"] for b in self.blocks]
        self.ends = [b["end"] for b in self.blocks]
        self.sorted = all(b["start"] <= b["end"] for b in self.blocks) and all(
            a["end"] <= b["start"] for a, b in pairwise(self.blocks))

    def touched(self, start: int, end: int) -> tuple[dict, dict] | None:
        """(first, last) block with start < max(end, start + 1) and end > start."""
        limit = max(end, start + 1)
        if self.sorted:
            i = bisect_right(self.ends, start)
            j = bisect_left(self.starts, limit, i)
            return (self.blocks[i], self.blocks[j - 1]) if i < j else None
        hit = [b for b in self.blocks if b["start"] < limit and b["end"] > start]
        return (hit[0], hit[-1]) if hit else None


def _paragraph(record: dict, blocks: _Blocks, start: int, end: int) -> tuple[int, int, str | None]:
    """The blocks a stretch touches, joined: (start, end, kind of the first block). Without
    blocks there, the newline-delimited line(s) around the stretch."""
    touched = blocks.touched(start, end)
    if touched:
        return touched[0]["start"], touched[1]["end"], touched[0]["kind"]
    text = record["text"]
    line_end = text.find("\n", end)
    return text.rfind("\n", 0, start) + 1, len(text) if line_end == -1 else line_end, None


def add_quotes(analysis: Analysis, cols: Columns) -> None:
    record = analysis.record
    aid, text = record["id"], record["text"]
    lab = _labels()
    blocks = _Blocks(record)
    d = cols.data
    n = 0
    for q in record["quotes"]:
        n += 1
        content = q["content"]
        cue = q["cue"]
        p_start, p_end, p_kind = _paragraph(
            record, blocks,
            min(min(c["start"] for c in content), cue["start"]) if cue else min(c["start"] for c in content),
            max(max(c["end"] for c in content), cue["end"]) if cue else max(c["end"] for c in content),
        )
        speaker = analysis.party(q["speaker"])
        addressee = analysis.party(q["addressee"])
        span = q["speaker_span"]
        d["id"].append(f"{aid}/{q['id']}")
        d["article_id"].append(aid)
        d["quote"].append(q["id"])
        d["type"].append(lab.quote_type[q["type"]] if q["type"] is not None else None)
        # Fragments of a discontinuous quote are joined with one space.
        d["content"].append(" ".join(c["text"] for c in content))
        cols.lengths["content_fragments"].append(len(content))
        d["content_fragments.start"].extend([c["start"] for c in content])
        d["content_fragments.end"].extend([c["end"] for c in content])
        d["content_fragments.text"].extend([c["text"] for c in content])
        d["speaker"].append(q["speaker"])
        d["speaker_name"].append(speaker[1] if speaker else None)
        d["speaker_type"].append(speaker[2] if speaker else None)
        d["speaker_kind"].append(lab.speaker_kind[q["speaker_kind"]] if q["speaker_kind"] is not None else None)
        cols.valid["speaker_span"].append(span is not None)
        d["speaker_span.start"].append(span["start"] if span else 0)
        d["speaker_span.end"].append(span["end"] if span else 0)
        d["speaker_span.text"].append(span["text"] if span else "")
        d["cue_text"].append(cue["text"] if cue else None)
        d["cue_lemma"].append(cue["lemma"] if cue else None)
        d["cue_start"].append(cue["start"] if cue else None)
        d["cue_end"].append(cue["end"] if cue else None)
        d["addressee"].append(q["addressee"])
        d["addressee_name"].append(addressee[1] if addressee else None)
        d["parent"].append(q["parent"])
        d["paragraph"].append(text[p_start:p_end])
        d["paragraph_start"].append(p_start)
        d["paragraph_end"].append(p_end)
        d["paragraph_kind"].append(p_kind)
    cols.counts.append(n)


def _add_parties(cols: Columns, column: str, parties: list[tuple], roles: list[str] | None = None) -> None:
    cols.lengths[column].append(len(parties))
    d = cols.data
    d[f"{column}.entity"].extend([p[0] for p in parties])
    d[f"{column}.name"].extend([p[1] for p in parties])
    d[f"{column}.type"].extend([p[2] for p in parties])
    if roles is not None:
        d[f"{column}.role"].extend(roles)


def add_events(analysis: Analysis, cols: Columns) -> None:
    record = analysis.record
    aid, text = record["id"], record["text"]
    lab = _labels()
    sents = analysis.view.sentences
    sent_starts = [s for s, _ in sents]
    sent_ends = [e for _, e in sents]
    party = analysis.party
    d = cols.data
    n = 0
    for v in record["events"]:
        n += 1
        trigger = v["trigger"]
        k = sentence_index_at(sent_starts, sent_ends, trigger["start"])
        s_start, s_end = sents[k] if k is not None else (trigger["start"], trigger["end"])
        magnitude = v["magnitude"] or {}
        d["id"].append(f"{aid}/{v['id']}")
        d["article_id"].append(aid)
        d["event"].append(v["id"])
        d["category"].append(lab.category[v["category"]] if v["category"] is not None else None)
        d["mode"].append(v["mode"])
        cols.lengths["context"].append(len(v["context"]))
        d["context"].extend(v["context"])
        d["trigger_text"].append(trigger["text"])
        d["trigger_start"].append(trigger["start"])
        d["trigger_end"].append(trigger["end"])
        _add_parties(cols, "actors", [party(a) for a in v["actor"]])
        _add_parties(cols, "recipients", [party(r) for r in v["recipient"]])
        _add_parties(cols, "arguments", [party(a["entity"]) for a in v["arguments"]],
                     [a["role"] for a in v["arguments"]])
        d["negated"].append(v["negated"])
        d["future"].append(v["future"])
        d["hypothetical"].append(v["hypothetical"])
        d["historical"].append(v["historical"])
        d["dead"].append(magnitude.get("dead"))
        d["injured"].append(magnitude.get("injured"))
        d["arrested"].append(magnitude.get("arrested"))
        d["sentence"].append(text[s_start:s_end])
        d["sentence_start"].append(s_start)
        d["sentence_end"].append(s_end)
    cols.counts.append(n)


def record_batches(records: list[dict]) -> dict[str, pa.RecordBatch]:
    """Every config's rows for `records` (in that order), one record batch per config."""
    builder = RowBuilder()
    for record in records:
        builder.add(record)
    return builder.batches()
