"""`akhbar preannotate`: proposals from the annotated corpus, and their measured quality.

All texts here are SYNTHETIC (tests/synthetic.py and the sentences below)."""

from __future__ import annotations

import copy
import json

from akhbar.cli import main
from akhbar.preannotate import build_lexicon, content_after, evaluate, normalise, preannotate
from synthetic import synthetic_record, write_corpus


def draft(text: str, article_id: str = "synthetic-00000000000000d1") -> dict:
    record = synthetic_record(article_id)
    record.update(text=text, entities=[], quotes=[], events=[])
    record["blocks"] = [{"start": 0, "end": len(text), "kind": "paragraph"}]
    record["annotation"] = {**record["annotation"], "status": "draft"}
    return record


def test_normalise_folds_spelling_variants_but_keeps_length_of_letters():
    assert normalise("أحمد") == normalise("احمد") == "احمد"
    assert normalise("دعماً") == "دعما" and normalise("القاهرة") == "القاهره"


def test_mentions_cues_and_triggers_are_proposed_with_clitics_outside():
    lexicon = build_lexicon([synthetic_record()])
    text = "وقال أحمد علي إن مصر ستقدم دعما لليبيا وللجيش الليبي في سرت."
    result = preannotate(draft(text), lexicon)
    surfaces = {(m["text"], e["type"]) for e in result["entities"] for m in e["mentions"]}
    # و before قال, ل of «لليبيا», one ل of «للجيش» (H-E1) stay outside the spans
    assert ("أحمد علي", "PERS") in surfaces and ("مصر", "GPE") in surfaces and ("سرت", "GPE") in surfaces
    assert ("ليبيا", "GPE") in surfaces and ("لجيش الليبي", "ORG") in surfaces
    for entity in result["entities"]:
        for m in entity["mentions"]:
            assert text[m["start"]:m["end"]] == m["text"]
    [quote] = result["quotes"]
    assert quote["cue"]["text"] == "قال" and quote["cue"]["lemma"] == "قال"
    assert quote["content"][0]["text"] == "مصر ستقدم دعما لليبيا وللجيش الليبي في سرت"
    [event] = result["events"]
    assert (event["trigger"]["text"], event["category"]) == ("دعما", "AID")
    assert result["annotation"]["status"] == "draft" and result["annotation"]["layers"]["events"] == "pending"


def test_longest_match_wins_and_partial_words_do_not_match():
    record = synthetic_record()
    lexicon = build_lexicon([record])
    text = "المتحدث العسكري أحمد علي والمصريون"  # «مصر» inside «المصريون» is not a match
    result = preannotate(draft(text), lexicon)
    assert [m["text"] for e in result["entities"] for m in e["mentions"]] == ["المتحدث العسكري", "أحمد علي"]


def test_no_quotes_or_events_in_headlines():
    lexicon = build_lexicon([synthetic_record()])
    record = draft("قال أحمد علي إن مصر ستقدم دعما")
    record["blocks"] = [{"start": 0, "end": len(record["text"]), "kind": "headline"}]
    result = preannotate(record, lexicon)
    assert result["quotes"] == [] and result["events"] == [] and result["entities"]


def test_content_after_a_colon_and_quotation_marks():
    text = 'وتابع: " الأمر جيد ". ثم انتهى'
    start, end = content_after(text, text.index(":"))
    assert text[start:end] == "الأمر جيد"


def test_evaluate_is_leave_one_out():
    first = synthetic_record("synthetic-00000000000000a1")
    second = synthetic_record("synthetic-00000000000000a2")
    alone = evaluate([first])
    assert alone["mentions"]["tp"] == 0 and alone["mentions"]["fn"] == 9  # nothing to learn from
    pair = evaluate([first, second])
    # the same text annotated the same way: every mention is found, typed, with no false alarm,
    # except the nested NORP «الليبي» inside the ORG «لجيش الليبي» (longest match, no nesting)
    assert pair["articles"] == 2 and pair["mentions"]["precision"] == 1.0
    assert (pair["mentions"]["tp"], pair["mentions"]["fn"]) == (16, 2)
    assert pair["cues"]["recall"] == 1.0 and pair["triggers"]["tp"] == 6


def test_drafts_are_not_learnt_from():
    record = synthetic_record()
    record["annotation"]["status"] = "draft"
    assert build_lexicon([record]).names == {}


def test_cli_writes_valid_drafts_and_tool_files(tmp_path, capsys):
    gold = synthetic_record("synthetic-00000000000000a1")
    todo = draft("وقال أحمد علي إن مصر ستقدم دعما لليبيا.", "synthetic-00000000000000d1")
    shard = write_corpus(tmp_path, [gold, copy.deepcopy(todo)])
    out = tmp_path / "drafts.jsonl"
    assert main(["preannotate", str(shard), "--out", str(out)]) == 0
    [line] = out.read_text(encoding="utf-8").splitlines()
    assert json.loads(line)["id"] == todo["id"]
    assert main(["validate", str(out), "--exclude", "raw-file-missing"]) == 0  # drafts live outside corpus/
    assert main(["preannotate", str(shard), "--format", "labelstudio", "--out", str(tmp_path / "ls")]) == 0
    assert (tmp_path / "ls" / "tasks.json").is_file()
    assert main(["preannotate", str(shard), "--evaluate"]) == 0
    assert '"articles": 1' in capsys.readouterr().out


def test_cli_errors_are_clear(tmp_path, capsys):
    shard = write_corpus(tmp_path, [synthetic_record()])
    assert main(["preannotate", str(shard)]) == 2
    assert main(["preannotate", str(shard), "--id", "nope", "--out", str(tmp_path / "x.jsonl")]) == 2
    err = capsys.readouterr().err
    assert "--out is required" in err and "no such article" in err
    a_file = tmp_path / "x.txt"
    a_file.write_text("", encoding="utf-8")
    commands = (["preannotate", str(shard), "--id", synthetic_record()["id"], "--format", "brat"],
                ["export", str(shard), "--format", "brat"],
                ["export", str(shard), "--format", "conll", "--id", "nope"])
    for command in commands:
        out = ["--out", str(tmp_path / "fresh")] if "nope" in command else ["--out", str(a_file)]
        assert main(command + out) == 2
    err = capsys.readouterr().err
    assert err.count(f"--out {a_file}: not a folder") == 2 and "no such article(s): nope" in err
    assert not (tmp_path / "fresh").exists()  # nothing written before the arguments are checked
