"""What the dataset card and Croissant need to know about a build, gathered while writing.

Each part of a split (akhbar.hf.build) is counted by the process that writes it; the build
merges the counts in part order, so every counter ends up as if one process had seen the
records in turn (same counts, same key order)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, fields
from typing import ClassVar

from akhbar import __version__, labels
from akhbar.hf import CONFIGS
from akhbar.stats import text_origin


@dataclass
class BuildStats:
    # The counters that add_record and add_rows fill and merge adds up: every Counter field
    # (set below the class, from its fields).
    COUNTERS: ClassVar[tuple[str, ...]]

    articles: Counter = field(default_factory=Counter)  # split -> articles
    rows: Counter = field(default_factory=Counter)  # (config, split) -> rows
    nbytes: Counter = field(default_factory=Counter)  # (config, split) -> Arrow bytes of its record batches
    parts: dict = field(default_factory=dict)  # (config, split) -> its files (relative paths), in row order
    sha256: dict = field(default_factory=dict)  # relative path -> sha256
    sizes: dict = field(default_factory=dict)  # relative path -> bytes
    text_licenses: Counter = field(default_factory=Counter)
    annotation_licenses: Counter = field(default_factory=Counter)
    publishers: Counter = field(default_factory=Counter)
    translated: Counter = field(default_factory=Counter)  # (split, "native" | "translated") -> articles
    statuses: Counter = field(default_factory=Counter)  # (split, annotation status) -> articles
    entity_types: Counter = field(default_factory=Counter)  # (split, type) -> mentions
    quote_types: Counter = field(default_factory=Counter)
    event_categories: Counter = field(default_factory=Counter)
    tokens: Counter = field(default_factory=Counter)  # split -> tokens
    annotated: Counter = field(default_factory=Counter)  # split -> articles with any annotation
    multi_annotator: int = 0  # articles naming more than one annotator
    guidelines: Counter = field(default_factory=Counter)
    version: str = __version__  # the corpus version (corpus/VERSION), else the tools' version
    latest_update: str | None = None  # the newest annotation.updated: the release date
    schema_versions: Counter = field(default_factory=Counter)

    def add_record(self, record: dict) -> None:
        """Count one record (its tokens are counted as its `ner` rows are written)."""
        split = record["split"]
        self.articles[split] += 1
        self.text_licenses[record["license"]["text"]] += 1
        self.annotation_licenses[record["license"]["annotations"]] += 1
        self.publishers[record["source"]["publisher"]] += 1
        self.translated[(split, text_origin(record))] += 1
        self.statuses[(split, record["annotation"]["status"])] += 1
        self.guidelines[record["annotation"]["guidelines_version"]] += 1
        self.schema_versions[record["schema_version"]] += 1
        updated = record["annotation"]["updated"]
        if self.latest_update is None or updated > self.latest_update:
            self.latest_update = updated
        if len(record["annotation"]["annotators"]) > 1:
            self.multi_annotator += 1
        if record["entities"] or record["quotes"] or record["events"]:
            self.annotated[split] += 1
        for e in record["entities"]:
            self.entity_types[(split, e["type"])] += len(e["mentions"])
        # Counter.update counts an iterable in C.
        self.quote_types.update((split, q["type"]) for q in record["quotes"])
        self.event_categories.update((split, v["category"]) for v in record["events"])

    def add_rows(self, config: str, split: str, rows: int, nbytes: int) -> None:
        """Count a record batch written: its rows and its size in memory (what `datasets`
        adds up as a split's `num_bytes` when it writes Arrow data)."""
        self.rows[(config, split)] += rows
        self.nbytes[(config, split)] += nbytes

    def merge(self, other: BuildStats) -> None:
        """Add the counts of `other` (records that come after these ones)."""
        for name in self.COUNTERS:
            getattr(self, name).update(getattr(other, name))
        self.multi_annotator += other.multi_annotator
        if other.latest_update is not None and (self.latest_update is None or other.latest_update > self.latest_update):
            self.latest_update = other.latest_update

    def published(self) -> list[tuple[str, list[str]]]:
        """(config, splits with rows) for every config that has rows, in config order."""
        result = []
        for config in CONFIGS:
            splits = [s for s in labels.splits() if self.rows.get((config, s))]
            if splits:
                result.append((config, splits))
        return result

    def licenses(self) -> list[str]:
        """The licences of either layer, sorted."""
        return sorted(set(self.text_licenses) | set(self.annotation_licenses))

    def files(self, config: str, split: str) -> list[str]:
        """The files (relative paths) holding a published split's rows, in row order."""
        return self.parts[(config, split)]

    @staticmethod
    def pattern(config: str, split: str) -> str:
        """The glob naming a split's files, in the card's `data_files` and in Croissant."""
        return f"data/{config}/{split}-*.parquet"


BuildStats.COUNTERS = tuple(f.name for f in fields(BuildStats) if f.default_factory is Counter)
