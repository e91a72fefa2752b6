"""Events baseline: a trigger lexicon from train. Every trigger text of train is an entry with
its most frequent PLOVER category (`akhbar preannotate`'s trigger lexicon, matched on
normalised text with proclitics outside the span). An entry fires wherever it matches, if at
least `min_ratio` of its matches in the training texts are annotated triggers (tuned on
validation: اجتماع is often a trigger, a common verb rarely is). No arguments, modes or
markers are predicted."""

from __future__ import annotations

from common import train_precision, trigger_spans

from akhbar.preannotate import build_lexicon, find_matches


class TriggerLexicon:
    def __init__(self, records: list[dict]):
        self.lexicon = build_lexicon(records)
        self.precision = train_precision(self.lexicon.triggers, self.lexicon.longest, records, trigger_spans)
        self.min_ratio = 0.0

    @property
    def entries(self) -> dict[str, str]:
        return {k: v for k, v in self.lexicon.triggers.items() if self.precision[k] >= self.min_ratio}

    def rows(self, record: dict) -> list[dict]:
        """`events` rows of the triggers found in the record's text."""
        table = self.entries
        return [{"article_id": record["id"], "event": f"v{n}", "category": table[m.key],
                 "trigger_start": m.start, "trigger_end": m.end}
                for n, m in enumerate(find_matches(record["text"], table, self.lexicon.longest), start=1)]
