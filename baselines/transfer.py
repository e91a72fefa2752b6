"""Transfer between Akhbar and the two Arabic NER corpora in ../shared/external: AQMAR
(Wikipedia, PER/ORG/LOC/MIS; its train and test files) and NewsFANE Gold (newswire, 46
fine-grained classes; one file, used whole).

Each corpus is read with Akhbar's own CoNLL importer (akhbar.interchange.conll: AQMAR with the
built-in `aqmar` map, NewsFANE with the map in tests/data/newsfane-map.json) and put through
the same token view as Akhbar (the dataset's `ner_conll4` rows), so every corpus is seen with
one tokenizer and one CoNLL-4 mapping. Scores are strict IOB2 (seqeval) over PER, ORG and LOC:
MISC is left out on both sides, because AQMAR's MIS and NewsFANE's unmapped classes do not
mean what Akhbar's MISC does.
"""

from __future__ import annotations

from pathlib import Path

from common import Sentence, token_sentences

from akhbar.interchange.common import Report
from akhbar.interchange.conll import read_conll
from akhbar.interchange.maps import BUILTIN_MAPS, load_map

SCORED = {"PER", "ORG", "LOC"}
NEWSFANE_MAP = Path(__file__).resolve().parents[1] / "tests" / "data" / "newsfane-map.json"


def conll_corpus(path: Path, mapping: dict, name: str) -> tuple[list[dict], list[Sentence]]:
    """The file's documents as records (id, text, entities: all the token view and the name
    lexicon need) and their sentences."""
    report = Report()
    docs = read_conll(path, mapping, report, name)
    records = [{"id": f"{name}-{k:04d}", "text": d.text, "entities": d.entities} for k, d in enumerate(docs)]
    return records, token_sentences(records)


def external_corpora(external: Path) -> dict[str, dict[str, tuple[list[dict], list[Sentence]]]] | str:
    """{"aqmar": {"train": …, "test": …}, "newsfane": {"all": …}}, each (records, sentences),
    or why they are not there."""
    aqmar, newsfane = external / "aqmar", external / "newsfane-gold" / "NewsFANE_Gold_2014_170K.txt"
    missing = [str(p) for p in (aqmar / "train.txt", aqmar / "test.txt", newsfane) if not p.is_file()]
    if missing:
        return f"not found: {', '.join(missing)}"
    _, fane_map = load_map(str(NEWSFANE_MAP))
    return {
        "aqmar": {split: conll_corpus(aqmar / f"{split}.txt", BUILTIN_MAPS["aqmar"], "aqmar") for split in ("train", "test")},
        "newsfane": {"all": conll_corpus(newsfane, fane_map, "newsfane")},
    }
