"""Sentences, tokens and IOB2 tags for the token views (configs `ner` and `ner_conll4`), and
the IOB2 decoder of the CoNLL import.

The policy (pyarabic's sentences and words, adapted; the host token of a clitic labelled; the
two token splits that keep every mention) is stated for users in docs/dataset.md and in the
dataset card (`card.TOKENIZATION_POLICY`); this module is its one implementation.

Speed (the build segments every article): an article is tokenized once as a whole, not
sentence by sentence. That gives the same tokens, because a sentence begins and ends next to
whitespace or at the ends of the text and no token holds whitespace. Mentions, tokens and
sentences are sorted and disjoint, so every lookup between them is a bisection.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
from pyarabic.araby import TOKEN_PATTERN

# pyarabic's TOKEN_PATTERN is "([^<word characters>]+)": the separators between words. Its
# character class is reused, not copied, so the word definition follows pyarabic.
_CLASS = re.fullmatch(r"\(\[\^(.*)\]\+\)", TOKEN_PATTERN.pattern)
if _CLASS is None:  # pragma: no cover - only if pyarabic changes its pattern
    raise ImportError(f"unexpected pyarabic TOKEN_PATTERN {TOKEN_PATTERN.pattern!r}")
WORD_CHARS = _CLASS.group(1)
TOKEN = re.compile(rf"[{WORD_CHARS}]+|[^\s{WORD_CHARS}]")

SENTENCE_END = re.compile(r"[.!?؟…]+[\"'»”’)\]]*(?=\s)")
# A period that closes one of these (or a single letter: "د. محمد", "U.S.") ends no sentence.
ABBREVIATIONS = ("Dr", "Mr", "Mrs", "Ms", "Prof", "St", "Jr", "Sr", "Gen", "Col", "Lt", "Capt", "Sgt", "Gov", "Sen",
                 "Rep", "Rev", "Inc", "Ltd", "Corp", "Co", "No", "vs", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul",
                 "Aug", "Sep", "Sept", "Oct", "Nov", "Dec")
# Searched in the short stretch before a candidate period (the lookbehind sees the text before it).
_ABBREVIATION = re.compile(r"(?<![\w.])(?:[^\W\d_](?:\.[^\W\d_])*|" + "|".join(ABBREVIATIONS) + r")\Z")
_ABBREVIATION_REACH = 2 * max(len(a) for a in ABBREVIATIONS)
# Separators that a digit on each side makes part of a number: 3.5, 1,500, ٣٫٥, ١٬٥٠٠.
NUMBER_SEPARATORS = ".,\u066b\u066c"


# Character classes of the tokenizer: what lies between tokens (whitespace, and the Cf
# characters that are never tokens), word characters (a run is one token), and any other
# character (a token by itself).
GAP, WORD, SINGLE = 0, 1, 2


def char_class(ch: str) -> int:
    """The class of one character, by TOKEN itself."""
    if re.fullmatch(rf"[{WORD_CHARS}]", ch):
        return WORD
    if re.fullmatch(r"\s", ch) or unicodedata.category(ch) == "Cf":
        return GAP
    return SINGLE


@cache
def _bmp_classes() -> np.ndarray:
    """char_class of every code point of the Basic Multilingual Plane, as a lookup table
    (built with the same character classes, a run at a time; the tests compare it with
    char_class). Other code points are rare and looked up one by one."""
    chars = "".join(map(chr, range(0x10000)))
    table = np.full(0x10000, SINGLE, np.uint8)
    for m in re.finditer(rf"[{WORD_CHARS}]+", chars):
        table[m.start():m.end()] = WORD
    for m in re.finditer(r"\s+", chars):
        table[m.start():m.end()] = GAP
    cf = [c for c in range(0x10000) if unicodedata.category(chars[c]) == "Cf"]
    if (table[cf] == WORD).any():  # pragma: no cover - only if pyarabic's word class changes
        raise ImportError("a Cf character is a pyarabic word character; the tokenizer needs revisiting")
    table[cf] = GAP
    return table


def code_points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _classes(cp: np.ndarray) -> np.ndarray:
    classes = _bmp_classes()[np.minimum(cp, 0xFFFF)]  # a new array
    for i in np.flatnonzero(cp >= 0x10000):
        classes[i] = char_class(chr(cp[i]))
    return classes


# A separator with a digit before and after it (\d: any decimal digit, Nd). The separator comes
# first so that the regex engine skips ahead to separators (a lookbehind first is tried at
# every character: three times slower over an article).
_NUMBER_JOIN = re.compile(rf"[{NUMBER_SEPARATORS}](?<=\d[{NUMBER_SEPARATORS}])(?=\d)")


def token_offsets(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Starts and ends of the tokens of `text` (TOKEN's matches, less single Cf characters,
    with numbers joined across their separators), computed over the whole text at once: a
    token starts at a character of its own or at a word character that does not follow one,
    and ends likewise."""
    classes = _classes(code_points(text))
    classes[[m.start() for m in _NUMBER_JOIN.finditer(text)]] = WORD
    word = classes == WORD
    single = classes == SINGLE
    edge = np.diff(word, prepend=False, append=False)  # edge[i]: word[i - 1] != word[i]
    starts = np.flatnonzero(single | (word & edge[:-1]))
    ends = np.flatnonzero(single | (word & edge[1:])) + 1
    return starts, ends


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    type: str
    id: str = ""  # the mention id, to tell which mentions were tagged


