"""Sentences, tokens and IOB2 tags for the token views (configs `ner` and `ner_conll4`).

Policy (docs/dataset.md states it for users):

* Sentences follow `pyarabic.araby.sentence_tokenize`, adapted: a sentence ends after a run
  of sentence-final punctuation (. ! ? ؟ …), with any closing quotes or brackets that follow
  it, when whitespace comes next; a newline (paragraph break) always ends one. pyarabic also
  splits at commas, colons and semicolons (، , : ;), which cuts news sentences into clauses,
  so those do not end a sentence here. A break that would fall inside an outermost entity
  mention is not made (an abbreviation such as "د. محمد" must not cut a name in two).
* Tokens follow `pyarabic.araby.tokenize`: a word is a run of the characters pyarabic keeps
  together (letters, digits, harakat, dagger alif, apostrophe); whitespace is dropped. pyarabic
  keeps a run of punctuation as one token (`".`); here each punctuation character is its own
  token, and invisible format characters (Unicode Cf) are dropped. Every token keeps its
  character offsets into the article text.
* Clitics: the host token is labelled (Wojood's and ANERcorp's convention). A mention that
  starts after a proclitic, ليبيا in وليبيا, tags the whole token وليبيا B-GPE; the exact
  mention offsets stay available in the `mentions` column. Tokenization therefore never
  depends on the annotation, with one exception that keeps every mention: when two outermost
  mentions would share one host token, the token is split at the second mention's start.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pyarabic.araby import TOKEN_PATTERN

# pyarabic's TOKEN_PATTERN is "([^<word characters>]+)": the separators between words. Its
# character class is reused, not copied, so the word definition follows pyarabic.
_CLASS = re.fullmatch(r"\(\[\^(.*)\]\+\)", TOKEN_PATTERN.pattern)
if _CLASS is None:  # pragma: no cover - only if pyarabic changes its pattern
    raise ImportError(f"unexpected pyarabic TOKEN_PATTERN {TOKEN_PATTERN.pattern!r}")
WORD_CHARS = _CLASS.group(1)
TOKEN = re.compile(rf"[{WORD_CHARS}]+|[^\s{WORD_CHARS}]")

SENTENCE_END = re.compile(r"[.!?؟…]+[\"'»”’)\]]*(?=\s)")


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    type: str
    id: str = ""  # the mention id, to tell which mentions were tagged


def outermost(mentions: Iterable[Mention]) -> list[Mention]:
    """The mentions not contained in another, in text order. Mentions nest or are disjoint
    (the validator refuses crossing ones); of two with the same offsets the first is kept."""
    result: list[Mention] = []
    for m in sorted(mentions, key=lambda m: (m.start, -m.end)):
        if result and m.start < result[-1].end:
            continue  # inside the previous outermost mention
        result.append(m)
    return result


def sentences(text: str, protected: Sequence[Mention] = ()) -> list[tuple[int, int]]:
    """(start, end) of each sentence, without surrounding whitespace. `protected` are spans a
    break may not fall inside (the outermost mentions)."""
    cuts = [m.end() for m in SENTENCE_END.finditer(text)]
    cuts += [i for i, ch in enumerate(text) if ch == "\n"]
    spans = sorted((m.start, m.end) for m in protected)
    allowed = set()
    for cut in cuts:
        if not any(s < cut < e for s, e in spans):
            allowed.add(cut)
    result = []
    begin = 0
    for cut in sorted(allowed) + [len(text)]:
        chunk = text[begin:cut]
        stripped = chunk.strip()
        if stripped:
            lead = len(chunk) - len(chunk.lstrip())
            result.append((begin + lead, begin + lead + len(stripped)))
        begin = cut
    return result


def tokens(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """(start, end) of each token of text[start:end], in article offsets."""
    return [
        (start + m.start(), start + m.end())
        for m in TOKEN.finditer(text[start:end])
        if not (m.end() - m.start() == 1 and unicodedata.category(m.group()) == "Cf")
    ]


def _split_shared_hosts(toks: list[tuple[int, int]], layers: Iterable[Sequence[Mention]]) -> list[tuple[int, int]]:
    """Split a token where an outermost mention starts inside it while an earlier outermost
    mention (of the same layer) also lies in it: without the split one of them would get no
    B- tag."""
    cuts = set()
    for layer in layers:
        previous_end = None
        for m in layer:
            if previous_end is not None:
                for s, e in toks:
                    if s < m.start < e and s < previous_end:
                        cuts.add(m.start)
            previous_end = m.end
    if not cuts:
        return toks
    result = []
    for s, e in toks:
        inner = sorted(c for c in cuts if s < c < e)
        for c in inner:
            result.append((s, c))
            s = c
        result.append((s, e))
    return result


def iob2(toks: Sequence[tuple[int, int]], mentions: Sequence[Mention]) -> list[str]:
    """IOB2 tags of `toks` for non-overlapping mentions: the first token that overlaps a
    mention gets B-, the others I-."""
    tags = ["O"] * len(toks)
    i = 0
    for m in mentions:
        while i < len(toks) and toks[i][1] <= m.start:
            i += 1
        j = i
        first = True
        while j < len(toks) and toks[j][0] < m.end:
            tags[j] = ("B-" if first else "I-") + m.type
            first = False
            j += 1
    return tags


@dataclass
class Sentence:
    index: int
    start: int
    end: int
    tokens: list[tuple[int, int]]
    # One tag list per layer of mentions given to `segment`, in the same order.
    tags: list[list[str]]


def segment(text: str, layers: Sequence[Sequence[Mention]]) -> list[Sentence]:
    """Sentences with tokens and one IOB2 tag sequence per layer. Each layer is a list of
    mentions; its outermost ones are tagged. The first layer's outermost mentions protect
    sentence breaks, so every layer must nest inside it (true of type mappings, which only
    drop mentions)."""
    tops = [outermost(layer) for layer in layers]
    result = []
    for index, (s, e) in enumerate(sentences(text, tops[0] if tops else ())):
        inside = [[m for m in top if s <= m.start and m.end <= e] for top in tops]
        toks = _split_shared_hosts(tokens(text, s, e), inside)
        result.append(Sentence(index, s, e, toks, [iob2(toks, layer) for layer in inside]))
    return result


def sentence_at(sents: Sequence[Sentence], offset: int) -> Sentence | None:
    """The sentence holding `offset`, or the nearest one before it (offsets in whitespace
    between sentences)."""
    best = None
    for sentence in sents:
        if sentence.start <= offset:
            best = sentence
        if offset < sentence.end:
            break
    return best
