"""QCRI's diacritised Arabic Wikinews set (WikiNewsTruth.txt, from the Farasa repository).

Layout: `# <section>` lines open the 7 topic sections; inside a section each article is a
headline line followed by its paragraph lines, with no separator, URL or date. The article
boundaries are therefore found by recognising headlines (`is_headline`):

- a headline has 4 to 20 words;
- it does not end like a sentence: after dropping trailing spaces and quotation marks, its
  last character is not one of . : ! ? ؟ … (two headlines end with a closing quotation mark,
  «" الكفر "», and still count; a paragraph that ends with a colon before a list does not);
- short in-article subheadings (one to three words: «أقوال وفاق سطيف»، «النتائج») are below
  the 4-word floor and stay in their article as headings;
- a headline is never the last non-empty line of a section (every article has a body).

The first line after a section marker must be a headline; the reader checks that, so a file
that does not follow this layout is refused rather than split wrongly. Plain text: the
diacritics are removed (`base.DIACRITICS`), lines are trimmed, empty lines dropped, and the
lines joined with `\\n` (NFC).
"""

from __future__ import annotations

from pathlib import Path

from akhbar.adapters.base import (
    DIACRITICS_DESCRIPTION,
    Collection,
    LayoutError,
    SourceArticle,
    nfc,
    read_lines,
    require_file,
    strip_diacritics,
)

RAW_NAME = "WikiNewsTruth.txt"
SECTION_MARK = "# "
HEADLINE_WORDS = (4, 20)
SENTENCE_END = (".", ":", "!", "?", "؟", "…")
TRAILING_QUOTES = ' "«»”“\'\t'
DERIVATION = f"{DIACRITICS_DESCRIPTION}; lines trimmed, empty lines dropped, joined with \\n; NFC"


def plain(line: str) -> str:
    return nfc(strip_diacritics(line)).strip(" \t\r")


def is_headline(line: str) -> bool:
    return (HEADLINE_WORDS[0] <= len(line.split()) <= HEADLINE_WORDS[1]
            and not line.rstrip(TRAILING_QUOTES).endswith(SENTENCE_END))


def split_articles(raw: Path) -> list[SourceArticle]:
    """Every article of the file, in file order, with its section and line range."""
    articles: list[SourceArticle] = []
    section: str | None = None
    current: SourceArticle | None = None
    expect_headline = False
    for number, raw_line in enumerate(read_lines(raw), start=1):
        line = plain(raw_line)
        if not line:
            continue
        if raw_line.startswith(SECTION_MARK):
            section = line[len(SECTION_MARK):].strip()
            current, expect_headline = None, True
            continue
        if section is None:
            raise LayoutError(f"{raw}:{number}: text before the first '# section' line")
        if is_headline(line):
            current = SourceArticle(title=line, paragraphs=[], raw_file=raw, lines=(number, number),
                                    text_derivation=DERIVATION, section=section)
            articles.append(current)
            expect_headline = False
            continue
        if expect_headline or current is None:
            raise LayoutError(f"{raw}:{number}: a section must open with a headline, found a paragraph: {line[:40]!r}")
        current.paragraphs.append(line)
        current.lines = (current.lines[0], number)
    for article in articles:
        if not article.paragraphs:
            raise LayoutError(f"{raw}:{article.lines[0]}: headline {article.title[:40]!r} has no paragraph after it")
    return articles


def read(folder: Path) -> list[SourceArticle]:
    return split_articles(require_file(folder, RAW_NAME, " (the QCRI Wikinews file)"))


COLLECTION = Collection(
    name="wikinews-ar-qcri",
    publisher="Wikinews (Arabic)",
    slug="wikinews",
    text_license="CC-BY-2.5",
    attribution="Wikinews contributors",
    read=read,
)
