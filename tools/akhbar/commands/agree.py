"""`akhbar agree A B`: agreement of two annotations of the same articles; with A the gold
and B a system's predictions, the official scorer (docs/scoring.md)."""

from __future__ import annotations

import json
import sys

from akhbar.commands.common import EXIT_OK


def register(sub) -> None:
    p = sub.add_parser(
        "agree",
        help="precision/recall/F1 and agreement of annotation B against A (the official scorer: GOLD PRED)",
        description="Score the annotations of B against those of A, article by article (matched by id). "
        "A and B are each a JSONL shard, a folder of shards, or REV:path (a git revision). "
        "With A the gold standard and B predictions, this is the official scorer.",
    )
    p.add_argument("a", metavar="A", help="reference annotation (gold): shard, folder, or REV:path")
    p.add_argument("b", metavar="B", help="annotation scored against A (predictions): shard, folder, or REV:path")
    add_report_arguments(p)
    p.set_defaults(func=run)


def add_report_arguments(parser) -> None:
    """The output options of the scorer's commands (`akhbar agree`, `akhbar evaluate`)."""
    parser.add_argument("--format", choices=("text", "json", "markdown"), default="text", help="output format (default: text)")
    parser.add_argument("--by-type", action="store_true", help="text/markdown: add tables per entity type and event category")


def write_report(result: dict, args, head: str = "") -> None:
    """The scorer's result as JSON, or as `head` followed by the text or Markdown tables."""
    from akhbar.agree_report import as_markdown, as_text

    if args.format == "json":
        sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(head + (as_markdown if args.format == "markdown" else as_text)(result, args.by_type))


def run(args) -> int:
    from akhbar.agree import compare
    from akhbar.sources import load_collection

    write_report(compare(load_collection(args.a), load_collection(args.b)), args)
    return EXIT_OK
