"""Sequence ends: ``ZeroPadding1D`` adds zero steps, ``Cropping1D`` removes steps. Each is
the other's backward pass. No weights. Inputs ``(batch, steps, features)``."""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from ..i18n import N_, _
from .base import Layer


def as_ends(value, what: str, layer: str) -> tuple[int, int]:
    """Keras's two spellings: ``p`` (both ends) or ``(before, after)``."""
    pair = (value, value) if isinstance(value, (int, np.integer)) else value
    try:
        before, after = pair
        if any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0
               for v in (before, after)):
            raise TypeError
    except (TypeError, ValueError):
        raise ValueError(_("{layer} {what} must be a non-negative integer or a pair "
                           "(before, after) of them; got {value!r}.").format(
                               layer=layer, what=what, value=value)) from None
    return int(before), int(after)


class StepsLayer(Layer):
    """Shared: inputs of shape ``(batch, steps, features)``, any number of steps."""

    handles_variable_length = True  # any number of time steps (see Layer)

    def build(self, input_shape):
        if len(input_shape) != 2:
            raise InputError(_("{cls} layer {name!r} takes sequences of shape (batch, steps, "
                               "features), got inputs of shape {shape}.").format(
                cls=type(self).__name__, name=self.name, shape=(None, *input_shape)))
        super().build(input_shape)


class ZeroPadding1D(StepsLayer):
    """``(batch, T, C)`` -> ``(batch, a + T + b, C)`` with ``a`` zero steps before and ``b``
    after. Backward: ``dx = dy[:, a:a + T]`` (the zeros do not depend on ``x``)."""

    formula = N_("y = x with zero steps added at both ends")
    backward_formula = N_("dx = dy without the added steps")

    def __init__(self, padding=1, **kwargs) -> None:
        super().__init__(**kwargs)
        self.padding = as_ends(padding, "padding", "ZeroPadding1D")

    def compute_output_shape(self, input_shape):
        T, C = input_shape
        return (None if T is None else T + sum(self.padding), C)

    def forward(self, x, training=False):
        a, b = self.padding
        self.steps = x.shape[1]
        return np.pad(x, ((0, 0), (a, b), (0, 0)))

    def backward(self, dy):
        if not self.need_input_grad:
            return None
        a = self.padding[0]
        return dy[:, a:a + self.steps]

    def get_config(self):
        return {**super().get_config(), "padding": list(self.padding)}


class Cropping1D(StepsLayer):
    """``(batch, T, C)`` -> ``(batch, T - a - b, C)``: drop ``a`` steps at the start and
    ``b`` at the end. Backward: ``dx`` is ``dy`` with zeros at the dropped steps."""

    formula = N_("y = x without its first and last steps")
    backward_formula = N_("dx = dy with zeros where x was cropped")

    def __init__(self, cropping=(1, 1), **kwargs) -> None:
        super().__init__(**kwargs)
        self.cropping = as_ends(cropping, "cropping", "Cropping1D")

    def compute_output_shape(self, input_shape):
        T, C = input_shape
        if T is not None and sum(self.cropping) >= T:
            raise InputError(_("Cropping1D layer {name!r}: cropping {cropping} removes all "
                               "{T} steps of the sequences. Crop fewer steps.").format(
                                   name=self.name, cropping=self.cropping, T=T))
        return (None if T is None else T - sum(self.cropping), C)

    def forward(self, x, training=False):
        a, b = self.cropping
        self.steps = x.shape[1]
        return x[:, a:self.steps - b]

    def backward(self, dy):
        if not self.need_input_grad:
            return None
        a, b = self.cropping
        dx = np.zeros((len(dy), self.steps, dy.shape[2]), dy.dtype)
        dx[:, a:self.steps - b] = dy
        return dx

    def get_config(self):
        return {**super().get_config(), "cropping": list(self.cropping)}
