"""The double annotations kept under agreement/<article id>/ and their agreement figures.

annotator-a vs annotator-b is the agreement before adjudication; every other annotator file
is scored against the adjudicated gold in the corpus. The docs' agreement page and the
dataset card both read their figures from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

BEFORE_ADJUDICATION = ("annotator-a", "annotator-b")


@dataclass
class Pair:
    article: str
    title: str
    a: Path  # the reference side (A)
    b: Path  # the side scored against it (B)


def pairs(root: Path) -> list[Pair]:
    base = root / "agreement"
    if not base.is_dir():
        return []
    found = []
    for folder in sorted(p for p in base.iterdir() if p.is_dir()):
        names = {f.stem: f for f in sorted(folder.glob("annotator-*.jsonl"))}
        first, second = BEFORE_ADJUDICATION
        if first in names and second in names:
            found.append(Pair(folder.name, f"{first} (A) vs {second} (B), before adjudication", names[first], names[second]))
        for stem, path in names.items():
            if stem not in BEFORE_ADJUDICATION:
                found.append(Pair(folder.name, f"{stem} (B) scored against the adjudicated gold (A)",
                                  root / "corpus" / "articles", path))
    return found


def results(root: Path) -> list[tuple[Pair, dict]]:
    """(pair, `akhbar agree` JSON result) for every pair."""
    from akhbar.agree import compare, result_json
    from akhbar.sources import load_collection

    return [(p, result_json(compare(load_collection(str(p.a)), load_collection(str(p.b))))) for p in pairs(root)]


def headline(result: dict) -> dict[str, float | None]:
    """The few F1 figures a summary shows."""
    return {
        "entity mentions (exact)": result["entities"]["exact"]["micro"]["f1"],
        "coreference (B-cubed)": result["entities"]["coreference"]["f1"],
        "quotes with the same speaker": result["quotes"]["attributed"]["f1"],
        "events (trigger + category)": result["events"]["typed"]["micro"]["f1"],
        "event arguments": result["events"]["arguments"]["all"]["f1"],
    }
