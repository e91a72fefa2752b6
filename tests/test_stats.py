"""akhbar stats: counts per layer, label and split."""

from __future__ import annotations

import json
import subprocess
import sys

from akhbar.stats import CorpusStats, bar_chart_svg, collect, to_markdown
from synthetic import synthetic_record, write_corpus


def test_counts_per_label_and_split(tmp_path):
    shard = write_corpus(tmp_path, [synthetic_record("synthetic-00000000000000a1", "train"),
                                    synthetic_record("synthetic-00000000000000b2", "test")])
    stats = collect([shard]).as_json()
    assert stats["articles"] == {"total": 2, "by_split": {"train": 1, "validation": 0, "test": 1}}
    assert stats["mentions"]["by_type"]["GPE"] == {"total": 8, "by_split": {"train": 4, "validation": 0, "test": 4}}
    assert stats["entities"]["total"] == 18
    assert stats["quotes"]["by_speaker_kind"]["pronoun"]["total"] == 2
    assert stats["events"]["by_category"]["ASSAULT"]["total"] == 2
    assert stats["events"]["by_category"]["AGREE"]["total"] == 0, "every category is listed, zero or not"
    assert stats["words"]["total"] == 60


def test_markdown_lists_every_label_and_escapes_svg():
    stats = CorpusStats()
    stats.add_record(synthetic_record())
    md = to_markdown(stats)
    for label in ("PERS", "WEAPON", "ASSAULT", "COERCE", "direct", "anonymous"):
        assert f"| {label} |" in md
    svg = bar_chart_svg([("<script>", 3)], "a & b")
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "a &amp; b" in svg


def test_cli_stats_json_on_the_corpus():
    out = subprocess.run([sys.executable, "-m", "akhbar", "stats", "--format", "json"], capture_output=True, text=True)
    assert out.returncode == 0
    assert json.loads(out.stdout)["articles"]["total"] >= 1


def test_cli_stats_bad_input_is_a_message(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n", encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "akhbar", "stats", str(bad)], capture_output=True, text=True)
    assert out.returncode == 2 and "bad.jsonl:1" in out.stderr and "Traceback" not in out.stderr


def test_cli_stats_reports_agreement_for_the_corpus():
    out = subprocess.run([sys.executable, "-m", "akhbar", "stats", "--format", "json"], capture_output=True, text=True)
    agreement = json.loads(out.stdout)["agreement"]
    assert agreement, "the seed article is double-annotated (agreement/)"
    assert {"article", "pair", "f1"} <= set(agreement[0])
    assert all(0 <= v <= 1 for item in agreement for v in item["f1"].values() if v is not None)


def test_counts_per_source_section_licence_and_translation(tmp_path):
    from akhbar.stats import collect
    from synthetic import synthetic_record, write_corpus

    native = synthetic_record("synthetic-00000000000000a1", split="train")
    native["source"].update(collection="wikinews-ar-qcri", section="علوم")
    native["license"].update(text="CC-BY-2.5", attribution="Wikinews contributors")
    translated = synthetic_record("synthetic-00000000000000a2", split="test")
    translated["source"]["translation"] = {"from": "en", "outlet": "bbc", "document": "bbc.1"}
    single = synthetic_record("synthetic-00000000000000a3", split="test")
    shard = write_corpus(tmp_path, [native, translated, single])
    result = collect([shard]).as_json()
    assert result["sources"]["wikinews-ar-qcri"] == {"total": 1, "by_split": {"train": 1, "validation": 0, "test": 0}}
    assert result["sources"]["(single file)"]["total"] == 2
    assert result["sections"]["علوم"]["total"] == 1 and result["sections"]["(none)"]["total"] == 2
    assert result["text_licenses"]["CC-BY-2.5"]["total"] == 1 and result["text_licenses"]["CC0-1.0"]["total"] == 2
    assert result["translated"]["native"]["total"] == 2 and result["translated"]["translated"]["by_split"]["test"] == 1
