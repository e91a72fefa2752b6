"""Markdown generated from the project's sources of truth for the documentation site: the
record's fields (from the JSON Schema), the label inventories, the validator's checks and
the corpus statistics. The MkDocs hook (tools/mkdocs_hooks.py) replaces placeholders of the form
`<!-- akhbar:NAME -->` with these, so no table in the docs is ever copied by hand."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from functools import cache, partial

import orjson

from akhbar import agreement, baseline_results, labels
from akhbar.agree_report import as_markdown
from akhbar.diagnostics import CHECKS
from akhbar.examples import example_path
from akhbar.hf import TOKEN_CONFIGS
from akhbar.paths import default_shards, project_root
from akhbar.preannotate import evaluate
from akhbar.records import iter_lines
from akhbar.schema import article_schema, resolve_ref
from akhbar.stats import collect, to_markdown
from akhbar.tables import cell, figure, markdown_table


def _resolve(node: dict) -> dict:
    return resolve_ref(node, article_schema())  # the $ref resolution of the schema's key order


def _type_of(node: dict) -> str:
    node = _resolve(node)
    if "oneOf" in node:
        return " or ".join(_type_of(branch) for branch in node["oneOf"])
    if "enum" in node:
        values = [v for v in node["enum"] if v is not None]
        suffix = " or null" if None in node["enum"] else ""
        shown = ", ".join(f"`{v}`" for v in values[:8]) + (", …" if len(values) > 8 else "")
        return f"one of {shown}{suffix}"
    if "const" in node:
        return f"`{node['const']}`"
    kind = node.get("type", "object" if "properties" in node else "any")
    kinds = kind if isinstance(kind, list) else [kind]
    if "array" in kinds and "items" in node:
        return f"list of {_type_of(node['items'])}"
    return " or ".join(kinds)


def record_fields() -> Iterator[tuple[str, str, bool, str]]:
    """(field path, type, required, description) for every field of the record, depth first."""

    def walk(node: dict, prefix: str):
        node = _resolve(node)
        branches = [b for b in node.get("oneOf", []) if _resolve(b).get("type") != "null"]
        if branches:
            node = _resolve(branches[0])
        if node.get("type") == "array" or "items" in node:
            if "items" in node:
                yield from walk(node["items"], prefix + "[]")
            return
        required = set(node.get("required", []))
        for name, child in node.get("properties", {}).items():
            path = f"{prefix}.{name}" if prefix else name
            resolved = _resolve(child)
            yield path, _type_of(child), name in required, child.get("description") or resolved.get("description", "")
            yield from walk(child, path)

    yield from walk(article_schema(), "")


def schema_fields_markdown() -> str:
    rows = [[f"`{path}`", cell(kind), "yes" if req else "no", cell(desc)] for path, kind, req, desc in record_fields()]
    return markdown_table(["field", "type", "required", "description"], rows)


def entity_types_markdown() -> str:
    inventory = labels.inventory("entity_types")
    targets = list(inventory["mapping_targets"])
    header = ["type", "kind", "definition"] + [inventory["mapping_targets"][t]["name"] for t in targets]
    rows = [[f"`{t['label']}`", t["kind"], cell(t["definition"])]
            + [f"`{t['mappings'][x]}`" if t["mappings"][x] else "—" for x in targets]
            for t in inventory["types"]]
    return markdown_table(header, rows)


def plover_markdown() -> str:
    plover = labels.inventory("plover")
    src = plover["source"]
    categories = plover["categories"]
    return "\n\n".join([
        f"Source: {src['repository']} `{src['file']}` (commit `{src['commit']}`, {src['manual_version']}), "
        f"licence {src['license']}.",
        markdown_table(["category", "quad", "recipient required", "definition", "modes"],
                       [[f"`{c['label']}`", c["quad"], "yes" if c["recipient_required"] else "no", cell(c["definition"]),
                         ", ".join(f"`{m['label']}`" for m in c["modes"]) or "—"] for c in categories]),
        "### Modes",
        markdown_table(["category", "mode", "definition"],
                       [[f"`{c['label']}`", f"`{m['label']}`", cell(m["definition"])] for c in categories for m in c["modes"]]),
        "### Contexts",
        markdown_table(["context", "definition"], [[f"`{x['label']}`", cell(x["definition"])] for x in plover["contexts"]]),
        "### Markers",
        markdown_table(["field", "PLOVER name", "definition"],
                       [[f"`{x['label']}`", x["plover_name"], cell(x["definition"])] for x in plover["markers"]]),
    ])


def simple_inventory_markdown(name: str) -> str:
    inventory = labels.inventory(name)
    rows = [[f"`{x['label']}`", cell(x["definition"])] for x in inventory["labels"]]
    return f"{inventory['description']}\n\n" + markdown_table(["label", "definition"], rows)


SIMPLE_INVENTORIES = ("quote_types", "speaker_kinds", "argument_roles", "block_kinds", "annotation_statuses", "splits")


def cue_lemmas_markdown() -> str:
    inventory = labels.inventory("cue_lemmas")
    rows = [[f'<span lang="ar" dir="rtl">{x["lemma"]}</span>', cell(x["gloss"]), f'<span lang="ar" dir="rtl">{"، ".join(x["forms"])}</span>']
            for x in inventory["labels"]]
    return f"{inventory['description']}\n\n" + markdown_table(["lemma", "gloss", "forms"], rows)


def checks_markdown() -> str:
    rows = [[f"`{cid}`", c.level, c.cls, cell(c.summary)] for cid, c in CHECKS.items()]
    return markdown_table(["id", "level", "class", "what it means"], rows)


def statistics_markdown() -> str:
    return to_markdown(collect(default_shards()))


@cache
def corpus_records() -> list[dict]:
    """The corpus records (small: the docs show each article; a large corpus would show a
    sample), read once and shared by everything a docs build generates from them (the MkDocs
    hook clears the cache when a build starts, so that `mkdocs serve` sees edits)."""
    return [orjson.loads(raw) for shard in default_shards() for _n, raw in iter_lines(shard) if raw.strip()]


def rendered_examples_markdown() -> str:
    """One embedded page per source collection (the first article of each, by id), then a
    table linking every article's page: a page with dozens of frames would be unreadable."""
    records = corpus_records()
    parts, shown = [], set()
    for record in records:
        collection = record["source"].get("collection") or record["source"]["publisher"]
        if collection in shown:
            continue
        shown.add(collection)
        path = example_path(record["id"])
        # The markdown link is relative to docs/ (MkDocs checks and rewrites it); the iframe's
        # src is raw HTML, which MkDocs leaves alone, so it is relative to the page's URL.
        parts.append(
            f"### `{record['id']}`\n\n[Open the page on its own]({path}) · publisher: {cell(record['source']['publisher'])} · "
            f"annotation status: {record['annotation']['status']}\n\n"
            f'<iframe class="akhbar-example" src="../{path}" title="{record["id"]} rendered by akhbar render" '
            f'style="width: 100%; height: 48rem; border: 1px solid #ccc;"></iframe>'
        )
    rows = [[f"[`{r['id']}`]({example_path(r['id'])})", cell(r.get("title") or "") or "—",
             cell(r["source"].get("section") or "") or "—", r["annotation"]["status"]] for r in records]
    parts.append("### Every article\n\n" + markdown_table(["article", "title", "section", "status"], rows))
    return "\n\n".join(parts)


