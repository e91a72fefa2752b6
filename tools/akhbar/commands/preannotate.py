"""`akhbar preannotate`: proposals from what the corpus already knows (akhbar.preannotate)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from akhbar.commands.common import EXIT_OK, UsageError, expand_shards, named_articles, require_folder

FORMATS = ("record", "labelstudio", "brat")


def register(sub) -> None:
    p = sub.add_parser("preannotate", help="propose entity mentions, quote cues and event triggers from the annotated corpus")
    p.add_argument("paths", nargs="*", help="shards or folders holding the articles to pre-annotate (default: every shard under corpus/)")
    p.add_argument("--id", dest="ids", action="append", default=[], metavar="ARTICLE", help="only this article (repeatable; default: every draft article)")
    p.add_argument("--lexicon", action="append", default=[], metavar="PATH", help="annotated shards or folders to learn from (default: the corpus)")
    p.add_argument("--format", choices=FORMATS, default="record", help="record: draft JSONL; labelstudio/brat: files for the annotation tools (default record)")
    p.add_argument("--out", help="output file (record) or folder (labelstudio, brat)")
    p.add_argument("--evaluate", action="store_true", help="print leave-one-out precision/recall on the gold articles instead (JSON)")
    p.set_defaults(func=run)


def run(args) -> int:
    from akhbar.paths import project_root
    from akhbar.preannotate import build_lexicon, evaluate, preannotate
    from akhbar.validate import display_path

    targets, known = _read(args, project_root())
    if args.evaluate:
        sys.stdout.write(json.dumps(evaluate(known), ensure_ascii=False, indent=2) + "\n")
        return EXIT_OK
    if not args.out:
        raise UsageError("--out is required (a .jsonl file for --format record, a folder otherwise)")
    targets = _chosen(targets, args.ids)
    lexicon = build_lexicon(known, exclude={r["id"] for r in targets})
    drafts = sorted((preannotate(r, lexicon) for r in targets), key=lambda r: r["id"])
    out = Path(args.out)
    _write(drafts, out, args.format)
    counts = [sum(len(e["mentions"]) for d in drafts for e in d["entities"]),
              sum(len(d["quotes"]) for d in drafts), sum(len(d["events"]) for d in drafts)]
    print(f"{len(drafts)} article(s): {counts[0]} mention(s), {counts[1]} quote(s), {counts[2]} event(s) proposed -> {display_path(out)}")
    return EXIT_OK


def _read(args, root) -> tuple[list[dict], list[dict]]:
    """The records to pre-annotate and the annotated records to learn from."""
    from akhbar.interchange.merge import read_shards

    targets = [rec for rec, _ in read_shards(expand_shards(args.paths, root)).values()]
    known = targets if not args.lexicon else [rec for rec, _ in read_shards(expand_shards(args.lexicon, root)).values()]
    return targets, known


def _chosen(targets: list[dict], ids: list[str]) -> list[dict]:
    """The articles named with --id, or every draft article."""
    if not ids:
        return [r for r in targets if r.get("annotation", {}).get("status") == "draft"]
    return named_articles(targets, ids)


def _write(drafts: list[dict], out: Path, fmt: str) -> None:
    from akhbar.interchange import brat, labelstudio
    from akhbar.interchange.common import Report
    from akhbar.records import write_records

    if fmt == "record":
        if out.is_dir():
            raise UsageError(f"--out {out}: a folder; --format record writes one JSONL file")
        out.parent.mkdir(parents=True, exist_ok=True)
        write_records(out, drafts)
        return
    require_folder(out)
    out.mkdir(parents=True, exist_ok=True)
    report = Report()
    (brat.export_brat if fmt == "brat" else labelstudio.export_labelstudio)(drafts, out, report)
    for problem in report.problems:
        print(problem.as_text(), file=sys.stderr)
