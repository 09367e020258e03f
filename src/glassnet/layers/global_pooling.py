"""Global pooling over sequences and images: ``GlobalMaxPooling1D``, ``GlobalMaxPooling2D``
and ``GlobalAveragePooling1D`` (``GlobalAveragePooling2D`` lives in ``pooling.py``).

Each channel is summarised by one number over all its steps (``(batch, steps, C)``) or
pixels (``(batch, H, W, C)``): ``y (batch, C)``, or with ``keepdims=True`` the pooled axes
kept with size 1. No weights.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from ..i18n import N_, _
from ._spatial import check_data_format
from .base import Layer


class _GlobalPooling(Layer):
    """What the global poolings share: the pooled axes (all but batch and channels)."""

    rank = 1  # pooled axes: 1 (steps) or 2 (height, width)

    def __init__(self, data_format: str | None = None, keepdims: bool = False,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.data_format = check_data_format(data_format, f"{type(self).__name__} {self.name!r}")
        self.keepdims = bool(keepdims)
        self._axes = tuple(range(1, self.rank + 1))

    def build(self, input_shape):
        if len(input_shape) != self.rank + 1:
            want = "(batch, steps, channels)" if self.rank == 1 else \
                "(batch, height, width, channels)"
            raise InputError(
                _("{kind} layer {name!r} expects inputs of shape {want}, got (batch, "
                  "{shape}).").format(
                      kind=type(self).__name__, name=self.name, want=want,
                      shape=", ".join(map(str, input_shape)))
            )
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        return (*[1] * self.rank, input_shape[-1]) if self.keepdims else (input_shape[-1],)

    def get_config(self):
        return {**super().get_config(), "keepdims": self.keepdims}


class _GlobalMaxPooling(_GlobalPooling):
    """``y[n, c] = max over the pooled axes of x[n, ..., c]``.

    Backward: only the largest value of each channel influenced ``y``, so it alone gets
    ``dy`` (the first one on ties, as ``MaxPooling2D``), every other position 0.
    """

    formula = N_("y = max of x over the pooled axes, per channel")
    backward_formula = N_("dx = dy at the maximum of each channel, 0 elsewhere")

    def forward(self, x, training=False):
        n, C = len(x), x.shape[-1]
        flat = x.reshape(n, -1, C)
        self.winner = flat.argmax(axis=1)  # (n, C): position of each channel's maximum
        self.x_shape = x.shape
        y = np.take_along_axis(flat, self.winner[:, None], axis=1)[:, 0]
        return y.reshape(n, *[1] * self.rank, C) if self.keepdims else y

    def backward(self, dy):
        if not self.need_input_grad:
            return None
        n, C = self.x_shape[0], self.x_shape[-1]
        dx = np.zeros((n, int(np.prod(self.x_shape[1:-1])), C), dy.dtype)
        np.put_along_axis(dx, self.winner[:, None], dy.reshape(n, 1, C), axis=1)
        return dx.reshape(self.x_shape)


class GlobalMaxPooling1D(_GlobalMaxPooling):
    """The largest value of each channel over the steps: ``(batch, steps, C)`` -> ``(batch, C)``."""

    rank = 1
    handles_variable_length = True  # any number of steps


class GlobalMaxPooling2D(_GlobalMaxPooling):
    """The largest value of each channel over the image: ``(batch, H, W, C)`` -> ``(batch, C)``."""

    rank = 2
    handles_variable_length = True  # images of any size


class GlobalAveragePooling1D(_GlobalPooling):
    """The mean of each channel over the steps: ``y[n, c] = (1/T) Σ_t x[n, t, c]``.

    Shapes: ``(batch, T, C)`` -> ``(batch, C)``. Backward: every step gets ``dy / T``.
    Typical use: after ``Embedding``, the mean of a sentence's word vectors.

    With a mask (``Embedding(mask_zero=True)`` before it) the mean is over the unmasked
    steps only, as in Keras: ``y[n] = Σ_t m[n, t] x[n, t] / Σ_t m[n, t]`` and
    ``dx[n, t] = m[n, t] dy[n] / Σ_t m[n, t]`` (a sequence of padding only gives 0, where
    Keras gives NaN).
    """

    formula = N_("y = mean of x over the (unmasked) steps")
    backward_formula = N_("dx = dy / T at every (unmasked) step")
    rank = 1
    handles_variable_length = True  # any number of steps
    mask_source = None

    def connect_mask(self, inputs):
        self.mask_source = inputs[0].mask_source
        return None

    def forward(self, x, training=False):
        self.x_shape = x.shape
        mask = None if self.mask_source is None else self.mask_source.output_mask
        if mask is None:
            self.weights_t = None
            return x.mean(axis=1, keepdims=self.keepdims)
        count = np.maximum(mask.sum(axis=1, keepdims=True), 1)  # (n, 1)
        self.weights_t = (mask / count).astype(x.dtype)[:, :, None]  # m[n, t] / Σ_t m[n, t]
        return (x * self.weights_t).sum(axis=1, keepdims=self.keepdims)

    def backward(self, dy):
        if not self.need_input_grad:
            return None
        n, T, C = self.x_shape
        if self.weights_t is not None:
            return dy.reshape(n, 1, C) * self.weights_t
        dx = np.empty(self.x_shape, dy.dtype)
        dx[...] = dy.reshape(n, 1, C) / dy.dtype.type(T)
        return dx
