"""The Hugging Face dataset built from the corpus (`akhbar build`).

One concern per module: `features` (the declared datasets Features of every config, from the
label inventories), `tokenize` (sentences, tokens and IOB2 tags for the token views), `rows`
(records -> the rows of every config, column by column), `arrow` (columns -> Arrow record
batches, and their in-memory size), `order` (the records of each split in id order, found by
their lines), `parallel` (rows derived by worker processes), `buildstats` (the counts the
card needs), `card` (the dataset card), `croissant` (the Croissant metadata), `build`
(validation, streaming parquet writers, determinism), `hub` (the upload).
"""

CONFIGS = ("articles", "ner", "ner_conll4", "quotes", "events")
DEFAULT_CONFIG = "articles"
