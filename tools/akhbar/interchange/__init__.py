"""Import and export of annotations in the formats annotators and other corpora use.

One module per format (brat standoff, Label Studio, CoNLL BIO), each turning files into
`ImportedDoc`s (the annotation layers of one article, with where each piece came from) and
records back into files. `anchoring` re-anchors spans against the article text; `merge`
puts imported annotations onto existing corpus records or makes new, valid records.
"""
