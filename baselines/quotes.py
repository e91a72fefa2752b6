"""Quotes baseline: rules.

* **Cue**: a word whose form is a cue form, from the cue-lemma inventory (schema/labels/
  cue_lemmas.json) and the cue words seen in train, each with its lemma.
* **Content**: within `max_gap` words after the cue and in the same sentence, the first of an
  opening quotation mark (direct: up to the closing mark), أن/إن and its pronoun forms
  (indirect: from the next word to the end of the sentence) or a colon (to the end of the
  sentence; direct when a quotation mark opens it). A cue with none of these is no quote.
  Content before its cue (« ... »، قال) is not looked for.
* **Speaker**: the first person, organisation or place mention (gold mentions: the speaker
  candidates the `quotes` config names) between the cue and the content; else the nearest such
  mention before the cue in the sentence; else the previous quote's speaker (وأضاف ...); else none.
"""

from __future__ import annotations

import re

from common import strip_proclitics

from akhbar import labels
from akhbar.hf.tokenize import sentences

WORD = re.compile(r"\w+|[\"«»“”:]")
OPENING, CLOSING = "\"«“", "\"»”"
THAT = {"أن", "إن", "ان", "بأن", "وأن", "وإن"}
THAT_PRONOUN = re.compile(r"^[وب]?[أإا]ن(ه|ها|هم|هما|هن|نا|ني|ي|ك|كم)$")
SPEAKER_TYPES = {"PERS", "ORG", "GPE", "NORP"}


def cue_forms(train: list[dict]) -> dict[str, str]:
    """Cue word form -> lemma: the inventory's forms, with و/ف before them, and every one-word
    cue of train (most frequent lemma per form)."""
    forms: dict[str, str] = {}
    for item in labels.inventory("cue_lemmas")["labels"]:
        for form in item.get("forms", []) + [item["lemma"]]:
            if " " not in form:
                for prefix in ("", "و", "ف"):
                    forms.setdefault(prefix + form, item["lemma"])
    for record in train:
        for quote in record["quotes"]:
            cue = quote["cue"]
            if cue and " " not in cue["text"].strip() and cue.get("lemma"):
                forms.setdefault(cue["text"].strip(), cue["lemma"])
    return forms


def _sentence_end(bounds: list[tuple[int, int]], offset: int) -> int:
    for start, end in bounds:
        if start <= offset < end:
            return end
    return offset


def _content_end(text: str, start: int, end: int) -> int:
    """The end of a content running to `end` (the sentence's), less final punctuation and space."""
    while end > start and (text[end - 1].isspace() or text[end - 1] in ".!?؟…،,"):
        end -= 1
    return end


def _mentions(record: dict) -> list[tuple[int, int, str]]:
    found = [(m["start"], m["end"], e["id"]) for e in record["entities"] if e["type"] in SPEAKER_TYPES for m in e["mentions"]]
    return sorted(found)


class QuoteRules:
    def __init__(self, train: list[dict]):
        self.forms = cue_forms(train)
        self.max_gap = 8

    def _content(self, text: str, words: list, i: int, sent_end: int):
        """(start, end, type) of the content a cue at word i introduces, or None."""
        for j in range(i + 1, min(i + 1 + self.max_gap, len(words))):
            start, end, word = words[j]
            if start >= sent_end:
                return None
            if word in OPENING:
                close = min((text.find(c, end) for c in CLOSING if text.find(c, end) != -1), default=-1)
                close = close if close != -1 else sent_end
                return end, close, "direct"
            if word in THAT or THAT_PRONOUN.match(word):
                if j + 1 < len(words) and words[j + 1][0] < sent_end:
                    return words[j + 1][0], sent_end, "indirect"
                return None
            if word == ":":
                kind = "direct" if j + 1 < len(words) and words[j + 1][2] in OPENING else "indirect"
                return end, sent_end, kind
        return None

    def quotes(self, record: dict) -> list[dict]:
        text = record["text"]
        words = [(m.start(), m.end(), m.group()) for m in WORD.finditer(text)]
        bounds = sentences(text)
        mentions = _mentions(record)
        rows, previous = [], None
        for i, (start, end, word) in enumerate(words):
            lemma = self.forms.get(word) or self.forms.get(strip_proclitics(word))
            if lemma is None:
                continue
            sent_end = _sentence_end(bounds, start)
            found = self._content(text, words, i, sent_end)
            if found is None:
                continue
            c_start, c_end, kind = found
            c_end = _content_end(text, c_start, c_end)
            if c_end <= c_start:
                continue
            if kind == "indirect" and any(ch in text[c_start:c_end] for ch in OPENING):
                kind = "mixed"
            sent_start = max((s for s, _ in bounds if s <= start), default=0)
            after = [m for m in mentions if end <= m[0] and m[1] <= c_start]
            before = [m for m in mentions if sent_start <= m[0] and m[1] <= start]
            if after:
                speaker, speaker_kind = after[0][2], "named"
            elif before:
                speaker, speaker_kind = before[-1][2], "named"
            elif previous is not None:
                speaker, speaker_kind = previous, "pronoun"
            else:
                speaker, speaker_kind = None, "anonymous"
            previous = speaker or previous
            rows.append({"article_id": record["id"], "quote": f"q{len(rows) + 1}", "type": kind,
                         "content_fragments": [{"start": c_start, "end": c_end}],
                         "cue_start": start, "cue_end": end, "cue_lemma": lemma,
                         "speaker": speaker, "speaker_kind": speaker_kind})
        return rows
