"""Pre-annotation: `akhbar preannotate` proposes what the corpus already knows (entity
mentions, quote cues with a content proposal, event triggers), so that the next article
starts from a draft instead of a blank page; an annotator checks every proposal.
docs/preannotate.md describes what is proposed and from what.

Matching is on normalised text (`normalise`), word by word, longest match first, with the
proclitics of the clitic policy left outside the span as the guidelines require. Nothing is
guessed beyond the lexicon: no speaker, no participants, no mode. `evaluate` measures the
proposals against gold articles (leave-one-out) with the official scorer (`akhbar.agree`).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from pyarabic import araby

from akhbar import labels
from akhbar.agree import PRF, Scores, micro, score_docs
from akhbar.alignment import read_doc
from akhbar.schema import LAYERS, MAGNITUDE_KEYS

# One-letter proclitics (conjunctions, prepositions, the future particle) and their usual
# stacks; tried longest first. «لل» is handled by the lexicon variant without the first ل.
PROCLITICS = ("وب", "ول", "وك", "فب", "فل", "وس", "فس", "و", "ف", "ب", "ل", "ك", "س")
WORD = re.compile(r"[\w\u0600-\u06FF]+")
# Characters that end a sentence for content proposals.
SENTENCE_END = ".؟?!\n"
COMPLEMENTISERS = ("إن", "أن", "بأن", "فإن", "إنه", "أنه", "أنها", "إنها", "بأنه", "بأنها")
QUOTE_OPEN = '"«“'
QUOTE_CLOSE = '"»”'
NO_QUOTE_OR_EVENT_BLOCKS = ("headline", "heading")
TOOL_NAME = "akhbar-preannotate"


def normalise(s: str) -> str:
    """Length-preserving once diacritics and tatweel are gone (see `_normalised_text`)."""
    s = araby.strip_tatweel(araby.strip_tashkeel(s))
    return s.translate(_FOLD)


_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"})


@dataclass
class Lexicon:
    """What the corpus knows: normalised surface -> proposal."""

    names: dict[str, tuple[str, str]]  # -> (type, canonical name)
    cues: dict[str, str]  # -> lemma
    triggers: dict[str, str]  # -> category
    longest: int  # words in the longest entry


def build_lexicon(records: Iterable[dict], exclude: set[str] = frozenset()) -> Lexicon:
    """The lexicon of every annotated (non-draft) record except those in `exclude`."""
    name_votes: dict[str, Counter] = defaultdict(Counter)
    trigger_votes: dict[str, Counter] = defaultdict(Counter)
    cues = {normalise(lemma): lemma for lemma in labels.cue_lemmas()}
    for record in records:
        if record.get("id") in exclude or record.get("annotation", {}).get("status") == "draft":
            continue
        for entity in record.get("entities", []):
            for mention in entity.get("mentions", []):
                key = normalise(mention["text"])
                proposal = (entity["type"], entity.get("name") or mention["text"])
                name_votes[key][proposal] += 1
                # «للجيش» is written ل + الجيش with the alif of ال dropped; the span starts after the
                # first ل, so «لجيش …» is the form such a mention takes in text (guidelines H-E1).
                if key.startswith("ال") and len(key) > 3:
                    name_votes["ل" + key[2:]][proposal] += 1
        for quote in record.get("quotes", []):
            cue = quote.get("cue")
            if cue:
                cues[normalise(cue["text"])] = cue["lemma"]
        for event in record.get("events", []):
            trigger_votes[normalise(event["trigger"]["text"])][event["category"]] += 1
    # One proposal per surface: its most frequent (type, name) or category; ties go to the
    # first seen (Counter.most_common keeps the order of first sight among equal counts).
    names = {key: votes.most_common(1)[0][0] for key, votes in name_votes.items()}
    triggers = {key: votes.most_common(1)[0][0] for key, votes in trigger_votes.items()}
    longest = max([len(k.split()) for k in (*names, *triggers, *cues)] or [1])
    return Lexicon(names, cues, triggers, longest)


def _normalised_text(text: str) -> tuple[str, list[int]]:
    """The normalised text and, for each of its characters, the index in `text` it came from."""
    chars, index = [], []
    for i, ch in enumerate(text):
        folded = normalise(ch)
        if folded:
            chars.append(folded)
            index.append(i)
    return "".join(chars), index


@dataclass
class Match:
    start: int  # in the original text
    end: int
    key: str


def find_matches(text: str, table: dict[str, object], longest: int) -> list[Match]:
    """Non-overlapping matches of `table`'s keys on word boundaries, longest first, with
    proclitics outside the span. (The baselines, baselines/, match their lexicons with it too.)"""
    norm, index = _normalised_text(text)
    words = [(m.start(), m.end()) for m in WORD.finditer(norm)]
    found, i = [], 0
    while i < len(words):
        hit = None
        for n in range(min(longest, len(words) - i), 0, -1):
            first_start, last_end = words[i][0], words[i + n - 1][1]
            phrase = " ".join(norm[a:b] for a, b in words[i:i + n])
            for clitic in ("", *PROCLITICS):
                if not phrase.startswith(clitic) or len(phrase) - len(clitic) < 2:
                    continue
                key = phrase[len(clitic):]
                # the phrase joined with single spaces must equal the text's own spacing
                if key in table and norm[first_start + len(clitic):last_end].replace("\n", " ") == key:
                    hit = (n, Match(index[first_start + len(clitic)], index[last_end - 1] + 1, key))
                    break
            if hit:
                break
        if hit:
            found.append(hit[1])
            i += hit[0]
        else:
            i += 1
    return found


def _blocked(record: dict) -> list[tuple[int, int]]:
    return [(b["start"], b["end"]) for b in record.get("blocks", []) if b["kind"] in NO_QUOTE_OR_EVENT_BLOCKS]


def _inside(ranges: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(a <= start and end <= b for a, b in ranges)


def content_after(text: str, cue_end: int) -> tuple[int, int] | None:
    """A content proposal after a cue: from the first complementiser, colon or opening
    quotation mark in the same sentence (skipping it) to the closing mark or the sentence
    end (quotes C-1, C-2); None when the sentence has nothing after the cue."""
    stop = min([p for p in (text.find(ch, cue_end) for ch in SENTENCE_END) if p != -1] or [len(text)])
    window = text[cue_end:stop]
    start = next((cue_end + m.end() for m in WORD.finditer(window) if m.group() in COMPLEMENTISERS), None)
    end = stop
    mark = next((j for j, ch in enumerate(window) if ch in QUOTE_OPEN or ch == ":"), None)
    # Only the first mark counts, and only when it comes before the complementiser.
    if mark is not None and (start is None or cue_end + mark + 1 < start):
        start = cue_end + mark + 1
        if window[mark] in QUOTE_OPEN:  # the content runs to the closing mark, if there is one
            close = text.find(QUOTE_CLOSE[QUOTE_OPEN.index(window[mark])], start)
            end = close if close != -1 else stop
    if start is None:
        return None
    while start < end and not text[start].isalnum():
        start += 1
    while end > start and not text[end - 1].isalnum() and text[end - 1] not in "؟!":
        end -= 1
    return (start, end) if end > start else None


def preannotate(record: dict, lexicon: Lexicon) -> dict:
    """A copy of `record` with proposed entities, quotes and events (status draft)."""
    text = record["text"]
    blocked = _blocked(record)
    entities: dict[tuple[str, str], dict] = {}
    mention_number = 0
    for m in find_matches(text, lexicon.names, lexicon.longest):
        etype, name = lexicon.names[m.key]
        entity = entities.setdefault((etype, name), {
            "id": f"e{len(entities) + 1}", "type": etype, "subtype": None, "name": name,
            "wikidata": None, "mentions": []})
        mention_number += 1
        entity["mentions"].append({"id": f"m{mention_number}", "start": m.start, "end": m.end, "text": text[m.start:m.end]})
    quotes = []
    for m in find_matches(text, lexicon.cues, 1):
        if _inside(blocked, m.start, m.end):
            continue
        content = content_after(text, m.end)
        if content is None:
            continue
        quotes.append({
            "id": f"q{len(quotes) + 1}", "type": "indirect",
            "content": [{"start": content[0], "end": content[1], "text": text[content[0]:content[1]]}],
            "cue": {"start": m.start, "end": m.end, "text": text[m.start:m.end], "lemma": lexicon.cues[m.key]},
            "speaker": None, "speaker_kind": "implicit", "speaker_span": None, "addressee": None, "parent": None,
        })
    events = []
    for m in find_matches(text, lexicon.triggers, lexicon.longest):
        if _inside(blocked, m.start, m.end):
            continue
        events.append({
            "id": f"v{len(events) + 1}", "category": lexicon.triggers[m.key], "mode": None, "context": [],
            "trigger": {"start": m.start, "end": m.end, "text": text[m.start:m.end]},
            "actor": [], "recipient": [], "arguments": [],
            **dict.fromkeys(labels.event_markers(), False),
            "magnitude": dict.fromkeys(MAGNITUDE_KEYS),
        })
    draft = dict(record)
    draft["entities"], draft["quotes"], draft["events"] = list(entities.values()), quotes, events
    draft["annotation"] = {**record.get("annotation", {}), "status": "draft", "annotators": [TOOL_NAME],
                           "layers": dict.fromkeys(LAYERS, "pending")}
    return draft


# ---- how far to trust it -------------------------------------------------------------------


def evaluate(records: list[dict], gold_status: tuple[str, ...] = ("gold",)) -> dict:
    """Leave-one-out precision/recall of the proposals on every record whose status is in
    `gold_status`: the lexicon for an article comes from all other annotated articles. Scored
    with the official scorer (entity mentions exact and typed; quote cues; event triggers and
    trigger + category)."""
    total, cues = Scores(), PRF()
    golds = [r for r in records if r.get("annotation", {}).get("status") in gold_status]
    for gold in golds:
        draft = preannotate(gold, build_lexicon(records, exclude={gold["id"]}))
        total.add(score_docs(read_doc(gold), read_doc(draft)))
        cues.add(_cue_prf(gold, draft))
    found = {"mentions": micro(total.mentions_exact), "mentions_untyped": total.detection_exact, "cues": cues,
             "triggers": total.triggers, "triggers_typed": micro(total.events_typed)}
    return {"articles": len(golds), **{k: v.as_json() for k, v in found.items()}}


def _cue_prf(gold: dict, draft: dict):
    """Cue detection: a proposed cue is right when a gold quote has a cue with the same
    offsets."""
    g = {(q["cue"]["start"], q["cue"]["end"]) for q in gold.get("quotes", []) if q.get("cue")}
    p = {(q["cue"]["start"], q["cue"]["end"]) for q in draft.get("quotes", []) if q.get("cue")}
    tp = len(g & p)
    return PRF(tp, len(p) - tp, len(g) - tp)
