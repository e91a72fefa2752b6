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
"""

from __future__ import annotations

import bisect
import json
import re
from pathlib import Path
from xml.sax.saxutils import quoteattr

from akhbar import labels
from akhbar.interchange.common import (
    ARTICLE_ID,
    Components,
    ImportedDoc,
    InterchangeError,
    Origin,
    Report,
    empty_event,
    empty_quote,
    next_id,
)
from akhbar.records import atomic_write

QUOTE, CUE, SPEAKER_SPAN = "Quote", "Cue", "SpeakerSpan"
MARKERS = ("negated", "future", "hypothetical", "historical")
MAGNITUDE_KEYS = ("dead", "injured", "arrested")
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


def record_to_results(record: dict) -> list[dict]:
    conv = Utf16(record["text"])
    out: list[dict] = []
    head: dict[str, str] = {}
    for entity in record.get("entities", []):
        first = entity["mentions"][0]
        head[entity["id"]] = first["id"]
        for mention in entity["mentions"]:
            out.append(_region(mention["id"], conv, mention, entity["type"]))
            if mention is first:
                out.append(_per_region(mention["id"], conv, mention, "entity", "textarea", [entity["id"]]))
                out.append(_per_region(mention["id"], conv, mention, "name", "textarea", [entity["name"]]))
                for key in ("wikidata", "subtype"):
                    if entity.get(key):
                        out.append(_per_region(mention["id"], conv, mention, key, "textarea", [entity[key]]))
            else:
                out.append(_relation(mention["id"], first["id"], "coref"))
    for quote in record.get("quotes", []):
        qid = quote["id"]
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
    for event in record.get("events", []):
        vid, trigger = event["id"], event["trigger"]
        out.append(_region(vid, conv, trigger, event["category"]))
        for target in event["actor"]:
            out.append(_relation(vid, head[target], "actor"))
        for target in event["recipient"]:
            out.append(_relation(vid, head[target], "recipient"))
        for arg in event["arguments"]:
            out.append(_relation(vid, head[arg["entity"]], arg["role"]))
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
    where = {"file": origin.file, "line": origin.line}
    if not isinstance(text, str):
        report.error("task-no-text", f"task {index + 1} has no data.text", **where)
        return None
    article_id = data.get("article_id") or data.get("id")
    article_id = article_id if isinstance(article_id, str) and ARTICLE_ID.match(article_id) else None
    where["article"] = article_id
    result = _pick_result(task, use_predictions, where, report)
    if result is None:
        return None
    doc = ImportedDoc(article_id, text, [], [], [], source_file=src, origin=origin)
    conv = Utf16(text)
    entity_types = set(labels.entity_types())
    categories = set(labels.plover_categories())

    def err(code, message):
        report.error(code, f"task {index + 1}: {message}", **where)

    regions: dict[str, dict] = {}
    order: list[str] = []
    attrs: dict[str, dict[str, list[str]]] = {}
    relations: list[tuple[str, str, str]] = []
    for item in result:
        if not isinstance(item, dict):
            err("result-malformed", f"result item {item!r} is not an object")
            continue
        kind, value, rid = item.get("type"), item.get("value") or {}, str(item.get("id"))
        if kind == "relation":
            for label in item.get("labels") or [""]:
                relations.append((str(item.get("from_id")), str(item.get("to_id")), label))
        elif kind in ("labels", "hypertextlabels"):
            label = (value.get("labels") or [None])[0]
            label = type_map.get(label, label) if label in type_map else label
            if label is None:
                report.dropped[f"{(value.get('labels') or ['?'])[0]} (mapped to nothing)"] += 1
                continue
            if label not in entity_types and label not in categories and label not in (QUOTE, CUE, SPEAKER_SPAN):
                err("label-unknown", f"region {rid}: label {label!r} is not an Akhbar label (map it with --map)")
                report.dropped[f"{label} (unknown)"] += 1
                continue
            start, end = conv.to_py(value.get("start", -1)), conv.to_py(value.get("end", -1))
            if start is None or end is None or start >= end:
                err("span-unplaced", f"region {rid}: UTF-16 offsets {value.get('start')}-{value.get('end')} are not a span of the text")
                continue
            surface = value.get("text") if isinstance(value.get("text"), str) else None
            span = doc.note({"start": start, "end": end, "text": surface}, origin)
            if rid in regions:
                err("region-twice", f"region id {rid} is used twice")
                continue
            regions[rid] = {"label": label, "span": span}
            order.append(rid)
        elif kind in ("textarea", "choices"):
            key = "text" if kind == "textarea" else "choices"
            attrs.setdefault(rid, {})[str(item.get("from_name"))] = [str(v) for v in value.get(key) or []]
    # Surfaces: when value.text is missing, offsets are trusted; when present, spans are
    # placed on the task text (re-anchored if the tool's offsets drifted).
    from akhbar.interchange.anchoring import anchor

    for rid in list(order):
        span = regions[rid]["span"]
        placed = anchor(text, span["start"], span["end"], span["text"])
        if placed is None:
            err("span-unplaced", f"region {rid}: {span['text']!r} is not at {span['start']}-{span['end']} nor nearby")
            order.remove(rid)
            del regions[rid]
            continue
        if placed.moved:
            report.warning("span-moved", f"task {index + 1}: region {rid} re-anchored to {placed.start}-{placed.end}", **where)
            report.repairs["spans re-anchored"] += 1
        span.update(start=placed.start, end=placed.end, text=text[placed.start:placed.end])

    def attr(rid: str, name: str) -> list[str]:
        return attrs.get(rid, {}).get(name, [])

    # Entities: connected components of coref relations among mention regions.
    mentions = [r for r in order if regions[r]["label"] in entity_types]
    coref = Components(mentions)

    others = []
    for a, b, label in relations:
        if label == "coref":
            if a in coref and b in coref:
                coref.union(a, b)
            else:
                err("relation-dangling", f"coref relation {a} -> {b} must join two mentions")
        else:
            others.append((a, b, label))
    clusters: dict[str, list[str]] = {}
    for r in mentions:
        clusters.setdefault(coref.find(r), []).append(r)
    used_e: set[str] = set()
    used_m = {r for r in mentions if re.fullmatch(r"m[1-9][0-9]*", r)}
    mention_id = {r: (r if re.fullmatch(r"m[1-9][0-9]*", r) else None) for r in mentions}
    for r in mentions:
        if mention_id[r] is None:
            mention_id[r] = next_id("m", used_m)
    entity_of: dict[str, str] = {}
    claimed: list[str | None] = []
    for members in clusters.values():
        ident = next((attr(r, "entity")[0] for r in members if attr(r, "entity")), None)
        ok = ident is not None and re.fullmatch(r"e[1-9][0-9]*", ident) and ident not in used_e
        claimed.append(ident if ok else None)
        if ok:
            used_e.add(ident)
    for members, ident in zip(clusters.values(), claimed, strict=True):
        entity_id = ident or next_id("e", used_e)
        meta = {k: next((attr(r, k)[0] for r in members if attr(r, k)), None) for k in ("name", "wikidata", "subtype")}
        kinds = {regions[r]["label"] for r in members}
        if len(kinds) > 1:
            err("cluster-mixed-types", f"entity {entity_id}: its mentions have labels {', '.join(sorted(kinds))}")
        ms = [{"id": mention_id[r], **regions[r]["span"]} for r in members]
        for m, r in zip(ms, members, strict=True):
            doc.note(m, origin)
            entity_of[r] = entity_id
        doc.entities.append({"id": entity_id, "type": regions[members[0]]["label"], "subtype": meta["subtype"] or None,
                             "name": meta["name"] or ms[0]["text"], "wikidata": meta["wikidata"] or None, "mentions": ms})

    # Quotes: Quote regions joined by fragment relations.
    quote_regions = [r for r in order if regions[r]["label"] == QUOTE]
    fragments = Components(quote_regions)

    rest = []
    for a, b, label in others:
        if label == "fragment" and a in fragments and b in fragments:
            fragments.union(a, b)
        else:
            rest.append((a, b, label))
    groups: dict[str, list[str]] = {}
    for r in quote_regions:
        groups.setdefault(fragments.find(r), []).append(r)
    used_q = {g for g in groups if re.fullmatch(r"q[1-9][0-9]*", g)}
    quote_of: dict[str, dict] = {}
    for root, members in groups.items():
        qid = root if re.fullmatch(r"q[1-9][0-9]*", root) else next_id("q", used_q)
        content = sorted((dict(regions[r]["span"]) for r in members), key=lambda s: (s["start"], s["end"]))
        for s in content:
            doc.note(s, origin)
        quote = empty_quote(qid, content)
        quote["speaker_kind"] = None
        for r in members:
            if attr(r, "quote_type"):
                quote["type"] = attr(r, "quote_type")[0]
            if attr(r, "speaker_kind"):
                quote["speaker_kind"] = attr(r, "speaker_kind")[0]
            quote_of[r] = quote
        doc.quotes.append(quote)

    # Events: category-labelled regions.
    used_v = {r for r in order if regions[r]["label"] in categories and re.fullmatch(r"v[1-9][0-9]*", r)}
    event_of: dict[str, dict] = {}
    for r in order:
        if regions[r]["label"] in categories:
            vid = r if re.fullmatch(r"v[1-9][0-9]*", r) else next_id("v", used_v)
            event = empty_event(vid, regions[r]["label"], dict(regions[r]["span"]))
            doc.note(event["trigger"], origin)
            if attr(r, "mode"):
                event["mode"] = attr(r, "mode")[0]
            event["context"] = attr(r, "context")
            for m in attr(r, "markers"):
                if m in MARKERS:
                    event[m] = True
            for text_value in attr(r, "magnitude"):
                for key, number in re.findall(r"(dead|injured|arrested)\s*=\s*([0-9]+)", text_value):
                    event["magnitude"][key] = int(number)
            event_of[r] = event
            doc.events.append(event)

    roles = set(labels.argument_roles())
    for a, b, label in rest:
        if a in quote_of:
            quote = quote_of[a]
            if label in ("speaker", "addressee"):
                if b in entity_of:
                    quote[label] = entity_of[b]
                else:
                    err("relation-dangling", f"{label} relation {a} -> {b}: the target is not a mention")
            elif label == "parent" and b in quote_of:
                quote["parent"] = quote_of[b]["id"]
            elif label in ("cue", "speaker_span") and b in regions and regions[b]["label"] == (CUE if label == "cue" else SPEAKER_SPAN):
                span = doc.note(dict(regions[b]["span"]), origin)
                if label == "cue":
                    span["lemma"] = (attr(b, "lemma") or [span["text"]])[0]
                quote[label] = span
            else:
                err("relation-dangling", f"{label} relation {a} -> {b} does not fit a quote")
        elif a in event_of:
            event = event_of[a]
            if b not in entity_of:
                err("relation-dangling", f"{label} relation {a} -> {b}: the target is not a mention")
            elif label in ("actor", "recipient"):
                event[label].append(entity_of[b])
            elif label in roles:
                event["arguments"].append({"role": label, "entity": entity_of[b]})
            else:
                err("role-unknown", f"relation {label!r} from event {a} is not a role")
        else:
            err("relation-dangling", f"{label} relation from {a}, which is neither a quote nor an event")
    for quote in doc.quotes:
        if quote["speaker_kind"] is None:
            quote["speaker_kind"] = "named" if quote["speaker"] else "anonymous"
    return doc
