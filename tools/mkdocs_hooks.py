"""MkDocs hooks: fill the generated sections of the docs at build time.

Pages hold placeholders `<!-- akhbar:NAME -->` (see akhbar.docgen.GENERATORS); this hook
replaces them while the site builds, so reference tables and statistics always come from
schema/, the validator and the corpus themselves.
"""

from __future__ import annotations

from akhbar.docgen import expand_placeholders


def on_page_markdown(markdown, page, config, files):  # noqa: ARG001 - MkDocs hook signature
    return expand_placeholders(markdown)
