"""`akhbar agree`: the scorer's figures on SYNTHETIC records with hand-computed expectations."""

from __future__ import annotations

import copy
import json
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from akhbar.agree import compare
from akhbar.alignment import match, span_overlap
from akhbar.cli import main
from akhbar.records import dumps_canonical
from akhbar.sources import Collection, Located
from synthetic import synthetic_record


def write(path, records) -> str:
    path.write_bytes(b"".join(dumps_canonical(r) + b"\n" for r in records))
    return str(path)


def collection(records, name="mem") -> Collection:
    c = Collection(name)
    for n, r in enumerate(records, start=1):
        c.records[r["id"]] = Located(r, name, n)
    return c


def score(gold_records, pred_records) -> dict:
    return compare(collection(gold_records, "A"), collection(pred_records, "B"))


def span(text, surface, occurrence=0):
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(surface, start + 1)
    return {"start": start, "end": start + len(surface), "text": surface}


def entity(record, entity_id):
    return next(e for e in record["entities"] if e["id"] == entity_id)


def all_figures(node, path=""):
    """Every (path, value) of precision/recall/f1/rate/kappa in a result tree."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("precision", "recall", "f1", "rate", "kappa", "observed", "mean_overlap"):
                yield f"{path}.{key}", value
            else:
                yield from all_figures(value, f"{path}.{key}")


def test_identical_inputs_score_one_everywhere():
    r = synthetic_record()
    result = score([r], [copy.deepcopy(r)])
    figures = dict(all_figures({k: result[k] for k in ("entities", "quotes", "events", "per_article")}))
    assert figures and all(v == 1.0 for v in figures.values()), {k: v for k, v in figures.items() if v != 1.0}
    assert result["entities"]["exact"]["micro"]["tp"] == 9
    assert result["entities"]["coreference"]["mentions"] == 9


def perturbed_entities():
    """Gold: the synthetic record (9 mentions). Prediction: القاهرة typed LOC instead of
    GPE; المتحدث العسكري shortened to المتحدث; one spurious OCC mention (الناشط)."""
    gold = synthetic_record()
    pred = copy.deepcopy(gold)
    t = pred["text"]
    entity(pred, "e2")["type"] = "LOC"
    entity(pred, "e7")["mentions"][0].update(span(t, "المتحدث"))
    pred["entities"].append({"id": "e10", "type": "OCC", "subtype": None, "name": "ناشط", "wikidata": None,
                             "mentions": [{"id": "m10", **span(t, "الناشط")}]})
    return gold, pred


def test_known_entity_perturbation_gives_hand_computed_scores():
    e = score(*map(lambda r: [r], perturbed_entities()))["entities"]
    # exact (span + type): 7 of 9 gold found; 3 of 10 predicted wrong (LOC, short OCC, spurious)
    assert e["exact"]["micro"] == {"tp": 7, "fp": 3, "fn": 2, "precision": 0.7, "recall": 0.7778, "f1": 0.7368}
    # overlap (+ type): the shortened OCC now matches; the LOC and the spurious one do not
    assert e["overlap"]["micro"] == {"tp": 8, "fp": 2, "fn": 1, "precision": 0.8, "recall": 0.8889, "f1": 0.8421}
    assert e["detection"]["exact"] == {"tp": 8, "fp": 2, "fn": 1, "precision": 0.8, "recall": 0.8889, "f1": 0.8421}
    assert e["detection"]["overlap"] == {"tp": 9, "fp": 1, "fn": 0, "precision": 0.9, "recall": 1.0, "f1": 0.9474}
    assert e["exact"]["by_type"]["GPE"] == {"tp": 3, "fp": 0, "fn": 1, "precision": 1.0, "recall": 0.75, "f1": 0.8571}
    assert e["exact"]["by_type"]["LOC"]["fp"] == 1 and e["exact"]["by_type"]["LOC"]["recall"] is None
    assert e["exact"]["by_type"]["OCC"] == {"tp": 0, "fp": 2, "fn": 1, "precision": 0.0, "recall": 0.0, "f1": 0.0}
    # kappa over the 8 exactly matching spans: po = 7/8; pe = (2·2 + 4·3 + 1·1 + 1·1)/64 = 18/64
    # κ = (0.875 − 0.28125) / (1 − 0.28125) = 0.8261
    kappa = e["type_kappa"]
    assert kappa["items"] == 8 and kappa["observed"] == 0.875 and kappa["kappa"] == 0.8261
    assert kappa["disagreements"] == [{"a": "GPE", "b": "LOC", "count": 1}]
    # every aligned mention keeps its own cluster: coreference is perfect
    assert e["coreference"]["f1"] == 1.0


def test_bcubed_merge_of_two_clusters():
    gold = synthetic_record()
    pred = copy.deepcopy(gold)
    # B merges ليبيا (e3) into مصر (e4): one cluster {m3, m4} where A has {m3}, {m4}.
    m3 = entity(pred, "e3")["mentions"][0]
    entity(pred, "e4")["mentions"].insert(0, m3)
    pred["entities"] = [e for e in pred["entities"] if e["id"] != "e3"]
    pred["quotes"], pred["events"] = [], []
    coref = score([gold], [pred])["entities"]["coreference"]
    # 9 aligned mentions: 7 singletons-as-in-gold score 1/1; m3 and m4 each precision 1/2, recall 1
    assert coref["precision"] == round((7 + 0.5 + 0.5) / 9, 4) == 0.8889
    assert coref["recall"] == 1.0
    assert coref["f1"] == round(2 * (8 / 9) / (8 / 9 + 1), 4)


def test_quote_and_event_perturbation():
    gold = synthetic_record()
    pred = copy.deepcopy(gold)
    t = pred["text"]
    # q1 content loses its last word: 14 of 19 non-space characters remain (Jaccard 14/19)
    pred["quotes"][0]["content"] = [span(t, "التعاون مع ليبيا")]
    # q2 attributed to مصر (e4) instead of أحمد علي (e1)
    pred["quotes"][1]["speaker"] = "e4"
    # v3 typed COERCE instead of ASSAULT; v1 loses its actor
    pred["events"][2]["category"] = "COERCE"
    pred["events"][0]["actor"] = []
    result = score([gold], [pred])
    q, v = result["quotes"], result["events"]
    assert q["match"]["f1"] == 1.0
    assert q["mean_overlap"] == round((1 + 14 / 19) / 2, 4) == 0.8684
    assert q["speaker"] == {"agree": 1, "total": 2, "rate": 0.5}
    assert q["attributed"] == {"tp": 1, "fp": 1, "fn": 1, "precision": 0.5, "recall": 0.5, "f1": 0.5}
    assert q["cue"]["rate"] == 1.0 and q["type"]["kappa"] == 1.0
    assert v["trigger"]["f1"] == 1.0
    assert v["typed"]["micro"] == {"tp": 2, "fp": 1, "fn": 1, "precision": 0.6667, "recall": 0.6667, "f1": 0.6667}
    # category kappa: po = 2/3, pe = 2/9 → κ = (4/9)/(7/9) = 4/7
    assert v["category"]["kappa"] == round(4 / 7, 4)
    assert v["arguments"]["actor"] == {"tp": 1, "fp": 0, "fn": 1, "precision": 1.0, "recall": 0.5, "f1": 0.6667}
    assert v["arguments"]["all"]["tp"] == 4 and v["arguments"]["all"]["fn"] == 1


def test_quote_below_threshold_is_not_matched():
    gold = synthetic_record()
    pred = copy.deepcopy(gold)
    pred["quotes"][0]["content"] = [span(pred["text"], "مستمر")]  # 5 of 19 characters
    q = score([gold], [pred])["quotes"]
    assert q["match"] == {"tp": 1, "fp": 1, "fn": 1, "precision": 0.5, "recall": 0.5, "f1": 0.5}


def renumbered(record, speaker_of_q2=None):
    """The same annotation with every entity id changed (e1→e19, e2→e18, …), as a second
    annotator's ids would be."""
    new = {f"e{n}": f"e{20 - n}" for n in range(1, 10)}
    pred = copy.deepcopy(record)
    for e in pred["entities"]:
        e["id"] = new[e["id"]]
    pred["entities"].reverse()
    for q in pred["quotes"]:
        q["speaker"] = new.get(q["speaker"], q["speaker"])
    if speaker_of_q2:
        pred["quotes"][1]["speaker"] = new[speaker_of_q2]
    for v in pred["events"]:
        v["actor"] = [new[x] for x in v["actor"]]
        v["recipient"] = [new[x] for x in v["recipient"]]
        v["arguments"] = [{"role": a["role"], "entity": new[a["entity"]]} for a in v["arguments"]]
    return pred


