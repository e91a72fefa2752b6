"""Label maps for importing annotations labelled with another inventory (`akhbar import --map`):
the built-in maps and JSON map files, for every format. Kept apart from the format modules so
that a brat or Label Studio import with `--map` does not load the CoNLL reader."""

from __future__ import annotations

import json
from pathlib import Path

from akhbar import labels
from akhbar.interchange.common import InterchangeError

# CoNLL LOC covers our GPE, LOC and FAC; GPE (countries, cities) is by far the most frequent in
# news, so LOC -> GPE and the silver status asks for review (the import says so). MISC / MIS
# (nationalities, events, laws, products, works...) has no single counterpart: dropped, with a
# count in the report (map it in a map file to keep it).
BUILTIN_MAPS: dict[str, dict[str, str | None]] = {
    "conll4": {"PER": "PERS", "ORG": "ORG", "LOC": "GPE", "MISC": None},
    "aqmar": {"PER": "PERS", "ORG": "ORG", "LOC": "GPE", "MIS": None},
}
MAP_NAMES = ("akhbar", "wojood", *BUILTIN_MAPS)


def builtin_map(name: str) -> dict[str, str | None]:
    """A built-in label map. `akhbar` is our types; `wojood` is the Wojood-21 inventory read
    from schema/labels: each Wojood label to the Akhbar type that maps onto it (PRODUCT, which
    our PRODUCT and WEAPON both map to, comes back as PRODUCT), null for LANGUAGE, WEBSITE,
    UNIT and CURR, which have no Akhbar type."""
    if name == "akhbar":
        return {t: t for t in labels.entity_types()}
    if name == "wojood":
        back: dict[str, str | None] = dict.fromkeys(labels.mapping_target_labels("wojood21"))
        for ours, theirs in labels.type_mapping("wojood21").items():
            if theirs is not None and back.get(theirs) is None:
                back[theirs] = ours  # inventory order: PRODUCT before WEAPON
        return back
    return dict(BUILTIN_MAPS[name])


def load_map(spec: str) -> tuple[str, dict[str, str | None]]:
    """A built-in map name or a JSON map file: {"name": ..., "labels": {"TAG": "TYPE" | null}}."""
    if spec in MAP_NAMES:
        return spec, builtin_map(spec)
    path = Path(spec)
    if not path.is_file():
        raise InterchangeError(f"--map {spec}: neither a built-in map ({', '.join(MAP_NAMES)}) nor a file")
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InterchangeError(f"{path}: not a JSON map file ({exc})") from None
    mapping = data.get("labels") if isinstance(data, dict) else None
    if not isinstance(mapping, dict):
        raise InterchangeError(f'{path}: a map file is {{"labels": {{"TAG": "TYPE" or null, ...}}}}')
    known = set(labels.entity_types())
    for tag, target in mapping.items():
        if target is not None and target not in known:
            raise InterchangeError(f"{path}: {tag!r} maps to {target!r}, which is not an Akhbar entity type ({', '.join(sorted(known))})")
    return str(data.get("name") or path.stem), mapping
