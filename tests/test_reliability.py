"""The bad-input catalogue of docs/reliability.md, long lines, mid-write failures, and
generated files free of this machine's paths."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from akhbar.diagnostics import CHECKS
from akhbar.validate import validate_file
from synthetic import synthetic_record, write_corpus

REPO = Path(__file__).resolve().parents[1]
CASES = REPO / "tests" / "cases"
CATALOGUE = json.loads((CASES / "catalogue.json").read_text(encoding="utf-8"))
ROW = re.compile(r"^\| (?P<cls>[^|]+) \| (?P<example>.*) \| `(?P<check>[a-z0-9-]+)` \| `(?P<fixture>[a-z0-9/-]+\.jsonl)` \|$", re.M)


def doc_rows() -> list[dict]:
    return [m.groupdict() for m in ROW.finditer((REPO / "docs" / "reliability.md").read_text(encoding="utf-8"))]


def test_the_docs_catalogue_is_complete():
    rows = doc_rows()
    assert len(rows) >= 30
    listed = {r["check"] for r in rows}
    for check_id in ("json-invalid", "file-not-utf8", "json-duplicate-key", "json-too-deep", "text-bidi-control",
                     "span-zero-width", "ref-missing", "quote-parent-cycle", "raw-file-outside", "schema-violation"):
        assert check_id in listed, check_id


@pytest.mark.parametrize("row", doc_rows(), ids=lambda r: r["fixture"])
def test_each_catalogue_entry_yields_its_error_with_location(row):
    assert row["check"] in CHECKS
    found = list(validate_file(CASES / "corpus" / row["fixture"]))
    matching = [d for d in found if d.check == row["check"]]
    assert matching, f"{row['fixture']}: expected {row['check']}, got {[d.check for d in found]}"
    for d in matching:
        assert d.line and d.file.endswith(row["fixture"].split("/")[-1])


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_catalogue_fixture_diagnostics(name):
    found = list(validate_file(CASES / "corpus" / "catalogue" / f"{name}.jsonl"))
    assert sorted((d.check, d.line) for d in found) == sorted((e["check"], e["line"]) for e in CATALOGUE[name])


def test_extremely_long_lines(tmp_path):
    record = synthetic_record()
    record["text"] += " " + "سرت " * 2_000_000  # an 8 MB line
    shard = write_corpus(tmp_path, [record])
    found = list(validate_file(shard))
    assert [d.check for d in found] == ["raw-sha256-mismatch"]  # the raw file holds the short text
    garbage = tmp_path / "corpus" / "garbage.jsonl"
    garbage.write_bytes(b'{"text": "' + b"x" * 20_000_000 + b"\n")
    (d,) = validate_file(garbage)
    assert d.check == "json-invalid" and d.line == 1


def test_ingest_failure_half_way_leaves_the_shard_intact(tmp_path, monkeypatch):
    from akhbar import ingest as ingest_module
    from akhbar.records import atomic_write

    raw = tmp_path / "in" / "0001_aaaaaaaaaaaaaaaa.txt"
    raw.parent.mkdir()
    raw.write_text("فقرة أولى.", encoding="utf-8")
    options = ingest_module.IngestOptions(publisher="Test")
    _record, shard = ingest_module.ingest(raw, tmp_path, options)
    before = shard.read_bytes()

    def full_disk(path, chunks):
        def failing():
            yield next(iter(chunks))
            raise OSError(28, "No space left on device")
        atomic_write(path, failing())

    monkeypatch.setattr("akhbar.records.atomic_write", full_disk)
    second = tmp_path / "in" / "0002_bbbbbbbbbbbbbbbb.txt"
    second.write_text("فقرة ثانية.", encoding="utf-8")
    with pytest.raises(OSError):
        ingest_module.ingest(second, tmp_path, options)
    assert shard.read_bytes() == before
    assert not [p for p in shard.parent.iterdir() if p.name.endswith(".tmp")]


def test_build_failure_half_way_keeps_the_previous_build(tmp_path, monkeypatch):
    from akhbar.hf import card
    from akhbar.hf.build import build

    write_corpus(tmp_path, [synthetic_record()])
    out = tmp_path / "build" / "hf"
    assert build(out, root=tmp_path) is not None
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def explode(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(card, "write_card", explode)
    with pytest.raises(OSError):
        build(out, root=tmp_path)
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert [p.name for p in out.parent.iterdir()] == ["hf"], "no temporary folder left behind"


def test_generated_files_hold_no_absolute_paths(tmp_path):
    from akhbar.hf.build import build

    write_corpus(tmp_path, [synthetic_record()])
    out = tmp_path / "build" / "hf"
    build(out, root=tmp_path)
    for path in out.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert str(tmp_path).encode() not in data and str(REPO).encode() not in data, path


def test_import_failure_half_way_leaves_the_shard_intact(tmp_path, monkeypatch, capsys):
    from akhbar.cli import main
    from akhbar.interchange.brat import export_brat
    from akhbar.interchange.common import Report

    shard = write_corpus(tmp_path, [synthetic_record()])
    before = shard.read_bytes()
    export_brat([synthetic_record("synthetic-00000000000000b2")], tmp_path / "brat", Report())

    def failing_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    code = main(["import", "--format", "brat", str(tmp_path / "brat"), "--out", str(shard),
                 "--root", str(tmp_path), "--publisher", "Synthetic"])
    assert code != 0
    assert "No space left on device" in capsys.readouterr().err
    assert shard.read_bytes() == before
    assert not [p for p in shard.parent.iterdir() if p.name.endswith(".tmp")]
