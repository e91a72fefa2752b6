"""Events baseline: a trigger lexicon from train. Every trigger text seen in train (first
word without its proclitics) is an entry with its most frequent PLOVER category; an entry
fires wherever its words occur, if it was a trigger in at least `min_ratio` of its
occurrences in train (tuned on validation: اجتماع is a trigger, في never is). No arguments,
modes or markers are predicted."""

from __future__ import annotations

import re
from collections import Counter, defaultdict

from common import strip_proclitics

WORD = re.compile(r"\w+")


def _words(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group()) for m in WORD.finditer(text)]


def _key(words: list[str]) -> tuple[str, ...]:
    return (strip_proclitics(words[0]), *words[1:])


class TriggerLexicon:
    def __init__(self, records: list[dict]):
        categories: dict[tuple[str, ...], Counter] = defaultdict(Counter)
        for record in records:
            for event in record["events"]:
                words = WORD.findall(event["trigger"]["text"])
                if words:
                    categories[_key(words)][event["category"]] += 1
        longest = max((len(k) for k in categories), default=1)
        seen: Counter = Counter()
        for record in records:
            words = [w for _, _, w in _words(record["text"])]
            for n in range(1, longest + 1):
                for i in range(len(words) - n + 1):
                    key = _key(words[i:i + n])
                    if key in categories:
                        seen[key] += 1
        self.longest = longest
        self.entries = {k: (c.most_common(1)[0][0], sum(c.values()) / max(seen[k], 1)) for k, c in categories.items()}
        self.min_ratio = 0.0

    def events(self, record: dict) -> list[dict]:
        """`events` rows of the triggers found in the record's text (longest match first)."""
        words = _words(record["text"])
        rows, i = [], 0
        while i < len(words):
            for n in range(min(self.longest, len(words) - i), 0, -1):
                entry = self.entries.get(_key([w for _, _, w in words[i:i + n]]))
                if entry and entry[1] >= self.min_ratio:
                    first = words[i]
                    # The trigger span leaves the proclitics out, as the guidelines do.
                    start = first[0] + len(first[2]) - len(strip_proclitics(first[2]))
                    rows.append({"article_id": record["id"], "event": f"v{len(rows) + 1}", "category": entry[0],
                                 "trigger_start": start, "trigger_end": words[i + n - 1][1]})
                    i += n
                    break
            else:
                i += 1
        return rows