def quickstart_markdown() -> str:
    """Build the dataset from the corpus into a temporary folder, load every configuration
    with `datasets.load_dataset` (offline) and show what it prints and a few real rows,
    decoded with the features, as tables (tokens beside their tags)."""
    import os
    import tempfile
    from pathlib import Path

    from akhbar.hf.build import build
    from akhbar.hf.card import first_rows, to_names

    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ["HF_DATASETS_CACHE"] = str(Path(tmp) / "cache")
        import datasets

        datasets.disable_progress_bars()
        result = build(Path(tmp) / "hf")
        if result is None:
            raise RuntimeError("the corpus does not validate; run akhbar validate")
        configs = sorted({config for (config, _split), rows in result.stats.rows.items() if rows},
                         key=lambda c: (c != "articles", c))
        out = []
        for config in configs:
            dataset = datasets.load_dataset(str(Path(tmp) / "hf"), config)
            split = next(iter(dataset))
            features = dataset[split].features
            shown = QUICKSTART_TOKEN_ROWS if config in TOKEN_CONFIGS else QUICKSTART_ROWS
            rows = [to_names(row, features) for row in first_rows(dataset[split], config, shown)]
            call = f'load_dataset("build/hf", "{config}")' if config != "articles" else 'load_dataset("build/hf")'
            out.append(
                f"### `{config}`\n\n```python\nfrom datasets import load_dataset\n\nds = {call}\nprint(ds)\n```\n\n"
                f"```text\n{repr(dataset).replace(tmp, 'build')}\n```\n\n"
                + (_token_tables(rows, split) if config in TOKEN_CONFIGS else _row_table(config, rows, split))
            )
        return "\n\n".join(out)


