"""Two NER baselines over the token view (the dataset's `ner` rows): a lexicon of the names
seen in train, and a linear-chain CRF (sklearn-crfsuite) with standard features.

Both take sentences of tokens and return IOB2 tags, so the same code serves the `ner` tag set
(Akhbar types) and CoNLL-4 (the transfer experiments), whichever tag list is passed in.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict

from common import mention_spans, strip_proclitics, train_precision

from akhbar.preannotate import build_lexicon, find_matches, normalise

# --- lexicon --------------------------------------------------------------------------------


class NameLexicon:
    """The names of the training records, as `akhbar preannotate` knows them (normalised
    surface -> its most frequent type; matched longest first with proclitics outside the span).
    An entry is used only if at least `min_ratio` of its matches in the training texts are
    annotated mentions (tuned on validation: a word that is only sometimes a name must not
    always be tagged)."""

    def __init__(self, records: list[dict]):
        self.lexicon = build_lexicon(records)
        self.precision = train_precision(self.lexicon.names, self.lexicon.longest, records, mention_spans)
        self.min_ratio = 0.0
        # Every word of a name, by type: the CRF's lexicon-hit features.
        self.word_types: dict[str, set[str]] = defaultdict(set)
        for key, (kind, _) in self.lexicon.names.items():
            for word in key.split():
                self.word_types[word].add(kind)

    def mentions(self, record: dict) -> list[tuple[int, int, str]]:
        table = {k: v for k, v in self.lexicon.names.items() if self.precision[k] >= self.min_ratio}
        return [(m.start, m.end, table[m.key][0]) for m in find_matches(record["text"], table, self.lexicon.longest)]

    def types_of(self, token: str) -> set[str]:
        return self.word_types.get(normalise(strip_proclitics(token)), set()) | self.word_types.get(normalise(token), set())


# --- CRF ------------------------------------------------------------------------------------

def _shape(token: str) -> str:
    if token.isdigit():
        return "digit"
    if all(unicodedata.category(c).startswith("P") for c in token):
        return "punct"
    if all("\u0600" <= c <= "\u06ff" for c in token):
        return "arabic"
    if token.isascii() and token.isalpha():
        return "latin"
    return "mixed"


def _token_features(token: str, lexicon: NameLexicon | None) -> dict:
    stem = strip_proclitics(token)
    f = {"w": token, "stem": stem, "shape": _shape(token), "len": min(len(token), 8),
         "p1": token[:1], "p2": token[:2], "p3": token[:3], "s1": token[-1:], "s2": token[-2:], "s3": token[-3:],
         "al": stem.startswith("ال"), "clitic": stem != token}
    if lexicon is not None:
        for kind in lexicon.types_of(token):
            f[f"lex:{kind}"] = True
    return f


def sentence_features(tokens: list[str], lexicon: NameLexicon | None) -> list[dict]:
    base = [_token_features(t, lexicon) for t in tokens]
    out = []
    for i, f in enumerate(base):
        feats = {"bias": 1.0, **f}
        for d in (-2, -1, 1, 2):
            j = i + d
            if 0 <= j < len(base):
                feats.update({f"{d}:w": base[j]["w"], f"{d}:stem": base[j]["stem"], f"{d}:shape": base[j]["shape"]})
                feats.update({f"{d}:{k}": True for k in base[j] if k.startswith("lex:")})
            else:
                feats[f"{d}:edge"] = True
        out.append(feats)
    return out


def train_crf(tokens: list[list[str]], tags: list[list[str]], lexicon: NameLexicon | None, c1: float, c2: float,
              max_iterations: int = 100):
    import sklearn_crfsuite

    crf = sklearn_crfsuite.CRF(algorithm="lbfgs", c1=c1, c2=c2, max_iterations=max_iterations,
                               all_possible_transitions=True)
    crf.fit([sentence_features(t, lexicon) for t in tokens], tags)
    return crf


def predict_crf(crf, tokens: list[list[str]], lexicon: NameLexicon | None) -> list[list[str]]:
    return [list(tags) for tags in crf.predict([sentence_features(t, lexicon) for t in tokens])]


# --- scores ---------------------------------------------------------------------------------

def seqeval_scores(gold: list[list[str]], pred: list[list[str]], keep: set[str] | None = None) -> dict:
    """Strict IOB2 (seqeval mode="strict"): micro P/R/F1 and F1 per type. `keep`: the types
    scored (others become O on both sides)."""
    from seqeval.metrics import classification_report
    from seqeval.scheme import IOB2

    def only(seqs):
        return [[t if t == "O" or t[2:] in keep else "O" for t in s] for s in seqs] if keep else seqs

    report = classification_report(only(gold), only(pred), mode="strict", scheme=IOB2, output_dict=True, zero_division=0)
    micro = report["micro avg"]
    return {"precision": round(float(micro["precision"]), 4), "recall": round(float(micro["recall"]), 4), "f1": round(float(micro["f1-score"]), 4),
            "support": int(micro["support"]),
            "by_type": {k: {"f1": round(float(v["f1-score"]), 4), "support": int(v["support"])}
                        for k, v in sorted(report.items()) if not k.endswith(" avg")}}
