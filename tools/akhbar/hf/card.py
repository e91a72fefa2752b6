"""The dataset card (README.md with YAML front matter) and LICENSE.md of the build folder.

Everything in it comes from the built data and the inventories: counts, licences, the
example rows (read back from the parquet files), so the card cannot drift from the data.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path

import pyarrow.parquet as pq
from datasets import ClassLabel, DatasetInfo, List, SplitDict, SplitInfo
from datasets.info import DatasetInfosDict
from datasets.utils.metadata import MetadataConfigs
from huggingface_hub import DatasetCard, DatasetCardData

from akhbar import __version__, labels
from akhbar.hf import CONFIGS, DEFAULT_CONFIG, TOKEN_CONFIGS
from akhbar.hf import features as F
from akhbar.records import atomic_write
from akhbar.stats import TEXT_ORIGINS
from akhbar.tables import figure, markdown_table

DOCS_URL = "https://akhbar-corpus.github.io/akhbar/"
REPO_URL = "https://github.com/akhbar-corpus/akhbar"
GUIDELINES_URL = DOCS_URL + "guidelines/"
DATASET_DOCS_URL = DOCS_URL + "dataset/"
PRETTY_NAME = "Akhbar: annotated Arabic news"
# SPDX ids the Hub knows as `license:` values (lower-cased there).
HUB_LICENSES = {
    "CC-BY-4.0", "CC-BY-SA-4.0", "CC-BY-NC-4.0", "CC-BY-NC-SA-4.0", "CC-BY-3.0", "CC-BY-SA-3.0", "CC-BY-2.5", "CC-BY-2.0",
    "CC0-1.0", "Apache-2.0", "MIT", "ODC-By-1.0", "ODbL-1.0", "PDDL-1.0", "CDLA-Permissive-2.0",
}
EXAMPLE_STRING_LIMIT = 240
EXAMPLE_LIST_LIMIT = 6  # lists of structs (blocks, entities…)
EXAMPLE_SCALAR_LIST_LIMIT = 40  # lists of tokens, tags, offsets: a whole sentence stays readable

CONFIG_SUMMARIES = {
    "articles": "one row per article: the record with its nested annotations (entities with their mentions, "
    "quotes, events), plus `event_types`, the set of PLOVER categories the article reports (a multi-label "
    "document-classification target).",
    "ner": "one row per sentence: `tokens`, IOB2 `ner_tags` over the outermost mentions, token character "
    "offsets into the article text, and every mention in the sentence (nested ones too) with its exact offsets.",
    "ner_conll4": "the `ner` sentences with tags mapped onto CoNLL-4 (PER, ORG, LOC, MISC), the ANERcorp/AQMAR "
    "label set, for training on Akhbar together with those corpora.",
    "quotes": "one row per quote: content (fragments joined, and the fragments with offsets), speaker name, "
    "entity type and kind, cue text and lemma, quote type, the paragraph it sits in.",
    "events": "one row per PLOVER event: category, mode, contexts, trigger text and offsets, actors and "
    "recipients with their names and types, other arguments, the four markers, casualty figures, the sentence.",
}

WHAT_IS_EMPTY = {
    "quotes": "no quote is annotated yet",
    "events": "no event is annotated yet",
}


def hub_license_id(spdx: str) -> str | None:
    return spdx.lower() if spdx in HUB_LICENSES else None


def license_slug(spdx: str) -> str:
    return re.sub(r"[^a-z0-9.]+", "-", spdx.removeprefix("LicenseRef-").lower()).strip("-")


def license_yaml(stats) -> dict:
    """The Hub's licence fields. One licence the Hub knows for both layers: that id. Anything
    else (a custom LicenseRef, or layers under different licences): `other`, named after the
    licences that are not Hub ids, with LICENSE.md explaining each layer."""
    used = stats.licenses()
    if len(used) == 1 and hub_license_id(used[0]):
        return {"license": hub_license_id(used[0])}
    custom = [u for u in used if not hub_license_id(u)] or used
    return {"license": "other", "license_name": "-and-".join(license_slug(u) for u in custom), "license_link": "LICENSE.md"}


def size_category(n: int) -> str:
    for limit, name in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M")):
        if n < limit:
            return name
    return "1M<n<10M"


def card_data(stats) -> DatasetCardData:
    """The card's YAML metadata: the Hub's fields, and the `configs` (data files per split)
    and `dataset_info` (features, rows and sizes) that `datasets` reads, written by
    `datasets`' own helpers."""
    data = DatasetCardData(
        pretty_name=PRETTY_NAME,
        language=["ar"],
        **license_yaml(stats),
        annotations_creators=["machine-generated"],  # AI-assisted, adjudicated (see the card)
        language_creators=["found"],
        multilinguality=["monolingual"],
        source_datasets=["original"],
        size_categories=[size_category(sum(stats.articles.values()))],
        task_categories=["token-classification", "text-classification"],
        task_ids=["named-entity-recognition", "multi-label-classification"],
        tags=["arabic", "news", "named-entity-recognition", "coreference", "quotation-attribution",
              "event-extraction", "plover"],
    )
    published = stats.published()
    MetadataConfigs({
        config: {"data_files": [{"split": s, "path": stats.pattern(config, s)} for s in splits],
                 **({"default": True} if config == DEFAULT_CONFIG else {})}
        for config, splits in published
    }).to_dataset_card_data(data)
    DatasetInfosDict({
        config: DatasetInfo(
            features=F.features(config),
            splits=SplitDict({s: SplitInfo(s, num_bytes=stats.nbytes[(config, s)], num_examples=stats.rows[(config, s)])
                              for s in splits}),
            download_size=sum(stats.sizes[f] for s in splits for f in stats.files(config, s)),
            dataset_size=sum(stats.nbytes[(config, s)] for s in splits),
        )
        for config, splits in published
    }).to_dataset_card_data(data)
    return data


