"""`akhbar validate` and `akhbar checks`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from akhbar.commands.common import EXIT_INVALID, EXIT_OK, UsageError, add_shard_paths, expand_shards
from akhbar.diagnostics import CHECKS


def register(sub) -> None:
    p = sub.add_parser("validate", help="check shards against the schema and the semantic checks")
    add_shard_paths(p)
    p.add_argument("--format", choices=("text", "json", "github"), default="text", help="output format (default: text)")
    p.add_argument("--exclude", action="append", default=[], metavar="CHECK", help="skip a check id (repeatable)")
    p.add_argument("--quiet", action="store_true", help="text format: print the summary only")
    p.add_argument("--root", help="repository root that raw_file paths are relative to (default: found from each shard)")
    p.add_argument("--jobs", "-j", type=_jobs, default=None, metavar="N",
                   help="worker processes (default: all cores); the output does not depend on it")
    p.add_argument("--changed-since", metavar="REF",
                   help="only re-check records whose line differs from git revision REF (CI); "
                        "duplicate ids are still checked across the whole corpus")
    p.set_defaults(func=run)

    p = sub.add_parser("checks", help="list every validator check id with its level and class")
    p.set_defaults(func=run_checks)


def _jobs(value: str) -> int:
    import argparse

    try:
        jobs = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of processes") from None
    if jobs < 1:
        raise argparse.ArgumentTypeError("--jobs must be at least 1")
    return jobs


def run(args) -> int:
    from akhbar.paths import project_root
    from akhbar.validate import Baseline, Summary, default_jobs, validate_paths

    unknown = [c for c in args.exclude if c not in CHECKS]
    if unknown:
        raise UsageError(f"unknown check id(s) for --exclude: {', '.join(unknown)} (see akhbar checks)")
    root = Path(args.root).resolve() if args.root else None
    paths = expand_shards(args.paths, root or project_root())
    excluded = set(args.exclude)
    baseline = None
    if args.changed_since:
        baseline = Baseline.open(args.changed_since, paths[0].resolve().parent if paths else (root or project_root()))
    jobs = args.jobs or default_jobs()
    summary = Summary()
    out = sys.stdout
    first = True
    if args.format == "json":
        out.write('{"diagnostics": [\n')
    for diagnostic in validate_paths(paths, root, summary, jobs=jobs, baseline=baseline):
        if diagnostic.check in excluded:
            summary.remove(diagnostic)
            continue
        if args.format == "json":
            out.write(("" if first else ",\n") + json.dumps(diagnostic.as_json(), ensure_ascii=False))
            first = False
        elif args.format == "github":
            out.write(diagnostic.as_github() + "\n")
        elif not args.quiet:
            out.write(diagnostic.as_text() + "\n")
    _write_summary(out, args, summary, baseline is not None)
    return EXIT_OK if summary.errors == 0 else EXIT_INVALID


def _write_summary(out, args, summary, incremental: bool) -> None:
    """The end of the output: the summary object of the JSON document, or the verdict line."""
    counts = {k: v for k, v in sorted(summary.by_check.items()) if v}
    if args.format == "json":
        result = {"files": summary.files, "records": summary.records, "errors": summary.errors,
                  **({"unchanged": summary.unchanged} if incremental else {}),
                  "warnings": summary.warnings, "by_check": counts, "passed": summary.errors == 0}
        out.write('\n], "summary": ' + json.dumps(result) + "}\n")
    else:
        verdict = "*** PASSED ***" if summary.errors == 0 else "*** FAILED ***"
        unchanged = ""
        if incremental:
            unchanged = f" ({summary.unchanged} unchanged since {args.changed_since}, not re-checked)"
        detail = f" ({', '.join(f'{k} {v}' for k, v in counts.items())})" if counts else ""
        out.write(f"{verdict} {summary.files} file(s), {summary.records} record(s){unchanged}: "
                  f"{summary.errors} error(s), {summary.warnings} warning(s){detail}\n")


def run_checks(args) -> int:
    for check_id, check in CHECKS.items():
        print(f"{check_id}\t{check.level}\t{check.cls}\t{check.summary}")
    return EXIT_OK
