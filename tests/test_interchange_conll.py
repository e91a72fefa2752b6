"""CoNLL BIO import (AQMAR, NewsFANE, quirks) and export."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import orjson
import pytest

from akhbar.cli import main
from akhbar.interchange.common import Report
from akhbar.interchange.conll import BUILTIN_MAPS, read_conll, record_to_conll, tokenize
from akhbar.provenance import sha256_file
from akhbar.validate import validate_paths
from synthetic import synthetic_record, write_corpus

DATA = Path(__file__).parent / "data"


def read_out(path: Path) -> list[dict]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def errors(path: Path, root: Path) -> list[str]:
    return [d.as_text() for d in validate_paths([path], root) if d.level == "error"]


def b_tags(path: Path) -> Counter:
    """B- tags counted straight from the file, independently of the importer."""
    counts: Counter = Counter()
    for line in path.read_text(encoding="utf-8-sig").splitlines():
        fields = line.split()
        if len(fields) >= 2 and fields[-1].startswith("B-"):
            counts[fields[-1][2:]] += 1
    return counts


def test_aqmar_train_one_pers_mention_per_b_per(shared_dir, tmp_path):
    src = shared_dir / "external" / "aqmar" / "train.txt"
    out = tmp_path / "corpus" / "articles" / "aqmar.jsonl"
    out.parent.mkdir(parents=True)
    report_file = tmp_path / "report.json"
    code = main(["import", "--format", "conll", str(src), "--map", "aqmar", "--out", str(out), "--base",
                 "--publisher", "AQMAR", "--text-license", "CC-BY-SA-3.0", "--annotation-license", "CC-BY-SA-3.0",
                 "--date", "2026-01-01", "--report", str(report_file)])
    assert code == 0
    expected = b_tags(src)
    [record] = read_out(out)
    types = Counter(e["type"] for e in record["entities"] for _ in e["mentions"])
    assert types["PERS"] == expected["PER"] == 753
    assert types["ORG"] == expected["ORG"] and types["GPE"] == expected["LOC"]
    assert sum(types.values()) == expected["PER"] + expected["ORG"] + expected["LOC"]
    report = json.loads(report_file.read_text())
    assert report["dropped"] == {"MIS (mapped to nothing)": expected["MIS"]}
    # Each PERS mention starts with a token the file tags B-PER, in file order.
    b_per = [line.split()[0].replace("\u200f", "").replace("\u200e", "") for line in src.read_text(encoding="utf-8").splitlines()
             if line.endswith(" B-PER")]
    starts = [m["text"].split(" ")[0] for e in record["entities"] if e["type"] == "PERS" for m in e["mentions"]]
    assert starts == b_per
    # Provenance: an honest copy of the source file, and the record validates.
    assert record["source"]["raw_file"] == "corpus/raw/aqmar/train.txt"
    assert record["source"]["raw_sha256"] == sha256_file(src) == sha256_file(tmp_path / record["source"]["raw_file"])
    assert record["license"] == {"text": "CC-BY-SA-3.0", "annotations": "CC-BY-SA-3.0"}
    assert record["annotation"]["status"] == "silver" and record["split"] in ("train", "validation", "test")
    assert errors(out, tmp_path) == []
    # Re-running the import changes nothing (same id, merged onto itself).
    before = out.read_bytes()
    assert main(["import", "--format", "conll", str(src), "--map", "aqmar", "--out", str(out), "--base",
                 "--publisher", "AQMAR", "--date", "2026-01-01"]) == 0
    assert out.read_bytes() == before


def test_newsfane_with_map_file_and_repair_report(shared_dir, tmp_path, capsys):
    src = shared_dir / "external" / "newsfane-gold" / "NewsFANE_Gold_2014_170K.txt"
    out = tmp_path / "corpus" / "articles" / "newsfane.jsonl"
    out.parent.mkdir(parents=True)
    report_file = tmp_path / "report.json"
    code = main(["import", "--format", "conll", str(src), "--map", str(DATA / "newsfane-map.json"), "--out", str(out),
                 "--base", "--publisher", "NewsFANE Gold", "--text-license", "CC-BY-SA-3.0",
                 "--annotation-license", "CC-BY-SA-3.0", "--sentences-per-doc", "500", "--report", str(report_file)])
    assert code == 0
    report = json.loads(report_file.read_text())
    repairs = report["repairs"]
    assert repairs["byte-order mark removed"] == 1
    assert repairs["U+200E LEFT-TO-RIGHT MARK stripped from tokens"] == 152599
    assert repairs["orphan I- tags read as B-"] == 4
    assert repairs["separator lines holding only whitespace (tab)"] == 4759
    assert repairs["CRLF line ends"] > 170000
    orphan_lines = sorted(p["line"] for p in report["problems"] if p["code"] == "orphan-inside")
    assert orphan_lines == [82783, 83588, 106635, 106642]
    err = capsys.readouterr().err
    assert f"{src}:82783: [WARNING orphan-inside] I-Non-Governmental follows O" in err
    mapping = json.loads((DATA / "newsfane-map.json").read_text())["labels"]
    tags = b_tags(src)
    records = read_out(out)
    assert len(records) == 10  # 4,760 sentences, 500 per article
    mentions = [m for r in records for e in r["entities"] for m in e["mentions"]]
    kept = sum(n for tag, n in tags.items() if mapping[tag] is not None)
    assert len(mentions) == kept + 4  # every mapped B- tag, plus the 4 orphan I- read as B-
    assert report["dropped"] == {f"{t} (mapped to nothing)": n for t, n in tags.items() if mapping[t] is None}
    assert not any("\u200e" in r["text"] for r in records)
    assert errors(out, tmp_path) == []


def test_newsfane_without_map_is_refused_with_file_and_line(shared_dir, tmp_path, capsys):
    src = shared_dir / "external" / "newsfane-gold" / "NewsFANE_Gold_2014_170K.txt"
    out = tmp_path / "corpus" / "articles" / "newsfane.jsonl"
    out.parent.mkdir(parents=True)
    assert main(["import", "--format", "conll", str(src), "--out", str(out), "--base", "--publisher", "x"]) == 1
    err = capsys.readouterr().err
    assert f"{src}:1: [ERROR label-unmapped] label 'Population-Center' is not in the conll4 map" in err
    assert not out.exists() and not (tmp_path / "corpus" / "raw").exists()


QUIRKY = (
    "\ufeffقال\tO\r\n"
    "\u200eأحمد\tB-PER\r\n"
    "علي\u200e\tI-PER\r\n"
    "في\tO\r\n"
    "القاهرة\tI-LOC\r\n"
    "\t\r\n"
    "-DOCSTART- O\r\n"
    "\r\n"
    "وزارة B-ORG\r\n"
    "الدفاع I-ORG\r\n"
    "و O\r\n"
    "ناسا B-MISC\r\n"
)


def test_quirks_are_repaired_and_reported(tmp_path):
    src = tmp_path / "quirky.conll"
    src.write_bytes(QUIRKY.encode("utf-8"))
    report = Report()
    docs = read_conll(src, BUILTIN_MAPS["conll4"], report, "conll4")
    assert [d.text for d in docs] == ["قال أحمد علي في القاهرة", "وزارة الدفاع و ناسا"]
    assert [[(m["text"], e["type"]) for e in d.entities for m in e["mentions"]] for d in docs] == [
        [("أحمد علي", "PERS"), ("القاهرة", "GPE")], [("وزارة الدفاع", "ORG")]]
    assert report.repairs["U+200E LEFT-TO-RIGHT MARK stripped from tokens"] == 2
    assert report.repairs["orphan I- tags read as B-"] == 1
    assert report.repairs["byte-order mark removed"] == 1
    assert report.repairs["separator lines holding only whitespace (tab)"] == 1
    assert report.dropped["MISC (mapped to nothing)"] == 1
    assert [(p.code, p.line) for p in report.problems if p.code == "orphan-inside"] == [("orphan-inside", 5)]
    assert docs[0].blocks == [{"start": 0, "end": len(docs[0].text), "kind": "paragraph"}]


@pytest.mark.parametrize("content, message", [
    (b"\xd9\x82\xff\tO\n", "bad.conll:1: not UTF-8"),
    (b"a O\nb\tB-\n", None),
])
def test_bad_input_is_a_message_not_a_traceback(tmp_path, capsys, content, message):
    src = tmp_path / "bad.conll"
    src.write_bytes(content)
    out = tmp_path / "corpus" / "articles" / "x.jsonl"
    out.parent.mkdir(parents=True)
    code = main(["import", "--format", "conll", str(src), "--out", str(out), "--base", "--publisher", "x"])
    err = capsys.readouterr().err
    if message:
        assert code == 2 and message in err
    else:
        assert code == 1 and "bad.conll:2: [ERROR tag-invalid]" in err


def test_missing_map_file_is_a_usage_error(tmp_path, capsys):
    src = tmp_path / "a.conll"
    src.write_text("a O\n", encoding="utf-8")
    assert main(["import", "--format", "conll", str(src), "--map", str(tmp_path / "nope.json"), "--out", str(tmp_path / "o.jsonl")]) == 2
    assert "neither a built-in map" in capsys.readouterr().err


def test_export_then_import_keeps_every_flat_mention(tmp_path):
    record = synthetic_record()
    shard = write_corpus(tmp_path / "src", [record])
    assert main(["export", "--format", "conll", "--out", str(tmp_path / "conll"), str(shard)]) == 0
    exported = tmp_path / "conll" / "train.txt"
    lines = exported.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "-DOCSTART- O"
    assert "ل O" in lines and "لجيش B-ORG" in lines  # the clitic is split off at the mention edge
    # Nested mentions (NORP الليبي inside ORG لجيش الليبي) cannot be flat BIO: outermost kept.
    flat = [m for e in record["entities"] for m in e["mentions"] if e["type"] != "NORP"]
    mapping = tmp_path / "akhbar.json"
    mapping.write_text(json.dumps({"labels": {t: t for t in ("PERS", "GPE", "ORG", "OCC", "NORP")}}))
    out = tmp_path / "corpus" / "articles" / "back.jsonl"
    out.parent.mkdir(parents=True)
    assert main(["import", "--format", "conll", str(exported), "--map", str(mapping), "--out", str(out), "--base",
                 "--publisher", "Synthetic"]) == 0
    [back] = read_out(out)
    assert sorted((m["text"].replace(" ", ""), e["type"]) for e in back["entities"] for m in e["mentions"]) == sorted(
        (m["text"].replace(" ", ""), e["type"]) for e in record["entities"] for m in e["mentions"] if m in flat)
    assert errors(out, tmp_path) == []


def test_export_conll4_tagset():
    report = Report()
    lines = record_to_conll(synthetic_record(), "conll4", report)
    assert "أحمد B-PER" in lines and "القاهرة B-LOC" in lines
    assert report.dropped["OCC (no conll4 label)"] == 1


def test_tokenize_keeps_diacritics_and_cuts_at_edges():
    text = "مُحَمَّد، للجيش"
    assert [text[s:e] for s, e in tokenize(text, {text.index("للجيش") + 1})] == ["مُحَمَّد", "،", "ل", "لجيش"]


def test_corpus_records_export(tmp_path):
    """Whatever the corpus holds exports, and every flat mention becomes one B- tag."""
    from akhbar.paths import default_shards, project_root

    shards = default_shards(project_root())
    assert main(["export", "--format", "conll", "--out", str(tmp_path), *map(str, shards)]) == 0
    records = [orjson.loads(line) for s in shards for line in s.read_bytes().splitlines() if line.strip()]
    b = sum(1 for f in tmp_path.glob("*.txt") for line in f.read_text(encoding="utf-8").splitlines() if " B-" in line)
    report = Report()
    for r in records:
        record_to_conll(r, "akhbar", report)
    assert b == report.counts["mentions exported"]
