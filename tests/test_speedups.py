"""The compiled scans (akhbar._speedups) answer exactly as their Python references
(checks._scan_clean, checks._structure_clean) on every record the fast path can see: the
fixtures, the corpus, systematic mutations and Hypothesis records. Offsets that are not
ints are the one deliberate difference: the C scan raises TypeError for all of them, and
the validator then reports what the full checks report, as with the Python scan."""

from __future__ import annotations

import copy
import gc
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from akhbar import checks
from akhbar.schema import fast_is_valid
from strategies import valid_records
from synthetic import synthetic_record

REPO = Path(__file__).resolve().parents[1]
CASES = Path(__file__).parent / "cases"
PYTHON = (checks._scan_clean, checks._structure_clean)


@pytest.fixture(scope="module")
def compiled():
    module = checks._compiled()
    # Built but refusing this module's tables would silently cost the speed: that fails.
    assert module is not None or importlib.util.find_spec("akhbar._speedups") is None, \
        "akhbar._speedups is built but its init() refused akhbar.checks' tables"
    if module is None:
        pytest.skip("akhbar._speedups is not compiled (no C compiler when akhbar was installed): "
                    "the pure-Python checks are in use; `pip install -e .` with a compiler builds it")
    return module


def _outcome(function, record):
    try:
        return function(record)
    except TypeError:
        return TypeError


def _int_offsets(record: dict) -> bool:
    return all(type(span.get("start")) is int and type(span.get("end")) is int for _, span, _ in checks.iter_spans(record))


def _effective_diagnostics(record: dict, implementation, monkeypatch) -> list:
    """What the validator reports for this canonical record with the given scans: the fast
    path's report, or the full checks' when the fast path declines."""
    raw = orjson.dumps(record)
    found: list = []
    with monkeypatch.context() as m:
        m.setattr(checks, "_implementation", lambda: implementation)
        if checks.check_record_fast(record, raw, raw.decode(), REPO, lambda *a, **k: found.append((a, k))):
            return found
    full: list = []
    checks.check_record(record, REPO, lambda *a, **k: full.append((a, k)))
    return full


def assert_same(compiled, record: dict, monkeypatch) -> bool:
    """The compiled scans agree with the Python ones on `record`; False when the record is
    outside the fast path's contract (it fails the compiled schema) and was not compared."""
    if not fast_is_valid()(record):
        return False
    assert compiled.structure_clean(record) == checks._structure_clean(record)
    python_scan = _outcome(checks._scan_clean, record)
    c_scan = _outcome(compiled.scan_clean, record)
    if _int_offsets(record):
        assert c_scan == python_scan
    else:
        # The C scan refuses the record (TypeError, or keys out of order when it finds that
        # first) and both scans lead to the full checks' diagnostics.
        assert c_scan is TypeError or not c_scan[0]
        full: list = []
        checks.check_record(record, REPO, lambda *a, **k: full.append((a, k)))
        compiled_pair = (compiled.scan_clean, compiled.structure_clean)
        assert _effective_diagnostics(record, compiled_pair, monkeypatch) == full
        assert _effective_diagnostics(record, PYTHON, monkeypatch) == full
    return True


def _clone(record: dict) -> dict:
    return orjson.loads(orjson.dumps(record))


def _spans(record: dict) -> list[tuple[str, dict]]:
    """(role, span) for every span, blocks included."""
    out = [("block", b) for b in record["blocks"]]
    out += [("mention", m) for e in record["entities"] for m in e["mentions"]]
    for q in record["quotes"]:
        out += [("fragment", f) for f in q["content"]]
        out += [(key, q[key]) for key in ("cue", "speaker_span") if q[key] is not None]
    out += [("trigger", v["trigger"]) for v in record["events"]]
    return out


def _reversed_keys(obj: dict) -> None:
    items = list(obj.items())
    obj.clear()
    obj.update(reversed(items))


