"""`akhbar diff`: annotation-level diff between revisions, files and folders."""

from __future__ import annotations

import copy
import json
import subprocess

import pytest

from akhbar.cli import main
from akhbar.diff import context, diff_records, diff_sides
from synthetic import synthetic_record, write_corpus

GIT = ["git", "-c", "user.name=Test", "-c", "user.email=test@example.org", "-c", "commit.gpgsign=false"]


def git(repo, *args):
    subprocess.run([*GIT, "-C", str(repo), *args], check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path):
    """A temporary git repository with two revisions of a synthetic corpus: v1, then v2 with a
    relabelled mention, a new mention, a changed quote speaker, a removed event, a new article
    and a removed article."""
    a, b = synthetic_record(), synthetic_record("synthetic-00000000000000b1")
    root = tmp_path / "repo"
    write_corpus(root, [a, b])
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-qm", "v1")
    a2 = copy.deepcopy(a)
    a2["entities"][1]["type"] = "LOC"  # القاهرة GPE -> LOC
    start = a2["text"].index("الميليشيات")
    a2["entities"].append({"id": "e10", "type": "ORG", "subtype": None, "name": "الميليشيات", "wikidata": None,
                           "mentions": [{"id": "m10", "start": start, "end": start + 10, "text": "الميليشيات"}]})
    a2["quotes"][1]["speaker"] = "e8"
    del a2["events"][1]
    c = synthetic_record("synthetic-00000000000000c1")
    write_corpus(root, [a2, c])
    git(root, "add", "-A")
    git(root, "commit", "-qm", "v2")
    return root


