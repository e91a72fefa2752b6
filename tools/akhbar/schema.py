"""The article JSON Schema: loading, compiled validators, canonical key order, and the
check that its enums agree with the label inventories."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache

from akhbar import labels
from akhbar.paths import schema_dir

SCHEMA_FILE = "article.schema.json"
SUPPORTED_MAJOR = 1
CURRENT_SCHEMA_VERSION = "1.1.0"
# The annotation layers of a record, each a list (with its state in annotation.layers).
LAYERS = ("entities", "quotes", "events")
# The counts of an event's magnitude, in schema order.
MAGNITUDE_KEYS = ("dead", "injured", "arrested")


@cache
def article_schema() -> dict:
    with open(schema_dir() / SCHEMA_FILE, encoding="utf-8") as f:
        return json.load(f)


@cache
def rich_validator():
    """The reference validator (python-jsonschema): slower, with full error paths."""
    import jsonschema

    return jsonschema.Draft202012Validator(article_schema())


@cache
def fast_is_valid():
    """A compiled yes/no check used first on every record; records it rejects are passed to
    the rich validator for messages. Falls back to the rich validator when the compiled one
    is not installed."""
    try:
        import jsonschema_rs
    except ImportError:  # pragma: no cover - depends on the platform's wheels
        return rich_validator().is_valid
    return jsonschema_rs.Draft202012Validator(article_schema()).is_valid


# ---- canonical key order -------------------------------------------------------------------


@dataclass
class Shape:
    """Key order of an object node, and the shapes of its children."""

    keys: tuple[str, ...] = ()
    children: dict[str, Shape] = field(default_factory=dict)
    items: Shape | None = None  # for arrays: the shape of each item


def resolve_ref(node: dict, root: dict) -> dict:
    """The node a local `$ref` (`#/$defs/…`) points to, followed until it is no reference."""
    while "$ref" in node:
        ref = node["$ref"]
        target = root
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _shape(node: dict, root: dict) -> Shape | None:
    node = resolve_ref(node, root)
    for branch in node.get("oneOf", []):
        found = _shape(branch, root)
        if found is not None:
            return found
    if "properties" in node:
        props = node["properties"]
        return Shape(
            keys=tuple(props),
            children={k: s for k, v in props.items() if (s := _shape(v, root)) is not None},
        )
    if "items" in node:
        item = _shape(node["items"], root)
        return Shape(items=item) if item is not None else None
    return None


@cache
def record_shape() -> Shape:
    root = article_schema()
    return _shape(root, root)


def canonical_order(value, shape: Shape | None):
    """A copy of `value` with object keys in schema order (unknown keys after, sorted)."""
    if shape is None:
        return value
    if isinstance(value, dict):  # an unknown key has no child shape: its value is kept as it is
        return {key: canonical_order(value[key], shape.children.get(key)) for key in _canonical_keys(value, shape)}
    if isinstance(value, list) and shape.items is not None:
        return [canonical_order(v, shape.items) for v in value]
    return value


def all_in_canonical_order(values: list, shape: Shape | None) -> bool:
    """Whether canonical_order(value, shape) would leave every key of each of `values` where
    it is: the same answer as comparing the two, without building the copy. The values all
    sit at the same place of the schema: one pass per place rather than one call per object
    (a record has hundreds of mentions, all with the same keys)."""
    if shape is None:
        return True
    objects = [v for v in values if isinstance(v, dict)]
    if objects:
        keys = shape.keys
        if not all(map(keys.__eq__, map(tuple, objects))):
            if not all(tuple(v) == keys or tuple(v) == _canonical_keys(v, shape) for v in objects):
                return False
        for key, child in shape.children.items():
            if not all_in_canonical_order([v.get(key) for v in objects], child):
                return False
    if shape.items is not None:
        items = [item for v in values if isinstance(v, list) for item in v]
        if items and not all_in_canonical_order(items, shape.items):
            return False
    return True


def _canonical_keys(value: dict, shape: Shape) -> tuple[str, ...]:
    """The keys of `value` in the order canonical_order gives them."""
    known = [key for key in shape.keys if key in value]
    if len(known) == len(value):
        return tuple(known)
    return tuple(known + sorted(key for key in value if key not in shape.keys))


# ---- one source of truth ------------------------------------------------------------------


def _enum_at(path: str) -> list:
    node = root = article_schema()
    for part in path.split("/"):
        node = resolve_ref(node, root)[part]
    node = resolve_ref(node, root)
    return [v for v in node["enum"] if v is not None]


# (schema location of an enum, the inventory it must equal)
ENUM_SOURCES = {
    "properties/split": labels.splits,
    "properties/blocks/items/properties/kind": labels.block_kinds,
    "properties/annotation/properties/status": labels.annotation_statuses,
    "$defs/entity/properties/type": labels.entity_types,
    "$defs/quote/properties/type": labels.quote_types,
    "$defs/quote/properties/speaker_kind": labels.speaker_kinds,
    "$defs/event/properties/category": labels.plover_categories,
    "$defs/event/properties/mode": labels.plover_modes,
    "$defs/event/properties/context/items": labels.plover_contexts,
    "$defs/event/properties/arguments/items/properties/role": labels.argument_roles,
}


def enum_mismatches() -> list[str]:
    """Every place where the schema's enums differ from the inventories (empty when they agree)."""
    problems = []
    for path, source in ENUM_SOURCES.items():
        in_schema, in_inventory = _enum_at(path), source()
        if in_schema != in_inventory:
            problems.append(f"{path}: schema has {in_schema}, inventory has {in_inventory}")
    return problems
