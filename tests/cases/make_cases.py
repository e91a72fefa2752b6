"""Writes the validator's test cases: one minimal failing shard per check id under
corpus/invalid/, and a passing shard under corpus/valid/, with `expected.json` naming the
diagnostics each case must produce (as Universal Dependencies keeps test-cases/invalid-*).

All records are SYNTHETIC (tests/synthetic.py). Run `python tests/cases/make_cases.py` after
changing a case; review the diff of expected.json like code.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from akhbar.records import dumps_canonical  # noqa: E402
from synthetic import synthetic_record  # noqa: E402

OTHER_ID = "synthetic-00000000000000b2"


def line(record: dict) -> bytes:
    return dumps_canonical(record) + b"\n"


def mutate(change) -> bytes:
    record = synthetic_record()
    change(record)
    return line(record)


def ent(record, entity_id):
    return next(e for e in record["entities"] if e["id"] == entity_id)


def quote(record, quote_id):
    return next(q for q in record["quotes"] if q["id"] == quote_id)


def event(record, event_id):
    return next(v for v in record["events"] if v["id"] == event_id)


def append_text(record, suffix):
    record["text"] += suffix


def set_(obj, key, value):
    obj[key] = value


def add_mention(record, entity_id, mention_id, start, end):
    ent(record, entity_id)["mentions"].append({"id": mention_id, "start": start, "end": end, "text": record["text"][start:end]})


def _zero_width(record):
    start = len(record["text"]) + 1
    append_text(record, " \u200bسرت")
    add_mention(record, "e9", "m10", start, start + 4)


def _zero_width_inside(record):
    start = len(record["text"]) + 1
    append_text(record, " سر\u200bت")
    add_mention(record, "e9", "m10", start, start + 4)


def _splits_word(record):
    m1 = ent(record, "e1")["mentions"][0]
    m1["start"] += 1
    m1["text"] = record["text"][m1["start"]:m1["end"]]


def _crossing(record):
    m1 = ent(record, "e1")["mentions"][0]
    start = m1["start"] + len("أحمد ")
    end = record["text"].index("القاهرة") + len("القاهرة")
    add_mention(record, "e2", "m10", start, end)


def _duplicate_mention(record):
    m2 = ent(record, "e2")["mentions"][0]
    add_mention(record, "e2", "m10", m2["start"], m2["end"])


def _cycle(record):
    quote(record, "q1")["parent"] = "q2"
    quote(record, "q2")["parent"] = "q1"


def _deep(record):
    nested: list = []
    for _ in range(100):
        nested = [nested]
    record["title"] = nested


def _not_canonical(record):
    return json.dumps(record, ensure_ascii=False, sort_keys=True).encode() + b"\n"


def _ids(first: str, second: str) -> bytes:
    return line(synthetic_record(first)) + line(synthetic_record(second))


valid = line(synthetic_record())
base_json = dumps_canonical(synthetic_record()).decode()

CASES: dict[str, tuple[bytes, list[tuple[str, int]]]] = {
    # check id: (file content, [(expected check id, line), ...])
    "file-not-utf8": (valid.replace("أحمد".encode(), b"\xff\xfe", 1), [("file-not-utf8", 1)]),
    "file-bom": (b"\xef\xbb\xbf" + valid, [("file-bom", 1)]),
    "file-crlf": (valid[:-1] + b"\r\n", [("file-crlf", 1)]),
    "file-blank-line": (line(synthetic_record()) + b"\n" + line(synthetic_record(OTHER_ID)), [("file-blank-line", 2)]),
    "file-no-final-newline": (valid[:-1], [("file-no-final-newline", 1)]),
    "json-invalid": (valid[: len(valid) // 2] + b"\n", [("json-invalid", 1)]),
    "json-not-object": (b'["not", "an", "object"]\n', [("json-not-object", 1)]),
    "json-duplicate-key": (valid.replace(b'"language":"ar",', b'"language":"ar","language":"ar",'), [("json-duplicate-key", 1)]),
    "json-nan-infinity": (valid.replace(b'"dead":null', b'"dead":NaN', 1), [("json-nan-infinity", 1)]),
    "json-lone-surrogate": (valid.replace(b'"title":null', b'"title":"\\ud800"'), [("json-lone-surrogate", 1)]),
    "json-too-deep": (mutate(_deep), [("json-too-deep", 1)]),
    "schema-violation": (mutate(lambda r: r.pop("language")), [("schema-violation", 1)]),
    "schema-version-unsupported": (mutate(lambda r: set_(r, "schema_version", "2.0.0")), [("schema-version-unsupported", 1)]),
    "label-unknown": (mutate(lambda r: set_(ent(r, "e1"), "type", "PERSON")), [("label-unknown", 1)]),
    "cue-lemma-unknown": (mutate(lambda r: set_(quote(r, "q1")["cue"], "lemma", "قالت")), [("cue-lemma-unknown", 1)]),
    "text-not-nfc": (mutate(lambda r: append_text(r, " \u0627\u0653")), [("text-not-nfc", 1)]),
    "text-bidi-control": (mutate(lambda r: append_text(r, " \u202eسرت")), [("text-bidi-control", 1)]),
    "text-bidi-mark": (mutate(lambda r: append_text(r, " \u200fسرت")), [("text-bidi-mark", 1)]),
    "text-control-char": (mutate(lambda r: append_text(r, " \x00")), [("text-control-char", 1)]),
    "span-offset-not-integer": (mutate(lambda r: set_(ent(r, "e1")["mentions"][0], "start", "20")), [("span-offset-not-integer", 1)]),
    "span-out-of-range": (mutate(lambda r: set_(ent(r, "e1")["mentions"][0], "end", 10_000)), [("span-out-of-range", 1)]),
    "span-empty": (mutate(lambda r: set_(ent(r, "e1")["mentions"][0], "end", ent(r, "e1")["mentions"][0]["start"])), [("span-empty", 1)]),
    "span-reversed": (mutate(lambda r: set_(ent(r, "e1")["mentions"][0], "start", ent(r, "e1")["mentions"][0]["end"] + 1)), [("span-reversed", 1)]),
    "span-text-mismatch": (mutate(lambda r: set_(ent(r, "e1")["mentions"][0], "text", "محمد علي")), [("span-text-mismatch", 1)]),
    "span-splits-word": (mutate(_splits_word), [("span-splits-word", 1)]),
    "span-zero-width": (mutate(_zero_width), [("span-zero-width", 1)]),
    "mention-crossing": (mutate(_crossing), [("mention-crossing", 1)]),
    "mention-duplicate": (mutate(_duplicate_mention), [("mention-duplicate", 1)]),
    "block-invalid": (mutate(lambda r: set_(r["blocks"][1], "start", 0)), [("block-invalid", 1)]),
    "id-duplicate-article": (line(synthetic_record()) + line(synthetic_record()), [("id-duplicate-article", 2)]),
    "id-duplicate-annotation": (mutate(lambda r: set_(ent(r, "e2")["mentions"][0], "id", "m1")), [("id-duplicate-annotation", 1)]),
    "ref-missing": (mutate(lambda r: set_(quote(r, "q1"), "speaker", "e99")), [("ref-missing", 1)]),
    "ref-wrong-kind": (mutate(lambda r: set_(quote(r, "q1"), "speaker", "q2")), [("ref-wrong-kind", 1)]),
    "quote-parent-cycle": (mutate(_cycle), [("quote-parent-cycle", 1)]),
    "quote-speaker-inconsistent": (mutate(lambda r: set_(quote(r, "q1"), "speaker_kind", "anonymous")), [("quote-speaker-inconsistent", 1)]),
    "event-mode-category": (mutate(lambda r: set_(event(r, "v2"), "mode", "aerial")), [("event-mode-category", 1)]),
    "event-recipient-missing": (mutate(lambda r: set_(event(r, "v1"), "recipient", [])), [("event-recipient-missing", 1)]),
    "layer-state-mismatch": (mutate(lambda r: set_(r["annotation"], "layers", {"entities": "done", "quotes": "none-applicable", "events": "done"})), [("layer-state-mismatch", 1)]),
    "layer-done-empty": (mutate(lambda r: (set_(r, "quotes", []), set_(r["annotation"], "layers", {"entities": "done", "quotes": "done", "events": "done"}))), [("layer-done-empty", 1)]),
    "layer-pending-not-draft": (mutate(lambda r: set_(r["annotation"], "layers", {"entities": "done", "quotes": "done", "events": "pending"})), [("layer-pending-not-draft", 1)]),
    "raw-file-outside": (mutate(lambda r: set_(r["source"], "raw_file", "corpus/raw/../../etc/passwd")), [("raw-file-outside", 1)]),
    "raw-file-missing": (mutate(lambda r: set_(r["source"], "raw_file", "corpus/raw/synthetic/missing.txt")), [("raw-file-missing", 1)]),
    "raw-sha256-mismatch": (mutate(lambda r: set_(r["source"], "raw_sha256", "0" * 64)), [("raw-sha256-mismatch", 1)]),
    "record-not-canonical": (_not_canonical(synthetic_record()), [("record-not-canonical", 1)]),
    "records-not-sorted": (_ids(OTHER_ID, synthetic_record()["id"]), [("records-not-sorted", 2)]),
}


def _huge_literal() -> bytes:
    return valid.replace(b'"dead":null', b'"dead":' + b"9" * 5000, 1)


# Extra members of the bad-input catalogue (docs/reliability.md) that are not the minimal
# case of a check id: file name -> (content, [(check id, line)]).
CATALOGUE: dict[str, tuple[bytes, list[tuple[str, int]]]] = {
    "float-offset": (mutate(lambda r: set_(ent(r, "e1")["mentions"][0], "start", 37.0)), [("span-offset-not-integer", 1)]),
    "huge-integer-offset": (mutate(lambda r: set_(ent(r, "e1")["mentions"][0], "end", 10**30)), [("span-out-of-range", 1), ("record-not-canonical", 1)]),
    "huge-integer-literal": (_huge_literal(), [("json-invalid", 1)]),
    "negative-offset": (mutate(lambda r: set_(ent(r, "e1")["mentions"][0], "start", -5)), [("span-out-of-range", 1)]),
    "wrong-shape": (b'{"hello": "world", "entities": 3}\n', [("schema-violation", 1)] * 14 + [("record-not-canonical", 1)]),
    "empty-file": (b"", []),
    "only-blank-lines": (b"\n\n", [("file-blank-line", 1), ("file-blank-line", 2)]),
    "truncated-last-line": (valid + valid[:40], [("json-invalid", 2), ("file-no-final-newline", 2)]),
    "trojan-source-in-span": (mutate(lambda r: (append_text(r, " \u202eسرت\u202c"), add_mention(r, "e9", "m10", len(r["text"]) - 5, len(r["text"])))),
                              [("text-bidi-control", 1), ("span-zero-width", 1)]),
    "actor-is-a-mention-id": (mutate(lambda r: set_(event(r, "v1"), "actor", ["m4"])), [("ref-wrong-kind", 1)]),
    "zero-width-inside-span": (mutate(_zero_width_inside), [("span-zero-width", 1)]),
    "malformed-reference": (mutate(lambda r: set_(quote(r, "q1"), "parent", "quote one")), [("ref-missing", 1)]),
}


def main() -> None:
    corpus = HERE / "corpus"
    invalid = corpus / "invalid"
    invalid.mkdir(parents=True, exist_ok=True)
    for old in invalid.glob("*.jsonl"):
        old.unlink()
    expected = {}
    for check_id, (content, diagnostics) in CASES.items():
        (invalid / f"{check_id}.jsonl").write_bytes(content)
        expected[check_id] = [{"check": c, "line": n} for c, n in diagnostics]
    valid_dir = corpus / "valid"
    valid_dir.mkdir(exist_ok=True)
    (valid_dir / "synthetic.jsonl").write_bytes(_ids(synthetic_record()["id"], OTHER_ID))
    raw = corpus / "raw" / "synthetic"
    raw.mkdir(parents=True, exist_ok=True)
    for article_id in (synthetic_record()["id"], OTHER_ID):
        (raw / f"{article_id}.txt").write_bytes(copy.deepcopy(synthetic_record())["text"].encode("utf-8"))
    (HERE / "expected.json").write_text(json.dumps(expected, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    catalogue = corpus / "catalogue"
    catalogue.mkdir(exist_ok=True)
    for old in catalogue.glob("*.jsonl"):
        old.unlink()
    expected_catalogue = {}
    for name, (content, diagnostics) in CATALOGUE.items():
        (catalogue / f"{name}.jsonl").write_bytes(content)
        expected_catalogue[name] = [{"check": c, "line": n} for c, n in diagnostics]
    (HERE / "catalogue.json").write_text(json.dumps(expected_catalogue, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
