"""The build's fast paths give what the straightforward implementation gave (tests/hf_reference.py):
the same sentences, tokens and tags; the same rows, Arrow tables and in-memory sizes; the same
parquet bytes, however the rows arrive. SYNTHETIC text and records."""

from __future__ import annotations

import gc
import io
import json
import re
import tempfile
import unicodedata
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hf_reference as R
from akhbar.hf import CONFIGS
from akhbar.hf import arrow as A
from akhbar.hf import build as B
from akhbar.hf import features as F
from akhbar.hf import order as O
from akhbar.hf import parallel as P
from akhbar.hf import tokenize as T
from akhbar.hf.buildstats import BuildStats
from akhbar.hf.rows import record_batches
from strategies import valid_records
from test_hf_tokenize import annotated_text

# ---- tokenizer --------------------------------------------------------------------------------

# Characters that stress the tokenizer: Arabic letters and harakat, Latin, digits, every kind of
# punctuation the sentence rule looks at, Unicode whitespace, Cf characters (ZWNJ, RLM, LRI),
# characters outside the BMP (offsets are code points), an apostrophe (a word character).
ALPHABET = ("ابتثجحخدذرزسشصضطظعغفقكلمنهوي" "\u064e\u0650\u0670" "abcXYZ" "0123٤٥"
            ".!?؟…،,:;؛\"'»«”’()[]-" " \n\t\u00a0\u2003\u3000" "\u200c\u200f\u2066" "😀𝕏")
TEXTS = st.text(alphabet=ALPHABET, max_size=120)


@st.composite
def text_and_spans(draw, laminar: bool = True):
    text = draw(TEXTS)
    n = len(text)
    spans = []
    for a, b in draw(st.lists(st.tuples(st.integers(0, n), st.integers(0, n)), max_size=10)):
        s, e = min(a, b), max(a, b)
        if laminar and not all(e2 <= s or e <= s2 or (s2 <= s and e <= e2) or (s <= s2 and e2 <= e) for s2, e2 in spans):
            continue
        spans.append((s, e))
    types = draw(st.lists(st.sampled_from(["PERS", "GPE", "ORG"]), min_size=len(spans), max_size=len(spans)))
    return text, [T.Mention(s, e, t, f"m{k}") for k, ((s, e), t) in enumerate(zip(spans, types, strict=True))]


def _same_segmentation(text: str, layers: list[list[T.Mention]]) -> None:
    fast = T.segment(text, layers)
    slow = R.segment(text, layers)
    assert [(s.index, s.start, s.end, s.tokens, s.tags) for s in fast] == [
        (s.index, s.start, s.end, s.tokens, s.tags) for s in slow]


@settings(max_examples=300, deadline=None)
@given(text_and_spans())
def test_segment_matches_the_reference(case):
    text, mentions = case
    # Two layers, the second nested in the first (a type mapping that drops mentions).
    _same_segmentation(text, [mentions, [m for m in mentions if m.type != "ORG"]])


@settings(max_examples=200, deadline=None)
@given(annotated_text())
def test_segment_matches_the_reference_on_news_like_text(case):
    text, mentions = case
    _same_segmentation(text, [mentions])


@settings(max_examples=200, deadline=None)
@given(text_and_spans(laminar=False))
def test_crossing_mentions_take_the_slow_paths_and_agree(case):
    text, mentions = case
    _same_segmentation(text, [mentions])
    starts = np.array([m.start for m in mentions], dtype=np.int64)
    ends = np.array([m.end for m in mentions], dtype=np.int64)
    fast = [mentions[i] for i in T.outermost_positions(starts, ends).tolist()]
    assert fast == T.outermost(mentions)


@settings(max_examples=300, deadline=None)
@given(TEXTS, st.data())
def test_tokens_and_sentences_match_the_reference(text, data):
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    assert T.tokens(text, start, end) == R.tokens(text, start, end)
    assert T.sentences(text) == R.sentences(text)