def outermost(mentions: Iterable[Mention]) -> list[Mention]:
    """The mentions not contained in another, in text order (`outermost_positions`)."""
    mentions = list(mentions)
    kept = outermost_positions(np.array([m.start for m in mentions], dtype=np.int64),
                               np.array([m.end for m in mentions], dtype=np.int64))
    return [mentions[k] for k in kept.tolist()]


def sentences(text: str, protected: Sequence[Mention] = ()) -> list[tuple[int, int]]:
    """(start, end) of each sentence, without surrounding whitespace. `protected` are spans a
    break may not fall inside (the outermost mentions)."""
    first, last = _sentences(text, np.array([m.start for m in protected], dtype=np.int64),
                             np.array([m.end for m in protected], dtype=np.int64))
    return list(zip(first.tolist(), last.tolist(), strict=True))


def _sentences(text: str, protected_starts: np.ndarray,
               protected_ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Starts and ends of the sentences (`sentences`), the protected spans given as offset arrays."""
    cuts = [m.end() for m in SENTENCE_END.finditer(text) if not (m.group() == "." and _abbreviation_before(text, m.start()))]
    cuts += [m.start() for m in re.finditer("\n", text)]
    at = np.array(cuts, dtype=np.int64)
    if len(protected_starts) and len(at):
        # A cut is blocked when a span starting before it ends after it: the furthest end of
        # the spans starting before the cut lies beyond it.
        order = np.argsort(protected_starts)
        reach = np.maximum.accumulate(protected_ends[order])
        k = np.searchsorted(protected_starts[order], at, "left") - 1  # the spans order[:k + 1] start before
        at = at[(k < 0) | (at >= reach[np.maximum(k, 0)])]
    starts, ends = [], []
    begin = 0
    for cut in np.unique(at).tolist() + [len(text)]:
        chunk = text[begin:cut]
        stripped = chunk.strip()
        if stripped:
            lead = begin + len(chunk) - len(chunk.lstrip())
            starts.append(lead)
            ends.append(lead + len(stripped))
        begin = cut
    return np.array(starts, dtype=np.int64), np.array(ends, dtype=np.int64)


def _abbreviation_before(text: str, period: int) -> bool:
    """Whether the word before the period at `period` is an abbreviation (`ABBREVIATIONS`, a
    single letter, or letters joined by periods such as U.S)."""
    return _ABBREVIATION.search(text, max(0, period - _ABBREVIATION_REACH), period) is not None


def tokens(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """(start, end) of each token of text[start:end], in article offsets."""
    starts, ends = token_offsets(text[start:end])
    return list(zip((starts + start).tolist(), (ends + start).tolist(), strict=True))


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
    """An article's sentences and tokens as flat arrays (what the build turns into columns).
    Sentence k holds tokens bounds[k]:bounds[k + 1]."""

    sentences: list[tuple[int, int]]
    bounds: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    tags: list[np.ndarray]  # per layer, one tag code per token
    outermost: list[np.ndarray]  # per layer, the positions of its outermost mentions, in text order
    sentence_starts: np.ndarray
    sentence_ends: np.ndarray


@dataclass
class Layer:
    """Mentions as token_view takes them: offsets, and the tag codes of B- and I- for each
    (arrays of one length; arrays, since an object per mention cost more than the
    segmentation itself)."""

    start: np.ndarray
    end: np.ndarray
    b: np.ndarray
    i: np.ndarray

    @classmethod
    def of(cls, start, end, b, i) -> Layer:
        return cls(*(np.asarray(a, dtype=np.int64).reshape(-1) for a in (start, end, b, i)))

    def take(self, index: np.ndarray) -> Layer:
        return Layer(self.start[index], self.end[index], self.b[index], self.i[index])


def token_view(text: str, layers: Sequence[Layer], outside: int = 0, cuts: np.ndarray | None = None,
               tokens: tuple[np.ndarray, np.ndarray] | None = None) -> TokenView:
    """Sentences, tokens and one IOB2 tag array per layer, with the tag codes each mention
    carries (`outside` for O), tokens also cut at `cuts` (offsets strictly inside a token;
    `tokens` are `token_offsets(text)` when already computed). Each layer's outermost mentions
    are tagged; the first layer's protect sentence breaks, so every layer must nest inside it
    (true of type mappings, which only drop mentions)."""
    tops = [outermost_positions(layer.start, layer.end) for layer in layers]
    protected = layers[0].take(tops[0]) if layers else Layer.of([], [], [], [])
    sent_starts, sent_ends = _sentences(text, protected.start, protected.end)
    sents = list(zip(sent_starts.tolist(), sent_ends.tolist(), strict=True))
    starts, ends = tokens if tokens is not None else token_offsets(text)
    kept = [_Tagged(layer.take(top), sent_starts, sent_ends) for layer, top in zip(layers, tops, strict=True)]
    all_cuts = [tagged.shared_host_cuts(starts, ends) for tagged in kept] + ([cuts] if cuts is not None else [])
    cut = np.unique(np.concatenate(all_cuts)) if all_cuts else np.empty(0, np.int64)
    if len(cut):  # each cut lies strictly inside a token: it ends one and starts the next
        starts, ends = np.sort(np.concatenate([starts, cut])), np.sort(np.concatenate([ends, cut]))
    tags = [tagged.tags(starts, ends, outside) for tagged in kept]
    bounds = np.append(np.searchsorted(starts, sent_starts, "left"), len(starts))
    return TokenView(sents, bounds, starts, ends, tags, tops, sent_starts, sent_ends)


def outermost_positions(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The positions of the mentions not contained in another, in text order. Mentions nest
    or are disjoint (the validator refuses crossing ones); of two with the same offsets the
    first is kept."""
    order = np.lexsort((-ends, starts))  # stable: of two equal spans the first comes first
    if not len(order):
        return order
    s, e = starts[order], ends[order]
    # The end of the last kept mention is the running maximum of the ends so far, as long as
    # every skipped mention lies inside it (mentions nest or are disjoint, as in a valid
    # record); otherwise each mention is kept unless it starts inside the last kept one.
    reach = np.empty_like(e)
    reach[0] = np.iinfo(np.int64).min
    np.maximum.accumulate(e[:-1], out=reach[1:])
    keep = s >= reach
    if (e[~keep] <= reach[~keep]).all():
        return order[keep]
    result: list[int] = []
    last_end = None
    for position, start, end in zip(order.tolist(), s.tolist(), e.tolist(), strict=True):
        if last_end is not None and start < last_end:
            continue
        result.append(position)
        last_end = end
    return np.array(result, dtype=np.int64)


class _Tagged:
    """The outermost mentions of one layer that a sentence wholly holds (in a valid record,
    all of them: breaks inside them are not made), in text order."""

    def __init__(self, top: Layer, sent_starts: np.ndarray, sent_ends: np.ndarray):
        k = np.searchsorted(sent_starts, top.start, "right") - 1
        inside = (k >= 0) & (top.end <= sent_ends[np.maximum(k, 0)] if len(sent_ends) else False)
        self.sentence = k[inside]
        self.start, self.end, self.b, self.i = top.start[inside], top.end[inside], top.b[inside], top.i[inside]

    def shared_host_cuts(self, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """Where a token must be split: two consecutive mentions in one sentence whose host
        token is the same (the token holding the second's start strictly inside also holds
        part of the first); without the split one of them would get no B- tag."""
        if len(self.start) < 2 or not len(starts):
            return np.empty(0, np.int64)
        host = np.searchsorted(ends, self.start[1:], "right")  # first token ending after it
        host_start = starts[np.minimum(host, len(starts) - 1)]
        shared = ((self.sentence[1:] == self.sentence[:-1]) & (host < len(starts))
                  & (host_start < self.start[1:]) & (host_start < self.end[:-1]))
        return self.start[1:][shared]

    def tags(self, starts: np.ndarray, ends: np.ndarray, outside: int) -> np.ndarray:
        """IOB2 codes: the tokens overlapping a mention run from the first ending after its
        start to the last starting before its end; the first gets B-, the others I-."""
        tags = np.full(len(starts), outside, dtype=np.int64)
        first = np.searchsorted(ends, self.start, "right")
        stop = np.maximum(np.searchsorted(starts, self.end, "left"), first)
        if len(first) > 1 and (first[1:] < stop[:-1]).any():
            # Overlapping runs (no valid record has them): tag in text order, later wins.
            for a, b, bt, it in zip(first.tolist(), stop.tolist(), self.b.tolist(), self.i.tolist(), strict=True):
                if a < b:
                    tags[a] = bt
                    tags[a + 1:b] = it
            return tags
        lengths = stop - first
        covered = np.repeat(first - (np.cumsum(lengths) - lengths), lengths) + np.arange(lengths.sum())
        tags[covered] = np.repeat(self.i, lengths)
        tagged = lengths > 0
        tags[first[tagged]] = self.b[tagged]
        return tags


def segment(text: str, layers: Sequence[Sequence[Mention]]) -> list[Sentence]:
    """Sentences with tokens and one IOB2 tag sequence per layer of mentions (`token_view`)."""
    types = list(dict.fromkeys(m.type for layer in layers for m in layer))  # in order of appearance
    names = iob2_names(types)
    b_code = {t: names.index(f"B-{t}") for t in types}
    view = token_view(text, [
        Layer.of([m.start for m in layer], [m.end for m in layer],
                 [b_code[m.type] for m in layer], [b_code[m.type] + 1 for m in layer])
        for layer in layers
    ])
    starts, ends = view.starts.tolist(), view.ends.tolist()
    tags = [[names[c] for c in layer_tags.tolist()] for layer_tags in view.tags]
    bounds = view.bounds.tolist()
    result = []
    for index, (s, e) in enumerate(view.sentences):
        a, b = bounds[index], bounds[index + 1]
        toks = list(zip(starts[a:b], ends[a:b], strict=True))
        result.append(Sentence(index, s, e, toks, [t[a:b] for t in tags]))
    return result


# ---- an article's token view, as the `ner` configs and the CoNLL export both write it ---------

# CoNLL-2003 / ANERcorp types, in the order of the datasets on the Hub (O, PER, ORG, LOC, MISC).
CONLL4_TYPES = ("PER", "ORG", "LOC", "MISC")


def iob2_names(types) -> list[str]:
    """"O" first, then B-/I- for each type in inventory order (the CoNLL-2003 convention)."""
    names = ["O"]
    for t in types:
        names += [f"B-{t}", f"I-{t}"]
    return names


def ner_tag_names() -> list[str]:
    """The tags of the `ner` config: IOB2 over the Akhbar entity types."""
    from akhbar import labels

    return iob2_names(labels.entity_types())


def conll4_tag_names() -> list[str]:
    # The same order as conll2003/ANERcorp-style datasets on the Hub: O, PER, ORG, LOC, MISC.
    return iob2_names(CONLL4_TYPES)


def nesting(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each mention, how many other mentions contain it (0 for an outermost one) and the
    position of the innermost one that does (-1 for none). Mentions nest or are disjoint; of
    two with the same offsets the first (in the given order) is the outer one, as in
    `outermost`."""
    n = len(starts)
    depth, parent = [0] * n, [-1] * n
    start_of, end_of = starts.tolist(), ends.tolist()
    stack: list[tuple[int, int]] = []  # (end, position) of the mentions that contain the current one
    for position in np.lexsort((-ends, starts)).tolist():
        start = start_of[position]
        while stack and stack[-1][0] <= start:
            stack.pop()
        if stack:
            depth[position], parent[position] = len(stack), stack[-1][1]
        stack.append((end_of[position], position))
    return np.array(depth, dtype=np.int64), np.array(parent, dtype=np.int64)


def _same_token_cuts(tokens: tuple[np.ndarray, np.ndarray], starts: np.ndarray, ends: np.ndarray, parent: np.ndarray) -> np.ndarray:
    """Where a token must be split so that a nested mention does not cover exactly the tokens
    of the mention containing it (glued words such as رئيسالولايات المتحدة, where OCC and GPE
    would otherwise be tagged alike and one of them lost): at the nested mention's start when it
    begins inside the first token, else at its end."""
    child = np.flatnonzero(parent >= 0)
    if not len(child):
        return np.empty(0, np.int64)
    tok_starts, tok_ends = tokens
    first = np.searchsorted(tok_ends, starts, "right")
    last = np.searchsorted(tok_starts, ends, "left") - 1
    p = parent[child]
    same = (first[child] == first[p]) & (last[child] == last[p])
    c = child[same]
    return np.unique(np.where(starts[c] > starts[parent[c]], starts[c], ends[c]))


@dataclass
class RecordView:
    """A record's sentences and tokens, and its mentions as IOB2 layers: `view.tags[0]` is
    the outermost mentions in Akhbar types (`ner`), `view.tags[1]` the outermost of the
    mentions that have a CoNLL-4 type (`ner_conll4`), `view.tags[2 + d]` the mentions nested
    at depth d + 1 (the extra tag columns of a nested CoNLL export). Tag codes index
    `akhbar_names` (layers 0 and 2…) and `conll4_names` (layer 1)."""

    view: TokenView
    akhbar_names: list[str]
    conll4_names: list[str]


@cache
def _tag_codes() -> tuple[list[str], np.ndarray, np.ndarray, list[str], np.ndarray, np.ndarray]:
    """The tag names of both tag sets and, by entity type id (inventory order), the codes of
    its B- and I- tags in each (-1 where CoNLL-4 has no counterpart)."""
    from akhbar import labels

    types = labels.entity_types()
    mapping = labels.type_mapping("conll4")
    akhbar, conll4 = ner_tag_names(), conll4_tag_names()
    a_code, c_code = {n: i for i, n in enumerate(akhbar)}, {n: i for i, n in enumerate(conll4)}
    b = np.array([a_code[f"B-{t}"] for t in types], dtype=np.int64)
    i = np.array([a_code[f"I-{t}"] for t in types], dtype=np.int64)
    cb = np.array([c_code[f"B-{mapping[t]}"] if mapping[t] else -1 for t in types], dtype=np.int64)
    ci = np.array([c_code[f"I-{mapping[t]}"] if mapping[t] else -1 for t in types], dtype=np.int64)
    return akhbar, b, i, conll4, cb, ci


def record_view(text: str, starts: np.ndarray, ends: np.ndarray, type_ids: np.ndarray) -> RecordView:
    """The token view of an article given its mentions (offsets and entity type ids, in
    record order): the one segmentation that the `ner` configs and the CoNLL export share.
    CoNLL-4 is computed from the mentions, not from the tags: where an outermost mention has no
    CoNLL counterpart (OCC, DATE…), the mentions nested in it surface instead."""
    akhbar, b, i, conll4, cb, ci = _tag_codes()
    mapped = np.flatnonzero(cb[type_ids] >= 0)
    layers = [Layer(starts, ends, b[type_ids], i[type_ids]),
              Layer(starts[mapped], ends[mapped], cb[type_ids[mapped]], ci[type_ids[mapped]])]
    depth, parent = nesting(starts, ends)
    for d in range(1, int(depth.max()) + 1 if len(depth) else 1):
        at = np.flatnonzero(depth == d)
        layers.append(Layer(starts[at], ends[at], b[type_ids[at]], i[type_ids[at]]))
    words = token_offsets(text)
    return RecordView(token_view(text, layers, cuts=_same_token_cuts(words, starts, ends, parent), tokens=words), akhbar, conll4)


# ---- IOB2 decoding (the CoNLL import) --------------------------------------------------------

IOB_TAG = re.compile(r"^([BIES])-(.+)$")


@dataclass(frozen=True)
class Decoded:
    """A mention read from IOB2 tags: tokens first..last (inclusive), its type, and whether
    it began with an I- tag that continued nothing (an orphan, read as B-)."""

    first: int
    last: int
    type: str
    orphan: bool = False


def parse_tag(tag: str) -> tuple[str, str | None] | None:
    """(B/I/O, type) of one tag; BIOES S-/E- are read as B-/I-; None when it is not a tag."""
    if tag == "O":
        return "O", None
    match = IOB_TAG.match(tag)
    if not match:
        return None
    bio = match.group(1)
    return ("B" if bio == "S" else "I" if bio == "E" else bio), match.group(2)


def decode(tags: Sequence[Sequence[tuple[str, str]]]) -> list[Decoded]:
    """Mentions from the parsed tags of a sentence: for each token, its (B/I, type) pairs, outer
    mention first (one pair per line of a flat file; several in a nested, Wojood-style one).
    Decoded per type, as Wojood does: the k-th tag of a type on a token belongs to the k-th
    open mention of that type (so an OCC nested in an OCC works too). An I- that continues no
    open mention of its type at its level begins one (an orphan: the reader reports it)."""
    found: list[Decoded] = []
    open_: dict[tuple[str, int], list] = {}  # (type, level) -> [first, last, orphan]
    for position, pairs in enumerate(tags):
        levels: dict[str, int] = {}
        current: set[tuple[str, int]] = set()
        for bio, kind in pairs:
            if bio == "O":
                continue
            level = levels.get(kind, 0)
            levels[kind] = level + 1
            key = (kind, level)
            current.add(key)
            mention = open_.get(key)
            if bio == "I" and mention is not None and mention[1] == position - 1:
                mention[1] = position
                continue
            if mention is not None:
                found.append(Decoded(mention[0], mention[1], kind, mention[2]))
            open_[key] = [position, position, bio == "I"]
        for key in [k for k in open_ if k not in current]:
            first, last, orphan = open_.pop(key)
            found.append(Decoded(first, last, key[0], orphan))
    found += [Decoded(first, last, kind, orphan) for (kind, _), (first, last, orphan) in open_.items()]
    return sorted(found, key=lambda m: (m.first, -m.last))
