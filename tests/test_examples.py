"""Guideline examples (akhbar.examples): rendered from the records with the marks of
`akhbar render`, complete (a quote shows content, cue, speaker and addressee; an event its
trigger, actor, recipient and arguments), and tied to the record they come from. The unit
tests use SYNTHETIC records; the site tests check every example of the built guidelines
against the corpus."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from akhbar.docgen import corpus_records
from akhbar.examples import Corpus, ExampleError, expand, find_pieces, illustrative
from akhbar.render import render_html

ARTICLE = "synthetic-00000000000000e1"
TEXT = 'وقال الوزير محمد علي لصحيفة الأهرام إن "مصر سترسل مساعدات إلى ليبيا". وأعلنت الحكومة ذلك أمس.'


def _at(word: str, n: int = 1) -> dict:
    start = -1
    for _ in range(n):
        start = TEXT.index(word, start + 1)
    return {"start": start, "end": start + len(word), "text": word}


def synthetic() -> dict:
    """A SYNTHETIC record with one quote (named speaker, addressee) and one event."""
    entities = [
        {"id": "e1", "type": "PERS", "name": "محمد علي", "mentions": [{"id": "m1", **_at("محمد علي")}]},
        {"id": "e2", "type": "ORG", "name": "الأهرام", "mentions": [{"id": "m2", **_at("الأهرام")}]},
        {"id": "e3", "type": "GPE", "name": "مصر", "mentions": [{"id": "m3", **_at("مصر")}]},
        {"id": "e4", "type": "GPE", "name": "ليبيا", "mentions": [{"id": "m4", **_at("ليبيا")}]},
        {"id": "e5", "type": "DATE", "name": "أمس", "mentions": [{"id": "m5", **_at("أمس")}]},
    ]
    quote = {"id": "q1", "type": "mixed", "content": [_at("مصر سترسل مساعدات إلى ليبيا")],
             "cue": {**_at("قال"), "lemma": "قال"}, "speaker": "e1", "speaker_kind": "named",
             "speaker_span": _at("الوزير محمد علي"), "addressee": "e2", "parent": None}
    event = {"id": "v1", "category": "AID", "mode": None, "context": [], "trigger": _at("مساعدات"),
             "actor": ["e3"], "recipient": ["e4"], "arguments": [{"role": "time", "entity": "e5"}],
             "negated": False, "future": True, "hypothetical": False, "historical": False,
             "magnitude": {"dead": None, "injured": None, "arrested": None}}
    return {"id": ARTICLE, "text": TEXT, "entities": entities, "quotes": [quote], "events": [event],
            "annotation": {"status": "gold"}}


# --- a small reader for the example blocks of a page -----------------------------------------

class Figures(HTMLParser):
    """Each example block: its attributes, its text, the marks in its text (class, label,
    text) and its caption fields."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.figures: list[dict] = []
        self.stack: list[tuple[str, dict]] = []
        self.figure: dict | None = None
        self.marks: list[dict] = []  # open marks

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "br":
            return
        self.stack.append((tag, attrs))
        classes = (attrs.get("class") or "").split()
        if tag == "figure" and "akhbar-ex" in classes:
            self.figure = {"attrs": attrs, "text": "", "marks": [], "fields": "", "field_list": [], "where": None}
        elif self.figure is not None and tag == "div" and "akhbar-ex-text" in classes:
            self.figure["where"] = "text"
        elif self.figure is not None and tag == "p" and "akhbar-ex-fields" in classes:
            self.figure["where"] = "fields"
        elif self.figure is not None and tag == "span" and "akhbar-ex-field" in classes:
            self.figure["field_list"].append("")
        elif self.figure is not None and tag == "span" and self.figure["where"] == "text":
            mark = {"classes": classes, "label": attrs.get("data-label"), "text": ""}
            self.marks.append(mark)
            self.figure["marks"].append(mark)

    def handle_endtag(self, tag):
        while self.stack:
            open_tag, attrs = self.stack.pop()
            classes = (attrs.get("class") or "").split()
            if open_tag == "span" and self.marks and self.figure and self.figure["where"] == "text":
                self.marks.pop()
            if open_tag in ("div", "p") and self.figure and ("akhbar-ex-text" in classes or "akhbar-ex-fields" in classes):
                self.figure["where"] = None
            if open_tag == "figure" and self.figure is not None:
                self.figures.append(self.figure)
                self.figure = None
            if open_tag == tag:
                break

    def handle_data(self, data):
        if self.figure is None:
            return
        if self.figure["where"] == "text":
            self.figure["text"] += data
            for mark in self.marks:
                mark["text"] += data
        elif self.figure["where"] == "fields":
            self.figure["fields"] += data
            if self.figure["field_list"]:
                self.figure["field_list"][-1] += data