def test_speakers_and_arguments_align_across_entity_ids():
    gold = synthetic_record()
    result = score([gold], [renumbered(gold)])
    assert result["quotes"]["speaker"]["rate"] == 1.0
    assert result["events"]["arguments"]["all"]["f1"] == 1.0
    assert result["entities"]["coreference"]["f1"] == 1.0
    # a real disagreement is still caught through the renumbering
    wrong = score([gold], [renumbered(gold, speaker_of_q2="e8")])
    assert wrong["quotes"]["speaker"] == {"agree": 1, "total": 2, "rate": 0.5}


def test_speaker_without_aligned_mention_disagrees():
    gold = synthetic_record()
    pred = copy.deepcopy(gold)
    pred["entities"].append({"id": "e10", "type": "PERS", "subtype": None, "name": "x", "wikidata": None,
                             "mentions": [{"id": "m10", **span(pred["text"], "الميليشيات")}]})
    pred["quotes"][0]["speaker"] = "e10"
    assert score([gold], [pred])["quotes"]["speaker"]["rate"] == 0.5


def test_missing_article_counts_as_missed_and_extra_is_listed():
    a1, a2 = synthetic_record("synthetic-00000000000000a1"), synthetic_record("synthetic-00000000000000a2")
    extra = synthetic_record("synthetic-00000000000000b9")
    result = score([a1, a2], [copy.deepcopy(a1), extra])
    assert result["articles"] == {"scored": 2, "only_in_a": ["synthetic-00000000000000a2"],
                                  "only_in_b": ["synthetic-00000000000000b9"]}
    micro = result["entities"]["exact"]["micro"]
    assert micro == {"tp": 9, "fp": 0, "fn": 9, "precision": 1.0, "recall": 0.5, "f1": 0.6667}
    assert result["per_article"]["synthetic-00000000000000a2"]["entities_exact"]["recall"] == 0.0


