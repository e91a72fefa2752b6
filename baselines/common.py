"""What the baselines share: the corpus by split, its token views (the dataset's `ner` and
`ner_conll4` rows, made by the same code as `akhbar build`), the proclitic rule, and writing
predictions as the rows `akhbar evaluate` reads."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from akhbar.hf.features import conll4_tag_names, ner_tag_names
from akhbar.hf.rows import Analysis, ner_batches
from akhbar.preannotate import PROCLITICS, find_matches
from akhbar.sources import load_collection

SPLITS = ("train", "validation", "test")


def strip_proclitics(token: str) -> str:
    """The token without its leading proclitics (the stacks `akhbar preannotate` knows), when
    at least three letters remain: وبالقاهرة -> القاهرة, للجيش -> الجيش. A CRF feature, so a
    name that merely starts with such a letter (بريطانيا) loses it too; the word itself is
    another feature."""
    if token.startswith("لل") and len(token) > 4:
        return "ال" + token[2:]
    for clitic in PROCLITICS:
        if token.startswith(clitic) and len(token) - len(clitic) >= 3:
            return token[len(clitic):]
    return token


def train_precision(table: dict, longest: int, records: list[dict], spans_of) -> dict[str, float]:
    """For each lexicon entry: the share of its matches in the records' texts (the
    pre-annotator's matcher) that are annotated spans (`spans_of(record)`: a set of
    (start, end)). An entry that is a name or trigger wherever it occurs scores 1."""
    matched, right = Counter(), Counter()
    for record in records:
        gold = spans_of(record)
        for m in find_matches(record["text"], table, longest):
            matched[m.key] += 1
            right[m.key] += (m.start, m.end) in gold
    return {key: right[key] / matched[key] if matched[key] else 0.0 for key in table}


def mention_spans(record: dict) -> set[tuple[int, int]]:
    return {(m["start"], m["end"]) for e in record["entities"] for m in e["mentions"]}


def trigger_spans(record: dict) -> set[tuple[int, int]]:
    return {(v["trigger"]["start"], v["trigger"]["end"]) for v in record["events"]}


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


def project(sentences: list[Sentence], mentions: dict[str, list[tuple[int, int, str]]]) -> list[list[str]]:
    """IOB2 tags over the sentences' tokens for character-offset mentions (start, end, type)
    by article: the tokens a mention overlaps, as the token view tags its host tokens."""
    tags = []
    for s in sentences:
        out = ["O"] * len(s.tokens)
        for start, end, kind in mentions.get(s.article_id, ()):
            inside = [k for k, (a, b) in enumerate(zip(s.starts, s.ends, strict=True)) if a < end and start < b]
            for n, k in enumerate(inside):
                if out[k] == "O":
                    out[k] = f"{'B' if n == 0 else 'I'}-{kind}"
        tags.append(out)
    return tags


def ner_rows(sentences: list[Sentence], predicted: list[list[str]]) -> list[dict]:
    """Predicted tags as `ner` rows (what a model trained on the config writes)."""
    return [{"id": s.id, "article_id": s.article_id, "ner_tags": tags} for s, tags in zip(sentences, predicted, strict=True)]
