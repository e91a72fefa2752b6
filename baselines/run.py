"""Train, tune and score every Akhbar baseline; write baselines/results.json.

    python baselines/run.py [--corpus corpus/articles] [--external ../shared/external]
                            [--out baselines/results.json] [--quick] [--no-transfer]

Each baseline is trained on the train split only, its one or two settings are chosen on
validation, and the chosen setting is scored once on test, with `akhbar evaluate` (the official
scorer: predictions are written as the dataset's `ner`, `quotes` and `events` rows and read
back by it) and, for NER, seqeval's strict IOB2 scores. Everything runs on CPU; nothing is
random (the CRF's L-BFGS training is deterministic; the seeds are fixed all the same).

Transfer (NER, CoNLL-4): the CRF trained on Akhbar scored on AQMAR's test file and on NewsFANE
Gold, and CRFs trained on AQMAR and NewsFANE scored on Akhbar's test split. It needs the
corpora in ../shared/external (see transfer.py); without them it is skipped, and the results
say so.

`--quick` (the test suite's setting) uses one setting per grid and few CRF iterations.
The docs page (docs/baselines.md) and the dataset card read the results file.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import platform
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from common import SPLITS, Corpus, load_corpus, ner_rows, project, write_rows  # noqa: E402
from events import TriggerLexicon  # noqa: E402
from ner import NameLexicon, predict_crf, seqeval_scores, train_crf  # noqa: E402
from quotes import QuoteRules  # noqa: E402

from akhbar.agree import PRF  # noqa: E402
from akhbar.baseline_results import FORMAT, RESULTS_FILE, corpus_digest  # noqa: E402
from akhbar.evaluate import evaluate  # noqa: E402

SEED = 13
BOOTSTRAP = 1000  # resamples of the test articles for the confidence intervals
GRIDS = {
    "lexicon_min_ratio": [0.0, 0.1, 0.25, 0.5],
    "crf": [(0.05, 0.01), (0.05, 0.1), (0.25, 0.01), (0.25, 0.1)],  # (c1, c2)
    "quote_max_gap": [3, 5, 8, 12],
    "trigger_min_ratio": [0.0, 0.1, 0.2, 0.3, 0.5],
}
QUICK_GRIDS = {"lexicon_min_ratio": [0.0], "crf": [(0.1, 0.01)], "quote_max_gap": [8], "trigger_min_ratio": [0.0]}
VERSIONS = ("akhbar", "sklearn-crfsuite", "python-crfsuite", "seqeval", "pyarabic", "numpy")


class Scorer:
    """Writes predictions as rows and scores them with `akhbar evaluate`."""

    def __init__(self, corpus_spec: str, folder: Path):
        self.corpus_spec, self.folder, self.n = corpus_spec, folder, 0

    def __call__(self, rows: list[dict], split: str) -> dict:
        self.n += 1
        return evaluate([write_rows(self.folder / f"pred-{self.n}.jsonl", rows)], self.corpus_spec, split)


def _prf(node: dict) -> dict:
    return {k: node[k] for k in ("precision", "recall", "f1")}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _tune(grid: list, score) -> tuple[object, list[dict]]:
    """The setting with the best validation score (the first on ties) and every trial."""
    trials = []
    for setting in grid:
        trials.append({"setting": setting, "validation": score(setting)})
        log(f"  validation {setting}: {trials[-1]['validation']}")
    best = max(trials, key=lambda t: (t["validation"] if t["validation"] is not None else -1.0))
    return best["setting"], trials


def bootstrap_f1(result: dict, key: str) -> list[float]:
    """A 95% percentile interval of the micro F1: the test articles resampled with replacement
    (`per_article[...][key]` counts of `akhbar evaluate`), with a fixed seed. It shows how much
    the figure owes to which few articles are in the test split."""
    counts = [PRF(a[key]["tp"], a[key]["fp"], a[key]["fn"]) for a in result["per_article"].values()]
    rng = random.Random(SEED)
    f1s = []
    for _ in range(BOOTSTRAP):
        total = PRF()
        for _ in counts:
            total.add(counts[rng.randrange(len(counts))])
        f1s.append(total.f1 or 0.0)
    f1s.sort()
    return [round(f1s[int(0.025 * BOOTSTRAP)], 4), round(f1s[int(0.975 * BOOTSTRAP) - 1], 4)]


# --- NER ------------------------------------------------------------------------------------

def ner_official(result: dict) -> dict:
    e = result["entities"]
    return {"exact": _prf(e["exact"]["micro"]), "exact_f1_ci95": bootstrap_f1(result, "entities_exact"),
            "overlap": _prf(e["overlap"]["micro"]), "by_type_f1": {t: v["f1"] for t, v in e["exact"]["by_type"].items()}}


def run_ner(corpus: Corpus, score: Scorer, grids: dict, iterations: int) -> dict:
    train, val, test = (corpus.sentences[s] for s in SPLITS)
    tokens, tags = [s.tokens for s in train], [s.tags for s in train]
    lexicon = NameLexicon(corpus.records["train"])

    def lexicon_tags(split):
        return project(corpus.sentences[split], {r["id"]: lexicon.mentions(r) for r in corpus.records[split]})

    def lexicon_f1(ratio):
        lexicon.min_ratio = ratio
        return seqeval_scores([s.tags for s in val], lexicon_tags("validation"))["f1"]

    log("NER: lexicon")
    ratio, lex_trials = _tune(grids["lexicon_min_ratio"], lexicon_f1)
    lexicon.min_ratio = ratio
    out = {"lexicon": _ner_test(lexicon_tags("test"), test, score, {"min_ratio": ratio}, lex_trials)}
    # The lexicon's own mentions are character spans: scored on the exact gold mentions too.
    records = [{"id": r["id"], "entities": [{"id": f"e{k}", "type": kind, "mentions": [{"start": a, "end": b}]}
                                            for k, (a, b, kind) in enumerate(lexicon.mentions(r), start=1)]}
               for r in corpus.records["test"]]
    out["lexicon"]["test"]["official_exact_mentions"] = ner_official(score(records, "test"))

    def crf_f1(setting):
        crf = train_crf(tokens, tags, lexicon, *setting, max_iterations=iterations)
        return seqeval_scores([s.tags for s in val], predict_crf(crf, [s.tokens for s in val], lexicon))["f1"]

    log("NER: CRF (c1, c2)")
    (c1, c2), crf_trials = _tune(grids["crf"], crf_f1)
    crf = train_crf(tokens, tags, lexicon, c1, c2, max_iterations=iterations)
    out["crf"] = _ner_test(predict_crf(crf, [s.tokens for s in test], lexicon), test, score,
                           {"c1": c1, "c2": c2, "max_iterations": iterations}, crf_trials)
    return out


def _ner_test(predicted: list[list[str]], test, score: Scorer, setting: dict, trials: list) -> dict:
    return {"setting": setting, "trials": trials,
            "test": {"seqeval": seqeval_scores([s.tags for s in test], predicted),
                     "official": ner_official(score(ner_rows(test, predicted), "test"))}}


# --- quotes and events -----------------------------------------------------------------------

def quote_figures(result: dict) -> dict:
    q = result["quotes"]
    return {"match": _prf(q["match"]), "mean_overlap": q["mean_overlap"], "attributed": _prf(q["attributed"]),
            "attributed_f1_ci95": bootstrap_f1(result, "quotes_attributed"),
            "speaker_accuracy": q["speaker"]["rate"], "cue_accuracy": q["cue"]["rate"],
            "cue_lemma_accuracy": q["cue_lemma"]["rate"], "type_accuracy": q["type"]["observed"]}


def _rows_baseline(corpus: Corpus, score: Scorer, system, setting: str, grid: list, objective, figures) -> dict:
    """A system that writes rows (`system.rows(record)`): its one `setting` chosen on
    validation by `objective(result)`, then scored on test (`figures(result)`)."""
    def predict(split):
        return [row for record in corpus.records[split] for row in system.rows(record)]

    def tried(value):
        setattr(system, setting, value)
        return objective(score(predict("validation"), "validation"))

    best, trials = _tune(grid, tried)
    setattr(system, setting, best)
    return {"setting": {setting: best}, "trials": trials, "test": figures(score(predict("test"), "test"))}


def run_quotes(corpus: Corpus, score: Scorer, grids: dict) -> dict:
    log("quotes: rules (max_gap)")
    rules = QuoteRules(corpus.records["train"])
    found = _rows_baseline(corpus, score, rules, "max_gap", grids["quote_max_gap"],
                           lambda r: r["quotes"]["attributed"]["f1"], quote_figures)
    return {"rules": {**found, "cue_forms": len(rules.cues)}}


def event_figures(result: dict) -> dict:
    v = result["events"]
    return {"trigger": _prf(v["trigger"]), "typed": _prf(v["typed"]["micro"]),
            "typed_f1_ci95": bootstrap_f1(result, "events_typed"), "category_accuracy": v["category"]["observed"]}


def run_events(corpus: Corpus, score: Scorer, grids: dict) -> dict:
    log("events: trigger lexicon (min_ratio)")
    lexicon = TriggerLexicon(corpus.records["train"])
    found = _rows_baseline(corpus, score, lexicon, "min_ratio", grids["trigger_min_ratio"],
                           lambda r: r["events"]["typed"]["micro"]["f1"], event_figures)
    return {"trigger_lexicon": {**found, "entries": len(lexicon.entries)}}


# --- transfer --------------------------------------------------------------------------------

def run_transfer(corpus: Corpus, external: Path, crf_setting: dict) -> dict:
    from transfer import SCORED, external_corpora

    found = external_corpora(external)
    if isinstance(found, str):
        return {"skipped": f"the external corpora are absent ({found}); transfer not run"}
    # (records, sentences) of each corpus's train and test part; NewsFANE is used whole.
    sides = {"akhbar": {s: (corpus.records[s], corpus.sentences[s]) for s in ("train", "test")},
             "aqmar": found["aqmar"], "newsfane": {"train": found["newsfane"]["all"], "test": found["newsfane"]["all"]}}
    sizes = {name: {split: {"sentences": len(s), "tokens": sum(len(x.tokens) for x in s)} for split, (_, s) in parts.items()}
             for name, parts in sides.items()}
    sizes["newsfane"] = {"all": sizes["newsfane"]["train"]}
    pairs = [("akhbar", "akhbar"), ("akhbar", "aqmar"), ("akhbar", "newsfane"), ("aqmar", "aqmar"), ("aqmar", "akhbar"),
             ("newsfane", "akhbar")]
    models, rows = {}, []
    for source, target in pairs:
        if source not in models:
            records, train = sides[source]["train"]
            tokens, tags = [s.tokens for s in train], [s.conll4 for s in train]
            lexicon = NameLexicon(records)
            log(f"transfer: training on {source}")
            models[source] = (train_crf(tokens, tags, lexicon, crf_setting["c1"], crf_setting["c2"],
                                        max_iterations=crf_setting["max_iterations"]), lexicon)
        crf, lexicon = models[source]
        test = sides[target]["test"][1]
        predicted = predict_crf(crf, [s.tokens for s in test], lexicon)
        rows.append({"train": source, "test": target,
                     "scores": seqeval_scores([s.conll4 for s in test], predicted, keep=SCORED)})
    return {"sizes": sizes, "scored_types": sorted(SCORED), "results": rows}


# --- the run ----------------------------------------------------------------------------------

def corpus_identity(spec: str, corpus: Corpus) -> dict:
    """Which corpus the figures are of: its version (corpus/VERSION next to the shards, when
    there is one) and the digest of every record used (akhbar.baseline_results.corpus_digest)."""
    from akhbar.paths import corpus_root_of

    root = corpus_root_of(Path(spec))
    version_file = root / "corpus" / "VERSION" if root else None
    version = version_file.read_text(encoding="utf-8").strip() if version_file and version_file.is_file() else None
    return {"version": version, "sha256": corpus_digest(sorted((r for split in SPLITS for r in corpus.records[split]), key=lambda r: r["id"]))}


def machine() -> dict:
    return {"python": platform.python_version(), "platform": platform.platform(), "processor": platform.machine(),
            "cpus": os.cpu_count()}


def versions() -> dict:
    found = {}
    for name in VERSIONS:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = None
    return found


def run(corpus_spec: str, external: Path | None, quick: bool = False) -> dict:
    random.seed(SEED)  # nothing draws from it today; the bootstrap has its own seeded generator
    started = time.perf_counter()
    grids = QUICK_GRIDS if quick else GRIDS
    iterations = 10 if quick else 100
    corpus = load_corpus(corpus_spec)
    missing = [s for s in SPLITS if not corpus.records[s]]
    if missing:
        raise SystemExit(f"{corpus_spec}: no article in the {', '.join(missing)} split(s); the baselines need all three")
    with tempfile.TemporaryDirectory(prefix="akhbar-baselines-") as tmp:
        score = Scorer(corpus_spec, Path(tmp))
        results = {"format": FORMAT, "corpus": corpus_identity(corpus_spec, corpus),
                   "splits": corpus.sizes(), "seed": SEED, "quick": quick,
                   "ner": run_ner(corpus, score, grids, iterations),
                   "quotes": run_quotes(corpus, score, grids), "events": run_events(corpus, score, grids)}
    crf_setting = results["ner"]["crf"]["setting"]
    results["transfer"] = (run_transfer(corpus, external, crf_setting) if external is not None
                           else {"skipped": "--no-transfer"})
    results["run"] = {"command": "python baselines/run.py" + (" --quick" if quick else ""), "machine": machine(),
                      "versions": versions(), "seconds": round(time.perf_counter() - started, 1),
                      "date": datetime.now(UTC).strftime("%Y-%m-%d")}
    return results


def main(argv: list[str] | None = None) -> int:
    import json

    from akhbar.records import atomic_write

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default=str(REPO / "corpus" / "articles"), help="gold shard or folder")
    parser.add_argument("--external", default=str(REPO.parent / "shared" / "external"),
                        help="folder with aqmar/ and newsfane-gold/ (transfer)")
    parser.add_argument("--out", default=str(REPO / RESULTS_FILE), help="results file to write")
    parser.add_argument("--quick", action="store_true", help="one setting per grid, 10 CRF iterations (tests)")
    parser.add_argument("--no-transfer", action="store_true", help="skip the transfer experiments")
    args = parser.parse_args(argv)
    external = None if args.no_transfer else Path(args.external)
    if external is not None and not external.is_dir():
        print(f"{external}: not found; the transfer experiments are skipped", file=sys.stderr)
    results = run(args.corpus, external, args.quick)
    atomic_write(Path(args.out), [json.dumps(results, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"])
    print(f"wrote {args.out} in {results['run']['seconds']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
