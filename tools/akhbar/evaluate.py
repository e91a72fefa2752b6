"""`akhbar evaluate`: a system's predictions scored against the gold of one split.

The scoring is `akhbar agree`'s (akhbar.agree.compare, the official scorer); this module only
turns what a system writes into the scorer's input and checks it against the split:

* **Akhbar records** (one per line, `id` plus the layers predicted), as `akhbar agree` reads them;
* **rows of the dataset's configs**, what a model trained with `load_dataset` naturally writes:
  `ner` rows (`ner_tags`, names or ClassLabel ids, over the sentence's tokens), `quotes` rows
  (`content_fragments`, `cue_start`/`cue_end`, `speaker`) and `events` rows
  (`trigger_start`/`trigger_end`, `category`, `actors`, `recipients`, `arguments`). Rows name
  the gold article's entities by their gold ids, as the dataset's rows do.

Every line is classified on its own, so one file may hold several shapes (an article is
either a record or rows, not both). A line that does not fit, an article not in the corpus,
an article of another split, or offsets outside the text is an InputError naming the file and
line. An article of the split with no prediction counts as an empty prediction.

`ner` rows are tags over the token view, where a mention's whole host token is tagged (وليبيا
for ليبيا). Their mentions are therefore scored against the gold mentions projected through
the same token view (the gold `ner` rows' tags), not against the exact character offsets.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from akhbar import labels
from akhbar.agree import compare
from akhbar.alignment import RecordError, _offsets
from akhbar.records import iter_lines
from akhbar.sources import Collection, InputError, Located, load_collection, parse_located

FORMAT = "akhbar-evaluate/1"
SHAPES = ("record", "ner", "quotes", "events")
PRED_PREFIX = "pred:"  # entity ids made for ner-row mentions; no gold id has a colon


class RowError(Exception):
    """One row does not fit its shape; the message says which field."""


@dataclass
class Gold:
    """The gold records of the split, and the split of every article of the corpus."""

    split: str
    records: Collection
    split_of: dict[str, str]

    @cached_property
    def ner_rows(self) -> dict[str, dict]:
        """The split's `ner` rows, by row id, as `akhbar build` writes them (made when first asked for)."""
        from akhbar.hf.rows import Analysis, ner_batches

        analyses = [Analysis(located.record) for located in self.records.records.values()]
        rows = ner_batches(analyses)[0].to_pylist() if analyses else []
        return {row["id"]: row for row in rows}


def load_gold(corpus: str, split: str) -> Gold:
    everything = load_collection(corpus)
    split_of = {article_id: located.record.get("split") for article_id, located in everything.records.items()}
    in_split = {article_id: located for article_id, located in everything.records.items() if split_of[article_id] == split}
    return Gold(split, Collection(f"{corpus} ({split})", in_split, everything.files), split_of)


@dataclass
class Predictions:
    """The predictions as Akhbar records (the scorer's input), by article."""

    records: dict[str, Located] = field(default_factory=dict)
    shapes: Counter = field(default_factory=Counter)  # lines per shape
    from_rows: set[str] = field(default_factory=set)  # articles given as rows (the others: as a record)


ROW_KEYS = {"ner_tags": "ner", "content_fragments": "quotes", "cue_start": "quotes", "trigger_start": "events"}


def shape_of(row: dict) -> str:
    config = next((ROW_KEYS[k] for k in ROW_KEYS if k in row), None)
    if "article_id" not in row:
        if config:
            raise RowError(f'a row of the {config} config needs "article_id"')
        if "id" in row:
            return "record"
        raise RowError('neither an Akhbar record (with "id") nor a row of the ner, quotes or events config '
                       '(with "article_id")')
    if config:
        return config
    raise RowError('a row with "article_id" but none of "ner_tags" (ner), "content_fragments" (quotes) or '
                   '"trigger_start" (events)')


