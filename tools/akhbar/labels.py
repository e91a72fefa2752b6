"""The label inventories in schema/labels/: the one source of truth for labels.

The JSON Schema's enums, the validator, the dataset features and the docs tables all read
these files; tests check that the schema agrees with them.
"""

from __future__ import annotations

import json
from functools import cache

from akhbar.paths import schema_dir


@cache
def inventory(name: str) -> dict:
    with open(schema_dir() / "labels" / f"{name}.json", encoding="utf-8") as f:
        return json.load(f)


def _labels(name: str) -> list[str]:
    return [item["label"] for item in inventory(name)["labels"]]


def entity_types() -> list[str]:
    return [t["label"] for t in inventory("entity_types")["types"]]


def type_mapping(target: str) -> dict[str, str | None]:
    """Akhbar entity type -> its label in another inventory (`wojood21`, `ontonotes18`, `ace7`,
    `conll4`), or None where that inventory has no counterpart."""
    return {t["label"]: t["mappings"][target] for t in inventory("entity_types")["types"]}


def mapping_target_labels(target: str) -> list[str]:
    """The labels of another inventory, in its own order (e.g. Wojood's 21 types)."""
    return list(inventory("entity_types")["mapping_targets"][target]["labels"])


def quote_types() -> list[str]:
    return _labels("quote_types")


def speaker_kinds() -> list[str]:
    return _labels("speaker_kinds")


def block_kinds() -> list[str]:
    return _labels("block_kinds")


def argument_roles() -> list[str]:
    return _labels("argument_roles")


def annotation_statuses() -> list[str]:
    return _labels("annotation_statuses")


def splits() -> list[str]:
    return _labels("splits")


def cue_lemmas() -> list[str]:
    return [item["lemma"] for item in inventory("cue_lemmas")["labels"]]


def plover_categories() -> list[str]:
    return [c["label"] for c in inventory("plover")["categories"]]


@cache
def plover_modes_by_category() -> dict[str, tuple[str, ...]]:
    return {c["label"]: tuple(m["label"] for m in c["modes"]) for c in inventory("plover")["categories"]}


def plover_modes() -> list[str]:
    """Every mode name, each once, in manual order."""
    seen: dict[str, None] = {}
    for modes in plover_modes_by_category().values():
        seen.update(dict.fromkeys(modes))
    return list(seen)


def event_markers() -> list[str]:
    """The yes/no markers of an event: negated, future, hypothetical, historical."""
    return [m["label"] for m in inventory("plover")["markers"]]


def plover_contexts() -> list[str]:
    return [c["label"] for c in inventory("plover")["contexts"]]


def plover_recipient_required() -> set[str]:
    return {c["label"] for c in inventory("plover")["categories"] if c["recipient_required"]}