def test_character_table_follows_the_token_pattern():
    table = T._bmp_classes()
    for c in range(0x10000):
        assert table[c] == T.char_class(chr(c)), hex(c)
    # char_class is TOKEN's own definition: a lone character is a token unless it is a gap.
    for ch in ["a", "ب", "\u064e", "'", ".", "😀", " ", "\u200c", "\u00a0"]:
        matched = T.TOKEN.fullmatch(ch) is not None and not (ch.isspace() or unicodedata.category(ch) == "Cf")
        assert (T.char_class(ch) != T.GAP) == matched, ch


def test_sentence_index_at_matches_sentence_at():
    text = "أولى. ثانية!  ثالثة\n\nرابعة"
    sents = R.segment(text, [])
    starts, ends = [s.start for s in sents], [s.end for s in sents]
    for offset in range(-1, len(text) + 2):
        expected = R.sentence_at(sents, offset)
        got = T.sentence_index_at(starts, ends, offset)
        assert (None if got is None else sents[got].start) == (None if expected is None else expected.start)


def test_tokenizer_on_the_corpus(corpus_records):
    mapping = F.conll4_mapping()
    for record in corpus_records:
        layer = [T.Mention(m["start"], m["end"], e["type"], m["id"]) for e in record["entities"] for m in e["mentions"]]
        conll = [T.Mention(m.start, m.end, mapping[m.type], m.id) for m in layer if mapping[m.type]]
        _same_segmentation(record["text"], [layer, conll])


# ---- rows and Arrow ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus_records():
    """The real articles of this checkout and a few SYNTHETIC benchmark ones when present."""
    from akhbar.paths import default_shards

    records = [json.loads(line) for shard in default_shards() for line in shard.read_text(encoding="utf-8").splitlines()
               if line.strip()]
    return records


def _same_tables(records: list[dict]) -> None:
    fast = record_batches(records)
    slow = R.reference_tables(records)
    for config in CONFIGS:
        table = pa.Table.from_batches([fast[config]])
        assert table.schema.equals(slow[config].schema, check_metadata=True), config
        assert table.equals(slow[config]), config
        assert A.fresh_nbytes(column.chunks for column in table.columns) == slow[config].nbytes, config


def test_rows_match_the_reference_on_the_corpus(corpus_records):
    _same_tables(corpus_records)


@settings(max_examples=60, deadline=None)
@given(valid_records("synthetic-00000000000000a1"), valid_records("synthetic-00000000000000a2"))
def test_rows_match_the_reference(first, second):
    _same_tables([first, second])


@settings(max_examples=40, deadline=None)
@given(st.lists(valid_records(), min_size=1, max_size=4), st.data())
def test_fresh_nbytes_is_the_size_of_a_fresh_table(records, data):
    # Any run of rows, cut out of differently chunked tables, has the size pa.Table.from_pylist
    # gives those rows (nulls, empty lists and absent structs included).
    records = [{**r, "id": f"synthetic-{i:016x}"} for i, r in enumerate(records)]
    fast = record_batches(records)
    slow = R.reference_rows(records)
    for config in CONFIGS:
        rows = [row for per_record in slow[config] for row in per_record]
        if not rows:
            continue
        encode = R._encoder(F.features(config))
        encoded = [encode(row) for row in rows]
        table = pa.Table.from_batches([fast[config]])
        cuts = sorted(data.draw(st.lists(st.integers(0, len(rows)), max_size=3)))
        pieces = [table.slice(a, b - a) for a, b in zip([0, *cuts], [*cuts, len(rows)], strict=True)]
        rechunked = pa.concat_tables(pieces)
        a = data.draw(st.integers(0, len(rows) - 1))
        b = data.draw(st.integers(a + 1, len(rows)))
        part = rechunked.slice(a, b - a)
        expected = pa.Table.from_pylist(encoded[a:b], schema=F.arrow_schema(config)).nbytes
        assert A.fresh_nbytes(column.chunks for column in part.columns) == expected, config


