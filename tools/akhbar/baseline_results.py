"""The baseline results (baselines/results.json, written by `python baselines/run.py`) as
Markdown tables. The docs' baselines page and the dataset card both show them from the file,
so the figures published are the figures recorded."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from akhbar.tables import figure, markdown_table

RESULTS_FILE = Path("baselines") / "results.json"
FORMAT = "akhbar-baselines/1"


def load(root: Path) -> dict | None:
    """The results file of the repository at `root`, or None when there is none yet."""
    path = root / RESULTS_FILE
    if not path.is_file():
        return None
    results = json.loads(path.read_text(encoding="utf-8"))
    if results.get("format") != FORMAT:
        raise ValueError(f"{path}: not an {FORMAT} results file")
    return results


# What each baseline does, in a line (the docs' baselines page says it at length).
SUMMARIES = (
    ("NER, lexicon", "every mention surface of train with its most frequent type, matched longest first on "
                     "normalised text with proclitics outside the span, projected on the `ner` tokens"),
    ("NER, CRF", "a linear-chain CRF (sklearn-crfsuite) over the `ner` tokens: the word, the word without proclitics, "
                 "prefixes and suffixes, shape, and lexicon hits, for the token and two neighbours each side"),
    ("quotes, rules", "cues from the cue inventory and train; content from أن/إن, a colon or a quotation mark to the "
                      "sentence end or closing mark; speaker: the nearest person/organisation/place/group mention "
                      "(gold mentions) after the cue, else before it, else the previous quote's speaker"),
    ("events, trigger lexicon", "every trigger of train with its most frequent PLOVER category; no arguments"),
    ("transfer", "the CRF trained on one corpus and scored on another in CoNLL-4 (AQMAR and NewsFANE Gold read with "
                 "Akhbar's CoNLL importer and tokenizer), PER/ORG/LOC"),
)


def summaries_markdown() -> str:
    return "\n".join(f"- **{name}**: {text}." for name, text in SUMMARIES)


def corpus_digest(records: Iterable[dict]) -> str:
    """SHA-256 over the canonical form of the records, given in id order: a changed
    annotation changes it."""
    import hashlib

    from akhbar.records import dumps_canonical

    digest = hashlib.sha256()
    for record in records:
        digest.update(dumps_canonical(record))
    return digest.hexdigest()


def is_stale(results: dict, root: Path) -> bool:
    """Whether the corpus under `root` is no longer the one the results were computed on.
    Streams the records in id order through the build's line index, so the build's memory
    does not grow with the corpus for it."""
    from akhbar.hf.order import index, read_records
    from akhbar.paths import default_shards

    shards = default_shards(root)
    try:
        refs = sorted((ref for refs in index(shards).values() for ref in refs), key=lambda ref: ref[3])
        digest = corpus_digest(read_records([str(s) for s in shards], refs))
    except (ValueError, KeyError, TypeError):  # a line that is not a record: not the corpus the results saw
        return True
    return digest != results["corpus"]["sha256"]


def _ci(interval) -> str:
    return "—" if not interval else f"{interval[0]:.3f}–{interval[1]:.3f}"


def _prf(node: dict) -> list[str]:
    return [figure(node["precision"]), figure(node["recall"]), figure(node["f1"])]


def splits_table(results: dict) -> str:
    keys = ("articles", "sentences", "tokens", "mentions", "quotes", "events")
    return markdown_table(["split", *keys], [[split, *(sizes[k] for k in keys)] for split, sizes in results["splits"].items()], 1)


def _setting(baseline: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in baseline["setting"].items())


def ner_table(results: dict) -> str:
    names = {"lexicon": "lexicon of train names", "crf": "CRF (sklearn-crfsuite)"}
    rows = []
    for key, name in names.items():
        baseline = results["ner"][key]
        test = baseline["test"]
        rows.append([name, _setting(baseline), *_prf(test["seqeval"]), figure(test["official"]["exact"]["f1"]),
                     _ci(test["official"].get("exact_f1_ci95")), figure(test["official"]["overlap"]["f1"])])
    lexicon = results["ner"]["lexicon"]["test"].get("official_exact_mentions")
    note = ("" if lexicon is None else
            "\n\nThe lexicon's own mentions are character spans (proclitics outside, nested names kept); scored on the "
            f"exact gold mentions rather than the token view, its F1 is {figure(lexicon['exact']['f1'])} exact and "
            f"{figure(lexicon['overlap']['f1'])} overlapping.")
    return markdown_table(["baseline", "setting (validation)", "P (strict IOB2)", "R", "F1", "F1, official exact",
                           "95% CI", "F1, official overlap"], rows, 2) + note


def ner_types_table(results: dict) -> str:
    lexicon, crf = (results["ner"][k]["test"]["seqeval"]["by_type"] for k in ("lexicon", "crf"))
    types = sorted(set(lexicon) | set(crf), key=lambda t: (-max(lexicon.get(t, {}).get("support", 0), crf.get(t, {}).get("support", 0)), t))
    rows = [[t, (crf.get(t) or lexicon.get(t))["support"], figure(lexicon.get(t, {}).get("f1")), figure(crf.get(t, {}).get("f1"))]
            for t in types]
    return markdown_table(["type", "test mentions", "lexicon F1", "CRF F1"], rows, 1)


def quotes_table(results: dict) -> str:
    q = results["quotes"]["rules"]["test"]
    return markdown_table(["baseline", "setting (validation)", "quote P", "R", "F1", "content overlap", "cue", "cue lemma", "speaker",
                           "type", "F1 with the right speaker", "95% CI"],
                          [["rules", _setting(results["quotes"]["rules"]), *_prf(q["match"]), figure(q["mean_overlap"]),
                            figure(q["cue_accuracy"]), figure(q["cue_lemma_accuracy"]), figure(q["speaker_accuracy"]), figure(q["type_accuracy"]),
                            figure(q["attributed"]["f1"]), _ci(q.get("attributed_f1_ci95"))]], 2)


def events_table(results: dict) -> str:
    v = results["events"]["trigger_lexicon"]["test"]
    return markdown_table(["baseline", "setting (validation)", "trigger P", "R", "F1", "category accuracy", "F1 trigger + category",
                           "95% CI"],
                          [["trigger lexicon", _setting(results["events"]["trigger_lexicon"]), *_prf(v["trigger"]),
                            figure(v["category_accuracy"]), figure(v["typed"]["f1"]), _ci(v.get("typed_f1_ci95"))]], 2)


def transfer_table(results: dict) -> str:
    transfer = results["transfer"]
    if "skipped" in transfer:
        return f"_Transfer not run: {transfer['skipped']}._"
    names = {"akhbar": "Akhbar", "aqmar": "AQMAR", "newsfane": "NewsFANE Gold"}
    return markdown_table(["trained on", "scored on", "P", "R", "F1"],
                          [[names[r["train"]], names[r["test"]], *_prf(r["scores"])] for r in transfer["results"]], 2)


def recorded(results: dict) -> str:
    run = results["run"]
    m, v = run["machine"], run["versions"]
    corpus = results["corpus"]
    return (f"Recorded on {run['date']} with `{run['command']}` ({run['seconds']:.0f} s) on {m['platform']}, "
            f"{m['cpus']} CPUs, Python {m['python']}; sklearn-crfsuite {v['sklearn-crfsuite']}, seqeval {v['seqeval']}; "
            f"corpus version {corpus['version'] or 'unknown'}, records digest `{corpus['sha256'][:12]}`.")


def markdown(results: dict | None, heading: str = "###", stale: bool = False) -> str:
    """Every table, with a line on how they were made (and a warning when `stale`)."""
    if results is None:
        return ("No baseline results have been recorded yet: `python baselines/run.py` writes "
                "`baselines/results.json`.")
    warning = ("**These figures were computed on an earlier state of the corpus** (its records have changed since); "
               "`python baselines/run.py` brings them up to date.")
    parts = [*([warning] if stale else []), recorded(results), f"{heading} Split sizes", splits_table(results),
             f"{heading} Named entities (test)",
             "Over the `ner` token view: strict IOB2 scores (seqeval) and the official scorer "
             "(`akhbar evaluate`, exact and overlapping spans, typed). 95% CI: a bootstrap interval over the test "
             "articles (1,000 resamples, fixed seed).", ner_table(results),
             "F1 by type (strict IOB2), the most frequent types first:", ner_types_table(results),
             f"{heading} Quotes (test)",
             "Quote P/R/F1: content overlap of at least half (Jaccard); content overlap, cue, cue lemma, speaker and "
             "type: among the matched quotes.", quotes_table(results),
             f"{heading} Events (test)", events_table(results),
             f"{heading} Transfer (CoNLL-4, PER/ORG/LOC, strict IOB2)", transfer_table(results)]
    return "\n\n".join(parts) + "\n"
