"""`akhbar stats`."""

from __future__ import annotations

import json
import sys

from akhbar.commands.common import EXIT_OK, UsageError, expand_shards


def register(sub) -> None:
    p = sub.add_parser("stats", help="counts per layer, label and split")
    p.add_argument("paths", nargs="*", help="shards or folders (default: every shard under corpus/)")
    p.add_argument("--format", choices=("text", "json", "markdown"), default="text", help="output format (default: text)")
    p.set_defaults(func=run)


def run(args) -> int:
    from akhbar.paths import project_root
    from akhbar.stats import StatsError, collect, to_markdown, to_text

    try:
        stats = collect(expand_shards(args.paths, project_root()))
    except StatsError as exc:
        raise UsageError(str(exc)) from None
    if args.format == "json":
        sys.stdout.write(json.dumps(stats.as_json(), ensure_ascii=False, indent=2) + "\n")
    elif args.format == "markdown":
        sys.stdout.write(to_markdown(stats))
    else:
        sys.stdout.write(to_text(stats))
    return EXIT_OK
