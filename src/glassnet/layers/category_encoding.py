"""``CategoryEncoding``: integer categories as one-hot, multi-hot or count vectors (Keras's
layer, ``keras/src/layers/preprocessing/category_encoding.py``), with ``encode``."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..i18n import _
from ..tensor import Tensor
from .data_layer import DataLayer, as_data, check_mode, encode, encoded_shape


class CategoryEncoding(DataLayer):
    """Integers in ``[0, num_tokens)`` -> vectors of ``num_tokens`` (float32).

    ``output_mode="multi_hot"`` (the default): 1 at each index a sample holds (the last axis
    holds one sample's values); ``"one_hot"``: one vector per value; ``"count"``: how often
    each index occurs, or the sum of ``count_weights`` at its occurrences. Example:
    ``CategoryEncoding(4, "count")([[0, 1, 1]])`` gives ``[[1, 2, 0, 0]]``.
    """

    def __init__(self, num_tokens: int | None = None, output_mode: str = "multi_hot",
                 sparse: bool = False, max_tokens: int | None = None, **kwargs) -> None:
        kwargs.pop("dtype", None)
        super().__init__(**kwargs)
        if max_tokens is not None:  # TensorFlow 2.4's experimental.preprocessing name
            from ..legacy import warn_once

            warn_once("CategoryEncoding(max_tokens=...)", "CategoryEncoding(num_tokens=...)")
            num_tokens = max_tokens if num_tokens is None else num_tokens
        self.output_mode = check_mode("CategoryEncoding", output_mode,
                                      ("one_hot", "multi_hot", "count"))
        if num_tokens is None or int(num_tokens) < 1:
            raise ValueError(_("CategoryEncoding: num_tokens must be a positive integer, got "
                               "{num_tokens!r}. If the number of categories is not known, "
                               "use IntegerLookup (or StringLookup) with output_mode="
                               "'multi_hot' instead.").format(num_tokens=num_tokens))
        if sparse:
            raise NotImplementedError(_("CategoryEncoding: sparse=True is not supported by "
                                        "glassnet (outputs are dense NumPy arrays)."))
        self.num_tokens = int(num_tokens)
        self.sparse = False

    def __call__(self, x, count_weights=None, **kwargs):
        if count_weights is None:
            return super().__call__(x, **kwargs)
        if self.output_mode != "count":
            raise ValueError(_("CategoryEncoding: count_weights is for output_mode='count', "
                               "got output_mode={mode!r}.").format(mode=self.output_mode))
        idx, w = as_data(x).astype(np.int64), as_data(count_weights).astype(np.float32)
        rows = idx.reshape(-1, idx.shape[-1])
        out = np.zeros((len(rows), self.num_tokens), np.float32)
        keep = (rows >= 0) & (rows < self.num_tokens)
        r, c = np.nonzero(keep)
        np.add.at(out, (r, rows[r, c]), w.reshape(rows.shape)[r, c])
        return Tensor(out.reshape(*idx.shape[:-1], self.num_tokens))

    def transform(self, x: np.ndarray) -> np.ndarray:
        idx = np.asarray(x)
        if idx.size and (idx.min() < 0 or idx.max() >= self.num_tokens):
            raise ValueError(_("CategoryEncoding layer {name!r}: the inputs must lie in "
                               "[0, {n}), got values from {lo} to {hi}. Raise num_tokens, or "
                               "map the values to indices first with IntegerLookup.").format(
                                   name=self.name, n=self.num_tokens, lo=idx.min(),
                                   hi=idx.max()))
        return encode(idx, self.output_mode, self.num_tokens)

    def compute_output_shape(self, input_shape):
        if not input_shape:
            return (self.num_tokens,)
        return encoded_shape(input_shape, self.output_mode, self.num_tokens)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "num_tokens": self.num_tokens,
                "output_mode": self.output_mode, "sparse": False}
