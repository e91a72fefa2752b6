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
from akhbar.interchange.labelstudio import Utf16, labeling_config, passage_bounds, read_tasks, record_to_tasks, relations_per_task
from akhbar.interchange.merge import NewRecordOptions, merge_docs
from labelstudio_edits import apply_edits, expected_record, plan_edits
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


# ---- passages: tasks an annotator can read -----------------------------------------------------


def seed_record() -> dict:
    return orjson.loads((REPO / "corpus/articles/elaph.jsonl").read_bytes().splitlines()[0])


def test_no_task_draws_more_than_a_few_dozen_relations():
    """The seed article drew 335 arrows over one page; as passages, each draws at most 40."""
    seed = seed_record()
    tasks = record_to_tasks(seed)
    counts = relations_per_task(tasks)
    assert len(tasks) >= 5 and max(counts) <= 40, counts
    assert all(r["labels"] != ["coref"] for r in regions(tasks) if r["type"] == "relation")
    every = [t for r in corpus_records() for t in record_to_tasks(r)]
    assert max(relations_per_task(every)) <= 40
    # every mention says its entity: coreference without arrows
    mentions = {r["id"] for r in regions(tasks) if r.get("from_name") == "mention_label"}
    assert mentions == {m["id"] for e in seed["entities"] for m in e["mentions"]}
    assert mentions == {r["id"] for r in regions(tasks) if r.get("from_name") == "entity"}


def test_passages_cover_the_text_at_block_starts_and_keep_items_whole():
    for record in [synthetic_record(), *corpus_records(), seed_record()]:
        bounds = passage_bounds(record)
        assert bounds[0][0] == 0 and bounds[-1][1] == len(record["text"])
        assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:], strict=False))
        cuts = [b for b, _ in bounds[1:]]
        text = record["text"]
        # at a block start, or after a sentence's end inside a long block
        assert all(c in {b["start"] for b in record["blocks"]} or (text[c - 1].isspace() and not text[c].isspace()) for c in cuts)
        spans = [m for e in record["entities"] for m in e["mentions"]] + [v["trigger"] for v in record["events"]]
        spans += [{"start": min(s["start"] for s in q["content"] + [q["cue"] or q["content"][0]]),
                   "end": max(s["end"] for s in q["content"] + [q["cue"] or q["content"][0]])} for q in record["quotes"]]
        assert not [s for s in spans for c in cuts if s["start"] < c < s["end"]]
    assert passage_bounds(seed_record(), 0) == [(0, len(seed_record()["text"]))]
    longest = max(b - a for r in corpus_records() for a, b in passage_bounds(r))
    assert longest <= 1000, longest  # a one-paragraph article is cut between sentences


def test_a_whole_article_task_still_round_trips(tmp_path):
    records = [synthetic_record(), seed_record()]
    out, report, tasks = roundtrip(copy.deepcopy(records), tmp_path, max_chars=0)
    assert report.errors == [] and out == records and len(tasks) == len(records)


def test_links_outside_a_passage_are_refs_and_round_trip(tmp_path):
    seed = seed_record()
    out, report, tasks = roundtrip([copy.deepcopy(seed)], tmp_path, max_chars=300)
    refs = [r["value"]["text"][0] for r in regions(tasks) if r.get("from_name") == "refs"]
    assert any(x.startswith("speaker=e") for x in refs) and any("actor=e" in x for x in refs)
    assert report.errors == [] and out == [seed]


def export_shape(tasks: list[dict], results: dict[int, list] | None) -> list[dict]:
    """Tasks as Label Studio's JSON export gives them: ids, `predictions` as ids only, and an
    annotation for the passages in `results` (by passage number)."""
    out = []
    for i, task in enumerate(tasks, 1):
        shaped = {"id": i, "data": task["data"], "annotations": [], "predictions": [100 + i]}
        if results is not None and task["data"]["passage"] in results:
            shaped["annotations"] = [{"id": 500 + i, "completed_by": 1, "was_cancelled": False,
                                      "result": results[task["data"]["passage"]], "updated_at": "2026-01-02T10:00:00Z"}]
        out.append(shaped)
    return out


