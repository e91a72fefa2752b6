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

Speed (the build segments every article): an article is tokenized once as a whole, not
sentence by sentence. That gives the same tokens, because a sentence begins and ends next to
whitespace or at the ends of the text and no token holds whitespace. Mentions, tokens and
sentences are sorted and disjoint, so every lookup between them is a bisection.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import accumulate

from pyarabic.araby import TOKEN_PATTERN

# pyarabic's TOKEN_PATTERN is "([^<word characters>]+)": the separators between words. Its
# character class is reused, not copied, so the word definition follows pyarabic.
_CLASS = re.fullmatch(r"\(\[\^(.*)\]\+\)", TOKEN_PATTERN.pattern)
if _CLASS is None:  # pragma: no cover - only if pyarabic changes its pattern
    raise ImportError(f"unexpected pyarabic TOKEN_PATTERN {TOKEN_PATTERN.pattern!r}")
WORD_CHARS = _CLASS.group(1)
TOKEN = re.compile(rf"[{WORD_CHARS}]+|[^\s{WORD_CHARS}]")

SENTENCE_END = re.compile(r"[.!?؟…]+[\"'»”’)\]]*(?=\s)")


@cache
def _token_split() -> re.Pattern:
    """TOKEN as one capturing group, for `split`: the pieces alternate between what lies
    between two tokens (whitespace, Cf characters) and a token, and cover the text without a
    hole, so offsets are running sums of lengths (no match object per token). A Cf character
    is never a word character, so leaving it out of the single-character alternative drops
    exactly the tokens `tokens()` used to filter out one by one."""
    cf = [c for c in range(0x110000) if unicodedata.category(chr(c)) == "Cf"]
    ranges: list[list[int]] = []
    for c in cf:
        if ranges and ranges[-1][1] == c - 1:
            ranges[-1][1] = c
        else:
            ranges.append([c, c])
    cf_class = "".join(f"\\U{a:08x}" if a == b else f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges)
    if re.search(rf"[{WORD_CHARS}]", "".join(map(chr, cf))):  # pragma: no cover - pyarabic change
        raise ImportError("a Cf character is a pyarabic word character; the tokenizer needs revisiting")
    return re.compile(rf"([{WORD_CHARS}]+|[^\s{WORD_CHARS}{cf_class}])")


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


def _blocked(spans: Iterable[tuple[int, int]]) -> tuple[list[int], list[int]]:
    """The union of the open intervals (s, e) as disjoint sorted intervals (starts, ends)."""
    starts: list[int] = []
    ends: list[int] = []
    for s, e in sorted(spans):
        if s >= e:
            continue  # holds no offset strictly inside
        if ends and s < ends[-1]:
            ends[-1] = max(ends[-1], e)
        else:
            starts.append(s)
            ends.append(e)
    return starts, ends


def sentences(text: str, protected: Sequence[Mention] = ()) -> list[tuple[int, int]]:
    """(start, end) of each sentence, without surrounding whitespace. `protected` are spans a
    break may not fall inside (the outermost mentions)."""
    cuts = [m.end() for m in SENTENCE_END.finditer(text)]
    newline = text.find("\n")
    while newline != -1:
        cuts.append(newline)
        newline = text.find("\n", newline + 1)
    starts, ends = _blocked((m.start, m.end) for m in protected)
    allowed = set()
    for cut in cuts:
        k = bisect_left(starts, cut) - 1  # the last blocked interval starting before the cut
        if k < 0 or cut >= ends[k]:
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


def _token_lists(text: str, offset: int = 0) -> tuple[list[int], list[int], list[str]]:
    """Starts, ends and texts of the tokens of `text`, offsets shifted by `offset`."""
    pieces = _token_split().split(text)  # [gap, token, gap, token, ..., gap]
    bounds = list(accumulate(map(len, pieces), initial=offset))
    return bounds[1:-1:2], bounds[2::2], pieces[1::2]


