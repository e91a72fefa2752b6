"""`akhbar export`: records to brat, Label Studio or CoNLL files."""

from __future__ import annotations

import importlib
from pathlib import Path

from akhbar.commands.common import EXIT_OK, UsageError, add_shard_paths, expand_shards, named_articles, require_folder
from akhbar.interchange import FORMATS, TAGSETS


def register(sub) -> None:
    p = sub.add_parser("export", help="write records as brat standoff, Label Studio tasks or CoNLL BIO")
    add_shard_paths(p)
    p.add_argument("--format", required=True, choices=FORMATS, help="output format")
    p.add_argument("--out", required=True, help="output folder (created if missing)")
    p.add_argument("--id", dest="ids", action="append", default=[], metavar="ARTICLE", help="export only this article (repeatable)")
    p.add_argument("--passage-chars", type=int, default=None, metavar="N",
                   help="Label Studio: one task per passage of whole paragraphs of about N characters (default 700; 0: one task per article)")
    p.add_argument("--tagset", default="akhbar", choices=TAGSETS, help="CoNLL: our types, nested mentions as extra tag columns (default akhbar), or the flat CoNLL-4 "
                        "mapping; the file's first line says which")
    p.set_defaults(func=run)


def run(args) -> int:
    from akhbar.interchange.common import Report
    from akhbar.interchange.merge import read_shards
    from akhbar.paths import project_root
    from akhbar.validate import display_path

    out = Path(args.out)
    require_folder(out)
    if args.passage_chars is not None and (args.passage_chars < 0 or args.format != "labelstudio"):
        raise UsageError("--passage-chars is for --format labelstudio and must be >= 0")
    report = Report()
    records = [rec for rec, _ in read_shards(expand_shards(args.paths, project_root())).values()]
    if args.ids:
        records = named_articles(records, args.ids)
    records.sort(key=lambda r: r["id"])
    out.mkdir(parents=True, exist_ok=True)
    module = importlib.import_module(f"akhbar.interchange.{args.format}")
    if args.format == "brat":
        written = module.export_brat(records, out, report)
    elif args.format == "labelstudio":
        chars = module.PASSAGE_CHARS if args.passage_chars is None else args.passage_chars
        written = module.export_labelstudio(records, out, report, chars)
    else:
        written = module.export_conll(records, out, args.tagset, report)
    report.print()
    print(f"{len(records)} article(s) -> {len(written)} file(s) in {display_path(out)}")
    return EXIT_OK
