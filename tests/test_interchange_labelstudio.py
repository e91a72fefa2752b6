"""Label Studio: tasks + config export, import of completed tasks, UTF-16 offsets."""

from __future__ import annotations

import copy
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import orjson
import pytest

from akhbar.cli import main
from akhbar.interchange.common import Report
from akhbar.interchange.labelstudio import Utf16, labeling_config, read_tasks, record_to_tasks
from akhbar.interchange.merge import NewRecordOptions, merge_docs
from synthetic import synthetic_record
from test_interchange_brat import corpus_records, rich_record

REPO = Path(__file__).resolve().parents[1]


def with_astral(record: dict) -> dict:
    """The record with characters outside the BMP inserted before and between annotations."""
    r = copy.deepcopy(record)
    inserts = [(0, "📰 "), (r["text"].index("وأضاف"), "🇪🇬 ")]
    for pos, s in sorted(inserts, reverse=True):
        r["text"] = r["text"][:pos] + s + r["text"][pos:]

        n = len(s)

        def shift(span, pos=pos, n=n):
            for key in ("start", "end"):
                if span[key] > pos or (key == "start" and span[key] == pos):
                    span[key] += n

        for b in r["blocks"]:
            shift(b)
        for e in r["entities"]:
            for m in e["mentions"]:
                shift(m)
        for q in r["quotes"]:
            for s2 in q["content"]:
                shift(s2)
            for k in ("cue", "speaker_span"):
                if q[k]:
                    shift(q[k])
        for v in r["events"]:
            shift(v["trigger"])
    return r


def regions(tasks):
    """Every item of the tasks' predictions (an article is several passage tasks)."""
    return [item for task in tasks for p in task["predictions"] for item in p["result"]]


def roundtrip(records, tmp_path, mutate=None, max_chars=200):
    tasks = [t for r in records for t in record_to_tasks(r, max_chars)]
    if mutate:
        mutate(tasks)
    path = tmp_path / "tasks.json"
    path.write_text(json.dumps(tasks, ensure_ascii=False, indent=1), encoding="utf-8")
    report = Report()
    docs = read_tasks(path, report, use_predictions=True)
    out, _, _ = merge_docs(docs, {r["id"]: (r, path) for r in records}, tmp_path, NewRecordOptions(), report)
    return out, report, tasks


def test_utf16_conversion():
    text = "a😀ب🇪🇬c"
    conv = Utf16(text)
    assert [conv.to_js(i) for i in range(len(text) + 1)] == [0, 1, 3, 4, 6, 8, 9]
    assert conv.to_py(3) == 2 and conv.to_py(2) is None and conv.to_py(99) is None
    assert len(text.encode("utf-16-le")) // 2 == conv.to_js(len(text))


def test_roundtrip_identity_with_astral_characters(tmp_path):
    record = with_astral(rich_record())
    from akhbar.checks import check_spans

    problems = []
    check_spans(record, lambda *a: problems.append(a))
    assert problems == []
    out, report, tasks = roundtrip([copy.deepcopy(record)], tmp_path)
    assert report.errors == [] and out == [record]
    [task] = [t for t in tasks if any(x["id"] == "m1" for x in t["predictions"][0]["result"])]
    m1 = next(x for x in task["predictions"][0]["result"] if x["id"] == "m1" and x["type"] == "labels")
    mention = record["entities"][0]["mentions"][1]
    assert mention["id"] == "m1"
    passage = task["data"]["text"]
    assert record["text"][task["data"]["start"]:].startswith(passage)
    assert passage.encode("utf-16-le")[2 * m1["value"]["start"]:2 * m1["value"]["end"]].decode("utf-16-le") == mention["text"]
    if task["data"]["start"] == 0:
        assert m1["value"]["start"] == mention["start"] + 1  # 📰 before it: 1 code point, 2 UTF-16 units


