"""`akhbar fmt`."""

from __future__ import annotations

import sys

from akhbar.commands.common import EXIT_INVALID, EXIT_OK, add_shard_paths, expand_shards


def register(sub) -> None:
    p = sub.add_parser("fmt", help="rewrite shards in canonical form (atomic)")
    add_shard_paths(p)
    p.add_argument("--check", action="store_true", help="report files that are not canonical; write nothing")
    p.set_defaults(func=run)


def run(args) -> int:
    from akhbar.fmt import format_file
    from akhbar.paths import project_root
    from akhbar.validate import display_path

    paths = expand_shards(args.paths, project_root())
    changed = refused = 0
    for path in paths:
        result = format_file(path, check_only=args.check)
        if result.refused:
            refused += 1
            for diagnostic in result.refused:
                print(diagnostic.as_text(), file=sys.stderr)
            print(f"{display_path(path)}: left untouched (fix the errors above first)", file=sys.stderr)
        elif result.changed:
            changed += 1
            print(f"{display_path(path)}: {'not in canonical form' if args.check else 'reformatted'}")
    total = len(paths)
    if args.check:
        print(f"{changed} of {total} file(s) would be reformatted" + (f", {refused} cannot be parsed" if refused else ""))
        return EXIT_INVALID if changed or refused else EXIT_OK
    print(f"{changed} of {total} file(s) reformatted" + (f", {refused} left untouched" if refused else ""))
    return EXIT_INVALID if refused else EXIT_OK
