"""The documentation site: a strict build, generated reference pages complete, Arabic shown
right-to-left, internal links that resolve."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from akhbar import labels
from akhbar.diagnostics import CHECKS
from akhbar.docgen import expand_placeholders, record_fields

REPO = Path(__file__).resolve().parents[1]


def page_text(site: Path, page: str) -> str:
    return (site / page / "index.html").read_text(encoding="utf-8")


class Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.elements: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def elements(html: str) -> list[tuple[str, dict]]:
    parser = Elements()
    parser.feed(html)
    return parser.elements


def test_record_reference_lists_every_field(site):
    html = page_text(site, "reference/record")
    for path, *_ in record_fields():
        assert f"<code>{path}</code>" in html, path


def test_labels_reference_lists_every_label(site):
    html = page_text(site, "reference/labels")
    everything = (labels.entity_types() + labels.plover_categories() + labels.plover_modes() + labels.plover_contexts()
                  + labels.quote_types() + labels.speaker_kinds() + labels.argument_roles() + labels.block_kinds())
    for label in everything:
        assert f"<code>{label}</code>" in html, label
    for lemma in labels.cue_lemmas():
        assert lemma in html


def test_validation_page_lists_every_check(site):
    html = page_text(site, "validation")
    for check_id in CHECKS:
        assert f"<code>{check_id}</code>" in html, check_id


def test_statistics_page_is_generated_from_the_corpus(site):
    html = page_text(site, "statistics")
    assert "Overview" in html and "<svg" in html or "Entity mentions by type" in html
    assert "akhbar:" not in html, "no placeholder left unexpanded"


def test_unknown_placeholder_is_an_error():
    with pytest.raises(KeyError, match="unknown generated section"):
        expand_placeholders("<!-- akhbar:no-such-table -->")


def test_a_docs_build_reads_the_corpus_once(monkeypatch):
    """The hook, the generated pages and the examples share one reading of the corpus; the
    next build (as under `mkdocs serve`) reads it again."""
    from akhbar.docgen import corpus_records

    monkeypatch.syspath_prepend(str(REPO / "tools"))
    import mkdocs_hooks

    mkdocs_hooks.on_pre_build({})
    first = corpus_records()
    assert corpus_records() is first and first
    mkdocs_hooks.on_pre_build({})
    assert corpus_records() is not first


def test_arabic_is_right_to_left_everywhere(site):
    checked = 0
    for page in site.rglob("*.html"):
        for tag, attrs in elements(page.read_text(encoding="utf-8")):
            if attrs.get("lang") == "ar":
                checked += 1
                assert attrs.get("dir") == "rtl", f"{page.relative_to(site)}: <{tag} lang=ar> without dir=rtl"
    assert checked > 0


def test_internal_links_resolve(site):
    broken = []
    for page in site.rglob("*.html"):
        if page.name == "404.html":  # served from any depth, so MkDocs links it from the root
            continue
        for tag, attrs in elements(page.read_text(encoding="utf-8")):
            href = attrs.get("href") if tag == "a" else None
            if not href or href.startswith(("#", "mailto:")) or urlparse(href).scheme:
                continue
            target = (page.parent / unquote(urlparse(href).path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{page.relative_to(site)} -> {href}")
    assert broken == []


def test_no_absolute_paths_of_this_machine_in_the_site(site):
    for page in site.rglob("*.html"):
        assert str(REPO) not in page.read_text(encoding="utf-8"), page


def test_arabic_headings_get_readable_anchors():
    from pymdownx.slugs import slugify

    assert re.fullmatch(r"[\u0600-\u06ff-]+", slugify(case="lower")("الضربات المصرية", "-"))


def test_quickstart_shows_load_dataset_output_of_real_rows(site):
    html = page_text(site, "quickstart")
    assert "DatasetDict" in html and "num_rows" in html
    # a real row: the id of one of the corpus's articles is shown
    ids = [json.loads(line)["id"] for shard in sorted((REPO / "corpus" / "articles").glob("*.jsonl"))
           for line in shard.read_text(encoding="utf-8").splitlines()]
    assert any(article_id in html for article_id in ids)


def test_rendered_example_is_embedded(site):
    html = page_text(site, "example")
    assert 'src="../examples/elaph-46fbcfd5b2c865c7.html"' in html
    page = (site / "examples" / "elaph-46fbcfd5b2c865c7.html").read_text(encoding="utf-8")
    assert '<html lang="ar" dir="rtl">' in page


def _mkdocs_build(config: Path, out: Path, *extra: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", *extra, "-f", str(config),
                           "--site-dir", str(out)], cwd=cwd, capture_output=True, text=True, env=env)


def test_strict_build_fails_on_a_broken_link_in_a_tiny_site(tmp_path):
    """The strict build, as CI and the `site` fixture run it, exits non-zero on a warning."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# Home\n\nSee [the missing page](missing.md).\n", encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text("site_name: probe\n", encoding="utf-8")
    result = _mkdocs_build(tmp_path / "mkdocs.yml", tmp_path / "site", cwd=tmp_path)
    assert result.returncode != 0, result.stdout + result.stderr
    assert "missing.md" in result.stderr
    # the same tree without the broken link builds cleanly: the failure is the link, not the probe
    (tmp_path / "docs" / "index.md").write_text("# Home\n\nNo links.\n", encoding="utf-8")
    result = _mkdocs_build(tmp_path / "mkdocs.yml", tmp_path / "site", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_strict_build_of_the_project_fails_on_an_injected_broken_link(tmp_path):
    """A copy of the real docs (same config, hooks and generated pages) with one broken link
    added fails the strict build; the unmodified docs build (the `site` fixture) passes."""
    shutil.copytree(REPO / "docs", tmp_path / "docs")
    with (tmp_path / "docs" / "index.md").open("a", encoding="utf-8") as page:
        page.write("\n\nA [broken link](no-such-page.md).\n")
    config = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    hooks = "tools/mkdocs_hooks.py"
    assert hooks in config
    (tmp_path / "mkdocs.yml").write_text(config.replace(hooks, str(REPO / hooks)), encoding="utf-8")
    result = _mkdocs_build(tmp_path / "mkdocs.yml", tmp_path / "site")
    assert result.returncode != 0, result.stdout + result.stderr
    assert "no-such-page.md" in result.stderr


class Isolates(HTMLParser):
    """The page's text, with for each character the innermost element that sets dir=rtl
    around it (None outside any); text of preformatted blocks and scripts is left out."""

    LEFT_OUT = {"pre", "script", "style", "textarea", "title", "svg", "template"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, int | None, bool]] = []  # (tag, rtl isolate id, left out)
        self.chars: list[str] = []
        self.owner: list[int | None] = []
        self.count = 0

    def handle_starttag(self, tag, attrs):
        if tag in {"br", "img", "hr", "input", "meta", "link", "wbr", "col", "source", "area", "base"}:
            return
        attrs = dict(attrs)
        isolate = self.stack[-1][1] if self.stack else None
        if attrs.get("dir") == "rtl":
            self.count += 1
            isolate = self.count
        elif attrs.get("dir") == "ltr":
            isolate = None
        left_out = tag in self.LEFT_OUT or bool(self.stack and self.stack[-1][2])
        self.stack.append((tag, isolate, left_out))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if self.stack and self.stack[-1][2]:
            return
        isolate = self.stack[-1][1] if self.stack else None
        self.chars.extend(data)
        self.owner.extend([isolate] * len(data))