def _span_mutations(record: dict, index: int) -> list[dict]:
    """Variants of the record that each change the index-th span (see _spans)."""
    text = record["text"]
    n = len(text)
    out = []

    def variant(change):
        r = _clone(record)
        role, span = _spans(r)[index]
        change(span, role == "block")
        out.append(r)

    def resurface(span, is_block):
        if not is_block and 0 <= span["start"] <= span["end"] <= n:
            span["text"] = text[span["start"]:span["end"]]

    for field in ("start", "end"):
        for delta in (-2, -1, 1, 2):
            # A shifted offset with the old surface (mismatch), and with the surface moved
            # along (word edges: clitics, split words).
            variant(lambda s, b, f=field, d=delta: s.update({f: max(0, s[f] + d)}))
            variant(lambda s, b, f=field, d=delta: (s.update({f: max(0, s[f] + d)}), resurface(s, b)))
        variant(lambda s, b, f=field: s.update({f: float(s[f])}))
    variant(lambda s, b: s.update(end=s["start"]))
    variant(lambda s, b: s.update(start=s["end"], end=s["start"]))
    variant(lambda s, b: s.update(end=n + 1))
    variant(lambda s, b: s.update(end=10**30))
    variant(lambda s, b: s.update(start=10**30, end=10**30 + 1))
    variant(lambda s, b: None if b else s.update(text=s["text"] + " "))
    variant(lambda s, b: None if b else s.update(text=s["text"][::-1]))
    variant(lambda s, b: _reversed_keys(s))
    return out


