"""``tf.SparseTensor`` and ``tf.sparse``: a tensor given by its non-zero entries.

    >>> st = tf.SparseTensor(indices=[[0, 2], [2, 1]], values=[2, 11], dense_shape=[3, 4])
    >>> tf.sparse.to_dense(st)          # zeros of shape (3, 4) with st's values placed

The basics only: the three parts, ``to_dense``/``from_dense``, and ``tf.sparse.add`` of a
sparse and a dense tensor. ``to_dense`` is differentiated through its values (it is
``tf.scatter_nd``); the ops do not take sparse tensors otherwise.
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor, to_array
from ._core import as_tensor
from .array import scatter_nd


class SparseTensor:
    """``indices (n, rank)``, ``values (n,)`` and ``dense_shape (rank,)``."""

    def __init__(self, indices, values, dense_shape) -> None:
        self.indices = Tensor(np.asarray(to_array(indices), np.int64).reshape(-1, len(
            np.asarray(to_array(dense_shape)).reshape(-1))))
        self.values = as_tensor(values)
        self.dense_shape = Tensor(np.asarray(to_array(dense_shape), np.int64).reshape(-1))

    @property
    def shape(self):
        from ..tensor_shape import TensorShape

        return TensorShape(tuple(int(d) for d in self.dense_shape.array))

    @property
    def dtype(self) -> np.dtype:
        return self.values.dtype

    def __repr__(self) -> str:
        return (f"SparseTensor(indices={self.indices}, values={self.values}, "
                f"dense_shape={self.dense_shape})")


def to_dense(sp_input: SparseTensor, default_value=None, validate_indices=True,
             name=None) -> Tensor:
    """The dense tensor: ``default_value`` (0) everywhere but at the indices."""
    dense = scatter_nd(sp_input.indices, sp_input.values, sp_input.dense_shape.array)
    if default_value not in (None, 0):
        filled = np.full(dense.shape, default_value, dense.dtype)
        filled[tuple(np.moveaxis(sp_input.indices.array, -1, 0))] = sp_input.values.array
        return Tensor(filled)
    return dense


def from_dense(tensor) -> SparseTensor:
    """The non-zero entries of ``tensor``."""
    a = as_tensor(tensor).array
    where = np.argwhere(a != 0)
    return SparseTensor(where, a[tuple(where.T)], a.shape)


def add(a, b, threshold=0) -> Tensor | SparseTensor:
    """A sparse tensor plus a dense one (a dense tensor), or two sparse ones (sparse)."""
    if isinstance(a, SparseTensor) and isinstance(b, SparseTensor):
        return from_dense(to_dense(a) + to_dense(b))
    sparse, dense = (a, b) if isinstance(a, SparseTensor) else (b, a)
    return to_dense(sparse) + as_tensor(dense)
