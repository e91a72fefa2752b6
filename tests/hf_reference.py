"""The build's previous, straightforward implementation, kept as the oracle for the fast
paths of akhbar.hf.tokenize, akhbar.hf.rows and akhbar.hf.arrow (tests only).

The tokenizer here scans every sentence and tests every cut against every mention; the rows
are dicts with label strings, encoded to ClassLabel ids by a generic walk over the features
and converted with `pa.Table.from_pylist`. The fast paths must give the same sentences,
tokens, tags, rows, Arrow tables, sizes and parquet bytes (tests/test_hf_fast_paths.py).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.parquet as pq

from akhbar import labels
from akhbar.hf import features as F
from akhbar.hf.tokenize import SENTENCE_END, TOKEN, Mention, outermost

# ---- tokenize.py before the fast path -------------------------------------------------------

def sentences(text: str, protected: Sequence[Mention] = ()) -> list[tuple[int, int]]:
    """(start, end) of each sentence, without surrounding whitespace. `protected` are spans a
    break may not fall inside (the outermost mentions)."""
    cuts = [m.end() for m in SENTENCE_END.finditer(text)]
    cuts += [i for i, ch in enumerate(text) if ch == "\n"]
    spans = sorted((m.start, m.end) for m in protected)
    allowed = set()
    for cut in cuts:
        if not any(s < cut < e for s, e in spans):
            allowed.add(cut)
    result = []
    begin = 0
    for cut in sorted(allowed) + [len(text)]:
        chunk = text[begin:cut]
        stripped = chunk.strip()
        if stripped:
            lead = len(chunk) - len(chunk.lstrip())
            result.append((begin + lead, begin + lead + len(stripped)))
        begin = cut
    return result


def tokens(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """(start, end) of each token of text[start:end], in article offsets."""
    return [
        (start + m.start(), start + m.end())
        for m in TOKEN.finditer(text[start:end])
        if not (m.end() - m.start() == 1 and unicodedata.category(m.group()) == "Cf")
    ]


def _split_shared_hosts(toks: list[tuple[int, int]], layers: Iterable[Sequence[Mention]]) -> list[tuple[int, int]]:
    """Split a token where an outermost mention starts inside it while an earlier outermost
    mention (of the same layer) also lies in it: without the split one of them would get no
    B- tag."""
    cuts = set()
    for layer in layers:
        previous_end = None
        for m in layer:
            if previous_end is not None:
                for s, e in toks:
                    if s < m.start < e and s < previous_end:
                        cuts.add(m.start)
            previous_end = m.end
    if not cuts:
        return toks
    result = []
    for s, e in toks:
        inner = sorted(c for c in cuts if s < c < e)
        for c in inner:
            result.append((s, c))
            s = c
        result.append((s, e))
    return result


def iob2(toks: Sequence[tuple[int, int]], mentions: Sequence[Mention]) -> list[str]:
    """IOB2 tags of `toks` for non-overlapping mentions: the first token that overlaps a
    mention gets B-, the others I-."""
    tags = ["O"] * len(toks)
    i = 0
    for m in mentions:
        while i < len(toks) and toks[i][1] <= m.start:
            i += 1
        j = i
        first = True
        while j < len(toks) and toks[j][0] < m.end:
            tags[j] = ("B-" if first else "I-") + m.type
            first = False
            j += 1
    return tags


@dataclass
class Sentence:
    index: int
    start: int
    end: int
    tokens: list[tuple[int, int]]
    tags: list[list[str]]


def segment(text: str, layers: Sequence[Sequence[Mention]]) -> list[Sentence]:
    """Sentences with tokens and one IOB2 tag sequence per layer. Each layer is a list of
    mentions; its outermost ones are tagged. The first layer's outermost mentions protect
    sentence breaks, so every layer must nest inside it (true of type mappings, which only
    drop mentions)."""
    tops = [outermost(layer) for layer in layers]
    result = []
    for index, (s, e) in enumerate(sentences(text, tops[0] if tops else ())):
        inside = [[m for m in top if s <= m.start and m.end <= e] for top in tops]
        toks = _split_shared_hosts(tokens(text, s, e), inside)
        result.append(Sentence(index, s, e, toks, [iob2(toks, layer) for layer in inside]))
    return result


def sentence_at(sents: Sequence[Sentence], offset: int) -> Sentence | None:
    """The sentence holding `offset`, or the nearest one before it (offsets in whitespace
    between sentences)."""
    best = None
    for sentence in sents:
        if sentence.start <= offset:
            best = sentence
        if offset < sentence.end:
            break
    return best


# ---- rows.py before the columns ---------------------------------------------------------------


def article_row(record: dict) -> dict:
    feats = F.articles()
    # A validated record holds exactly the declared fields (the schema forbids any other), and
    # pyarrow takes struct fields by name, so the record needs no projection (a deep copy of
    # every article was a fifth of the build time).
    row = {k: record[k] for k in feats if k not in F.DERIVED_ARTICLE_FIELDS}
    order = {c: i for i, c in enumerate(labels.plover_categories())}
    # Sorted by class id (inventory order), the order of a multi-hot vector over the labels.
    row["event_types"] = sorted({e["category"] for e in record["events"]}, key=order.__getitem__)
    return row


class Analysis:
    """What the derived configs share for one record: entities by id, the mention layers,
    the sentences."""

    def __init__(self, record: dict):
        self.record = record
        self.entities = {e["id"]: e for e in record["entities"]}
        self.all_mentions = [
            (e, m) for e in record["entities"] for m in e["mentions"]
        ]
        akhbar_layer = [Mention(m["start"], m["end"], e["type"], m["id"]) for e, m in self.all_mentions]
        mapping = F.conll4_mapping()
        # CoNLL-4 is computed from the mentions, not from the tags: where an outermost mention
        # has no CoNLL counterpart (OCC, DATE…), the mentions nested in it surface instead.
        conll_layer = [Mention(m.start, m.end, mapping[m.type], m.id) for m in akhbar_layer if mapping[m.type]]
        self.sentences: list[Sentence] = segment(record["text"], [akhbar_layer, conll_layer])
        self.outermost_ids = {m.id for m in outermost(akhbar_layer)}

    def party(self, entity_id: str | None) -> dict | None:
        if entity_id is None:
            return None
        e = self.entities.get(entity_id)
        return {"entity": entity_id, "name": e["name"] if e else None, "type": e["type"] if e else None}


def ner_rows(analysis: Analysis) -> Iterator[tuple[dict, dict]]:
    """(ner row, ner_conll4 row) for each sentence."""
    record = analysis.record
    text = record["text"]
    for s in analysis.sentences:
        sid = f"{record['id']}/s{s.index:04d}"
        mentions = [
            {"entity": e["id"], "mention": m["id"], "type": e["type"], "start": m["start"], "end": m["end"],
             "text": m["text"], "outermost": m["id"] in analysis.outermost_ids}
            for e, m in analysis.all_mentions
            if m["start"] < s.end and m["end"] > s.start
        ]
        mentions.sort(key=lambda r: (r["start"], -r["end"], r["mention"]))
        toks = [text[a:b] for a, b in s.tokens]
        yield (
            {"id": sid, "article_id": record["id"], "sentence": s.index, "start": s.start, "end": s.end,
             "text": text[s.start:s.end], "tokens": toks,
             "token_starts": [a for a, _ in s.tokens], "token_ends": [b for _, b in s.tokens],
             "ner_tags": s.tags[0], "mentions": mentions},
            {"id": sid, "article_id": record["id"], "sentence": s.index, "tokens": toks, "ner_tags": s.tags[1]},
        )


def _paragraph(record: dict, start: int, end: int) -> tuple[int, int, str | None]:
    """The blocks a stretch touches, joined: (start, end, kind of the first block). Without
    blocks there, the newline-delimited line(s) around the stretch."""
    touched = [b for b in record["blocks"] if b["start"] < max(end, start + 1) and b["end"] > start]
    if touched:
        return touched[0]["start"], touched[-1]["end"], touched[0]["kind"]
    text = record["text"]
    line_end = text.find("\n", end)
    return text.rfind("\n", 0, start) + 1, len(text) if line_end == -1 else line_end, None


def quote_rows(analysis: Analysis) -> Iterator[dict]:
    record = analysis.record
    for q in record["quotes"]:
        fragments = [{"start": c["start"], "end": c["end"], "text": c["text"]} for c in q["content"]]
        cue = q["cue"]
        spans = fragments + ([cue] if cue else [])
        p_start, p_end, p_kind = _paragraph(record, min(s["start"] for s in spans), max(s["end"] for s in spans))
        speaker = analysis.party(q["speaker"]) or {}
        addressee = analysis.party(q["addressee"]) or {}
        span = q["speaker_span"]
        yield {
            "id": f"{record['id']}/{q['id']}",
            "article_id": record["id"],
            "quote": q["id"],
            "type": q["type"],
            # Fragments of a discontinuous quote are joined with one space.
            "content": " ".join(f["text"] for f in fragments),
            "content_fragments": fragments,
            "speaker": q["speaker"],
            "speaker_name": speaker.get("name"),
            "speaker_type": speaker.get("type"),
            "speaker_kind": q["speaker_kind"],
            "speaker_span": {"start": span["start"], "end": span["end"], "text": span["text"]} if span else None,
            "cue_text": cue["text"] if cue else None,
            "cue_lemma": cue["lemma"] if cue else None,
            "cue_start": cue["start"] if cue else None,
            "cue_end": cue["end"] if cue else None,
            "addressee": q["addressee"],
            "addressee_name": addressee.get("name"),
            "parent": q["parent"],
            "paragraph": record["text"][p_start:p_end],
            "paragraph_start": p_start,
            "paragraph_end": p_end,
            "paragraph_kind": p_kind,
        }


def event_rows(analysis: Analysis) -> Iterator[dict]:
    record = analysis.record
    for v in record["events"]:
        trigger = v["trigger"]
        sentence = sentence_at(analysis.sentences, trigger["start"])
        s_start, s_end = (sentence.start, sentence.end) if sentence else (trigger["start"], trigger["end"])
        magnitude = v["magnitude"] or {}
        yield {
            "id": f"{record['id']}/{v['id']}",
            "article_id": record["id"],
            "event": v["id"],
            "category": v["category"],
            "mode": v["mode"],
            "context": list(v["context"]),
            "trigger_text": trigger["text"],
            "trigger_start": trigger["start"],
            "trigger_end": trigger["end"],
            "actors": [analysis.party(a) for a in v["actor"]],
            "recipients": [analysis.party(r) for r in v["recipient"]],
            "arguments": [{"role": a["role"], **analysis.party(a["entity"])} for a in v["arguments"]],
            "negated": v["negated"],
            "future": v["future"],
            "hypothetical": v["hypothetical"],
            "historical": v["historical"],
            "dead": magnitude.get("dead"),
            "injured": magnitude.get("injured"),
            "arrested": magnitude.get("arrested"),
            "sentence": record["text"][s_start:s_end],
            "sentence_start": s_start,
            "sentence_end": s_end,
        }


def rows(record: dict) -> dict[str, list[dict]]:
    """Every config's rows for one record, in a stable order."""
    analysis = Analysis(record)
    ner, conll = [], []
    for a, b in ner_rows(analysis):
        ner.append(a)
        conll.append(b)
    return {
        "articles": [article_row(record)],
        "ner": ner,
        "ner_conll4": conll,
        "quotes": list(quote_rows(analysis)),
        "events": list(event_rows(analysis)),
    }


