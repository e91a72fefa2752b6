"""What the baselines share: the corpus by split, its token views (the dataset's `ner` and
`ner_conll4` rows, made by the same code as `akhbar build`), the proclitic rule, and writing
predictions as the rows `akhbar evaluate` reads."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from akhbar.hf.features import conll4_tag_names, ner_tag_names
from akhbar.hf.rows import Analysis, ner_batches
from akhbar.sources import load_collection

SPLITS = ("train", "validation", "test")
# Proclitics the guidelines keep outside a span (و ف ب ل ك س); ال stays inside. A token keeps
# at least three letters after stripping, so short words (بل، لم) are left alone.
CONJUNCTIONS, PREPOSITIONS = "وف", "بلكس"
WORD = re.compile(r"\w+")


def strip_proclitics(token: str) -> str:
    """The token without a leading conjunction and preposition (وبالقاهرة -> القاهرة;
    للجيش -> الجيش)."""
    t = token
    if len(t) > 3 and t[0] in CONJUNCTIONS:
        t = t[1:]
    if len(t) > 3 and t.startswith("لل"):
        return "ال" + t[2:]
    if len(t) > 3 and t[0] in PREPOSITIONS:
        t = t[1:]
    return t


@dataclass
class Sentence:
    id: str
    article_id: str
    tokens: list[str]
    starts: list[int]
    ends: list[int]
    tags: list[str]  # Akhbar types (ner config)
    conll4: list[str] = field(default_factory=list)  # CoNLL-4 (ner_conll4 config)


@dataclass
class Corpus:
    records: dict[str, list[dict]]  # by split, in id order
    sentences: dict[str, list[Sentence]]  # by split

    def sizes(self) -> dict:
        return {s: {"articles": len(self.records[s]), "sentences": len(self.sentences[s]),
                    "tokens": sum(len(x.tokens) for x in self.sentences[s]),
                    "mentions": sum(len(e["mentions"]) for r in self.records[s] for e in r["entities"]),
                    "quotes": sum(len(r["quotes"]) for r in self.records[s]),
                    "events": sum(len(r["events"]) for r in self.records[s])}
                for s in SPLITS}


def token_sentences(records: list[dict]) -> list[Sentence]:
    """The `ner` / `ner_conll4` rows of the records (id, text and entities are all they need),
    tags as names."""
    if not records:
        return []
    ner, conll4 = ner_batches([Analysis(r) for r in records])
    names, conll = ner_tag_names(), conll4_tag_names()
    return [Sentence(r["id"], r["article_id"], r["tokens"], r["token_starts"], r["token_ends"],
                     [names[t] for t in r["ner_tags"]], [conll[t] for t in c["ner_tags"]])
            for r, c in zip(ner.to_pylist(), conll4.to_pylist(), strict=True)]


def load_corpus(spec: str) -> Corpus:
    collection = load_collection(spec)
    records = {s: [] for s in SPLITS}
    for article_id in sorted(collection.records):
        record = collection.records[article_id].record
        records[record["split"]].append(record)
    return Corpus(records, {s: token_sentences(records[s]) for s in SPLITS})


def write_rows(path: Path, rows: list[dict]) -> str:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return str(path)


def ner_rows(sentences: list[Sentence], predicted: list[list[str]]) -> list[dict]:
    """Predicted tags as `ner` rows (what a model trained on the config writes)."""
    return [{"id": s.id, "article_id": s.article_id, "ner_tags": tags} for s, tags in zip(sentences, predicted, strict=True)]