def read_predictions(paths: list[str], gold: Gold) -> Predictions:
    preds = Predictions()
    errors: list[str] = []
    for path in paths:
        if not Path(path).is_file():
            raise InputError([f"{path}: no such file"])
        try:
            lines = list(iter_lines(Path(path)))
        except OSError as exc:
            raise InputError([f"{path}: {exc.strerror or exc}"]) from None
        for number, raw in lines:
            located, problem = parse_located(raw, path, number, require_id=False)
            if problem:
                errors.append(problem)
            elif located is not None:
                try:
                    _add(preds, located, gold)
                except RowError as exc:
                    errors.append(f"{located.where}: {exc}")
    if errors:
        raise InputError(errors)
    if preds.shapes["ner"] and any(located.record.get("entities") for a, located in preds.records.items()
                                     if a not in preds.from_rows):
        raise InputError(["ner rows (scored on the token view) and Akhbar records with entities (scored on exact "
                          "offsets) cannot be evaluated together: give entities in one shape"])
    return preds


def _add(preds: Predictions, located: Located, gold: Gold) -> None:
    row = located.record
    shape = shape_of(row)
    key = "id" if shape == "record" else "article_id"
    article_id = row[key]
    if not isinstance(article_id, str):
        raise RowError(f'"{key}" must be a string')
    _check_article(article_id, gold)
    preds.shapes[shape] += 1
    if shape == "record":
        if article_id in preds.records:
            raise RowError(f"article {article_id} is predicted twice (first at {preds.records[article_id].where})")
        preds.records[article_id] = located
        return
    gold_record = gold.records.records[article_id].record
    if article_id in preds.records and article_id not in preds.from_rows:
        raise RowError(f"article {article_id} already has a prediction record at {preds.records[article_id].where}; "
                       "give an article as one record or as rows, not both")
    if article_id not in preds.records:
        preds.records[article_id] = Located({"id": article_id, "entities": [], "quotes": [], "events": []},
                                            located.file, located.line)
        preds.from_rows.add(article_id)
    target = preds.records[article_id].record
    try:
        if shape == "ner":
            target["entities"].extend(ner_entities(row, gold, len(target["entities"])))
        elif shape == "quotes":
            target["quotes"].append(quote_from_row(row, gold_record, len(target["quotes"])))
        else:
            target["events"].append(event_from_row(row, gold_record, len(target["events"])))
    except RecordError as exc:
        raise RowError(f"article {article_id}: {exc}") from None


def _check_article(article_id: str, gold: Gold) -> None:
    split = gold.split_of.get(article_id)
    if article_id not in gold.split_of:
        raise RowError(f"article {article_id} is not in the corpus")
    if split != gold.split:
        raise RowError(f"article {article_id} is in the {split} split, not in {gold.split}")


# --- rows -> record layers -------------------------------------------------------------------

def _label(value, names: list[str], where: str, nullable: bool = True) -> str | None:
    """A ClassLabel value (its name, or its id as `datasets` writes it) as the name."""
    if value is None and nullable:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(names):
        return names[value]
    if isinstance(value, str) and value in names:
        return value
    raise RowError(f"{where}: {value!r} is not one of the labels ({', '.join(names)}) nor a label id 0..{len(names) - 1}")


def _int_list(row: dict, key: str) -> list[int]:
    value = row.get(key)
    if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise RowError(f'"{key}" must be a list of integers')
    return value


def iob2_spans(tags: list[str]) -> list[tuple[int, int, str]]:
    """(first token, last token + 1, type) of each mention in an IOB2 tag sequence, decoded as
    the CoNLL import decodes them: an I- tag that does not continue a mention of its type
    starts one (conlleval's reading)."""
    from akhbar.hf.tokenize import decode, parse_tag

    return [(m.first, m.last + 1, m.type) for m in decode([[parse_tag(tag)] for tag in tags])]