# ---- example rows ------------------------------------------------------------------------------


def to_names(value, feature):
    """A row as read from parquet with ClassLabel ids turned back into their names."""
    if value is None:
        return None
    if isinstance(feature, ClassLabel):
        return feature.int2str(value)
    if isinstance(feature, dict):
        return {k: to_names(value.get(k), sub) for k, sub in feature.items()}
    if isinstance(feature, List):
        return [to_names(v, feature.feature) for v in value]
    return value


def interesting(config: str, row: dict) -> bool:
    """A row worth showing: one that carries annotation when any does."""
    if config == "articles":
        return bool(row["entities"] or row["quotes"] or row["events"])
    if config in TOKEN_CONFIGS:
        return any(tag != 0 for tag in row["ner_tags"])
    return True


def first_rows(rows: Iterable[dict], config: str, count: int) -> list[dict]:
    """The first `count` rows that carry annotation (the first rows when none does), read
    no further than needed."""
    chosen, fallback = [], []
    for row in rows:
        if interesting(config, row):
            chosen.append(row)
            if len(chosen) == count:
                break
        elif len(fallback) < count:
            fallback.append(row)
    return chosen or fallback


def example_row(path: Path, config: str) -> tuple[dict, bool]:
    """(the first annotated row of the file, or its first row; whether it is annotated).
    Read batch by batch: the file is never loaded whole."""
    rows = (row for batch in pq.ParquetFile(path).iter_batches(batch_size=64) for row in batch.to_pylist())
    (row,) = first_rows(rows, config, 1)  # a published file has rows
    return to_names(row, F.features(config)), interesting(config, row)


def shorten(value):
    if isinstance(value, str) and len(value) > EXAMPLE_STRING_LIMIT:
        return value[:EXAMPLE_STRING_LIMIT] + f"… [{len(value) - EXAMPLE_STRING_LIMIT} more characters]"
    if isinstance(value, list):
        limit = EXAMPLE_LIST_LIMIT if any(isinstance(v, dict | list) for v in value) else EXAMPLE_SCALAR_LIST_LIMIT
        shown = [shorten(v) for v in value[:limit]]
        if len(value) > limit:
            shown.append(f"… [{len(value) - limit} more items]")
        return shown
    if isinstance(value, dict):
        return {k: shorten(v) for k, v in value.items()}
    return value


def pretty_json(value, indent: str = "") -> str:
    """JSON with objects one key a line and lists of scalars on one line (token and tag
    lists stay aligned and short)."""
    inner = indent + "  "
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{inner}{json.dumps(k, ensure_ascii=False)}: {pretty_json(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + f"\n{indent}}}"
    if isinstance(value, list) and any(isinstance(v, dict | list) for v in value):
        return "[\n" + ",\n".join(f"{inner}{pretty_json(v, inner)}" for v in value) + f"\n{indent}]"
    return json.dumps(value, ensure_ascii=False)


def _space_headings(markdown: str) -> str:
    """A blank line before and after every heading (outside code fences)."""
    out: list[str] = []
    fenced = False
    for line in markdown.split("\n"):
        if line.startswith("```"):
            fenced = not fenced
        heading = not fenced and line.startswith("#")
        if heading and out and out[-1] != "":
            out.append("")
        out.append(line)
        if heading:
            out.append("")
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out))


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