def split_quotations(html: str) -> list[str]:
    """Every «…» run with Arabic in it that is not inside one right-to-left isolate."""
    parser = Isolates()
    parser.feed(html)
    text = "".join(parser.chars)
    bad = []
    for match in re.finditer("«[^«»]{0,400}»", text):
        if not re.search("[\u0600-\u06ff]", match.group()):
            continue
        owners = set(parser.owner[match.start(): match.end()])
        if len(owners) != 1 or None in owners:
            bad.append(match.group())
    return bad


def test_split_quotation_check_sees_a_split():
    assert split_quotations('<p><span dir="rtl">«قال</span> <b><span dir="rtl">محمد»</span></b></p>') == ["«قال محمد»"]
    assert split_quotations('<p><span dir="rtl" lang="ar">«قال <b>محمد</b>»</span> and «MWPs»</p>') == []


def test_every_arabic_quotation_sits_in_one_rtl_isolate(site):
    """No «…» run in the built site (body, table of contents, navigation) is split across
    isolates or left in the left-to-right flow."""
    bad = {}
    for page in sorted(site.rglob("*.html")):
        split = split_quotations(page.read_text(encoding="utf-8"))
        if split:
            bad[str(page.relative_to(site))] = split
    assert bad == {}


def test_search_index_isolates_arabic_quotations(site):
    """Search results show the index's text, so phrases there carry Unicode isolates."""
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    checked = 0
    for doc in index["docs"]:
        for field in ("title", "text"):
            text = re.sub(r"<[^>]+>", "", doc[field])
            for match in re.finditer("«[^«»]{0,400}»", text):
                if re.search("[\u0600-\u06ff]", match.group()):
                    checked += 1
                    before, after = text[: match.start()], text[match.end():]
                    # the nearest isolate mark before the quotation opens one, and it is closed after it
                    assert before.rfind("\u2067") > before.rfind("\u2069"), (doc["location"], match.group())
                    assert "\u2069" in after, (doc["location"], match.group())
    assert checked > 50


