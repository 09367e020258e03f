"""``UpSampling1D``: lengthen sequences by repeating each step."""

from __future__ import annotations

import numpy as np

from ..i18n import N_, _
from .padding1d import StepsLayer


class UpSampling1D(StepsLayer):
    """Repeat each step ``s`` times: ``y[n, t, c] = x[n, t // s, c]``; ``(batch, T, C)`` ->
    ``(batch, s·T, C)``.

    Backward: each step was copied ``s`` times, so it receives the sum of their gradients,
    ``dx[n, t, c] = Σ_{p < s} dy[n, t·s + p, c]``.
    """

    formula = "y[t] = x[t // s]"
    backward_formula = N_("dx = sum of dy over each block of s steps")

    def __init__(self, size: int = 2, **kwargs) -> None:
        super().__init__(**kwargs)
        if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
            raise ValueError(_("UpSampling1D size must be a positive integer, got "
                               "{size!r}.").format(size=size))
        self.size = int(size)

    def compute_output_shape(self, input_shape):
        T, C = input_shape
        return (None if T is None else T * self.size, C)

    def forward(self, x, training=False):
        return x.repeat(self.size, axis=1)

    def backward(self, dy):
        if not self.need_input_grad:
            return None
        n, T, C = dy.shape
        return dy.reshape(n, T // self.size, self.size, C).sum(axis=2)

    def get_config(self):
        return {**super().get_config(), "size": self.size}