QUICKSTART_ROWS = 3
QUICKSTART_TOKEN_ROWS = 2
QUICKSTART_TOKENS = 30
QUICKSTART_CELL = 80
# The columns shown per configuration (all features are listed by print(ds) above).
QUICKSTART_COLUMNS = {
    "articles": ["id", "split", "title", "entities", "quotes", "events"],
    "quotes": ["article_id", "type", "cue_text", "cue_lemma", "speaker_name", "speaker_kind", "content"],
    "events": ["article_id", "category", "mode", "context", "trigger_text", "actors", "recipients", "arguments"],
}


def _quick_cell(value, limit: int = QUICKSTART_CELL) -> str:
    """A value as one readable table cell (shown as text, never as markup)."""
    if value is None or value == [] or value == "":
        return "—"
    if isinstance(value, dict):
        named = [str(value[k]) for k in ("role", "type", "name", "text") if value.get(k) not in (None, "")]
        return _quick_cell(": ".join(named[:2]) if named else ", ".join(f"{k}={v}" for k, v in value.items()), limit)
    if isinstance(value, list):
        parts = [_quick_cell(v, 40) for v in value[:4]]
        more = f" … (+{len(value) - 4})" if len(value) > 4 else ""
        return "; ".join(parts) + more
    text = " ".join(str(value).split())
    if len(text) > limit:
        text = text[:limit].rstrip() + " …"
    return cell(html.escape(text, quote=False))


def _row_table(config: str, rows: list[dict], split: str) -> str:
    columns = [c for c in QUICKSTART_COLUMNS.get(config, list(rows[0]) if rows else []) if not rows or c in rows[0]]
    counted = {"entities", "quotes", "events"} if config == "articles" else set()
    table = []
    for row in rows:
        cells = [f"{len(row[c] or [])}" if c in counted else _quick_cell(row[c]) for c in columns]
        if config == "articles":
            cells[0] = f"`{row['id']}`"
        table.append(cells)
    note = " (list columns give their number of items)" if counted else ""
    return (f"The first {len(rows)} rows of `{split}`, class labels decoded with the features, long values "
            f"shortened{note}:\n\n" + markdown_table(columns, table))


def _token_tables(rows: list[dict], split: str) -> str:
    """Each row's tokens beside their tags, one token a line (so they line up)."""
    parts = [f"The first {len(rows)} annotated sentences of `{split}`, tags decoded with the features "
             f"(the first {QUICKSTART_TOKENS} tokens of each):"]
    for row in rows:
        tags = row["ner_tags"]
        lines = ["| # | token | tag |", "|---:|---|---|"]
        for k, (token, tag) in enumerate(zip(row["tokens"][:QUICKSTART_TOKENS], tags[:QUICKSTART_TOKENS], strict=False)):
            shown = " / ".join(tag) if isinstance(tag, list) else str(tag)
            lines.append(f"| {k} | {_quick_cell(token, 40)} | `{shown}` |")
        more = len(row["tokens"]) - QUICKSTART_TOKENS
        tail = f" ({more} more tokens)" if more > 0 else ""
        parts.append(f"`{row['id']}`, sentence {row.get('sentence')}{tail}:\n\n" + "\n".join(lines))
    return "\n\n".join(parts)


