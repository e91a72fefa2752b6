"""croissant.json: Croissant 1.1 metadata of the build folder.

One FileObject per parquet file, with its sha256; one FileSet and one RecordSet per
published config and split (`articles_train`, `ner_test`…): a field's source is the split's
files, and the hashes are per file. Fields are the flat columns: scalars, and lists of scalars as arrays
(`isArray`); columns holding structs (the nested annotations of `articles`, the mentions
of `ner`, the parties of `events`) are left to the parquet files and `datasets`, since
mlcroissant cannot read nested repeated fields. Written as plain JSON, so `akhbar build`
does not need mlcroissant; the tests validate and load it with mlcroissant.
"""

from __future__ import annotations

import json
from pathlib import Path

from datasets import ClassLabel, List, Value

from akhbar.hf import features as F
from akhbar.hf.card import DOCS_URL, PRETTY_NAME, hub_license_id
from akhbar.records import atomic_write

# The standard Croissant 1.1 @context, as mlcroissant 1.1 emits it.
CONTEXT = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "arrayShape": "cr:arrayShape",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "containedIn": "cr:containedIn",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isArray": "cr:isArray",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}

DATA_TYPES = {"string": "sc:Text", "int32": "sc:Integer", "int64": "sc:Integer", "bool": "sc:Boolean"}


def _scalar(feature) -> tuple[str, str] | None:
    """(Croissant data type, description suffix) of a scalar feature, None for structs."""
    if isinstance(feature, ClassLabel):
        names = ", ".join(f"{i}={n}" for i, n in enumerate(feature.names))
        return "sc:Integer", f" Class ids: {names}."
    if isinstance(feature, Value) and feature.dtype in DATA_TYPES:
        return DATA_TYPES[feature.dtype], ""
    return None


def _fields(record_set: str, source: dict, config: str) -> list[dict]:
    fields = []
    for name, feature in F.features(config).items():
        is_array = isinstance(feature, List)
        scalar = _scalar(feature.feature if is_array else feature)
        if scalar is None:
            continue
        data_type, suffix = scalar
        field = {
            "@type": "cr:Field",
            "@id": f"{record_set}/{name}",
            "name": name,
            "description": f"Column `{name}` of the `{config}` configuration.{suffix}",
            "dataType": data_type,
            "source": {**source, "extract": {"column": name}},
        }
        if is_array:
            field["isArray"] = True
            field["arrayShape"] = "-1"
        fields.append(field)
    return fields


def croissant(stats) -> dict:
    distribution, record_sets = [], []
    for config, splits in stats.published():
        for split in splits:
            files = stats.files(config, split)
            for number, rel in enumerate(files):
                distribution.append({
                    "@type": "cr:FileObject",
                    "@id": rel,
                    "name": rel,
                    "description": f"The `{split}` split of the `{config}` configuration (file {number + 1} of {len(files)}).",
                    "contentUrl": rel,
                    "contentSize": f"{stats.sizes[rel]} B",
                    "encodingFormat": "application/x-parquet",
                    "sha256": stats.sha256[rel],
                })
            # The split is read through a FileSet of its files (each listed above with its checksum).
            pattern = stats.pattern(config, split)
            distribution.append({
                "@type": "cr:FileSet",
                "@id": pattern,
                "name": pattern,
                "description": f"The {len(files)} file(s) of the `{split}` split of the `{config}` configuration.",
                "encodingFormat": "application/x-parquet",
                "includes": pattern,
            })
            name = f"{config}_{split}"
            record_sets.append({
                "@type": "cr:RecordSet",
                "@id": name,
                "name": name,
                "description": f"`{config}` rows of the `{split}` split ({stats.rows[(config, split)]} rows); flat columns only.",
                "field": _fields(name, {"fileSet": {"@id": pattern}}, config),
            })
    year = (stats.latest_update or "")[:4]
    metadata = {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "name": "akhbar",
        "alternateName": PRETTY_NAME,
        "description": (
            "Arabic news articles annotated with entities (with coreference), quotations and PLOVER events; "
            "configurations articles, ner, ner_conll4, quotes and events. The article text and the "
            "annotations have separate licences, stated per record."
        ),
        "conformsTo": "http://mlcommons.org/croissant/1.1",
        "url": DOCS_URL,
        "license": [f"https://spdx.org/licenses/{spdx}.html" if hub_license_id(spdx) else f"{DOCS_URL}#{spdx}"
                    for spdx in stats.licenses()],
        "inLanguage": "ar",
        "keywords": ["Arabic", "news", "named-entity recognition", "quotation attribution", "event extraction", "PLOVER"],
        "creator": {"@type": "sc:Organization", "name": "The Akhbar contributors", "url": DOCS_URL},
        "citeAs": "@misc{akhbar, title={Akhbar: an open annotated corpus of Arabic news}, "
        "author={{The Akhbar contributors}}, " + (f"year={{{year}}}, " if year else "") + f"howpublished={{\\url{{{DOCS_URL}}}}}}}",
        "version": stats.version,
        "distribution": distribution,
        "recordSet": record_sets,
    }
    if stats.latest_update:
        metadata["datePublished"] = stats.latest_update
    return metadata


def write_croissant(out: Path, stats) -> None:
    text = json.dumps(croissant(stats), ensure_ascii=False, indent=2) + "\n"
    atomic_write(out / "croissant.json", [text.encode("utf-8")])

