"""`akhbar build`."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from akhbar.commands.common import EXIT_INVALID, EXIT_OK, UsageError


def register(sub) -> None:
    p = sub.add_parser("build", help="build the Hugging Face dataset folder (parquet, dataset card, Croissant)")
    p.add_argument("--out", help="output folder (default: build/hf under the repository root)")
    p.add_argument("--root", help="repository root whose corpus/ is built (default: this checkout)")
    p.add_argument("--push-to-hub", metavar="REPO", help="after building, upload the folder to the Hub dataset repository OWNER/NAME")
    p.add_argument("--private", action="store_true", help="with --push-to-hub: create the repository as private")
    p.add_argument("--jobs", type=int, default=None, metavar="N",
                   help="worker processes for validating the corpus and deriving the rows (default: all cores; the output is the same)")
    p.set_defaults(func=run)


# Read by the libraries as a process starts, so set in the environment before pyarrow is
# imported here and before the build starts its worker processes (which start fresh and
# inherit it). A user's own settings win.
ENVIRONMENT = {
    # Arrow's buffers from the system allocator: gigabytes of record batches flow through a
    # build a run at a time, and with mimalloc, pyarrow's default on Linux, more stayed
    # resident at the same speed.
    "ARROW_DEFAULT_MEMORY_POOL": "system",
    # glibc's malloc arenas (up to 8 per core) capped at 2 in the worker processes.
    "MALLOC_ARENA_MAX": "2",
}


def run(args) -> int:
    for name, value in ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    from akhbar.hf import CONFIGS
    from akhbar.hf.build import build
    from akhbar.hf.hub import check_repo_id, files_to_upload, push
    from akhbar.paths import project_root
    from akhbar.validate import default_jobs, display_path

    root = Path(args.root).resolve() if args.root else project_root()
    out = Path(args.out) if args.out else root / "build" / "hf"
    if args.push_to_hub:
        check_repo_id(args.push_to_hub)

    errors = warnings = 0

    def report(diagnostic) -> None:
        nonlocal errors, warnings
        if diagnostic.level == "error":
            errors += 1
            print(diagnostic.as_text(), file=sys.stderr)
        else:
            warnings += 1

    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs takes a whole number of at least 1")
    jobs = args.jobs or default_jobs()
    began = time.perf_counter()
    result = build(out, root, report, jobs=jobs)
    if result is None:
        print(f"akhbar build: the corpus has {errors} error(s) (above); nothing was built. "
              "Fix them (akhbar validate shows them all) and build again.", file=sys.stderr)
        return EXIT_INVALID
    where = display_path(out)
    stats = result.stats
    published = stats.published()
    print(f"built {where} in {time.perf_counter() - began:.1f} s from {sum(stats.articles.values())} article(s)"
          + (f" ({warnings} validator warning(s); see akhbar validate)" if warnings else ""))
    for config, splits in published:
        print(f"  {config}: " + ", ".join(f"{s} {stats.rows[(config, s)]}" for s in splits))
    unpublished = [c for c in CONFIGS if c not in dict(published)]
    if unpublished:
        print(f"  not published (no rows yet): {', '.join(unpublished)}")
    if args.push_to_hub:
        files = files_to_upload(out)
        print(f"uploading {len(files)} file(s) ({sum(size for _, size in files)} bytes) to "
              f"https://huggingface.co/datasets/{args.push_to_hub}:")
        for name, size in files:
            print(f"  {name} ({size} bytes)")
        url = push(out, args.push_to_hub, private=args.private)
        print(f"uploaded: {url}")
        print(f'load it with: load_dataset("{args.push_to_hub}")')
    else:
        print(f'load it with: python -c \'from datasets import load_dataset; print(load_dataset("{where}"))\'')
    return EXIT_OK
