"""One Arabic Wikinews article as shipped in the Mewsli-X test data.

Files: `<doc>.txt` (headline, a blank line, paragraphs; the text exactly as upstream) and
`<doc>.meta.json` (URL, page id `curid`, revision id `revid`, the upstream text MD5 and the
mentions Mewsli-X links to Wikidata, as code-point offsets into the file's text). The reader
checks the MD5 and the offsets, so a changed file is refused instead of silently mislinked.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from akhbar.adapters.base import Collection, LayoutError, SourceArticle, nfc

DERIVATION = "the file's text; lines trimmed, empty lines dropped, joined with \\n; NFC"


def read_document(txt: Path) -> SourceArticle:
    meta_path = txt.with_suffix(".meta.json")
    data = txt.read_bytes()
    try:
        raw_text = data.decode("utf-8")
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, OSError, json.JSONDecodeError) as exc:
        raise LayoutError(f"{txt}: cannot read the text or {meta_path.name}: {exc}") from None
    if meta.get("text_md5") and hashlib.md5(data).hexdigest() != meta["text_md5"]:
        raise LayoutError(f"{txt}: MD5 differs from text_md5 in {meta_path.name}; not the upstream text")
    wikidata = {}
    for mention in meta.get("mentions", []):
        if raw_text[mention["start"]:mention["end"]] != mention["text"]:
            raise LayoutError(f"{meta_path}: mention {mention['text']!r} is not at {mention['start']}-{mention['end']}")
        wikidata[nfc(mention["text"])] = mention["wikidata"]
    numbered = [(n, nfc(line.strip(" \t\r"))) for n, line in enumerate(raw_text.split("\n"), start=1)]
    numbered = [(n, line) for n, line in numbered if line]
    if len(numbered) < 2:
        raise LayoutError(f"{txt}: expected a headline and at least one paragraph")
    return SourceArticle(
        title=numbered[0][1], paragraphs=[line for _, line in numbered[1:]], raw_file=txt,
        lines=(numbered[0][0], numbered[-1][0]), text_derivation=DERIVATION,
        url=meta.get("document_url"), revision=str(meta["revid"]) if meta.get("revid") else None,
        wikidata=wikidata, extra_raw_files=[meta_path],
    )


def read(folder: Path) -> list[SourceArticle]:
    texts = sorted(p for p in folder.glob("*.txt") if not p.name.startswith("LICENSE"))
    if not texts:
        raise LayoutError(f"{folder}: no article .txt files")
    return [read_document(t) for t in texts]


COLLECTION = Collection(
    name="wikinews-ar-mewsli",
    publisher="Wikinews (Arabic)",
    slug="wikinews",
    text_license="CC-BY-2.5",
    attribution="Wikinews contributors",
    read=read,
)
