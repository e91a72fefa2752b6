"""The validator's speed does not change what it says: a record's diagnostics do not depend
on how its line is written (canonical or not), --jobs N gives the same output as --jobs 1,
and --changed-since re-checks only changed records, with or without --jobs. Behaviour only;
timings belong to benchmarks/."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from akhbar import validate as V
from akhbar.diagnostics import CHECKS
from akhbar.provenance import ProvenanceCache, check_provenance
from akhbar.records import dumps_canonical
from akhbar.validate import Baseline, Summary, validate_paths
from synthetic import synthetic_record, write_corpus

CASES = Path(__file__).parent / "cases"
REPO = Path(__file__).resolve().parents[1]


def _diagnostics(paths, **kwargs):
    summary = Summary()
    found = [d.as_json() for d in validate_paths(paths, summary=summary, **kwargs)]
    return found, summary


def _mutations() -> list[dict]:
    """Records that each trip one check (or none), all valid JSON."""
    base = synthetic_record()
    text = base["text"]
    out = []

    def variant(article_id, change):
        r = copy.deepcopy(base)
        r["id"] = article_id
        change(r)
        out.append(r)

    variant("synthetic-0000000000000000", lambda r: None)
    variant("synthetic-0000000000000001", lambda r: r["entities"][0].update(name="أحمد\u200fعلي"))
    variant("synthetic-0000000000000002", lambda r: r["entities"][0].update(name="أحمد\u202bعلي"))
    variant("synthetic-0000000000000003", lambda r: r["entities"][0].update(name="أحمد\tعلي"))
    variant("synthetic-0000000000000004", lambda r: r["entities"][0].update(name="أحمد\nعلي"))
    variant("synthetic-0000000000000005", lambda r: r["entities"][0].update(name="e\u0301"))
    variant("synthetic-0000000000000006", lambda r: r["source"].update(author="x\x85y"))
    variant("synthetic-0000000000000007", lambda r: r["source"].update(author="back\\nslash"))
    variant("synthetic-0000000000000008", lambda r: r["entities"][0]["mentions"][0].update(start=1, text=text[1:r["entities"][0]["mentions"][0]["end"]]))
    variant("synthetic-0000000000000009", lambda r: r["quotes"][0].update(speaker="e99"))
    variant("synthetic-000000000000000a", lambda r: r["quotes"][1].update(parent="q2"))
    variant("synthetic-000000000000000b", lambda r: r["events"][0].update(recipient=[]))
    variant("synthetic-000000000000000c", lambda r: r["events"][1].update(mode="aerial"))
    variant("synthetic-000000000000000d", lambda r: r["blocks"][1].update(start=r["blocks"][0]["start"]))
    variant("synthetic-000000000000000e", lambda r: r["entities"][1]["mentions"].append(dict(r["entities"][0]["mentions"][0], id="m99")))
    variant("synthetic-000000000000000f", lambda r: r["source"].update(raw_sha256="0" * 64))
    variant("synthetic-0000000000000010", lambda r: r["quotes"][0]["cue"].update(lemma="غنى"))
    variant("synthetic-0000000000000011", lambda r: r.update(title="«عنوان» “x”"))
    variant("synthetic-0000000000000012", lambda r: r["entities"][0]["mentions"][0].update(start=float(r["entities"][0]["mentions"][0]["start"])))
    variant("synthetic-0000000000000013", lambda r: r["blocks"][0].update(end=float(r["blocks"][0]["end"])))
    variant("synthetic-0000000000000014", lambda r: r["entities"][0]["mentions"][0].update(end=2**70))
    variant("synthetic-0000000000000015", lambda r: r["quotes"][0].update(speaker="m1"))
    return out


def _write_lines(root: Path, records: list[dict], dumps) -> Path:
    shard = write_corpus(root, records)  # the raw files
    shard.write_bytes(b"".join(dumps(r) + b"\n" for r in records))
    return shard


@pytest.mark.parametrize("dumps", [
    lambda r: json.dumps(r, ensure_ascii=False).encode(),  # a contributor's script
    lambda r: json.dumps(r, ensure_ascii=False, sort_keys=True, indent=None, separators=(", ", ": ")).encode(),
    lambda r: json.dumps(r, sort_keys=True).encode(),  # every non-ASCII character escaped
], ids=["ensure_ascii_false", "sorted_keys", "ascii_escapes"])
def test_diagnostics_do_not_depend_on_the_serialization(tmp_path, dumps):
    """The same records written canonically and in another form get the same diagnostics,
    except record-not-canonical, which every line in the other form gets."""
    records = _mutations()
    canonical, _ = _diagnostics([_write_lines(tmp_path / "a", records, dumps_canonical)])
    other, _ = _diagnostics([_write_lines(tmp_path / "b", records, dumps)])
    for d in canonical + other:
        del d["file"]
    # (A line that holds an integer beyond 64 bits is never canonical: orjson cannot write it.)
    assert [d for d in other if d["check"] != "record-not-canonical"] == [d for d in canonical if d["check"] != "record-not-canonical"]
    assert [d["line"] for d in other if d["check"] == "record-not-canonical"] == list(range(1, len(records) + 1))
    assert {d["check"] for d in canonical} >= {
        "text-bidi-mark", "text-bidi-control", "text-control-char", "text-not-nfc", "span-splits-word",
        "ref-missing", "ref-wrong-kind", "event-recipient-missing", "event-mode-category", "block-invalid",
        "mention-duplicate", "raw-sha256-mismatch", "cue-lemma-unknown", "span-offset-not-integer", "span-out-of-range",
    }


RECORD_CLASSES = {"SCHEMA", "LABEL", "UNICODE", "SPAN", "STRUCTURE", "PROVENANCE"}


def test_case_files_in_another_serialization(tmp_path):
    """Every failing case of a record-level check keeps its diagnostics when its records are
    written by json.dumps(..., ensure_ascii=False)."""
    shutil.copytree(CASES / "corpus" / "raw", tmp_path / "corpus" / "raw")
    (tmp_path / "corpus" / "articles").mkdir()
    compared = 0
    for path in sorted((CASES / "corpus" / "invalid").glob("*.jsonl")):
        if CHECKS[path.stem].cls not in RECORD_CLASSES or path.stem == "id-duplicate-article":
            continue
        rewritten = tmp_path / "corpus" / "articles" / path.name
        rewritten.write_bytes(b"".join(json.dumps(json.loads(line), ensure_ascii=False).encode() + b"\n"
                                       for line in path.read_bytes().splitlines()))
        expected, _ = _diagnostics([path])
        found, _ = _diagnostics([rewritten])
        keep = ("check", "line", "article", "annotation", "start", "end", "message")
        assert [{k: d[k] for k in keep} for d in found if d["check"] != "record-not-canonical"] == \
            [{k: d[k] for k in keep} for d in expected], path.name
        compared += 1
    assert compared >= 30


def _big_corpus(root: Path) -> list[Path]:
    """Two shards with problems spread over many byte ranges: duplicates inside a shard and
    across shards, an unsorted record, broken lines, a missing final newline."""
    a = [synthetic_record(f"synthetic-{i:016x}") for i in range(60)]
    a[30]["entities"][0]["mentions"][0]["text"] = "خطأ"
    b = [synthetic_record(f"synthetic-{i + 1000:016x}") for i in range(40)]
    b[5]["id"] = a[7]["id"]  # duplicate across files
    b[20]["id"] = b[19]["id"]  # duplicate inside the file
    b[30], b[31] = b[31], b[30]  # unsorted
    first = write_corpus(root, a, "a.jsonl")
    second = write_corpus(root, b, "b.jsonl")
    lines = second.read_bytes().split(b"\n")
    lines[10] = b'{"id": "broken'
    lines[12] = b""
    second.write_bytes(b"\n".join(lines).rstrip(b"\n"))  # no final newline
    (root / "corpus" / "articles" / "c.jsonl").write_bytes(
        b"\xef\xbb\xbf" + dumps_canonical(synthetic_record("synthetic-ffff000000000000")) + b"\n")
    return [first, second, root / "corpus" / "articles" / "c.jsonl"]


@pytest.mark.parametrize("jobs", [2, 3])
def test_jobs_output_identical_to_one_process(tmp_path, monkeypatch, jobs):
    paths = _big_corpus(tmp_path)
    one, s1 = _diagnostics(paths, jobs=1)
    # Tiny ranges so that the test files are split among workers at many places.
    monkeypatch.setattr(V, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(V, "RANGE_BYTES", 3000)
    many, s2 = _diagnostics(paths, jobs=jobs)
    assert many == one
    assert (s2.files, s2.records, s2.errors, s2.warnings, s2.by_check) == (s1.files, s1.records, s1.errors, s1.warnings, s1.by_check)
    checks_found = {d["check"] for d in one}
    assert {"id-duplicate-article", "records-not-sorted", "json-invalid", "file-blank-line",
            "file-no-final-newline", "span-text-mismatch", "file-bom"} <= checks_found


def test_ranges_cover_the_file():
    for size in (0, 1, 100, 10**7, 10**9 + 7):
        for jobs in (1, 2, 8):
            ranges = V._ranges(size, jobs)
            assert ranges[0][0] == 0 and ranges[-1][1] is None
            assert all(a[1] == b[0] for a, b in zip(ranges, ranges[1:], strict=False))


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


@pytest.mark.parametrize("jobs", [1, 2])
def test_changed_since_checks_only_changed_records(tmp_path, monkeypatch, jobs):
    monkeypatch.setattr(V, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(V, "RANGE_BYTES", 3000)  # with --jobs 2, several ranges per file
    repo = tmp_path
    records = [synthetic_record(f"synthetic-{i:016x}") for i in range(5)]
    records[1]["entities"][0]["mentions"][0]["text"] = "قديم"  # an old error, left alone
    shard = write_corpus(repo, records)
    _git(repo, "init", "-q")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "add", ".")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "base")

    changed = copy.deepcopy(records)
    changed[3]["entities"][0]["mentions"][0]["text"] = "جديد"  # a new error
    changed.append(synthetic_record(f"synthetic-{2:016x}"))  # a new record re-using an old id
    changed.sort(key=lambda r: r["id"])
    write_corpus(repo, changed)

    baseline = Baseline.open("HEAD", repo)
    summary = Summary()
    found = list(validate_paths([shard], repo, summary, jobs=jobs, baseline=baseline))
    by_check = sorted((d.check, d.article) for d in found)
    assert ("span-text-mismatch", f"synthetic-{3:016x}") in by_check
    assert ("id-duplicate-article", f"synthetic-{2:016x}") in by_check
    assert all(d.article != f"synthetic-{1:016x}" for d in found)  # unchanged: not re-checked
    # The re-used id is a byte-identical copy of an old line: unchanged, yet caught as a duplicate.
    assert summary.records == 6 and summary.unchanged == 5

    # Without the baseline the old error is reported too.
    assert any(d.article == f"synthetic-{1:016x}" for d in validate_paths([shard], repo, jobs=jobs))

    # When raw files changed since the baseline, unchanged records have their provenance checked.
    raw = repo / records[4]["source"]["raw_file"]
    raw.write_bytes(b"changed")
    found = list(validate_paths([shard], repo, jobs=jobs, baseline=Baseline.open("HEAD", repo)))
    assert ("raw-sha256-mismatch", f"synthetic-{4:016x}") in [(d.check, d.article) for d in found]
    assert all(d.article != f"synthetic-{1:016x}" for d in found)


def test_changed_since_cli_errors_are_messages(tmp_path):
    shard = write_corpus(tmp_path, [synthetic_record()])
    for args in (["--changed-since", "HEAD", str(shard)], ["--jobs", "0", str(shard)]):
        proc = subprocess.run([sys.executable, "-m", "akhbar", "validate", *args], capture_output=True, text=True, cwd=tmp_path)
        assert proc.returncode == 2
        assert "Traceback" not in proc.stderr and "error" in proc.stderr


def test_cli_jobs_and_changed_since_on_the_repository():
    for args in (["--jobs", "2"], ["--changed-since", "HEAD"], ["--jobs", "2", "--changed-since", "HEAD"]):
        proc = subprocess.run([sys.executable, "-m", "akhbar", "validate", "--quiet", *args], capture_output=True, text=True, cwd=REPO)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "PASSED" in proc.stdout


def test_provenance_cache_notices_a_rewritten_raw_file(tmp_path):
    record = synthetic_record()
    shard = write_corpus(tmp_path, [record])
    cache = ProvenanceCache()
    found = []
    check_provenance(record, tmp_path, lambda *a: found.append(a), cache)
    assert found == []
    (tmp_path / record["source"]["raw_file"]).write_bytes(b"something else, longer than before")
    check_provenance(record, tmp_path, lambda *a: found.append(a), cache)
    assert [f[0] for f in found] == ["raw-sha256-mismatch"]
    assert shard.exists()
