"""`akhbar diff`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from akhbar.commands.common import EXIT_INVALID, EXIT_OK, UsageError


def register(sub) -> None:
    p = sub.add_parser(
        "diff", help="annotation-level diff between two corpus versions (git revisions, files or folders)",
        description="Articles added and removed; per article, mentions, entities, quotes and events added, removed or changed, "
                    "with the surrounding text. A split change of an existing article is an error (exit 1). "
                    "OLD and NEW are files or folders of shards, git revisions (their corpus/ shards) or REV:path "
                    "(a path that exists wins; prefix git: to force a revision).",
    )
    p.add_argument("old", help="the old side: a git revision (e.g. origin/main), REV:path, or a shard file or folder")
    p.add_argument("new", help="the new side: a git revision (e.g. HEAD), REV:path, or a shard file or folder")
    p.add_argument("--format", choices=("markdown", "json"), default="markdown", help="output format (default markdown)")
    p.add_argument("--repo", help="git repository for revisions (default: this checkout)")
    p.add_argument("--context", type=int, default=30, metavar="N", help="characters of text shown on each side of a span (default 30)")
    p.add_argument("--max-rows", type=int, default=200, metavar="N", help="Markdown: at most N rows per article (default 200)")
    p.add_argument("--out", help="write the diff to this file instead of standard output")
    p.set_defaults(func=run)


def run(args) -> int:
    from akhbar.diff import diff_sides, load_side, to_markdown
    from akhbar.paths import project_root
    from akhbar.records import atomic_write

    repo = Path(args.repo).resolve() if args.repo else project_root()
    if args.context < 0 or args.max_rows < 1:
        raise UsageError("--context must be >= 0 and --max-rows >= 1")
    result = diff_sides(load_side(args.old, repo), load_side(args.new, repo), args.old, args.new, args.context)
    if args.format == "json":
        text = json.dumps(result.as_json(), ensure_ascii=False, indent=1) + "\n"
    else:
        text = to_markdown(result, args.max_rows)
    if args.out:
        atomic_write(Path(args.out), [text.encode("utf-8")])
    else:
        sys.stdout.write(text)
    for article, change in result.errors:
        print(f"{article.where} [{article.id}]: [ERROR split-changed] {change.detail}", file=sys.stderr)
    return EXIT_INVALID if result.errors else EXIT_OK
