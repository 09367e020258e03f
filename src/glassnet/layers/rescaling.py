"""``Rescaling``: ``y = x · scale + offset``, e.g. pixels from [0, 255] to [0, 1]."""

from __future__ import annotations

import numpy as np

from .base import Layer


def _number_or_list(value):
    """A float, or a (nested) list of floats for a per-channel array, for ``get_config``."""
    array = np.asarray(value, dtype=np.float64)
    return float(array) if array.ndim == 0 else array.tolist()


class Rescaling(Layer):
    """``y = x · scale + offset``; backward ``dx = dy · scale``. No weights.

    ``Rescaling(1/255)`` maps pixels in [0, 255] to [0, 1]; ``Rescaling(1/127.5, offset=-1)``
    maps them to [-1, 1]. ``scale`` and ``offset`` may be arrays that broadcast against one
    sample, e.g. one value per channel.

    Example: ``Rescaling(1/127.5, offset=-1)`` maps ``[0, 127.5, 255]`` to ``[-1, 0, 1]``.
    """

    formula = "y = x * scale + offset"
    backward_formula = "dx = dy * scale"

    def __init__(self, scale: float, offset: float = 0.0, **kwargs) -> None:
        super().__init__(**kwargs)
        self.scale = _number_or_list(scale)
        self.offset = _number_or_list(offset)

    def forward(self, x, training=False):
        scale = np.asarray(self.scale, x.dtype)
        offset = np.asarray(self.offset, x.dtype)
        return x * scale + offset

    def backward(self, dy):
        if not self.need_input_grad:
            return None
        return dy * np.asarray(self.scale, dy.dtype)

    def get_config(self):
        return {**super().get_config(), "scale": self.scale, "offset": self.offset}
