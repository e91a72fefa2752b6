"""From a raw scraped article to a new corpus record: `akhbar ingest`.

The cleaning is deterministic and minimal (docs/ingest.md lists each rule): it removes
scraping debris and never alters a letter or a diacritic. The raw file is kept byte for byte
under corpus/raw/ and the record carries its sha256, so every cleaning step can be re-run
and checked.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import re
import shutil
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import orjson

from akhbar.errors import UserError
from akhbar.provenance import sha256_file
from akhbar.records import write_records
from akhbar.schema import CURRENT_SCHEMA_VERSION, LAYERS, article_schema

GUIDELINES_VERSION = "1.1.0"
DEFAULT_TEXT_LICENSE = "LicenseRef-Akhbar-Research-Only"
DEFAULT_ANNOTATION_LICENSE = "CC-BY-4.0"

# Labels of comment widgets that scrapers pick up after the article body.
TRAILING_WIDGET_LABELS = ("التعليقات", "تعليقات", "أضف تعليقك")
_REFERENCE = r"(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});"
ENTITY = re.compile("&" + _REFERENCE)
# Non-breaking spaces that lost their `nbsp;` leave a bare `&` (the seed shows 11 of them);
# an & that starts a character reference is not bare.
BARE_AMPERSAND = re.compile("&(?!" + _REFERENCE + ")")
BARE_AMPERSANDS_BETWEEN_WORDS = re.compile(r"(?<=\S)(?:&(?!" + _REFERENCE + r"))+(?=\S)")
SENTENCE_END = tuple('.!?؟:…"»)\'”')
HEADING_MAX_WORDS = 6
KEY_IN_FILENAME = re.compile(r"(?<![0-9a-f])([0-9a-f]{16})(?![0-9a-f])")


class IngestError(UserError):
    """A problem with the input the user can fix; the message says what and where."""


def clean_text(raw: str) -> str:
    """The cleaning rules, in order (each documented in docs/ingest.md)."""
    text = raw.removeprefix("\ufeff")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # 1. A bare & between two non-space characters stood for a space; anywhere else it is debris.
    text = BARE_AMPERSAND.sub("", BARE_AMPERSANDS_BETWEEN_WORDS.sub(" ", text))
    # 2. HTML character references (&nbsp; &amp; &#1575;) become the characters they name,
    #    except that a non-breaking space becomes a plain space.
    text = ENTITY.sub(lambda m: html.unescape(m.group()), text).replace("\u00a0", " ")
    # 3. Lines are trimmed; empty lines are dropped (paragraphs are separated by one \n).
    lines = [line.strip(" \t") for line in text.split("\n")]
    lines = [line for line in lines if line]
    # 4. A trailing comments-widget label (optionally with a count) is not article text.
    while lines and re.fullmatch("(?:" + "|".join(TRAILING_WIDGET_LABELS) + r")\s*[0-9٠-٩]*", lines[-1]):
        lines.pop()
    # 5. Unicode NFC (canonical equivalence only: no letter or diacritic changes identity).
    return unicodedata.normalize("NFC", "\n".join(lines))


def slugify(publisher: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", publisher.lower()).strip("-")
    if not slug:
        raise IngestError(f"cannot make an id slug from publisher {publisher!r}; pass --slug")
    return slug


def text_key(text: str) -> str:
    """The 16-hex key of an id derived from the text: the first 16 hex digits of its SHA-256.
    Assigned once: a record whose text is corrected later keeps its id (docs/ingest.md)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def article_key(raw_path: Path, cleaned: str) -> str:
    """The 16-hex key of the id: the scraper's key when the raw file name carries one (so the
    id stays traceable to the collection it came from), else the first 16 hex digits of the
    SHA-256 of the cleaned text."""
    found = KEY_IN_FILENAME.findall(raw_path.stem)
    if len(found) == 1:
        return found[0]
    return text_key(cleaned)


def assign_split(article_id: str) -> str:
    """80/10/10 from the id's hash: deterministic, independent of ingestion order. Assigned
    once; the record's `split` is then frozen and never recomputed."""
    bucket = int(hashlib.sha256(article_id.encode("utf-8")).hexdigest()[:8], 16) % 100
    return "train" if bucket < 80 else "validation" if bucket < 90 else "test"


