"""akhbar fmt: canonical form, idempotence, refusal to touch what does not parse, atomicity."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from akhbar.fmt import format_file
from akhbar.records import atomic_write, dumps_canonical
from synthetic import synthetic_record


def _messy(records):
    # not canonical: sorted keys, ASCII escapes, spaces, CRLF, BOM, a blank line, reverse order
    lines = [json.dumps(r, sort_keys=True, ensure_ascii=True, indent=None) for r in reversed(records)]
    return b"\xef\xbb\xbf" + "\r\n\r\n".join(lines).encode() + b"\r\n"


def test_fmt_makes_canonical_sorted_and_is_idempotent(tmp_path):
    a, b = synthetic_record("synthetic-00000000000000a1"), synthetic_record("synthetic-00000000000000b2")
    shard = tmp_path / "s.jsonl"
    shard.write_bytes(_messy([a, b]))
    result = format_file(shard)
    assert result.changed and not result.refused
    assert shard.read_bytes() == dumps_canonical(a) + b"\n" + dumps_canonical(b) + b"\n"
    once = shard.read_bytes()
    assert not format_file(shard).changed
    assert shard.read_bytes() == once


def test_fmt_never_changes_values(tmp_path):
    a = synthetic_record()
    shard = tmp_path / "s.jsonl"
    shard.write_bytes(_messy([a]))
    format_file(shard)
    assert json.loads(shard.read_text(encoding="utf-8")) == a


def test_check_mode_writes_nothing(tmp_path):
    shard = tmp_path / "s.jsonl"
    content = _messy([synthetic_record()])
    shard.write_bytes(content)
    assert format_file(shard, check_only=True).changed
    assert shard.read_bytes() == content


@pytest.mark.parametrize("bad_line", [b"{truncated", b'{"id": "x", "id": "y"}', b'{"a": NaN}', b"\xff\xfe", b"[1]"])
def test_fmt_refuses_unparsable_files_and_leaves_them_byte_for_byte(tmp_path, bad_line):
    shard = tmp_path / "s.jsonl"
    content = dumps_canonical(synthetic_record("synthetic-00000000000000b2")) + b"\n" + bad_line + b"\n"
    shard.write_bytes(content)
    result = format_file(shard)
    assert result.refused and result.refused[0].line == 2
    assert shard.read_bytes() == content


def test_atomic_write_failure_leaves_original(tmp_path, monkeypatch):
    shard = tmp_path / "s.jsonl"
    shard.write_bytes(b"original\n")

    def chunks():
        yield b"partial"
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        atomic_write(shard, chunks())
    assert shard.read_bytes() == b"original\n"
    assert [p.name for p in tmp_path.iterdir()] == ["s.jsonl"], "no temporary file left behind"


def test_fmt_failure_at_rename_leaves_original(tmp_path, monkeypatch):
    shard = tmp_path / "s.jsonl"
    content = _messy([synthetic_record()])
    shard.write_bytes(content)

    def failing_replace(src, dst):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError):
        format_file(shard)
    assert shard.read_bytes() == content


def test_cli_fmt_check_exit_codes(tmp_path):
    shard = tmp_path / "s.jsonl"
    shard.write_bytes(_messy([synthetic_record()]))

    def run(*args):
        return subprocess.run([sys.executable, "-m", "akhbar", "fmt", *args], capture_output=True, text=True)

    assert run("--check", str(shard)).returncode == 1
    assert run(str(shard)).returncode == 0
    assert run("--check", str(shard)).returncode == 0
    shard.write_bytes(b"{broken\n")
    out = run(str(shard))
    assert out.returncode == 1 and "left untouched" in out.stderr and "Traceback" not in out.stderr
