"""The declared `datasets.Features` of every config, built from the label inventories in
schema/labels/ so that a new label reaches the dataset without touching this file.

Offsets are int32 (an article is far below 2**31 code points); labels that models predict
(entity types, quote types, speaker kinds, event categories, IOB2 tags) are ClassLabels, the
open-ended or optional ones (PLOVER mode, contexts, roles, block kinds) stay strings.
"""

from __future__ import annotations

from functools import cache

from datasets import ClassLabel, Features, List, Value

from akhbar import labels
from akhbar.hf.tokenize import conll4_tag_names, ner_tag_names
from akhbar.schema import LAYERS, MAGNITUDE_KEYS


def _s() -> Value:
    return Value("string")


def _i() -> Value:
    return Value("int32")


def _span() -> dict:
    return {"start": _i(), "end": _i(), "text": _s()}


def _entity_type() -> ClassLabel:
    return ClassLabel(names=labels.entity_types())


def conll4_mapping() -> dict[str, str | None]:
    """Akhbar entity type -> CoNLL-4 type, or None where CoNLL has no counterpart."""
    return labels.type_mapping("conll4")


def articles() -> Features:
    """The record, field for field (schema 1.x), plus `event_types`."""
    return Features({
        "id": _s(),
        "schema_version": _s(),
        "split": _s(),
        "language": _s(),
        "title": _s(),
        "text": _s(),
        "blocks": List({"start": _i(), "end": _i(), "kind": _s()}),
        "source": {
            "publisher": _s(), "url": _s(), "published": _s(), "author": _s(),
            "dateline": _s(), "raw_file": _s(), "raw_sha256": _s(),
            # schema 1.1 (null in records written for 1.0)
            "collection": _s(), "section": _s(), "revision": _s(),
            "locator": {"lines": List(_i())}, "text_derivation": _s(),
            "translation": {"from": _s(), "outlet": _s(), "document": _s()},
        },
        "license": {"text": _s(), "attribution": _s(), "annotations": _s()},
        "entities": List({
            "id": _s(), "type": _entity_type(), "subtype": _s(), "name": _s(), "wikidata": _s(),
            "mentions": List({"id": _s(), "start": _i(), "end": _i(), "text": _s()}),
        }),
        "quotes": List({
            "id": _s(), "type": ClassLabel(names=labels.quote_types()), "content": List(_span()),
            "cue": {"start": _i(), "end": _i(), "text": _s(), "lemma": _s()},
            "speaker": _s(), "speaker_kind": ClassLabel(names=labels.speaker_kinds()),
            "speaker_span": _span(), "addressee": _s(), "parent": _s(),
        }),
        "events": List({
            "id": _s(), "category": ClassLabel(names=labels.plover_categories()),
            "mode": _s(), "context": List(_s()),
            "trigger": _span(), "actor": List(_s()), "recipient": List(_s()),
            "arguments": List({"role": _s(), "entity": _s()}),
            **{marker: Value("bool") for marker in labels.event_markers()},
            "magnitude": {key: _i() for key in MAGNITUDE_KEYS},
        }),
        "annotation": {"status": _s(), "annotators": List(_s()), "guidelines_version": _s(), "updated": _s(),
                       "layers": {layer: _s() for layer in LAYERS}},
        "event_types": List(ClassLabel(names=labels.plover_categories())),
    })


def ner() -> Features:
    return Features({
        "id": _s(),
        "article_id": _s(),
        "sentence": _i(),
        "start": _i(),
        "end": _i(),
        "text": _s(),
        "tokens": List(_s()),
        "token_starts": List(_i()),
        "token_ends": List(_i()),
        "ner_tags": List(ClassLabel(names=ner_tag_names())),
        "mentions": List({
            "entity": _s(), "mention": _s(), "type": _entity_type(),
            "start": _i(), "end": _i(), "text": _s(), "outermost": Value("bool"),
        }),
    })


def ner_conll4() -> Features:
    # Deliberately the ANERcorp/CoNLL shape (id, tokens, ner_tags) so it can be aligned and
    # concatenated with those datasets.
    return Features({
        "id": _s(),
        "article_id": _s(),
        "sentence": _i(),
        "tokens": List(_s()),
        "ner_tags": List(ClassLabel(names=conll4_tag_names())),
    })


def _party() -> dict:
    return {"entity": _s(), "name": _s(), "type": _entity_type()}


def quotes() -> Features:
    return Features({
        "id": _s(),
        "article_id": _s(),
        "quote": _s(),
        "type": ClassLabel(names=labels.quote_types()),
        "content": _s(),
        "content_fragments": List(_span()),
        "speaker": _s(),
        "speaker_name": _s(),
        "speaker_type": _entity_type(),
        "speaker_kind": ClassLabel(names=labels.speaker_kinds()),
        "speaker_span": _span(),
        "cue_text": _s(),
        "cue_lemma": _s(),
        "cue_start": _i(),
        "cue_end": _i(),
        "addressee": _s(),
        "addressee_name": _s(),
        "parent": _s(),
        "paragraph": _s(),
        "paragraph_start": _i(),
        "paragraph_end": _i(),
        "paragraph_kind": _s(),
    })


def events() -> Features:
    return Features({
        "id": _s(),
        "article_id": _s(),
        "event": _s(),
        "category": ClassLabel(names=labels.plover_categories()),
        "mode": _s(),
        "context": List(_s()),
        "trigger_text": _s(),
        "trigger_start": _i(),
        "trigger_end": _i(),
        "actors": List(_party()),
        "recipients": List(_party()),
        "arguments": List({"role": _s(), **_party()}),
        **{marker: Value("bool") for marker in labels.event_markers()},
        **{key: _i() for key in MAGNITUDE_KEYS},
        "sentence": _s(),
        "sentence_start": _i(),
        "sentence_end": _i(),
    })


@cache
def features(config: str) -> Features:
    return {"articles": articles, "ner": ner, "ner_conll4": ner_conll4, "quotes": quotes, "events": events}[config]()


@cache
def arrow_schema(config: str):
    """`features(config).arrow_schema`, computed once: `datasets` rebuilds it on every access
    (milliseconds), and the build needs it for every run of articles."""
    return features(config).arrow_schema