def test_roundtrip_without_value_text(tmp_path):
    record = with_astral(rich_record())

    def drop_text(tasks):
        for item in regions(tasks):
            if item["type"] == "labels":
                del item["value"]["text"]

    out, report, _ = roundtrip([copy.deepcopy(record)], tmp_path, drop_text)
    assert report.errors == [] and out == [record]


def test_roundtrip_identity_on_synthetic_and_corpus(tmp_path):
    records = [synthetic_record()] + corpus_records()
    out, report, _ = roundtrip(copy.deepcopy(records), tmp_path)
    assert report.errors == [] and out == records


@pytest.mark.parametrize("shard_name", sorted(p.name for p in (REPO / "corpus" / "articles").glob("*.jsonl")))
def test_cli_roundtrip_on_corpus_is_byte_identical(tmp_path, shard_name):
    shard = tmp_path / "corpus" / "articles" / shard_name
    shard.parent.mkdir(parents=True)
    original = (REPO / "corpus/articles" / shard_name).read_bytes()
    shard.write_bytes(original)
    assert main(["export", "--format", "labelstudio", "--out", str(tmp_path / "ls"), str(REPO / "corpus/articles" / shard_name)]) == 0
    assert (tmp_path / "ls" / "config.xml").is_file()
    assert main(["import", "--format", "labelstudio", str(tmp_path / "ls" / "tasks.json"), "--out", str(shard), "--base", str(shard),
                 "--root", str(REPO), "--use-predictions"]) == 0
    assert shard.read_bytes() == original


def test_drifted_offsets_are_reanchored_by_value_text(tmp_path):
    record = with_astral(synthetic_record())

    def drift(tasks):  # Label Studio's Arabic offset bug: offsets off by one, text right
        for item in regions(tasks):
            if item.get("id") == "m9" and item["type"] == "labels":
                item["value"]["start"] -= 1
                item["value"]["end"] -= 1

    out, report, _ = roundtrip([copy.deepcopy(record)], tmp_path, drift)
    assert out == [record]
    assert [p.code for p in report.problems] == ["span-moved"]


def test_offset_inside_a_surrogate_pair_is_reported(tmp_path):
    record = with_astral(synthetic_record())

    def split_emoji(tasks):
        item = next(i for i in regions(tasks) if i.get("id") == "m1")
        item["value"].update(start=1, end=3)
        item["value"].pop("text")

    _, report, _ = roundtrip([copy.deepcopy(record)], tmp_path, split_emoji)
    error = report.errors[0]
    assert error.code == "span-unplaced" and "region m1" in error.message and error.line == 2
    assert {e.code for e in report.errors[1:]} == {"relation-dangling"}  # the quotes' speaker links to m1, each reported


def test_completed_annotation_from_an_annotator(tmp_path):
    """Regions drawn in Label Studio have random ids and no entity text areas."""
    text = "قال 😀 أحمد علي إن أحمد سيزور القاهرة."
    conv = Utf16(text)

    def region(rid, surface, label, occurrence=0):
        start = -1
        for _ in range(occurrence + 1):
            start = text.index(surface, start + 1)
        return {"id": rid, "from_name": "label", "to_name": "text", "type": "labels",
                "value": {"start": conv.to_js(start), "end": conv.to_js(start + len(surface)), "labels": [label]}}

    result = [region("Xa1", "أحمد علي", "PERS"), region("Xb2", "أحمد", "PERS", 1), region("Xc3", "القاهرة", "GPE"),
              region("Xd4", "سيزور", "CONSULT"),
              {"from_id": "Xb2", "to_id": "Xa1", "type": "relation", "direction": "right", "labels": ["coref"]},
              {"from_id": "Xd4", "to_id": "Xb2", "type": "relation", "direction": "right", "labels": ["actor"]},
              {"from_id": "Xd4", "to_id": "Xc3", "type": "relation", "direction": "right", "labels": ["place"]},
              {"id": "Xd4", "from_name": "mode", "to_name": "text", "type": "choices", "value": {"start": 0, "end": 1, "choices": ["visit"]}}]
    tasks = [{"id": 7, "data": {"text": text}, "annotations": [
        {"was_cancelled": True, "result": []},
        {"updated_at": "2026-01-02T10:00:00Z", "result": result},
        {"updated_at": "2026-01-01T10:00:00Z", "result": []}],
        "predictions": [{"result": []}]}]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    report = Report()
    [doc] = read_tasks(path, report)
    assert report.errors == []
    assert [(e["id"], [m["text"] for m in e["mentions"]]) for e in doc.entities] == [("e1", ["أحمد علي", "أحمد"]), ("e2", ["القاهرة"])]
    [event] = doc.events
    assert (event["id"], event["mode"], event["actor"], event["arguments"]) == ("v1", "visit", ["e1"], [{"role": "place", "entity": "e2"}])
    out = tmp_path / "corpus" / "articles" / "ls.jsonl"
    out.parent.mkdir(parents=True)
    assert main(["import", "--format", "labelstudio", str(path), "--out", str(out), "--base", "--publisher", "Synthetic"]) == 0
    [record] = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    assert record["text"] == text and record["source"]["raw_file"] == "corpus/raw/synthetic/export.json"