def tokens(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """(start, end) of each token of text[start:end], in article offsets."""
    starts, ends, _ = _token_lists(text[start:end], start)
    return list(zip(starts, ends, strict=True))


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


@dataclass
class TokenView:
    """An article's sentences and tokens as flat lists (what the build turns into columns).
    Sentence k holds tokens bounds[k]:bounds[k + 1]."""

    sentences: list[tuple[int, int]]
    bounds: list[int]
    starts: list[int]
    ends: list[int]
    words: list[str]
    tags: list[list]  # per layer, one value per token
    outermost: list[list]  # per layer, its outermost mentions (as given), in text order


# A mention as token_view takes it: (start, end, B- tag value, I- tag value). Plain tuples:
# a frozen dataclass per mention cost more than the segmentation itself.
Span = tuple[int, int, object, object]


def token_view(text: str, layers: Sequence[Sequence[Span]], outside: object = "O") -> TokenView:
    """Sentences, tokens and one IOB2 tag list per layer, as `segment` defines them, with
    the tag values each mention carries (`outside` for O). Each layer's outermost mentions
    are tagged; the first layer's protect sentence breaks, so every layer must nest inside it
    (true of type mappings, which only drop mentions)."""
    tops = [_outermost_spans(layer) for layer in layers]
    sents = sentences(text, [Mention(m[0], m[1], "") for m in tops[0]] if tops else ())
    starts, ends, words = _token_lists(text)
    sent_starts = [s for s, _ in sents]
    sent_ends = [e for _, e in sents]
    # Tagged: the mentions a sentence wholly holds (in a valid record every outermost one:
    # breaks inside them are not made).
    tagged = []
    all_tags = []
    cuts = set()
    for top in tops:
        kept = []
        tags = [outside] * len(starts)
        previous_k, previous_end = -1, 0
        for m in top:
            start, end = m[0], m[1]
            k = bisect_right(sent_starts, start) - 1
            if k < 0 or end > sent_ends[k]:
                continue
            kept.append(m)
            i = bisect_right(ends, start)  # the first token ending after the mention starts
            # Two outermost mentions of one layer in one host token: split it where the
            # second starts (the tags are then redone below).
            if k == previous_k and i < len(starts) and starts[i] < start and starts[i] < previous_end:
                cuts.add(start)
            previous_k, previous_end = k, end
            _tag(tags, starts, i, m)
        tagged.append(kept)
        all_tags.append(tags)
    if cuts:
        starts, ends, words = _split(text, starts, ends, sorted(cuts))
        all_tags = []
        for kept in tagged:
            tags = [outside] * len(starts)
            for m in kept:
                _tag(tags, starts, bisect_right(ends, m[0]), m)
            all_tags.append(tags)
    bounds = [bisect_left(starts, s) for s in sent_starts] + [len(starts)]
    return TokenView(sents, bounds, starts, ends, words, all_tags, tops)


def _outermost_spans(spans: Iterable[Span]) -> list[Span]:
    """`outermost` for Span tuples."""
    result: list[Span] = []
    for m in sorted(spans, key=lambda m: (m[0], -m[1])):
        if result and m[0] < result[-1][1]:
            continue
        result.append(m)
    return result


def _tag(tags: list, starts: list[int], i: int, m: Span) -> None:
    """IOB2 over the tokens overlapping `m`: from token i (the first ending after m starts)
    to the last starting before m ends. Mentions come in text order, as in `iob2`."""
    j = bisect_left(starts, m[1], i)
    if i < j:
        tags[i] = m[2]
        if j - i > 1:
            tags[i + 1:j] = [m[3]] * (j - i - 1)


def _split(text: str, starts: list[int], ends: list[int], cuts: list[int]) -> tuple[list[int], list[int], list[str]]:
    """The tokens cut at the sorted offsets `cuts` (each strictly inside a token)."""
    new_starts, new_ends = [], []
    c = 0
    for s, e in zip(starts, ends, strict=True):
        while c < len(cuts) and cuts[c] <= s:
            c += 1
        while c < len(cuts) and cuts[c] < e:
            new_starts.append(s)
            new_ends.append(cuts[c])
            s = cuts[c]
            c += 1
        new_starts.append(s)
        new_ends.append(e)
    return new_starts, new_ends, [text[s:e] for s, e in zip(new_starts, new_ends, strict=True)]


def segment(text: str, layers: Sequence[Sequence[Mention]]) -> list[Sentence]:
    """Sentences with tokens and one IOB2 tag sequence per layer. Each layer is a list of
    mentions; its outermost ones are tagged. The first layer's outermost mentions protect
    sentence breaks, so every layer must nest inside it (true of type mappings, which only
    drop mentions)."""
    view = token_view(text, [[(m.start, m.end, f"B-{m.type}", f"I-{m.type}") for m in layer] for layer in layers])
    result = []
    for index, (s, e) in enumerate(view.sentences):
        a, b = view.bounds[index], view.bounds[index + 1]
        toks = list(zip(view.starts[a:b], view.ends[a:b], strict=True))
        result.append(Sentence(index, s, e, toks, [tags[a:b] for tags in view.tags]))
    return result


def sentence_index_at(starts: Sequence[int], ends: Sequence[int], offset: int) -> int | None:
    """The index of the sentence holding `offset`, or of the nearest one before it (offsets in
    whitespace between sentences), given the sentences' sorted starts and ends; None before
    the first sentence."""
    # The last sentence starting at or before the offset, unless an earlier one already
    # reaches past it.
    index = min(bisect_right(starts, offset) - 1, bisect_right(ends, offset))
    return index if index >= 0 else None


def sentence_at(sents: Sequence[Sentence], offset: int) -> Sentence | None:
    """The sentence holding `offset`, or the nearest one before it (offsets in whitespace
    between sentences)."""
    index = sentence_index_at([s.start for s in sents], [s.end for s in sents], offset)
    return None if index is None else sents[index]