def _record_mutations(record: dict) -> list[dict]:
    """Variants of the record for the checks beyond single spans: key order of every kind of
    object, invisible characters, blocks, mention nesting and the structure checks."""
    out = []

    def variant(change):
        r = _clone(record)
        change(r)
        out.append(r)

    text = record["text"]
    ents, quotes, events = record["entities"], record["quotes"], record["events"]
    variant(_reversed_keys)
    for key in ("source", "license", "annotation"):
        variant(lambda r, k=key: _reversed_keys(r[k]))
    if ents:
        variant(lambda r: _reversed_keys(r["entities"][-1]))
    if quotes:
        variant(lambda r: _reversed_keys(r["quotes"][-1]))
    if events:
        variant(lambda r: _reversed_keys(r["events"][-1]))
        variant(lambda r: _reversed_keys(r["events"][-1]["magnitude"]))
        with_arguments = [i for i, v in enumerate(events) if v["arguments"]]
        if with_arguments:
            variant(lambda r, i=with_arguments[0]: _reversed_keys(r["events"][i]["arguments"][0]))

    # Invisible characters, in a span or not, replacing one character (offsets still hold).
    for ch in ("\u200b", "\u00ad", "\ufeff", "\u2067"):
        for at in (0, len(text) // 2, len(text) - 1):
            variant(lambda r, c=ch, i=at: r.update(text=r["text"][:i] + c + r["text"][i + 1:]))

    blocks = record["blocks"]
    if len(blocks) > 1:
        variant(lambda r: r["blocks"][1].update(start=r["blocks"][0]["start"]))
        variant(lambda r: r["blocks"][0].update(end=r["blocks"][1]["end"]))
        variant(lambda r: r["blocks"].reverse())
        variant(lambda r: r["blocks"][1].update(start=float(r["blocks"][0]["start"])))

    mentions = [(i, j) for i, e in enumerate(ents) for j in range(len(e["mentions"]))]
    if len(mentions) > 1:
        (i0, j0), (i1, j1) = mentions[0], mentions[1]
        # A duplicate, a crossing and a nested mention.
        variant(lambda r: r["entities"][i1]["mentions"].append(dict(r["entities"][i0]["mentions"][j0], id="m9999")))
        a, b = ents[i0]["mentions"][j0], ents[i1]["mentions"][j1]
        first, second = sorted((a, b), key=lambda m: m["start"])
        if first["end"] < second["end"]:
            cross = {"id": "m9998", "start": (first["start"] + first["end"]) // 2, "end": (second["start"] + second["end"]) // 2}
            cross["text"] = text[cross["start"]:cross["end"]]
            variant(lambda r, m=cross: r["entities"][0]["mentions"].append(m))
        nested = {"id": "m9997", "start": a["start"], "end": a["end"] - 1, "text": a["text"][:-1]}
        variant(lambda r, m=nested: r["entities"][0]["mentions"].append(m))

    if len(ents) > 1:
        variant(lambda r: r["entities"][1].update(id=r["entities"][0]["id"]))
        variant(lambda r: r["entities"][1]["mentions"][0].update(id=r["entities"][0]["mentions"][0]["id"]))
    if quotes:
        variant(lambda r: r["quotes"][0].update(speaker="e9999"))
        variant(lambda r: r["quotes"][0].update(addressee="e9999"))
        variant(lambda r: r["quotes"][0].update(parent="q9999"))
        variant(lambda r: r["quotes"][0].update(parent=r["quotes"][0]["id"]))
        variant(lambda r: r["quotes"][0].update(speaker_kind="named", speaker=None))
        variant(lambda r: r["quotes"][0].update(speaker_kind="anonymous", speaker=ents[0]["id"] if ents else None))
        variant(lambda r: r["quotes"][0].update(cue={"start": 0, "end": 1, "text": text[0], "lemma": "not-a-lemma"}))
        variant(lambda r: r["quotes"][0].update(cue=None, speaker_span=None))
    if len(quotes) > 1:
        variant(lambda r: (r["quotes"][0].update(parent=r["quotes"][1]["id"]), r["quotes"][1].update(parent=r["quotes"][0]["id"])))
        variant(lambda r: r["quotes"][1].update(id=r["quotes"][0]["id"]))
        variant(lambda r: r["quotes"][1].update(parent=r["quotes"][0]["id"]))
    if events:
        variant(lambda r: r["events"][0].update(actor=["e9999"]))
        variant(lambda r: r["events"][0].update(recipient=["e9999"]))
        variant(lambda r: r["events"][0].update(arguments=[{"role": "place", "entity": "e9999"}]))
        variant(lambda r: r["events"][0].update(category="AID", recipient=[]))
        variant(lambda r: r["events"][0].update(category="ASSAULT", mode="allege"))
        variant(lambda r: r["events"][0].update(category="ACCUSE", mode=None))
    if len(events) > 1:
        variant(lambda r: r["events"][1].update(id=r["events"][0]["id"]))
    return out


def _all_mutations(record: dict, every: int = 1) -> list[dict]:
    out = _record_mutations(record)
    for index in range(0, len(_spans(record)), every):
        out += _span_mutations(record, index)
    return out


def _fixture_records() -> list[dict]:
    out = []
    for path in sorted(CASES.rglob("*.jsonl")):
        for line in path.read_bytes().splitlines():
            try:
                value = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue
            if isinstance(value, dict):
                out.append(value)
    return out


def _corpus_records() -> list[dict]:
    return [orjson.loads(line) for path in sorted((REPO / "corpus" / "articles").glob("*.jsonl"))
            for line in path.read_bytes().splitlines() if line.strip()]


# ---- the extension is built and chosen -------------------------------------------------


def test_the_compiled_scans_are_used(compiled, monkeypatch):
    monkeypatch.delenv("AKHBAR_PURE_PYTHON", raising=False)
    checks._implementation.cache_clear()
    try:
        assert checks._implementation() == (compiled.scan_clean, compiled.structure_clean)
    finally:
        checks._implementation.cache_clear()
    assert Path(compiled.__file__).suffix in (".so", ".pyd")


def test_pure_python_is_forced_by_the_environment(monkeypatch):
    monkeypatch.setenv("AKHBAR_PURE_PYTHON", "1")
    checks._implementation.cache_clear()
    try:
        assert checks._implementation() == PYTHON
    finally:
        checks._implementation.cache_clear()
    # And in a fresh process, as a user would set it.
    code = "from akhbar import checks; print(checks._implementation() == (checks._scan_clean, checks._structure_clean))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={**os.environ, "AKHBAR_PURE_PYTHON": "1"}, check=True)
    assert result.stdout.strip() == "True"


# ---- same answers ----------------------------------------------------------------------


def test_same_answers_on_the_fixtures(compiled, monkeypatch):
    compared = [assert_same(compiled, r, monkeypatch) for r in _fixture_records()]
    assert sum(compared) >= 10  # the fixtures hold many schema-valid records


def test_same_answers_on_the_corpus(compiled, monkeypatch):
    records = _corpus_records()
    assert records
    for record in records:
        assert assert_same(compiled, record, monkeypatch)


def test_same_answers_on_mutations_of_the_synthetic_record(compiled, monkeypatch):
    base = synthetic_record()
    variants = _all_mutations(base)
    compared = [assert_same(compiled, r, monkeypatch) for r in variants]
    assert sum(compared) > 0.8 * len(variants)
    # The mutations reach every answer of both scans.
    answers = {compiled.scan_clean(r) for r in variants if fast_is_valid()(r) and _int_offsets(r)}
    assert {(False, False, False, False), (True, True, True, True), (True, False, True, True),
            (True, True, False, True), (True, True, True, False), (True, False, False, True)} <= answers
    structure = [compiled.structure_clean(r) for r in variants if fast_is_valid()(r)]
    assert None in structure and [] in structure and any(structure)


def test_same_answers_on_mutations_of_the_corpus(compiled, monkeypatch):
    for record in _corpus_records():
        # Every 5th span of a full article keeps the test fast; the Hypothesis test and the
        # synthetic record cover every kind of span exhaustively.
        for variant in _all_mutations(record, every=5):
            assert_same(compiled, variant, monkeypatch)


def test_clitic_edges(compiled, monkeypatch):
    """Spans starting after proclitics and ending before enclitics, allowed or not."""
    # First and last words whose edges only the full walk judges right: ت is no proclitic,
    # and هاز is no enclitic though ها is.
    text = "تعاونهم وللجيش فبالكتاب كتابهم سيقول وسيكتبها المدينةُ كتابهاز"
    words = []
    start = 0
    for word in text.split(" "):
        words.append((start, start + len(word)))
        start += len(word) + 1
    seen = set()
    for a, b in words:
        for s in range(a, b):
            for e in range(s + 1, b + 1):
                r = synthetic_record()
                r["text"] = text
                r["blocks"] = [{"start": 0, "end": len(text), "kind": "paragraph"}]
                r["quotes"], r["events"] = [], []
                r["entities"] = [{"id": "e1", "type": "ORG", "subtype": None, "name": "x", "wikidata": None,
                                  "mentions": [{"id": "m1", "start": s, "end": e, "text": text[s:e]}]}]
                assert assert_same(compiled, r, monkeypatch)
                seen.add(compiled.scan_clean(r)[1])
    assert seen == {True, False}


WORDS = st.text(alphabet="وفبلكسهانيمي ", min_size=1, max_size=6)


@given(valid_records(), st.data())
def test_same_answers_on_hypothesis_records(compiled, monkeypatch, record, data):
    assert assert_same(compiled, record, monkeypatch)
    spans = _spans(record)
    for _ in range(data.draw(st.integers(1, 4))):
        kind = data.draw(st.sampled_from(["shift", "resurface", "float", "keys", "text", "invisible"]))
        role, span = spans[data.draw(st.integers(0, len(spans) - 1))]
        text = record["text"]
        if kind in ("shift", "resurface"):
            field = data.draw(st.sampled_from(["start", "end"]))
            span[field] = max(0, span[field] + data.draw(st.integers(-3, 3)))
            if kind == "resurface" and role != "block" and _int_offsets({"blocks": [span]}) and span["start"] <= span["end"]:
                span["text"] = text[span["start"]:span["end"]]
        elif kind == "float":
            span["start"] = float(span["start"])
        elif kind == "keys":
            _reversed_keys(span)
        elif kind == "text":
            # New letters around an edge: clitics, split words, changed surfaces.
            at = data.draw(st.integers(0, len(text)))
            record["text"] = text[:at] + data.draw(WORDS) + text[at:]
        else:
            at = data.draw(st.integers(0, len(text) - 1))
            record["text"] = text[:at] + data.draw(st.sampled_from("\u200b\u200c\u00ad\u2066")) + text[at + 1:]
        assert_same(compiled, record, monkeypatch)


def test_offsets_that_are_not_ints_raise_type_error(compiled):
    for value in (1.0, -1, True, "3", None):
        r = synthetic_record()
        r["entities"][0]["mentions"][0]["start"] = value
        with pytest.raises(TypeError):
            compiled.scan_clean(r)


def test_init_refuses_tables_it_cannot_use(compiled):
    orders = dict(checks._key_orders())
    kwargs = dict(not_letters=checks._NOT_LETTERS, invisible=checks.INVISIBLE, is_letter=checks._is_letter,
                  proclitics=checks.PROCLITICS, enclitics=checks.ENCLITICS, cue_lemmas=checks.CUE_LEMMAS,
                  modes_by_category={}, recipient_required=set())
    try:
        with pytest.raises(ValueError, match="mention key order has no start"):
            compiled.init(key_orders={**orders, "mention": ("id", "end", "text")}, **kwargs)
        with pytest.raises(ValueError, match="BMP"):
            compiled.init(key_orders=orders, **{**kwargs, "invisible": {"\U000e0001"}})
        with pytest.raises(RuntimeError, match="init"):
            compiled.scan_clean(synthetic_record())  # a failed init leaves it unusable, not half set
    finally:
        checks._compiled.cache_clear()
        checks._compiled()  # initialised again with the real tables


# ---- memory ------------------------------------------------------------------------------


def _rss_kb() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs /proc to read the resident memory")
def test_no_leaks(compiled):
    """Many calls on every path (clean, not clean, keys out of order, TypeError, a structure
    warning) leave the references of the inputs and the resident memory as they were."""
    clean = synthetic_record()
    dirty = copy.deepcopy(clean)
    dirty["entities"][0]["mentions"][0]["start"] += 1
    dirty["quotes"][0]["speaker"] = "e9999"
    dirty["text"] = "\u200b" + dirty["text"][1:]
    unordered = copy.deepcopy(clean)
    _reversed_keys(unordered["events"][0])
    floating = copy.deepcopy(clean)
    floating["quotes"][1]["content"][0]["end"] = 1.5
    cycle = copy.deepcopy(clean)
    cycle["quotes"][0]["parent"], cycle["quotes"][1]["parent"] = "q2", "q1"
    warned = copy.deepcopy(clean)
    warned["events"][0].update(category="AID", recipient=[])
    assert compiled.structure_clean(warned) == [("v1", "AID")]
    records = [clean, dirty, unordered, floating, cycle, warned]
    # Every container and string of the records: a reference leaked on any of them shows.
    watched, stack = {}, list(records)
    while stack:
        node = stack.pop()
        if isinstance(node, (dict, list, str)):
            watched[id(node)] = node
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    watched = list(watched.values())

    def run(times: int) -> None:
        for _ in range(times):
            for r in records:
                try:
                    compiled.scan_clean(r)
                except TypeError:
                    pass
                compiled.structure_clean(r)

    run(500)
    gc.collect()
    refs = [sys.getrefcount(x) for x in watched]
    blocks = sys.getallocatedblocks()
    rss = _rss_kb()
    run(20000)
    gc.collect()
    assert [sys.getrefcount(x) for x in watched] == refs
    # A leak of one object per call would leave some 20,000 more blocks; RSS alone can miss it
    # while freed memory from earlier tests is being reused.
    assert sys.getallocatedblocks() - blocks < 1000
    assert _rss_kb() - rss < 2048, "resident memory grew by more than 2 MB over 240,000 calls"
