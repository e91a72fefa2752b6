"""`akhbar evaluate`: each accepted prediction shape and each rejection, on SYNTHETIC records."""

from __future__ import annotations

import copy
import json

import pytest

from akhbar.cli import main
from akhbar.evaluate import evaluate, iob2_spans
from akhbar.hf.features import ner_tag_names
from akhbar.hf.rows import record_batches
from akhbar.records import dumps_canonical
from synthetic import synthetic_record

TEST_ID, TEST_ID2, TRAIN_ID = "synthetic-00000000000000t1", "synthetic-00000000000000t2", "synthetic-00000000000000r1"


@pytest.fixture
def corpus(tmp_path):
    records = [synthetic_record(TEST_ID, "test"), synthetic_record(TEST_ID2, "test"), synthetic_record(TRAIN_ID, "train")]
    path = tmp_path / "gold.jsonl"
    path.write_bytes(b"".join(dumps_canonical(r) + b"\n" for r in records))
    return str(path)


def write(path, rows) -> str:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return str(path)


def gold_rows(config: str, ids=(TEST_ID, TEST_ID2)) -> list[dict]:
    """The dataset's own rows of the test articles (ClassLabels as ids, as `datasets` writes them)."""
    return record_batches([synthetic_record(i, "test") for i in ids])[config].to_pylist()


def f1(result, *path):
    node = result
    for key in path:
        node = node[key]
    return node["f1"]


def test_gold_records_score_one(tmp_path, corpus):
    pred = write(tmp_path / "p.jsonl", [synthetic_record(TEST_ID, "test"), synthetic_record(TEST_ID2, "test")])
    result = evaluate([pred], corpus, "test")
    assert result["entity_view"] == "mentions" and result["predictions"]["lines"]["record"] == 2
    assert f1(result, "entities", "exact", "micro") == 1.0
    assert f1(result, "quotes", "attributed") == 1.0 and f1(result, "events", "typed", "micro") == 1.0


def test_gold_rows_of_every_config_score_one(tmp_path, corpus):
    paths = [write(tmp_path / f"{c}.jsonl", gold_rows(c)) for c in ("ner", "quotes", "events")]
    result = evaluate(paths, corpus, "test")
    assert result["entity_view"] == "tokens"
    assert result["predictions"]["lines"] == {"record": 0, "ner": len(gold_rows("ner")), "quotes": 4, "events": 6}
    for path in (("entities", "exact", "micro"), ("quotes", "attributed"), ("events", "typed", "micro"),
                 ("events", "arguments", "all")):
        assert f1(result, *path) == 1.0, path
    assert result["quotes"]["cue_lemma"]["rate"] == 1.0


def test_rows_with_label_names_and_own_token_offsets(tmp_path, corpus):
    names = ner_tag_names()
    rows = [{"article_id": r["article_id"], "token_starts": r["token_starts"], "token_ends": r["token_ends"],
             "ner_tags": [names[t] for t in r["ner_tags"]]} for r in gold_rows("ner")]
    result = evaluate([write(tmp_path / "ner.jsonl", rows)], corpus, "test")
    assert f1(result, "entities", "exact", "micro") == 1.0


def test_wrong_predictions_lower_the_scores(tmp_path, corpus):
    quotes = gold_rows("quotes")
    quotes[0]["speaker"] = "e8"  # the other person of the article
    events = gold_rows("events")
    events[0]["category"] = "ASSAULT"  # a name instead of an id, and the wrong one
    result = evaluate([write(tmp_path / "q.jsonl", quotes), write(tmp_path / "v.jsonl", events)], corpus, "test")
    assert result["quotes"]["speaker"] == {"agree": 3, "total": 4, "rate": 0.75}
    assert result["events"]["category"]["items"] == 6 and result["events"]["category"]["observed"] == pytest.approx(5 / 6, abs=1e-4)
    assert f1(result, "entities", "exact", "micro") == 0.0  # no entity predicted at all


