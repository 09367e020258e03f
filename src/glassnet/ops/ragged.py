"""``tf.RaggedTensor``: rows of different lengths (``tf.ragged.constant``, what
``tf.strings.split`` gives for a vector of strings).

    >>> r = tf.ragged.constant([[0, 1, 2, 3], [4, 5], [6, 7, 8], [9]])
    >>> r.shape, r.row_lengths().numpy()
    (TensorShape([4, None]), array([4, 2, 3, 1]))

The basics only: two dimensions, stored as TensorFlow stores them, the ``flat_values`` of
all rows one after another and the ``row_splits`` where each row starts (``[0, 4, 6, 9,
10]`` above). Not differentiated; ``to_tensor()`` pads to a dense tensor for the ops.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..i18n import _
from ..tensor import Tensor, to_array
from ..tensor_shape import TensorShape


class RaggedTensor:
    """Rows ``flat_values[row_splits[i]:row_splits[i + 1]]``."""

    def __init__(self, flat_values: np.ndarray, row_splits: np.ndarray) -> None:
        self._values = np.asarray(flat_values)
        self._splits = np.asarray(row_splits, np.int64)

    @classmethod
    def from_row_lists(cls, rows: list) -> RaggedTensor:
        arrays = [np.asarray(r) for r in rows]
        splits = np.concatenate([[0], np.cumsum([len(r) for r in arrays])]).astype(np.int64)
        values = np.concatenate(arrays) if arrays else np.zeros((0,), np.float32)
        return cls(values, splits)

    @classmethod
    def from_row_lengths(cls, values, row_lengths) -> RaggedTensor:
        lengths = np.asarray(to_array(row_lengths), np.int64)
        return cls(to_array(values), np.concatenate([[0], np.cumsum(lengths)]))

    @classmethod
    def from_row_splits(cls, values, row_splits) -> RaggedTensor:
        return cls(to_array(values), to_array(row_splits))

    @property
    def flat_values(self) -> Tensor:
        return Tensor(self._values)

    values = flat_values

    @property
    def row_splits(self) -> Tensor:
        return Tensor(self._splits)

    def row_lengths(self) -> Tensor:
        return Tensor(np.diff(self._splits))

    def nrows(self) -> Tensor:
        return Tensor(np.int64(len(self._splits) - 1))

    @property
    def shape(self) -> TensorShape:
        return TensorShape((len(self._splits) - 1, None))

    @property
    def dtype(self) -> np.dtype:
        return self._values.dtype

    @property
    def ndim(self) -> int:
        return 2

    def with_flat_values(self, values) -> RaggedTensor:
        return RaggedTensor(to_array(values), self._splits)

    def __len__(self) -> int:
        return len(self._splits) - 1

    def __getitem__(self, i) -> Tensor | RaggedTensor:
        if isinstance(i, slice) and (i.step or 1) > 0:  # r[1:3]: those rows, still ragged
            values = [self._values[self._splits[r]:self._splits[r + 1]]
                      for r in range(len(self))[i]]
            flat = np.concatenate(values) if values else self._values[:0]
            return RaggedTensor(flat, np.cumsum([0, *map(len, values)]))
        if not isinstance(i, (int, np.integer)):
            raise NotImplementedError(_("A RaggedTensor is indexed by row number (r[0]) or "
                                        "a slice of rows (r[1:3]) only; r.to_tensor() "
                                        "gives a dense tensor for other indexing."))
        n = len(self)
        if not -n <= i < n:
            raise IndexError(_("Row {i} is out of range for a RaggedTensor of {n} "
                               "rows.").format(i=i, n=n))
        i %= n
        return Tensor(self._values[self._splits[i]:self._splits[i + 1]])

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def to_list(self) -> list:
        return [self[i].array.tolist() for i in range(len(self))]

    def numpy(self) -> np.ndarray:
        """One array per row, in an object array (as TensorFlow gives)."""
        out = np.empty(len(self), dtype=object)
        for i in range(len(self)):
            out[i] = self[i].array
        return out

    def to_tensor(self, default_value: Any = None, shape=None) -> Tensor:
        """The rows padded with ``default_value`` (0, or "" for strings) to the longest."""
        lengths = np.diff(self._splits)
        width = int(lengths.max()) if len(lengths) else 0
        if shape is not None and shape[-1] is not None:
            width = int(shape[-1])
        fill = default_value if default_value is not None else (
            "" if self._values.dtype.kind in "SU" else 0)
        out = np.full((len(self), width), fill, dtype=self._values.dtype)
        for i, row in enumerate(self):
            out[i, :min(width, len(row.array))] = row.array[:width]
        return Tensor(out)

    def __repr__(self) -> str:
        return f"<tf.RaggedTensor {self.to_list()}>"


def constant(pylist, dtype=None, ragged_rank=None, name=None) -> RaggedTensor:
    """A RaggedTensor of a list of rows of different lengths (two dimensions)."""
    rows = [to_array(r, dtype) for r in pylist]
    if any(r.ndim != 1 for r in rows):
        raise NotImplementedError(_("tf.ragged.constant: glassnet makes ragged tensors of two "
                                    "dimensions (a list of lists of values)."))
    return RaggedTensor.from_row_lists(rows)
