"""`akhbar render`: escaping, well-formed nesting, RTL, completeness (SYNTHETIC records, plus
the real corpus article, whatever state its annotation is in)."""

from __future__ import annotations

import copy
import html
import math
from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from akhbar.cli import main
from akhbar.labels import entity_types
from akhbar.paths import default_shards, project_root
from akhbar.render import RANK, Span, nest, render_html
from akhbar.sources import load_collection
from synthetic import synthetic_record, write_corpus

VOID = {"meta", "br", "img", "hr", "link", "input"}


class Checker(HTMLParser):
    """Checks that tags balance and collects the text inside <article> and every tag seen."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[tuple[str, dict]] = []
        self.blocks: list[list[str]] = []  # the text of each block inside <article>
        self.in_article = False
        self.in_block = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)
        if tag == "article":
            self.in_article = True
        elif tag in ("p", "h2", "h3") and self.in_article:
            self.in_block = True
            self.blocks.append([])

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1] if self.stack else 'nothing'}")
            return
        self.stack.pop()
        if tag == "article":
            self.in_article = False
        elif tag in ("p", "h2", "h3"):
            self.in_block = False

    def handle_data(self, data):
        if self.in_block:
            self.blocks[-1].append(data)


def check(page: str) -> Checker:
    checker = Checker()
    checker.feed(page)
    checker.close()
    assert checker.errors == [], checker.errors[:5]
    assert checker.stack == [], checker.stack
    return checker


def article_text(checker: Checker) -> str:
    return "\n".join("".join(block) for block in checker.blocks)


def test_rtl_document_without_scripts_or_external_resources():
    page = render_html(synthetic_record())
    assert page.startswith("<!DOCTYPE html>\n<html lang=\"ar\" dir=\"rtl\">")
    checker = check(page)
    tags = {t for t, _ in checker.tags}
    assert "script" not in tags and "link" not in tags and "img" not in tags
    assert all(not v.startswith(("http", "//")) for _, attrs in checker.tags for v in attrs.values() if v)


def test_every_mention_quote_and_event_appears_and_text_is_intact():
    record = synthetic_record()
    checker = check(render_html(record))
    ids = [attrs.get("id") for _, attrs in checker.tags]
    for e in record["entities"]:
        for m in e["mentions"]:
            assert ids.count(m["id"]) == 1
    assert {"q1", "q2", "v1", "v2", "v3"} <= set(ids)
    assert article_text(checker) == record["text"]
    mention_classes = [attrs["class"] for t, attrs in checker.tags
                       if t == "span" and attrs.get("class", "").startswith("m ty-") and "id" in attrs]
    assert len(mention_classes) == sum(len(e["mentions"]) for e in record["entities"])
    # nested: الجيش الليبي (ORG) holds الليبي (NORP)
    page = render_html(record)
    assert 'title="ORG · الجيش الليبي · e5 · m5">لجيش <span class="m ty-NORP first" id="m6"' in page


def test_hostile_text_and_attributes_are_escaped():
    record = synthetic_record()
    hostile = '<script>alert(1)</script> "><img src=x onerror=alert(1)> '
    shift = len(hostile)
    record["text"] = hostile + record["text"]
    for block in record["blocks"]:
        block["start"] = block["start"] + shift if block["start"] else 0
        block["end"] += shift
    spans = [m for e in record["entities"] for m in e["mentions"]] + [s for q in record["quotes"] for s in q["content"]]
    spans += [q["cue"] for q in record["quotes"]] + [v["trigger"] for v in record["events"]]
    for s in spans:
        s["start"] += shift
        s["end"] += shift
    record["entities"][0]["name"] = '"><img src=x onerror=alert(2)>'
    record["title"] = "</title><script>alert(3)</script>"
    record["source"]["author"] = "<b>x</b>"
    record["entities"][0]["mentions"].append({"id": "m20", "start": 0, "end": 8, "text": "<script>"})
    page = render_html(record)
    checker = check(page)
    assert "<script" not in page and "<img" not in page and "<b>" not in page
    assert "&lt;script&gt;</span>alert(1)&lt;/script&gt;" in page  # m20 covers "<script>"
    assert 'title="PERS · &quot;&gt;&lt;img src=x onerror=alert(2)&gt;' in page
    assert {t for t, _ in checker.tags} <= {"html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "dl", "dt",
                                            "dd", "section", "p", "span", "article", "table", "thead", "tbody", "tr",
                                            "th", "td", "a", "mark", "ul", "li"}
    assert article_text(checker).startswith(hostile)


def test_crossing_spans_are_split_not_crossed():
    record = synthetic_record()
    t = record["text"]
    # a quote that starts inside أحمد علي and runs over the paragraph break into the next
    # paragraph, and a trigger that crosses the end of a mention
    start = t.index("علي في")
    end = t.index("الناشط") + 3
    record["quotes"].append({"id": "q3", "type": "direct", "content": [{"start": start, "end": end, "text": t[start:end]}],
                             "cue": None, "speaker": None, "speaker_kind": "anonymous", "speaker_span": None,
                             "addressee": None, "parent": None})
    s = t.index("يوسف")
    record["events"][1]["trigger"] = {"start": s, "end": s + 8, "text": t[s:s + 8]}
    checker = check(render_html(record))
    assert article_text(checker) == t
    assert [attrs.get("id") for _, attrs in checker.tags].count("q3") == 1  # the anchor only on the first piece


def test_nest_splits_crossing_spans():
    text = "abcdefghij"
    a = Span(0, 6, "mention", "m", "A", "A")
    b = Span(3, 9, "quote", "q", "B", "B")
    out = nest(text, 0, 10, [a, b])
    assert out == ('<span class="m first" data-label="A" title="A">abc'
                   '<span class="q first" data-label="B" title="B">def</span></span>'
                   '<span class="q cont" title="B">ghi</span>j')


def test_invalid_offsets_are_listed_not_fatal():
    record = synthetic_record()
    record["entities"][0]["mentions"][0]["end"] = 10_000
    record["events"][0]["trigger"] = None
    record["quotes"][0]["speaker"] = "e99"
    page = render_html(record)
    check(page)
    assert "mention m1 of e1: offsets outside the text" in page
    assert "event v1: trigger outside the text" in page
    assert "e99 (not an entity of this article)" in page


def test_lists_show_speakers_cues_and_event_arguments():
    page = render_html(synthetic_record())
    assert "أحمد علي (e1)" in page and "قال (lemma قال)" in page and "pronoun" in page
    assert "place: سرت (e9)" in page and "future" in page
    assert "<mark>دعماً</mark>" in page


def test_render_is_deterministic_and_written_atomically(tmp_path, capsys):
    shard = write_corpus(tmp_path, [synthetic_record()])
    out = tmp_path / "page.html"
    assert main(["render", "synthetic-00000000000000a1", str(shard), "--out", str(out)]) == 0
    first = out.read_bytes()
    assert main(["render", "synthetic-00000000000000a1", str(shard), "--out", str(out)]) == 0
    assert out.read_bytes() == first
    assert str(tmp_path).encode() not in first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus", "page.html"]  # no temporary left
    assert main(["render", "synthetic-00000000000000a1", str(shard)]) == 0
    assert capsys.readouterr().out.encode() == first


def test_unknown_article_and_bad_paths_exit_2(tmp_path, capsys):
    shard = write_corpus(tmp_path, [synthetic_record()])
    assert main(["render", "nope", str(shard)]) == 2
    assert "article 'nope' not found" in capsys.readouterr().err
    assert main(["render", "nope", str(tmp_path / "missing.jsonl")]) == 2
    assert "missing.jsonl: no such file" in capsys.readouterr().err
    assert main(["render", "synthetic-00000000000000a1", str(shard), "--out", str(tmp_path / "no" / "x.html")]) == 2
    broken = tmp_path / "broken.jsonl"
    broken.write_bytes(b'{"id":"synthetic-00000000000000a1", oops\n')
    assert main(["render", "synthetic-00000000000000a1", str(broken)]) == 2
    assert "broken.jsonl:1" in capsys.readouterr().err


def test_real_corpus_article_renders(tmp_path):
    shards = default_shards(project_root())
    records = [r for shard in shards for r in load_collection(str(shard)).records.values()]
    assert records, "the corpus has no article"
    for located in records:
        record = copy.deepcopy(located.record)
        out = tmp_path / "page.html"
        assert main(["render", record["id"], "--out", str(out)]) == 0
        checker = check(out.read_text(encoding="utf-8"))
        blocks = "\n".join(record["text"][b["start"]:b["end"]] for b in record["blocks"])
        assert article_text(checker) == blocks
        assert html.escape(record["id"]) in out.read_text(encoding="utf-8")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 12), st.integers(0, 6), st.sampled_from(sorted(RANK))), max_size=8))
def test_nest_is_well_formed_and_keeps_the_text(raw_spans):
    text = "أ<b>&\"'ج د هـ و"  # 15 characters, hostile ones included
    spans = [Span(s, min(s + n, len(text)), layer, "x", "t", "") for s, n, layer in raw_spans]
    checker = Checker()
    checker.feed(f"<article><p>{nest(text, 0, len(text), spans)}</p></article>")
    checker.close()
    assert checker.errors == [] and checker.stack == []
    assert article_text(checker) == text


def _rgb(hex_colour: str) -> tuple[float, float, float]:
    return tuple(int(hex_colour[i: i + 2], 16) / 255 for i in (1, 3, 5))


def _linear(c: float) -> float:
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def _luminance(hex_colour: str) -> float:
    r, g, b = (_linear(c) for c in _rgb(hex_colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _lab(hex_colour: str) -> tuple[float, float, float]:
    r, g, b = (_linear(c) for c in _rgb(hex_colour))
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883
    f = [t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116 for t in (x, y, z)]
    return 116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])


def test_entity_colours_are_distinguishable_and_readable():
    from akhbar.render import PALETTE, VALUE_TYPES

    assert set(PALETTE) == set(entity_types())
    for label, (background, border) in PALETTE.items():
        assert _contrast(background, "#1b1b1b") >= 7, label  # the Arabic text on its highlight (WCAG AAA)
        assert _contrast(border, background) >= 3, label  # the box around a mention (WCAG non-text 3:1)
    names = [t for t in PALETTE if t not in VALUE_TYPES]
    for k, a in enumerate(names):
        for b in names[k + 1:]:
            distance = math.dist(_lab(PALETTE[a][0]), _lab(PALETTE[b][0]))
            assert distance >= 15, (a, b, round(distance, 1))
