"""The rows of every config checked against the records they come from (offsets, labels,
entities), the tokenizer's policy as properties over random text, and the pieces of the
build that find and count records. SYNTHETIC text and records."""

from __future__ import annotations

import json
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from akhbar.hf import CONFIGS
from akhbar.hf import features as F
from akhbar.hf import order as O
from akhbar.hf import tokenize as T
from akhbar.hf.buildstats import BuildStats
from akhbar.hf.card import to_names
from akhbar.hf.rows import record_batches
from akhbar.records import dumps_canonical
from strategies import valid_records
from synthetic import synthetic_record

# ---- the tokenizer, as properties ---------------------------------------------------------------

# Characters that stress the tokenizer: Arabic letters and harakat, Latin, digits, every kind of
# punctuation the sentence rule looks at, Unicode whitespace, Cf characters (ZWNJ, RLM, LRI),
# characters outside the BMP (offsets are code points), an apostrophe (a word character).
ALPHABET = ("ابتثجحخدذرزسشصضطظعغفقكلمنهوي" "\u064e\u0650\u0670" "abcXYZ" "0123٤٥"
            ".!?؟…،,:;؛٫٬\"'»«”’()[]-" " \n\t\u00a0\u2003\u3000" "\u200c\u200f\u2066" "😀𝕏")
TEXTS = st.text(alphabet=ALPHABET, max_size=120)


def _gap(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch) == "Cf"


def _word(ch: str) -> bool:
    return T.char_class(ch) == T.WORD


@st.composite
def text_and_mentions(draw):
    """A text and mentions that nest or are disjoint (as the validator requires)."""
    text = draw(TEXTS)
    spans: list[tuple[int, int]] = []
    for a, b in draw(st.lists(st.tuples(st.integers(0, len(text)), st.integers(0, len(text))), max_size=10)):
        s, e = min(a, b), max(a, b)
        while s < e and _gap(text[s]):  # no whitespace or invisible edge, as the validator requires
            s += 1
        while e > s and _gap(text[e - 1]):
            e -= 1
        if s < e and all(e2 <= s or e <= s2 or (s2 <= s and e <= e2) or (s <= s2 and e2 <= e) for s2, e2 in spans):
            spans.append((s, e))
    types = draw(st.lists(st.sampled_from(["PERS", "GPE", "ORG"]), min_size=len(spans), max_size=len(spans)))
    return text, [T.Mention(s, e, t, f"m{k}") for k, ((s, e), t) in enumerate(zip(spans, types, strict=True))]


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_tokens_are_the_words_and_single_characters_of_the_text(text):
    toks = T.tokens(text, 0, len(text))
    # Nothing but whitespace and format characters is dropped, and tokens are in order.
    assert "".join(text[s:e] for s, e in toks) == "".join(ch for ch in text if not _gap(ch))
    assert all(a[1] <= b[0] for a, b in zip(toks, toks[1:], strict=False))
    # A number separator with a digit on each side is part of the number (3.5, 1,500).
    joined = {i for i in range(1, len(text) - 1)
              if text[i] in T.NUMBER_SEPARATORS and text[i - 1].isdecimal() and text[i + 1].isdecimal()}

    def word_at(i: int) -> bool:
        return _word(text[i]) or i in joined

    for s, e in toks:
        token = text[s:e]
        # A maximal run of word characters, or one other character.
        if len(token) > 1 or _word(token):
            assert all(word_at(i) for i in range(s, e)), token
            assert not (s > 0 and word_at(s - 1)) and not (e < len(text) and word_at(e)), token
        else:
            assert not _gap(token)
    # The character classes are the pyarabic word pattern's own.
    for ch in set(text):
        assert _word(ch) == (T.TOKEN.fullmatch(ch) is not None and len(T.TOKEN.findall(ch + ch)) == 1), ch


@settings(max_examples=300, deadline=None)
@given(text_and_mentions())
def test_sentences_follow_the_policy(case):
    text, mentions = case
    protected = T.outermost(mentions)
    sents = T.sentences(text, protected)
    assert all(a[1] <= b[0] for a, b in zip(sents, sents[1:], strict=False))
    covered = set()
    for s, e in sents:
        assert text[s:e] == text[s:e].strip() and s < e
        covered.update(range(s, e))
        # A newline ends a sentence, except inside a protected mention.
        for i in range(s, e):
            if text[i] == "\n":
                assert any(m.start < i < m.end for m in protected), (text, i)
    # Only whitespace lies between sentences.
    assert all(text[i].isspace() for i in range(len(text)) if i not in covered)
    # No break inside a protected mention.
    for m in protected:
        assert any(s <= m.start and m.end <= e for s, e in sents), (text, m)