def test_missing_articles_are_empty_predictions(tmp_path, corpus):
    only_one = [r for r in gold_rows("quotes") if r["article_id"] == TEST_ID]
    result = evaluate([write(tmp_path / "q.jsonl", only_one)], corpus, "test")
    assert result["predictions"]["articles_missing"] == 1 and result["articles"]["only_in_a"] == [TEST_ID2]
    assert result["quotes"]["match"]["recall"] == 0.5 and result["quotes"]["match"]["precision"] == 1.0
    empty = write(tmp_path / "empty.jsonl", [])
    assert evaluate([empty], corpus, "test")["articles"]["scored"] == 2


def test_iob2_spans_reads_stray_i_as_a_start():
    assert iob2_spans(["B-PERS", "I-PERS", "O", "I-GPE", "I-GPE", "B-GPE", "I-ORG"]) == [
        (0, 2, "PERS"), (3, 5, "GPE"), (5, 6, "GPE"), (6, 7, "ORG")]


BAD = [
    ({"article_id": "nope", "ner_tags": []}, "p.jsonl:1: article nope is not in the corpus"),
    ({"id": TRAIN_ID}, f"p.jsonl:1: article {TRAIN_ID} is in the train split, not in test"),
    ({"article_id": TEST_ID, "content_fragments": [{"start": 5, "end": 9999}]},
     f"p.jsonl:1: article {TEST_ID}: content_fragments[0]: offsets 5..9999 are outside the text"),
    ({"article_id": TEST_ID, "content_fragments": [[5, 9]]},
     f"p.jsonl:1: article {TEST_ID}: content_fragments[0] must be an object"),
    ({"article_id": TEST_ID, "trigger_start": -1, "trigger_end": 3},
     "p.jsonl:1: article " + TEST_ID + ": trigger_start/trigger_end: offsets -1..3 are outside the text"),
    ({"article_id": TEST_ID, "something": 1}, 'p.jsonl:1: a row with "article_id" but none of "ner_tags"'),
    ({"text": "x"}, "p.jsonl:1: neither an Akhbar record"),
    ({"id": f"{TEST_ID}/s0000", "ner_tags": ["O"]}, 'p.jsonl:1: a row of the ner config needs "article_id"'),
    ({"article_id": TEST_ID, "id": f"{TEST_ID}/s0000", "ner_tags": ["B-NOPE"]},
     "p.jsonl:1: ner_tags[0]: 'B-NOPE' is not one of the labels"),
    ({"article_id": TEST_ID, "id": f"{TEST_ID}/s0000", "ner_tags": ["O"]},
     f"p.jsonl:1: ner_tags has 1 tags; sentence {TEST_ID}/s0000 has"),
    ({"article_id": TEST_ID, "id": f"{TEST_ID}/s9999", "ner_tags": ["O"]}, "p.jsonl:1: no ner row"),
    ({"article_id": TEST_ID, "content_fragments": [{"start": 0, "end": 3}], "speaker": "e99"},
     "p.jsonl:1: speaker: 'e99' is not an entity of article"),
    ({"article_id": TEST_ID, "trigger_start": 0, "trigger_end": 3, "category": 99}, "p.jsonl:1: category: 99 is not one of"),
    ({"article_id": TEST_ID, "content_fragments": "all"}, 'p.jsonl:1: "content_fragments" must be a non-empty list'),
    ({"id": TEST_ID, "entities": [{"id": "e1", "type": "PERS", "mentions": [{"start": 0, "end": 99999}]}]},
     "p.jsonl:1: article " + TEST_ID + ": entities[0].mentions[0]: offsets 0..99999 are outside the text"),
]


@pytest.mark.parametrize(("row", "message"), BAD, ids=[m.split(": ", 1)[1][:40] for _, m in BAD])
def test_rejections_name_the_file_and_line(tmp_path, corpus, capsys, monkeypatch, row, message):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "p.jsonl", [row])
    assert main(["evaluate", "p.jsonl", "--corpus", corpus]) == 2
    err = capsys.readouterr().err
    assert message in err, err
    assert "Traceback" not in err


