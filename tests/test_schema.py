"""The schema file and the label inventories: one source of truth."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from akhbar import labels
from akhbar.schema import CURRENT_SCHEMA_VERSION, article_schema, canonical_order, enum_mismatches, record_shape

SCHEMA_DIR = Path(__file__).resolve().parents[1] / "schema"


def test_schema_is_valid_draft_2020_12_with_versioned_id():
    schema = article_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert f"/{CURRENT_SCHEMA_VERSION}/" in schema["$id"]


def test_schema_is_self_contained():
    text = (SCHEMA_DIR / "article.schema.json").read_text(encoding="utf-8")
    refs = [r for r in _values(json.loads(text), "$ref")]
    assert refs and all(r.startswith("#/") for r in refs)


def _values(node, key):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == key:
                yield v
            yield from _values(v, key)
    elif isinstance(node, list):
        for v in node:
            yield from _values(v, key)


def _properties(node, path="$"):
    if isinstance(node, dict):
        for name, child in node.get("properties", {}).items():
            yield f"{path}.{name}", child
        for key, child in node.items():
            if key != "properties":
                yield from _properties(child, f"{path}/{key}")
        for name, child in node.get("properties", {}).items():
            yield from _properties(child, f"{path}.{name}")
    elif isinstance(node, list):
        for child in node:
            yield from _properties(child, path)


def test_every_property_has_a_description():
    missing = sorted({p for p, node in _properties(article_schema()) if "description" not in node})
    assert missing == []


def test_design_fields_are_in_the_schema():
    props = article_schema()["properties"]
    assert list(props) == ["id", "schema_version", "split", "language", "title", "text", "blocks", "source",
                           "license", "entities", "quotes", "events", "annotation"]
    defs = article_schema()["$defs"]
    assert set(defs["quote"]["properties"]) == {"id", "type", "content", "cue", "speaker", "speaker_kind",
                                                "speaker_span", "addressee", "parent"}
    assert set(defs["event"]["properties"]) >= {"category", "mode", "context", "trigger", "actor", "recipient",
                                                "arguments", "negated", "future", "hypothetical", "historical",
                                                "magnitude"}


def test_schema_enums_equal_the_inventories():
    assert enum_mismatches() == []


def test_inventories_match_design():
    assert labels.entity_types()[:13] == ["PERS", "NORP", "OCC", "ORG", "GPE", "LOC", "FAC", "EVENT", "DATE",
                                          "TIME", "LAW", "PRODUCT", "WEAPON"]
    assert len(labels.plover_categories()) == 16
    assert labels.plover_modes_by_category()["ASSAULT"][-1] == "unconventional"
    assert labels.plover_recipient_required() == {"COOPERATE", "AID", "SANCTION"}
    assert labels.quote_types() == ["direct", "indirect", "mixed"]
    assert labels.speaker_kinds() == ["named", "nominal", "pronoun", "implicit", "anonymous"]
    plover = labels.inventory("plover")
    assert plover["source"]["commit"] and plover["source"]["file"] == "PLOVER_MANUAL.tex"


def test_entity_mappings_use_target_labels():
    inventory = labels.inventory("entity_types")
    for entity_type in inventory["types"]:
        for target, label in entity_type["mappings"].items():
            assert label is None or label in inventory["mapping_targets"][target]["labels"], (entity_type["label"], target)


def test_canonical_order_follows_schema_and_keeps_unknown_keys_last():
    record = {"text": "x", "zzz": 1, "id": "a", "entities": [{"mentions": [{"text": "x", "id": "m1"}], "id": "e1"}]}
    ordered = canonical_order(record, record_shape())
    assert list(ordered) == ["id", "text", "entities", "zzz"]
    assert list(ordered["entities"][0]) == ["id", "mentions"]
    assert list(ordered["entities"][0]["mentions"][0]) == ["id", "text"]