def test_labeling_config_is_xml_with_rtl_text_and_our_labels():
    root = ET.fromstring(labeling_config())
    text = root.find(".//Text")
    assert text.get("name") == "text" and text.get("dir") == "rtl"
    assert "direction: rtl" in root.find(".//View[@className='akhbar-rtl']").get("style")
    values = {label.get("value") for label in root.iter("Label")}
    assert {"PERS", "WEAPON", "Quote", "Cue", "SpeakerSpan", "ASSAULT", "AGREE"} <= values
    relations = {r.get("value") for r in root.iter("Relation")}
    assert {"speaker", "actor", "recipient", "place", "fragment"} <= relations
    assert "coref" not in relations  # coreference is the `entity` id of each mention, not an arrow
    groups = {labels.get("name"): {label.get("value") for label in labels.iter("Label")} for labels in root.iter("Labels")}
    assert set(groups) == {"mention_label", "quote_label", "event_label"}
    assert groups["quote_label"] == {"Quote", "Cue", "SpeakerSpan"} and "PERS" in groups["mention_label"]
    assert {t.get("name") for t in root.iter("TextArea")} >= {"entity", "refs"}


def test_not_json_is_a_usage_error_with_line(tmp_path, capsys):
    path = tmp_path / "t.json"
    path.write_text('[\n{"data": }\n]', encoding="utf-8")
    assert main(["import", "--format", "labelstudio", str(path), "--out", str(tmp_path / "o.jsonl")]) == 2
    assert "t.json:2: not JSON" in capsys.readouterr().err


def test_malformed_tasks_are_reported_not_raised(tmp_path, capsys):
    tasks = [{"data": {"text": "abc"}, "annotations": [{"result": [
        {"id": "x", "type": "labels", "value": {"start": "a", "end": 2, "labels": ["PERS"]}}]}]},
        {"data": {}}, {"data": {"text": "نص"}, "annotations": [{"result": [{"id": "y", "type": "labels",
                                                                        "value": {"start": 0, "end": 2, "labels": ["Person"]}}]}]}]
    path = tmp_path / "t.json"
    path.write_text(json.dumps(tasks, indent=1), encoding="utf-8")
    out = tmp_path / "corpus" / "articles" / "o.jsonl"
    out.parent.mkdir(parents=True)
    assert main(["import", "--format", "labelstudio", str(path), "--out", str(out), "--base", "--publisher", "x"]) == 1
    err = capsys.readouterr().err
    assert "t.json:2: [ERROR task-malformed] task 1" in err
    assert "[ERROR task-no-text] task 2 has no data.text" in err
    assert "task 3: region y: label 'Person' is not an Akhbar label" in err
    assert not out.exists()