def agreement_markdown() -> str:
    """`akhbar agree` on the double annotations kept under agreement/ (akhbar.agreement):
    the pooled figures of A vs B, a line per article and pair, then the full tables of each
    pair."""
    root = project_root()
    found = agreement.results(root)
    if not found:
        return "No double annotation yet."
    out = []
    total = agreement.pooled(root)
    if total is not None:
        out.append("### All double-annotated articles, A vs B, before adjudication (pooled)\n\n"
                   f"{total['articles']['scored']} articles; every count summed over them (micro-average).\n\n"
                   + as_markdown(total, by_type=True).replace(str(root) + "/", ""))
    names = list(agreement.headline(found[0][1]))
    rows = [[f"`{pair.article}`", pair.title, *(figure(agreement.headline(result)[n]) for n in names)]
            for pair, result in found]
    out.append("### Per article (F1; — where neither side has anything of the layer)\n\n"
               + markdown_table(["article", "pair", *names], rows, 2))
    for pair, result in found:
        shown = as_markdown(result, by_type=True).replace(str(root) + "/", "")
        out.append(f"### `{pair.article}`: {pair.title}\n\n{shown}")
    return "\n\n".join(out)


def preannotate_markdown() -> str:
    """`akhbar preannotate --evaluate` on the corpus: leave-one-out precision and recall of
    the proposals against every gold article."""
    result = evaluate(corpus_records())
    if not result["articles"]:
        return "No gold article yet: nothing to measure against."
    names = {"mentions": "entity mentions (exact span and type)",
             "mentions_untyped": "entity mentions (exact span, any type)",
             "cues": "quote cues (exact span)",
             "triggers": "event triggers (overlapping span)",
             "triggers_typed": "event triggers with the right category"}
    rows = []
    for key, label in names.items():
        r = result[key]
        rows.append([label, figure(r["precision"]), figure(r["recall"]), figure(r["f1"]), r["tp"], r["fp"], r["fn"]])
    return (f"Measured on the {result['articles']} gold articles, each with a lexicon from all other annotated articles "
            "(leave-one-out):\n\n"
            + markdown_table(["proposal", "precision", "recall", "F1", "right", "wrong", "missed"], rows, 1))


def baselines_markdown() -> str:
    """The recorded baseline results (baselines/results.json)."""
    results = baseline_results.load(project_root())
    stale = results is not None and baseline_results.is_stale(results, project_root())
    return baseline_results.markdown(results, stale=stale)


GENERATORS: dict[str, Callable[[], str]] = {
    "baselines": baselines_markdown,
    "preannotate": preannotate_markdown,
    "agreement": agreement_markdown,
    "quickstart": quickstart_markdown,
    "rendered-examples": rendered_examples_markdown,
    "schema-fields": schema_fields_markdown,
    "entity-types": entity_types_markdown,
    "plover": plover_markdown,
    # an inventory of labels and definitions: its name with hyphens (`<!-- akhbar:quote-types -->`)
    **{name.replace("_", "-"): partial(simple_inventory_markdown, name) for name in SIMPLE_INVENTORIES},
    "cue-lemmas": cue_lemmas_markdown,
    "checks": checks_markdown,
    "statistics": statistics_markdown,
}


def expand_placeholders(markdown: str) -> str:
    """Replace every `<!-- akhbar:NAME -->` with the generated Markdown; an unknown name is an
    error (a typo must not silently drop a table)."""
    def replace(match):
        name = match.group(1)
        if name not in GENERATORS:
            raise KeyError(f"unknown generated section <!-- akhbar:{name} --> (known: {', '.join(GENERATORS)})")
        return GENERATORS[name]()

    return re.sub(r"<!-- akhbar:([a-z-]+) -->", replace, markdown)
