"""One validated record -> its rows in every config, with labels as strings (the features
encode them to ClassLabel ids when the rows are written)."""

from __future__ import annotations

from collections.abc import Iterator

from akhbar import labels
from akhbar.hf import features as F
from akhbar.hf.tokenize import Mention, Sentence, outermost, segment, sentence_at


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
