"""Import and export of annotations in the formats annotators and other corpora use.

One module per format (brat standoff, Label Studio, CoNLL BIO), each turning files into
`ImportedDoc`s (the annotation layers of one article, with where each piece came from) and
records back into files. The brat and Label Studio readers parse their files into plain
items of their own and translate them into neutral items; `assemble` builds entities
(coreference clusters), quotes and events from those, the same way for both. `anchoring`
re-anchors spans against the article text; `merge` puts imported annotations onto existing
corpus records or makes new, valid records.
"""

TAGSETS = ("akhbar", "conll4")  # the CoNLL export's tag sets: our types with nested columns, or flat CoNLL-4
FORMATS = ("brat", "labelstudio", "conll")  # the module names: `akhbar import` and `export` load only the one asked for
