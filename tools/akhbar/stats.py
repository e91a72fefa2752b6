"""Corpus statistics (`akhbar stats`): counts per layer, label and split, streamed.

The docs' statistics page is generated from these numbers at build time, so it can never
drift from the data.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from akhbar import labels
from akhbar.errors import UserError
from akhbar.records import iter_lines, parse_line
from akhbar.tables import markdown_table

# Words for statistics: maximal runs of letters, marks and digits (Arabic or Latin). The NER
# config's tokenizer splits clitics and punctuation differently; this count is for sizing.
WORD = re.compile(r"[^\W_]+")

TEXT_ORIGINS = ("native", "translated")  # what text_origin() gives, in table order
# The labels a layer's tables list first, in inventory order (any other label follows, sorted).
ORDERS = {"translated": lambda: list(TEXT_ORIGINS), "status": labels.annotation_statuses,
          "mentions": labels.entity_types, "entities": labels.entity_types, "quotes": labels.quote_types,
          "speaker_kinds": labels.speaker_kinds, "events": labels.plover_categories}


def text_origin(record: dict) -> str:
    """"translated" for a text translated from another language (source.translation, schema
    1.1), else "native"."""
    native, translated = TEXT_ORIGINS
    return translated if record.get("source", {}).get("translation") else native


@dataclass
class CorpusStats:
    # counts[(layer, label, split)]; label "" for layer totals
    counts: Counter = field(default_factory=Counter)
    splits: tuple[str, ...] = field(default_factory=lambda: tuple(labels.splits()))

    def add_record(self, record: dict) -> None:
        split = record.get("split", "?")
        c = self.counts
        c["articles", "", split] += 1
        c["words", "", split] += len(WORD.findall(record.get("text", "")))
        source = record.get("source", {})
        c["publishers", source.get("publisher", "?"), split] += 1
        # schema 1.1: the collection (source) and its section; 1.0 records have neither
        c["sources", source.get("collection") or "(single file)", split] += 1
        c["sections", source.get("section") or "(none)", split] += 1
        c["text_licenses", record.get("license", {}).get("text", "?"), split] += 1
        c["translated", text_origin(record), split] += 1
        c["status", record.get("annotation", {}).get("status", "?"), split] += 1
        for entity in record.get("entities", []):
            c["entities", entity["type"], split] += 1
            c["mentions", entity["type"], split] += len(entity["mentions"])
        for quote in record.get("quotes", []):
            c["quotes", quote["type"], split] += 1
            c["speaker_kinds", quote["speaker_kind"], split] += 1
        for event in record.get("events", []):
            c["events", event["category"], split] += 1

    def total(self, layer: str, label: str | None = None, split: str | None = None) -> int:
        return sum(n for (ly, lb, sp), n in self.counts.items()
                   if ly == layer and (label is None or lb == label) and (split is None or sp == split))

    def table(self, layer: str) -> list[tuple[str, list[int], int]]:
        """Rows (label, count per split, total) in inventory order (`ORDERS`), then any other label."""
        seen = list(ORDERS.get(layer, list)())
        seen += sorted({lb for (ly, lb, _sp) in self.counts if ly == layer and lb not in seen})
        return [(lb, [self.counts[layer, lb, sp] for sp in self.splits], self.total(layer, lb)) for lb in seen]

    def as_json(self) -> dict:
        def by_split(layer, label=None):
            return {sp: self.total(layer, label, sp) for sp in self.splits}

        def by_label(layer):
            return {lb: {"total": total, "by_split": dict(zip(self.splits, per, strict=True))}
                    for lb, per, total in self.table(layer)}

        return {
            "articles": {"total": self.total("articles"), "by_split": by_split("articles")},
            "words": {"total": self.total("words"), "by_split": by_split("words")},
            **{layer: by_label(layer) for layer in ("publishers", "sources", "sections", "text_licenses", "translated")},
            "annotation_status": by_label("status"),
            "mentions": {"total": self.total("mentions"), "by_type": by_label("mentions")},
            "entities": {"total": self.total("entities"), "by_type": by_label("entities")},
            "quotes": {"total": self.total("quotes"), "by_type": by_label("quotes"), "by_speaker_kind": by_label("speaker_kinds")},
            "events": {"total": self.total("events"), "by_category": by_label("events")},
        }


class StatsError(UserError):
    pass


def collect(paths: Iterable[Path]) -> CorpusStats:
    """Statistics of valid shards (run `akhbar validate` first: a line that is not a JSON
    object stops collection with its location)."""
    stats = CorpusStats()
    for path in paths:
        for number, raw in iter_lines(path):
            if not raw.strip():
                continue
            try:
                parsed = parse_line(raw)
            except UnicodeDecodeError:
                raise StatsError(f"{path}:{number}: not UTF-8; run akhbar validate") from None
            if not parsed.ok or not isinstance(parsed.value, dict):
                raise StatsError(f"{path}:{number}: not a JSON object; run akhbar validate")
            try:
                stats.add_record(parsed.value)
            except (KeyError, TypeError, AttributeError) as exc:
                raise StatsError(f"{path}:{number}: record does not match the schema ({exc}); run akhbar validate") from None
    return stats


# ---- rendering -------------------------------------------------------------------------------


# (heading, layer, head of the label column) of each table by label of the statistics page.
MARKDOWN_TABLES = (
    ("Articles by publisher", "publishers", "publisher"),
    ("Articles by source collection", "sources", "collection"),
    ("Articles by section", "sections", "section"),
    ("Articles by text licence", "text_licenses", "licence"),
    ("Native and translated text", "translated", "text"),
    ("Annotation status", "status", "status"),
    ("Entity mentions by type", "mentions", "type"),
    ("Entities (coreference clusters) by type", "entities", "type"),
    ("Quotes by type", "quotes", "type"),
    ("Quotes by speaker kind", "speaker_kinds", "speaker kind"),
    ("Events by PLOVER category", "events", "category"),
)


def bar_chart_svg(rows: list[tuple[str, int]], title: str) -> str:
    """A small horizontal bar chart as inline SVG (no script, no external resource)."""
    width, bar_h, label_w = 520, 18, 110
    top = max((n for _, n in rows), default=0) or 1
    height = 30 + bar_h * len(rows)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{html.escape(title)}" '
             f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" direction="ltr">',
             f'<text x="0" y="14" font-size="13" font-weight="bold">{html.escape(title)}</text>']
    for i, (label, n) in enumerate(rows):
        y = 24 + i * bar_h
        w = int((width - label_w - 50) * n / top)
        parts.append(f'<text x="0" y="{y + 13}" font-size="12">{html.escape(label)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 2}" width="{w}" height="{bar_h - 5}" fill="#3f51b5"/>')
        parts.append(f'<text x="{label_w + w + 4}" y="{y + 13}" font-size="12">{n}</text>')
    parts.append("</svg>")
    return "".join(parts)


def to_markdown(stats: CorpusStats) -> str:
    overview = markdown_table(
        ["", *stats.splits, "total"],
        [[name, *(stats.total(layer, None, sp) for sp in stats.splits), stats.total(layer)]
         for name, layer in (("articles", "articles"), ("words", "words"), ("entity mentions", "mentions"),
                             ("entities", "entities"), ("quotes", "quotes"), ("events", "events"))],
        1)
    mention_rows = [(lb, total) for lb, _per, total in stats.table("mentions") if total]
    intros = {"sections": "The topic section the source files an article under (Wikinews's own).\n\n",
              "mentions": bar_chart_svg(mention_rows, "Mentions per entity type") + "\n\n" if mention_rows else ""}
    sections = ["## Overview\n\n" + overview]
    for heading, layer, title in MARKDOWN_TABLES:
        rows = [[lb, *per, total] for lb, per, total in stats.table(layer)]
        sections.append(f"## {heading}\n\n{intros.get(layer, '')}" + markdown_table([title, *stats.splits, "total"], rows, 1))
    return "\n\n".join(sections) + "\n"


def to_text(stats: CorpusStats) -> str:
    lines = [f"articles {stats.total('articles')}  words {stats.total('words')}  mentions {stats.total('mentions')}  "
             f"entities {stats.total('entities')}  quotes {stats.total('quotes')}  events {stats.total('events')}"]
    for layer in ("sources", "sections", "text_licenses"):
        lines.append(f"{layer}: " + ", ".join(f"{lb} {total}" for lb, _per, total in stats.table(layer)))
    for layer in ("mentions", "quotes", "speaker_kinds", "events"):
        nonzero = [(lb, total) for lb, _per, total in stats.table(layer) if total]
        if nonzero:
            lines.append(f"{layer}: " + ", ".join(f"{lb} {n}" for lb, n in nonzero))
    return "\n".join(lines) + "\n"