@settings(max_examples=300, deadline=None)
@given(text_and_mentions())
def test_every_outermost_mention_gets_one_b_tag_on_its_first_token(case):
    text, mentions = case
    sents = T.segment(text, [mentions])
    tagged = [(s, e, tag) for sent in sents for (s, e), tag in zip(sent.tokens, sent.tags[0], strict=True)]
    top = [m for m in T.outermost(mentions) if any(s < m.end and m.start < e for s, e, _ in tagged)]
    b_tags = [(s, e, tag[2:]) for s, e, tag in tagged if tag.startswith("B-")]
    assert len(b_tags) == len(top)
    for m, (s, e, t) in zip(top, b_tags, strict=True):
        assert t == m.type and e > m.start and s < m.end
    for (_, _, before), (s, e, tag) in zip([(0, 0, "O"), *tagged], tagged, strict=False):
        if tag.startswith("I-"):
            assert before != "O" and before[2:] == tag[2:]
        # A token is tagged exactly when it overlaps an outermost mention.
        assert (tag != "O") == any(s < m.end and m.start < e for m in top), (text, s, e, tag)


# ---- rows against their records -------------------------------------------------------------------


def _rows(records: list[dict]) -> dict[str, list[dict]]:
    """Every config's rows, ClassLabel ids turned back into names by the features."""
    batches = record_batches(records)
    return {c: [to_names(row, F.features(c)) for row in batches[c].to_pylist()] for c in CONFIGS}


def _outermost(spans: list[tuple[int, int]]) -> set[tuple[int, int]]:
    """Spans not inside another span (independent of akhbar.hf.tokenize)."""
    return {s for s in spans if not any(o != s and o[0] <= s[0] and s[1] <= o[1] for o in spans)}


def _check_tags(text: str, ner: list[dict], tags_key: str, spans: dict[tuple[int, int], str]) -> None:
    """IOB2 over the outermost of `spans` (offsets -> type): one B- on the first token
    overlapping each, I- on the other tokens overlapping it, O elsewhere."""
    tokens = [(s, e, tag) for row in ner for s, e, tag in zip(row["token_starts"], row["token_ends"], row[tags_key],
                                                             strict=True)]
    top = sorted(_outermost(list(spans)))
    for s, e, tag in tokens:
        hit = [m for m in top if s < m[1] and m[0] < e]
        assert len(hit) <= 1
        if not hit:
            assert tag == "O"
            continue
        first = min(i for i, (s2, e2, _) in enumerate(tokens) if s2 < hit[0][1] and hit[0][0] < e2)
        expected = ("B-" if tokens[first][:2] == (s, e) else "I-") + spans[hit[0]]
        assert tag == expected, (text[s:e], tag, expected)


def _check_ner(record: dict, ner: list[dict], conll: list[dict]) -> None:
    text, aid = record["text"], record["id"]
    assert [r["id"] for r in ner] == [f"{aid}/s{k:04d}" for k in range(len(ner))] == [r["id"] for r in conll]
    assert [r["sentence"] for r in ner] == list(range(len(ner)))
    tokens = []
    for row, crow in zip(ner, conll, strict=True):
        assert row["article_id"] == crow["article_id"] == aid and row["tokens"] == crow["tokens"]
        assert row["text"] == text[row["start"]:row["end"]]
        assert row["tokens"] == [text[s:e] for s, e in zip(row["token_starts"], row["token_ends"], strict=True)]
        assert all(row["start"] <= s < e <= row["end"] for s, e in zip(row["token_starts"], row["token_ends"], strict=True))
        assert len(row["ner_tags"]) == len(row["tokens"]) == len(crow["ner_tags"])
        tokens += row["tokens"]
        for m in row["mentions"]:
            assert row["start"] <= m["start"] and m["end"] <= row["end"]
        keys = [(m["start"], -m["end"], m["mention"]) for m in row["mentions"]]
        assert keys == sorted(keys)
    assert "".join(tokens) == "".join(ch for ch in text if not _gap(ch))
    # Every mention once, as the record has it.
    mentions = {m["id"]: (e, m) for e in record["entities"] for m in e["mentions"]}
    listed = [m for row in ner for m in row["mentions"]]
    assert sorted(m["mention"] for m in listed) == sorted(mentions)
    top = _outermost([(m["start"], m["end"]) for _, m in mentions.values()])
    for m in listed:
        entity, source = mentions[m["mention"]]
        assert (m["entity"], m["type"], m["start"], m["end"], m["text"]) == (
            entity["id"], entity["type"], source["start"], source["end"], source["text"])
        assert m["outermost"] == ((m["start"], m["end"]) in top and not any(
            x["start"] == m["start"] and x["end"] == m["end"] and x["outermost"] for x in listed if x is not m))
    types = {(m["start"], m["end"]): e["type"] for e, m in reversed(list(mentions.values()))}
    _check_tags(text, ner, "ner_tags", types)
    mapping = F.conll4_mapping()
    _check_tags(text, [{**r, "ner_tags": c["ner_tags"]} for r, c in zip(ner, conll, strict=True)], "ner_tags",
                {span: mapping[t] for span, t in types.items() if mapping[t]})