def make_blocks(text: str, title: str | None, author: str | None, lede: bool = True,
                headings: bool = True) -> list[dict]:
    """One block per paragraph. Headline: a first line equal to the title. Lede: the first
    other paragraph (unless disabled). Byline: a paragraph opening with the author's name.
    Heading: a short line (<= 6 words) that does not end like a sentence (unless `headings`
    is off: a source whose lines are sentences has no headings). Else paragraph."""
    blocks, offset, kinds = [], 0, set()  # kinds: those given so far
    for index, line in enumerate(text.split("\n")):
        start, end = offset, offset + len(line)
        offset = end + 1
        if index == 0 and title and line == title:
            kind = "headline"
        elif lede and kinds <= {"headline"}:
            kind = "byline" if author and line.startswith(author) else "lede"
        elif author and line.startswith(author) and "byline" not in kinds:
            kind = "byline"
        elif headings and len(line.split()) <= HEADING_MAX_WORDS and not line.endswith(SENTENCE_END):
            kind = "heading"
        else:
            kind = "paragraph"
        blocks.append({"start": start, "end": end, "kind": kind})
        kinds.add(kind)
    return blocks


def dateline_from_byline(text: str, author: str | None) -> str | None:
    """`AUTHOR من PLACE:` at the start of a paragraph gives the dateline PLACE."""
    if not author:
        return None
    match = re.search(r"(?m)^" + re.escape(author) + r"\s+من\s+([^:\n]{1,40}?)\s*:", text)
    return match.group(1) if match else None


@dataclass
class IngestOptions:
    publisher: str
    slug: str | None = None
    title: str | None = None
    author: str | None = None
    dateline: str | None = None
    url: str | None = None
    published: str | None = None
    text_license: str = DEFAULT_TEXT_LICENSE
    annotation_license: str = DEFAULT_ANNOTATION_LICENSE
    lede: bool = True
    date: str | None = None  # annotation.updated; today by default


# The fields of `source`, null unless the ingest knows them.
SOURCE_FIELDS = tuple(article_schema()["properties"]["source"]["properties"])
LICENSE_FIELDS = tuple(article_schema()["properties"]["license"]["properties"])


def draft_record(article_id: str, title: str | None, text: str, blocks: list[dict], source: dict, license: dict,
                 date: str | None) -> dict:
    """A new draft record, not annotated yet (every layer pending); `source` and `license`
    fields not given are null. `date` (annotation.updated) is today by default."""
    return {
        "id": article_id,
        "schema_version": CURRENT_SCHEMA_VERSION,
        "split": assign_split(article_id),
        "language": "ar",
        "title": title,
        "text": text,
        "blocks": blocks,
        "source": {**dict.fromkeys(SOURCE_FIELDS), **source},
        "license": {**dict.fromkeys(LICENSE_FIELDS), **license},
        "entities": [],
        "quotes": [],
        "events": [],
        "annotation": {
            "status": "draft",
            "annotators": [],
            "guidelines_version": GUIDELINES_VERSION,
            "updated": date or dt.date.today().isoformat(),
            "layers": dict.fromkeys(LAYERS, "pending"),
        },
    }


def build_record(raw_path: Path, raw_rel: str, slug: str, options: IngestOptions) -> dict:
    data = raw_path.read_bytes()
    try:
        raw_text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise IngestError(f"{raw_path}: not UTF-8 (invalid byte 0x{data[exc.start]:02X} at byte {exc.start + 1})") from None
    text = clean_text(raw_text)
    if not text:
        raise IngestError(f"{raw_path}: no text left after cleaning")
    source = {"publisher": options.publisher, "url": options.url, "published": options.published, "author": options.author,
              "dateline": options.dateline or dateline_from_byline(text, options.author),
              "raw_file": raw_rel, "raw_sha256": hashlib.sha256(data).hexdigest()}
    return draft_record(f"{slug}-{article_key(raw_path, text)}", options.title, text,
                        make_blocks(text, options.title, options.author, options.lede), source,
                        {"text": options.text_license, "annotations": options.annotation_license},
                        options.date)


def ingest(raw_path: Path, root: Path, options: IngestOptions, shard: Path | None = None) -> tuple[dict, Path]:
    """Copy the raw file under corpus/raw/<slug>/, build the record and add it to the shard
    (corpus/articles/<slug>.jsonl by default), rewriting the shard atomically and sorted."""
    raw_path = Path(raw_path)
    if not raw_path.is_file():
        raise IngestError(f"{raw_path}: no such file")
    slug = options.slug or slugify(options.publisher)
    raw_rel = f"corpus/raw/{slug}/{raw_path.name}"
    record = build_record(raw_path, raw_rel, slug, options)
    shard = shard or root / "corpus" / "articles" / f"{slug}.jsonl"

    existing = existing_records(shard)
    if any(r.get("id") == record["id"] for r in existing):
        raise IngestError(f"{record['id']}: an article with this id is already in {shard}; ids are never reused")

    copy_raw(raw_path, root / raw_rel)
    write_shard(shard, existing + [record])
    return record, shard


# ---- collections (akhbar ingest --source NAME FOLDER) ----------------------------------------