# ---- build.py's generic ClassLabel encoder -----------------------------------------------------


def _encoder(feature) -> Callable:
    """A function doing what `feature.encode_example` does to rows built by rows.py: label
    strings to ClassLabel ids; everything else is passed through untouched."""
    from datasets import ClassLabel, Features, List, Sequence

    def needs(f) -> bool:
        if isinstance(f, ClassLabel):
            return True
        if isinstance(f, dict | Features):
            return any(needs(v) for v in f.values())
        if isinstance(f, List | Sequence):
            return needs(f.feature)
        return False

    def build(f) -> Callable | None:
        if not needs(f):
            return None
        if isinstance(f, ClassLabel):
            ids = {name: i for i, name in enumerate(f.names)}

            def label(value):
                if isinstance(value, str):
                    return ids[value] if value in ids else f.encode_example(value)
                return value if value is None else f.encode_example(value)

            return label
        if isinstance(f, List | Sequence):
            item = build(f.feature)
            return lambda values: values if values is None else [item(v) for v in values]
        fields = [(k, build(v)) for k, v in f.items()]
        active = [(k, enc) for k, enc in fields if enc is not None]

        def record(value):
            if value is None:
                return None
            out = dict(value)
            for k, enc in active:
                if k in out:
                    out[k] = enc(out[k])
            return out

        return record

    return build(feature) or (lambda row: row)


