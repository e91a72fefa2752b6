"""The `akhbar` command line: a thin layer of argument parsing over the library.

Exit codes, for every command: 0 success, 1 the data has problems (validation errors, files
not canonical), 2 usage or I/O problems. Nothing a user's file can contain produces a
traceback: errors are reported as messages with what and where.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from akhbar import __version__
from akhbar.diagnostics import CHECKS

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    pass


def _expand(paths: list[str], root: Path) -> list[Path]:
    """Files as given; folders become the *.jsonl shards below them (raw files excluded)."""
    from akhbar.paths import default_shards

    if not paths:
        shards = default_shards(root)
        if not shards:
            raise UsageError(f"no shards found under {root / 'corpus'}")
        return shards
    result = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            result.extend(sorted(p for p in path.rglob("*.jsonl") if "raw" not in p.relative_to(path).parts))
        elif path.is_file():
            result.append(path)
        else:
            raise UsageError(f"{given}: no such file or folder")
    return result


# ---- validate --------------------------------------------------------------------------------


def cmd_validate(args) -> int:
    from akhbar.paths import project_root
    from akhbar.validate import Summary, validate_paths

    unknown = [c for c in args.exclude if c not in CHECKS]
    if unknown:
        raise UsageError(f"unknown check id(s) for --exclude: {', '.join(unknown)} (see akhbar checks)")
    root = Path(args.root).resolve() if args.root else project_root()
    paths = _expand(args.paths, root)
    summary = Summary()
    excluded = set(args.exclude)
    out = sys.stdout
    first = True
    if args.format == "json":
        out.write('{"diagnostics": [\n')
    for diagnostic in validate_paths(paths, Path(args.root).resolve() if args.root else None, summary):
        if diagnostic.check in excluded:
            summary.by_check[diagnostic.check] -= 1
            if diagnostic.level == "error":
                summary.errors -= 1
            else:
                summary.warnings -= 1
            continue
        if args.format == "json":
            out.write(("" if first else ",\n") + json.dumps(diagnostic.as_json(), ensure_ascii=False))
            first = False
        elif args.format == "github":
            out.write(diagnostic.as_github() + "\n")
        elif not args.quiet:
            out.write(diagnostic.as_text() + "\n")
    counts = {k: v for k, v in sorted(summary.by_check.items()) if v}
    if args.format == "json":
        result = {"files": summary.files, "records": summary.records, "errors": summary.errors,
                  "warnings": summary.warnings, "by_check": counts, "passed": summary.errors == 0}
        out.write('\n], "summary": ' + json.dumps(result) + "}\n")
    else:
        detail = f" ({', '.join(f'{k} {v}' for k, v in counts.items())})" if counts else ""
        verdict = "*** PASSED ***" if summary.errors == 0 else "*** FAILED ***"
        out.write(
            f"{verdict} {summary.files} file(s), {summary.records} record(s): "
            f"{summary.errors} error(s), {summary.warnings} warning(s){detail}\n"
        )
    return EXIT_OK if summary.errors == 0 else EXIT_INVALID


def cmd_checks(args) -> int:
    for check_id, check in CHECKS.items():
        print(f"{check_id}\t{check.level}\t{check.cls}\t{check.summary}")
    return EXIT_OK


# ---- fmt -------------------------------------------------------------------------------------


def cmd_fmt(args) -> int:
    from akhbar.fmt import format_file
    from akhbar.paths import project_root
    from akhbar.validate import display_path

    paths = _expand(args.paths, project_root())
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


# ---- ingest ----------------------------------------------------------------------------------


def cmd_ingest(args) -> int:
    from akhbar.ingest import IngestOptions, ingest
    from akhbar.paths import project_root
    from akhbar.validate import display_path

    options = IngestOptions(
        publisher=args.publisher, slug=args.slug, title=args.title, author=args.author,
        dateline=args.dateline, url=args.url, published=args.published,
        text_license=args.text_license, annotation_license=args.annotation_license,
        lede=not args.no_lede, date=args.date,
    )
    root = Path(args.root).resolve() if args.root else project_root()
    record, shard = ingest(Path(args.raw), root, options, Path(args.shard) if args.shard else None)
    print(f"{record['id']} ({record['split']}, {len(record['text'])} characters, {len(record['blocks'])} blocks) -> {display_path(shard)}")
    return EXIT_OK


# ---- parser ----------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="akhbar", description="Tools of the Akhbar corpus of annotated Arabic news.")
    parser.add_argument("--version", action="version", version=f"akhbar {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="check shards against the schema and the semantic checks")
    p.add_argument("paths", nargs="*", help="shards or folders (default: every shard under corpus/)")
    p.add_argument("--format", choices=("text", "json", "github"), default="text", help="output format (default: text)")
    p.add_argument("--exclude", action="append", default=[], metavar="CHECK", help="skip a check id (repeatable)")
    p.add_argument("--quiet", action="store_true", help="text format: print the summary only")
    p.add_argument("--root", help="repository root that raw_file paths are relative to (default: found from each shard)")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("checks", help="list every validator check id with its level and class")
    p.set_defaults(func=cmd_checks)

    p = sub.add_parser("fmt", help="rewrite shards in canonical form (atomic)")
    p.add_argument("paths", nargs="*", help="shards or folders (default: every shard under corpus/)")
    p.add_argument("--check", action="store_true", help="report files that are not canonical; write nothing")
    p.set_defaults(func=cmd_fmt)

    p = sub.add_parser("ingest", help="turn a raw scraped article into a new record")
    p.add_argument("raw", help="the raw article text file (UTF-8)")
    p.add_argument("--publisher", required=True, help="publisher name, e.g. Elaph")
    p.add_argument("--slug", help="id prefix (default: from the publisher name)")
    p.add_argument("--title", help="the headline, when the source gives one")
    p.add_argument("--author", help="the author as the byline gives it")
    p.add_argument("--dateline", help="dateline place (default: read from 'AUTHOR من PLACE:')")
    p.add_argument("--url", help="the article's URL")
    p.add_argument("--published", help="publication date, ISO 8601")
    p.add_argument("--text-license", default="LicenseRef-Akhbar-Research-Only", help="licence id of the article text")
    p.add_argument("--annotation-license", default="CC-BY-4.0", help="licence id of the annotations")
    p.add_argument("--no-lede", action="store_true", help="the first paragraph is not a lede")
    p.add_argument("--date", help="annotation.updated (default: today)")
    p.add_argument("--shard", help="shard to add to (default: corpus/articles/<slug>.jsonl)")
    p.add_argument("--root", help="repository root (default: this checkout)")
    p.set_defaults(func=cmd_ingest)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from akhbar.ingest import IngestError

    try:
        return args.func(args)
    except (UsageError, IngestError) as exc:
        print(f"akhbar {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        return EXIT_OK
    except OSError as exc:
        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        print(f"akhbar {args.command}: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"akhbar {args.command}: interrupted", file=sys.stderr)
        return 130
