"""CoNLL BIO import (AQMAR, NewsFANE, nested Wojood-style, quirks) and export (the `ner`
configs' segmentation, nested columns, round trip with default options)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import orjson
import pytest

from akhbar.cli import main
from akhbar.interchange.common import Report
from akhbar.interchange.conll import read_conll, record_to_conll
from akhbar.interchange.maps import builtin_map
from akhbar.interchange.merge import blocks_from_lines
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
    assert record["license"] == {"text": "CC-BY-SA-3.0", "attribution": None, "annotations": "CC-BY-SA-3.0"}
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
                 "--annotation-license", "CC-BY-SA-3.0", "--sentences-per-doc", "500", "--report", str(report_file),
                 "--allow-repairs"])
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
    docs = read_conll(src, builtin_map("conll4"), report, "conll4")
    assert [d.text for d in docs] == ["قال أحمد علي في القاهرة", "وزارة الدفاع و ناسا"]
    assert [[(m["text"], e["type"]) for e in d.entities for m in e["mentions"]] for d in docs] == [
        [("أحمد علي", "PERS"), ("القاهرة", "GPE")], [("وزارة الدفاع", "ORG")]]
    assert report.repairs["U+200E LEFT-TO-RIGHT MARK stripped from tokens"] == 2
    assert report.repairs["orphan I- tags read as B-"] == 1
    assert report.repairs["byte-order mark removed"] == 1
    assert report.repairs["separator lines holding only whitespace (tab)"] == 1
    assert report.dropped["MISC (mapped to nothing)"] == 1
    # An orphan I- decides where its mention begins: an error unless repairs are allowed.
    assert [(p.level, p.code, p.line) for p in report.problems if p.code == "orphan-inside"] == [("error", "orphan-inside", 5)]
    assert blocks_from_lines(docs[0].text) == [{"start": 0, "end": len(docs[0].text), "kind": "paragraph"}]  # a new record's blocks


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


def test_quirky_orphan_stops_the_import_unless_repairs_are_allowed(tmp_path, capsys):
    src = tmp_path / "quirky.conll"
    src.write_bytes(QUIRKY.encode("utf-8"))
    out = tmp_path / "corpus" / "articles" / "q.jsonl"
    out.parent.mkdir(parents=True)
    args = ["import", "--format", "conll", str(src), "--out", str(out), "--base", "--publisher", "Synthetic"]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert f"{src}:5: [ERROR orphan-inside] I-LOC follows O: read as B-LOC" in err and "--allow-repairs" in err
    assert not out.exists()
    assert main(args + ["--allow-repairs"]) == 0
    assert f"{src}:5: [WARNING orphan-inside]" in capsys.readouterr().err


def _mentions(docs) -> list[list[tuple[str, str]]]:
    return [[(m["text"], e["type"]) for e in d.entities for m in e["mentions"]] for d in docs]


def test_nested_wojood_style_columns_keep_every_extent():
    report = Report()
    docs = read_conll(DATA / "wojood-nested-synthetic.conll", builtin_map("wojood"), report, "wojood", allow_repairs=True)
    [doc] = docs
    assert doc.text.split("\n") == ["صحيفة القدس نشرت المادة ( 12 ) من قانون العمل .",
                                    "قال نائب المدير العام لشركة النفط الوطنية إن بلدية مدينة نابلس دفعت 20 مليون دولار عبر موقع البلدية ."]
    assert sorted(_mentions(docs)[0]) == sorted([
        ("صحيفة القدس", "ORG"), ("القدس", "GPE"),  # the outer ORG is not cut short by the GPE's column
        ("المادة ( 12 ) من قانون العمل", "LAW"), ("12", "ORDINAL"), ("قانون العمل", "LAW"),  # LAW inside LAW
        ("نائب المدير العام لشركة النفط الوطنية", "OCC"), ("المدير العام لشركة النفط الوطنية", "OCC"),
        ("لشركة النفط الوطنية", "ORG"),  # the host token, proclitic inside (Wojood's convention)
        ("بلدية مدينة نابلس", "ORG"), ("مدينة نابلس", "GPE"),  # the orphan I-GPE inside the ORG, read as B-GPE
        ("20 مليون دولار", "MONEY"),
    ])
    assert report.dropped == {"CURR (mapped to nothing)": 1, "WEBSITE (mapped to nothing)": 1}
    assert report.repairs["segment markers $#$ dropped"] == 2 and "$#$" not in doc.text
    assert [(p.level, p.code, p.line) for p in report.problems] == [("warning", "orphan-inside", 25)]
    # Read as a flat file would read it (last column only), the ORG would end at صحيفة: the
    # nested reading must not be that.
    assert ("صحيفة", "ORG") not in _mentions(docs)[0]


def test_nested_orphan_is_an_error_by_default(tmp_path, capsys):
    out = tmp_path / "corpus" / "articles" / "w.jsonl"
    out.parent.mkdir(parents=True)
    src = DATA / "wojood-nested-synthetic.conll"
    assert main(["import", "--format", "conll", str(src), "--map", "wojood", "--out", str(out), "--base", "--publisher", "Synthetic"]) == 1
    assert f"{src}:25: [ERROR orphan-inside] I-GPE follows B-ORG: read as B-GPE" in capsys.readouterr().err
    assert not out.exists()


def test_crossing_mentions_are_an_error(tmp_path):
    src = tmp_path / "cross.conll"
    src.write_text("أ B-ORG\nب I-ORG B-GPE\nج B-GPE\nد I-GPE\n\nهـ B-PERS\nو I-PERS B-GPE\nز I-GPE\n", encoding="utf-8")
    report = Report()
    [doc] = read_conll(src, builtin_map("akhbar"), report, "akhbar")
    # ب I-ORG B-GPE / ج B-GPE: no crossing (the GPE ends where the ORG does); و…ز crosses the PERS.
    assert _mentions([doc])[0] == [("أ ب", "ORG"), ("ب", "GPE"), ("ج د", "GPE"), ("هـ و", "PERS")]
    assert [(p.code, p.line) for p in report.errors] == [("mention-crossing", 7)]
    assert report.dropped["crossing mentions"] == 1


def test_a_segment_marker_ends_its_sentence_and_a_tagged_one_is_an_error(tmp_path):
    src = tmp_path / "markers.conll"
    src.write_text("# a comment line\nأ B-PERS\n$#$ O\nب O\n$#$ B-ORG\nج O\n", encoding="utf-8")
    report = Report()
    [doc] = read_conll(src, builtin_map("akhbar"), report, "akhbar")
    assert doc.text == "أ\nب\nج" and "#" not in doc.text  # no marker, no comment in the text
    assert [(p.code, p.line) for p in report.errors] == [("marker-tagged", 5)]
    assert report.repairs["segment markers $#$ dropped"] == 2


def test_wojood_map_comes_from_the_schema():
    mapping = builtin_map("wojood")
    from akhbar import labels

    assert set(mapping) == set(labels.mapping_target_labels("wojood21")) and len(mapping) == 21
    assert {k for k, v in mapping.items() if v is None} == {"LANGUAGE", "WEBSITE", "UNIT", "CURR"}
    assert mapping["PRODUCT"] == "PRODUCT" and mapping["LOC"] == "LOC" and mapping["PERS"] == "PERS"


def _exported_articles(path: Path) -> list[list[list[list[str]]]]:
    """Articles of an exported file: sentences of token lines split into columns (independent of the importer)."""
    articles: list = []
    sentence: list = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            continue
        if line.startswith("-DOCSTART-"):
            articles.append([])
        elif not line:
            if sentence:
                articles[-1].append(sentence)
            sentence = []
        else:
            sentence.append(line.split(" "))
    return articles


def test_export_then_import_with_defaults_gives_back_every_mention(tmp_path):
    record = synthetic_record()
    shard = write_corpus(tmp_path / "src", [record])
    assert main(["export", "--format", "conll", "--out", str(tmp_path / "conll"), str(shard)]) == 0
    exported = tmp_path / "conll" / "train.txt"
    lines = exported.read_text(encoding="utf-8").splitlines()
    assert lines[:2] == ["# tagset = akhbar", "-DOCSTART- O"]
    # The host token carries the tag (للجيش), and the nested NORP is a second column.
    assert "للجيش B-ORG" in lines and "الليبي I-ORG B-NORP" in lines
    out = tmp_path / "corpus" / "articles" / "back.jsonl"
    out.parent.mkdir(parents=True)
    assert main(["import", "--format", "conll", str(exported), "--out", str(out), "--base", "--publisher", "Synthetic"]) == 0
    [back] = read_out(out)
    got = sorted((m["text"], e["type"]) for e in back["entities"] for m in e["mentions"])
    # Every mention, nested ones too, with its type; at token granularity (لجيش comes back as للجيش).
    text = record["text"]
    expected = []
    for e in record["entities"]:
        for m in e["mentions"]:
            start = text.rfind(" ", 0, m["start"]) + 1 if m["start"] and not text[m["start"] - 1].isspace() else m["start"]
            expected.append((text[start:m["end"]], e["type"]))
    assert got == sorted(expected)
    assert errors(out, tmp_path) == []


def test_the_declared_tagset_picks_the_map_and_loc_stays_loc(tmp_path):
    record = synthetic_record()
    text = record["text"]
    start = text.index("عسكري")  # a LOC, for the test: CoNLL-4 would read it back as GPE
    record["entities"].append({"id": "e99", "type": "LOC", "subtype": None, "name": "عسكري", "wikidata": None,
                               "mentions": [{"id": "m99", "start": start, "end": start + 5, "text": "عسكري"}]})
    shard = write_corpus(tmp_path / "src", [record])
    out = tmp_path / "corpus" / "articles" / "back.jsonl"
    out.parent.mkdir(parents=True)
    assert main(["export", "--format", "conll", "--out", str(tmp_path / "ak"), str(shard)]) == 0
    assert main(["import", "--format", "conll", str(tmp_path / "ak" / "train.txt"), "--out", str(out), "--base", "--publisher", "S"]) == 0
    [back] = read_out(out)
    assert ("عسكري", "LOC") in [(m["text"], e["type"]) for e in back["entities"] for m in e["mentions"]]
    # A conll4 export says so, and its import (conll4 map, from the header) says LOC is read as GPE.
    assert main(["export", "--format", "conll", "--tagset", "conll4", "--out", str(tmp_path / "c4"), str(shard)]) == 0
    assert (tmp_path / "c4" / "train.txt").read_text(encoding="utf-8").startswith("# tagset = conll4\n")
    report_file = tmp_path / "report.json"
    assert main(["import", "--format", "conll", str(tmp_path / "c4" / "train.txt"), "--out", str(out.with_name("c4.jsonl")), "--base",
                 "--publisher", "S4", "--report", str(report_file)]) == 0
    assert "loc-read-as-gpe" in {p["code"] for p in json.loads(report_file.read_text())["problems"]}


def test_export_conll4_tagset():
    report = Report()
    lines = record_to_conll(synthetic_record(), "conll4", report)
    assert "أحمد B-PER" in lines and "القاهرة B-LOC" in lines
    assert report.dropped["OCC (no conll4 label)"] == 1


def test_ner_config_and_conll_export_have_the_same_sentences_and_tokens(tmp_path):
    """On every corpus article: the `ner` rows and the CoNLL export are one segmentation, and
    the export's first tag column is the `ner` tags."""
    from akhbar.hf import features as F
    from akhbar.hf.rows import record_batches
    from akhbar.paths import default_shards, project_root

    shards = default_shards(project_root())
    records = sorted((orjson.loads(line) for s in shards for line in s.read_bytes().splitlines() if line.strip()),
                     key=lambda r: r["id"])
    assert main(["export", "--format", "conll", "--out", str(tmp_path), *map(str, shards)]) == 0
    exported = {}
    for split in {r["split"] for r in records}:
        ids = [r["id"] for r in records if r["split"] == split]
        exported.update(zip(ids, _exported_articles(tmp_path / f"{split}.txt"), strict=True))
    names = F.ner_tag_names()
    rows: dict[str, list] = {}
    for row in record_batches(records)["ner"].to_pylist():
        rows.setdefault(row["article_id"], []).append([[t, names[g]] for t, g in zip(row["tokens"], row["ner_tags"], strict=True)])
    assert set(rows) <= set(exported) and len(exported) == len(records)
    for article_id, sentences in exported.items():
        assert [[cols[:2] for cols in s] for s in sentences] == rows.get(article_id, []), article_id