# ---- the card -----------------------------------------------------------------------------------


def _split_table(corner: str, counter, names, splits: list[str]) -> str:
    """counter[(split, name)]: a row per name, a column per split, and the total."""
    rows = [[n] + [counter[(s, n)] for s in splits] + [sum(counter[(s, n)] for s in splits)] for n in names]
    return markdown_table([corner] + splits + ["total"], rows)


def _counts_table(counter, names: list[str], splits: list[str]) -> str:
    names = [n for n in names if any(counter[(s, n)] for s in splits)]
    return _split_table("label", counter, names, splits) if names else "_none annotated yet_"


def _feature_lines(config: str) -> str:
    def describe(feature) -> str:
        if isinstance(feature, ClassLabel):
            return f"ClassLabel ({len(feature.names)} names)"
        if isinstance(feature, List):
            return f"list of {describe(feature.feature)}"
        if isinstance(feature, dict):
            return "struct {" + ", ".join(feature) + "}"
        return feature.dtype

    return "\n".join(f"- `{name}`: {describe(feature)}" for name, feature in F.features(config).items())


def _license_section(stats) -> str:
    def layer(counter) -> str:
        return ", ".join(f"`{k}` ({_n(v, 'article')})" for k, v in sorted(counter.items()))

    return (
        "Akhbar has two layers under different licences, and every record states both (`license.text`, "
        "`license.annotations`):\n\n"
        f"- **Article text** (the `text`, `title` and every string copied from it): {layer(stats.text_licenses)}.\n"
        f"- **Annotations** (entities, mentions, quotes, events and their labels): {layer(stats.annotation_licenses)}.\n\n"
        "`LicenseRef-…` ids are licences of the Akhbar project, not SPDX licences. Because the text layer is "
        "not under a licence the Hub lists, the YAML says `license: other` with `license_name` and a "
        "`license_link` to LICENSE.md, which states each layer's terms. Whoever uses a row uses both layers: "
        "the text licence governs any use of the article text, the annotation licence the annotations."
        + _mixed_text_licences(stats)
        if license_yaml(stats)["license"] == "other" else
        "Both layers are under the same licence:\n\n"
        f"- **Article text**: {layer(stats.text_licenses)}\n- **Annotations**: {layer(stats.annotation_licenses)}"
    )


def native_and_translated(stats) -> str:
    """Native Arabic and translated articles, per split, and the filter that keeps one kind."""
    if not any(kind == "translated" for _, kind in stats.translated):
        return ""
    return (
        "#### Native and translated text\n\n"
        "Some articles are professional Arabic translations of English news (NTREX-128), not Arabic journalism: "
        "`source.translation` says from which language, outlet and document (null for native text). Keep only "
        "native articles with one filter:\n\n"
        "```python\nnative = ds.filter(lambda row: row[\"source\"][\"translation\"] is None)\n```\n\n"
        + _split_table("articles", stats.translated, TEXT_ORIGINS, labels.splits()) + "\n\n"
    )


def statuses_by_split(stats) -> str:
    """The annotation statuses per split («train: gold 17, silver 137; …»), in the inventory's
    order, so a user sees which splits are gold before training or scoring on them."""
    parts = []
    for split in labels.splits():
        counts = [f"{status} {stats.statuses[(split, status)]}" for status in labels.annotation_statuses()
                  if stats.statuses[(split, status)]]
        if counts:
            parts.append(f"{split}: {', '.join(counts)}")
    return "; ".join(parts)


def _mixed_text_licences(stats) -> str:
    """When the text layer mixes licences (openly licensed Wikinews texts beside the
    research-only seed), say how a user keeps only the texts they may redistribute."""
    if len(stats.text_licenses) < 2:
        return ""
    return (
        "\n\n**The article texts are under different licences.** Every row of the `articles` config "
        "carries its own `license.text` (and `license.attribution`, the credit the licence asks for, e.g. "
        "\"Wikinews contributors\" for CC BY 2.5). To keep only openly licensed texts:\n\n"
        "```python\nopen_texts = ds.filter(lambda row: not row[\"license\"][\"text\"].startswith(\"LicenseRef-\"))\n```\n\n"
        "The `ner`, `quotes` and `events` configs carry `article_id`: join on it to apply the same choice."
    )