def _party(record: dict, entity_id: str | None) -> dict | None:
    entity = next((e for e in record["entities"] if e["id"] == entity_id), None)
    if entity_id is None:
        return None
    return {"entity": entity_id, "name": entity and entity["name"], "type": entity and entity["type"]}


def _check_quotes(record: dict, rows: list[dict]) -> None:
    text = record["text"]
    assert len(rows) == len(record["quotes"])
    for row, q in zip(rows, record["quotes"], strict=True):
        speaker = _party(record, q["speaker"])
        cue = q["cue"] or {}
        assert row["id"] == f"{record['id']}/{q['id']}" and row["quote"] == q["id"] and row["type"] == q["type"]
        assert row["content"] == " ".join(c["text"] for c in q["content"]) and row["content_fragments"] == q["content"]
        assert (row["speaker"], row["speaker_name"], row["speaker_type"]) == (
            q["speaker"], speaker and speaker["name"], speaker and speaker["type"])
        assert row["speaker_kind"] == q["speaker_kind"] and row["speaker_span"] == q["speaker_span"]
        assert (row["cue_text"], row["cue_lemma"], row["cue_start"], row["cue_end"]) == (
            cue.get("text"), cue.get("lemma"), cue.get("start"), cue.get("end"))
        assert row["addressee_name"] == (_party(record, q["addressee"]) or {}).get("name")
        assert row["paragraph"] == text[row["paragraph_start"]:row["paragraph_end"]]
        spans = q["content"] + ([q["cue"]] if q["cue"] else [])
        assert row["paragraph_start"] <= min(s["start"] for s in spans) and max(s["end"] for s in spans) <= row["paragraph_end"]
        touched = [b for b in record["blocks"] if b["start"] < row["paragraph_end"] and b["end"] > row["paragraph_start"]]
        if touched:
            assert (row["paragraph_start"], row["paragraph_end"], row["paragraph_kind"]) == (
                touched[0]["start"], touched[-1]["end"], touched[0]["kind"])


def _check_events(record: dict, rows: list[dict], ner: list[dict]) -> None:
    text = record["text"]
    sentences = [(r["start"], r["end"]) for r in ner]
    assert len(rows) == len(record["events"])
    for row, v in zip(rows, record["events"], strict=True):
        assert row["id"] == f"{record['id']}/{v['id']}" and row["event"] == v["id"] and row["category"] == v["category"]
        assert (row["mode"], row["context"]) == (v["mode"], v["context"])
        assert (row["trigger_text"], row["trigger_start"], row["trigger_end"]) == (
            v["trigger"]["text"], v["trigger"]["start"], v["trigger"]["end"])
        assert row["actors"] == [_party(record, x) for x in v["actor"]]
        assert row["recipients"] == [_party(record, x) for x in v["recipient"]]
        assert row["arguments"] == [{"role": x["role"], **_party(record, x["entity"])} for x in v["arguments"]]
        for flag in ("negated", "future", "hypothetical", "historical"):
            assert row[flag] == v[flag]
        assert [row[k] for k in ("dead", "injured", "arrested")] == [(v["magnitude"] or {}).get(k) for k in ("dead", "injured", "arrested")]
        # The sentence of `ner` that holds the trigger.
        assert (row["sentence_start"], row["sentence_end"]) in sentences
        assert row["sentence_start"] <= v["trigger"]["start"] < row["sentence_end"]
        assert row["sentence"] == text[row["sentence_start"]:row["sentence_end"]]


def _as_in(value, record_value):
    """`value` (a row) restricted to the keys the record has: fields a record of an older
    schema version lacks are null in the row."""
    if isinstance(record_value, dict):
        assert all(value[k] is None for k in value if k not in record_value)
        return {k: _as_in(value[k], v) for k, v in record_value.items()}
    if isinstance(record_value, list):
        return [_as_in(a, b) for a, b in zip(value, record_value, strict=True)]
    return value


def _check_article(record: dict, row: dict) -> None:
    row = dict(row)
    assert row.pop("event_types") == sorted({v["category"] for v in record["events"]},
                                            key=F.articles()["event_types"].feature.names.index)
    assert _as_in(row, record) == record


