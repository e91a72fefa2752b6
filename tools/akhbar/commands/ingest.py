"""`akhbar ingest`."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

from akhbar.commands.common import EXIT_OK, UsageError
from akhbar.ingest import DEFAULT_ANNOTATION_LICENSE, DEFAULT_TEXT_LICENSE


def register(sub) -> None:
    p = sub.add_parser("ingest", help="turn a raw scraped article, or a whole collection, into new records")
    p.add_argument("raw", help="the raw article text file (UTF-8); with --source, the collection's folder")
    p.add_argument("--source", help="read RAW as this collection with its adapter (e.g. wikinews-ar-qcri; see docs/ingest.md)")
    p.add_argument("--publisher", help="publisher name, e.g. Elaph (required without --source)")
    p.add_argument("--slug", help="id prefix (default: from the publisher name)")
    p.add_argument("--title", help="the headline, when the source gives one")
    p.add_argument("--author", help="the author as the byline gives it")
    p.add_argument("--dateline", help="dateline place (default: read from 'AUTHOR من PLACE:')")
    p.add_argument("--url", help="the article's URL")
    p.add_argument("--published", help="publication date, ISO 8601")
    p.add_argument("--text-license", default=DEFAULT_TEXT_LICENSE, help=f"licence id of the article text (default {DEFAULT_TEXT_LICENSE})")
    p.add_argument("--annotation-license", default=DEFAULT_ANNOTATION_LICENSE, help=f"licence id of the annotations (default {DEFAULT_ANNOTATION_LICENSE})")
    p.add_argument("--no-lede", dest="lede", action="store_false", help="the first paragraph is not a lede")
    p.add_argument("--date", help="annotation.updated, YYYY-MM-DD (default: today)")
    p.add_argument("--shard", help="shard to add to (default: corpus/articles/<slug>.jsonl)")
    p.add_argument("--root", help="repository root (default: this checkout)")
    p.set_defaults(func=run)


def run(args) -> int:
    from akhbar.ingest import IngestOptions, ingest, ingest_collection
    from akhbar.paths import project_root
    from akhbar.validate import display_path

    root = Path(args.root).resolve() if args.root else project_root()
    shard = Path(args.shard) if args.shard else None
    if args.source:
        added, shard = ingest_collection(args.source, Path(args.raw), root, shard, args.date)
        for record in added:
            print(f"{record['id']} ({record['split']}, {len(record['text'])} characters) {record['title']}")
        print(f"{len(added)} new article(s) from {args.source} -> {display_path(shard)}")
        return EXIT_OK
    if not args.publisher:
        raise UsageError("--publisher is required (or --source NAME to read a collection)")

    # Every option of the record is a command-line option of the same name.
    options = IngestOptions(**{f.name: getattr(args, f.name) for f in fields(IngestOptions)})
    record, shard = ingest(Path(args.raw), root, options, shard)
    print(f"{record['id']} ({record['split']}, {len(record['text'])} characters, {len(record['blocks'])} blocks) -> {display_path(shard)}")
    return EXIT_OK
