"""MkDocs hooks: fill the generated parts of the docs at build time.

Pages hold placeholders `<!-- akhbar:NAME -->` (see akhbar.docgen.GENERATORS); this hook
replaces them while the site builds, so reference tables, statistics, the quick-start
output and the rendered examples always come from schema/, the validator, the tools and
the corpus themselves. The rendered review pages (`akhbar render`) are added to the site as
generated files. Arabic runs inside English prose are isolated right to left (akhbar.bidi).
"""

from __future__ import annotations

from mkdocs.structure.files import File

from akhbar.bidi import isolate_arabic
from akhbar.docgen import expand_placeholders, rendered_examples


def on_files(files, config):
    for path, html in rendered_examples().items():
        files.append(File.generated(config, path, content=html))
    return files


def on_page_markdown(markdown, page, config, files):  # noqa: ARG001 - MkDocs hook signature
    return expand_placeholders(markdown)


def on_page_content(html, page, config, files):  # noqa: ARG001 - MkDocs hook signature
    return isolate_arabic(html)