def test_utf8_slices_cut_code_points():
    text = "a😀بc 𝕏يز \u200c."
    spans = [(0, 1), (1, 2), (2, 4), (0, len(text)), (5, 8), (3, 3), (9, 10)]
    starts = np.array([s for s, _ in spans])
    ends = np.array([e for _, e in spans])
    assert A.utf8_slices(text, starts, ends).to_pylist() == [text[s:e] for s, e in spans]


def test_columns_fill_absent_structs_as_from_pylist():
    schema = pa.schema([("s", pa.struct([("a", pa.int32()), ("b", pa.string())])),
                        ("l", pa.list_(pa.struct([("x", pa.int64())])))])
    cols = A.Columns(schema)
    cols.valid["s"] += [False, True]
    cols.data["s.a"] += [0, 5]
    cols.data["s.b"] += ["", "x"]
    cols.lengths["l"] += [0, 2]
    cols.data["l.x"] += [1, None]
    cols.counts += [1, 1]
    expected = pa.Table.from_pylist([{"s": None, "l": []}, {"s": {"a": 5, "b": "x"}, "l": [{"x": 1}, {"x": None}]}],
                                    schema=schema)
    got = pa.Table.from_batches([cols.to_batch()])
    assert got.equals(expected)
    assert A.fresh_nbytes(c.chunks for c in got.columns) == expected.nbytes


def test_unknown_label_is_an_error():
    with pytest.raises(ValueError, match="not in the inventory"):
        A.label_ids(pa.array(["GPE", "NOPE"]), ["GPE"])


# ---- the writer and the workers ---------------------------------------------------------------


def _parquet(write) -> tuple[bytes, int, int]:
    sink = io.BytesIO()
    count, nbytes = write(sink)
    return sink.getvalue(), count, nbytes


@settings(max_examples=25, deadline=None)
@given(st.lists(valid_records(), min_size=1, max_size=5), st.integers(1, 7), st.integers(1, 9), st.integers(1, 4))
def test_writer_gives_the_reference_bytes_however_rows_arrive(records, batch_rows, group_rows, run):
    # The rows come in runs of `run` articles as record batches; the writer regroups them into
    # the batches and row groups the row-by-row writer made: same bytes, same num_bytes.
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(B, "BATCH_ROWS", batch_rows)
        mp.setattr(B, "DEFAULT_ROW_GROUP_ROWS", group_rows)
        mp.setattr(B, "MAX_ROW_GROUPS_PER_FILE", 10**6)  # one file, as the reference writes
        _same_parquet(records, batch_rows, group_rows, run)


def _same_parquet(records: list[dict], batch_rows: int, group_rows: int, run: int) -> None:
    records = [{**r, "id": f"synthetic-{i:016x}"} for i, r in enumerate(records)]
    slow = R.reference_rows(records)
    runs = [record_batches(records[i:i + run]) for i in range(0, len(records), run)]
    counts = [record_batches_counts(records[i:i + run]) for i in range(0, len(records), run)]
    for config in CONFIGS:
        def reference(sink, config=config):
            w = R.ReferenceWriter(sink, config, batch_rows, B.ROW_GROUP_ROWS.get(config, group_rows), B.PARQUET_OPTIONS)
            for per_record in slow[config]:
                w.add(per_record)
            return w.close(), w.nbytes

        def fast(sink, config=config):
            with tempfile.TemporaryDirectory() as folder:
                root = Path(folder)
                (root / "data" / config).mkdir(parents=True)
                w = B._Writer(root, config, "train")
                for batches, run_counts in zip(runs, counts, strict=True):
                    w.add(batches[config], run_counts[config])
                count = w.close()
                assert w.files == [B.data_path(config, "train")]
                sink.write((root / w.files[0]).read_bytes())
            return count, w.nbytes

        assert _parquet(fast) == _parquet(reference), config


def record_batches_counts(records: list[dict]) -> dict[str, list[int]]:
    from akhbar.hf.rows import RowBuilder

    builder = RowBuilder()
    for record in records:
        builder.add(record)
    return builder.counts()


