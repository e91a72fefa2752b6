"""Schema migrations: `akhbar migrate` brings records written for an older 1.x schema to the
current one (CURRENT_SCHEMA_VERSION). A migration only adds what the newer schema records,
with the value that states "unknown" or what the old record already implied; it never
changes an annotation.

1.0.x -> 1.1.0 adds `source.collection/section/revision/locator/text_derivation/translation`
(all null: a 1.0 record is a single ingested file of native Arabic text, cleaned by the
rules of docs/ingest.md), `license.attribution` (null) and `annotation.layers` (a 1.0 record
was annotated in all three layers: `done` for a non-empty list, `none-applicable` for an
empty one — except in a draft, where an empty list means not yet annotated: `pending`).
"""

from __future__ import annotations

from pathlib import Path

from akhbar.errors import UserError
from akhbar.schema import CURRENT_SCHEMA_VERSION, LAYERS

NEW_SOURCE_FIELDS = ("collection", "section", "revision", "locator", "text_derivation", "translation")


class MigrationError(UserError):
    """A record these tools cannot migrate; the message says which and why."""


def _version(record: dict) -> tuple[int, int, int]:
    try:
        major, minor, patch = (int(x) for x in str(record.get("schema_version")).split("."))
    except ValueError:
        raise MigrationError(f"{record.get('id')}: schema_version {record.get('schema_version')!r} is not MAJOR.MINOR.PATCH") from None
    return major, minor, patch


def layer_states(record: dict) -> dict[str, str]:
    draft = record.get("annotation", {}).get("status") == "draft"
    return {layer: "done" if record.get(layer) else "pending" if draft else "none-applicable" for layer in LAYERS}


def migrate_record(record: dict) -> tuple[dict, bool]:
    """The record in the current schema, and whether anything changed."""
    current = tuple(int(x) for x in CURRENT_SCHEMA_VERSION.split("."))
    version = _version(record)
    if version[0] != current[0]:
        raise MigrationError(f"{record.get('id')}: schema {record['schema_version']} has another major version than {CURRENT_SCHEMA_VERSION}")
    if version >= current:
        return record, False
    if version[:2] == (1, 0):
        source = record.setdefault("source", {})
        for key in NEW_SOURCE_FIELDS:
            source.setdefault(key, None)
        record.setdefault("license", {}).setdefault("attribution", None)
        record.setdefault("annotation", {}).setdefault("layers", layer_states(record))
    record["schema_version"] = CURRENT_SCHEMA_VERSION
    return record, True


def migrate_file(path: Path, check_only: bool = False) -> int:
    """Migrate every record of a shard (atomic rewrite, canonical form). Returns how many
    records changed. Raises MigrationError for a shard that does not parse."""
    import orjson

    from akhbar.fmt import canonical_bytes
    from akhbar.records import write_records

    content, problems = canonical_bytes(path)
    if content is None:
        where = "; ".join(d.as_text() for d in problems[:3])
        raise MigrationError(f"{path}: does not parse ({where}); fix it first")
    changed, records = 0, []
    for line in content.splitlines():
        record, did = migrate_record(orjson.loads(line))
        changed += did
        records.append(record)
    if changed and not check_only:
        write_records(path, records)
    return changed
