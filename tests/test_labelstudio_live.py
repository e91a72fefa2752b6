"""Against a live Label Studio (.ci/run installs one into its own virtualenv and starts it on
loopback): the projects made from our exported config, the seed article's passage tasks with
pre-annotations, accepted, edited as an annotator would, exported and imported back; and
screenshots of its labeling page (docs/annotate-label-studio.md shows them).

Skipped when no server is named (AKHBAR_LS_URL, AKHBAR_LS_TOKEN: see tests/labelstudio_server.py),
and, loudly, when .ci/run could not install Label Studio (AKHBAR_LS_INSTALL_FAILED). A named
server that does not answer fails the test. AKHBAR_LS_SCREENSHOTS names the folder the
screenshots go to (docs/img to refresh the docs; default: the test's temporary folder).
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import time
from pathlib import Path

import orjson
import pytest

from akhbar.cli import main
from akhbar.interchange.labelstudio import MODEL_VERSION, relations_per_task
from labelstudio_edits import apply_edits, expected_record, plan_edits
from labelstudio_server import ENV, LabelStudio, Page, labeling_page, select_region, submit

REPO = Path(__file__).resolve().parents[1]
SEED = "elaph-46fbcfd5b2c865c7"

if os.environ.get("AKHBAR_LS_INSTALL_FAILED"):
    pytestmark = pytest.mark.skip(reason="LABEL STUDIO INSTALL FAILED in .ci/run: the live Label Studio tests did not run")
elif not (ENV["URL"] and ENV["TOKEN"]):
    pytestmark = pytest.mark.skip(reason="no live Label Studio named (AKHBAR_LS_URL, AKHBAR_LS_TOKEN); .ci/run starts one")


@pytest.fixture(scope="module")
def server():
    ls = LabelStudio(ENV["URL"], ENV["TOKEN"])
    ls.wait_ready(float(os.environ.get("AKHBAR_LS_WAIT", "600")))
    return ls


@pytest.fixture
def exported(tmp_path):
    """The seed article exported by `akhbar export`: tasks, config, record and a copy of its shard."""
    out = tmp_path / "ls"
    assert main(["export", "--format", "labelstudio", "--out", str(out), "--id", SEED]) == 0
    shard = tmp_path / "corpus" / "articles" / "elaph.jsonl"
    shard.parent.mkdir(parents=True)
    shutil.copyfile(REPO / "corpus/articles/elaph.jsonl", shard)
    [record] = [orjson.loads(line) for line in shard.read_bytes().splitlines() if orjson.loads(line)["id"] == SEED]
    return {"tasks": json.loads((out / "tasks.json").read_text(encoding="utf-8")), "config": (out / "config.xml").read_text(encoding="utf-8"),
            "record": record, "shard": shard, "dir": tmp_path}


@pytest.fixture
def project(server, exported):
    """A project made from the exported config, with the tasks imported (pre-annotations as predictions)."""
    pid = server.create_project(f"akhbar live test {time.strftime('%H:%M:%S')}", exported["config"])
    imported = server.import_tasks(pid, exported["tasks"])
    assert imported["task_count"] == len(exported["tasks"]) and imported["prediction_count"] == len(exported["tasks"])
    yield pid
    server.delete_project(pid)


def import_export(export: list[dict], exported: dict, *extra: str) -> int:
    path = exported["dir"] / "export.json"
    path.write_text(json.dumps(export, ensure_ascii=False, indent=1), encoding="utf-8")
    return main(["import", "--format", "labelstudio", str(path), "--out", str(exported["shard"]), "--base", str(exported["shard"]),
                 "--root", str(REPO), "--date", "2026-01-02", "--annotator", "live-test", *extra])


def test_accepted_pre_annotations_come_back_byte_for_byte(server, project, exported):
    assert "Created" in server.accept_predictions(project)["detail"]
    export = server.export(project)
    assert len(export) == len(exported["tasks"]) and all(len(t["annotations"]) == 1 for t in export)
    before = exported["shard"].read_bytes()
    assert import_export(export, exported) == 0
    assert exported["shard"].read_bytes() == before


def test_annotator_edits_arrive_and_nothing_else_moves(server, project, exported):
    server.accept_predictions(project)
    export = server.export(project)
    by_passage = {t["data"]["passage"]: t for t in export}
    results = {n: copy.deepcopy(t["annotations"][0]["result"]) for n, t in by_passage.items()}
    plan = plan_edits(exported["record"], exported["tasks"])
    apply_edits(plan, results, by_passage)
    for n, task in by_passage.items():
        if results[n] != task["annotations"][0]["result"]:
            server.update_annotation(task["annotations"][0]["id"], results[n])
    assert import_export(server.export(project), exported) == 0
    [record] = [orjson.loads(line) for line in exported["shard"].read_bytes().splitlines()]
    expected = expected_record(exported["record"], plan)
    expected["annotation"].update(updated="2026-01-02", annotators=[*exported["record"]["annotation"]["annotators"], "live-test"])
    assert record == expected
    # the three edits, as the corpus sees them
    mentions = {m["id"]: e["id"] for e in record["entities"] for m in e["mentions"]}
    assert plan.deleted not in mentions or mentions[plan.deleted] == plan.added[3]  # its id may be reused by the new mention
    assert next(q for q in record["quotes"] if q["id"] == plan.quote)["speaker"] == plan.speaker


def test_a_predictions_only_export_says_what_to_do(server, project, exported, capsys):
    """Label Studio's JSON export lists predictions only by id: the import says to submit the tasks."""
    export = server.export(project, all_tasks=True)
    assert export and all(t["annotations"] == [] and all(isinstance(p, int) for p in t["predictions"]) for t in export)
    before = exported["shard"].read_bytes()
    import_export(export, exported, "--use-predictions")
    err = capsys.readouterr().err
    assert "predictions only by id" in err and "Create Annotations From Predictions" in err
    assert exported["shard"].read_bytes() == before
    assert server.export(project) == []  # the default export leaves unsubmitted tasks out
    # what to export instead: a snapshot with the predictions in full
    snapshot = server.snapshot(project)
    assert all(isinstance(p, dict) and p["result"] for t in snapshot for p in t["predictions"])
    assert import_export(snapshot, exported, "--use-predictions") == 0
    assert exported["shard"].read_bytes() == before


