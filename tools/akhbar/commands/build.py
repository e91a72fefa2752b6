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


# Arrow's buffers from the system allocator unless the user chose (read when pyarrow is first
# imported, below): gigabytes of record batches flow through a build a run at a time, and with
# mimalloc, pyarrow's default on Linux, about 80 MB more stayed resident in the build process
# and 40 MB in each worker, at the same speed (10,000 articles; docs/performance.md).
ARROW_POOL = ("ARROW_DEFAULT_MEMORY_POOL", "system")
# glibc's malloc gives threads their own arenas (up to 8 per core), and the build's
# background parquet writers each grew one: capping them at 2 (M_ARENA_MAX) lowered the peak
# memory by about 45 MB at 10,000 and at 100,000 articles at the same speed. A user's own
# MALLOC_ARENA_MAX wins; elsewhere than glibc this does nothing.
MALLOC_ARENAS = 2
_M_ARENA_MAX = -8  # from glibc's malloc.h


def cap_malloc_arenas(arenas: int = MALLOC_ARENAS) -> bool:
    """Limit glibc's malloc arenas for this process and the workers it forks. Returns
    whether the limit was set."""
    import ctypes
    import platform

    if "MALLOC_ARENA_MAX" in os.environ or platform.libc_ver()[0] != "glibc":
        return False
    try:
        return ctypes.CDLL(None).mallopt(_M_ARENA_MAX, arenas) == 1
    except (OSError, AttributeError):
        return False


def run(args) -> int:
    os.environ.setdefault(*ARROW_POOL)
    cap_malloc_arenas()
    from akhbar.hf.build import BuildError, build
    from akhbar.hf.hub import HubError, check_repo_id, files_to_upload, push
    from akhbar.paths import project_root
    from akhbar.validate import display_path

    root = Path(args.root).resolve() if args.root else project_root()
    out = Path(args.out) if args.out else root / "build" / "hf"
    if args.push_to_hub:
        try:
            check_repo_id(args.push_to_hub)
        except HubError as exc:
            raise UsageError(str(exc)) from None

    errors = warnings = 0

    def report(diagnostic) -> None:
        nonlocal errors, warnings
        if diagnostic.level == "error":
            errors += 1
            print(diagnostic.as_text(), file=sys.stderr)
        else:
            warnings += 1

    from akhbar.validate import default_jobs

    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs takes a whole number of at least 1")
    jobs = args.jobs or default_jobs()
    began = time.perf_counter()
    try:
        result = build(out, root, report, jobs=jobs)
    except BuildError as exc:
        raise UsageError(str(exc)) from None
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
    unpublished = [c for c in ("articles", "ner", "ner_conll4", "quotes", "events") if c not in dict(published)]
    if unpublished:
        print(f"  not published (no rows yet): {', '.join(unpublished)}")
    if args.push_to_hub:
        files = files_to_upload(out)
        print(f"uploading {len(files)} file(s) ({sum(size for _, size in files)} bytes) to "
              f"https://huggingface.co/datasets/{args.push_to_hub}:")
        for name, size in files:
            print(f"  {name} ({size} bytes)")
        try:
            url = push(out, args.push_to_hub, private=args.private)
        except HubError as exc:
            raise UsageError(str(exc)) from None
        print(f"uploaded: {url}")
        print(f'load it with: load_dataset("{args.push_to_hub}")')
    else:
        print(f'load it with: python -c \'from datasets import load_dataset; print(load_dataset("{where}"))\'')
    return EXIT_OK