def test_line_keys_find_every_record(tmp_path, monkeypatch):
    from akhbar.records import dumps_canonical
    from synthetic import synthetic_record

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
    for block in (7, 100, 1 << 20):  # lines cut across blocks
        monkeypatch.setattr(O, "SCAN_BLOCK", block)
        keys = list(O.line_keys(path))
        assert [(k[2], k[3]) for k in keys] == [(a["id"], "train"), (b["id"], "test"), (c["id"], "validation")]
        for offset, length, article_id, _ in keys:
            assert json.loads(data[offset:offset + length])["id"] == article_id


def test_a_line_that_is_not_the_expected_record_is_refused(tmp_path):
    from akhbar.records import dumps_canonical
    from synthetic import synthetic_record

    path = tmp_path / "x.jsonl"
    line = dumps_canonical(synthetic_record("synthetic-00000000000000a1")) + b"\n"
    path.write_bytes(line)
    with pytest.raises(RuntimeError, match="expected synthetic-00000000000000ff"):
        P.derive([str(path)], [(0, 0, len(line), "synthetic-00000000000000ff", "train")])


def test_build_stats_merge_in_order_equals_one_pass():
    records = [_stats_record(i) for i in range(6)]
    whole = BuildStats()
    for r in records:
        whole.add_record(r, 7)
    merged = BuildStats()
    for part in (records[:2], records[2:3], records[3:]):
        s = BuildStats()
        for r in part:
            s.add_record(r, 7)
        merged.merge(s)
    assert merged == whole
    for name in BuildStats.RECORD_COUNTERS:
        assert list(getattr(merged, name)) == list(getattr(whole, name)), name


def _stats_record(i: int) -> dict:
    from synthetic import synthetic_record

    r = synthetic_record(f"synthetic-{i:016x}", ["train", "test", "validation"][i % 3])
    r["source"]["publisher"] = ["B", "A"][i % 2]
    r["annotation"]["updated"] = f"2026-01-0{i + 1}"
    return r


def test_few_collections_restores_the_collector():
    from akhbar.records import few_collections

    before = gc.get_threshold()
    with few_collections():
        assert gc.get_threshold()[0] == 100_000
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_runs_never_mix_splits():
    refs = [(0, i, 1, f"id{i}", "train" if i < 5 else "test") for i in range(9)]
    runs = list(P.runs_of(refs, 2))
    assert [len(r) for r in runs] == [2, 2, 1, 2, 2]
    assert all(len({ref[4] for ref in run}) == 1 for run in runs)


def test_workers_build_the_same_bytes_as_one_process(tmp_path, monkeypatch):
    # Several runs per split, in two worker processes, against one process: the same files.
    from synthetic import synthetic_record, write_corpus

    records = [synthetic_record(f"synthetic-{i:016x}", ["train", "validation", "train", "test"][i % 4]) for i in range(9)]
    write_corpus(tmp_path / "root", records)
    monkeypatch.setattr(B, "BATCH_ROWS", 4)
    monkeypatch.setattr(B, "DEFAULT_ROW_GROUP_ROWS", 6)
    monkeypatch.setattr(P, "CHUNK_ARTICLES", 2)
    assert B.build(tmp_path / "one", tmp_path / "root", jobs=1) is not None
    monkeypatch.setattr(B, "PARALLEL_MIN_BYTES", 0)
    assert B.build(tmp_path / "two", tmp_path / "root", jobs=2) is not None
    one = {p.relative_to(tmp_path / "one"): p.read_bytes() for p in (tmp_path / "one").rglob("*") if p.is_file()}
    two = {p.relative_to(tmp_path / "two"): p.read_bytes() for p in (tmp_path / "two").rglob("*") if p.is_file()}
    assert one == two
    assert pq.ParquetFile(tmp_path / "two" / "data" / "ner" / "train.parquet").num_row_groups > 1


def test_schemas_are_the_features(tmp_path):
    for config in CONFIGS:
        assert F.arrow_schema(config).equals(F.features(config).arrow_schema, check_metadata=True)
    assert re.search("huggingface", json.dumps({k.decode(): v.decode() for k, v in F.arrow_schema("ner").metadata.items()}))
