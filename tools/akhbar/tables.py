"""Markdown tables and figures as every generated page and report writes them: the docs
(docgen), the dataset card, `akhbar stats`, `akhbar agree --format markdown` and the
baselines' results."""

from __future__ import annotations


def markdown_table(header: list[str], rows: list[list], text_columns: int | None = None) -> str:
    """A Markdown table. The columns from `text_columns` on hold figures and are aligned
    right; with None every column is aligned left."""
    aligned = ["---" if text_columns is None or i < text_columns else "---:" for i in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "|" + "".join(a + "|" for a in aligned)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def cell(text: object) -> str:
    """Text as one Markdown table cell: its pipes escaped, its line breaks made spaces."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def figure(value: float | None) -> str:
    """A score with three decimals; — where there is none."""
    return "—" if value is None else f"{value:.3f}"