def figures(html: str) -> list[dict]:
    parser = Figures()
    parser.feed(html)
    return parser.figures


def pieces(figure: dict, cls: str, label: str | None = None) -> list[str]:
    """Texts of the marks of a class: a mark split by nesting continues in a `cont` piece."""
    found: list[str] = []
    for mark in figure["marks"]:
        if cls not in mark["classes"] or (label is not None and mark["label"] != label and "first" in mark["classes"]):
            continue
        if "cont" in mark["classes"] and found:
            found[-1] += mark["text"]
        elif "first" in mark["classes"]:
            found.append(mark["text"])
    return found


def check_figure(figure: dict, corpus: Corpus) -> list[str]:
    """What an example block fails to show of its record's annotation (empty when complete)."""
    attrs = figure["attrs"]
    record = corpus.records.get(attrs["data-article"])
    if record is None:
        return [f"article {attrs['data-article']} is not in the corpus"]
    start, end = int(attrs["data-start"]), int(attrs["data-end"])
    problems = []
    parts = [tuple(map(int, x.split("-"))) for x in attrs.get("data-pieces", f"{start}-{end}").split()]
    if figure["text"].strip().strip("…").strip() != " … ".join(record["text"][a:b] for a, b in parts).strip():
        problems.append(f"{record['id']} {start}-{end}: the text shown is not the record's text")
    kind, ref = attrs["data-kind"], attrs.get("data-ref")
    entities = {e["id"]: e for e in record["entities"]}
    if kind == "quote":
        quote = Corpus.item(record, "quote", ref)
        content = [f["text"] for f in quote["content"]]
        if pieces(figure, "q") != content:
            problems.append(f"{record['id']} {ref}: content {pieces(figure, 'q')} != {content}")
        if quote["cue"] and pieces(figure, "cue") != [quote["cue"]["text"]]:
            problems.append(f"{record['id']} {ref}: cue not marked")
        if quote["speaker_span"] and pieces(figure, "spk") != [quote["speaker_span"]["text"]]:
            problems.append(f"{record['id']} {ref}: speaker span not marked")
        if quote["speaker"] and entities[quote["speaker"]]["name"] not in figure["fields"]:
            problems.append(f"{record['id']} {ref}: speaker not named")
        if quote["addressee"]:
            names = {m["text"] for m in entities[quote["addressee"]]["mentions"]}
            if not set(pieces(figure, "adr")) & names and "addressee" not in figure["fields"]:
                problems.append(f"{record['id']} {ref}: addressee not shown")
    elif kind == "event":
        event = Corpus.item(record, "event", ref)
        if pieces(figure, "trig") != [event["trigger"]["text"]]:
            problems.append(f"{record['id']} {ref}: trigger not marked")
        roles = [("actor", e) for e in event["actor"]] + [("recipient", e) for e in event["recipient"]]
        roles += [(a["role"], a["entity"]) for a in event["arguments"]]
        for role, entity_id in roles:
            names = {m["text"] for m in entities[entity_id]["mentions"]}
            marked = set(pieces(figure, "role", role)) & names
            listed = [f for f in figure["field_list"] if " ".join(f.split()).startswith(f"{role} {entities[entity_id]['name']} ")]
            if not listed or (not marked and not any("outside this passage" in f for f in listed)):
                problems.append(f"{record['id']} {ref}: {role} {entity_id} not shown")
        for marker in ("negated", "future", "hypothetical", "historical"):
            if event[marker] and marker not in figure["fields"]:
                problems.append(f"{record['id']} {ref}: marker {marker} not shown")
    return problems


