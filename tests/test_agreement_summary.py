"""The double annotations under agreement/: pairs, headline figures, the dataset card's
agreement section."""

from __future__ import annotations

import copy

from akhbar.agreement import headline, pairs, results
from akhbar.hf.card import agreement_section
from akhbar.records import dumps_canonical
from synthetic import synthetic_record, write_corpus


def _agreement_root(tmp_path):
    gold = synthetic_record()
    write_corpus(tmp_path, [gold])
    folder = tmp_path / "agreement" / gold["id"]
    folder.mkdir(parents=True)
    a = copy.deepcopy(gold)
    b = copy.deepcopy(gold)
    b["events"] = b["events"][:2]  # B missed one of three events
    c = copy.deepcopy(gold)
    for name, record in (("annotator-a", a), ("annotator-b", b), ("annotator-c", c)):
        (folder / f"{name}.jsonl").write_bytes(dumps_canonical(record) + b"\n")
    return tmp_path


def test_pairs_and_headline_figures(tmp_path):
    root = _agreement_root(tmp_path)
    found = pairs(root)
    assert [p.title.split(" ")[0] for p in found] == ["annotator-a", "annotator-c"]
    assert found[1].a == root / "corpus" / "articles"
    (ab, r_ab), (_c, r_c) = results(root)
    assert headline(r_ab)["events (trigger + category)"] == 0.8  # 2 of 3: P 1, R 2/3
    assert headline(r_ab)["entity mentions (exact)"] == 1.0
    assert set(headline(r_c).values()) == {1.0}


def test_a_third_annotation_is_scored_on_its_own_article_only(tmp_path):
    # The gold side of a third annotation is the whole corpus; the corpus's other articles
    # are not the third annotator's misses.
    root = _agreement_root(tmp_path)
    write_corpus(root, [synthetic_record(), synthetic_record("synthetic-00000000000000b2")])
    (_ab, _r_ab), (_c, r_c) = results(root)
    assert set(headline(r_c).values()) == {1.0}


def test_card_reports_agreement_or_says_there_is_none(tmp_path):
    assert "No article has been double-annotated" in agreement_section(tmp_path)
    section = agreement_section(_agreement_root(tmp_path / "r"))
    assert "| `synthetic-00000000000000a1`: annotator-a (A) vs annotator-b (B), before adjudication |" in section
    assert "0.800" in section and "upper bound" in section


def test_pooled_adds_up_the_articles(tmp_path):
    from akhbar.agreement import pooled

    root = _agreement_root(tmp_path)
    # a second article, where A and B agree completely
    other = synthetic_record("synthetic-00000000000000a2")
    folder = root / "agreement" / other["id"]
    folder.mkdir(parents=True)
    for name in ("annotator-a", "annotator-b"):
        (folder / f"{name}.jsonl").write_bytes(dumps_canonical(other) + b"\n")
    total = pooled(root)
    assert total["articles"]["scored"] == 2
    events = total["events"]["typed"]["micro"]
    assert (events["tp"], events["fp"], events["fn"]) == (5, 0, 1)  # 3 + 2 matched, 1 missed
    assert "pooled" in agreement_section(root)
    assert pooled(tmp_path / "nowhere") is None


def test_the_double_annotation_sample_is_reproducible():
    import json
    from pathlib import Path

    from akhbar.agreement import double_annotation_sample

    shard = Path(__file__).resolve().parents[1] / "corpus" / "articles" / "wikinews.jsonl"
    records = [json.loads(line) for line in shard.read_text(encoding="utf-8").splitlines()]
    sample = double_annotation_sample(records, ("wikinews-ar-qcri", "wikinews-ar-mewsli"))
    assert len(sample) == 15
    # two per QCRI section (7 sections) and the one Mewsli-X article
    sections = [next(r["source"]["section"] or r["source"]["collection"] for r in records if r["id"] == i) for i in sample]
    assert sorted(set(sections)) == sorted({r["source"]["section"] or r["source"]["collection"] for r in records})
    # every sampled article is double-annotated under agreement/
    for article_id in sample:
        assert (shard.parents[2] / "agreement" / article_id / "annotator-b.jsonl").is_file()


def test_the_ntrex_sample_is_one_document_from_each_of_the_six_largest_outlets():
    import json
    from collections import Counter
    from pathlib import Path

    from akhbar.agreement import double_annotation_sample

    shard = Path(__file__).resolve().parents[1] / "corpus" / "articles" / "ntrex.jsonl"
    records = [json.loads(line) for line in shard.read_text(encoding="utf-8").splitlines()]
    sample = double_annotation_sample(records, ("ntrex-128-arb",))
    outlets = Counter(r["source"]["translation"]["outlet"] for r in records)
    largest = {o for o, _ in sorted(outlets.items(), key=lambda kv: (-kv[1], kv[0]))[:6]}
    chosen = [next(r for r in records if r["id"] == i)["source"]["translation"]["outlet"] for i in sample]
    assert sorted(chosen) == sorted(largest)
    for article_id in sample:
        assert (shard.parents[2] / "agreement" / article_id / "annotator-b.jsonl").is_file()


def test_every_gold_article_keeps_its_two_annotations_and_silver_was_replaced_by_gold():
    # A gold record is the adjudication of two independent annotations, both kept; a former
    # silver record kept under agreement/ belongs to an article that is gold now.
    import json
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    status = {}
    for shard in (root / "corpus" / "articles").glob("*.jsonl"):
        for line in shard.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            status[record["id"]] = record["annotation"]["status"]
    gold = {i for i, s in status.items() if s == "gold"}
    assert gold, "the corpus has gold articles"
    for article_id in gold:
        for name in ("annotator-a", "annotator-b"):
            assert (root / "agreement" / article_id / f"{name}.jsonl").is_file(), (article_id, name)
    for silver in (root / "agreement").glob("*/annotator-silver.jsonl"):
        assert status[silver.parent.name] == "gold", silver.parent.name
        (kept,) = [json.loads(line) for line in silver.read_text(encoding="utf-8").splitlines()]
        assert kept["id"] == silver.parent.name and kept["annotation"]["status"] == "silver"
