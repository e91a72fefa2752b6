"""`akhbar agree A B`: agreement of two annotations of the same articles; with A the gold
and B a system's predictions, the official scorer (docs/scoring.md)."""

from __future__ import annotations

import json
import sys

from akhbar.commands.common import EXIT_OK, UsageError


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
    p.add_argument("--format", choices=("text", "json", "markdown"), default="text", help="output format (default: text)")
    p.add_argument("--by-type", action="store_true", help="text/markdown: add tables per entity type and event category")
    p.set_defaults(func=run)


def run(args) -> int:
    from akhbar.agree import compare, result_json
    from akhbar.agree_report import as_markdown, as_text
    from akhbar.sources import InputError, load_collection

    try:
        a = load_collection(args.a)
        b = load_collection(args.b)
        result = result_json(compare(a, b))
    except InputError as exc:
        raise UsageError(exc.summary()) from None
    if args.format == "json":
        sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    elif args.format == "markdown":
        sys.stdout.write(as_markdown(result, args.by_type))
    else:
        sys.stdout.write(as_text(result, args.by_type))
    return EXIT_OK