def test_every_corpus_article_round_trips_through_conll_with_defaults(tmp_path):
    """Export the corpus, import each split back with no options: every mention comes back with
    its type and its tokens."""
    from akhbar.paths import default_shards, project_root

    shards = default_shards(project_root())
    records = {r["id"]: r for r in (orjson.loads(line) for s in shards for line in s.read_bytes().splitlines() if line.strip())}
    assert main(["export", "--format", "conll", "--out", str(tmp_path / "conll"), *map(str, shards)]) == 0
    for split_file in sorted((tmp_path / "conll").glob("*.txt")):
        report = Report()
        docs = read_conll(split_file, builtin_map("akhbar"), report, "akhbar")
        ids = sorted(r for r in records if records[r]["split"] == split_file.stem)
        assert report.errors == [] and len(docs) == len(ids)
        for article_id, doc in zip(ids, docs, strict=True):
            assert sorted((m["text"], e["type"]) for e in doc.entities for m in e["mentions"]) == _token_mentions(records[article_id])


def _token_mentions(record: dict) -> list[tuple[str, str]]:
    """Each mention as the tokens of the `ner` segmentation that overlap it, joined by spaces."""
    import numpy as np

    from akhbar import labels
    from akhbar.hf.tokenize import record_view

    ids = {t: i for i, t in enumerate(labels.entity_types())}
    pairs = [(m, e["type"]) for e in record["entities"] for m in e["mentions"]]
    view = record_view(record["text"], np.array([m["start"] for m, _ in pairs], dtype=np.int64),
                       np.array([m["end"] for m, _ in pairs], dtype=np.int64), np.array([ids[t] for _, t in pairs], dtype=np.int64)).view
    toks = list(zip(view.starts.tolist(), view.ends.tolist(), strict=True))
    text = record["text"]
    return sorted((" ".join(text[s:e] for s, e in toks if s < m["end"] and m["start"] < e), t) for m, t in pairs)


def test_corpus_records_export(tmp_path):
    """Whatever the corpus holds exports, and every mention, nested ones too, becomes one B- tag."""
    from akhbar.paths import default_shards, project_root

    shards = default_shards(project_root())
    assert main(["export", "--format", "conll", "--out", str(tmp_path), *map(str, shards)]) == 0
    records = [orjson.loads(line) for s in shards for line in s.read_bytes().splitlines() if line.strip()]
    b = sum(line.count(" B-") for f in tmp_path.glob("*.txt") for line in f.read_text(encoding="utf-8").splitlines())
    report = Report()
    for r in records:
        record_to_conll(r, "akhbar", report)
    assert b == report.counts["mentions exported"] == sum(len(e["mentions"]) for r in records for e in r["entities"])
    assert not report.dropped
