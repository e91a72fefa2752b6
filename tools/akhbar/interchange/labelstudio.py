"""Label Studio: tasks JSON (our annotations as `predictions`) + labeling config XML, and
import of completed tasks.

Label Studio offsets are JavaScript string indices, i.e. UTF-16 code units: a character
outside the Basic Multilingual Plane (an emoji, some CJK) counts 2. Offsets are converted both
ways; an offset that falls inside a surrogate pair is reported. `value.text` is used, when
present, only to re-anchor a span; its absence is fine.

Encoding (docs/interchange.md):
- every span is a region (`type: labels`, `from_name: label`); region ids are our ids (m3,
  v1, q2; extra quote fragments q2-2, q2-3; cue q2-cue; speaker span q2-speaker); regions an
  annotator draws get Label Studio's random ids and fresh ids of ours on import;
- entity: the head mention carries per-region text areas `entity` (our id), `name`,
  `wikidata`, `subtype`; other mentions have a `coref` relation to the head (clusters are the
  connected components of `coref` relations);
- quote: `Quote` regions joined by `fragment` relations; per-region choices `quote_type` and
  `speaker_kind`; relations `cue` (to a `Cue` region with text area `lemma`), `speaker`,
  `addressee` (to a mention), `speaker_span` (to a `SpeakerSpan` region), `parent` (to a quote);
- event: a region labelled with the PLOVER category (the trigger); relations `actor`,
  `recipient` and the argument roles to mentions; per-region choices `mode`, `context`,
  `markers`; text area `magnitude` ("dead=3 injured=0").

Import parses a task's result into plain items (`parse_result`: `Region`, `Relation`,
`RegionField`), translates them into neutral items (`result_items`) and leaves the rest to
the assembler shared with brat (`akhbar.interchange.assemble`).
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import quoteattr

from akhbar import labels
from akhbar.interchange.assemble import (
    CUE,
    MAGNITUDE_KEYS,
    MARKERS,
    QUOTE,
    SPEAKER_SPAN,
    EventItem,
    Items,
    Link,
    Role,
    Sink,
    Span,
    assemble,
    unique,
)
from akhbar.interchange.common import ARTICLE_ID, ERROR, ImportedDoc, InterchangeError, Origin, Problem, Report
from akhbar.records import atomic_write

MODEL_VERSION = "akhbar"


# ---- offsets ---------------------------------------------------------------------------------


class Utf16:
    """Conversion between code-point offsets (ours) and UTF-16 code units (JavaScript's)."""

    def __init__(self, text: str):
        self.units = [0]
        for ch in text:
            self.units.append(self.units[-1] + (2 if ord(ch) > 0xFFFF else 1))

    def to_js(self, offset: int) -> int:
        return self.units[offset]

    def to_py(self, units: int) -> int | None:
        """The code-point offset, or None when `units` is outside the text or inside a pair."""
        i = bisect.bisect_left(self.units, units)
        return i if i < len(self.units) and self.units[i] == units else None


# ---- export ----------------------------------------------------------------------------------


def _region(rid: str, conv: Utf16, span: dict, label: str) -> dict:
    return {"id": rid, "from_name": "label", "to_name": "text", "type": "labels",
            "value": {"start": conv.to_js(span["start"]), "end": conv.to_js(span["end"]), "text": span["text"], "labels": [label]}}


def _per_region(rid: str, conv: Utf16, span: dict, name: str, kind: str, values: list[str]) -> dict:
    key = "text" if kind == "textarea" else "choices"
    return {"id": rid, "from_name": name, "to_name": "text", "type": kind,
            "value": {"start": conv.to_js(span["start"]), "end": conv.to_js(span["end"]), key: values}}


def _relation(a: str, b: str, label: str) -> dict:
    return {"from_id": a, "to_id": b, "type": "relation", "direction": "right", "labels": [label]}


def _entity_results(entity: dict, conv: Utf16) -> list[dict]:
    first = entity["mentions"][0]
    out = []
    for mention in entity["mentions"]:
        out.append(_region(mention["id"], conv, mention, entity["type"]))
        if mention is not first:
            out.append(_relation(mention["id"], first["id"], "coref"))
            continue
        out.append(_per_region(mention["id"], conv, mention, "entity", "textarea", [entity["id"]]))
        out.append(_per_region(mention["id"], conv, mention, "name", "textarea", [entity["name"]]))
        for key in ("wikidata", "subtype"):
            if entity.get(key):
                out.append(_per_region(mention["id"], conv, mention, key, "textarea", [entity[key]]))
    return out


def _quote_results(quote: dict, conv: Utf16, head: dict[str, str]) -> list[dict]:
    qid, out = quote["id"], []
    for i, fragment in enumerate(quote["content"]):
        rid = qid if i == 0 else f"{qid}-{i + 1}"
        out.append(_region(rid, conv, fragment, QUOTE))
        if i:
            out.append(_relation(rid, qid, "fragment"))
    first = quote["content"][0]
    out.append(_per_region(qid, conv, first, "quote_type", "choices", [quote["type"]]))
    out.append(_per_region(qid, conv, first, "speaker_kind", "choices", [quote["speaker_kind"]]))
    if quote.get("cue"):
        out.append(_region(f"{qid}-cue", conv, quote["cue"], CUE))
        out.append(_per_region(f"{qid}-cue", conv, quote["cue"], "lemma", "textarea", [quote["cue"]["lemma"]]))
        out.append(_relation(qid, f"{qid}-cue", "cue"))
    if quote.get("speaker") is not None:
        out.append(_relation(qid, head[quote["speaker"]], "speaker"))
    if quote.get("speaker_span"):
        out.append(_region(f"{qid}-speaker", conv, quote["speaker_span"], SPEAKER_SPAN))
        out.append(_relation(qid, f"{qid}-speaker", "speaker_span"))
    if quote.get("addressee") is not None:
        out.append(_relation(qid, head[quote["addressee"]], "addressee"))
    if quote.get("parent") is not None:
        out.append(_relation(qid, quote["parent"], "parent"))
    return out


def _event_results(event: dict, conv: Utf16, head: dict[str, str]) -> list[dict]:
    vid, trigger = event["id"], event["trigger"]
    out = [_region(vid, conv, trigger, event["category"])]
    out += [_relation(vid, head[target], "actor") for target in event["actor"]]
    out += [_relation(vid, head[target], "recipient") for target in event["recipient"]]
    out += [_relation(vid, head[arg["entity"]], arg["role"]) for arg in event["arguments"]]
    if event.get("mode"):
        out.append(_per_region(vid, conv, trigger, "mode", "choices", [event["mode"]]))
    if event.get("context"):
        out.append(_per_region(vid, conv, trigger, "context", "choices", list(event["context"])))
    markers = [m for m in MARKERS if event.get(m)]
    if markers:
        out.append(_per_region(vid, conv, trigger, "markers", "choices", markers))
    magnitude = event.get("magnitude") or {}
    if any(magnitude.get(k) is not None for k in MAGNITUDE_KEYS):
        text = " ".join(f"{k}={magnitude[k]}" for k in MAGNITUDE_KEYS if magnitude.get(k) is not None)
        out.append(_per_region(vid, conv, trigger, "magnitude", "textarea", [text]))
    return out


def record_to_results(record: dict) -> list[dict]:
    conv = Utf16(record["text"])
    head = {entity["id"]: entity["mentions"][0]["id"] for entity in record.get("entities", [])}
    out: list[dict] = []
    for entity in record.get("entities", []):
        out += _entity_results(entity, conv)
    for quote in record.get("quotes", []):
        out += _quote_results(quote, conv, head)
    for event in record.get("events", []):
        out += _event_results(event, conv, head)
    return out


def record_to_task(record: dict) -> dict:
    return {"data": {"text": record["text"], "article_id": record["id"]},
            "predictions": [{"model_version": MODEL_VERSION, "result": record_to_results(record)}]}


PALETTE = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#46f0f0", "#f032e6", "#bcf60c", "#fabebe", "#008080",
           "#e6beff", "#9a6324", "#800000", "#aaffc3", "#808000", "#ffd8b1", "#000075", "#808080"]