def agreement_section(root: Path) -> str:
    """Headline F1 figures of the double annotations under agreement/ (akhbar.agreement)."""
    from akhbar.agreement import headline, pooled, results

    found = results(root)
    if not found:
        return ("No article has been double-annotated yet, so there are no agreement figures; they will be reported "
                "here once double annotation exists.")
    names = list(headline(found[0][1]))
    rows = [[f"`{pair.article}`: {pair.title}"] + [figure(headline(result)[n]) for n in names] for pair, result in found]
    total = pooled(root)
    if total is not None:
        rows.insert(0, [f"**all {total['articles']['scored']} double-annotated articles, A vs B (pooled)**"]
                    + [figure(headline(total)[n]) for n in names])
    return ("F1 of one annotation against the other, computed with `akhbar agree` (full tables in the "
            f"documentation's agreement page, {DOCS_URL}agreement/). The annotators are sessions of the same AI "
            "assistant, so these figures are an upper bound, not comparable with human inter-annotator "
            "agreement.\n\n" + markdown_table(["pair"] + names, rows))


def baselines_section(root: Path) -> str:
    """The baselines' test scores, read from baselines/results.json (akhbar.baseline_results)."""
    from akhbar.baseline_results import is_stale, load, markdown, summaries_markdown

    results = load(root)
    return (f"Simple systems trained on train, tuned on validation and scored on test with `akhbar evaluate` "
            f"(what each does and how to reproduce the figures: {DOCS_URL}baselines/). **The corpus is small**: "
            "a test split of a few dozen articles gives wide confidence intervals, so read differences of a few "
            "points as noise. Each setting was chosen on validation.\n\n" + summaries_markdown() + "\n\n"
            + markdown(results, "####", results is not None and is_stale(results, root)))