def tagged_entities(tags: list[str], starts: list[int], ends: list[int], text: str, prefix: str, numbered_from: int) -> list[dict]:
    """Singleton entities, one per mention the IOB2 tags spell out over the tokens (ids
    `{prefix}N`, their mention `{prefix}mN`, numbered on from `numbered_from`)."""
    entities = []
    for first, last, kind in iob2_spans(tags):
        n = numbered_from + len(entities) + 1
        start, end = starts[first], ends[last - 1]
        entities.append({"id": f"{prefix}{n}", "type": kind, "name": text[start:end],
                         "mentions": [{"id": f"{prefix}m{n}", "start": start, "end": end, "text": text[start:end]}]})
    return entities


def ner_entities(row: dict, gold: Gold, numbered_from: int) -> list[dict]:
    """Singleton entities, one per mention the row's tags spell out over its tokens (the
    row's own `token_starts`/`token_ends`, else those of the gold row with its id)."""
    from akhbar.hf.tokenize import ner_tag_names

    names = ner_tag_names()
    if not isinstance(row.get("ner_tags"), list):
        raise RowError('"ner_tags" must be a list')
    tags = [_label(t, names, f"ner_tags[{k}]", nullable=False) for k, t in enumerate(row["ner_tags"])]
    text = gold.records.records[row["article_id"]].record["text"]
    if "token_starts" in row or "token_ends" in row:
        starts, ends = _int_list(row, "token_starts"), _int_list(row, "token_ends")
        if not len(starts) == len(ends) == len(tags):
            raise RowError(f"ner_tags, token_starts and token_ends differ in length ({len(tags)}, {len(starts)}, {len(ends)})")
        for k, (s, e) in enumerate(zip(starts, ends, strict=True)):
            _offsets({"start": s, "end": e}, f"token {k}", text)
    else:
        gold_row = gold.ner_rows.get(row.get("id"))
        if gold_row is None:
            raise RowError(f"no ner row {row.get('id')!r} in the gold {gold.split} split (a row without "
                           "token_starts/token_ends is matched to the gold row by its \"id\")")
        starts, ends = gold_row["token_starts"], gold_row["token_ends"]
        if len(starts) != len(tags):
            raise RowError(f"ner_tags has {len(tags)} tags; sentence {row['id']} has {len(starts)} tokens")
    return tagged_entities(tags, starts, ends, text, PRED_PREFIX, numbered_from)


def _entity_ref(value, gold_record: dict, where: str) -> str | None:
    """A gold entity id as a row names it (a string, or a party {entity, ...})."""
    if isinstance(value, dict):
        value = value.get("entity")
    if value is None:
        return None
    if not isinstance(value, str):
        raise RowError(f"{where}: an entity id must be a string")
    if value not in {e["id"] for e in gold_record["entities"]}:
        raise RowError(f"{where}: {value!r} is not an entity of article {gold_record['id']} (rows name the gold entities by id)")
    return value


def quote_from_row(row: dict, gold_record: dict, index: int) -> dict:
    text = gold_record["text"]
    fragments = row.get("content_fragments")
    if not isinstance(fragments, list) or not fragments:
        raise RowError('"content_fragments" must be a non-empty list of {"start", "end"}')
    content = []
    for k, fragment in enumerate(fragments):
        start, end = _offsets(fragment, f"content_fragments[{k}]", text)  # an object with offsets in the text
        content.append({"start": start, "end": end})
    cue = None
    if row.get("cue_start") is not None or row.get("cue_end") is not None:
        start, end = _offsets({"start": row.get("cue_start"), "end": row.get("cue_end")}, "cue_start/cue_end", text)
        lemma = row.get("cue_lemma")
        cue = {"start": start, "end": end, "lemma": lemma if isinstance(lemma, str) else None}
    return {
        "id": row["quote"] if isinstance(row.get("quote"), str) else f"#{index}",
        "type": _label(row.get("type"), labels.quote_types(), "type"),
        "content": content, "cue": cue,
        "speaker": _entity_ref(row.get("speaker"), gold_record, "speaker"),
        "speaker_kind": _label(row.get("speaker_kind"), labels.speaker_kinds(), "speaker_kind"),
    }