def labeling_config() -> str:
    """The labeling config: our labels and relations, per-region attributes, RTL text."""
    q = quoteattr
    lines = ['<View>',
             '  <Style>.akhbar-rtl { direction: rtl; text-align: right; unicode-bidi: plaintext; font-size: 1.15em; line-height: 2; }</Style>',
             '  <Header value="Akhbar: entities (with coreference), quotes, PLOVER events"/>',
             '  <Labels name="label" toName="text">']
    for i, t in enumerate(labels.entity_types()):
        lines.append(f'    <Label value={q(t)} background={q(PALETTE[i % len(PALETTE)])}/>')
    lines += [f'    <Label value="{QUOTE}" background="#ffe119"/>', f'    <Label value="{CUE}" background="#fffac8"/>',
              f'    <Label value="{SPEAKER_SPAN}" background="#d2f53c"/>']
    for c in labels.plover_categories():
        lines.append(f'    <Label value={q(c)} background="#a9a9a9"/>')
    lines += ['  </Labels>',
              '  <View className="akhbar-rtl" style="direction: rtl; text-align: right">',
              '    <Text name="text" value="$text" granularity="symbol" dir="rtl"/>',
              '  </View>',
              '  <Relations>']
    for r in ["coref", "fragment", "cue", "speaker", "speaker_span", "addressee", "parent", "actor", "recipient",
              *labels.argument_roles()]:
        lines.append(f'    <Relation value={q(r)}/>')
    lines += ['  </Relations>', '  <View visibleWhen="region-selected">']
    for name, placeholder in (("entity", "entity id (leave empty for a new entity)"), ("name", "canonical name"),
                              ("wikidata", "Wikidata Q-id when certain"), ("subtype", "subtype"),
                              ("lemma", "cue lemma"), ("magnitude", "dead=N injured=N arrested=N")):
        lines.append(f'    <TextArea name={q(name)} toName="text" perRegion="true" maxSubmissions="1" placeholder={q(placeholder)}/>')
    for name, values, multiple in (("quote_type", labels.quote_types(), False), ("speaker_kind", labels.speaker_kinds(), False),
                                   ("mode", labels.plover_modes(), False), ("context", labels.plover_contexts(), True),
                                   ("markers", list(MARKERS), True)):
        choice = "multiple" if multiple else "single"
        lines.append(f'    <Choices name={q(name)} toName="text" perRegion="true" choice="{choice}" showInline="true">')
        lines += [f'      <Choice value={q(v)}/>' for v in values]
        lines.append('    </Choices>')
    lines += ['  </View>', '</View>']
    return "\n".join(lines) + "\n"


