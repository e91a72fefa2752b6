"""An annotator's session on the Label Studio tasks of one article, shared by the offline test
(tests/test_interchange_labelstudio.py) and the live-server test (tests/test_labelstudio_live.py):

- `plan_edits` picks, from the exported passage tasks, a mention to delete, an unannotated
  word to add as a mention, and a quote whose speaker arrow is moved to another entity;
- `apply_edits` makes those edits on the tasks' annotation results, as an annotator would in
  the labeling page (the live test then saves them through the API);
- `expected_record` is the record those edits must give on import: exactly those changes,
  computed on the record itself, not by the code under test.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass

from akhbar.interchange.labelstudio import LABEL_CONTROLS, Utf16

NEW_REGION = "annotator1"  # a region drawn in Label Studio gets a random id like this one


@dataclass
class Plan:
    deleted: str  # id of the mention to delete
    deleted_passage: int
    added: tuple[int, int, int, str | None, str]  # passage, start, end (code points in the article), entity id or None, type
    quote: str  # the quote whose speaker changes
    quote_passage: int
    speaker_mention: str  # the mention its speaker arrow now points at
    speaker: str  # that mention's entity


def _labels(result: list) -> list[dict]:
    return [r for r in result if r.get("type") == "labels"]


def _related(result: list) -> set[str]:
    return {x for r in result if r.get("type") == "relation" for x in (r["from_id"], r["to_id"])}


def _pick_deletion(record: dict, tasks: list[dict]) -> tuple[str, int]:
    heads = {e["mentions"][0]["id"] for e in record["entities"]}
    entity_of = {m["id"]: e for e in record["entities"] for m in e["mentions"]}
    for task in tasks:
        result, related = task["predictions"][0]["result"], _related(task["predictions"][0]["result"])
        for region in _labels(result):
            mid = region["id"]
            if region["from_name"] == LABEL_CONTROLS["mention"] and mid not in heads and mid not in related \
                    and len(entity_of[mid]["mentions"]) >= 3:
                return mid, task["data"]["passage"]
    raise AssertionError("no mention fit to delete")


def _pick_addition(record: dict) -> tuple[int, int, str | None, str]:
    """An unannotated occurrence of an entity's mention (joined to it), else an unannotated word
    (a new entity)."""
    text = record["text"]
    covered = [(m["start"], m["end"]) for e in record["entities"] for m in e["mentions"]]
    free = lambda a, b: not any(x < b and a < y for x, y in covered)  # noqa: E731
    for entity in record["entities"]:
        for surface in sorted({m["text"] for m in entity["mentions"]}):
            for found in re.finditer(r"(?<!\w)" + re.escape(surface) + r"(?!\w)", text):
                if free(*found.span()):
                    return found.start(), found.end(), entity["id"], entity["type"]
    for found in re.finditer(r"\w{5,}", text):
        if free(*found.span()):
            return found.start(), found.end(), None, "ORG"
    raise AssertionError("no free word to annotate")


def _pick_speaker_change(record: dict, tasks: list[dict], deleted: str) -> tuple[str, int, str, str]:
    entity_of = {m["id"]: e for e in record["entities"] for m in e["mentions"]}
    speakers = {q["id"]: q["speaker"] for q in record["quotes"]}
    for task in tasks:
        result = task["predictions"][0]["result"]
        mentions = [r["id"] for r in _labels(result) if r["from_name"] == LABEL_CONTROLS["mention"] and r["id"] != deleted]
        for rel in result:
            if rel.get("type") != "relation" or rel["labels"] != ["speaker"]:
                continue
            for mid in mentions:
                entity = entity_of[mid]
                if entity["type"] in ("PERS", "ORG") and entity["id"] != speakers[rel["from_id"]]:
                    return rel["from_id"], task["data"]["passage"], mid, entity["id"]
    raise AssertionError("no quote whose speaker can move")


def plan_edits(record: dict, tasks: list[dict]) -> Plan:
    """The edits to make on the article's passage tasks (as exported, with predictions)."""
    deleted, deleted_passage = _pick_deletion(record, tasks)
    start, end, entity, kind = _pick_addition(record)
    passage = next(t["data"]["passage"] for t in tasks
                   if t["data"]["start"] <= start < t["data"]["start"] + len(t["data"]["text"]))
    quote, quote_passage, mention, speaker = _pick_speaker_change(record, tasks, deleted)
    return Plan(deleted, deleted_passage, (passage, start, end, entity, kind), quote, quote_passage, mention, speaker)


def apply_edits(plan: Plan, results: dict[int, list], tasks: dict[int, dict]) -> None:
    """Edit the annotation results (by passage number) in place; `tasks` gives each passage's data."""
    results[plan.deleted_passage][:] = [r for r in results[plan.deleted_passage] if r.get("id") != plan.deleted]
    passage, start, end, entity, kind = plan.added
    data = tasks[passage]["data"]
    conv, local = Utf16(data["text"]), (start - data["start"], end - data["start"])
    value = {"start": conv.to_js(local[0]), "end": conv.to_js(local[1])}
    results[passage].append({"id": NEW_REGION, "from_name": LABEL_CONTROLS["mention"], "to_name": "text", "type": "labels",
                             "value": {**value, "text": data["text"][local[0]:local[1]], "labels": [kind]}})
    if entity:
        results[passage].append({"id": NEW_REGION, "from_name": "entity", "to_name": "text", "type": "textarea",
                                 "value": {**value, "text": [entity]}})
    for r in results[plan.quote_passage]:
        if r.get("type") == "relation" and r["from_id"] == plan.quote and r["labels"] == ["speaker"]:
            r["to_id"] = plan.speaker_mention


def _free_id(prefix: str, used: set[str]) -> str:
    n = 1
    while f"{prefix}{n}" in used:
        n += 1
    return f"{prefix}{n}"


def expected_record(record: dict, plan: Plan) -> dict:
    """The record after the edits: one mention fewer, one more (the smallest free id), one speaker changed."""
    out = copy.deepcopy(record)
    for entity in out["entities"]:
        entity["mentions"] = [m for m in entity["mentions"] if m["id"] != plan.deleted]
    used = {m["id"] for e in out["entities"] for m in e["mentions"]}
    _, start, end, entity_id, kind = plan.added
    mention = {"id": _free_id("m", used), "start": start, "end": end, "text": out["text"][start:end]}
    if entity_id:
        next(e for e in out["entities"] if e["id"] == entity_id)["mentions"].append(mention)
    else:
        new_id = _free_id("e", {e["id"] for e in out["entities"]})
        out["entities"].append({"id": new_id, "type": kind, "subtype": None, "name": mention["text"], "wikidata": None,
                                "mentions": [mention]})
    next(q for q in out["quotes"] if q["id"] == plan.quote)["speaker"] = plan.speaker
    return out
