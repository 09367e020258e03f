"""``Masking``: skip the time steps whose features all equal a padding value."""

from __future__ import annotations

import numpy as np

from ..i18n import N_
from .base import Layer


class Masking(Layer):
    """Masks the steps of a sequence made only of ``mask_value`` (padding), as Keras does::

        m[n, t] = any_f (x[n, t, f] != mask_value)      the mask, (batch, T)
        y[n, t] = x[n, t] if m[n, t] else 0

    The RNN layers after it (through ``Dropout``, ``Dense``, ...) carry their states over
    the masked steps (see ``recurrent.RNN``). Backward: ``dx = dy · m``.

    Example: ``x = [[[1, 2], [0, 0], [3, 0]]]`` with ``mask_value=0`` gives the mask
    ``[[True, False, True]]``.
    """

    handles_variable_length = True  # any number of steps
    formula = N_("y = x · m,  m = any(x != mask_value) over the features")
    backward_formula = N_("dx = dy · m")

    def __init__(self, mask_value: float = 0.0, **kwargs) -> None:
        super().__init__(**kwargs)
        self.mask_value = float(mask_value)
        self.output_mask: np.ndarray | None = None

    def compute_mask(self, inputs, mask=None) -> np.ndarray:
        """Keras's ``compute_mask``: True where a step has a feature not equal to
        ``mask_value``."""
        return np.any(np.asarray(inputs) != self.mask_value, axis=-1)

    def connect_mask(self, inputs):
        """This layer's ``output_mask`` masks its output."""
        return self

    def forward(self, x, training=False):
        self.output_mask = self.compute_mask(x)
        self.keep = self.output_mask[..., None].astype(x.dtype)
        return x * self.keep

    def backward(self, dy):
        if not self.need_input_grad:
            return None
        return dy * self.keep

    def get_config(self):
        return {**super().get_config(), "mask_value": self.mask_value}