def export_labelstudio(records: list[dict], out_dir: Path, report: Report) -> list[Path]:
    tasks = out_dir / "tasks.json"
    config = out_dir / "config.xml"
    converted = []
    for record in records:
        try:
            converted.append(record_to_task(record))
        except (KeyError, TypeError, AttributeError, IndexError) as exc:
            raise InterchangeError(f"{record.get('id')}: not a valid record (missing or wrong {exc}); run akhbar validate") from None
    atomic_write(tasks, [json.dumps(converted, ensure_ascii=False, indent=1).encode("utf-8") + b"\n"])
    atomic_write(config, [labeling_config().encode("utf-8")])
    report.counts["articles exported"] += len(records)
    return [tasks, config]


# ---- import ----------------------------------------------------------------------------------


# ---- import: parsing -------------------------------------------------------------------------
#
# `parse_result` reads one annotation's result list into plain items (regions, relations,
# per-region fields) and knows nothing of Akhbar's labels; `result_items` translates them into
# the neutral items of `akhbar.interchange.assemble`.


@dataclass
class Region:
    """A labelled span (`type: labels`): offsets in UTF-16 code units, as Label Studio gives them."""

    id: str
    label: str | None  # the first of its labels
    start: int | None
    end: int | None
    text: str | None  # value.text, when present


@dataclass
class Relation:
    """A relation between two regions, once per label (`labels: []` counts as one empty label)."""

    source: str
    target: str
    label: str


@dataclass
class RegionField:
    """A per-region text area or choices: `name` is the control (`from_name`)."""

    region: str
    name: str
    values: list[str]