def test_maximum_matching_repairs_greedy_choice():
    # g0 prefers p0 (Jaccard 0.9) but g1 can only take p0: the matching moves g0 to p1.
    golds, preds = [(0, 10), (5, 9)], [(0, 9), (9, 20)]
    pairs = match(golds, preds, lambda g, p: span_overlap(*g, *p))
    assert pairs == [(0, 1), (1, 0)]


def test_cli_formats(tmp_path, capsys):
    gold, pred = perturbed_entities()
    a, b = write(tmp_path / "gold.jsonl", [gold]), write(tmp_path / "pred.jsonl", [pred])
    assert main(["agree", a, b, "--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["format"] == "akhbar-agree/1" and result["entities"]["exact"]["micro"]["f1"] == 0.7368
    assert main(["agree", a, b, "--by-type"]) == 0
    text = capsys.readouterr().out
    assert "entity mentions, exact" in text and "0.7368" in text and "Entity mentions by type" in text
    assert main(["agree", a, b, "--format", "markdown"]) == 0
    assert "| entity mentions, exact | 0.7000 | 0.7778 | 0.7368 | 7 | 3 | 2 |" in capsys.readouterr().out
    # a folder of shards is accepted as a side
    assert main(["agree", str(tmp_path), str(tmp_path / "gold.jsonl"), "--format", "json"]) == 2  # duplicate ids
    assert "duplicate article id" in capsys.readouterr().err


def test_git_revision_input(tmp_path, capsys, monkeypatch):
    repo = tmp_path / "repo"
    (repo / "corpus" / "articles").mkdir(parents=True)
    shard = repo / "corpus" / "articles" / "s.jsonl"
    gold, pred = perturbed_entities()
    write(shard, [gold])

    def git(*args):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
                       cwd=repo, check=True, capture_output=True)

    git("init", "-q")
    git("add", ".")
    git("commit", "-q", "-m", "gold")
    write(shard, [pred])
    monkeypatch.chdir(repo)
    assert main(["agree", "HEAD:corpus/articles/s.jsonl", "corpus/articles/s.jsonl", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["entities"]["exact"]["micro"]["f1"] == 0.7368
    # a folder in a revision, and a path relative to a subfolder
    monkeypatch.chdir(repo / "corpus")
    assert main(["agree", "HEAD:articles", "HEAD:articles/s.jsonl", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["entities"]["exact"]["micro"]["f1"] == 1.0
    assert main(["agree", "nosuchrev:articles/s.jsonl", "articles/s.jsonl"]) == 2
    assert "nosuchrev:articles/s.jsonl" in capsys.readouterr().err
    assert main(["agree", "HEAD:articles/none.jsonl", "articles/s.jsonl"]) == 2
    assert "HEAD:articles/none.jsonl" in capsys.readouterr().err


@pytest.mark.parametrize("line, expected", [
    (b"{not json", "bad.jsonl:2, column 2: invalid JSON line"),
    (b'{"id": "x", "id": "y"}', "bad.jsonl:2: invalid JSON line: duplicate key"),
    (b"[1, 2]", "bad.jsonl:2: a record must be a JSON object"),
    (b'{"text": "abc"}', 'bad.jsonl:2: the record has no string "id"'),
    (b"\xff\xfe", "bad.jsonl:2: not UTF-8"),
])
def test_unreadable_input_exits_2_naming_file_and_line(tmp_path, capsys, line, expected):
    good = write(tmp_path / "good.jsonl", [synthetic_record()])
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(dumps_canonical(synthetic_record("synthetic-00000000000000b1")) + b"\n" + line + b"\n")
    assert main(["agree", good, str(bad)]) == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err


def test_malformed_record_structure_exits_2(tmp_path, capsys):
    record = synthetic_record()
    good = write(tmp_path / "good.jsonl", [record])
    broken = copy.deepcopy(record)
    broken["entities"][0]["mentions"][0]["start"] = "zero"
    broken["events"][0]["trigger"] = None
    bad = write(tmp_path / "bad.jsonl", [broken])
    assert main(["agree", good, bad]) == 2
    err = capsys.readouterr().err
    assert "bad.jsonl:1: article synthetic-00000000000000a1: entities[0].mentions[0]: start and end must be integers" in err
    beyond = copy.deepcopy(record)
    beyond["quotes"][0]["content"][0]["end"] = 10_000
    write(tmp_path / "bad.jsonl", [beyond])
    assert main(["agree", good, bad]) == 2
    assert "quotes[0].content[0]: offsets" in capsys.readouterr().err
    assert main(["agree", good, str(tmp_path / "missing.jsonl")]) == 2
    assert "missing.jsonl: no such file" in capsys.readouterr().err


def test_prediction_with_only_entities_and_no_text(tmp_path, capsys):
    gold = synthetic_record()
    pred = {"id": gold["id"], "entities": copy.deepcopy(gold["entities"])}
    result = score([gold], [pred])
    assert result["entities"]["exact"]["micro"]["f1"] == 1.0
    assert result["quotes"]["match"]["recall"] == 0.0 and result["quotes"]["match"]["precision"] is None
    assert result["warnings"] == []


def test_different_texts_warn():
    gold = synthetic_record()
    pred = copy.deepcopy(gold)
    pred["text"] = pred["text"].replace("سرت", "درن")
    pred["entities"][-1]["mentions"][0]["text"] = "درن"
    assert "texts differ" in score([gold], [pred])["warnings"][0]


spans_strategy = st.lists(st.tuples(st.integers(0, 15), st.integers(1, 6)).map(lambda t: (t[0], t[0] + t[1])), max_size=6)


@settings(max_examples=300, deadline=None)
@given(spans_strategy, spans_strategy)
def test_matching_is_one_to_one_and_maximum(golds, preds):
    pairs = match(golds, preds, lambda g, p: span_overlap(*g, *p))
    assert len({i for i, _ in pairs}) == len(pairs) == len({j for _, j in pairs})
    assert all(span_overlap(*golds[i], *preds[j]) is not None for i, j in pairs)

    def best(i: int, used: frozenset) -> int:  # brute force maximum matching
        if i == len(golds):
            return 0
        options = [best(i + 1, used)]
        options += [1 + best(i + 1, used | {j}) for j, p in enumerate(preds)
                    if j not in used and span_overlap(*golds[i], *p) is not None]
        return max(options)

    assert len(pairs) == best(0, frozenset())
