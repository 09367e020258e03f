"""``TensorShape``: a tensor's shape, a tuple with TensorFlow's methods.

``x.shape`` is a tuple (``x.shape == (2, 3)``, ``x.shape[0]``, ``rows, cols = x.shape``)
that also answers TensorFlow's questions: ``x.shape.as_list()``, ``x.shape.rank``,
``x.shape.num_elements()``. ``None`` stands for an axis of unknown size, as in
``tf.TensorShape([None, 3])``.
"""

from __future__ import annotations

import math
from typing import Any


class TensorShape(tuple):
    """``TensorShape(dims)``: a tuple of ints (or ``None``)."""

    def __new__(cls, dims: Any = ()) -> TensorShape:
        if dims is None:
            dims = ()
        elif isinstance(dims, int):
            dims = (dims,)
        return super().__new__(cls, (None if d is None else int(d) for d in dims))

    def as_list(self) -> list[int | None]:
        return list(self)

    @property
    def rank(self) -> int:
        return len(self)

    ndims = rank

    @property
    def dims(self) -> list[int | None]:
        return list(self)

    def num_elements(self) -> int | None:
        """The number of entries, or None when an axis is unknown."""
        return None if None in self else math.prod(self)

    def is_fully_defined(self) -> bool:
        return None not in self

    def __getitem__(self, key):
        item = super().__getitem__(key)
        return TensorShape(item) if isinstance(key, slice) else item