def test_markdown_between_two_revisions(repo, capsys):
    assert main(["diff", "HEAD~1", "HEAD", "--repo", str(repo)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("## Akhbar annotation diff")
    assert "**Articles:** 1 added, 1 removed, 1 changed." in out
    assert "### ➕ `synthetic-00000000000000c1` (added, train)" in out
    assert "### ➖ `synthetic-00000000000000b1` (removed, train)" in out
    assert "| ✏️ | mention | LOC m2 | type GPE → LOC | <span dir=\"rtl\">…ل المتحدث العسكري أحمد علي في «القاهرة» إن" in out
    assert "| ➕ | mention | ORG m10 |" in out and "سالم يوسف «الميليشيات» ب" in out
    assert "| ✏️ | quote | indirect q2 | speaker e1 PERS «أحمد علي» → e8 PERS «سالم يوسف» |" in out
    assert "| ➖ | event | ACCUSE v2 | actor e8 PERS «سالم يوسف» |" in out
    assert "mentions +1 −0 ~1" in out and "events +0 −1 ~0" in out


def test_json_between_revisions(repo, capsys):
    assert main(["diff", "HEAD~1", "HEAD", "--repo", str(repo), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["summary"] == {"articles_added": 1, "articles_removed": 1, "articles_changed": 1, "mentions_changed": 1,
                               "mentions_added": 1, "entities_changed": 1, "entities_added": 1, "quotes_changed": 1,
                               "events_removed": 1, "errors": 0}
    changed = next(a for a in data["articles"] if a["status"] == "changed")
    assert changed["where"] == "HEAD:corpus/articles/synthetic.jsonl:1"


def test_split_change_is_an_error(tmp_path, capsys):
    old, new = synthetic_record(), synthetic_record(split="test")
    write_corpus(tmp_path / "old", [old], raw=False)
    write_corpus(tmp_path / "new", [new], raw=False)
    assert main(["diff", str(tmp_path / "old"), str(tmp_path / "new" / "corpus")]) == 1
    captured = capsys.readouterr()
    assert "> [!CAUTION]" in captured.out and "split train → test" in captured.out
    assert "synthetic.jsonl:1 [synthetic-00000000000000a1]: [ERROR split-changed]" in captured.err


def test_identical_sides_have_no_changes(tmp_path, capsys):
    shard = write_corpus(tmp_path, [synthetic_record()], raw=False)
    assert main(["diff", str(shard), str(shard)]) == 0
    assert "No annotation changes." in capsys.readouterr().out


def test_renumbered_ids_are_not_changes():
    """Tools renumber ids: matching is by position, so a renumbering alone is no change."""
    old = synthetic_record()
    new = copy.deepcopy(old)
    new["entities"].reverse()
    ids = {e["id"]: f"e{i}" for i, e in enumerate(new["entities"], start=1)}
    for e in new["entities"]:
        e["id"] = ids[e["id"]]
    for q in new["quotes"]:
        q["speaker"] = ids.get(q["speaker"])
    for v in new["events"]:
        v["actor"] = [ids[x] for x in v["actor"]]
        v["recipient"] = [ids[x] for x in v["recipient"]]
        for a in v["arguments"]:
            a["entity"] = ids[a["entity"]]
    assert diff_records(old, new) == []
    new["events"][0]["actor"] = [ids["e1"]]
    [change] = diff_records(old, new)
    assert change.layer == "event" and "actor" in change.detail


def test_coreference_change_and_boundaries():
    old = synthetic_record()
    new = copy.deepcopy(old)
    moved = new["entities"][7]["mentions"].pop()  # سالم يوسف leaves e8 and joins e1
    new["entities"][0]["mentions"].append(moved)
    del new["entities"][7]
    new["events"][1]["actor"] = ["e1"]
    new["events"][0]["trigger"] = {"start": old["events"][0]["trigger"]["start"], "end": old["events"][0]["trigger"]["end"] - 1,
                                   "text": old["events"][0]["trigger"]["text"][:-1]}
    changes = diff_records(old, new)
    kinds = {(c.layer, c.change) for c in changes}
    assert ("entity", "removed") in kinds
    mention = next(c for c in changes if c.layer == "mention")
    assert "coreference" in mention.detail
    event = next(c for c in changes if c.layer == "event" and c.what == "AID v1")
    assert "trigger «دعماً» → «دعما»" in event.detail


def test_context_marks_the_span_and_flattens_newlines():
    text = "سطر أول\nقال أحمد علي"
    assert context(text, 12, 20, width=6) == "…ل ⏎ قال «أحمد علي»"


def test_unknown_revision_is_a_usage_error(repo, capsys):
    assert main(["diff", "nope", "HEAD", "--repo", str(repo)]) == 2
    assert "nope: neither a file or folder nor a git revision" in capsys.readouterr().err


def test_unparsable_line_names_file_and_line(tmp_path, capsys):
    """Sides are read as `akhbar agree` reads them: the message names file, line and column."""
    shard = write_corpus(tmp_path, [synthetic_record()], raw=False)
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(shard.read_bytes() + b"{oops\n")
    assert main(["diff", str(shard), str(bad)]) == 2
    assert "bad.jsonl:2, column 2: invalid JSON line" in capsys.readouterr().err


def test_duplicate_article_in_a_side_is_a_usage_error(tmp_path, capsys):
    shard = write_corpus(tmp_path, [synthetic_record()], raw=False)
    twice = tmp_path / "twice.jsonl"
    twice.write_bytes(shard.read_bytes() * 2)
    assert main(["diff", str(shard), str(twice)]) == 2
    assert "twice.jsonl:2: duplicate article id 'synthetic-00000000000000a1' (first at " in capsys.readouterr().err


def test_rev_path_side(repo, capsys):
    """A side may be one shard (or folder) as it stood in a revision, as for agree and render."""
    shard = "corpus/articles/synthetic.jsonl"
    assert main(["diff", f"HEAD~1:{shard}", f"git:HEAD:{shard}", "--repo", str(repo), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["summary"]["articles_changed"] == 1 and data["summary"]["articles_added"] == 1
    assert main(["diff", "HEAD:corpus/nothing.jsonl", "HEAD", "--repo", str(repo)]) == 2
    assert "HEAD:corpus/nothing.jsonl: no such file, or no *.jsonl shards, in revision HEAD" in capsys.readouterr().err


def test_mentions_sharing_offsets_are_compared_one_to_one():
    """Two mentions on the same span (in two entities) are two mentions: removing one is one change."""
    old = synthetic_record()
    first = old["entities"][0]["mentions"][0]
    old["entities"].append({"id": "e10", "type": "OCC", "subtype": None, "name": "x", "wikidata": None,
                            "mentions": [{**first, "id": "m10"}]})
    new = copy.deepcopy(old)
    del new["entities"][-1]
    changes = [(c.layer, c.change, c.what) for c in diff_records(old, new)]
    assert changes == [("entity", "removed", "e10 OCC «x»"), ("mention", "removed", "OCC m10")]


def test_overlapping_annotations_are_paired_as_changes():
    """A quote whose boundary moves is one change, not a removal and an addition."""
    old = synthetic_record()
    new = copy.deepcopy(old)
    quote = new["quotes"][0]
    quote["content"][0]["end"] -= 1
    quote["content"][0]["text"] = quote["content"][0]["text"][:-1]
    changes = [(c.layer, c.change) for c in diff_records(old, new)]
    assert changes == [("quote", "changed")]


def test_diff_sides_counts_added_article():
    r = synthetic_record()
    result = diff_sides({}, {r["id"]: (r, "x:1")}, "a", "b")
    assert result.articles[0].counts == {"mentions": 9, "entities": 9, "quotes": 2, "events": 3}
