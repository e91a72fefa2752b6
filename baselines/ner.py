"""Two NER baselines over the token view (the dataset's `ner` rows): a lexicon of the names
seen in train, and a linear-chain CRF (sklearn-crfsuite) with standard features.

Both take sentences of tokens and return IOB2 tags, so the same code serves the `ner` tag set
(Akhbar types) and CoNLL-4 (the transfer experiments), whichever tag list is passed in.
"""

from __future__ import annotations

import unicodedata
from collections import Counter, defaultdict

from common import strip_proclitics

from akhbar.evaluate import iob2_spans

LONGEST_NAME = 8  # tokens; longer train names are rare and never repeat


# --- lexicon --------------------------------------------------------------------------------

class Lexicon:
    """Token sequences tagged as a name in train, each with its most frequent type. An entry
    is used only if it was tagged in at least `min_ratio` of its occurrences in train (tuned on
    validation: common words that are sometimes part of a name must not always be tagged)."""

    def __init__(self, tokens: list[list[str]], tags: list[list[str]]):
        types: dict[tuple[str, ...], Counter] = defaultdict(Counter)
        for toks, tgs in zip(tokens, tags, strict=True):
            for first, last, kind in iob2_spans(tgs):
                if last - first <= LONGEST_NAME:
                    types[_key(toks[first:last])][kind] += 1
        seen: Counter = Counter()
        for toks in tokens:
            for n in range(1, LONGEST_NAME + 1):
                for i in range(len(toks) - n + 1):
                    key = _key(toks[i:i + n])
                    if key in types:
                        seen[key] += 1
        self.entries = {k: (c.most_common(1)[0][0], sum(c.values()) / max(seen[k], 1)) for k, c in types.items()}
        self.min_ratio = 0.0
        # every single token of a name, by type: the CRF's lexicon-hit features
        self.token_types: dict[str, set[str]] = defaultdict(set)
        for key, (kind, _) in self.entries.items():
            for token in key:
                self.token_types[token].add(kind)

    def tag(self, tokens: list[str]) -> list[str]:
        """Greedy longest match, left to right."""
        out, i = ["O"] * len(tokens), 0
        while i < len(tokens):
            for n in range(min(LONGEST_NAME, len(tokens) - i), 0, -1):
                entry = self.entries.get(_key(tokens[i:i + n]))
                if entry and entry[1] >= self.min_ratio:
                    out[i:i + n] = [f"B-{entry[0]}"] + [f"I-{entry[0]}"] * (n - 1)
                    i += n
                    break
            else:
                i += 1
        return out


def _key(tokens: list[str]) -> tuple[str, ...]:
    """A name as the lexicon keys it: the first token without its proclitics (بالقاهرة finds
    القاهرة)."""
    return (strip_proclitics(tokens[0]), *tokens[1:])


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


def _token_features(token: str, lexicon: Lexicon | None) -> dict:
    stem = strip_proclitics(token)
    f = {"w": token, "stem": stem, "shape": _shape(token), "len": min(len(token), 8),
         "p1": token[:1], "p2": token[:2], "p3": token[:3], "s1": token[-1:], "s2": token[-2:], "s3": token[-3:],
         "al": stem.startswith("ال"), "clitic": stem != token}
    if lexicon is not None:
        for kind in lexicon.token_types.get(stem, ()):
            f[f"lex:{kind}"] = True
    return f


def sentence_features(tokens: list[str], lexicon: Lexicon | None) -> list[dict]:
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


def train_crf(tokens: list[list[str]], tags: list[list[str]], lexicon: Lexicon | None, c1: float, c2: float,
              max_iterations: int = 100):
    import sklearn_crfsuite

    crf = sklearn_crfsuite.CRF(algorithm="lbfgs", c1=c1, c2=c2, max_iterations=max_iterations,
                               all_possible_transitions=True)
    crf.fit([sentence_features(t, lexicon) for t in tokens], tags)
    return crf


def predict_crf(crf, tokens: list[list[str]], lexicon: Lexicon | None) -> list[list[str]]:
    return crf.predict([sentence_features(t, lexicon) for t in tokens])


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
