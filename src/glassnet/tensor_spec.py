"""``tf.TensorSpec``: the shape and dtype a function expects, as in
``@tf.function(input_signature=[tf.TensorSpec(shape=[None, 2], dtype=tf.float32)])``.

glassnet runs every function eagerly, so a spec traces nothing; it describes a tensor and
can say whether a tensor fits (``None`` in ``shape``: any size on that axis).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .tensor import Tensor


class TensorSpec:
    """``TensorSpec(shape, dtype=tf.float32, name=None)``."""

    def __init__(self, shape: Any, dtype: Any = np.float32, name: str | None = None) -> None:
        self.shape = None if shape is None else tuple(None if d is None else int(d)
                                                      for d in shape)
        self.dtype = np.dtype(dtype)
        self.name = name

    def is_compatible_with(self, value: Any) -> bool:
        """Whether ``value`` (a tensor, array or spec) has this dtype and a fitting shape."""
        shape = value.shape if isinstance(value, (TensorSpec, Tensor, np.ndarray)) \
            else np.shape(value)
        dtype = getattr(value, "dtype", np.asarray(value).dtype)
        if np.dtype(dtype) != self.dtype:
            return False
        if self.shape is None or shape is None:
            return True
        return len(shape) == len(self.shape) and all(
            a is None or b is None or a == b for a, b in zip(self.shape, shape))

    def __eq__(self, other: Any) -> bool:
        return (isinstance(other, TensorSpec) and (self.shape, self.dtype, self.name)
                == (other.shape, other.dtype, other.name))

    def __hash__(self) -> int:
        return hash((self.shape, self.dtype, self.name))

    def __repr__(self) -> str:
        return f"TensorSpec(shape={self.shape}, dtype=tf.{self.dtype.name}, name={self.name!r})"