def _parties(row: dict, key: str, gold_record: dict) -> list[str]:
    value = row.get(key) or []
    if not isinstance(value, list):
        raise RowError(f'"{key}" must be a list')
    found = [_entity_ref(v, gold_record, f"{key}[{k}]") for k, v in enumerate(value)]
    return [e for e in found if e is not None]


def event_from_row(row: dict, gold_record: dict, index: int) -> dict:
    start, end = _offsets({"start": row.get("trigger_start"), "end": row.get("trigger_end")},
                          "trigger_start/trigger_end", gold_record["text"])
    arguments = []
    for k, argument in enumerate(row.get("arguments") or []):
        if not isinstance(argument, dict) or not isinstance(argument.get("role"), str):
            raise RowError(f'arguments[{k}] must be an object with a string "role"')
        entity = _entity_ref(argument, gold_record, f"arguments[{k}]")
        if entity is not None:
            arguments.append({"role": argument["role"], "entity": entity})
    context = row.get("context") or []
    if not isinstance(context, list) or not all(isinstance(c, str) for c in context):
        raise RowError('"context" must be a list of strings')
    return {
        "id": row["event"] if isinstance(row.get("event"), str) else f"#{index}",
        "category": _label(row.get("category"), labels.plover_categories(), "category"),
        "mode": row.get("mode") if isinstance(row.get("mode"), str) else None,
        "context": context,
        "trigger": {"start": start, "end": end},
        "actor": _parties(row, "actors", gold_record), "recipient": _parties(row, "recipients", gold_record),
        "arguments": arguments,
        **{marker: row.get(marker) is True for marker in labels.event_markers()},
    }


# --- the evaluation ---------------------------------------------------------------------------

def token_view_gold(gold: Gold) -> Collection:
    """The gold split with its entities replaced by the mentions its `ner` rows' tags spell
    out (what ner-row predictions are scored against)."""
    from akhbar.hf.tokenize import ner_tag_names

    names = ner_tag_names()
    by_article: dict[str, list[dict]] = defaultdict(list)
    for row in gold.ner_rows.values():
        text = gold.records.records[row["article_id"]].record["text"]
        found = by_article[row["article_id"]]
        found += tagged_entities([names[t] for t in row["ner_tags"]], row["token_starts"], row["token_ends"], text, "t", len(found))
    view = Collection(gold.records.spec + ", token view", files=gold.records.files)
    for article_id, located in gold.records.records.items():
        view.records[article_id] = Located({**located.record, "entities": by_article[article_id]}, located.file, located.line)
    return view


def evaluate(pred_paths: list[str], corpus: str, split: str = "test") -> dict:
    """The `akhbar agree` result of the predictions against the split's gold, with what was read."""
    if split not in labels.splits():
        raise InputError([f"unknown split {split!r} (one of {', '.join(labels.splits())})"])
    gold = load_gold(corpus, split)
    if not gold.records.records:
        raise InputError([f"{corpus}: no article in the {split} split"])
    preds = read_predictions(pred_paths, gold)
    entity_view = "tokens" if preds.shapes["ner"] else "mentions"
    reference = token_view_gold(gold) if entity_view == "tokens" else gold.records
    side = Collection(", ".join(pred_paths), preds.records, list(pred_paths))
    result = compare(reference, side, gold_ids=frozenset(preds.from_rows))
    # The agree result with its own format name replaced: this document has more keys.
    return {
        "format": FORMAT, "split": split, "entity_view": entity_view,
        "predictions": {"lines": {s: preds.shapes[s] for s in SHAPES},
                        "articles_predicted": len(preds.records),
                        "articles_missing": len(result["articles"]["only_in_a"])},
        **{k: v for k, v in result.items() if k != "format"},
    }