def card_text(out: Path, stats, root: Path) -> str:
    splits = labels.splits()
    published = dict(stats.published())
    total_articles = sum(stats.articles.values())
    annotated = sum(stats.annotated.values())
    parts = [f"# Dataset Card for {PRETTY_NAME}\n"]

    parts.append(
        "Akhbar (أخبار, \"news\") is an openly developed corpus of Arabic news articles annotated with named "
        "entities and their coreference, quotations (content, cue, speaker) and PLOVER political events with "
        "ACE-style triggers and arguments. Every annotation is stand-off, with character offsets into the "
        "article text, so nothing is lost to tokenization; the token views in this dataset are derived from it "
        "by a documented policy.\n"
    )
    parts.append("## Dataset Details\n\n### Dataset Description\n")
    parts.append(
        f"- **Curated by:** the Akhbar contributors\n- **Language:** Arabic (`ar`), Modern Standard Arabic news prose\n"
        f"- **Articles:** {total_articles} ({', '.join(f'{s}: {stats.articles.get(s, 0)}' for s in splits)}); "
        f"{annotated} of them carry annotations\n"
        f"- **Publishers:** {', '.join(f'{k} ({v})' for k, v in sorted(stats.publishers.items()))}\n"
        f"- **Schema version(s):** {', '.join(sorted(stats.schema_versions))}; **guidelines version(s):** "
        f"{', '.join(sorted(stats.guidelines))}; built by akhbar {__version__}\n"
    )
    parts.append("### License\n\n" + _license_section(stats) + "\n")
    parts.append(
        "### Dataset Sources\n\n"
        f"- **Repository:** {REPO_URL}\n"
        f"- **Documentation:** {DOCS_URL} (this dataset: {DATASET_DOCS_URL})\n"
        f"- **Annotation guidelines:** {GUIDELINES_URL} (the guidelines version of each article is in "
        "`annotation.guidelines_version`)\n"
    )

    parts.append("## Uses\n\n### Direct Use\n\n```python\nfrom datasets import load_dataset\n\n")
    for config in published:
        parts.append(f'{config} = load_dataset("path/to/this/folder", "{config}")\n')
    parts.append(
        "```\n\nTrain and evaluate Arabic named-entity recognition (flat via `ner`, nested via the `mentions` "
        "column or `articles`), quotation attribution (`quotes`), event extraction and multi-label event "
        "classification (`events`, `articles.event_types`), and entity coreference (`articles.entities`).\n\n"
        "### Out-of-Scope Use\n\nThe article text is licensed for research only where its licence says so "
        "(see License); do not redistribute it outside those terms. The events are what the articles report, "
        "not verified facts: do not use them as a record of what happened.\n"
    )
    parts.append("### Baseline results\n\n" + baselines_section(root) + "\n")

    parts.append("## Dataset Structure\n\n### Configurations and splits\n\n")
    rows = []
    for config in CONFIGS:
        note = " (default)" if config == DEFAULT_CONFIG else ""
        if config not in published:
            note = " (not published)"
        rows.append([f"`{config}`{note}"] + [stats.rows[(config, s)] or "—" for s in splits])
    parts.append(markdown_table(["config"] + splits, rows) + "\n\n")
    parts.append("\n".join(f"- `{c}`: {CONFIG_SUMMARIES[c]}" for c in CONFIGS) + "\n\n")
    absent = [c for c in CONFIGS if c not in published]
    absent_text = ", ".join(f"`{c}` ({WHAT_IS_EMPTY.get(c, 'no rows')})" for c in absent)
    parts.append(
        "**Splits** come from each record's frozen `split` field (train, validation, test), assigned once from "
        "the article id and never moved across releases. A split without rows is left out of a configuration "
        "(`datasets` cannot load a split with no rows), and a configuration without rows is left out of this "
        "folder altogether; the YAML, the files and croissant.json always agree. "
        + (f"Not published in this build: {absent_text}. " if absent else "")
        + "A missing split means no data yet, never a different split assignment.\n\n"
    )

    parts.append("### Tokens and tags (`ner`, `ner_conll4`)\n\n" + TOKENIZATION_POLICY + "\n")
    parts.append("### CoNLL-4 mapping\n\n" + conll4_table() + "\n")
    parts.append(f"Token count: {', '.join(f'{s} {stats.tokens.get(s, 0)}' for s in splits)}.\n\n")

    parts.append("### Label counts\n\nEntity mentions by type:\n\n"
                 + _counts_table(stats.entity_types, labels.entity_types(), splits) + "\n\nQuotes by type:\n\n"
                 + _counts_table(stats.quote_types, labels.quote_types(), splits) + "\n\nEvents by PLOVER category:\n\n"
                 + _counts_table(stats.event_categories, labels.plover_categories(), splits) + "\n\n")

    parts.append("### Features and example rows\n\n"
                 f"Examples are real rows of this build, read back from its files (strings cut after "
                 f"{EXAMPLE_STRING_LIMIT} characters and lists after {EXAMPLE_LIST_LIMIT} items, marked with …; "
                 "ClassLabel ids shown as their names).\n\n")
    for config in CONFIGS:
        parts.append(f"#### `{config}`\n\n{_feature_lines(config)}\n\n")
        if config not in published:
            parts.append(f"_No example: {WHAT_IS_EMPTY.get(config, 'the configuration has no rows')} in this build._\n\n")
            continue
        split = published[config][0]
        row, annotated_row = example_row(out / stats.files(config, split)[0], config)
        if not annotated_row:  # (quotes and events rows are annotations)
            parts.append("_No article of this build carries annotations yet, so this example has none "
                         "(every tag is `O`, the annotation lists are empty). It is shown as it is, not made up._\n\n")
        parts.append(f"From split `{split}`:\n\n```json\n{pretty_json(shorten(row))}\n```\n\n")

    parts.append(
        "## Dataset Creation\n\n### Curation Rationale\n\n"
        "Arabic NER corpora on the Hub are published one token per row, with splits nobody can reproduce, nested "
        "entities lost and licences marked unknown; no Arabic corpus of quotation attribution was found. Akhbar "
        "keeps whole articles with stand-off annotation, fixed splits, explicit licences and derived views whose "
        "policy is stated.\n\n"
        "### Source Data\n\n#### Data Collection and Processing\n\n"
        "Articles come from openly licensed collections read by one documented adapter each (`source.collection`: "
        "the Arabic Wikinews articles of QCRI's diacritised evaluation set and of the Mewsli-X test data, "
        "CC BY 2.5; NTREX-128's Arabic translations of the WMT 2019 English news test set, CC BY-SA 4.0) and "
        "from single scraped news pages (the seed article). The raw files are kept in the "
        "repository byte for byte (`source.raw_file`, with `source.raw_sha256`; a file shared by many articles "
        "is stored once and `source.locator` gives each article's lines); `source.text_derivation` states how "
        "the text was derived (for the QCRI file: the diacritic marks U+064B-U+0652 and U+0670 removed). "
        "Scraped pages are cleaned by documented rules that remove scraping debris and never change a letter "
        "or diacritic. All text is NFC. Unknown facts (dates, authors) are null, never guessed.\n\n"
        "#### Who are the source data producers?\n\n"
        f"The journalists and publishers named in each record's `source` ({', '.join(sorted(stats.publishers))}).\n\n"
        + native_and_translated(stats)
        + "### Annotations\n\n#### Annotation process\n\n"
        "Annotators follow the Akhbar guidelines: entities are discourse referents with typed mentions "
        "(proclitics و ف ب ل ك س outside a span, the article ال inside; mentions may nest, never cross); quotes "
        "have content fragments, a cue with its lemma and a speaker entity; events use the PLOVER ontology "
        "(manual version 2.0) with ACE-style triggers and role arguments. Every record passes the Akhbar "
        "validator (schema and offset checks) before it is built.\n\n"
        f"Annotation status by split: {statuses_by_split(stats)}.\n\n"
        "#### Who are the annotators?\n\nThe annotators named in each record's `annotation.annotators`. **All "
        "annotation of version 0.1 was done by sessions of an AI annotation assistant (a large language model), "
        "not by people**, each working alone from the written guidelines and the text: `gold` articles were "
        "annotated twice independently (both annotations are kept under `agreement/`) and adjudicated by a third "
        "session against the guidelines; `silver` articles were annotated once and corrected in a separate "
        "review pass by another session. The maintainers wrote the rules that settled the disagreements "
        "(guidelines hard cases) and set the statuses. Human double annotation is the next step.\n\n"
        "#### Agreement\n\n"
        + agreement_section(root)
        + "\n\n### Personal and Sensitive Information\n\n"
        "The articles name public figures, officials and sometimes private persons as the press reported them, "
        "and mention political and religious affiliations (NORP). Nothing was added beyond what was published.\n\n"
    )
    parts.append(
        "## Bias, Risks, and Limitations\n\n"
        f"- The corpus is small ({_n(total_articles, 'article')}) and drawn from few publishers; its topics, dialect "
        "coverage and political viewpoints are those of these sources.\n"
        "- Events and quotes are what the articles report; the framing of conflicts follows the publishers.\n"
        "- The token views label the whole host token of a mention (clitics included), and sentences come from "
        "punctuation rules, not a syntactic parser.\n"
        "- Most articles are Arabic Wikinews reports of 2013-2014 (seven topic sections: culture, health, "
        "politics, science, sports, art, economy), written by volunteers; the QCRI copy was diacritised by its "
        "distributors and the plain text was recovered by removing the marks, so a few words may lack a shadda "
        "or tanwin the original had.\n"
        "- Sports, science and art articles often hold no PLOVER event (`annotation.layers.events` is "
        "`none-applicable` there: annotated, nothing found), so event data concentrates in politics and economy.\n"
        "- Articles whose `annotation.status` is `draft` may be incomplete; filter on it for evaluation.\n\n"
        "### Recommendations\n\nReport results per split as published, state the configuration and the corpus "
        "version, and filter on `annotation.status` when only adjudicated data should count.\n\n"
    )
    year = (stats.latest_update or "")[:4]
    parts.append(
        "## Citation\n\n**BibTeX:**\n\n```bibtex\n@misc{akhbar,\n"
        "  title        = {Akhbar: an open annotated corpus of Arabic news},\n"
        "  author       = {{The Akhbar contributors}},\n"
        + (f"  year         = {{{year}}},\n" if year else "")
        + f"  howpublished = {{\\url{{{DOCS_URL}}}}},\n  note         = {{Schema {', '.join(sorted(stats.schema_versions))}}}\n}}\n```\n\n"
    )
    parts.append(
        "## Glossary\n\n- **mention**: a span of text naming an entity; **outermost** mentions are not inside "
        "another.\n- **PLOVER**: Political Language Ontology for Verifiable Event Records (16 categories).\n"
        "- **cue**: the verb or phrase introducing a quote (قال، أضاف، وفقاً لـ).\n\n"
        f"## More Information\n\nSee {DATASET_DOCS_URL} for this dataset's policies and {DOCS_URL} for the record "
        "format, the guidelines and the tools "
        "(`akhbar build` wrote this folder).\n\n"
        "## Dataset Card Authors\n\nGenerated by `akhbar build` from the corpus.\n\n"
        f"## Dataset Card Contact\n\nThe Akhbar project: {DOCS_URL}\n"
    )
    return _space_headings("".join(parts))