@dataclass
class Result:
    regions: list[Region] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    fields: list[RegionField] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _offset(value) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"offset {value!r} is not a number")
    return value


def parse_result(result: list) -> Result:
    """The items of one annotation's (or prediction's) `result` list. An item that is not an
    object is a problem; an item of the wrong shape raises (the task is then reported whole)."""
    out = Result()
    for item in result:
        if not isinstance(item, dict):
            out.problems.append(Problem(ERROR, "result-malformed", f"result item {item!r} is not an object"))
            continue
        kind, value, rid = item.get("type"), item.get("value") or {}, str(item.get("id"))
        if kind == "relation":
            out.relations += [Relation(str(item.get("from_id")), str(item.get("to_id")), str(label)) for label in item.get("labels") or [""]]
        elif kind in ("labels", "hypertextlabels"):
            text = value.get("text")
            out.regions.append(Region(rid, (value.get("labels") or [None])[0], _offset(value.get("start")), _offset(value.get("end")),
                                      text if isinstance(text, str) else None))
        elif kind in ("textarea", "choices"):
            values = value.get("text" if kind == "textarea" else "choices") or []
            out.fields.append(RegionField(rid, str(item.get("from_name")), [str(v) for v in values]))
    return out


# ---- import: from Label Studio items to the neutral items -----------------------------------------


def _region_span(region: Region, conv: Utf16, fields: dict[str, list[str]], type_map: dict, sink: Sink) -> Span | None:
    label = type_map.get(region.label, region.label) if region.label in type_map else region.label
    if label is None:
        sink.report.dropped[f"{region.label or '?'} (mapped to nothing)"] += 1
        return None
    known = set(labels.entity_types()) | set(labels.plover_categories()) | {QUOTE, CUE, SPEAKER_SPAN}
    if label not in known:
        sink.error("label-unknown", f"region {region.id}: label {label!r} is not an Akhbar label (map it with --map)")
        sink.report.dropped[f"{label} (unknown)"] += 1
        return None
    start = conv.to_py(region.start) if region.start is not None else None
    end = conv.to_py(region.end) if region.end is not None else None
    if start is None or end is None or start >= end:
        sink.error("span-unplaced", f"region {region.id}: UTF-16 offsets {region.start}-{region.end} are not a span of the text")
        return None
    return Span(region.id, label, [(start, end)], region.text, claim=region.id,
                fields={name: values[0] for name, values in fields.items() if values}, name=f"region {region.id}")


def _magnitude(values: list[str]) -> dict | None:
    found = {key: int(n) for value in values for key, n in re.findall(r"(dead|injured|arrested)\s*=\s*([0-9]+)", value)}
    return found or None


def _event(span: Span, fields: dict[str, list[str]]) -> EventItem:
    """A region labelled with a PLOVER category is an event trigger, and the event."""
    return EventItem(span.key, span.label, span.key, claim=span.key, mode=(fields.get("mode") or [None])[0],
                     context=list(fields.get("context", [])), markers=[m for m in fields.get("markers", []) if m in MARKERS],
                     magnitude=_magnitude(fields.get("magnitude", [])), name=span.name)


def result_items(result: Result, text: str, type_map: dict[str, str | None], sink: Sink) -> Items:
    """The neutral items of a parsed result on the task's `text`: offsets converted from UTF-16,
    labels mapped with `type_map`, relations from an event region as its roles."""
    conv = Utf16(text)
    fields: dict[str, dict[str, list[str]]] = {}
    for f in result.fields:
        fields.setdefault(f.region, {})[f.name] = f.values
    items = Items()
    for region in result.regions:
        span = _region_span(region, conv, fields.get(region.id, {}), type_map, sink)
        if span is not None:
            items.spans.append(span)
    items.spans = unique(items.spans, sink)
    categories = set(labels.plover_categories())
    events = {s.key: _event(s, fields.get(s.key, {})) for s in items.spans if s.label in categories}
    items.events = list(events.values())
    for r in result.relations:
        if r.label not in ("coref", "fragment") and r.source in events:
            events[r.source].roles.append(Role(r.label, r.target))
        else:
            items.links.append(Link(r.label, r.source, r.target))
    return items


