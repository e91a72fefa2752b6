"""`akhbar render ARTICLE_ID`: one article with its annotations as a self-contained,
right-to-left HTML page (the review view)."""

from __future__ import annotations

import sys
from pathlib import Path

from akhbar.commands.common import EXIT_OK, UsageError, expand_shards


def register(sub) -> None:
    p = sub.add_parser("render", help="an article with its annotations as self-contained right-to-left HTML")
    p.add_argument("article_id", metavar="ARTICLE_ID", help="id of the article (e.g. elaph-46fbcfd5b2c865c7)")
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help="shards, folders or REV:path to look in (default: every shard under corpus/)")
    p.add_argument("--out", metavar="FILE.html", help="write the page here (atomically) instead of to standard output")
    p.set_defaults(func=run)


def run(args) -> int:
    from akhbar.paths import project_root
    from akhbar.records import atomic_write
    from akhbar.render import render_html
    from akhbar.sources import find_record

    # REV:path specs go to find_record as they are; none given means the corpus's shards.
    specs = args.paths or [str(p) for p in expand_shards([], project_root())]
    located = find_record(args.article_id, specs)
    if located is None:
        raise UsageError(f"article {args.article_id!r} not found in {', '.join(args.paths) or 'the corpus shards'}")
    page = render_html(located.record).encode("utf-8")
    if args.out and args.out != "-":
        out = Path(args.out)
        if not out.parent.is_dir():
            raise UsageError(f"{args.out}: the folder {out.parent} does not exist")
        atomic_write(out, [page])
    else:
        sys.stdout.buffer.write(page)
    return EXIT_OK