TOKENIZATION_POLICY = """\
- **Sentences**: pyarabic's `sentence_tokenize`, adapted: a sentence ends after sentence-final punctuation \
(`.` `!` `?` `؟` `…`, with any closing quote or bracket after it) followed by whitespace, and at every \
paragraph break. Commas, colons and semicolons do not end a sentence (pyarabic splits there, which cuts news \
sentences into clauses). A period after an abbreviation (a single letter, `د.`, `U.S.`, or a short list: `Dr`, `Mr`…) ends no sentence, and a run such as `؟!` ends one. A break is never made inside an entity mention.
- **Tokens**: pyarabic's `tokenize` word definition (letters, digits, harakat, dagger alif and apostrophe \
stay together; whitespace separates), with each punctuation character as its own token; a number keeps its \
separators (`3.5`, `1,500`, `٣٫٥` are one token each). The same tokens and sentences are written by \
`akhbar export --format conll`. `token_starts` / \
`token_ends` are offsets into the article's `text` (`articles` config), end-exclusive.
- **Clitics: the host token is labelled.** Proclitics are not split off: a mention that starts after a \
proclitic, ليبيا in وليبيا, makes the whole token وليبيا `B-GPE` (the Wojood and ANERcorp convention). \
The exact mention offsets are in the `mentions` column. Tokenization never depends on the annotation, with \
two exceptions that keep every mention: if two mentions of one layer would share a host token (no space \
between them, as in some translated articles), the token is split where the second begins; if a nested \
mention would cover exactly the tokens of the mention holding it (words glued together), the token is split \
at the nested mention's edge.
- **Tags**: IOB2 over the **outermost** mentions (`O` first, then `B-`/`I-` per type in the inventory order). \
Every outermost mention yields exactly one `B-` tag. Nested mentions are kept in `mentions` \
(`outermost: false`) and in the `articles` config.
"""


