"""akhbar ingest: the cleaning rules, ids, splits, and the seed article reproduced."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from akhbar.ingest import IngestError, IngestOptions, article_key, assign_split, clean_text, ingest, make_blocks
from akhbar.validate import validate_paths

REPO = Path(__file__).resolve().parents[1]
SEED_ID = "elaph-46fbcfd5b2c865c7"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("يزور مصر&وفد رسمي", "يزور مصر وفد رسمي"),  # & between words stood for a space
        ("هذا التوحش.&\nسطر", "هذا التوحش.\nسطر"),  # at a line end: debris
        ("أول\n&\nثان", "أول\nثان"),  # alone on a line: debris, and the empty line goes
        ('تنظيم "داعش" &يسيطر', 'تنظيم "داعش" يسيطر'),  # next to a space: debris
        ("نص\nالتعليقات", "نص"),  # trailing comments widget
        ("نص\nالتعليقات 12", "نص"),
        ("التعليقات في النص\nنص", "التعليقات في النص\nنص"),  # not trailing: kept
        ("a&nbsp;b &amp; c", "a b & c"),  # HTML character references
        ("\ufeffسطر\r\nسطر", "سطر\nسطر"),  # BOM and CRLF
        ("ا\u0653", "\u0622"),  # NFC: canonical composition only
        ("مُحَمَّد", "مُحَمَّد"),  # diacritics kept
    ],
)
def test_cleaning_rules(raw, clean):
    assert clean_text(raw) == clean


def test_cleaning_never_removes_letters_or_diacritics(shared_dir):
    raw = (shared_dir / "seeds" / "000_46fbcfd5b2c865c7.txt").read_text(encoding="utf-8")
    clean = clean_text(raw)
    letters = lambda s: [c for c in s if c.isalpha() or "\u064b" <= c <= "\u0652"]  # noqa: E731
    widget = "التعليقات"
    assert letters(clean) == letters(raw[: raw.rindex(widget)])


def test_key_and_split_are_deterministic():
    assert article_key(Path("000_46fbcfd5b2c865c7.txt"), "x") == "46fbcfd5b2c865c7"
    derived = article_key(Path("article.txt"), "نص")
    assert len(derived) == 16 and derived == article_key(Path("other.txt"), "نص")
    assert assign_split("elaph-46fbcfd5b2c865c7") == assign_split("elaph-46fbcfd5b2c865c7")
    counts = {s: 0 for s in ("train", "validation", "test")}
    for i in range(2000):
        counts[assign_split(f"x-{i:016x}")] += 1
    assert 1500 < counts["train"] < 1700 and 130 < counts["validation"] < 270 and 130 < counts["test"] < 270


def test_blocks():
    text = "عنوان المقال\nفقرة افتتاحية طويلة.\nصبري عبد الحفيظ من القاهرة: نص.\nعنوان فرعي\nفقرة."
    kinds = [b["kind"] for b in make_blocks(text, "عنوان المقال", "صبري عبد الحفيظ")]
    assert kinds == ["headline", "lede", "byline", "heading", "paragraph"]


def test_seed_ingestion_reproduces_the_corpus_record(tmp_path, shared_dir):
    options = IngestOptions(publisher="Elaph", author="صبري عبد الحفيظ", date="2026-11-29")
    record, shard = ingest(shared_dir / "seeds" / "000_46fbcfd5b2c865c7.txt", tmp_path, options)
    corpus = json.loads((REPO / "corpus" / "articles" / "elaph.jsonl").read_text(encoding="utf-8").splitlines()[0])
    for field in ("id", "split", "title", "text", "blocks", "source", "license", "language", "schema_version"):
        assert record[field] == corpus[field], field
    assert record["id"] == SEED_ID and record["source"]["dateline"] == "القاهرة"
    assert [d.as_text() for d in validate_paths([shard])] == []


def test_ingest_refuses_duplicates_and_changed_raw_files(tmp_path):
    raw = tmp_path / "in" / "0001_aaaaaaaaaaaaaaaa.txt"
    raw.parent.mkdir()
    raw.write_text("فقرة أولى.\nفقرة ثانية.", encoding="utf-8")
    options = IngestOptions(publisher="Test Press")
    record, shard = ingest(raw, tmp_path, options)
    assert record["id"] == "test-press-aaaaaaaaaaaaaaaa"
    before = shard.read_bytes()
    with pytest.raises(IngestError, match="already in"):
        ingest(raw, tmp_path, options)
    # a raw file without a key in its name: the id comes from the text, so a changed text
    # is a new article, but its raw file would overwrite the first one's
    plain = raw.with_name("article.txt")
    plain.write_text("نص أول.", encoding="utf-8")
    ingest(plain, tmp_path, options)
    before = shard.read_bytes()
    plain.write_text("نص آخر.", encoding="utf-8")
    with pytest.raises(IngestError, match="different content"):
        ingest(plain, tmp_path, options)
    assert shard.read_bytes() == before


def test_cli_ingest_errors_are_messages(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe not utf-8")
    out = subprocess.run(
        [sys.executable, "-m", "akhbar", "ingest", str(bad), "--publisher", "X", "--root", str(tmp_path)],
        capture_output=True, text=True,
    )
    assert out.returncode == 2 and "not UTF-8" in out.stderr and "Traceback" not in out.stderr
