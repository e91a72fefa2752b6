"""baselines/: every baseline trained, tuned and scored on a tiny SYNTHETIC corpus (fast, for
CI), the transfer on tiny SYNTHETIC CoNLL files, and the tables the docs and the card show."""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

import pytest

from akhbar import baseline_results
from akhbar.hf import card
from akhbar.records import dumps_canonical
from synthetic import synthetic_record

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "baselines"))

import run as baselines_run  # noqa: E402
from common import strip_proclitics  # noqa: E402

pytest.importorskip("sklearn_crfsuite")
pytest.importorskip("seqeval")

SPLITS = {"train": 4, "validation": 1, "test": 1}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A corpus of SYNTHETIC records in all three splits, and tiny SYNTHETIC CoNLL files laid
    out as ../shared/external is (aqmar/ and newsfane-gold/)."""
    root = tmp_path_factory.mktemp("tiny")
    records = []
    for split, n in SPLITS.items():
        for k in range(n):
            records.append(synthetic_record(f"synthetic-{split[:2]}{k:014d}", split))
    shard = root / "gold.jsonl"
    shard.write_bytes(b"".join(dumps_canonical(r) + b"\n" for r in records))
    external = root / "external"
    (external / "aqmar").mkdir(parents=True)
    (external / "newsfane-gold").mkdir()
    aqmar = "قال O\nأحمد B-PER\nعلي I-PER\nفي O\nالقاهرة B-LOC\n. O\n\nزار O\nسالم B-PER\nمصر B-LOC\n. O\n"
    for split in ("train", "test"):
        (external / "aqmar" / f"{split}.txt").write_text(aqmar * 3, encoding="utf-8")
    fane = aqmar.replace("B-PER", "B-Politician").replace("I-PER", "I-Politician").replace("B-LOC", "B-Nation")
    (external / "newsfane-gold" / "NewsFANE_Gold_2014_170K.txt").write_text(fane * 3, encoding="utf-8")
    return root, str(shard), external


@pytest.fixture(scope="module")
def results(tiny):
    _, shard, external = tiny
    return baselines_run.run(shard, external, quick=True)


def test_splits_and_run_are_recorded(results):
    assert results["format"] == baseline_results.FORMAT
    assert {s: v["articles"] for s, v in results["splits"].items()} == SPLITS
    assert results["splits"]["test"]["mentions"] == 9 and results["splits"]["test"]["quotes"] == 2
    run = results["run"]
    assert run["command"] == "python baselines/run.py --quick" and run["machine"]["cpus"] >= 1
    assert run["versions"]["seqeval"] and run["versions"]["sklearn-crfsuite"]
    assert len(results["corpus"]["sha256"]) == 64 and results["corpus"]["version"] is None  # a shard outside a corpus/


def test_ner_baselines(results):
    lexicon, crf = results["ner"]["lexicon"], results["ner"]["crf"]
    # The test article's names are all in train: the lexicon finds them.
    assert lexicon["test"]["seqeval"]["f1"] > 0.5
    # On well-formed tags (a projection always is) strict IOB2 and the official scorer on the
    # token view count the same chunks.
    assert lexicon["test"]["seqeval"]["f1"] == pytest.approx(lexicon["test"]["official"]["exact"]["f1"], abs=1e-4)
    assert lexicon["test"]["official_exact_mentions"]["exact"]["f1"] > 0.5
    assert crf["setting"]["max_iterations"] == 10 and len(crf["trials"]) == 1
    assert 0.0 <= crf["test"]["seqeval"]["f1"] <= 1.0


def test_quote_and_event_baselines(results):
    quotes = results["quotes"]["rules"]["test"]
    # Both synthetic quotes: قال ... إن "…" (speaker after the cue) and وأضاف أن … (the
    # previous quote's speaker).
    assert quotes["match"]["f1"] == 1.0 and quotes["speaker_accuracy"] == 1.0 and quotes["attributed"]["f1"] == 1.0
    assert quotes["cue_lemma_accuracy"] == 1.0
    events = results["events"]["trigger_lexicon"]["test"]
    assert events["trigger"]["recall"] == 1.0 and events["category_accuracy"] == 1.0


def test_transfer(results):
    transfer = results["transfer"]
    assert [(r["train"], r["test"]) for r in transfer["results"]] == [
        ("akhbar", "akhbar"), ("akhbar", "aqmar"), ("akhbar", "newsfane"), ("aqmar", "aqmar"), ("aqmar", "akhbar"),
        ("newsfane", "akhbar")]
    assert transfer["scored_types"] == ["LOC", "ORG", "PER"]
    assert transfer["sizes"]["aqmar"]["test"]["sentences"] == 6


def test_transfer_is_skipped_without_the_external_corpora(tiny, tmp_path, capsys):
    _, shard, _ = tiny
    out = tmp_path / "results.json"
    assert baselines_run.main(["--corpus", shard, "--external", str(tmp_path / "absent"), "--out", str(out), "--quick"]) == 0
    assert "transfer experiments are skipped" in capsys.readouterr().err
    written = json.loads(out.read_text(encoding="utf-8"))
    assert "not found" in written["transfer"]["skipped"]
    assert "Transfer not run" in baseline_results.markdown(written)


def test_a_split_without_articles_is_a_clear_error(tmp_path):
    shard = tmp_path / "gold.jsonl"
    shard.write_bytes(dumps_canonical(synthetic_record("synthetic-00000000000000x1", "train")) + b"\n")
    with pytest.raises(SystemExit, match="no article in the validation, test split"):
        baselines_run.run(str(shard), None, quick=True)


def test_tables_in_the_docs_and_the_card(results, tmp_path):
    text = baseline_results.markdown(results)
    for needle in ("| train | 4 |", "CRF (sklearn-crfsuite)", "lexicon of train names", "| rules |", "trigger lexicon",
                   "| AQMAR | Akhbar |", "python baselines/run.py --quick"):
        assert needle in text, needle
    assert "No baseline results" in card.baselines_section(tmp_path)
    (tmp_path / "baselines").mkdir()
    (tmp_path / "baselines" / "results.json").write_text(json.dumps(results), encoding="utf-8")
    section = card.baselines_section(tmp_path)
    assert "#### Named entities (test)" in section and "The corpus is small" in section
    assert "- **NER, CRF**: a linear-chain CRF" in section
    # tmp_path holds no corpus, so the figures are not of its corpus
    assert "computed on an earlier state of the corpus" in section
    bad = copy.deepcopy(results)
    bad["format"] = "something-else"
    (tmp_path / "baselines" / "results.json").write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(ValueError, match="not an akhbar-baselines/1 results file"):
        baseline_results.load(tmp_path)


def test_the_recorded_results_are_a_full_run():
    recorded = baseline_results.load(REPO)
    assert recorded is not None and recorded["quick"] is False
    assert recorded["run"]["command"] == "python baselines/run.py"
    assert {s: v["articles"] for s, v in recorded["splits"].items()}.keys() == set(SPLITS)


@pytest.mark.parametrize(("token", "stem"), [("وبالقاهرة", "القاهرة"), ("للجيش", "الجيش"), ("بل", "بل"), ("مصر", "مصر")])
def test_strip_proclitics(token, stem):
    assert strip_proclitics(token) == stem


def test_the_docs_page_shows_the_recorded_results():
    from akhbar.docgen import expand_placeholders

    page = expand_placeholders((REPO / "docs" / "baselines.md").read_text(encoding="utf-8"))
    assert baseline_results.markdown(baseline_results.load(REPO)) in page


def test_bootstrap_interval():
    def result(counts):
        return {"per_article": {f"a{k}": {"x": {"tp": t, "fp": p, "fn": n}} for k, (t, p, n) in enumerate(counts)}}

    assert baselines_run.bootstrap_f1(result([(2, 1, 1)] * 5), "x") == [0.6667, 0.6667]
    low, high = baselines_run.bootstrap_f1(result([(9, 1, 0), (0, 5, 5), (4, 1, 1), (1, 0, 3)]), "x")
    assert low < 14 * 2 / (14 * 2 + 7 + 9) < high
    assert baselines_run.bootstrap_f1(result([(1, 0, 0), (0, 1, 1)]), "x") == baselines_run.bootstrap_f1(
        result([(1, 0, 0), (0, 1, 1)]), "x")  # seeded


def test_test_figures_carry_intervals(results):
    assert len(results["ner"]["crf"]["test"]["official"]["exact_f1_ci95"]) == 2
    assert results["quotes"]["rules"]["test"]["attributed_f1_ci95"] == [1.0, 1.0]  # one test article
    assert "95% CI" in baseline_results.markdown(results)