def test_malformed_lines_and_conflicts(tmp_path, corpus, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    record = synthetic_record(TEST_ID, "test")
    quote = next(r for r in gold_rows("quotes") if r["article_id"] == TEST_ID)
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n{not json\n[1]\n" + json.dumps(quote, ensure_ascii=False)
                    + "\n" + json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    assert main(["evaluate", "p.jsonl", "--corpus", corpus]) == 2
    err = capsys.readouterr().err
    assert "p.jsonl:2, column" in err and "invalid JSON line" in err
    assert "p.jsonl:3: a record must be a JSON object" in err
    assert f"p.jsonl:4: article {TEST_ID} already has a prediction record at p.jsonl:1" in err
    assert f"p.jsonl:5: article {TEST_ID} is predicted twice (first at p.jsonl:1)" in err


def test_ner_rows_and_record_entities_do_not_mix(tmp_path, corpus, capsys):
    ner = [r for r in gold_rows("ner") if r["article_id"] == TEST_ID]
    record = synthetic_record(TEST_ID2, "test")
    paths = [write(tmp_path / "n.jsonl", ner), write(tmp_path / "r.jsonl", [record])]
    assert main(["evaluate", *paths, "--corpus", corpus]) == 2
    assert "cannot be evaluated together" in capsys.readouterr().err


def test_usage_errors(tmp_path, corpus, capsys):
    assert main(["evaluate", str(tmp_path / "absent.jsonl"), "--corpus", corpus]) == 2
    assert "absent.jsonl: no such file" in capsys.readouterr().err
    empty = write(tmp_path / "e.jsonl", [])
    assert main(["evaluate", empty, "--corpus", corpus, "--split", "dev"]) == 2
    assert "unknown split 'dev'" in capsys.readouterr().err
    assert main(["evaluate", empty, "--corpus", corpus, "--split", "validation"]) == 2
    assert "no article in the validation split" in capsys.readouterr().err


def test_cli_formats(tmp_path, corpus, capsys):
    pred = write(tmp_path / "p.jsonl", [copy.deepcopy(synthetic_record(TEST_ID, "test"))])
    assert main(["evaluate", pred, "--corpus", corpus, "--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["format"] == "akhbar-evaluate/1" and result["split"] == "test"
    assert result["predictions"]["articles_missing"] == 1
    assert main(["evaluate", pred, "--corpus", corpus]) == 0
    out = capsys.readouterr().out
    assert out.startswith("split test: 2 articles scored, 1 without a prediction") and "entity mentions, exact" in out
    assert main(["evaluate", pred, "--corpus", corpus, "--format", "markdown"]) == 0
    assert "|" in capsys.readouterr().out


def test_the_corpus_test_split_as_rows_scores_one(tmp_path):
    """The real corpus: its own test rows of the three configs, written as `datasets` writes
    them, are a perfect prediction (every row maps back onto the gold it came from)."""
    from akhbar.evaluate import load_gold
    from akhbar.paths import corpus_dir

    corpus = str(corpus_dir() / "articles")
    gold = load_gold(corpus, "test")
    if not gold.records.records:
        pytest.skip("no test split in the corpus")
    batches = record_batches([located.record for located in gold.records.records.values()])
    paths = [write(tmp_path / f"{c}.jsonl", batches[c].to_pylist()) for c in ("ner", "quotes", "events")]
    result = evaluate(paths, corpus, "test")
    assert result["entity_view"] == "tokens" and result["articles"]["scored"] == len(gold.records.records)
    for path in (("entities", "exact", "micro"), ("quotes", "attributed"), ("events", "typed", "micro"),
                 ("events", "arguments", "all")):
        assert f1(result, *path) in (1.0, None), path
