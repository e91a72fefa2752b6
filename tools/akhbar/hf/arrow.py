"""Rows as Arrow: column buffers that rows.py fills, turned into record batches of a config's
declared schema; the `articles` batch straight from the records; the in-memory size that
`datasets` reports for a split.

Why columns: building a dict per row, encoding its labels with a generic walk over the
features and handing the dicts to `pa.Table.from_pylist` cost more than deriving the rows.
Flat Python lists of scalars, one per leaf of the schema, become Arrow arrays in C.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import accumulate

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

# ---- column buffers -------------------------------------------------------------------------


class Columns:
    """One config's rows for a run of articles, column by column, laid out for its schema:

    * a scalar column `name` is the list `data[name]`;
    * a list column `name` has the item count of every row in `lengths[name]` and its items
      in `data[name]` (items are scalars) or in `data["name.field"]` (items are structs);
    * a struct column `name` has its fields in `data["name.field"]` and, per row, whether it
      is present in `valid[name]`. Where it is absent the fields hold empty values ("", 0,
      False), as `pa.Table.from_pylist` fills them.

    Values that are already arrays (NumPy or Arrow, e.g. an article's token offsets) go to
    `chunks[path]` instead of `data[path]`, one array per article; a path uses one or the
    other.

    `counts` is the number of rows each article gave, in order (the writer batches rows by
    article, as it always has)."""

    def __init__(self, schema: pa.Schema):
        self.schema = schema
        self.data: dict[str, list] = {}
        self.chunks: dict[str, list] = {}
        self.lengths: dict[str, list[int]] = {}
        self.valid: dict[str, list[bool]] = {}
        self.counts: list[int] = []
        for f in schema:
            self._declare(f.name, f.type, item=False)

    def _declare(self, path: str, type_: pa.DataType, item: bool) -> None:
        if pa.types.is_list(type_):
            if item:
                raise ValueError(f"{path}: lists of lists are not supported")
            self.lengths[path] = []
            self._declare(path, type_.value_type, item=True)
        elif pa.types.is_struct(type_):
            if not item:
                self.valid[path] = []
            for f in type_:
                self._declare(f"{path}.{f.name}", f.type, item=False)
        else:
            self.data[path] = []
            self.chunks[path] = []

    @property
    def num_rows(self) -> int:
        return sum(self.counts)

    def to_batch(self, given: dict[str, pa.Array] | None = None) -> pa.RecordBatch:
        """The rows as a record batch; `given` columns are taken as they are (a column two
        configs share is converted once), their buffers here left empty."""
        given = given or {}
        n = self.num_rows
        arrays = [given[f.name] if f.name in given else self._array(f.name, f.type, item=False) for f in self.schema]
        for f, a in zip(self.schema, arrays, strict=True):
            if len(a) != n:
                raise ValueError(f"column {f.name} has {len(a)} rows, expected {n}")
        return pa.RecordBatch.from_arrays(arrays, schema=self.schema)

    def _array(self, path: str, type_: pa.DataType, item: bool) -> pa.Array:
        if pa.types.is_list(type_):
            offsets = pa.array(accumulate(self.lengths[path], initial=0), pa.int32())
            return pa.ListArray.from_arrays(offsets, self._array(path, type_.value_type, item=True), type=type_)
        if pa.types.is_struct(type_):
            children = [self._array(f"{path}.{f.name}", f.type, item=False) for f in type_]
            absent = None if item or all(self.valid[path]) else pa.array([not v for v in self.valid[path]], pa.bool_())
            return pa.StructArray.from_arrays(children, fields=list(type_), mask=absent)
        chunks = self.chunks[path]
        if not chunks:
            return pa.array(self.data[path], type=type_)
        if isinstance(chunks[0], pa.Array):
            return pa.concat_arrays(chunks)
        return pa.array(np.concatenate(chunks), type=type_)


def utf8_slices(text: str, starts: np.ndarray, ends: np.ndarray) -> pa.StringArray:
    """[text[s:e] for s, e in zip(starts, ends)] as an Arrow string array, cut out of the
    text's UTF-8 bytes without a Python string per slice (offsets are code points)."""
    cp = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    byte_at = np.zeros(len(cp) + 1, dtype=np.int64)
    np.cumsum(1 + (cp >= 0x80).astype(np.int64) + (cp >= 0x800) + (cp >= 0x10000), out=byte_at[1:])
    first, last = byte_at[starts], byte_at[ends]
    lengths = last - first
    offsets = np.zeros(len(starts) + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    index = np.repeat(first - offsets[:-1], lengths) + np.arange(offsets[-1])
    data = np.frombuffer(text.encode("utf-8", "surrogatepass"), dtype=np.uint8)[index]
    return pa.StringArray.from_buffers(len(starts), pa.py_buffer(offsets), pa.py_buffer(data))


# ---- the articles config --------------------------------------------------------------------


def label_ids(array: pa.Array, names: Sequence[str]) -> pa.Array:
    """Label strings to ClassLabel ids (int64, nulls stay null); an unknown label is an
    error, as in `ClassLabel.encode_example`."""
    ids = pc.index_in(array, value_set=pa.array(list(names), pa.string()))
    if ids.null_count != array.null_count:
        unknown = pc.filter(array, pc.and_(ids.is_null(), array.is_valid()))
        raise ValueError(f"labels not in the inventory {list(names)}: {sorted(set(unknown.to_pylist()))}")
    return ids.cast(pa.int64())


def encode_labels(array: pa.Array, feature) -> pa.Array:
    """`array` (from `pa.Table.from_pylist` with label strings where `feature` has
    ClassLabels) with those labels as ids, the rest of its buffers shared."""
    from datasets import ClassLabel, Features, List, Sequence

    if isinstance(feature, ClassLabel):
        return label_ids(array, feature.names)
    if isinstance(feature, List | Sequence):
        if not _has_labels(feature.feature):
            return array
        values = encode_labels(array.values, feature.feature)
        mask = array.is_null() if array.null_count else None
        return pa.ListArray.from_arrays(array.offsets, values, mask=mask)
    if isinstance(feature, dict | Features):
        if not _has_labels(feature):
            return array
        children = [encode_labels(array.field(i), feature[f.name]) for i, f in enumerate(array.type)]
        mask = array.is_null() if array.null_count else None
        return pa.StructArray.from_arrays(children, names=[f.name for f in array.type], mask=mask)
    return array


def _has_labels(feature) -> bool:
    from datasets import ClassLabel, Features, List, Sequence

    if isinstance(feature, ClassLabel):
        return True
    if isinstance(feature, List | Sequence):
        return _has_labels(feature.feature)
    if isinstance(feature, dict | Features):
        return any(_has_labels(v) for v in feature.values())
    return False


def _strings_for_labels(feature):
    """The feature with every ClassLabel replaced by a string (what the records hold)."""
    from datasets import ClassLabel, Features, List, Sequence, Value

    if isinstance(feature, ClassLabel):
        return Value("string")
    if isinstance(feature, List):
        return List(_strings_for_labels(feature.feature))
    if isinstance(feature, Sequence):  # pragma: no cover - the features use List
        return Sequence(_strings_for_labels(feature.feature))
    if isinstance(feature, dict | Features):
        return {k: _strings_for_labels(v) for k, v in feature.items()}
    return feature


class ArticlesBatcher:
    """Records -> `articles` record batches. A validated record holds exactly the declared
    fields, so pyarrow converts the records as they are, with label strings where the
    features have ClassLabels; the labels become ids afterwards, column-wise, and
    `event_types` is added (neither a copy of the record nor an encoding walk over it)."""

    def __init__(self, features, derived: Sequence[str]):
        from datasets import Features

        self.features = features
        self.schema = features.arrow_schema
        self.derived = tuple(derived)
        plain = Features({k: _strings_for_labels(v) for k, v in features.items() if k not in self.derived})
        self.plain_schema = plain.arrow_schema.remove_metadata()

    def to_batch(self, records: list[dict], derived_columns: dict[str, pa.Array]) -> pa.RecordBatch:
        table = pa.Table.from_pylist(records, schema=self.plain_schema)
        arrays = []
        for f in self.schema:
            if f.name in self.derived:
                arrays.append(derived_columns[f.name])
            else:
                column = table.column(f.name)
                array = column.chunk(0) if column.num_chunks == 1 else pa.concat_arrays(column.chunks)
                arrays.append(encode_labels(array, self.features[f.name]))
        return pa.RecordBatch.from_arrays(arrays, schema=self.schema)


# ---- sizes ----------------------------------------------------------------------------------


def fresh_nbytes(columns: Iterable[Sequence[pa.Array]]) -> int:
    """What `pa.Table.from_pylist(rows).nbytes` reports for rows that are here given as Arrow
    columns, each a sequence of pieces (e.g. the chunks of a sliced table): the bytes of the
    buffer ranges a freshly built table references (`arrow::util::ReferencedBufferSize`).

    `datasets` reports this as a split's num_bytes and the card shows it; the build used to
    sum it over its batches of `from_pylist` rows, so it is computed the same way here, over
    the same batches, from the buffers' logical sizes: validity bitmaps (only where a value
    is null; never a struct's own), 4 bytes per offset of a string or list, the string bytes,
    fixed-width values. Pieces that are slices count only what they hold."""
    return sum(_fresh(list(pieces)) for pieces in columns)


def _fresh(pieces: list[pa.Array]) -> int:
    type_ = pieces[0].type
    n = sum(len(p) for p in pieces)
    size = 0
    if not pa.types.is_struct(type_) and any(p.null_count for p in pieces):
        size += (n + 7) // 8
    if pa.types.is_string(type_):
        return size + 4 * n + sum(_string_bytes(p) for p in pieces)
    if pa.types.is_list(type_):
        children = []
        for p in pieces:
            if len(p):
                offsets = p.offsets
                first, last = offsets[0].as_py(), offsets[len(p)].as_py()
                children.append(p.values.slice(first, last - first))
        return size + 4 * n + (_fresh(children) if children else 0)
    if pa.types.is_struct(type_):
        return size + sum(_fresh([p.field(i) for p in pieces]) for i in range(type_.num_fields))
    if pa.types.is_boolean(type_):
        return size + (n + 7) // 8
    if pa.types.is_integer(type_) or pa.types.is_floating(type_):
        return size + n * type_.bit_width // 8
    raise TypeError(f"no size rule for {type_}")


def _string_bytes(array: pa.Array) -> int:
    if not len(array):
        return 0
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int32)
    return int(offsets[array.offset + len(array)] - offsets[array.offset])