def collection_record(collection, article, raw_rel: str, raw_sha256: str, date: str | None = None) -> dict:
    """The draft record of one article of a collection (`akhbar.adapters`)."""
    text = article.text
    source = {"publisher": collection.publisher, "url": article.url, "raw_file": raw_rel, "raw_sha256": raw_sha256,
              "collection": collection.name, "section": article.section, "revision": article.revision,
              "locator": {"lines": list(article.lines)}, "text_derivation": article.text_derivation,
              "translation": article.translation}
    return draft_record(f"{collection.slug}-{text_key(text)}", article.title, text,
                        make_blocks(text, article.title, None, lede=True, headings=collection.headings), source,
                        {"text": collection.text_license, "attribution": collection.attribution,
                         "annotations": DEFAULT_ANNOTATION_LICENSE}, date)


def _place(record: dict) -> tuple[str, tuple[int, ...]] | None:
    """The raw file and lines a collection record came from; None when the record does not say
    (the shard is parsed here, not validated, so any field may be malformed)."""
    source = record.get("source")
    if not isinstance(source, dict):
        return None
    raw_file, locator = source.get("raw_file"), source.get("locator")
    lines = locator.get("lines") if isinstance(locator, dict) else None
    if not isinstance(raw_file, str) or not isinstance(lines, list) or not all(isinstance(n, int) for n in lines):
        return None
    return raw_file, tuple(lines)


def existing_records(shard: Path) -> list[dict]:
    """The records of a shard a new article is added to (none when it does not exist yet);
    a shard that does not parse is refused, so nothing in it is lost."""
    from akhbar.fmt import canonical_bytes

    if not shard.exists():
        return []
    content, problems = canonical_bytes(shard)
    if content is None:
        where = "; ".join(d.as_text() for d in problems[:3])
        raise IngestError(f"{shard}: cannot add to a shard that does not parse ({where}); fix it first")
    return [orjson.loads(line) for line in content.splitlines()]


def write_shard(shard: Path, records: list[dict]) -> None:
    """Rewrite the shard (atomically) with `records` in id order."""
    shard.parent.mkdir(parents=True, exist_ok=True)
    write_records(shard, sorted(records, key=lambda r: str(r.get("id"))))


def raw_digest(source: Path, target: Path) -> tuple[str, bool]:
    """The SHA-256 of a raw file, and whether it still has to be copied to `target`. A raw file
    is never overwritten: a different file already at `target` is refused."""
    digest = sha256_file(source)
    if not target.exists():
        return digest, True
    if sha256_file(target) != digest:
        raise IngestError(f"{target} exists with different content; refusing to overwrite a raw file")
    return digest, False


def copy_raw(source: Path, target: Path) -> str:
    """Copy a raw file byte for byte (atomically) unless it is there already. Returns its SHA-256."""
    digest, missing = raw_digest(source, target)
    if missing:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp")
        shutil.copyfile(source, tmp)
        tmp.replace(target)
    return digest


def ingest_collection(name: str, folder: Path, root: Path, shard: Path | None = None,
                      date: str | None = None) -> tuple[list[dict], Path]:
    """Read a collection with its adapter, keep its raw files under corpus/raw/<name>/, and
    add every article not yet in the shard (corpus/articles/<slug>.jsonl) as a draft record.
    Articles already present (the same id, or the same lines of the same raw file: an article
    whose derived text was corrected later keeps its id and split) are left as they are, so
    re-running is safe."""
    from akhbar.adapters import ADAPTERS
    from akhbar.adapters.base import LayoutError

    if name not in ADAPTERS:
        raise IngestError(f"unknown source {name!r}; known: {', '.join(sorted(ADAPTERS))}")
    collection = ADAPTERS[name]
    folder = Path(folder)
    if not folder.is_dir():
        raise IngestError(f"{folder}: no such folder")
    try:
        articles = collection.read(folder)
    except LayoutError as exc:
        raise IngestError(str(exc)) from None
    shard = shard or root / "corpus" / "articles" / f"{collection.slug}.jsonl"
    existing = existing_records(shard)
    known = {r.get("id") for r in existing}
    places = {place for place in map(_place, existing) if place is not None}
    added, hashes = [], {}
    for article in articles:
        for raw in [article.raw_file, *article.extra_raw_files]:
            if raw not in hashes:
                hashes[raw] = copy_raw(raw, root / "corpus" / "raw" / collection.name / raw.name)
        raw_rel = f"corpus/raw/{collection.name}/{article.raw_file.name}"
        record = collection_record(collection, article, raw_rel, hashes[article.raw_file], date)
        if record["id"] in known or _place(record) in places:
            continue
        known.add(record["id"])
        added.append(record)
    write_shard(shard, existing + added)
    return added, shard
