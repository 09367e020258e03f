"""Pooling over sequences: ``MaxPooling1D`` and ``AveragePooling1D``.

A sequence ``(batch, steps, C)`` is an image one pixel high, ``(batch, 1, steps, C)``, so
each layer is its 2-D counterpart from ``pooling.py`` with a ``1 x pool_size`` window,
between two reshapes (no copy). The arithmetic and its backward pass live there.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from ..i18n import N_, _
from ._spatial import check_data_format, check_padding, output_length
from .base import Layer
from .pooling import AveragePooling2D, MaxPooling2D


def _positive_int(value, what: str, layer: str) -> int:
    if isinstance(value, (list, tuple)) and len(value) == 1:
        value = value[0]
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(_("{layer} {what} must be a positive integer, got {value!r}.").format(
                               layer=layer, what=what, value=value))
    return int(value)


class _Pooling1D(Layer):
    """``(batch, steps, C)`` -> ``(batch, steps_out, C)`` through a 1-pixel-high 2-D pooling."""

    pooling2d: type = MaxPooling2D
    handles_variable_length = True  # sequences of any length: the 2-D pooling follows each batch

    def __init__(self, pool_size: int = 2, strides: int | None = None, padding: str = "valid",
                 data_format: str | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        kind = f"{type(self).__name__} {self.name!r}"
        self.pool_size = _positive_int(pool_size, "pool_size", kind)
        self.strides = self.pool_size if strides is None else \
            _positive_int(strides, "strides", kind)
        self.padding = check_padding(padding, kind)
        self.data_format = check_data_format(data_format, kind)
        self.pool = self.pooling2d((1, self.pool_size), (1, self.strides), self.padding,
                                   name=f"{self.name}_2d")

    def build(self, input_shape):
        if len(input_shape) != 2:
            raise InputError(
                _("{kind} layer {name!r} expects inputs of shape (batch, steps, "
                  "channels), got (batch, {shape}).").format(
                      kind=type(self).__name__, name=self.name,
                      shape=", ".join(map(str, input_shape)))
            )
        steps, C = input_shape
        if self.padding == "valid" and steps is not None and steps < self.pool_size:
            raise InputError(
                _("{kind} layer {name!r}: its window of {pool_size} steps does not fit "
                  "in sequences of {steps} steps. Use a smaller pool_size or "
                  "padding='same'.").format(
                      kind=type(self).__name__, name=self.name, pool_size=self.pool_size,
                      steps=steps)
            )
        self.pool.build((1, steps, C))
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        steps, C = input_shape
        return (output_length(steps, self.pool_size, self.strides, self.padding), C)

    def forward(self, x, training=False):
        n, steps, C = x.shape
        self.pool.need_input_grad = self.need_input_grad
        self.x_shape = x.shape
        y = self.pool.forward(x.reshape(n, 1, steps, C), training)
        return y.reshape(n, *y.shape[2:])

    def backward(self, dy):
        if not self.need_input_grad:
            return None
        n = len(dy)
        dx = self.pool.backward(dy.reshape(n, 1, *dy.shape[1:]))
        return dx.reshape(self.x_shape)

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size, "strides": self.strides,
                "padding": self.padding}


class MaxPooling1D(_Pooling1D):
    """The largest value of each window of ``pool_size`` steps, ``strides`` apart
    (default: ``pool_size``, windows side by side): ``y[n, i, c] = max_p x[n, i·s + p, c]``.

    Backward: ``dy`` goes to each window's maximum (see ``MaxPooling2D``).
    Example: ``[1, 3, 2, 5, 4]`` with ``pool_size=2`` gives ``[3, 5]`` (the last step unused).
    """

    formula = N_("y = max over each window of steps")
    backward_formula = N_("dx = dy at the maximum of each window, 0 elsewhere")
    pooling2d = MaxPooling2D


class AveragePooling1D(_Pooling1D):
    """The mean of each window of ``pool_size`` steps: ``y[n, i, c] = (1/k) Σ_p x[n, i·s + p, c]``.

    With ``same`` padding, border windows average their real steps only (as Keras).
    Backward: each step of a window gets ``dy / k``.
    Example: ``[1, 3, 2, 5, 4]`` with ``pool_size=2`` gives ``[2, 3.5]``.
    """

    formula = N_("y = mean over each window of steps")
    backward_formula = N_("dx = dy / (steps per window), spread over each window")
    pooling2d = AveragePooling2D
