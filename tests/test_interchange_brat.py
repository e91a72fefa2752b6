"""brat standoff: export -> import is the identity; re-anchoring; INCEpTION-style input."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import orjson
import pytest

from akhbar.cli import main
from akhbar.interchange.brat import annotation_conf, export_brat, read_brat, record_to_ann
from akhbar.interchange.common import InterchangeError, Report
from akhbar.interchange.merge import NewRecordOptions, merge_docs, plan_raw_copy
from akhbar.paths import default_shards, project_root
from akhbar.validate import validate_paths
from synthetic import synthetic_record, write_corpus

REPO = Path(__file__).resolve().parents[1]


def rich_record() -> dict:
    """The synthetic record with every feature the brat encoding must carry: a cluster of
    two mentions, wikidata, subtype, a discontinuous quote with a parent, magnitude, contexts."""
    r = synthetic_record()
    t = r["text"]
    start = t.index("المتحدث")
    r["entities"][0]["mentions"].insert(0, {"id": "m10", "start": start, "end": start + 7, "text": "المتحدث"})
    r["entities"][0]["wikidata"] = "Q42"
    r["entities"][3]["subtype"] = "COUNTRY"
    a, b = t.index("التعاون مع"), t.index("مستمر")
    r["quotes"].append({"id": "q3", "type": "mixed", "content": [
        {"start": a, "end": a + len("التعاون مع"), "text": "التعاون مع"}, {"start": b, "end": b + 5, "text": "مستمر"}],
        "cue": None, "speaker": None, "speaker_kind": "anonymous", "speaker_span": None, "addressee": "e4", "parent": "q1"})
    r["events"][2]["magnitude"] = {"dead": 3, "injured": None, "arrested": 0}
    r["events"][2]["context"] = ["military", "political-institutions"]
    r["events"][2]["negated"] = r["events"][2]["hypothetical"] = r["events"][2]["historical"] = True
    r["events"][0]["arguments"] = [{"role": "beneficiary", "entity": "e5"}, {"role": "place", "entity": "e3"}]
    r["events"][0]["actor"] = ["e4", "e2"]
    return r


def corpus_records() -> list[dict]:
    return [orjson.loads(line) for shard in default_shards(project_root()) for line in shard.read_bytes().splitlines() if line.strip()]


def roundtrip(records: list[dict], tmp_path: Path) -> tuple[list[dict], Report]:
    report = Report()
    export_brat(records, tmp_path / "brat", report)
    docs = read_brat(tmp_path / "brat", report)
    existing = {r["id"]: (r, tmp_path / "x.jsonl") for r in records}
    out, _changed, _copies = merge_docs(docs, existing, tmp_path, NewRecordOptions(), report)
    return out, report


@pytest.mark.parametrize("make", [synthetic_record, rich_record], ids=["synthetic", "rich"])
def test_roundtrip_is_identity_on_synthetic(make, tmp_path):
    record = make()
    out, report = roundtrip([copy.deepcopy(record)], tmp_path)
    assert report.errors == []
    assert out == [record]
    assert report.counts["articles unchanged"] == 1


def test_roundtrip_is_identity_on_the_corpus(tmp_path):
    records = corpus_records()
    assert records, "the corpus holds at least the seed article"
    out, report = roundtrip(copy.deepcopy(records), tmp_path)
    assert report.errors == []
    assert out == records


def test_roundtrip_new_records_keep_annotations(tmp_path):
    """Without a corpus to merge onto, import builds a new, valid record with the same layers."""
    record = rich_record()
    report = Report()
    export_brat([record], tmp_path / "brat", report)
    docs = read_brat(tmp_path / "brat", report)
    out, _, copies = merge_docs(docs, {}, tmp_path, NewRecordOptions(publisher="Synthetic", date="2026-01-02"), report)
    assert [o["entities"] for o in out] == [record["entities"]]
    assert out[0]["quotes"] == record["quotes"] and out[0]["events"] == record["events"]
    assert out[0]["id"] == record["id"] and out[0]["source"]["raw_file"] == f"corpus/raw/synthetic/{record['id']}.txt"
    # an ingest draft holding the imported layers: every source field, the layers' states
    assert out[0]["source"].keys() == record["source"].keys() and out[0]["source"]["url"] is None
    assert out[0]["annotation"]["layers"] == {"entities": "done", "quotes": "done", "events": "done"}
    assert copies and copies[0][1] == tmp_path / "corpus/raw/synthetic" / f"{record['id']}.txt"


def test_ann_encoding(tmp_path):
    ann = record_to_ann(rich_record())
    lines = ann.splitlines()
    assert "T10\tPERS 21 28\tالمتحدث" in lines  # m10 -> T10
    assert "R1\tCoref Arg1:T1 Arg2:T10" in lines  # second mention -> cluster head
    assert any(line.startswith("N1\tReference T10 Wikidata:Q42") for line in lines)
    quote3 = next(line for line in lines if line.split("\t")[1].startswith("Quote") and ";" in line)
    assert quote3.split("\t")[2] == "التعاون مع مستمر"
    assert "E1\tAID:T17 Actor:T4 Actor2:T2 Recipient:T5 Beneficiary:T5 Place:T3" in lines
    assert any(line.endswith("\tContext_political_institutions E3") for line in lines)
    conf = annotation_conf()
    assert "[events]" in conf and "ASSAULT\tActor*:" in conf and "Context_pro_democracy\tArg:<EVENT>" in conf


@pytest.mark.parametrize("shard_name", sorted(p.name for p in (REPO / "corpus" / "articles").glob("*.jsonl")))
def test_cli_roundtrip_on_corpus_is_byte_identical(tmp_path, shard_name):
    shard = tmp_path / "corpus" / "articles" / shard_name
    shard.parent.mkdir(parents=True)
    original = (REPO / "corpus/articles" / shard_name).read_bytes()
    shard.write_bytes(original)
    assert main(["export", "--format", "brat", "--out", str(tmp_path / "b"), str(REPO / "corpus/articles" / shard_name)]) == 0
    assert main(["import", "--format", "brat", str(tmp_path / "b"), "--out", str(shard), "--base", str(shard),
                 "--root", str(REPO)]) == 0
    assert shard.read_bytes() == original


def _export_one(tmp_path, record) -> tuple[Path, Path]:
    shard = write_corpus(tmp_path, [record])
    assert main(["export", "--format", "brat", "--out", str(tmp_path / "b"), str(shard)]) == 0
    return shard, tmp_path / "b" / f"{record['id']}.ann"


def test_shifted_offsets_are_reanchored_and_reported(tmp_path, capsys):
    record = rich_record()
    shard, ann = _export_one(tmp_path, record)
    lines = ann.read_text(encoding="utf-8").splitlines()
    lines = [ln.replace("\tGPE 49 56\t", "\tGPE 47 54\t") for ln in lines]  # القاهرة moved by 2
    ann.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["import", "--format", "brat", str(ann.parent), "--out", str(shard), "--base", str(shard)]) == 0
    err = capsys.readouterr().err
    assert "span-moved" in err and f"{ann.name}:" in err
    after = orjson.loads(shard.read_bytes().splitlines()[0])
    assert after["entities"] == record["entities"]


def test_unplaceable_span_is_reported_with_file_and_line_and_nothing_is_written(tmp_path, capsys):
    record = rich_record()
    shard, ann = _export_one(tmp_path, record)
    before = shard.read_bytes()
    text = ann.read_text(encoding="utf-8").replace("\tسرت\n", "\tبنغازي\n")
    ann.write_text(text, encoding="utf-8")
    line_no = next(i for i, ln in enumerate(text.splitlines(), 1) if ln.endswith("\tبنغازي"))
    assert main(["import", "--format", "brat", str(ann.parent), "--out", str(shard), "--base", str(shard)]) == 1
    err = capsys.readouterr().err
    assert f"{ann.name}:{line_no} [{record['id']}]: [ERROR span-unplaced]" in err
    assert "nothing written" in err
    assert shard.read_bytes() == before


def test_inception_style_chain_without_notes(tmp_path):
    """Annotations drawn in a tool: no notes, coreference as a chain, T ids renumbered."""
    text = "قال أحمد علي إن أحمد سيزور القاهرة. وأضاف علي أن الزيارة مهمة."
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "synthetic-00000000000000b2.txt").write_text(text, encoding="utf-8")

    def t(n, kind, surface, occurrence=0):
        start = -1
        for _ in range(occurrence + 1):
            start = text.index(surface, start + 1)
        return f"T{n}\t{kind} {start} {start + len(surface)}\t{surface}"

    ann = [t(3, "PERS", "أحمد علي"), t(5, "PERS", "أحمد", 1), t(8, "PERS", "علي", 1), t(9, "GPE", "القاهرة"),
           "R1\tCoref Arg1:T5 Arg2:T3", "R2\tCoref Arg1:T8 Arg2:T5\t", t(11, "CONSULT", "سيزور"), "E4\tCONSULT:T11 Actor:T8 Place:T9",
           "A1\tMode E4 visit", t(12, "Quote", "الزيارة مهمة"), t(13, "Cue", "أضاف"), "R3\tCue Arg1:T12 Arg2:T13",
           "R4\tSpeaker Arg1:T12 Arg2:T5", "A2\tQuoteType T12 indirect", "#1\tAnnotatorNotes T9\tcheck this one",
           t(14, "Quote", "قال"), t(15, "Quote", "أحمد سيزور القاهرة"), "R5\tFragment Arg1:T15 Arg2:T14"]
    (folder / "synthetic-00000000000000b2.ann").write_text("\n".join(ann) + "\n", encoding="utf-8")
    report = Report()
    [doc] = read_brat(folder, report)
    assert report.errors == []
    assert [(e["id"], e["type"], e["name"], [m["id"] for m in e["mentions"]]) for e in doc.entities] == [
        ("e1", "PERS", "أحمد علي", ["m3", "m5", "m8"]), ("e2", "GPE", "القاهرة", ["m9"])]
    [event] = doc.events
    assert (event["id"], event["category"], event["mode"], event["actor"], event["arguments"]) == (
        "v4", "CONSULT", "visit", ["e1"], [{"role": "place", "entity": "e2"}])
    quote, fragmented = doc.quotes
    assert [c["text"] for c in fragmented["content"]] == ["قال", "أحمد سيزور القاهرة"] and fragmented["id"] == "q2"
    assert (quote["speaker"], quote["speaker_kind"], quote["cue"]["lemma"], quote["type"]) == ("e1", "named", "أضاف", "indirect")
    assert any(p.code == "note-ignored" for p in report.problems)


def test_brat_tutorial_needs_a_map_and_reports_foreign_events(shared_dir, tmp_path, capsys):
    src = shared_dir / "external" / "brat-news-tutorial"
    out = tmp_path / "corpus" / "articles" / "tutorial.jsonl"
    out.parent.mkdir(parents=True)
    args = ["import", "--format", "brat", str(src), "--out", str(out), "--base", "--publisher", "brat tutorial",
            "--text-license", "MIT", "--annotation-license", "MIT"]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "040-text_span_annotation.ann:1" in err and "'Person' is not an Akhbar type" in err
    assert not out.exists()
    mapping = tmp_path / "map.json"
    mapping.write_text(json.dumps({"labels": {"Person": "PERS", "Organization": "ORG", "GPE": "GPE", "Money": "MONEY"}}))
    assert main(args + ["--map", str(mapping), "--allow-drops"]) == 1  # written, but the ACE events are reported
    err = capsys.readouterr().err
    assert "090-event_structures.ann:4" in err and "'Merge-org' is not a PLOVER category" in err
    records = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    assert len(records) == len(list(src.glob("*.ann")))
    assert sum(len(e["mentions"]) for r in records for e in r["entities"]) > 50
    assert not [d for d in validate_paths([out], tmp_path) if d.level == "error"]


def test_malformed_ann_lines_are_reported_with_lines(tmp_path, capsys):
    folder = tmp_path / "b"
    folder.mkdir()
    (folder / "x-0000000000000001.txt").write_text("نص قصير", encoding="utf-8")
    (folder / "x-0000000000000001.ann").write_text(
        "E1\tAID:T1 Actor\nT1\tPERS 0 99\tنص\nA1\tNegated\nR1\tCoref Arg1:T1\nT2\tPERS 0 2\tنص\nE2\tAID:T3\n", encoding="utf-8")
    out = tmp_path / "corpus" / "articles" / "o.jsonl"
    out.parent.mkdir(parents=True)
    assert main(["import", "--format", "brat", str(folder), "--out", str(out), "--base", "--publisher", "x"]) == 1
    err = capsys.readouterr().err
    for line in ("ann:1 ", "ann:3 ", "ann:4 "):
        assert f"x-0000000000000001.{line}[x-0000000000000001]: [ERROR ann-malformed]" in err
    assert "ann:2 [x-0000000000000001]: [ERROR span-unplaced] T1: offsets 0-99 outside the text" in err
    assert "ann:6 [x-0000000000000001]: [ERROR relation-dangling] E2: trigger T3 does not exist" in err
    assert not out.exists()


def test_export_of_an_invalid_record_is_a_message(tmp_path, capsys):
    record = synthetic_record()
    record["quotes"][0]["speaker"] = "e99"
    shard = write_corpus(tmp_path, [record])
    assert main(["export", "--format", "brat", "--out", str(tmp_path / "b"), str(shard)]) == 2
    assert "not a valid record" in capsys.readouterr().err


def test_a_new_records_raw_file_is_copied_once_and_never_overwritten(tmp_path):
    source = tmp_path / "in" / "article.txt"
    source.parent.mkdir()
    source.write_text("نص", encoding="utf-8")
    root = tmp_path / "repo"
    relative, digest, copy_to_make = plan_raw_copy(source, root, "pub")
    target = root / relative
    assert relative == "corpus/raw/pub/article.txt" and copy_to_make == (source, target) and len(digest) == 64
    target.parent.mkdir(parents=True)
    target.write_text("نص", encoding="utf-8")
    assert plan_raw_copy(source, root, "pub") == (relative, digest, None)  # the same file: nothing to copy
    target.write_text("غيره", encoding="utf-8")
    with pytest.raises(InterchangeError, match=r"different content; refusing to overwrite a raw file \(use another --slug\)"):
        plan_raw_copy(source, root, "pub")
