"""Benchmark akhbar validate and akhbar build side by side on the same SYNTHETIC files.

For each size it generates (or reuses) a corpus with benchmarks/generate.py, then measures,
each run in a fresh subprocess (wall time; CPU time of all its processes and peak RSS of the
largest one from getrusage(RUSAGE_CHILDREN) in a wrapper process; with --repeat N the fastest
of N runs):

  parse floor      orjson.loads of every line, nothing else
  naive loop       json.loads + jsonschema Draft202012Validator(schema).validate per record
                   (on the first --naive-limit records; the rate is extrapolated)
  validate -j1/-j2 akhbar validate --jobs 1 / --jobs 2
  build            akhbar build (validation included) of the corpus
  load_dataset     datasets.load_dataset("json", data_files=<the shard>) with a fresh cache

and then, on the same records written the way a contributor's own script writes them
(json.dumps(record, ensure_ascii=False, sort_keys=True): valid, not canonical), the parse
floor and akhbar validate --jobs 1 / --jobs 2 again ("non-canonical" rows; their × floor is
against the parse floor of that file).

It prints a Markdown table and writes it to benchmarks/results.md, and into
docs/performance.md between the markers <!-- results:start --> and <!-- results:end -->.

Usage:
    python benchmarks/run.py [--sizes 1000,10000[,100000]] [--out DIR] [--source FILE]
                             [--naive-limit N] [--build-max N] [--repeat N] [--no-docs]
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402

# Runs a command and reports its wall time and the peak RSS of its largest process. Processes
# that are not waited for by their parent (a multiprocessing forkserver and the workers it
# forks) escape getrusage(RUSAGE_CHILDREN), so the high-water mark (VmHWM) of every process
# of the command's session is also read while it runs.
WRAPPER = """
import json, os, resource, subprocess, sys, time
def session_peak(sid):
    peak = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.getsid(int(pid)) == sid:
                with open(f"/proc/{pid}/status") as f:
                    peak = max([peak] + [int(line.split()[1]) for line in f if line.startswith("VmHWM:")])
        except (OSError, ValueError):
            pass
    return peak
t = time.perf_counter()
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, start_new_session=True)
peak = 0
while True:
    peak = max(peak, session_peak(proc.pid))
    try:
        proc.wait(timeout=0.2)
        break
    except subprocess.TimeoutExpired:
        pass
