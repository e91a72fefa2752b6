"""Putting imported annotations into the corpus (docs/interchange.md, "New records and provenance").

An imported article whose id is already in the corpus gets its three annotation layers
replaced by the imported ones, re-anchored against the record's own text; every other field
is kept, and when the annotations changed `annotation.updated` becomes the import date and
the importing annotator is added. An article the corpus does not have becomes a new record
that passes `akhbar validate`: an ingest draft (`akhbar.ingest.draft_record`) holding the
imported layers, whose source file is copied byte for byte under `ROOT/corpus/raw/<slug>/`
so that the validator's provenance checks hold; what the user does not state is null, never
guessed.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from akhbar.checks import CONTROL_CHARS
from akhbar.ingest import (
    DEFAULT_ANNOTATION_LICENSE,
    DEFAULT_TEXT_LICENSE,
    IngestError,
    draft_record,
    raw_digest,
    slugify,
    text_key,
)
from akhbar.interchange.anchoring import reanchor_doc
from akhbar.interchange.common import ARTICLE_ID, ImportedDoc, InterchangeError, Report
from akhbar.migrate import layer_states
from akhbar.records import BOM, iter_lines, parse_line
from akhbar.schema import LAYERS


@dataclass
class NewRecordOptions:
    publisher: str | None = None
    slug: str | None = None
    text_license: str = DEFAULT_TEXT_LICENSE
    annotation_license: str = DEFAULT_ANNOTATION_LICENSE
    status: str = "silver"
    annotators: list[str] = field(default_factory=list)
    date: str | None = None

    def today(self) -> str:
        return self.date or dt.date.today().isoformat()


def read_shards(paths: list[Path]) -> dict[str, tuple[dict, Path]]:
    """Records by id from shards; a line that does not parse is an error naming file:line."""
    records: dict[str, tuple[dict, Path]] = {}
    for path in paths:
        for number, raw in iter_lines(path):
            if not raw.strip():
                continue
            try:
                parsed = parse_line(raw.removeprefix(BOM).rstrip(b"\r"))
            except UnicodeDecodeError:
                raise InterchangeError(f"{path}:{number}: not UTF-8") from None
            record = parsed.value
            if not isinstance(record, dict) or not isinstance(record.get("id"), str) or not isinstance(record.get("text"), str):
                raise InterchangeError(f"{path}:{number}: not a record (run akhbar validate {path})")
            records.setdefault(record["id"], (record, path))
    return records


def annotations_of(record: dict) -> dict:
    return {layer: record.get(layer, []) for layer in LAYERS}


def blocks_from_lines(text: str) -> list[dict]:
    """One `paragraph` block per line that is not blank."""
    lines = re.finditer(r"[^\n]+", text)
    return [{"start": m.start(), "end": m.end(), "kind": "paragraph"} for m in lines if m.group().strip()]


def new_article_id(doc: ImportedDoc, slug: str) -> str:
    if doc.article_id and ARTICLE_ID.match(doc.article_id):
        return doc.article_id
    return f"{slug}-{text_key(doc.text)}"


def plan_raw_copy(source: Path, root: Path, slug: str) -> tuple[str, str, tuple[Path, Path] | None]:
    """Where `source` goes: ROOT/corpus/raw/<slug>/<name>. Returns (raw_file relative to
    ROOT, sha256, (source, target) when a copy is still to be made). A different file
    already at the target is never overwritten."""
    relative = f"corpus/raw/{slug}/{source.name}"
    target = root / relative
    try:
        digest, missing = raw_digest(source, target)
    except IngestError as exc:
        raise InterchangeError(f"{exc} (use another --slug)") from None
    return relative, digest, (source, target) if missing else None


def new_record(doc: ImportedDoc, root: Path | None, options: NewRecordOptions, report: Report,
               copies: list[tuple[Path, Path]] | None = None) -> dict | None:
    where = doc.where()
    if not options.publisher:
        raise InterchangeError(
            f"{doc.origin.file if doc.origin else 'input'}: article {doc.article_id or '(no id)'} is not in the corpus; "
            "new records need --publisher (and --text-license/--annotation-license for third-party material)"
        )
    if root is None:
        raise InterchangeError("new records copy their source under ROOT/corpus/raw/: put --out under a corpus/ folder or pass --root")
    if doc.source_file is None:
        raise InterchangeError(f"{where.get('file')}: no source file to keep as the raw file of a new record")
    slug = options.slug or slugify(options.publisher)
    if not unicodedata.is_normalized("NFC", doc.text):
        report.error("text-not-nfc", "the text is not in Unicode NFC; normalise the source first", article=doc.article_id, **where)
        return None
    if not doc.text.strip():
        report.error("text-empty", "the article has no text", article=doc.article_id, **where)
        return None
    bad = CONTROL_CHARS.search(doc.text)
    if bad:
        report.error("text-control-char", f"the text holds the control character U+{ord(bad.group()):04X} (only \\n is allowed)",
                     article=doc.article_id, offset=bad.start(), **where)
        return None
    article_id = new_article_id(doc, slug)
    raw_file, raw_sha, copy = plan_raw_copy(doc.source_file, root, slug)
    if copy and copies is not None and copy not in copies:
        copies.append(copy)
    source = {"publisher": options.publisher, "raw_file": raw_file, "raw_sha256": raw_sha}
    licence = {"text": options.text_license, "annotations": options.annotation_license}
    blocks = blocks_from_lines(doc.text)  # a CoNLL sentence is a line
    record = draft_record(article_id, None, doc.text, blocks, source, licence, options.date)
    record.update(entities=doc.entities, quotes=doc.quotes, events=doc.events)
    record["annotation"].update(status=options.status, annotators=list(options.annotators))
    record["annotation"]["layers"] = layer_states(record)
    report.counts["new articles"] += 1
    return record


def merge_docs(
    docs: list[ImportedDoc],
    existing: dict[str, tuple[dict, Path]],
    root: Path | None,
    options: NewRecordOptions,
    report: Report,
) -> tuple[list[dict], list[str], list[tuple[Path, Path]]]:
    """Records for the imported documents: merged onto `existing` ones by id, new otherwise.
    Returns (records, ids of records whose annotations changed, raw copies to make)."""
    copies: list[tuple[Path, Path]] = []
    out: list[dict] = []
    changed: list[str] = []
    seen: dict[str, str] = {}
    for doc in docs:
        base = existing.get(doc.article_id) if doc.article_id else None
        if base is None and doc.article_id is None and options.publisher:
            # A source without ids: its content id may already be in the corpus (re-import).
            candidate = new_article_id(doc, options.slug or slugify(options.publisher))
            base = existing.get(candidate)
        if base is not None:
            record = copy.deepcopy(base[0])
            if doc.text != record["text"]:
                report.warning("text-differs", "the imported text differs from the record's; spans re-anchored on the record's text",
                               article=record["id"], **doc.where())
            reanchor_doc(doc, record["text"], report, record["id"])
            imported = {"entities": doc.entities, "quotes": doc.quotes, "events": doc.events}
            if imported != annotations_of(record):
                record.update(imported)
                annotation = record.setdefault("annotation", {})
                annotation["updated"] = options.today()
                for name in options.annotators:
                    if name not in annotation.setdefault("annotators", []):
                        annotation["annotators"].append(name)
                changed.append(record["id"])
                report.counts["articles updated"] += 1
            else:
                report.counts["articles unchanged"] += 1
        else:
            reanchor_doc(doc, doc.text, report)
            record = new_record(doc, root, options, report, copies)
            if record is None:
                continue
            changed.append(record["id"])
        if record["id"] in seen:
            report.error("article-twice", f"article {record['id']} is imported twice (also from {seen[record['id']]})",
                         article=record["id"], **doc.where())
            continue
        seen[record["id"]] = doc.origin.file if doc.origin else "-"
        report.counts["mentions"] += sum(len(e["mentions"]) for e in record["entities"])
        report.counts["entities"] += len(record["entities"])
        report.counts["quotes"] += len(record["quotes"])
        report.counts["events"] += len(record["events"])
        out.append(record)
    return out, changed, copies