class ReferenceWriter:
    """Batches one config's rows of one split into a parquet file with the declared schema
    (ClassLabel names travel in the schema's `huggingface` metadata)."""

    def __init__(self, path, config: str, batch_rows: int, group_rows: int, parquet_options: dict):
        self.features = F.features(config)
        self.schema = self.features.arrow_schema
        # Features.encode_example walks and casts every value of every row in Python; the
        # rows are already plain Python of the declared types, so only the ClassLabel fields
        # need encoding (same result, a fraction of the time).
        self.encode = _encoder(self.features)
        self.writer = pq.ParquetWriter(path, self.schema, **parquet_options)
        self.batch_rows = batch_rows
        self.batch: list[dict] = []
        self.group_rows = group_rows
        self.pending: list[pa.Table] = []  # converted batches waiting to form a row group
        self.pending_rows = 0
        self.count = 0
        self.nbytes = 0  # in-memory Arrow size, what `datasets` reports as a split's num_bytes

    def add(self, rows: list[dict]) -> None:
        encode = self.encode
        self.batch.extend(encode(r) for r in rows)
        if len(self.batch) >= self.batch_rows:
            self.flush()

    def flush(self) -> None:
        if self.batch:
            table = pa.Table.from_pylist(self.batch, schema=self.schema)
            self.pending.append(table)
            self.pending_rows += table.num_rows
            self.count += len(self.batch)
            self.nbytes += table.nbytes
            self.batch = []
        if self.pending_rows >= self.group_rows:
            # Groups of exactly group_rows rows (the file's last one shorter), however the
            # batches fell: the bytes do not depend on how rows arrived.
            table = pa.concat_tables(self.pending)
            full = table.num_rows - table.num_rows % self.group_rows
            self.writer.write_table(table.slice(0, full), row_group_size=self.group_rows)
            rest = table.slice(full)
            self.pending = [rest] if rest.num_rows else []
            self.pending_rows = rest.num_rows

    def close(self) -> int:
        self.flush()
        if self.pending:
            self.writer.write_table(pa.concat_tables(self.pending), row_group_size=self.group_rows)
            self.pending = []
        # An empty split is a file with the full schema and no row group: `datasets` loads it
        # as zero rows (a zero-row row group would make its reader fail; see the split policy).
        self.writer.close()
        return self.count


def reference_rows(records: list[dict]) -> dict[str, list[list[dict]]]:
    """Every config's rows (label strings), per record, as the build handed them to its
    writer."""
    produced = [rows(r) for r in records]
    return {config: [p[config] for p in produced] for config in ("articles", "ner", "ner_conll4", "quotes", "events")}


def reference_tables(records: list[dict]) -> dict[str, pa.Table]:
    """Every config's rows for `records`, encoded and converted as the build used to."""
    produced = [rows(r) for r in records]
    tables = {}
    for config in ("articles", "ner", "ner_conll4", "quotes", "events"):
        feats = F.features(config)
        encode = _encoder(feats)
        tables[config] = pa.Table.from_pylist([encode(x) for p in produced for x in p[config]], schema=feats.arrow_schema)
    return tables
