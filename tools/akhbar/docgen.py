"""Markdown generated from the project's sources of truth for the documentation site: the
record's fields (from the JSON Schema), the label inventories, the validator's checks and
the corpus statistics. The MkDocs hook (docs/hooks.py) replaces placeholders of the form
`<!-- akhbar:NAME -->` with these, so no table in the docs is ever copied by hand."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from akhbar import labels
from akhbar.diagnostics import CHECKS
from akhbar.schema import article_schema


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _resolve(node: dict) -> dict:
    root = article_schema()
    while "$ref" in node:
        target = root
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


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
    rows = [f"| `{path}` | {_cell(kind)} | {'yes' if req else 'no'} | {_cell(desc)} |" for path, kind, req, desc in record_fields()]
    return "| field | type | required | description |\n|---|---|---|---|\n" + "\n".join(rows)


def entity_types_markdown() -> str:
    inventory = labels.inventory("entity_types")
    targets = list(inventory["mapping_targets"])
    head = "| type | kind | definition | " + " | ".join(inventory["mapping_targets"][t]["name"] for t in targets) + " |"
    rows = [
        f"| `{t['label']}` | {t['kind']} | {_cell(t['definition'])} | "
        + " | ".join(f"`{t['mappings'][x]}`" if t["mappings"][x] else "—" for x in targets) + " |"
        for t in inventory["types"]
    ]
    return head + "\n|---|---|---|" + "---|" * len(targets) + "\n" + "\n".join(rows)


def plover_markdown() -> str:
    plover = labels.inventory("plover")
    src = plover["source"]
    out = [f"Source: {src['repository']} `{src['file']}` (commit `{src['commit']}`, {src['manual_version']}), "
           f"licence {src['license']}.", "", "| category | quad | recipient required | definition | modes |", "|---|---|---|---|---|"]
    for c in plover["categories"]:
        modes = ", ".join(f"`{m['label']}`" for m in c["modes"]) or "—"
        out.append(f"| `{c['label']}` | {c['quad']} | {'yes' if c['recipient_required'] else 'no'} | {_cell(c['definition'])} | {modes} |")
    out += ["", "### Modes", "", "| category | mode | definition |", "|---|---|---|"]
    for c in plover["categories"]:
        for m in c["modes"]:
            out.append(f"| `{c['label']}` | `{m['label']}` | {_cell(m['definition'])} |")
    out += ["", "### Contexts", "", "| context | definition |", "|---|---|"]
    out += [f"| `{x['label']}` | {_cell(x['definition'])} |" for x in plover["contexts"]]
    out += ["", "### Markers", "", "| field | PLOVER name | definition |", "|---|---|---|"]
    out += [f"| `{x['label']}` | {x['plover_name']} | {_cell(x['definition'])} |" for x in plover["markers"]]
    return "\n".join(out)


def simple_inventory_markdown(name: str) -> str:
    inventory = labels.inventory(name)
    rows = [f"| `{x['label']}` | {_cell(x['definition'])} |" for x in inventory["labels"]]
    return f"{inventory['description']}\n\n| label | definition |\n|---|---|\n" + "\n".join(rows)


def cue_lemmas_markdown() -> str:
    inventory = labels.inventory("cue_lemmas")
    rows = [f'| <span lang="ar" dir="rtl">{x["lemma"]}</span> | {_cell(x["gloss"])} | <span lang="ar" dir="rtl">{"، ".join(x["forms"])}</span> |'
            for x in inventory["labels"]]
    return f"{inventory['description']}\n\n| lemma | gloss | forms |\n|---|---|---|\n" + "\n".join(rows)


def checks_markdown() -> str:
    rows = [f"| `{cid}` | {c.level} | {c.cls} | {_cell(c.summary)} |" for cid, c in CHECKS.items()]
    return "| id | level | class | what it means |\n|---|---|---|---|\n" + "\n".join(rows)


def statistics_markdown() -> str:
    from akhbar.paths import default_shards
    from akhbar.stats import collect, to_markdown

    return to_markdown(collect(default_shards()))


GENERATORS: dict[str, Callable[[], str]] = {
    "schema-fields": schema_fields_markdown,
    "entity-types": entity_types_markdown,
    "plover": plover_markdown,
    "quote-types": lambda: simple_inventory_markdown("quote_types"),
    "speaker-kinds": lambda: simple_inventory_markdown("speaker_kinds"),
    "argument-roles": lambda: simple_inventory_markdown("argument_roles"),
    "block-kinds": lambda: simple_inventory_markdown("block_kinds"),
    "annotation-statuses": lambda: simple_inventory_markdown("annotation_statuses"),
    "splits": lambda: simple_inventory_markdown("splits"),
    "cue-lemmas": cue_lemmas_markdown,
    "checks": checks_markdown,
    "statistics": statistics_markdown,
}


def expand_placeholders(markdown: str) -> str:
    """Replace every `<!-- akhbar:NAME -->` with the generated Markdown; an unknown name is an
    error (a typo must not silently drop a table)."""
    import re

    def replace(match):
        name = match.group(1)
        if name not in GENERATORS:
            raise KeyError(f"unknown generated section <!-- akhbar:{name} --> (known: {', '.join(GENERATORS)})")
        return GENERATORS[name]()

    return re.sub(r"<!-- akhbar:([a-z-]+) -->", replace, markdown)