def test_accepted_in_the_labeling_page_with_screenshots(server, project, exported, tmp_path):
    """An annotator opens passages in the labeling page (screenshots of it for the docs) and
    submits the pre-annotations it shows; the rest are accepted in the Data Manager. What Label
    Studio's own editor saves comes back byte for byte."""
    from test_browser import CHROMIUM, Browser

    if CHROMIUM is None:
        pytest.skip("chromium is not installed (.ci/run installs it where it can)")
    if not (ENV["USER"] and ENV["PASSWORD"]):
        pytest.skip("AKHBAR_LS_USER and AKHBAR_LS_PASSWORD are needed to log the browser in")
    server.prelabel(project, MODEL_VERSION)
    tasks = {t["data"]["passage"]: t for t in server.export(project, all_tasks=True)}
    arrows = relations_per_task(exported["tasks"])
    refs = [t["data"]["passage"] for t in exported["tasks"] if any(r.get("from_name") == "refs" for r in t["predictions"][0]["result"])]
    in_page = sorted({2, exported["tasks"][arrows.index(max(arrows))]["data"]["passage"], *refs[:1]})
    folder = Path(os.environ.get("AKHBAR_LS_SCREENSHOTS") or tmp_path)
    browser = Browser(tmp_path)
    try:
        page = Page(browser)
        page.log_in(server.url, ENV["USER"], ENV["PASSWORD"])
        for number in in_page:
            task = tasks[number]
            shown = labeling_page(page, server.url, project, task["id"])
            regions = [r for r in exported["tasks"][number - 1]["predictions"][0]["result"] if r["type"] == "labels"]
            assert shown["regions"] >= len(regions) and shown["direction"] == "rtl" and shown["fontSize"] >= 18, shown
            assert shown["text"].strip()[:20] in task["data"]["text"]
            if number == 2:
                assert len(page.screenshot(folder / "label-studio-passage.png")) > 50_000
                mention = next(r for r in regions if r["from_name"] == "mention_label" and len(r["value"]["text"]) > 4)
                assert select_region(page, mention["value"]["text"])
                assert page.evaluate("document.body.innerText.includes('entity id')")
                page.screenshot(folder / "label-studio-region.png")
            submit(page)
        page.close()
    finally:
        browser.close()
    submitted = {t["data"]["passage"] for t in server.export(project)}
    assert submitted == set(in_page), "the labeling page's Submit did not save an annotation"
    server.accept_predictions(project, [t["id"] for n, t in tasks.items() if n not in in_page])
    before = exported["shard"].read_bytes()
    assert import_export(server.export(project), exported) == 0
    assert exported["shard"].read_bytes() == before