# --- unit tests (SYNTHETIC) -------------------------------------------------------------------

def test_a_quote_example_shows_content_cue_speaker_and_addressee():
    corpus = Corpus([synthetic()])
    html = expand(f'<!-- akhbar:example {ARTICLE} quote=q1 cue="قال" -->', corpus)
    [figure] = figures(html)
    assert figure["attrs"]["data-kind"] == "quote" and "akhbar-ex-corpus" in figure["attrs"]["class"]
    assert pieces(figure, "q") == ["مصر سترسل مساعدات إلى ليبيا"]
    assert pieces(figure, "cue") == ["قال"]
    assert pieces(figure, "spk") == ["الوزير محمد علي"]
    assert pieces(figure, "adr") == ["الأهرام"]
    assert check_figure(figure, corpus) == []
    # the example stops at the end of its sentence
    assert "أعلنت" not in figure["text"]


def test_an_event_example_shows_trigger_roles_and_markers():
    corpus = Corpus([synthetic()])
    [figure] = figures(expand(f'<!-- akhbar:example {ARTICLE} event=v1 trigger="مساعدات" -->', corpus))
    assert pieces(figure, "trig") == ["مساعدات"]
    assert pieces(figure, "role", "actor") == ["مصر"]
    assert pieces(figure, "role", "recipient") == ["ليبيا"]
    # the time argument is in the next sentence: listed in the caption, not marked
    assert pieces(figure, "role", "time") == []
    assert "time أمس" in " ".join(figure["fields"].split()) and "outside this passage" in figure["fields"]
    assert "future" in figure["fields"]
    assert check_figure(figure, corpus) == []


def test_the_check_sees_a_missing_mark():
    corpus = Corpus([synthetic()])
    [figure] = figures(expand(f'<!-- akhbar:example {ARTICLE} event=v1 trigger="مساعدات" -->', corpus))
    figure["marks"] = [m for m in figure["marks"] if m["label"] != "actor"]
    assert check_figure(figure, corpus) == [f"{ARTICLE} v1: actor e3 not shown"]


def test_a_mark_has_the_tooltip_it_has_on_the_review_page():
    record = synthetic()
    page = render_html(record)
    for directive, titles in [('quote=q1 cue="قال"', ["q1 · mixed · محمد علي (e1)", "cue of q1 · lemma قال"]),
                              ('event=v1 trigger="مساعدات"', ["v1 AID · trigger"]),
                              ('text="لصحيفة الأهرام"', ["ORG · الأهرام · e2 · m2"])]:
        html = expand(f"<!-- akhbar:example {ARTICLE} {directive} -->", Corpus([record]))
        for title in titles:
            assert f'title="{title}"' in html and f'title="{title}"' in page, (directive, title)


def test_a_passage_shows_its_mentions_and_the_elided_text():
    corpus = Corpus([synthetic()])
    [figure] = figures(expand(f'<!-- akhbar:example {ARTICLE} text="لصحيفة الأهرام … ليبيا" -->', corpus))
    assert figure["text"] == "… لصحيفة الأهرام … ليبيا …"
    assert figure["attrs"]["data-pieces"] == f"{TEXT.index('لصحيفة')}-{TEXT.index(' إن')} {TEXT.index('ليبيا')}-{TEXT.index('ليبيا') + 5}"
    assert check_figure(figure, corpus) == []
    assert pieces(figure, "ty-ORG") == ["الأهرام"] and pieces(figure, "ty-GPE") == ["ليبيا"]  # مصر is left out
    [figure] = figures(expand(f'<!-- akhbar:example {ARTICLE} text="وأعلنت الحكومة ذلك أمس." layers=all -->', corpus))
    assert "none in this passage" in figure["fields"]