def _check(records: list[dict]) -> None:
    rows = _rows(records)
    for config in CONFIGS:
        assert record_batches(records)[config].schema.equals(F.arrow_schema(config), check_metadata=True)
    for record in records:
        def mine(config, record=record):
            return [r for r in rows[config] if r.get("article_id", r["id"]) == record["id"]]

        _check_article(record, mine("articles")[0])
        _check_ner(record, mine("ner"), mine("ner_conll4"))
        _check_quotes(record, mine("quotes"))
        _check_events(record, mine("events"), mine("ner"))


@settings(max_examples=60, deadline=None)
@given(valid_records("synthetic-00000000000000a1"), valid_records("synthetic-00000000000000a2"))
def test_rows_agree_with_their_records(first, second):
    _check([first, second])


def test_rows_of_the_synthetic_record():
    record = synthetic_record()
    _check([record, synthetic_record("synthetic-00000000000000a2", "test")])
    rows = _rows([record])
    # للجيش الليبي (mention لجيش الليبي, ORG, holding the NORP الليبي): the host token is tagged.
    row = next(r for r in rows["ner"] if "للجيش" in r["tokens"])
    i = row["tokens"].index("للجيش")
    assert row["ner_tags"][i:i + 2] == ["B-ORG", "I-ORG"]
    conll = next(r for r in rows["ner_conll4"] if r["id"] == row["id"])
    assert conll["ner_tags"][i:i + 2] == ["B-ORG", "I-ORG"]
    assert {m["text"]: m["outermost"] for m in row["mentions"]}["الليبي"] is False


def test_rows_of_the_corpus():
    from akhbar.paths import default_shards

    records = [json.loads(line) for shard in default_shards() for line in shard.read_text(encoding="utf-8").splitlines()
               if line.strip()]
    if not records:
        pytest.skip("this checkout has no corpus shards")
    _check(records)


def test_unknown_label_is_an_error():
    record = synthetic_record()
    record["entities"][0]["type"] = "NOPE"
    with pytest.raises(KeyError, match="NOPE"):
        record_batches([record])


# ---- finding the records, counting them ------------------------------------------------------


def test_line_keys_find_every_record(tmp_path):
    a = synthetic_record("synthetic-00000000000000a1")
    b = synthetic_record("synthetic-00000000000000b2", "test")
    c = synthetic_record("synthetic-00000000000000c3", "validation")
    # A canonical line, a blank one, a line that is not canonical (spaces after the separators:
    # parsed), an empty one, and a last line without a newline.
    lines = [dumps_canonical(a), b"   ", json.dumps(b, ensure_ascii=False, separators=(", ", ": ")).encode(), b"",
             dumps_canonical(c)]
    path = tmp_path / "x.jsonl"
    path.write_bytes(b"\n".join(lines))
    data = path.read_bytes()
    keys = list(O.line_keys(path))
    assert [(k[2], k[3]) for k in keys] == [(a["id"], "train"), (b["id"], "test"), (c["id"], "validation")]
    for offset, length, article_id, _ in keys:
        assert json.loads(data[offset:offset + length])["id"] == article_id
    refs = O.index([path])
    assert [list(O.read_records([str(path)], refs[s])) for s in ("train", "validation", "test")] == [[a], [c], [b]]


def test_a_line_that_is_not_the_expected_record_is_refused(tmp_path):
    path = tmp_path / "x.jsonl"
    line = dumps_canonical(synthetic_record("synthetic-00000000000000a1")) + b"\n"
    path.write_bytes(line)
    with pytest.raises(RuntimeError, match="expected synthetic-00000000000000ff"):
        list(O.read_records([str(path)], [(0, 0, len(line), "synthetic-00000000000000ff", "train")]))


def test_build_stats_merged_in_order_equal_one_pass():
    records = []
    for i in range(6):
        r = synthetic_record(f"synthetic-{i:016x}", ["train", "test", "validation"][i % 3])
        r["source"]["publisher"] = ["B", "A"][i % 2]
        r["annotation"]["updated"] = f"2026-01-0{i + 1}"
        records.append(r)
    whole = BuildStats()
    for r in records:
        whole.add_record(r)
        whole.add_rows("ner", r["split"], 3, 100)
    merged = BuildStats()
    for part in (records[:2], records[2:3], records[3:]):
        s = BuildStats()
        for r in part:
            s.add_record(r)
            s.add_rows("ner", r["split"], 3, 100)
        merged.merge(s)
    assert merged == whole
    assert [list(getattr(merged, name)) for name in BuildStats.COUNTERS] == [
        list(getattr(whole, name)) for name in BuildStats.COUNTERS]


def test_few_collections_restores_the_collector():
    import gc

    from akhbar.records import few_collections

    before = gc.get_threshold()
    with few_collections():
        assert gc.get_threshold()[0] == 100_000
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
