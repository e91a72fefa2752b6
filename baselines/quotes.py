"""Quotes baseline: rules.

* **Cue**: a word of the cue lexicon of `akhbar preannotate`: the lemmas of the cue inventory
  (schema/labels/cue_lemmas.json) and every cue word of train, each with its lemma, matched on
  normalised text with proclitics outside the span.
* **Content**: `akhbar preannotate`'s content rule (akhbar.preannotate.content_after): from the
  first أن/إن (and their forms), colon or opening quotation mark after the cue in its sentence
  to the closing mark or the end of the sentence; kept only if at most `max_gap` words lie
  between the cue and the content (tuned on validation). Content before its cue
  (« ... »، قال) is not looked for. Type: direct after a quotation mark, mixed when an indirect
  content holds one, else indirect.
* **Speaker**: the first person, organisation, place or group mention (gold mentions: the
  speaker candidates the `quotes` config names) between the cue and the content; else the
  nearest one before the cue in the sentence; else the previous quote's speaker (وأضاف ...);
  else none.
"""

from __future__ import annotations

import re

from akhbar.hf.tokenize import sentences
from akhbar.preannotate import QUOTE_OPEN, build_lexicon, content_after, find_matches

WORD = re.compile(r"\w+")
SPEAKER_TYPES = {"PERS", "ORG", "GPE", "NORP"}


def _speaker_mentions(record: dict) -> list[tuple[int, int, str]]:
    return sorted((m["start"], m["end"], e["id"]) for e in record["entities"] if e["type"] in SPEAKER_TYPES
                  for m in e["mentions"])


def _type(text: str, start: int, end: int) -> str:
    before = text[:start].rstrip()
    if before and before[-1] in QUOTE_OPEN:
        return "direct"
    return "mixed" if any(ch in text[start:end] for ch in QUOTE_OPEN) else "indirect"


class QuoteRules:
    def __init__(self, train: list[dict]):
        self.cues = build_lexicon(train).cues
        self.max_gap = 8

    def rows(self, record: dict) -> list[dict]:
        text = record["text"]
        bounds = sentences(text)
        mentions = _speaker_mentions(record)
        rows, previous = [], None
        for cue in find_matches(text, self.cues, 1):
            content = content_after(text, cue.end)
            if content is None or len(WORD.findall(text[cue.end:content[0]])) > self.max_gap:
                continue
            start, end = content
            sentence_start = max((s for s, _ in bounds if s <= cue.start), default=0)
            after = [m for m in mentions if cue.end <= m[0] and m[1] <= start]
            before = [m for m in mentions if sentence_start <= m[0] and m[1] <= cue.start]
            if after or before:
                speaker, kind = (after[0] if after else before[-1])[2], "named"
            else:
                speaker, kind = previous, "pronoun" if previous else "anonymous"
            previous = speaker
            rows.append({"article_id": record["id"], "quote": f"q{len(rows) + 1}", "type": _type(text, start, end),
                         "content_fragments": [{"start": start, "end": end}],
                         "cue_start": cue.start, "cue_end": cue.end, "cue_lemma": self.cues[cue.key],
                         "speaker": speaker, "speaker_kind": kind})
        return rows