class OrderedLists(HTMLParser):
    """The text of each direct item of every <ol>."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lists: list[list[str]] = []
        self.stack: list[tuple[str, int | None]] = []  # (tag, index into lists for ol)
        self.item: list | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "ol":
            self.lists.append([])
            self.stack.append((tag, len(self.lists) - 1))
        elif tag == "li":
            parent = self.stack[-1] if self.stack else None
            if parent and parent[0] == "ol":
                self.lists[parent[1]].append("")
            self.stack.append((tag, parent[1] if parent and parent[0] == "ol" else None))
        elif tag not in {"br", "img", "hr", "input", "wbr"}:
            self.stack.append((tag, None))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        for tag, index in reversed(self.stack):
            if tag == "li":
                if index is not None:
                    self.lists[index][-1] += data
                return


def ordered_lists(html: str) -> list[list[str]]:
    parser = OrderedLists()
    parser.feed(html)
    return [[" ".join(item.split()) for item in items] for items in parser.lists]


@pytest.mark.parametrize("page, starts", [
    ("guidelines", ["Annotate the text as it stands.", "Spans are on the raw text.", "Minimal spans, no edge junk.",
                    "The clitic policy", "Check every span.", "Decide from the text, not from world knowledge.",
                    "When in doubt, write a hard case."]),
    ("contributing", ["Make sure you may share it", "Ingest it", "Annotate it following the guidelines",
                      "akhbar fmt && akhbar validate"]),
    ("annotate-inception", ["Documents → Export", "Bring the annotations into the corpus", "akhbar validate"]),
    ("annotate-label-studio", ["Export → JSON", "Import:", "akhbar validate"]),
])
def test_numbered_lists_render_as_lists(site, page, starts):
    lists = ordered_lists(page_text(site, page))
    assert any(len(items) == len(starts) and all(item.startswith(start) for item, start in zip(items, starts, strict=True))
               for items in lists), lists


def test_no_list_item_merged_into_a_paragraph(site):
    """A numbered item that Python-Markdown took as a paragraph's continuation shows as
    a line starting "5. " inside a <p>."""
    merged = []
    for page in site.rglob("*.html"):
        if page.parts[-2] == "examples":
            continue
        for paragraph in re.findall(r"<p>(.*?)</p>", page.read_text(encoding="utf-8"), re.S):
            if re.search(r"\n\s*\d+\. ", paragraph):
                merged.append(f"{page.relative_to(site)}: {paragraph[:80]}")
    assert merged == []


def search_tokens(index: dict, text: str) -> set[str]:
    """The words the site's search makes of `text` (markup dropped, split at the configured
    separator, lower-cased; with no stop-word filter nothing else is removed)."""
    text = re.sub(r"<[^>]+>", " ", text)
    return {word.lower() for word in re.split(index["config"]["separator"], text) if word}


def test_search_indexes_the_commonest_cue_verbs(site):
    """«قال»/«قالت» are Arabic stop words for lunr: the search keeps them, and every page
    whose text has the word can be found by it."""
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert "stopWordFilter" not in index["config"]["pipeline"]
    assert search_tokens(index, "<p>الفعل «قال»، \u2067«قالت»\u2069؛ وأضاف</p>") >= {"قال", "قالت", "وأضاف"}
    assert "1.1.0" in search_tokens(index, "amended in 1.1.0. Then")
    indexed: dict[str, set[str]] = {}
    for doc in index["docs"]:
        page = doc["location"].split("#")[0]
        indexed.setdefault(page, set()).update(search_tokens(index, doc["title"] + " " + doc["text"]))
    for verb in ("قال", "قالت"):
        pages = []
        for page in site.rglob("index.html"):
            html = re.sub(r"<(script|style|pre)\b.*?</\1>", " ", page.read_text(encoding="utf-8"), flags=re.S)
            main = html.split('<article class="md-content__inner md-typeset">', 1)[-1].split("</article>", 1)[0]
            if verb in search_tokens(index, main):
                pages.append(page.parent.relative_to(site).as_posix() + "/" if page.parent != site else "")
        assert len(pages) >= 2, verb
        missing = [page for page in pages if verb not in indexed.get(page, set())]
        assert missing == [], (verb, missing)


def test_site_url_is_set():
    assert re.search(r"^site_url: https://\S+/$", (REPO / "mkdocs.yml").read_text(encoding="utf-8"), re.M)


def test_quickstart_shows_decoded_rows_as_tables_not_json(site):
    html = page_text(site, "quickstart")
    assert '"ner_tags": [' not in html and "language-json" not in html
    tables = re.findall(r"<table>(.*?)</table>", html, re.S)
    token_tables = [t for t in tables if re.search(r"<th>token</th>\s*<th>tag</th>", t)]
    assert len(token_tables) >= 2
    for table in token_tables:
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]:
            cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
            assert len(cells) == 3, row  # number, token, tag: one token a line, beside its tag
            assert re.fullmatch(r"<code>(O|[BI]-[A-Z]+)( / (O|[BI]-[A-Z]+))*</code>", cells[2]), cells[2]
    assert any("<th>cue_text</th>" in t for t in tables) and any("<th>trigger_text</th>" in t for t in tables)