def conll4_table() -> str:
    mapping = F.conll4_mapping()
    rows = [[t, mapping[t] or "— (O)"] for t in labels.entity_types()]
    return (
        "`ner_conll4` maps each mention's type, then tags the outermost of the mapped mentions: where an "
        "outermost mention has no CoNLL-4 type (OCC, DATE…), mentions nested in it surface instead "
        "(وزير الخارجية المصري gives `MISC` for المصري). Tag names follow conll2003 order "
        f"({', '.join(F.conll4_tag_names())}). In Python: `akhbar.hf.features.conll4_mapping()`.\n\n"
        + markdown_table(["Akhbar", "CoNLL-4"], rows)
    )


def license_text(stats, root: Path) -> str:
    """LICENSE.md: each layer's licence; the project's own licence texts are copied from
    LICENSES/<id>.txt (the REUSE layout) when the repository has them."""
    parts = ["# Licences of this dataset\n\n", _license_section(stats), "\n"]
    for spdx in stats.licenses():
        parts.append(f"\n## {spdx}\n\n")
        source = root / "LICENSES" / f"{spdx}.txt"
        if source.is_file():
            parts.append(source.read_text(encoding="utf-8").rstrip("\n") + "\n")
        elif spdx.startswith("LicenseRef-"):
            parts.append(f"A licence of the Akhbar project; its full terms are published in the repository ({REPO_URL}).\n")
        else:
            parts.append(f"The SPDX licence `{spdx}`: https://spdx.org/licenses/{spdx}.html\n")
    return "".join(parts)


def write_card(out: Path, stats, root: Path) -> None:
    card = DatasetCard(f"---\n{card_data(stats).to_yaml()}\n---\n\n{card_text(out, stats, root)}")
    atomic_write(out / "README.md", [str(card).encode("utf-8")])
    atomic_write(out / "LICENSE.md", [license_text(stats, root).encode("utf-8")])
