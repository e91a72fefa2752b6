"""The validator: one failing case per check id (tests/cases/), a passing corpus, the real
corpus, and hostile input that must never produce a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
import unicodedata
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from akhbar.diagnostics import CHECKS
from akhbar.paths import default_shards
from akhbar.validate import Summary, display_path, validate_file, validate_paths

CASES = Path(__file__).parent / "cases"
EXPECTED = json.loads((CASES / "expected.json").read_text(encoding="utf-8"))
REPO = Path(__file__).resolve().parents[1]
# Checks that no file content can trigger; tested directly below.
NOT_FILE_CASES = {"file-unreadable"}


def diagnostics_of(path: Path):
    return list(validate_file(path))


def test_every_check_has_a_case():
    assert set(CHECKS) - NOT_FILE_CASES == set(EXPECTED)


@pytest.mark.parametrize("check_id", sorted(EXPECTED))
def test_invalid_case(check_id):
    path = CASES / "corpus" / "invalid" / f"{check_id}.jsonl"
    found = diagnostics_of(path)
    assert sorted((d.check, d.line) for d in found) == sorted((e["check"], e["line"]) for e in EXPECTED[check_id])
    for d in found:
        assert d.level == CHECKS[d.check].level
        assert d.file.endswith(f"{check_id}.jsonl")
        assert d.message
        if d.check.startswith(("span-", "mention-", "ref-", "quote-", "event-", "label-", "cue-", "raw-", "schema-", "text-", "block-")):
            assert d.article == "synthetic-00000000000000a1", "record-level problems name the article"


def test_span_problems_name_annotation_and_offsets():
    (d,) = diagnostics_of(CASES / "corpus" / "invalid" / "span-text-mismatch.jsonl")
    assert (d.annotation, d.start, d.end) == ("m1", 37, 45)
    assert "m1, 37-45" in d.as_text()


def test_schema_violation_names_json_path():
    (d,) = diagnostics_of(CASES / "corpus" / "invalid" / "label-unknown.jsonl")
    assert d.annotation == "$.entities[0].type"


def test_valid_corpus_passes():
    assert diagnostics_of(CASES / "corpus" / "valid" / "synthetic.jsonl") == []


def test_duplicate_ids_across_files(tmp_path):
    a = tmp_path / "corpus" / "articles" / "a.jsonl"
    a.parent.mkdir(parents=True)
    content = (CASES / "corpus" / "valid" / "synthetic.jsonl").read_bytes()
    a.write_bytes(content)
    b = a.with_name("b.jsonl")
    b.write_bytes(content)
    (tmp_path / "corpus" / "raw").symlink_to(CASES / "corpus" / "raw", target_is_directory=True)
    found = list(validate_paths([a, b]))
    assert [(d.check, d.file.endswith("b.jsonl"), d.line) for d in found if d.check == "id-duplicate-article"] == [
        ("id-duplicate-article", True, 1),
        ("id-duplicate-article", True, 2),
    ]


def test_raw_file_through_symlink_is_refused(tmp_path, record):
    from synthetic import write_corpus

    shard = write_corpus(tmp_path, [record])
    raw = tmp_path / record["source"]["raw_file"]
    outside = tmp_path / "outside.txt"
    outside.write_bytes(raw.read_bytes())
    raw.unlink()
    raw.symlink_to(outside)
    assert [d.check for d in validate_file(shard)] == ["raw-file-outside"]


def test_unreadable_file(tmp_path):
    folder = tmp_path / "shard.jsonl"
    folder.mkdir()
    (d,) = diagnostics_of(folder)
    assert d.check == "file-unreadable" and d.level == "error"


def test_summary_counts():
    summary = Summary()
    list(validate_paths([CASES / "corpus" / "invalid" / "span-splits-word.jsonl"], summary=summary))
    assert (summary.files, summary.records, summary.errors, summary.warnings) == (1, 1, 0, 1)


# ---- the real corpus -------------------------------------------------------------------------


# Warnings the guidelines accept on purpose, each documented as a hard case.
# Warnings the guidelines accept (H-V19: a recipient that is not an entity is left empty
# rather than invented): each one was checked by hand.
ACCEPTED_WARNINGS = {
    ("event-recipient-missing", "elaph-46fbcfd5b2c865c7", "v49"),  # «تسليح الميليشيات»
    ("event-recipient-missing", "wikinews-9dedf2ba968d41e5", "v2"),  # sanctions on «أي دولة»
    ("event-recipient-missing", "wikinews-9dedf2ba968d41e5", "v5"),  # «سبع دول» exempted, unnamed
    ("event-recipient-missing", "wikinews-c776fed65756de0b", "v3"),  # «نشطاء آخرين»
    ("event-recipient-missing", "ntrex-d6da2fde2511b2f5", "v1"),  # a court voids a map (not an entity)
    ("event-recipient-missing", "ntrex-ee15115d11138d5c", "v3"),  # aid to «النازحين»
    ("event-recipient-missing", "ntrex-fb6447e429714764", "v2"),  # support to «فرق الإنقاذ»
    ("event-recipient-missing", "wikinews-ff7aa20211fa8c0a", "v5"),  # «تقرر الانسحاب»: nothing named
    ("span-zero-width", "ntrex-da8405cbfc70bce1", "m9"),  # the translation's own U+200D in «ڤ‍ي»
}
# H-T2: the NTREX translations drop spaces between words; a span there edges inside a run of
# letters. Accepted in those records only.
ACCEPTED_IN_TRANSLATIONS = {"span-splits-word"}


def _accepted(d) -> bool:
    if (d.check, d.article, d.annotation) in ACCEPTED_WARNINGS:
        return True
    return d.check in ACCEPTED_IN_TRANSLATIONS and str(d.article).startswith("ntrex-")


def test_real_corpus_is_valid_and_canonical():
    shards = default_shards(REPO)
    assert shards, "the corpus has at least one shard"
    found = list(validate_paths(shards))
    unexpected = [d.as_text() for d in found if not _accepted(d)]
    assert unexpected == []
    assert all(d.level == "warning" for d in found)


def test_real_corpus_against_schema_file_independently():
    """An independent check with python-jsonschema, from the schema file alone."""
    schema = json.loads((REPO / "schema" / "article.schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    count = 0
    for shard in default_shards(REPO):
        for line in shard.read_text(encoding="utf-8").splitlines():
            errors = [e.message for e in validator.iter_errors(json.loads(line))]
            assert errors == []
            count += 1
    assert count >= 1


# ---- hostile input ---------------------------------------------------------------------------

HOSTILE_LINES = [
    b"",
    b"{",
    b'{"id": "x"',
    b"[" * 100_000 + b"]" * 100_000,
    b'{"a":' * 5000 + b"1" + b"}" * 5000,
    b"1" * 10_000,
    b'{"id": 1e999}',
    b'{"text": "\\udc00"}',
    b'{"id": "a", "text": "abc", "entities": [{"mentions": [{"start": 99999999999999999999999, "end": -1}]}]}',
    b'{"id": "a", "text": 5, "quotes": [{"parent": "q1", "id": "q1"}], "events": [{"actor": 7}]}',
    b'{"text": "x", "entities": "not a list", "blocks": [null, 3, {"start": true, "end": false}]}',
    b"\xff\xfe\x00",
    b"\x00" * 10,
    b'"just a string"',
    b"null",
    b'{"source": {"raw_file": "/etc/passwd", "raw_sha256": 5}}',
    b'{"source": {"raw_file": "corpus/raw/../../../../etc/passwd"}}',
    b'{"schema_version": "x.y", "quotes": [{"cue": {"lemma": 5}, "content": [{"start": 0.5, "end": "1"}]}]}',
    b'{"id": "a", "text": "x", "entities": [{"id": []}, {"id": {}}], "quotes": [{"id": [1], "parent": "q"}], "events": [{"category": [], "mode": {}}]}',
]


def test_hostile_lines_never_raise(tmp_path):
    shard = tmp_path / "corpus" / "hostile.jsonl"
    shard.parent.mkdir()
    shard.write_bytes(b"\n".join(HOSTILE_LINES) + b"\n")
    found = diagnostics_of(shard)
    assert found
    assert all(d.line for d in found), "every diagnostic names its line"
    errors_by_line = {d.line for d in found if d.level == "error"}
    assert errors_by_line == set(range(1, len(HOSTILE_LINES) + 1))


@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_raise(tmp_path_factory, data):
    shard = tmp_path_factory.mktemp("fuzz") / "f.jsonl"
    shard.write_bytes(data)
    for d in diagnostics_of(shard):
        assert d.check in CHECKS


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.sampled_from(["id", "text", "start", "end", "entities", "mentions", "quotes", "events", "blocks", "parent", "speaker", "source", "raw_file", "cue", "lemma"]), children, max_size=5),
    max_leaves=30,
)


@given(json_values)
def test_arbitrary_json_never_raises(tmp_path_factory, value):
    shard = tmp_path_factory.mktemp("fuzz") / "f.jsonl"
    shard.write_text(json.dumps(value) + "\n", encoding="utf-8")
    for d in diagnostics_of(shard):
        assert d.check in CHECKS


# ---- unicode ---------------------------------------------------------------------------------

NFC_ALPHABET = "aeAZ\"\\ \u0300\u0301\u0308\u0327\u0338\u0340\u0344\u0345\u036fاأإآويىءهة\u064b\u064e\u0650\u0651\u0652\u0653\u0654\u0655\u1100\u1161\u11a8가\u05b8\u05b7"


@given(st.lists(st.text(alphabet=NFC_ALPHABET, max_size=6), min_size=1, max_size=4))
def test_text_not_nfc_exactly_for_strings_not_in_nfc(names):
    """check_unicode reports text-not-nfc for each string that is not in NFC, and only
    for those, whatever ASCII and combining marks surround it in the record."""
    from akhbar.checks import check_unicode
    from synthetic import synthetic_record

    record = synthetic_record()
    for entity, name in zip(record["entities"], names, strict=False):
        entity["name"] = name
    found = []
    check_unicode(record, lambda check, message, where=None, *a: found.append((check, where)))
    expected = [f"$.entities[{i}].name" for i, name in enumerate(names[:len(record["entities"])])
                if not unicodedata.is_normalized("NFC", name)]
    assert sorted(where for check, where in found if check == "text-not-nfc") == sorted(expected)


def test_ascii_composes_only_with_combining_diacritics():
    """The Unicode facts check_unicode relies on to judge a record from the non-ASCII
    characters of its serialization: an ASCII character is never the second of a canonical
    composition, and the first only with characters of U+0300-U+036F (or ones that
    decompose to those, U+0340-U+0344)."""
    after_ascii, before_ascii = set(), set()
    for code in range(0x80, 0x110000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        nfd = unicodedata.normalize("NFD", chr(code))
        if len(nfd) > 1 and nfd[0] < "\x80":
            after_ascii.update(nfd[1:])
        if len(nfd) > 1 and nfd[-1] < "\x80":
            before_ascii.add(chr(code))
        if len(nfd) == 1 and nfd != chr(code) and "\u0300" <= nfd <= "\u036f":
            after_ascii.add(chr(code))  # a singleton that becomes a combining diacritic
    assert before_ascii == set()
    assert after_ascii and all("\u0300" <= ch <= "\u036f" for ch in after_ascii)


# ---- the command line ------------------------------------------------------------------------


def run_cli(*args, cwd=REPO):
    return subprocess.run([sys.executable, "-m", "akhbar", *args], capture_output=True, text=True, cwd=cwd)


def test_cli_exit_codes_and_no_traceback(tmp_path):
    ok = run_cli("validate")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "*** PASSED ***" in ok.stdout

    hostile = tmp_path / "corpus" / "hostile.jsonl"
    hostile.parent.mkdir()
    hostile.write_bytes(b"\n".join(HOSTILE_LINES) + b"\n")
    bad = run_cli("validate", str(hostile))
    assert bad.returncode == 1
    assert "Traceback" not in bad.stdout + bad.stderr
    assert "*** FAILED ***" in bad.stdout

    missing = run_cli("validate", str(tmp_path / "nope.jsonl"))
    assert missing.returncode == 2 and "no such file" in missing.stderr and "Traceback" not in missing.stderr

    usage = run_cli("validate", "--exclude", "no-such-check")
    assert usage.returncode == 2 and "unknown check" in usage.stderr


def test_cli_json_and_github_formats():
    case = str(CASES / "corpus" / "invalid" / "ref-missing.jsonl")
    out = run_cli("validate", "--format", "json", case)
    data = json.loads(out.stdout)
    assert out.returncode == 1
    (d,) = data["diagnostics"]
    assert (d["check"], d["level"], d["class"], d["line"], d["article"], d["annotation"]) == (
        "ref-missing", "error", "STRUCTURE", 1, "synthetic-00000000000000a1", "q1")
    assert data["summary"]["errors"] == 1 and data["summary"]["passed"] is False

    gh = run_cli("validate", "--format", "github", case)
    assert gh.stdout.startswith("::error file=") and ",line=1," in gh.stdout and "title=ref-missing::" in gh.stdout


def test_cli_exclude_turns_failure_into_pass():
    case = str(CASES / "corpus" / "invalid" / "ref-missing.jsonl")
    out = run_cli("validate", "--exclude", "ref-missing", case)
    assert out.returncode == 0 and "0 error(s)" in out.stdout


def test_docs_list_every_check_with_its_level():
    from akhbar.docgen import expand_placeholders

    doc = expand_placeholders((REPO / "docs" / "validation.md").read_text(encoding="utf-8"))
    for check_id, check in CHECKS.items():
        assert f"| `{check_id}` | {check.level} | {check.cls} |" in doc, check_id


def test_network_is_blocked_during_tests():
    import socket

    with pytest.raises(OSError, match="network access during tests"):
        socket.create_connection(("192.0.2.1", 80), timeout=0.1)


@pytest.mark.parametrize("hashing", ["python", "modulo 3", "all equal"])
def test_duplicate_ids_come_last_in_id_order_and_point_at_the_first(tmp_path, monkeypatch, hashing):
    """Every occurrence of an article id after its first (in file, then line order) is an
    error pointing at the first, reported after all other diagnostics, by id. The ids are
    kept as 64-bit hashes: the answer is the same when hashes of different ids meet (forced
    here, with runs of 7 ids merged at the end)."""
    import akhbar.validate
    from synthetic import synthetic_record, write_corpus

    if hashing != "python":
        monkeypatch.setattr(akhbar.validate, "_id_hash", (lambda _: 7) if hashing == "all equal" else (lambda i: hash(i) % 3))
        monkeypatch.setattr(akhbar.validate._ArticleIds, "RUN", 7)

    ids = [f"synthetic-{n:016x}" for n in range(1, 101)]
    a = write_corpus(tmp_path, [synthetic_record(i) for i in ids] + [synthetic_record(ids[41])], "a.jsonl")
    b = write_corpus(tmp_path, [synthetic_record(ids[n - 1]) for n in (5, 5, 99)] + [synthetic_record(f"synthetic-{300:016x}")], "b.jsonl")
    found = [(d.check, Path(d.file).name, d.line, d.article, d.message) for d in validate_paths([a, b])]
    duplicates = [f for f in found if f[0] == "id-duplicate-article"]
    assert found[-len(duplicates):] == duplicates
    at = display_path(a)
    assert [d[1:] for d in duplicates] == [
        ("b.jsonl", 1, ids[4], f"article id also used at {at}:5"),
        ("b.jsonl", 2, ids[4], f"article id also used at {at}:5"),
        ("a.jsonl", 101, ids[41], f"article id also used at {at}:42"),
        ("b.jsonl", 3, ids[98], f"article id also used at {at}:99"),
    ]


def test_duplicate_id_after_a_byte_order_mark_and_cr_lf(tmp_path):
    """The lines of a duplicate are read again at the end: a first line behind a byte-order
    mark and lines ending in CR LF give the same ids as when they were validated."""
    from synthetic import synthetic_record, write_corpus

    shard = write_corpus(tmp_path, [synthetic_record(f"synthetic-{n:016x}") for n in (1, 2)])
    lines = shard.read_bytes().splitlines()
    shard.write_bytes(b"\xef\xbb\xbf" + lines[0] + b"\r\n" + lines[1] + b"\r\n" + lines[0] + b"\r\n")
    found = [(d.check, d.line, d.article, d.message) for d in validate_paths([shard]) if d.check == "id-duplicate-article"]
    assert found == [("id-duplicate-article", 3, f"synthetic-{1:016x}", f"article id also used at {display_path(shard)}:1")]
