"""Property-based tests over generated valid records (tests/strategies.py): the validator
accepts them, fmt is idempotent and keeps every value, brat and Label Studio round trips are
identities, render escapes every string, and a record agrees perfectly with itself.

Hypothesis runs with a fixed seed and a small budget in CI (profile "ci"); set
HYPOTHESIS_PROFILE=long for a longer search (docs/reliability.md has the numbers).
"""

from __future__ import annotations

import copy
import json
from html.parser import HTMLParser

from hypothesis import given

from akhbar.agree import compare
from akhbar.fmt import format_file
from akhbar.interchange.brat import export_brat, read_brat
from akhbar.interchange.common import Report
from akhbar.interchange.labelstudio import read_tasks, record_to_tasks
from akhbar.interchange.merge import NewRecordOptions, merge_docs
from akhbar.records import dumps_canonical
from akhbar.render import render_html
from akhbar.sources import load_collection
from akhbar.validate import validate_paths
from strategies import valid_records
from synthetic import write_corpus


@given(valid_records())
def test_generated_records_validate(tmp_path_factory, record):
    shard = write_corpus(tmp_path_factory.mktemp("v"), [record])
    assert [d.as_text() for d in validate_paths([shard])] == []


@given(valid_records())
def test_fmt_is_idempotent_and_keeps_values(tmp_path_factory, record):
    shard = tmp_path_factory.mktemp("f") / "s.jsonl"
    shard.write_text(json.dumps(record, ensure_ascii=True, sort_keys=True, indent=None) + "\n", encoding="utf-8")
    format_file(shard)
    once = shard.read_bytes()
    assert json.loads(once) == record
    assert once == dumps_canonical(record) + b"\n"
    assert not format_file(shard).changed and shard.read_bytes() == once


@given(valid_records())
def test_brat_round_trip_is_identity(tmp_path_factory, record):
    tmp = tmp_path_factory.mktemp("b")
    report = Report()
    export_brat([copy.deepcopy(record)], tmp / "brat", report)
    docs = read_brat(tmp / "brat", report)
    out, _changed, _copies = merge_docs(docs, {record["id"]: (copy.deepcopy(record), tmp / "x.jsonl")}, tmp,
                                        NewRecordOptions(), report)
    assert report.errors == []
    assert out == [record]


@given(valid_records())
def test_label_studio_round_trip_is_identity(tmp_path_factory, record):
    tmp = tmp_path_factory.mktemp("l")
    path = tmp / "tasks.json"
    path.write_text(json.dumps(record_to_tasks(record, 40), ensure_ascii=False), encoding="utf-8")
    report = Report()
    docs = read_tasks(path, report, use_predictions=True)
    out, _changed, _copies = merge_docs(docs, {record["id"]: (copy.deepcopy(record), path)}, tmp,
                                        NewRecordOptions(), report)
    assert report.errors == []
    assert out == [record]


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)


@given(valid_records())
def test_render_escapes_every_string(record):
    page = render_html(record)
    parser = _Tags()
    parser.feed(page)
    # The generated words include "<script>", "a<b" and "<b>name</b>": none may become markup.
    assert "script" not in parser.tags and "b" not in parser.tags and "i" not in parser.tags
    assert "<script>" not in page


@given(valid_records())
def test_a_record_agrees_perfectly_with_itself(tmp_path_factory, record):
    tmp = tmp_path_factory.mktemp("a")
    path = tmp / "a.jsonl"
    path.write_bytes(dumps_canonical(record) + b"\n")
    result = compare(load_collection(str(path)), load_collection(str(path)))
    exact = result["entities"]["exact"]["micro"]
    assert exact["fn"] == 0 and exact["fp"] == 0
    assert result["quotes"]["match"]["fn"] == 0 and result["events"]["typed"]["micro"]["fn"] == 0