@pytest.mark.parametrize("directive, message", [
    ('<!-- akhbar:example nope quote=q1 cue="قال" -->', "not in the corpus"),
    (f'<!-- akhbar:example {ARTICLE} quote=q9 cue="قال" -->', "no quote 'q9'"),
    (f'<!-- akhbar:example {ARTICLE} quote=q1 cue="أضاف" -->', "has cue 'قال'"),
    (f'<!-- akhbar:example {ARTICLE} event=v1 trigger="دعم" -->', "has trigger 'مساعدات'"),
    (f'<!-- akhbar:example {ARTICLE} text="غير موجود" -->', "is not in the article"),
    (f"<!-- akhbar:example {ARTICLE} -->", "needs quote=, event= or text="),
    ("<!-- akhbar:illustrative [قال]{nonsense:X:Y} -->", "unknown mark"),
    ("<!-- akhbar:card events NOPE -->", "not a label"),
])
def test_a_reference_the_corpus_does_not_satisfy_fails_with_its_place(directive, message):
    with pytest.raises(ExampleError, match=message) as error:
        expand("intro\n\n" + directive, Corpus([synthetic()]), page="guidelines/x.md")
    assert "guidelines/x.md:3" in str(error.value)


def test_illustrative_examples_are_marked_as_such():
    example = illustrative('"[الوضع مستقر]{content}"، [قال]{cue} [المتحدث]{speaker}')
    [figure] = figures(example.html())
    assert "akhbar-ex-illustrative" in figure["attrs"]["class"] and "data-article" not in figure["attrs"]
    assert pieces(figure, "q") == ["الوضع مستقر"] and pieces(figure, "cue") == ["قال"]
    assert figure["text"] == '"الوضع مستقر"، قال المتحدث'


def test_find_pieces_skips_over_an_ellipsis():
    assert find_pieces("أ ب ج د", "ب … د") == [(2, 3), (6, 7)]
    with pytest.raises(ExampleError):
        find_pieces("أ ب ج د", "د … أ")


# --- the built site ---------------------------------------------------------------------------

GUIDELINES = ["entities", "quotes", "events", "hard-cases", "card-entities", "card-quotes", "card-events"]


@pytest.fixture(scope="module")
def corpus():
    return Corpus(corpus_records())


def site_figures(site) -> dict[str, list[dict]]:
    return {page: figures((site / "guidelines" / page / "index.html").read_text(encoding="utf-8")) for page in GUIDELINES}


def test_every_guideline_example_shows_its_whole_annotation(site, corpus):
    """Every corpus example of the guidelines and cards exists in the corpus, shows the
    record's own text, and marks its whole annotation."""
    shown = site_figures(site)
    problems = [f"{page}: {p}" for page, figs in shown.items() for f in figs if "akhbar-ex-corpus" in f["attrs"]["class"]
                for p in check_figure(f, corpus)]
    assert problems == []
    kinds = [f["attrs"]["data-kind"] for figs in shown.values() for f in figs]
    assert kinds.count("quote") >= 20 and kinds.count("event") >= 30
    articles = {f["attrs"].get("data-article") for figs in shown.values() for f in figs} - {None}
    assert len(articles) >= 10, articles  # drawn from several articles, not only the seed


def test_no_hand_made_annotation_is_left_in_the_guidelines(site):
    """Annotation is shown only by rendered examples: no Arabic block outside them marks
    spans by hand (<mark>, bold)."""
    for page in GUIDELINES:
        html = (site / "guidelines" / page / "index.html").read_text(encoding="utf-8")
        html = re.sub(r'<figure class="akhbar-ex.*?</figure>', "", html, flags=re.S)
        html = re.sub(r'<div class="akhbar-legend.*?</div>', "", html, flags=re.S)
        for block in re.findall(r'<div[^>]*dir="rtl"[^>]*>(.*?)</div>', html, flags=re.S):
            assert not re.search(r"<(mark|strong)\b", block), (page, block[:200])