wall = time.perf_counter() - t
rss = max(peak, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"rc": proc.returncode, "seconds": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_kb": rss}))
"""

FLOOR = """
import sys, orjson
n = 0
with open(sys.argv[1], "rb") as f:
    for line in f:
        orjson.loads(line)
        n += 1
"""

NAIVE = """
import itertools, json, sys
import jsonschema
schema = json.load(open(sys.argv[2], encoding="utf-8"))
validator = jsonschema.Draft202012Validator(schema)
with open(sys.argv[1], encoding="utf-8") as f:
    for line in itertools.islice(f, int(sys.argv[3])):
        validator.validate(json.loads(line))
"""

LOAD_DATASET = """
import sys, tempfile
from datasets import load_dataset
cache = tempfile.mkdtemp(prefix="akhbar-bench-hf-")
ds = load_dataset("json", data_files=sys.argv[1], cache_dir=cache, split="train")
assert len(ds) > 0
"""


# Runs of each contender; the fastest is kept (--repeat: on a shared machine, other work only
# ever slows a run down).
REPEAT = 1


def measure(cmd: list[str], cwd: Path | None = None, env: dict | None = None) -> dict:
    results = []
    for _ in range(REPEAT):
        proc = subprocess.run([sys.executable, "-c", WRAPPER, *cmd], capture_output=True, text=True, cwd=cwd, env=env)
        try:
            result = json.loads(proc.stdout.strip().splitlines()[-1])
        except (IndexError, json.JSONDecodeError):
            raise SystemExit(f"benchmark run failed: {' '.join(cmd)}\n{proc.stderr}") from None
        if result["rc"] not in (0, 1):  # 1: validate found errors, still a measurement
            raise SystemExit(f"benchmark run exited {result['rc']}: {' '.join(cmd)}")
        results.append(result)
    return min(results, key=lambda r: r["seconds"])


def akhbar_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "akhbar", *args]


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "unknown"
    try:
        kb = int(next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")).split()[1])
        ram = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    versions = {}
    for dist in ("orjson", "jsonschema", "jsonschema-rs", "pyarrow", "datasets"):
        try:
            versions[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            versions[dist] = "not installed"
    return {"cpu": cpu, "cores": os.cpu_count(), "ram": ram, "python": platform.python_version(),
            "platform": platform.platform(), "versions": versions, "load": os.getloadavg()}


def run(sizes: list[int], out: Path, source: Path | None, naive_limit: int, build_max: int) -> tuple[list[dict], str]:
    record, raw, note = generate.load_source(source)
    print(note, flush=True)
    rows = []
    for n in sizes:
        for canonical in (True, False):
            rows += measure_corpus(n, canonical, out, record, raw, naive_limit, build_max)
    return rows, note


def measure_corpus(n: int, canonical: bool, out: Path, record: dict, raw: Path | None, naive_limit: int,
                   build_max: int) -> list[dict]:
    """The rows of one corpus of n articles (canonical, or the same records non-canonical)."""
    folder = out / generate.folder_name(n, canonical)
    shard = folder / "corpus" / "articles" / "synthetic-0000.jsonl"
    form = "" if canonical else " [non-canonical]"
    if not shard.is_file() or sum(1 for _ in open(shard, "rb")) != n:
        print(f"generating {n} articles{form} …", flush=True)
        generate.generate(n, out, record, raw, canonical=canonical)
    mb = shard.stat().st_size / 1e6
    # Warm the page cache so that every contender reads from memory.
    with open(shard, "rb") as f:
        while f.read(1 << 24):
            pass
    rows = []

    def add(what: str, result: dict, records: int | None = None, extrapolated: bool = False) -> None:
        records = records or n
        seconds = result["seconds"] * (n / records)
        rows.append({"articles": n, "MB": mb, "what": what + form, "form": form, "seconds": seconds,
                     "cpu": result["cpu"] * (n / records), "rss_mb": result["rss_kb"] / 1024, "extrapolated": extrapolated})
        print(f"  {n:>7} {what + form:<45} {seconds:9.2f} s {result['rss_kb'] / 1024:8.0f} MB", flush=True)

    print(f"{n} articles{form}, {mb:.0f} MB:", flush=True)
    add("parse floor (orjson)", measure([sys.executable, "-c", FLOOR, str(shard)]))
    if canonical:
        limit = min(n, naive_limit)
        schema = REPO / "schema" / "article.schema.json"
        add("naive jsonschema loop", measure([sys.executable, "-c", NAIVE, str(shard), str(schema), str(limit)]),
            records=limit, extrapolated=limit < n)
    add("akhbar validate --jobs 1", measure(akhbar_cmd("validate", "--quiet", "--jobs", "1", str(folder)), cwd=folder))
    add("akhbar validate --jobs 2", measure(akhbar_cmd("validate", "--quiet", "--jobs", "2", str(folder)), cwd=folder))
    if canonical and n <= build_max:
        with tempfile.TemporaryDirectory(prefix="akhbar-bench-build-") as tmp:
            add("akhbar build", measure(akhbar_cmd("build", "--root", str(folder), "--out", str(Path(tmp) / "hf"))))
        env = dict(os.environ, HF_DATASETS_OFFLINE="1", HF_HUB_OFFLINE="1")
        with tempfile.TemporaryDirectory(prefix="akhbar-bench-hf-") as tmp:
            # Every cache of the runs (a fresh one per run) goes under tmp and is removed with it.
            env["HF_HOME"] = env["TMPDIR"] = tmp
            add('load_dataset("json")', measure([sys.executable, "-c", LOAD_DATASET, str(shard)], env=env))
    return rows


def table(rows: list[dict]) -> str:
    floors = {(r["articles"], r["form"]): r["seconds"] for r in rows if r["what"].startswith("parse floor")}
    naive = {r["articles"]: r["seconds"] for r in rows if r["what"].startswith("naive")}
    loads = {r["articles"]: r["seconds"] for r in rows if r["what"].startswith("load_dataset")}
    lines = ["| articles | MB | what | seconds | CPU s | articles/s | MB/s | peak RSS MB | × floor | naive ÷ this | × load_dataset |",
             "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        n, s = r["articles"], r["seconds"]
        floor = floors.get((n, r["form"]))
        x_floor = f"{s / floor:.1f}" if floor and not r["what"].startswith("parse") else ""
        speedup = f"{naive[n] / s:.0f}" if n in naive and r["what"].startswith("akhbar validate") else ""
        x_load = f"{s / loads[n]:.1f}" if n in loads and r["what"] == "akhbar build" else ""
        est = " (extrapolated)" if r["extrapolated"] else ""
        lines.append(f"| {n} | {r['MB']:.0f} | {r['what']}{est} | {s:.2f} | {r['cpu']:.2f} | {n / s:,.0f} | {r['MB'] / s:.0f} | "
                     f"{r['rss_mb']:.0f} | {x_floor} | {speedup} | {x_load} |")
    return "\n".join(lines)


def report(rows: list[dict], note: str, command: str) -> str:
    m = machine()
    v = ", ".join(f"{k} {val}" for k, val in m["versions"].items())
    return (
        f"{table(rows)}\n\n"
        f"Reproduce: `{command}`\n\n"
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram']} RAM; Python {m['python']} ({m['platform']}); {v}. "
        f"Load average when the run ended: {', '.join(f'{x:.1f}' for x in m['load'])}.\n\n"
        f"Material: SYNTHETIC articles recombined from the annotated paragraphs of the seed article ({note}).\n"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1000,10000", help="article counts (default 1000,10000; add 100000 for the large run)")
    ap.add_argument("--out", type=Path, default=generate.DEFAULT_OUT, help=f"corpora folder (default {generate.DEFAULT_OUT})")
    ap.add_argument("--source", type=Path, help="annotated record to recombine (default: the corpus article)")
    ap.add_argument("--naive-limit", type=int, default=1000, help="records the naive loop validates (default 1000)")
    ap.add_argument("--build-max", type=int, default=10000,
                    help="measure akhbar build and load_dataset only up to this many articles (default 10000; 0: never)")
    ap.add_argument("--no-docs", action="store_true", help="do not update docs/performance.md")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each contender, the fastest kept (default 1)")
    args = ap.parse_args(argv)
    try:
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
        if not sizes or min(sizes) < 1 or args.naive_limit < 1 or args.repeat < 1:
            raise ValueError
    except ValueError:
        ap.error("--sizes must be positive integers separated by commas; --naive-limit and --repeat at least 1")
    global REPEAT
    REPEAT = args.repeat
    free = shutil.disk_usage(args.out.parent if not args.out.exists() else args.out).free
    need = sum(sizes) * 140_000 * 1.2  # a canonical and a non-canonical corpus of each size
    if need > free:
        ap.error(f"about {need / 1e9:.1f} GB needed under {args.out}, {free / 1e9:.1f} GB free")
    command = "python benchmarks/run.py " + " ".join(a for a in (argv if argv is not None else sys.argv[1:]))
    started = time.perf_counter()
    try:
        rows, note = run(sizes, args.out.resolve(), args.source, args.naive_limit, args.build_max)
    except generate.GenerateError as exc:
        print(f"run: {exc}", file=sys.stderr)
        return 2
    text = report(rows, note, command.strip())
    print()
    print(text)
    (HERE / "results.md").write_text("# Benchmark results\n\n" + text, encoding="utf-8")
    doc = REPO / "docs" / "performance.md"
    if not args.no_docs and doc.is_file():
        content = doc.read_text(encoding="utf-8")
        start, end = "<!-- results:start -->", "<!-- results:end -->"
        if start in content and end in content:
            head, rest = content.split(start, 1)
            _, tail = rest.split(end, 1)
            doc.write_text(f"{head}{start}\n{text}{end}{tail}", encoding="utf-8")
    print(f"(benchmark took {time.perf_counter() - started:.0f} s; written to benchmarks/results.md)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
