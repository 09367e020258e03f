"""``DataLayer``: the base of Keras's preprocessing layers for text and categories
(``TextVectorization``, ``StringLookup``, ``IntegerLookup``, ``CategoryEncoding``,
``Hashing``, ``Discretization``), and ``encode``, the one-hot/multi-hot/count encoding
that they share.

These layers map data to numbers with a fixed table (a vocabulary, bin boundaries, a hash):
they have no weights and no gradient (an integer index has no derivative), so they sit
before the trainable part of a model. ``fit`` never runs ``backward`` through them (the
graph's ``plan`` skips layers with no trainable weights upstream), and their ``backward``
returns None.

Their input may be text: NumPy ``str``/``bytes``/``object`` arrays, lists of strings, or
string tensors (``tf.constant(["a b"])``); ``accepts_text`` tells ``fit``/``predict``
(``validation.inputs``) to pass such inputs through unconverted.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import backend
from ..data import as_text_array
from ..graph import symbolic
from ..i18n import _
from ..tensor import Tensor
from .base import Layer

#: the output modes of ``encode``
MODES = ("int", "one_hot", "multi_hot", "count")


def check_mode(layer: str, mode: str, allowed=MODES) -> str:
    """``mode`` with Keras's old spellings mapped (``binary`` -> ``multi_hot``,
    ``tf-idf`` -> ``tf_idf``), or an error naming the allowed ones."""
    mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(mode, mode)
    if mode not in allowed:
        raise ValueError(_("{layer}: output_mode={mode!r} is not one of {allowed}.").format(
            layer=layer, mode=mode, allowed=", ".join(map(repr, allowed))))
    return mode


def encode(indices: np.ndarray, mode: str, depth: int, weights: np.ndarray | None = None
           ) -> np.ndarray:
    """Integer indices in ``[0, depth)`` as Keras's categorical encodings (float32):

    * ``"one_hot"``: one row of ``depth`` per index, ``out[..., i, k] = [k == i]``; a last
      axis of size 1 is replaced (``(batch, 1)`` -> ``(batch, depth)``);
    * ``"multi_hot"``: per sample (the last axis holds a sample's indices),
      ``out[k] = [k in indices]``;
    * ``"count"``: ``out[k] = #{j : indices[j] = k}``, times ``weights[k]`` if given (TF-IDF).

    Indices outside ``[0, depth)`` (a masked token) count nowhere, as in Keras. Example:
    ``encode([[0, 2, 2]], "count", 4) == [[1, 0, 2, 0]]``.
    """
    idx = np.asarray(indices, dtype=np.int64)
    if mode == "int":
        return idx
    if idx.ndim == 0:
        idx = idx[np.newaxis]
    if mode == "one_hot" and idx.ndim > 1 and idx.shape[-1] == 1:
        idx = idx[..., 0]
    valid = (idx >= 0) & (idx < depth)
    if mode == "one_hot":
        out = np.zeros((*idx.shape, depth), backend.floatx())
        flat = out.reshape(-1, depth)
        rows = np.flatnonzero(valid)
        flat[rows, idx.reshape(-1)[rows]] = 1
        return out
    rows_shape = idx.shape[:-1]
    k = idx.shape[-1]
    flat_idx = idx.reshape(-1, k)
    r, c = np.nonzero(valid.reshape(-1, k))
    n = flat_idx.shape[0]  # counts of each (row, index) pair, in one bincount
    out = np.bincount(r * depth + flat_idx[r, c], minlength=n * depth).reshape(n, depth)
    out = out.astype(backend.floatx())
    if mode == "multi_hot":
        np.minimum(out, 1, out=out)
    elif weights is not None:
        out *= np.asarray(weights, out.dtype)
    return out.reshape(*rows_shape, depth)


def encoded_shape(input_shape: tuple, mode: str, depth: int) -> tuple:
    """The output shape of ``encode`` for inputs of ``input_shape`` (batch axis excluded)."""
    shape = tuple(input_shape)
    if mode == "int":
        return shape
    if mode == "one_hot":
        return (*(shape[:-1] if shape and shape[-1] == 1 else shape), depth)
    return (*shape[:-1], depth)


def as_data(x) -> np.ndarray:
    """An input of a data layer as an array: strings (a list, a tensor, a pandas column,
    ``bytes``) as a ``str`` array (``data.as_text_array``), anything else as it is."""
    text = as_text_array(x)
    if text is not None:
        return text
    if isinstance(x, Tensor):
        return x.array
    return np.asarray(x.to_numpy() if hasattr(x, "to_numpy") else x)


class DataLayer(Layer):
    """A preprocessing layer: ``y = f(x)`` with a fixed ``f`` (a table learnt by ``adapt``,
    or given), no weights, no gradient.

    Subclasses define ``transform(x)`` on arrays (``x`` has the batch axis) and
    ``compute_output_shape``. Called on arrays, lists or tensors the layer returns a tensor
    at once (as in ``dataset.map(lambda x, y: (layer(x), y))``); called on a symbolic tensor
    it joins the graph like any layer.
    """

    accepts_text = False  # True: fit and predict pass string inputs through to it

    def __call__(self, x, *args, training: bool = False, **kwargs) -> Any:
        if symbolic(x):
            return super().__call__(x, *args, training=training, **kwargs)
        return Tensor(self.transform(as_data(x)))

    def forward(self, x, training=False):
        return self.transform(as_data(x))

    def backward(self, dy):
        """No gradient: the output is an index or a count of the input's values."""
        return None

    def transform(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    @staticmethod
    def batches(data) -> list[np.ndarray]:
        """What ``adapt`` reads: an array or a list of values is one batch; a dataset or
        another iterable gives batches (the first item of ``(x, y)`` pairs)."""
        if isinstance(data, (np.ndarray, list, tuple, Tensor)) or hasattr(data, "to_numpy"):
            return [as_data(data)]
        out = []
        for b in data:
            out.append(as_data(b[0] if isinstance(b, tuple) else b))
        return out