def test_cards_have_one_real_example_per_label_with_a_rule_link(site):
    from akhbar import labels

    wanted = {"card-entities": [t["label"] for t in labels.inventory("entity_types")["types"]],
              "card-events": [c["label"] for c in labels.inventory("plover")["categories"]],
              "card-quotes": [x["label"] for x in labels.inventory("quote_types")["labels"]
                              + labels.inventory("speaker_kinds")["labels"]]}
    for page, labels_ in wanted.items():
        html = (site / "guidelines" / page / "index.html").read_text(encoding="utf-8")
        sections = re.split(r"<h3 id=", html)[1:]
        titles = [re.match(r'"([^"]+)"', s).group(1) for s in sections]
        assert sorted(t.upper() for t in titles) == sorted(label.upper() for label in labels_), page
        # a label with no gold example takes a silver one (its status is shown)
        assert all('class="akhbar-ex ' in s for s in sections), page
        assert 'href="../entities/' in html or 'href="../quotes/' in html or 'href="../events/' in html


def test_hard_cases_with_a_corpus_example_show_it(site, corpus):
    """A quote or event hard case whose example text is in the corpus shows a rendered example."""
    html = (site / "guidelines" / "hard-cases" / "index.html").read_text(encoding="utf-8")
    texts = [r["text"] for r in corpus.records.values()]
    missing = []
    for section in re.split(r'<h3 id="', html)[1:]:
        anchor = section.split('"', 1)[0]
        if not re.match(r"h-[qvt]\d+", anchor) or 'class="akhbar-ex ' in section:
            continue
        plain = re.sub(r"<[^>]+>", "", section)
        quoted = [q for q in re.findall(r"«([^«»]{12,})»", plain) if "…" not in q]
        if any(q in t for q in quoted for t in texts):
            missing.append(anchor)
    assert missing == []


def test_a_stale_reference_fails_the_site_build(tmp_path):
    """The hook turns a reference the corpus does not satisfy into a build error naming the
    page, the line and the article (a tiny site with the project's hooks)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text(
        "# Probe\n\n<!-- akhbar:example elaph-46fbcfd5b2c865c7 quote=q7 cue=\"قال\" -->\n", encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text(f"site_name: probe\nhooks:\n  - {repo / 'tools' / 'mkdocs_hooks.py'}\n",
                                         encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(tmp_path / "mkdocs.yml"),
                             "--site-dir", str(tmp_path / "site")], cwd=repo, capture_output=True, text=True,
                            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert result.returncode != 0
    assert "index.md:3" in result.stderr and "has cue 'تابع'" in result.stderr, result.stderr[-2000:]


def test_a_quote_without_cue_is_referenced_with_a_dash():
    record = synthetic()
    record["quotes"][0].update(cue=None, speaker_span=None, speaker_kind="implicit", addressee=None)
    corpus = Corpus([record])
    [figure] = figures(expand(f'<!-- akhbar:example {ARTICLE} quote=q1 cue="-" -->', corpus))
    assert pieces(figure, "q") == ["مصر سترسل مساعدات إلى ليبيا"] and pieces(figure, "cue") == []
    assert "implicit" in figure["fields"] and "no speaker span" in figure["fields"]
    assert check_figure(figure, corpus) == []


def test_a_card_picks_the_example_that_shows_most_of_its_annotation():
    """Of two AID events, the card shows the one whose actor and recipient are in the passage
    (SYNTHETIC records); a category with no event says so."""
    complete = synthetic()
    partial = synthetic()
    partial["id"] = "synthetic-00000000000000e0"  # sorts first: preferred if the score were equal
    partial["events"][0]["actor"] = []
    corpus = Corpus([partial, complete])
    html = expand("<!-- akhbar:card events AID -->", corpus)
    [figure] = figures(html)
    assert figure["attrs"]["data-article"] == ARTICLE
    assert "Provision of material aid" in html
    assert "No gold example of <code>PROTEST</code>" in expand("<!-- akhbar:card events PROTEST -->", corpus)