# ---- import: files -------------------------------------------------------------------------------


def read_tasks(src: Path, report: Report, type_map: dict[str, str | None] | None = None,
               use_predictions: bool = False) -> list[ImportedDoc]:
    src = Path(src)
    if src.is_dir():
        src = src / "tasks.json"
    try:
        tasks = json.loads(src.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise InterchangeError(f"{src}: no such file") from None
    except UnicodeDecodeError:
        raise InterchangeError(f"{src}: not UTF-8") from None
    except json.JSONDecodeError as exc:
        raise InterchangeError(f"{src}:{exc.lineno}: not JSON ({exc.msg})") from None
    if isinstance(tasks, dict):
        tasks = [tasks]
    if not isinstance(tasks, list):
        raise InterchangeError(f"{src}: a Label Studio export is a JSON list of tasks")
    lines = _task_lines(src)
    if len(lines) != len(tasks):  # not every task is an object: no reliable line numbers
        lines = []
    docs = []
    for index, task in enumerate(tasks):
        origin = Origin(str(src), lines[index] if index < len(lines) else None)
        try:
            doc = _read_task(task, index, origin, src, report, type_map or {}, use_predictions)
        except (KeyError, TypeError, AttributeError, ValueError, IndexError) as exc:
            report.error("task-malformed", f"task {index + 1} is not a Label Studio task as expected ({type(exc).__name__}: {exc})",
                         file=origin.file, line=origin.line)
            continue
        if doc is not None:
            docs.append(doc)
    return docs


def _task_lines(path: Path) -> list[int]:
    """Line where each top-level task starts (for messages); best effort on any layout."""
    out, depth, in_string, escape, line = [], 0, False, False, 1
    for ch in path.read_text(encoding="utf-8-sig"):
        if ch == "\n":
            line += 1
        if in_string:
            escape = not escape and ch == "\\"
            if ch == '"' and not escape:
                in_string = False
            continue
        if ch == '"':
            in_string, escape = True, False
        elif ch in "{[":
            if depth == 1 and ch == "{":
                out.append(line)
            depth += 1
        elif ch in "}]":
            depth -= 1
    return out


def _pick_result(task: dict, use_predictions: bool, where: dict, report: Report) -> list | None:
    annotations = [a for a in task.get("annotations") or [] if isinstance(a, dict) and not a.get("was_cancelled")]
    if annotations:
        if len(annotations) > 1:
            report.info("several-annotations", f"{len(annotations)} completed annotations; the last updated one is used", **where)
        annotations.sort(key=lambda a: str(a.get("updated_at") or a.get("created_at") or ""))
        return annotations[-1].get("result") or []
    predictions = [p for p in task.get("predictions") or [] if isinstance(p, dict)]
    if predictions and use_predictions:
        return predictions[-1].get("result") or []
    report.warning("task-not-annotated", "no completed annotation" + ("; pass --use-predictions to take the predictions" if predictions else ""),
                   **where)
    return None


def _read_task(task, index: int, origin: Origin, src: Path, report: Report, type_map: dict, use_predictions: bool) -> ImportedDoc | None:
    data = task.get("data") if isinstance(task, dict) else None
    text = data.get("text") if isinstance(data, dict) else None
    if not isinstance(text, str):
        report.error("task-no-text", f"task {index + 1} has no data.text", **origin.where())
        return None
    article_id = data.get("article_id") or data.get("id")
    article_id = article_id if isinstance(article_id, str) and ARTICLE_ID.match(article_id) else None
    sink = Sink(report, origin.file, article_id, origin.line, prefix=f"task {index + 1}: ")
    result = _pick_result(task, use_predictions, {**origin.where(), "article": article_id}, report)
    if result is None:
        return None
    parsed = parse_result(result)
    for problem in parsed.problems:
        sink.add(problem.level, problem.code, problem.message)
    doc = ImportedDoc(article_id, text, [], [], [], source_file=src, origin=origin)
    return assemble(result_items(parsed, text, type_map, sink), doc, sink)
