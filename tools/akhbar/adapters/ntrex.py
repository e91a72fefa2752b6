"""NTREX-128's Arabic translations of the WMT 2019 English news test set.

Files (line-aligned): `newstest2019-ref.arb.txt` (Arabic, one sentence per line),
`DOCUMENT_IDS.tsv` (line N names the document of line N, e.g. bbc.381790; the prefix is the
English outlet) and `LICENSE.md` (CC BY-SA 4.0). A document's lines are consecutive and its
first line is its headline. The English source file is not read and not kept: its rights
belong to the outlets.

The source gives sentences, not paragraphs, so each sentence stays a line of its own (one
block each; the headline is the first). Text: each line NFC, no-break spaces (U+00A0) as
plain spaces, trimmed. Every record says it is a translation: from English, which outlet,
which document. One line of the Arabic file (1690) still carries the `<seg id="1">` markup of
the translators' SGML; segment markup is removed, and that article's derivation says so.
"""

from __future__ import annotations

import re
from pathlib import Path

from akhbar.adapters.base import Collection, LayoutError, SourceArticle, nfc, read_lines, require_file

ARABIC = "newstest2019-ref.arb.txt"
DOCUMENT_IDS = "DOCUMENT_IDS.tsv"
LICENSE = "LICENSE.md"
DERIVATION = ("one source sentence per line (the source has no paragraphs); each line NFC, "
              "no-break spaces U+00A0 as spaces, trimmed")
SEGMENT_MARKUP = re.compile(r'</?seg(?: id="[0-9]+")?>')
MARKUP_REMOVED = "; the SGML segment markup (<seg id=\"…\">, </seg>) left in the source removed"


def read(folder: Path) -> list[SourceArticle]:
    arabic_path, ids_path = require_file(folder, ARABIC), require_file(folder, DOCUMENT_IDS)
    arabic, ids = read_lines(arabic_path), read_lines(ids_path)
    if len(arabic) != len(ids):
        raise LayoutError(f"{arabic_path}: {len(arabic)} lines but {ids_path.name} has {len(ids)}; the files must be line-aligned")
    articles: list[SourceArticle] = []
    seen: set[str] = set()
    current: SourceArticle | None = None
    for number, (document, line) in enumerate(zip(ids, arabic, strict=True), start=1):
        document = document.strip()
        cleaned = nfc(line.replace("\u00a0", " ")).strip()
        text = SEGMENT_MARKUP.sub("", cleaned).strip()
        if not document or not text:
            raise LayoutError(f"{arabic_path}:{number}: empty line or document id")
        if current is None or current.translation["document"] != document:
            if document in seen:
                raise LayoutError(f"{ids_path}:{number}: document {document} appears again after other documents")
            seen.add(document)
            current = SourceArticle(title=text, paragraphs=[], raw_file=arabic_path, lines=(number, number),
                                    text_derivation=DERIVATION, extra_raw_files=[ids_path, folder / LICENSE],
                                    translation={"from": "en", "outlet": document.split(".")[0], "document": document})
            articles.append(current)
        else:
            current.paragraphs.append(text)
            current.lines = (current.lines[0], number)
        if text != cleaned:
            current.text_derivation = DERIVATION + MARKUP_REMOVED
    return articles


COLLECTION = Collection(
    name="ntrex-128-arb",
    publisher="NTREX-128",
    slug="ntrex",
    text_license="CC-BY-SA-4.0",
    attribution="NTREX-128 (Federmann, Kocmi and Xin, 2022), Microsoft; translated from the WMT 2019 news test set",
    read=read,
    headings=False,
)
