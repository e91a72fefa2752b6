"""The exported brat collection against brat's own checker, and the <OVERLAP> declarations of
the exported annotation.conf against the record contract.

brat's checker runs only where AKHBAR_BRAT_DIR names a brat checkout (CI has no GitHub access;
docs/interchange.md gives the command and the last result); the declarations are checked here
always."""

from __future__ import annotations

import os
import subprocess
import sys
from itertools import product
from pathlib import Path

import pytest

from akhbar import labels
from akhbar.cli import main
from akhbar.interchange.brat import FREE_SPANS, annotation_conf
from akhbar.validate import validate_paths
from synthetic import synthetic_record, write_corpus

CHECK = Path(__file__).parent / "brat_check.py"
KINDS = {"contain", "equal", "cross"}


def declared_overlaps(conf: str) -> dict[tuple[str, str], set[str]]:
    """The overlap kinds brat allows per (type, type) pair, read from the <OVERLAP> lines the way
    brat's projectconfig reads them (<ANY> as an argument is any type, as a kind every kind;
    a pair is allowed a kind declared in either direction)."""
    types = labels.entity_types() + list(FREE_SPANS)
    allowed: dict[tuple[str, str], set[str]] = {pair: set() for pair in product(types, types)}
    for line in conf.splitlines():
        if not line.startswith("<OVERLAP>"):
            continue
        args = dict(part.strip().split(":", 1) for part in line.split("\t", 1)[1].split(","))
        kinds = KINDS if args["<OVL-TYPE>"] == "<ANY>" else set(args["<OVL-TYPE>"].split("|"))
        assert kinds <= KINDS, line
        side = [types if args[a] == "<ANY>" else args[a].split("|") for a in ("Arg1", "Arg2")]
        for a, b in product(*side):
            allowed[a, b] |= kinds
            allowed[b, a] |= kinds
    return allowed


def test_overlap_declarations_are_the_record_contract():
    allowed = declared_overlaps(annotation_conf())
    mentions = labels.entity_types()
    for a, b in allowed:
        if a in mentions and b in mentions:
            assert allowed[a, b] == {"contain"}, (a, b)  # nest or be disjoint, never equal or cross
        else:
            assert allowed[a, b] == KINDS, (a, b)  # quotes, cues, speaker spans: unconstrained


def _overlapping(tmp_path, spans: list[tuple[str, int, int]], quote: tuple[int, int] | None = None) -> set[str]:
    """The validator's error ids for the synthetic record with extra mentions (type, start, end)
    and optionally a quote content span: what the record contract says about those overlaps."""
    record = synthetic_record()
    text = record["text"]
    for k, (kind, start, end) in enumerate(spans, start=90):
        record["entities"].append({"id": f"e{k}", "type": kind, "subtype": None, "name": text[start:end], "wikidata": None,
                                   "mentions": [{"id": f"m{k}", "start": start, "end": end, "text": text[start:end]}]})
    if quote:
        record["quotes"][0]["content"] = [{"start": quote[0], "end": quote[1], "text": text[quote[0]:quote[1]]}]
    shard = write_corpus(tmp_path / f"c{len(list(tmp_path.iterdir()))}", [record])
    return {d.check for d in validate_paths([shard], shard.parents[2]) if d.level == "error"}


def test_the_validator_agrees_with_the_declarations(tmp_path):
    """The rules the declarations encode are the validator's: a mention inside another is fine,
    crossing or equal mentions are errors, a quote may cross a mention."""
    text = synthetic_record()["text"]
    a = text.index("أحمد علي")  # PERS m1
    assert _overlapping(tmp_path, [("GPE", a, a + 4)]) == set()  # contained
    assert "mention-crossing" in _overlapping(tmp_path, [("GPE", a + 5, a + 12)])  # crosses علي / في
    assert "mention-duplicate" in _overlapping(tmp_path, [("ORG", a, a + 8)])  # the same offsets
    assert _overlapping(tmp_path, [], quote=(a + 5, a + 11)) == set()  # «علي في»: crosses أحمد علي


@pytest.fixture
def brat_dir() -> Path:
    location = os.environ.get("AKHBAR_BRAT_DIR")
    if not location:
        pytest.skip("AKHBAR_BRAT_DIR is not set (a checkout of github.com/nlplab/brat)")
    return Path(location)


def _check(brat: Path, collection: Path) -> subprocess.CompletedProcess:
    # A separate process: brat's modules (config, annotation, common…) must not meet ours.
    return subprocess.run([sys.executable, str(CHECK), str(brat), str(collection)], capture_output=True, text=True, timeout=900)


def test_brat_checker_finds_no_issue_in_the_exported_corpus(brat_dir, tmp_path):
    assert main(["export", "--format", "brat", "--out", str(tmp_path / "brat")]) == 0
    result = _check(brat_dir, tmp_path / "brat")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert " 0 issue(s) in " in result.stdout


def test_brat_checker_sees_nesting_without_the_declarations(brat_dir, tmp_path):
    """The check is real: the same export without <OVERLAP> lines is refused by brat."""
    shard = write_corpus(tmp_path / "src", [synthetic_record()])
    assert main(["export", "--format", "brat", "--out", str(tmp_path / "brat"), str(shard)]) == 0
    conf = tmp_path / "brat" / "annotation.conf"
    conf.write_text("".join(line for line in conf.read_text(encoding="utf-8").splitlines(True) if not line.startswith("<OVERLAP>")),
                    encoding="utf-8")
    result = _check(brat_dir, tmp_path / "brat")
    assert result.returncode == 1 and "ORG cannot contain NORP" in result.stdout, result.stdout[-3000:] + result.stderr[-3000:]
