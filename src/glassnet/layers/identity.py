"""``Identity``: ``y = x``, a placeholder layer (Keras's ``layers.Identity``)."""

from __future__ import annotations

from .base import Layer


class Identity(Layer):
    """``y = x``; backward ``dx = dy``. Useful to switch a part of a model off by config."""

    handles_variable_length = True  # any number of time steps (see Layer)
    supports_masking = True

    formula = "y = x"
    backward_formula = "dx = dy"

    def forward(self, x, training=False):
        return x

    def backward(self, dy):
        return dy
