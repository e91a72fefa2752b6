"""MkDocs hooks: fill the generated parts of the docs at build time.

Pages hold placeholders `<!-- akhbar:NAME -->` (see akhbar.docgen.GENERATORS) and example
directives `<!-- akhbar:example … -->` (see akhbar.examples); this hook replaces them while
the site builds, so reference tables, statistics, the quick-start output and every example
annotation always come from schema/, the validator, the tools and the corpus themselves.
The rendered review pages (`akhbar render`) and the stylesheet of their marks are added to
the site as generated files, so that the guideline examples look like the review pages.
Arabic phrases inside English prose are isolated right to left (akhbar.bidi): in the page
body, in the table of contents, and in the search index (with Unicode isolates there, as
search results show plain text).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

from akhbar.bidi import PLAIN_MARKS, isolate_arabic
from akhbar.docgen import corpus_records, expand_placeholders
from akhbar.examples import Corpus, ExampleError, example_path, expand
from akhbar.render import annotation_css, render_html

ANNOTATION_CSS = "stylesheets/annotation.css"


def on_pre_build(config):  # noqa: ARG001 - MkDocs hook signature
    corpus_records.cache_clear()  # every build (`mkdocs serve` too) reads the corpus once, as it is now


def on_files(files, config):
    for record in corpus_records():  # `akhbar render` of every article, linked from the examples
        files.append(File.generated(config, example_path(record["id"]), content=render_html(record)))
    files.append(File.generated(config, ANNOTATION_CSS, content=annotation_css(".akhbar-marks") + "\n"))
    return files


def on_page_markdown(markdown, page, config, files):  # noqa: ARG001 - MkDocs hook signature
    root = "../" * page.url.count("/")
    try:
        markdown = expand(markdown, Corpus(corpus_records()), root, page.file.src_uri)
    except ExampleError as error:
        raise PluginError(f"guideline example: {error}") from None
    return expand_placeholders(markdown)


def _isolate_toc(items) -> None:
    for item in items:
        item.title = isolate_arabic(item.title)
        _isolate_toc(item.children)


CELL = re.compile(r"<td>(.*?)</td>", re.S)
PROSE_WORDS = 8


def _mark_prose_cells(html: str) -> str:
    """Table cells with running text get the class `akhbar-prose` (a minimum width in
    docs/stylesheets/extra.css), so that they are not squeezed to a word or two a line."""
    def cell(match: re.Match) -> str:
        words = len(re.sub(r"<[^>]+>", " ", match.group(1)).split())
        return f'<td class="akhbar-prose">{match.group(1)}</td>' if words >= PROSE_WORDS else match.group()

    return CELL.sub(cell, html)


def on_page_content(html, page, config, files):  # noqa: ARG001 - MkDocs hook signature
    _isolate_toc(page.toc)
    return _mark_prose_cells(isolate_arabic(html))


def on_post_build(config):
    """Search results show the index's text, where the page's isolating spans are lost."""
    index = Path(config["site_dir"]) / "search" / "search_index.json"
    if not index.exists():
        return
    data = json.loads(index.read_text(encoding="utf-8"))
    for doc in data["docs"]:
        doc["title"] = isolate_arabic(doc["title"], PLAIN_MARKS)
        doc["text"] = isolate_arabic(doc["text"], PLAIN_MARKS)
    index.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
