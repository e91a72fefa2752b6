"""Source adapters for `akhbar ingest --source NAME`: one small module per collection.

An adapter knows one collection's raw layout and turns it into `SourceArticle`s (text,
title, locator, section, provenance); everything else — ids, splits, blocks, the raw copy
and its hash, the record's shape — is the core's (`akhbar.ingest`). docs/ingest.md
describes each adapter.
"""

from __future__ import annotations

from akhbar.adapters import ntrex, wikinews_mewsli, wikinews_qcri
from akhbar.adapters.base import Collection, SourceArticle

ADAPTERS: dict[str, Collection] = {
    c.name: c for c in (wikinews_qcri.COLLECTION, wikinews_mewsli.COLLECTION, ntrex.COLLECTION)}

__all__ = ["ADAPTERS", "Collection", "SourceArticle"]
