"""`akhbar import`: annotations from brat, Label Studio or CoNLL into a shard."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

from akhbar.commands.common import EXIT_INVALID, EXIT_OK, UsageError
from akhbar.ingest import DEFAULT_ANNOTATION_LICENSE, DEFAULT_TEXT_LICENSE, copy_raw, write_shard
from akhbar.interchange import FORMATS
from akhbar.records import atomic_write


def register(sub) -> None:
    p = sub.add_parser(
        "import", help="bring annotations from brat, Label Studio or CoNLL into a shard",
        description="Merge imported annotations onto the corpus records with the same id (their metadata kept) or make new "
                    "records; every span is re-anchored on the text and each one that cannot be placed is reported.",
    )
    p.add_argument("src", help="brat folder (or .ann file), Label Studio export (.json), or CoNLL file")
    p.add_argument("--format", required=True, choices=FORMATS, help="input format")
    p.add_argument("--out", required=True, help="shard to write (JSONL); records already in it are kept")
    p.add_argument("--map", help="label map: for CoNLL a built-in name (akhbar, wojood, conll4, aqmar; default: the tagset the file "
                                 "declares in a '# tagset = NAME' line, else conll4) or a JSON map file "
                                 '{"labels": {"TAG": "TYPE" or null}}; for brat and Label Studio a JSON map for foreign span types')
    p.add_argument("--base", nargs="*", help="shards holding the articles to merge onto (default: every shard of the corpus)")
    p.add_argument("--root", help="root under whose corpus/raw/ new records' sources are copied (default: the folder above --out's corpus/)")
    p.add_argument("--publisher", help="publisher of new records' text (required when the import makes new records)")
    p.add_argument("--slug", help="id prefix and raw folder of new records (default: from --publisher)")
    p.add_argument("--text-license", default=DEFAULT_TEXT_LICENSE, help=f"licence of new records' text (default {DEFAULT_TEXT_LICENSE})")
    p.add_argument("--annotation-license", default=DEFAULT_ANNOTATION_LICENSE,
                   help=f"licence of new records' annotations (default {DEFAULT_ANNOTATION_LICENSE})")
    p.add_argument("--status", default="silver", choices=("gold", "silver", "draft"), help="annotation status of new records (default silver)")
    p.add_argument("--annotator", action="append", default=[], help="annotator to record (repeatable)")
    p.add_argument("--date", help="annotation.updated of changed records, YYYY-MM-DD (default: today)")
    p.add_argument("--sentences-per-doc", type=int, default=0, metavar="N",
                   help="CoNLL: start a new article every N sentences (default: one per file or per -DOCSTART-)")
    p.add_argument("--use-predictions", action="store_true",
                   help="Label Studio: use predictions for tasks without a completed annotation, when the file carries them in full "
                        "(our own tasks.json; Label Studio's JSON export lists them only by id: submit the tasks instead)")
    p.add_argument("--report", help="also write the repair report as JSON to this file")
    p.add_argument("--allow-drops", action="store_true", help="write even when spans or labels could not be imported (they are reported)")
    p.add_argument("--allow-repairs", action="store_true",
                   help="CoNLL: accept repairs that decide a mention's extent (an I- tag that continues nothing read as B-); "
                        "they are still reported")
    p.set_defaults(func=run)


def read_docs(args, report):
    src = Path(args.src)
    if not src.exists():
        raise UsageError(f"{src}: no such file or folder")
    if args.format == "conll" and src.is_dir():
        raise UsageError(f"{src}: give one CoNLL file")
    name, mapping = "map", None  # no --map: the file's own labels (a CoNLL file's declared tagset)
    if args.map:  # a built-in map or a JSON map file, for every format
        from akhbar.interchange.maps import load_map

        name, mapping = load_map(args.map)
    module = importlib.import_module(f"akhbar.interchange.{args.format}")
    if args.format == "brat":
        return module.read_brat(src, report, mapping)
    if args.format == "labelstudio":
        return module.read_tasks(src, report, mapping, use_predictions=args.use_predictions)
    return module.read_conll(src, mapping, report, name, args.sentences_per_doc, allow_repairs=args.allow_repairs)


def run(args) -> int:
    from akhbar.interchange.common import Report
    from akhbar.validate import display_path

    out = _checked_out(args)
    report = Report()
    records, changed, existing, copies = _merged(args, out, report)
    report.print()
    if args.report:
        atomic_write(Path(args.report), [json.dumps(report.as_json(), ensure_ascii=False, indent=1).encode("utf-8") + b"\n"])
    blocking = [p for p in report.errors if p.code != "other-shard"]
    if any(p.code == "other-shard" for p in report.problems):
        print(f"nothing written to {display_path(out)}: articles belong to other shards", file=sys.stderr)
        return EXIT_INVALID
    if blocking and not args.allow_drops:
        print(f"nothing written to {display_path(out)}: {len(blocking)} error(s) above (fix them, or pass --allow-drops)", file=sys.stderr)
        return EXIT_INVALID

    merged = {rid: rec for rid, (rec, _) in existing.items()} | {record["id"]: record for record in records}
    for source, target in copies:  # as akhbar ingest copies its raw files: atomically, never over other content
        copy_raw(source, target)
    write_shard(out, list(merged.values()))
    print(f"{len(records)} article(s) imported ({len(changed)} new or changed) -> {display_path(out)}")
    if not _written_valid(out, args):
        return EXIT_INVALID
    return EXIT_INVALID if blocking else EXIT_OK


def _checked_out(args) -> Path:
    out = Path(args.out)
    if out.exists() and not out.is_file():
        raise UsageError(f"--out {out}: not a file")
    if not out.parent.is_dir():
        raise UsageError(f"--out {out}: folder {out.parent} does not exist")
    if args.sentences_per_doc < 0:
        raise UsageError("--sentences-per-doc must be >= 0")
    return out


def _merged(args, out: Path, report) -> tuple[list[dict], list, dict, list]:
    """The imported records merged with their base versions, those new or changed, the
    records already in --out, and the raw files to copy. An article that lives in another shard is reported."""
    from akhbar.interchange.common import InterchangeError
    from akhbar.interchange.merge import NewRecordOptions, merge_docs, read_shards
    from akhbar.paths import corpus_root_of, default_shards, project_root
    from akhbar.validate import display_path

    try:
        docs = read_docs(args, report)
        existing = read_shards([out]) if out.exists() else {}
        base_paths = [Path(p) for p in args.base] if args.base is not None else default_shards(project_root())
        base = read_shards([p for p in base_paths if p.resolve() != out.resolve()])
        base.update(existing)
        root = Path(args.root).resolve() if args.root else corpus_root_of(out)
        options = NewRecordOptions(publisher=args.publisher, slug=args.slug, text_license=args.text_license,
                                   annotation_license=args.annotation_license, status=args.status,
                                   annotators=args.annotator, date=args.date)
        records, changed, copies = merge_docs(docs, base, root, options, report)
    except InterchangeError:  # a UserError: the command line prints it; first what was found before it
        for problem in report.problems:
            print(problem.as_text(), file=sys.stderr)
        raise
    for record in records:
        shard = base.get(record["id"], (None, None))[1]
        if shard is not None and shard.resolve() != out.resolve():
            report.warning("other-shard", f"article lives in {display_path(shard)}; writing it to {display_path(out)} too would "
                                          "duplicate its id: import into that shard instead", article=record["id"])
    return records, changed, existing, copies


def _written_valid(out: Path, args) -> bool:
    """Validate the written shard; print its errors (at most 20)."""
    from akhbar.validate import Summary, display_path, validate_paths

    summary = Summary()
    diagnostics = [d for d in validate_paths([out], Path(args.root).resolve() if args.root else None, summary) if d.level == "error"]
    for diagnostic in diagnostics[:20]:
        print(diagnostic.as_text(), file=sys.stderr)
    if summary.errors:
        print(f"{display_path(out)}: {summary.errors} validation error(s); run akhbar validate", file=sys.stderr)
        return False
    return True
