"""The Hugging Face dataset built from the corpus (`akhbar build`).

One concern per module: `features` (the declared datasets Features of every config, from the
label inventories), `tokenize` (sentences, tokens and IOB2 tags for the token views; the one
tokenizer and IOB2 encoder/decoder, also used by the CoNLL export and import), `rows`
(a record -> the rows of every config), `order` (the records of each split in id order, found
by their lines), `buildstats` (the counts the card needs), `card` (the dataset card),
`croissant` (the Croissant metadata), `build` (validation, the parquet files, determinism),
`hub` (the upload). Imports go one way: build -> card, croissant -> buildstats, features.
"""

CONFIGS = ("articles", "ner", "ner_conll4", "quotes", "events")
TOKEN_CONFIGS = ("ner", "ner_conll4")  # one row per sentence, tokens and IOB2 tags
DEFAULT_CONFIG = "articles"
