"""Sentences, tokens and IOB2 tags of the token views (akhbar.hf.tokenize). SYNTHETIC text."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st
from pyarabic import araby

from akhbar.hf.tokenize import Mention, outermost, segment, sentences, tokens


def _m(text: str, surface: str, type_: str, occurrence: int = 0) -> Mention:
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(surface, start + 1)
    return Mention(start, start + len(surface), type_)


def _tagged(text: str, mentions: list[Mention]) -> list[tuple[str, str]]:
    return [(text[s:e], tag) for sent in segment(text, [mentions]) for (s, e), tag in zip(sent.tokens, sent.tags[0], strict=True)]


def test_mention_after_a_proclitic_tags_the_host_token():
    text = "زار الوزير وليبيا ومصر وبالقاهرة."
    mentions = [_m(text, "ليبيا", "GPE"), _m(text, "مصر", "GPE"), _m(text, "القاهرة", "GPE")]
    tagged = dict(_tagged(text, mentions))
    assert tagged["وليبيا"] == "B-GPE" and tagged["ومصر"] == "B-GPE" and tagged["وبالقاهرة"] == "B-GPE"
    assert tagged["الوزير"] == "O"


def test_multi_token_mention_and_nesting_use_the_outermost():
    text = "قال وزير الخارجية المصري أمس."
    outer = _m(text, "وزير الخارجية المصري", "OCC")
    inner = _m(text, "المصري", "NORP")
    assert outermost([inner, outer]) == [outer]
    assert _tagged(text, [inner, outer])[:5] == [
        ("قال", "O"), ("وزير", "B-OCC"), ("الخارجية", "I-OCC"), ("المصري", "I-OCC"), ("أمس", "O")]


def test_two_mentions_in_one_host_token_split_it():
    # Only case where the tokenization follows the annotation: otherwise one mention is lost.
    text = "زار سوريالبنان أمس"
    tagged = _tagged(text, [_m(text, "سوريا", "GPE"), _m(text, "لبنان", "GPE")])
    assert tagged == [("زار", "O"), ("سوريا", "B-GPE"), ("لبنان", "B-GPE"), ("أمس", "O")]
    # Without mentions the word stays one token.
    assert [t for t, _ in _tagged(text, [])] == ["زار", "سوريالبنان", "أمس"]


def test_sentence_policy():
    text = 'قال المتحدث، في بيان: "انتهى الأمر." ثم غادر؟ نعم\nفقرة ثانية'
    got = [text[s:e] for s, e in sentences(text)]
    # Commas and colons do not end a sentence; a closing quote stays with its sentence; a
    # newline always ends one.
    assert got == ['قال المتحدث، في بيان: "انتهى الأمر."', "ثم غادر؟", "نعم", "فقرة ثانية"]


def test_no_sentence_break_inside_a_mention():
    text = "استقبل مجلس الأمن. الدولي الوفد. ثم غادر."
    assert len(sentences(text)) == 3  # "الأمن." ends a sentence when nothing protects it
    name = _m(text, "مجلس الأمن. الدولي", "ORG")
    got = [text[s:e] for s, e in sentences(text, [name])]
    assert got == ["استقبل مجلس الأمن. الدولي الوفد.", "ثم غادر."]
    assert [tag for _, tag in _tagged(text, [name])][:5] == ["O", "B-ORG", "I-ORG", "I-ORG", "I-ORG"]


def test_abbreviations_numbers_and_question_exclamation():
    text = "قال د. محمد إن U.S. officials left. وصل Mr. Smith أمس. كم؟! بلغ 3.5 مليون و1,500 و٣٫٥ في 2015. انتهى"
    got = [text[s:e] for s, e in sentences(text)]
    assert got == ["قال د. محمد إن U.S. officials left.", "وصل Mr. Smith أمس.", "كم؟!",
                   "بلغ 3.5 مليون و1,500 و٣٫٥ في 2015.", "انتهى"]
    words = [text[s:e] for s, e in tokens(text, 0, len(text))]
    assert "3.5" in words and "و1,500" in words and "و٣٫٥" in words  # a number keeps its separators
    assert words[words.index("كم") + 1:words.index("كم") + 3] == ["؟", "!"]  # one token per mark
    assert words[-3:] == ["2015", ".", "انتهى"]  # a final period is not part of the number


def test_tokens_follow_pyarabic_words():
    text = "أعدم 21 مصرياً، على سواحل مدينة سرت (ليبيا). قالَ: \"نعم\"."
    ours = [text[s:e] for s, e in tokens(text, 0, len(text))]
    theirs = araby.tokenize(text)
    word = re.compile(r"\w")
    # The same words; punctuation runs that pyarabic keeps together (`".`) are split per character.
    assert [t for t in ours if word.search(t)] == [t for t in theirs if word.search(t)]
    assert "".join(ours) == "".join(theirs)
    assert all(len(t) == 1 for t in ours if not word.search(t))


def test_offsets_point_into_the_text():
    text = "  ذهب\u200c الوفد  "
    toks = tokens(text, 0, len(text))
    assert [text[s:e] for s, e in toks] == ["ذهب", "الوفد"]  # ZWNJ (Cf) is not a token


# ---- property: no mention is ever lost -------------------------------------------------------

WORDS = ["ليبيا", "وليبيا", "بالقاهرة", "للجيش", "الليبي", "مصر", "قال", "21", "3.5", "د.", "،", "؛", ".", "؟", '"', "«", "»", "(", ")", "…"]


@st.composite
def annotated_text(draw):
    words = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=30))
    seps = draw(st.lists(st.sampled_from([" ", " ", " ", "\n", "  ", ""]), min_size=len(words), max_size=len(words)))
    text = "".join(w + s for w, s in zip(words, seps, strict=True)).strip() or "مصر"
    n = len(text)
    raw = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(1, n)), max_size=12))
    spans: list[tuple[int, int]] = []
    for a, b in raw:
        s, e = min(a, b), max(a, b)
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if s >= e or (s, e) in spans:
            continue
        # Keep a laminar family, as the validator does: mentions nest or are disjoint.
        if all(e2 <= s or e <= s2 or (s2 <= s and e <= e2) or (s <= s2 and e2 <= e) for s2, e2 in spans):
            spans.append((s, e))
    types = draw(st.lists(st.sampled_from(["PERS", "GPE", "ORG"]), min_size=len(spans), max_size=len(spans)))
    return text, [Mention(s, e, t) for (s, e), t in zip(spans, types, strict=True)]


@settings(max_examples=300, deadline=None)
@given(annotated_text())
def test_every_outermost_mention_yields_exactly_one_b_tag(case):
    text, mentions = case
    top = outermost(mentions)
    b_tokens = []
    all_tokens = []
    for sent in segment(text, [mentions]):
        previous = "O"
        for (s, e), tag in zip(sent.tokens, sent.tags[0], strict=True):
            all_tokens.append(text[s:e])
            if tag.startswith("I-"):
                assert previous[2:] == tag[2:] and previous != "O"  # IOB2
            if tag.startswith("B-"):
                b_tokens.append((s, e, tag[2:]))
            previous = tag
    assert len(b_tokens) == len(top)
    for m, (s, e, t) in zip(top, b_tokens, strict=True):
        assert s <= m.start < e and t == m.type
    # Tokenization loses no character but whitespace and invisible format characters.
    visible = "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch) != "Cf")
    assert "".join(all_tokens) == visible