def seed_shard(tmp_path) -> Path:
    shard = tmp_path / "corpus" / "articles" / "elaph.jsonl"
    shard.parent.mkdir(parents=True)
    shard.write_bytes((REPO / "corpus/articles/elaph.jsonl").read_bytes())
    return shard


def test_annotator_edits_arrive_and_nothing_else_moves(tmp_path):
    """The edits of the live test, made offline on an export-shaped file."""
    seed = seed_record()
    tasks = record_to_tasks(seed)
    plan = plan_edits(seed, tasks)
    results = {t["data"]["passage"]: copy.deepcopy(t["predictions"][0]["result"]) for t in tasks}
    apply_edits(plan, results, {t["data"]["passage"]: t for t in tasks})
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export_shape(tasks, results), ensure_ascii=False), encoding="utf-8")
    shard = seed_shard(tmp_path)
    assert main(["import", "--format", "labelstudio", str(path), "--out", str(shard), "--base", str(shard), "--root", str(REPO),
                 "--date", "2026-01-02", "--annotator", "tester"]) == 0
    [record] = [orjson.loads(line) for line in shard.read_bytes().splitlines()]
    expected = expected_record(seed, plan)
    expected["annotation"]["updated"] = "2026-01-02"
    expected["annotation"]["annotators"].append("tester")
    assert record == expected
    assert record != seed


def test_tasks_with_predictions_only_say_what_to_export(tmp_path, capsys):
    """A real export lists predictions only by id: --use-predictions cannot help, and the message says what to do."""
    tasks = record_to_tasks(seed_record())
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export_shape(tasks, None), ensure_ascii=False), encoding="utf-8")
    shard = seed_shard(tmp_path)
    before = shard.read_bytes()
    for extra in ([], ["--use-predictions"]):
        main(["import", "--format", "labelstudio", str(path), "--out", str(shard), "--base", str(shard), "--root", str(REPO), *extra])
        err = capsys.readouterr().err
        assert "[WARNING task-not-annotated]" in err and "predictions only by id" in err
        assert "Create Annotations From Predictions" in err
    assert shard.read_bytes() == before


def test_an_article_with_unsubmitted_passages_is_not_imported(tmp_path, capsys):
    seed = seed_record()
    tasks = record_to_tasks(seed)
    results = {t["data"]["passage"]: t["predictions"][0]["result"] for t in tasks[1:]}
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export_shape(tasks, results), ensure_ascii=False), encoding="utf-8")
    shard = seed_shard(tmp_path)
    assert main(["import", "--format", "labelstudio", str(path), "--out", str(shard), "--base", str(shard), "--root", str(REPO)]) == 1
    err = capsys.readouterr().err
    assert f"[ERROR article-incomplete] article {seed['id']}" in err and "task(s) 1 have no submitted annotation" in err
    # Label Studio's default export leaves unsubmitted tasks out altogether
    path.write_text(json.dumps(export_shape(tasks, results)[1:], ensure_ascii=False), encoding="utf-8")
    assert main(["import", "--format", "labelstudio", str(path), "--out", str(shard), "--base", str(shard), "--root", str(REPO)]) == 1
    assert "passage(s) 1 missing" in capsys.readouterr().err


def test_refs_to_nothing_are_reported(tmp_path):
    record = synthetic_record()

    def bad_ref(tasks):
        quote = next(r for r in regions(tasks) if r["type"] == "labels" and r["value"]["labels"] == ["Quote"])
        tasks[0]["predictions"][0]["result"].append({"id": quote["id"], "from_name": "refs", "to_name": "text", "type": "textarea",
                                                     "value": {"start": 0, "end": 1, "text": ["speaker=e99 mood=e1"]}})

    _, report, _ = roundtrip([copy.deepcopy(record)], tmp_path, bad_ref, max_chars=0)
    assert [p.code for p in report.errors] == ["relation-dangling", "relation-dangling"]
    assert "'speaker=e99'" in report.errors[0].message
